import Foundation

extension FirebirdValue {
    /// Converts an `Encodable` single value (a number, a string, a `RawRepresentable` enum, an
    /// Optional, …) into a parameter value. Types conforming to ``FirebirdEncodable`` use their own
    /// conversion. Keyed or unkeyed values (structs, arrays) are a ``FirebirdError/Code/conversion`` error.
    public init(encoding value: some Encodable) throws {
        if let direct = value as? any FirebirdEncodable {
            self = direct.firebirdValue
            return
        }
        let encoder = SingleValueEncoder()
        try value.encode(to: encoder)
        guard let result = encoder.result else {
            throw FirebirdError.conversion("\(type(of: value)) encoded no value")
        }
        self = result
    }
}

/// An `Encoder` that accepts exactly one single value.
private final class SingleValueEncoder: Encoder, SingleValueEncodingContainer {
    var result: FirebirdValue?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Refuse<Key>())
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { Refuse<AnyKey>() }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { result = .null }
    func encode(_ value: Bool) throws { result = .boolean(value) }
    func encode(_ value: String) throws { result = .text(value) }
    func encode(_ value: Double) throws { result = .double(value) }
    func encode(_ value: Float) throws { result = .float(value) }
    func encode(_ value: Int) throws { result = .bigint(Int64(value)) }
    func encode(_ value: Int8) throws { result = .smallint(Int16(value)) }
    func encode(_ value: Int16) throws { result = .smallint(value) }
    func encode(_ value: Int32) throws { result = .integer(value) }
    func encode(_ value: Int64) throws { result = .bigint(value) }
    func encode(_ value: UInt) throws { result = try .bigint(Self.checked(value)) }
    func encode(_ value: UInt8) throws { result = .smallint(Int16(value)) }
    func encode(_ value: UInt16) throws { result = .integer(Int32(value)) }
    func encode(_ value: UInt32) throws { result = .bigint(Int64(value)) }
    func encode(_ value: UInt64) throws { result = try .bigint(Self.checked(value)) }
    func encode<T: Encodable>(_ value: T) throws { result = try FirebirdValue(encoding: value) }

    private static func checked(_ value: some BinaryInteger) throws -> Int64 {
        guard let exact = Int64(exactly: value) else { throw FirebirdError.conversion("\(value) does not fit in BIGINT") }
        return exact
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
    }

    /// Containers for structured values, which a single parameter cannot hold: every call throws.
    private struct Refuse<Key: CodingKey>: KeyedEncodingContainerProtocol, UnkeyedEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var count: Int { 0 }
        private func refuse() -> FirebirdError {
            FirebirdError.conversion("a structured value cannot be bound to one parameter; bind its fields")
        }
        mutating func encodeNil(forKey key: Key) throws { throw refuse() }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw refuse() }
        mutating func encodeNil() throws { throw refuse() }
        mutating func encode<T: Encodable>(_ value: T) throws { throw refuse() }
        mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> {
            KeyedEncodingContainer(Refuse<N>())
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { self }
        mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type) -> KeyedEncodingContainer<N> {
            KeyedEncodingContainer(Refuse<N>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
        mutating func superEncoder() -> any Encoder { SingleValueEncoder() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { SingleValueEncoder() }
    }
}
