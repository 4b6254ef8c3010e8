/// A value that encodes as its `description` and decodes by parsing that text.
public protocol TextCodable: Codable, CustomStringConvertible {
    /// Parses the text `description` produces; nil when it is not such a text.
    init?(parsing text: String)
}

extension TextCodable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a \(Self.self): \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Dates, times and decimals encode as their text (`2026-11-27`, `09:30:00.0000`,
/// `2026-11-27 09:30:00.0000`, `12.50`) so JSON keeps them exact and zone-free.
extension FirebirdDate: TextCodable {
    public init?(parsing text: String) { self.init(text) }

    /// Parses `YYYY-MM-DD`: digits only, a day that exists, years 1…9999 (Firebird's range).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ (1...4).contains($0.count) && $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(exactly: year, month: month, day: day)
    }

}

extension FirebirdTime: TextCodable {
    public init?(parsing text: String) { self.init(text) }

    /// Parses `HH:MM[:SS[.ffff]]`: digits only, a time of day that exists.
    public init?(_ text: some StringProtocol) {
        func number(_ part: some StringProtocol) -> Int? {
            (1...2).contains(part.count) && part.allSatisfy(\.isASCIIDigit) ? Int(part) : nil
        }
        let parts = String(text).split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let hour = number(parts[0]), let minute = number(parts[1]) else { return nil }
        var second = 0
        var fraction = 0
        if parts.count == 3 {
            let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard secondParts.count <= 2, let s = number(secondParts[0]) else { return nil }
            second = s
            if secondParts.count == 2 {
                let given = secondParts[1]
                guard !given.isEmpty, given.allSatisfy(\.isASCIIDigit) else { return nil }
                let digits = String(given.prefix(4)).padding(toLength: 4, withPad: "0", startingAt: 0)
                guard let f = Int(digits) else { return nil }
                fraction = f
            }
        }
        self.init(exactly: hour, minute: minute, second: second, fraction: fraction)
    }

}

extension FirebirdTimestamp: TextCodable {
    public init?(parsing text: String) { self.init(text) }

    /// Parses `YYYY-MM-DD HH:MM[:SS[.ffff]]` (a `T` may separate date and time).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard let date = parts.first.flatMap({ FirebirdDate($0) }) else { return nil }
        if parts.count == 1 {
            self.init(date: date, time: FirebirdTime(iscTime: 0))
            return
        }
        guard parts.count == 2, let time = FirebirdTime(parts[1]) else { return nil }
        self.init(date: date, time: time)
    }

}

extension Character {
    /// `0`…`9` only (`isNumber` also takes other scripts' digits and fractions).
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

extension FirebirdDecimal: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self), let value = FirebirdDecimal(text) {
            self = value
        } else if let whole = try? container.decode(Int64.self) {
            self.init(unscaled: whole, scale: 0)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a decimal"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
