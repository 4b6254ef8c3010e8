import CFirebird

/// The ISC status vector every client call fills, turned into ``FirebirdError`` on failure.
///
/// Owned by one attachment (or one listener) and used only from its serial executor.
final class StatusVector {
    /// ISC_STATUS_ARRAY is 20 entries; some calls write long vectors, so keep a generous buffer.
    let pointer: UnsafeMutablePointer<ISC_STATUS>
    private static let capacity = 64

    init() {
        pointer = .allocate(capacity: Self.capacity)
        pointer.initialize(repeating: 0, count: Self.capacity)
    }

    deinit { pointer.deallocate() }

    /// True when the last call left an error (status[0] == 1 and status[1] != 0).
    var failed: Bool { pointer[0] == 1 && pointer[1] != 0 }

    /// Throws the error in the vector if the last call failed.
    @inline(__always)
    func check(sql: String? = nil, arguments: [FirebirdValue]? = nil) throws {
        if failed { throw error(sql: sql, arguments: arguments) }
    }

    /// The error the vector holds.
    func error(sql: String? = nil, arguments: [FirebirdValue]? = nil) -> FirebirdError {
        let codes = gdsCodes()
        let sqlCode = Int(isc_sqlcode(pointer))
        var state = [CChar](repeating: 0, count: 8)
        fb_sqlstate(&state, pointer)
        return FirebirdError(
            code: FirebirdError.classify(codes),
            message: interpret(),
            gdsCodes: codes,
            sqlCode: sqlCode,
            sqlState: String(decoding: state.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            sql: sql,
            arguments: arguments
        )
    }

    /// Walks the clusters of the vector and collects the `isc_arg_gds` codes.
    func gdsCodes() -> [Int] {
        var codes: [Int] = []
        var index = 0
        while index < Self.capacity - 1 {
            let kind = pointer[index]
            if kind == isc_arg_end { break }
            if kind == isc_arg_gds { codes.append(pointer[index + 1]) }
            index += kind == isc_arg_cstring ? 3 : 2
        }
        return codes
    }

    /// Every message line of the vector, as `fb_interpret` formats them.
    func interpret() -> String {
        var lines: [String] = []
        var cursor: UnsafePointer<ISC_STATUS>? = UnsafePointer(pointer)
        var buffer = [CChar](repeating: 0, count: 1024)
        while lines.count < 32 {
            let length = fb_interpret(&buffer, UInt32(buffer.count), &cursor)
            if length <= 0 { break }
            lines.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines.isEmpty ? "unknown Firebird error" : lines.joined(separator: "\n")
    }
}
