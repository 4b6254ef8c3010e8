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
