import Foundation

/// SQL with its parameter values, written by string interpolation that binds instead of concatenating.
///
/// ```swift
/// let query: FirebirdQuery = "SELECT PATIENT_ID FROM MISLINK_PATIENT_PHONES WHERE PHONE_KEY = \(phoneKey) AND ORDINAL = \(1)"
/// // query.sql == "SELECT PATIENT_ID FROM MISLINK_PATIENT_PHONES WHERE PHONE_KEY = ? AND ORDINAL = ?"
/// ```
/// Text that must become part of the SQL itself is spelled out: `\(unescaped: "DESC")`, or
/// `\(identifier: name)` for a double-quoted identifier.
public struct FirebirdQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL with `?` placeholders.
    public var sql: String
    /// The values for the placeholders, in order.
    public var bindings: [FirebirdValue]

    /// SQL taken as is, with explicit bindings. The name warns: never build `sql` from user input.
    public init(unsafeSQL sql: String, bindings: [FirebirdValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, bindings: stringInterpolation.bindings)
    }

    /// The SQL only; values are not printed.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var bindings: [FirebirdValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// Binds a value: appends `?`.
        public mutating func appendInterpolation(_ value: some FirebirdEncodable) {
            sql += "?"
            bindings.append(value.firebirdValue)
        }

        /// Binds an optional value (`nil` is NULL).
        public mutating func appendInterpolation(_ value: (some FirebirdEncodable)?) {
            sql += "?"
            bindings.append(value?.firebirdValue ?? .null)
        }

        /// Appends SQL text as is. Never pass user input.
        public mutating func appendInterpolation(unescaped text: String) { sql += text }

        /// Appends a double-quoted identifier.
        public mutating func appendInterpolation(identifier name: String) {
            sql += "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }

        /// Appends another query, with its bindings.
        public mutating func appendInterpolation(_ query: FirebirdQuery) {
            sql += query.sql
            bindings += query.bindings
        }
    }
}
