import Foundation

/// Decodes a ``Row`` into a `Decodable` record, one property per column.
struct RowDecoder: Decoder {
    let row: Row
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedContainer<Key>(row: row, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: codingPath, debugDescription: "a row decodes as a keyed record"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard row.values.count == 1 else {
            throw DecodingError.typeMismatch(
                Any.self, .init(codingPath: codingPath, debugDescription: "a single value needs a one-column row"))
        }
        return ValueContainer(value: row.values[0], codingPath: codingPath)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: Row
        let codingPath: [any CodingKey]
        var allKeys: [Key] { row.columns.names.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { row.columns.index(of: key.stringValue) != nil }

        private func value(_ key: Key) throws -> FirebirdValue {
            guard let index = row.columns.index(of: key.stringValue) else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: codingPath, debugDescription: "no column \(key.stringValue) in \(row.columns.names)"))
            }
            return row.values[index]
        }

        func decodeNil(forKey key: Key) throws -> Bool { try value(key).isNull }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try ValueContainer(value: value(key), codingPath: codingPath + [key]).decode(type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "columns are flat"))
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "columns are flat"))
        }

        func superDecoder() throws -> any Decoder { RowDecoder(row: row, codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row, codingPath: codingPath) }
    }

    /// One column value, decoded through ``FirebirdDecodable`` where the type supports it.
    struct ValueContainer: SingleValueDecodingContainer, Decoder {
        let value: FirebirdValue
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func decodeNil() -> Bool { value.isNull }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let convertible = type as? any FirebirdDecodable.Type {
                do {
                    return try convertible.init(firebirdValue: value) as! T
                } catch let error as FirebirdError {
                    throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: error.message))
                }
            }
            if case .timestamp(let stamp) = value, type == Date.self {
                return stamp.date(in: TimeZone(identifier: "UTC")!) as! T
            }
            if case .timestampTZ(let stamp) = value, type == Date.self { return stamp.date as! T }
            return try T(from: self)
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "a column is a single value"))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a column is a single value"))
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
    }
}
