import CFirebird

/// Reading the current row of a statement after ``Statement/fetch()``.
///
/// The typed accessors read straight from the fetch buffers (the fast path); ``value(_:)`` and
/// ``row()`` build ``FirebirdValue``s.
extension Statement {
    /// True when column `index` of the current row is NULL.
    @inline(__always)
    public func isNull(_ index: Int) -> Bool {
        output.indicator(index).pointee == -1
    }

    /// An integer column (SMALLINT, INTEGER, BIGINT, or a NUMERIC holding a whole number); nil when NULL.
    @inline(__always)
    public func int64(_ index: Int) -> Int64? {
        if isNull(index) { return nil }
        let buffer = UnsafeRawPointer(output.buffers[index].pointer)
        let column = output.columns[index]
        let raw: Int64
        switch column.type {
        case .smallint: raw = Int64(buffer.load(as: Int16.self))
        case .integer: raw = Int64(buffer.load(as: Int32.self))
        case .bigint: raw = buffer.load(as: Int64.self)
        default:
            return value(index).exactNumber?.rescaled(to: 0)?.unscaled64
        }
        if column.scale == 0 { return raw }
        return FirebirdDecimal(unscaled: raw, scale: Int(column.scale)).rescaled(to: 0)?.unscaled64
    }

    /// An INTEGER column; nil when NULL or out of range.
    @inline(__always)
    public func int32(_ index: Int) -> Int32? {
        let column = output.columns[index]
        if column.type == .integer && column.scale == 0 {
            return isNull(index) ? nil : UnsafeRawPointer(output.buffers[index].pointer).load(as: Int32.self)
        }
        return int64(index).flatMap { Int32(exactly: $0) }
    }

    /// A CHAR or VARCHAR column decoded from its charset (CHAR padding removed); other types as text.
    @inline(__always)
    public func string(_ index: Int) -> String? {
        if isNull(index) { return nil }
        let column = output.columns[index]
        let buffer = UnsafeRawPointer(output.buffers[index].pointer)
        switch column.type {
        case .varying:
            let length = Int(buffer.load(as: Int16.self))
            return decodeText(UnsafeRawBufferPointer(start: buffer + 2, count: length), charsetID: column.charsetID)
        case .text:
            return decodeText(UnsafeRawBufferPointer(start: buffer, count: Int(column.length)), charsetID: column.charsetID, trimPadding: true)
        default:
            switch value(index) {
            case .text(let text): return text
            case .null: return nil
            case let other: return other.description
            }
        }
    }

    /// The BLOB id of a BLOB column, to stream it with ``BlobReader``; nil when NULL.
    public func blobID(_ index: Int) -> FirebirdBlobID? {
        guard !isNull(index), output.columns[index].type == .blob else { return nil }
        return FirebirdBlobID(UnsafeRawPointer(output.buffers[index].pointer).load(as: ISC_QUAD.self))
    }

    /// Column `index` of the current row. BLOBs are read whole (text BLOBs decoded to String).
    public func value(_ index: Int) -> FirebirdValue {
        (try? readValue(index)) ?? .null
    }

    /// Column `index` of the current row; throws when a BLOB cannot be read.
    public func readValue(_ index: Int) throws -> FirebirdValue {
        if isNull(index) { return .null }
        let column = output.columns[index]
        let buffer = UnsafeRawPointer(output.buffers[index].pointer)
        switch column.type {
        case .smallint, .integer, .bigint:
            let raw: Int64
            switch column.type {
            case .smallint: raw = Int64(buffer.load(as: Int16.self))
            case .integer: raw = Int64(buffer.load(as: Int32.self))
            default: raw = buffer.load(as: Int64.self)
            }
            if column.scale < 0 { return .decimal(FirebirdDecimal(unscaled: raw, scale: Int(column.scale))) }
            switch column.type {
            case .smallint: return .smallint(Int16(raw))
            case .integer: return .integer(Int32(raw))
            default: return .bigint(raw)
            }
        case .float: return .float(buffer.load(as: Float.self))
        case .double: return .double(buffer.load(as: Double.self))
        case .varying, .text:
            if column.charsetID == FirebirdCharset.octets.id {
                let length = column.type == .varying ? Int(buffer.load(as: Int16.self)) : Int(column.length)
                let start = column.type == .varying ? buffer + 2 : buffer
                return .bytes(Array(UnsafeRawBufferPointer(start: start, count: length)))
            }
            return string(index).map(FirebirdValue.text) ?? .null
        case .date: return .date(FirebirdDate(iscDate: buffer.load(as: Int32.self)))
        case .time: return .time(FirebirdTime(iscTime: buffer.load(as: UInt32.self)))
        case .timestamp:
            return .timestamp(
                FirebirdTimestamp(
                    date: FirebirdDate(iscDate: buffer.load(as: Int32.self)),
                    time: FirebirdTime(iscTime: buffer.load(fromByteOffset: 4, as: UInt32.self))))
        case .boolean: return .boolean(buffer.load(as: UInt8.self) != 0)
        case .blob:
            guard let transaction = rowTransaction, let id = blobID(index) else { return .null }
            let bytes = try attachment.readBlob(id, in: transaction)
            if column.subtype == 1 {
                return .text(bytes.withUnsafeBytes { decodeText($0, charsetID: column.charsetID) })
            }
            return .bytes(bytes)
        default:
            if let value = readExtended(column, at: buffer) { return value }
            throw FirebirdError.conversion("column \(column.name) has the unsupported type \(column.type)", sql: sql)
        }
    }

    /// The current row, every column as a ``FirebirdValue``.
    public func row() throws -> Row {
        guard hasRow else { throw FirebirdError.misuse("there is no current row; call fetch() first", sql: sql) }
        var values: [FirebirdValue] = []
        values.reserveCapacity(output.count)
        for index in 0..<output.count { values.append(try readValue(index)) }
        return Row(columns: rowColumns, values: values)
    }

    /// Executes and collects every row.
    public func rows(_ arguments: [FirebirdValue] = [], in transaction: Transaction) throws -> [Row] {
        try execute(arguments, in: transaction)
        var rows: [Row] = []
        while try fetch() { rows.append(try row()) }
        return rows
    }

    var rowColumns: RowColumns {
        if let cached = cachedRowColumns { return cached }
        let made = RowColumns(columns)
        cachedRowColumns = made
        return made
    }

    @inline(__always)
    private func decodeText(_ bytes: UnsafeRawBufferPointer, charsetID: Int, trimPadding: Bool = false) -> String {
        var slice = bytes
        if trimPadding {
            var end = bytes.count
            while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0 { end -= 1 }
            slice = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
        }
        let configuration = attachment.configuration
        switch charsetID {
        case FirebirdCharset.none.id: return configuration.noneCharset.decode(slice)
        case FirebirdCharset.win1251.id: return FirebirdCharset.win1251.decode(slice)
        case FirebirdCharset.utf8.id, FirebirdCharset.unicodeFSS.id, FirebirdCharset.ascii.id:
            return String(decoding: slice, as: UTF8.self)
        default: return configuration.charset.decode(slice)
        }
    }
}
