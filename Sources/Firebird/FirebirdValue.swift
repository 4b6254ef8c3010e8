/// A value of a Firebird column or parameter, mirroring the SQL types exactly.
///
/// NUMERIC and DECIMAL are ``FirebirdDecimal`` (a scaled integer, never a Double). DATE, TIME and
/// TIMESTAMP are wall-clock values with no zone; the Firebird 4+ types WITH TIME ZONE carry theirs. Text is always a Swift String (decoded from the column's charset);
/// `OCTETS` strings and binary BLOBs are bytes.
public enum FirebirdValue: Hashable, Sendable {
    case null
    case smallint(Int16)
    case integer(Int32)
    case bigint(Int64)
    /// NUMERIC / DECIMAL, exact.
    case decimal(FirebirdDecimal)
    case float(Float)
    case double(Double)
    /// CHAR, VARCHAR or BLOB SUB_TYPE TEXT.
    case text(String)
    /// CHAR/VARCHAR CHARACTER SET OCTETS or BLOB SUB_TYPE BINARY.
    case bytes([UInt8])
    case date(FirebirdDate)
    case time(FirebirdTime)
    case timestamp(FirebirdTimestamp)
    case boolean(Bool)
    /// INT128 (Firebird 4+).
    case int128(Int128)
    /// DECFLOAT(16) or DECFLOAT(34) (Firebird 4+), exact.
    case decfloat(FirebirdDecFloat)
    /// TIME WITH TIME ZONE (Firebird 4+).
    case timeTZ(FirebirdTimeTZ)
    /// TIMESTAMP WITH TIME ZONE (Firebird 4+).
    case timestampTZ(FirebirdTimestampTZ)

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension FirebirdValue: CustomStringConvertible, CustomDebugStringConvertible {
    /// The value as SQL-ish text (`NULL`, `12.30`, `abc`).
    public var description: String {
        switch self {
        case .null: "NULL"
        case .smallint(let v): String(v)
        case .integer(let v): String(v)
        case .bigint(let v): String(v)
        case .decimal(let v): v.description
        case .float(let v): String(v)
        case .double(let v): String(v)
        case .text(let v): v
        case .bytes(let v): "<\(v.count) bytes>"
        case .date(let v): v.description
        case .time(let v): v.description
        case .timestamp(let v): v.description
        case .boolean(let v): v ? "TRUE" : "FALSE"
        case .int128(let v): String(v)
        case .decfloat(let v): v.description
        case .timeTZ(let v): v.description
        case .timestampTZ(let v): v.description
        }
    }

    public var debugDescription: String {
        switch self {
        case .text(let v): "'\(v)'"
        default: description
        }
    }
}
