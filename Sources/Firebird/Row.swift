/// The column names of a result, shared by all its rows.
public final class RowColumns: Sendable {
    /// The column descriptions, in order.
    public let descriptions: [ColumnDescription]
    /// The column names (aliases), in order.
    public let names: [String]
    private let indexes: [String: Int]

    init(_ descriptions: [ColumnDescription]) {
        self.descriptions = descriptions
        names = descriptions.map(\.name)
        var indexes: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            let key = Self.uppercased(name)
            if indexes[key] == nil { indexes[key] = index }
        }
        self.indexes = indexes
    }

    /// The index of `name` (case-insensitive); a camelCase Swift name also finds its SNAKE_CASE column.
    ///
    /// Rows are read by name on every hot path (the intake decodes each row it reads this way), so the
    /// usual cases cost one dictionary lookup: a name already written as the column is (`STAFF_ID`), then
    /// an ASCII name upper-cased byte by byte; Unicode case mapping only for a name that is not ASCII.
    public func index(of name: String) -> Int? {
        if let found = indexes[name] { return found }
        let upper = Self.uppercased(name)
        if upper != name, let found = indexes[upper] { return found }
        return indexes[Self.snakeCase(name)]
    }

    /// `name` in upper case: ASCII letters by their bytes, anything else by Unicode's rules.
    static func uppercased(_ name: String) -> String {
        var hasLower = false
        for byte in name.utf8 {
            if byte >= 0x80 { return name.uppercased() }
            if byte >= 0x61 && byte <= 0x7A { hasLower = true }
        }
        guard hasLower else { return name }
        return String(decoding: name.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// `appealId` → `APPEAL_ID`: an underscore before every upper-case letter but the first, then upper case.
    static func snakeCase(_ name: String) -> String {
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else {
            var result = ""
            for character in name {
                if character.isUppercase, !result.isEmpty { result.append("_") }
                result.append(character)
            }
            return result.uppercased()
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + 4)
        for byte in name.utf8 {
            if byte >= 0x41 && byte <= 0x5A, !bytes.isEmpty { bytes.append(0x5F) }
            bytes.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One fetched row: the values and the names of its columns.
public struct Row: Sendable, RandomAccessCollection, CustomStringConvertible {
    /// The columns of the result this row belongs to.
    public let columns: RowColumns
    /// The values, in column order.
    public let values: [FirebirdValue]

    public init(columns: RowColumns, values: [FirebirdValue]) {
        self.columns = columns
        self.values = values
    }

    public var startIndex: Int { values.startIndex }
    public var endIndex: Int { values.endIndex }
    public subscript(index: Int) -> FirebirdValue { values[index] }

    /// The value of the column called `name` (case-insensitive), nil when there is no such column.
    public subscript(name: String) -> FirebirdValue? {
        columns.index(of: name).map { values[$0] }
    }

    /// The value at `index` converted to `T`.
    public func decode<T: FirebirdDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        do {
            return try T(firebirdValue: values[index])
        } catch var error as FirebirdError {
            error.message = "column \(columns.names[index]): \(error.message)"
            throw error
        }
    }

    /// The value of column `name` converted to `T`.
    public func decode<T: FirebirdDecodable>(_ type: T.Type = T.self, column name: String) throws -> T {
        guard let index = columns.index(of: name) else {
            throw FirebirdError.conversion("no column named \(name) in \(columns.names)")
        }
        return try decode(type, at: index)
    }

    /// The whole row as a `Decodable` record; properties match columns by name (case-insensitive,
    /// camelCase matching SNAKE_CASE).
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try T(from: RowDecoder(row: self))
    }

    public var description: String {
        "[" + zip(columns.names, values).map { "\($0): \($1.debugDescription)" }.joined(separator: ", ") + "]"
    }
}
