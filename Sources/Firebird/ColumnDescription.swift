import CFirebird

/// The SQL type of a column or parameter, as `XSQLVAR.sqltype` reports it (without the nullable bit).
public struct FirebirdType: Hashable, Sendable, CustomStringConvertible {
    /// The `SQL_*` constant.
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let text = FirebirdType(rawValue: SQL_TEXT)
    public static let varying = FirebirdType(rawValue: SQL_VARYING)
    public static let smallint = FirebirdType(rawValue: SQL_SHORT)
    public static let integer = FirebirdType(rawValue: SQL_LONG)
    public static let bigint = FirebirdType(rawValue: SQL_INT64)
    public static let float = FirebirdType(rawValue: SQL_FLOAT)
    public static let double = FirebirdType(rawValue: SQL_DOUBLE)
    public static let timestamp = FirebirdType(rawValue: SQL_TIMESTAMP)
    public static let date = FirebirdType(rawValue: SQL_TYPE_DATE)
    public static let time = FirebirdType(rawValue: SQL_TYPE_TIME)
    public static let blob = FirebirdType(rawValue: SQL_BLOB)
    public static let array = FirebirdType(rawValue: SQL_ARRAY)
    public static let boolean = FirebirdType(rawValue: SQL_BOOLEAN)
    public static let null = FirebirdType(rawValue: SQL_NULL)
    // Firebird 4+ types (`sqlda_pub.h`); Firebird 3's ibase.h does not define them.
    /// INT128, and NUMERIC/DECIMAL of 19 to 38 digits (`SQL_INT128`).
    public static let int128 = FirebirdType(rawValue: 32752)
    /// DECFLOAT(16) (`SQL_DEC16`).
    public static let decfloat16 = FirebirdType(rawValue: 32760)
    /// DECFLOAT(34) (`SQL_DEC34`).
    public static let decfloat34 = FirebirdType(rawValue: 32762)
    /// TIME WITH TIME ZONE (`SQL_TIME_TZ`).
    public static let timeTZ = FirebirdType(rawValue: 32756)
    /// TIMESTAMP WITH TIME ZONE (`SQL_TIMESTAMP_TZ`).
    public static let timestampTZ = FirebirdType(rawValue: 32754)
    /// TIME WITH TIME ZONE with the zone's offset added (`SQL_TIME_TZ_EX`).
    public static let timeTZExtended = FirebirdType(rawValue: 32750)
    /// TIMESTAMP WITH TIME ZONE with the zone's offset added (`SQL_TIMESTAMP_TZ_EX`).
    public static let timestampTZExtended = FirebirdType(rawValue: 32748)

    public var description: String {
        switch rawValue {
        case SQL_TEXT: "CHAR"
        case SQL_VARYING: "VARCHAR"
        case SQL_SHORT: "SMALLINT"
        case SQL_LONG: "INTEGER"
        case SQL_INT64: "BIGINT"
        case SQL_FLOAT: "FLOAT"
        case SQL_DOUBLE: "DOUBLE PRECISION"
        case SQL_TIMESTAMP: "TIMESTAMP"
        case SQL_TYPE_DATE: "DATE"
        case SQL_TYPE_TIME: "TIME"
        case SQL_BLOB: "BLOB"
        case SQL_ARRAY: "ARRAY"
        case SQL_BOOLEAN: "BOOLEAN"
        case SQL_NULL: "NULL"
        case 32752: "INT128"
        case 32760: "DECFLOAT(16)"
        case 32762: "DECFLOAT(34)"
        case 32756, 32750: "TIME WITH TIME ZONE"
        case 32754, 32748: "TIMESTAMP WITH TIME ZONE"
        default: "SQL type \(rawValue)"
        }
    }
}

/// What the server described about one output column or input parameter of a prepared statement.
public struct ColumnDescription: Hashable, Sendable {
    /// The column alias (what `AS` named it), or the field name.
    public var name: String
    /// The underlying field name, if the column comes from a table.
    public var fieldName: String
    /// The table (relation) the column comes from, if any.
    public var relation: String
    /// The SQL type.
    public var type: FirebirdType
    /// `sqlsubtype`: the charset id (low byte) for CHAR/VARCHAR, the BLOB subtype (0 binary, 1 text) for BLOB.
    public var subtype: Int16
    /// `sqlscale`: the power of ten for NUMERIC/DECIMAL (0 or negative); the charset id for text BLOBs.
    public var scale: Int16
    /// `sqllen`: the length in bytes of the value (for text, of the connection-charset encoding).
    public var length: Int16
    /// True when the value may be NULL.
    public var isNullable: Bool

    /// True for NUMERIC/DECIMAL columns (integer types with a negative scale).
    public var isDecimal: Bool {
        scale < 0 && (type == .smallint || type == .integer || type == .bigint || type == .int128)
    }

    /// The charset id of a CHAR/VARCHAR column, or of a text BLOB.
    var charsetID: Int {
        type == .blob ? Int(scale) & 0xFF : Int(subtype) & 0xFF
    }

    init(_ variable: XSQLVAR) {
        var copy = variable
        name = Self.string(&copy.aliasname, length: variable.aliasname_length)
        fieldName = Self.string(&copy.sqlname, length: variable.sqlname_length)
        relation = Self.string(&copy.relname, length: variable.relname_length)
        type = FirebirdType(rawValue: Int32(variable.sqltype & ~1))
        subtype = variable.sqlsubtype
        scale = variable.sqlscale
        length = variable.sqllen
        isNullable = variable.sqltype & 1 == 1
    }

    private static func string<T>(_ tuple: inout T, length: Int16) -> String {
        withUnsafeBytes(of: &tuple) { bytes in
            String(decoding: bytes.prefix(max(0, min(Int(length), bytes.count))), as: UTF8.self)
        }
    }
}
