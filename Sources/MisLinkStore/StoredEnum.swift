import Firebird

/// A closed set of values stored as text (a `STATUS`, `KIND` or `SOURCE` column with a CHECK constraint):
/// an enum whose raw values are the stored strings. It binds as its text and reads back from it, by
/// interpolation and by name in `Decodable` rows.
public protocol StoredEnum: RawRepresentable<String>, FirebirdValueConvertible, Codable, Hashable, Sendable, CaseIterable {}

extension StoredEnum {
    public var firebirdValue: FirebirdValue { .text(rawValue) }

    /// Reads the stored text; a value the CHECK constraint would not allow is a conversion error.
    public init(firebirdValue: FirebirdValue) throws {
        let text = try String(firebirdValue: firebirdValue)
        guard let value = Self(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
            throw FirebirdError(code: .conversion, message: "\"\(text)\" is not a \(Self.self)")
        }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not a \(Self.self)"))
        }
        self = value
    }
}
