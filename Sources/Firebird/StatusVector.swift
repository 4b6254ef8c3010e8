import CFirebird
#if canImport(Glibc)
import Glibc
#endif

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
            message: interpret(redactingValues: true),
            gdsCodes: codes,
            sqlCode: sqlCode,
            sqlState: String(decoding: state.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            sql: sql,
            arguments: arguments,
            fullMessage: interpret(redactingValues: false)
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
    ///
    /// - Parameter redactingValues: replace the values the server quotes from the data with `***`:
    ///   the key of a unique or foreign key violation ("Problematic key value is ("PHONE" = '7916…')"
    ///   keeps its column names), the value a column or variable rejected ("validation error for
    ///   column "P"."PHONE", value "…""), and a string that failed conversion. The vector is copied and
    ///   only the copy's string arguments change, so a value holding a newline or a quote cannot slip
    ///   past the redaction as a line of its own.
    func interpret(redactingValues: Bool = false) -> String {
        let copy = UnsafeMutablePointer<ISC_STATUS>.allocate(capacity: Self.capacity)
        copy.initialize(from: pointer, count: Self.capacity)
        var replacements: [UnsafeMutablePointer<CChar>] = []
        defer {
            for string in replacements { free(string) }
            copy.deallocate()
        }
        if redactingValues { redactValues(in: copy, keeping: &replacements) }
        var lines: [String] = []
        var cursor: UnsafePointer<ISC_STATUS>? = UnsafePointer(copy)
        var buffer = [CChar](repeating: 0, count: 1024)
        while lines.count < 32 {
            let length = fb_interpret(&buffer, UInt32(buffer.count), &cursor)
            if length <= 0 { break }
            lines.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines.isEmpty ? "unknown Firebird error" : lines.joined(separator: "\n")
    }

    /// Which string argument (1-based) of a GDS code quotes data, and how to replace it.
    private static func sensitiveArgument(of code: ISC_STATUS) -> (index: Int, replace: (String) -> String)? {
        switch Int(code) {
        case Int(isc_idx_key_value): (1, KeyValueRedaction.redact)  // Problematic key value is @1
        case Int(isc_not_valid), Int(isc_not_valid_for_var), Int(isc_not_valid_for): (2, { _ in "***" })  // …, value "@2"
        case Int(isc_convert_error): (1, { _ in "***" })  // conversion error from string "@1"
        default: nil
        }
    }

    /// Points the sensitive string arguments of `vector` at redacted copies (kept in `strings` until freed).
    private func redactValues(in vector: UnsafeMutablePointer<ISC_STATUS>, keeping strings: inout [UnsafeMutablePointer<CChar>]) {
        var index = 0
        var current: (index: Int, replace: (String) -> String)?
        var argument = 0
        while index < Self.capacity - 1 {
            let kind = vector[index]
            if kind == isc_arg_end { break }
            let width = kind == isc_arg_cstring ? 3 : 2
            guard index + width <= Self.capacity else { break }
            if kind == isc_arg_gds || kind == isc_arg_warning {
                current = Self.sensitiveArgument(of: vector[index + 1])
                argument = 0
            } else if kind == isc_arg_string || kind == isc_arg_cstring {
                argument += 1
                if let current, current.index == argument {
                    let address = vector[index + width - 1]
                    var original = ""
                    if let text = UnsafePointer<CChar>(bitPattern: address) {
                        original = kind == isc_arg_cstring
                            ? String(decoding: UnsafeRawBufferPointer(start: text, count: max(0, vector[index + 1])), as: UTF8.self)
                            : String(cString: text)
                    }
                    guard let replacement = strdup(current.replace(original)) else { break }
                    strings.append(replacement)
                    if kind == isc_arg_cstring { vector[index + 1] = ISC_STATUS(strlen(replacement)) }
                    vector[index + width - 1] = ISC_STATUS(Int(bitPattern: replacement))
                }
            }
            index += width
        }
    }
}

/// The key Firebird quotes in a unique or foreign key violation, with its values hidden.
enum KeyValueRedaction {
    /// `("PHONE" = '79161234567', "KIND" = 1)` becomes `("PHONE" = ***, "KIND" = ***)`; anything that
    /// does not read exactly as such a list becomes `(***)`, so no part of a value is ever kept.
    static func redact(_ text: String) -> String {
        guard let names = columnNames(text), !names.isEmpty else { return "(***)" }
        return "(" + names.map { "\"\($0)\" = ***" }.joined(separator: ", ") + ")"
    }

    /// The column names of `("A" = v, "B" = 'w')`, or nil when `text` is not such a list.
    static func columnNames(_ text: String) -> [String]? {
        let chars = Array(text.unicodeScalars)
        var at = 0
        func take(_ literal: String) -> Bool {
            let wanted = Array(literal.unicodeScalars)
            guard at + wanted.count <= chars.count, Array(chars[at..<(at + wanted.count)]) == wanted else { return false }
            at += wanted.count
            return true
        }
        /// A quoted run with the quote doubled inside; returns its content.
        func quoted(_ quote: Unicode.Scalar) -> String? {
            guard at < chars.count, chars[at] == quote else { return nil }
            at += 1
            var content = String.UnicodeScalarView()
            while at < chars.count {
                if chars[at] == quote {
                    if at + 1 < chars.count, chars[at + 1] == quote {
                        content.append(quote)
                        at += 2
                        continue
                    }
                    at += 1
                    return String(content)
                }
                content.append(chars[at])
                at += 1
            }
            return nil
        }
        guard take("(") else { return nil }
        var names: [String] = []
        while true {
            guard let name = quoted("\""), take(" = ") else { return nil }
            names.append(name)
            if at < chars.count, chars[at] == "'" {
                guard quoted("'") != nil else { return nil }
            } else {
                while at < chars.count, chars[at] != ",", chars[at] != ")" { at += 1 }
            }
            if take(", ") { continue }
            guard take(")"), at == chars.count else { return nil }
            return names
        }
    }
}
