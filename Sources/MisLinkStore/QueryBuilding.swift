import Firebird

extension FirebirdQuery {
    /// `?, ?, …`, one binding per value, for `IN (…)`.
    static func list(_ values: [some FirebirdEncodable]) -> FirebirdQuery {
        joined(values.map { "\($0)" }, separator: ", ")
    }

    /// The parts one after another, `separator` between them.
    static func joined(_ parts: [FirebirdQuery], separator: String) -> FirebirdQuery {
        var result = FirebirdQuery(unsafeSQL: "")
        for (index, part) in parts.enumerated() {
            if index > 0 { result.sql += separator }
            result.sql += part.sql
            result.bindings += part.bindings
        }
        return result
    }

    /// `WHERE a AND b …`, or nothing when there are no conditions.
    static func `where`(_ conditions: [FirebirdQuery]) -> FirebirdQuery {
        conditions.isEmpty ? "" : "WHERE \(joined(conditions, separator: " AND "))"
    }
}
