import CFirebird

/// What `isc_database_info` tells about an attached database.
public struct DatabaseInfo: Sendable, Hashable {
    /// The server's version strings (`LI-V3.0.11.33637 Firebird 3.0`, one per layer for remote attachments).
    public var serverVersions: [String]
    /// The on-disk structure version, e.g. 12.0 for Firebird 3.
    public var odsMajor: Int
    public var odsMinor: Int
    /// The page size in bytes.
    public var pageSize: Int
    /// The SQL dialect of the database.
    public var dialect: Int
    /// The creation time of the database file, as the server stores it.
    public var createdAt: FirebirdTimestamp?

    /// The first server version string, e.g. `LI-V3.0.11.33637 Firebird 3.0`.
    public var serverVersion: String { serverVersions.first ?? "" }
    /// `12.0`.
    public var odsVersion: String { "\(odsMajor).\(odsMinor)" }
}

extension FirebirdAttachment {
    /// Reads version, ODS, page size, dialect and creation time with one `isc_database_info` call.
    public func info() throws -> DatabaseInfo {
        try ensureOpen()
        let items: [UInt8] = [
            UInt8(isc_info_firebird_version.rawValue), UInt8(isc_info_ods_version.rawValue),
            UInt8(isc_info_ods_minor_version.rawValue), UInt8(isc_info_page_size.rawValue),
            UInt8(isc_info_db_sql_dialect.rawValue), UInt8(isc_info_creation_date.rawValue), UInt8(isc_info_end),
        ]
        var buffer = [UInt8](repeating: 0, count: 1024)
        items.withUnsafeBufferPointer { itemBytes in
            buffer.withUnsafeMutableBufferPointer { out in
                _ = isc_database_info(
                    status.pointer, &handle, Int16(itemBytes.count),
                    UnsafeRawPointer(itemBytes.baseAddress!).assumingMemoryBound(to: CChar.self),
                    Int16(out.count), UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: CChar.self))
            }
        }
        try status.check()
        var info = DatabaseInfo(serverVersions: [], odsMajor: 0, odsMinor: 0, pageSize: 0, dialect: 0, createdAt: nil)
        for (item, slice) in InfoBuffer(buffer) {
            let value = Array(slice)
            switch item {
            case UInt8(isc_info_firebird_version.rawValue):
                var index = 1
                for _ in 0..<Int(value.first ?? 0) where index < value.count {
                    let length = Int(value[index])
                    info.serverVersions.append(String(decoding: value[(index + 1)..<min(value.count, index + 1 + length)], as: UTF8.self))
                    index += 1 + length
                }
            case UInt8(isc_info_ods_version.rawValue): info.odsMajor = InfoBuffer.integer(slice)
            case UInt8(isc_info_ods_minor_version.rawValue): info.odsMinor = InfoBuffer.integer(slice)
            case UInt8(isc_info_page_size.rawValue): info.pageSize = InfoBuffer.integer(slice)
            case UInt8(isc_info_db_sql_dialect.rawValue): info.dialect = InfoBuffer.integer(slice)
            case UInt8(isc_info_creation_date.rawValue) where value.count >= 8:
                let date = Int32(InfoBuffer.integer(value[0..<4]))
                let time = UInt32(truncatingIfNeeded: InfoBuffer.integer(value[4..<8]))
                info.createdAt = FirebirdTimestamp(date: FirebirdDate(iscDate: date), time: FirebirdTime(iscTime: time))
            default: break
            }
        }
        return info
    }
}

/// Walks the `item, length (2 bytes LE), value` clusters of an info response up to `isc_info_end`.
struct InfoBuffer: Sequence {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func makeIterator() -> AnyIterator<(UInt8, ArraySlice<UInt8>)> {
        var index = 0
        return AnyIterator {
            guard index + 3 <= bytes.count else { return nil }
            let item = bytes[index]
            if item == UInt8(isc_info_end) || item == UInt8(isc_info_truncated) { return nil }
            let length = Int(bytes[index + 1]) | Int(bytes[index + 2]) << 8
            let start = index + 3
            let end = Swift.min(bytes.count, start + length)
            index = end
            return (item, bytes[start..<end])
        }
    }

    /// A little-endian integer of 1 to 8 bytes (what `isc_vax_integer` / `isc_portable_integer` read).
    static func integer(_ bytes: ArraySlice<UInt8>) -> Int {
        var value: UInt64 = 0
        for (shift, byte) in bytes.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        let width = Swift.min(bytes.count, 8) * 8
        if width > 0, width < 64, value & (1 << UInt64(width - 1)) != 0 { value |= ~0 << UInt64(width) }
        return Int(Int64(bitPattern: value))
    }
}
