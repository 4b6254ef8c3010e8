/// Tolerant decoding for real-world payloads (reference A.7 pitfall 4): numbers sent as strings,
/// strings sent as numbers, empty strings meaning "absent", unknown keys ignored.
extension KeyedDecodingContainer {
    /// An integer sent as a number or a numeric string; `nil` when absent, `null`, empty or not a number.
    public func looseInt(_ key: Key) -> Int? {
        if let int = try? decodeIfPresent(Int.self, forKey: key) { return int }
        if let double = try? decodeIfPresent(Double.self, forKey: key), double.rounded() == double,
            abs(double) < 9e15
        {
            return Int(double)
        }
        if let text = try? decodeIfPresent(String.self, forKey: key) {
            return Int(text.trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// A string sent as a string or a number; `nil` when absent, `null` or empty.
    public func looseString(_ key: Key) -> String? {
        if let text = try? decodeIfPresent(String.self, forKey: key) { return text.isEmpty ? nil : text }
        if let int = try? decodeIfPresent(Int.self, forKey: key) { return String(int) }
        if let double = try? decodeIfPresent(Double.self, forKey: key) { return String(double) }
        return nil
    }

    /// A boolean sent as `true`/`false`, `1`/`0` or `"true"`/`"1"`.
    public func looseBool(_ key: Key) -> Bool? {
        if let bool = try? decodeIfPresent(Bool.self, forKey: key) { return bool }
        if let int = looseInt(key) { return int != 0 }
        if let text = try? decodeIfPresent(String.self, forKey: key) { return text.lowercased() == "true" }
        return nil
    }

    /// A required integer, tolerant as ``looseInt(_:)``.
    public func requiredLooseInt(_ key: Key) throws -> Int {
        guard let value = looseInt(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing integer"))
        }
        return value
    }

    /// A required non-empty string, tolerant as ``looseString(_:)``.
    public func requiredLooseString(_ key: Key) throws -> String {
        guard let value = looseString(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing string"))
        }
        return value
    }
}

/// Ranges that numbers from the platforms must lie in before they reach a fixed-width column.
public enum LooseRange {
    /// Epoch seconds the PBX sends (`timestamp`, `create_time` …): 0 (Mango's "none") up to
    /// 9999-12-31 23:59:59 UTC, the end of Firebird's TIMESTAMP.
    public static let pbxEpochSeconds: ClosedRange<Int> = 0...253_402_300_799
    /// Epoch seconds of Firebird's whole TIMESTAMP range, 0001-01-01 … 9999-12-31 23:59:59 UTC.
    public static let epochSeconds: ClosedRange<Int> = -62_135_596_800...253_402_300_799
    /// A counter or code stored in an INTEGER column that is never negative (`seq`).
    public static let counter: ClosedRange<Int> = 0...Int(Int32.max)
    /// Anything an INTEGER column holds (result codes).
    public static let int32: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)
}

extension KeyedDecodingContainer {
    /// An integer in `range`, sent as a number or a numeric string; `nil` when absent, `null` or empty.
    ///
    /// - Throws: `DecodingError.dataCorrupted` whose coding path names the key when the value is there
    ///   but is no integer in `range`: `"1e300"`, `-1e20`, `NaN`, `12.5`, `"12abc"`, `true`. The webhook
    ///   is then refused with 400 naming the field.
    public func looseInt(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        guard contains(key), (try? decodeNil(forKey: key)) == false else { return nil }
        func refuse(_ what: String) -> DecodingError {
            let problem = LooseRangeError(description: "\(what) is not an integer in \(range.lowerBound)...\(range.upperBound)")
            return .dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: problem.description, underlyingError: problem))
        }
        func checked(_ double: Double, _ what: String) throws -> Int {
            // Compared as Double: every bound used here is exact in a Double (below 2^53).
            guard double.isFinite, double.rounded() == double, double >= Double(range.lowerBound),
                double <= Double(range.upperBound)
            else { throw refuse(what) }
            return Int(double)
        }
        if let int = try? decode(Int.self, forKey: key) {
            guard range.contains(int) else { throw refuse(String(int)) }
            return int
        }
        if let double = try? decode(Double.self, forKey: key) { return try checked(double, String(double)) }
        guard let text = try? decode(String.self, forKey: key) else { throw refuse("the value") }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        if let int = Int(trimmed) {
            guard range.contains(int) else { throw refuse(String(trimmed.prefix(40))) }
            return int
        }
        guard LooseNumber.isDecimal(trimmed), let double = Double(trimmed) else { throw refuse(String(trimmed.prefix(40))) }
        return try checked(double, String(trimmed.prefix(40)))
    }

    /// A required integer in `range`, checked as ``looseInt(_:in:)``.
    public func requiredLooseInt(_ key: Key, in range: ClosedRange<Int>) throws -> Int {
        guard let value = try looseInt(key, in: range) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing integer"))
        }
        return value
    }

    /// A platform time sent as text (ISO 8601, or epoch seconds as a number or numeric string), as
    /// text; `nil` when absent, `null` or empty.
    ///
    /// - Throws: `DecodingError.dataCorrupted` naming the key when it is written as a number but is no
    ///   epoch second in Firebird's range (``LooseRange/epochSeconds``): `"1e300"`, `-1e20`, `"NaN"`.
    ///   Other text passes as it is; the applier refuses a date it cannot store.
    public func looseTime(_ key: Key) throws -> String? {
        guard let text = looseString(key) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lowered = trimmed.lowercased()
        let numeric = LooseNumber.isDecimal(trimmed) || ["nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity",
                                                         "-infinity"].contains(lowered)
        guard numeric else { return text }
        let range = LooseRange.epochSeconds
        guard let seconds = Double(trimmed), seconds.isFinite, seconds >= Double(range.lowerBound),
            seconds < Double(range.upperBound) + 1
        else {
            let problem = LooseRangeError(description: "\(trimmed.prefix(40)) is not a time between 0001-01-01 and 9999-12-31")
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: problem.description,
                                                    underlyingError: problem))
        }
        return trimmed
    }
}

/// The `underlyingError` of the `DecodingError` that ``KeyedDecodingContainer/looseInt(_:in:)`` and
/// ``KeyedDecodingContainer/looseTime(_:)`` throw: a value out of range, which tolerant decoding of
/// a nested object must pass on rather than drop.
public struct LooseRangeError: Error, CustomStringConvertible, Sendable {
    public var description: String

    /// Whether `error` is a `DecodingError` caused by a value out of range.
    public static func isCause(of error: any Error) -> Bool {
        guard case .dataCorrupted(let context) = error as? DecodingError else { return false }
        return context.underlyingError is LooseRangeError
    }
}

/// Numbers written as text.
public enum LooseNumber {
    /// Whether `text` is a plain decimal number: an optional sign, digits with at most one point, an
    /// optional exponent (`1790000000`, `-12.5`, `1e300`); not `nan`, `inf` or hexadecimal.
    public static func isDecimal(_ text: some StringProtocol) -> Bool {
        var rest = Substring(text)
        if let first = rest.first, first == "+" || first == "-" { rest = rest.dropFirst() }
        let mantissaEnd = rest.firstIndex { $0 == "e" || $0 == "E" } ?? rest.endIndex
        let mantissa = rest[..<mantissaEnd]
        let digits = mantissa.filter { $0 != "." }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), mantissa.count - digits.count <= 1 else {
            return false
        }
        guard mantissaEnd < rest.endIndex else { return true }
        var exponent = rest[rest.index(after: mantissaEnd)...]
        if let first = exponent.first, first == "+" || first == "-" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
