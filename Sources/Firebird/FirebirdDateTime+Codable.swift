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

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2])
    }

}

extension FirebirdTime: TextCodable {
    public init?(parsing text: String) { self.init(text) }

    /// Parses `HH:MM[:SS[.ffff]]`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":")
        guard (2...3).contains(parts.count), let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        var second = 0
        var fraction = 0
        if parts.count == 3 {
            let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard let s = Int(secondParts[0]), s < 60 else { return nil }
            second = s
            if secondParts.count == 2 {
                let digits = String(secondParts[1].prefix(4)).padding(toLength: 4, withPad: "0", startingAt: 0)
                guard let f = Int(digits) else { return nil }
                fraction = f
            }
        }
        self.init(hour: hour, minute: minute, second: second, fraction: fraction)
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
