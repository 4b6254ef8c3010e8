import Foundation

/// A Swift type that can be bound as a parameter value.
public protocol FirebirdEncodable {
    /// The value to bind.
    var firebirdValue: FirebirdValue { get }
}

/// A Swift type that a column value can be read as.
public protocol FirebirdDecodable {
    /// Converts a column value, throwing ``FirebirdError/Code/conversion`` when it does not fit.
    init(firebirdValue: FirebirdValue) throws
}

/// Both directions.
public typealias FirebirdValueConvertible = FirebirdEncodable & FirebirdDecodable

func conversionError<T>(_ value: FirebirdValue, _ type: T.Type) -> FirebirdError {
    if value.isNull { return FirebirdError.conversion("NULL cannot be read as \(T.self); use Optional") }
    return FirebirdError.conversion("a \(value.kindName) value cannot be read as \(T.self)")
}

extension FirebirdValue: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { self }
    public init(firebirdValue: FirebirdValue) { self = firebirdValue }

    var kindName: String {
        switch self {
        case .null: "NULL"
        case .smallint: "SMALLINT"
        case .integer: "INTEGER"
        case .bigint: "BIGINT"
        case .decimal: "NUMERIC"
        case .float: "FLOAT"
        case .double: "DOUBLE PRECISION"
        case .text: "text"
        case .bytes: "binary"
        case .date: "DATE"
        case .time: "TIME"
        case .timestamp: "TIMESTAMP"
        case .boolean: "BOOLEAN"
        case .int128: "INT128"
        case .decfloat: "DECFLOAT"
        case .timeTZ: "TIME WITH TIME ZONE"
        case .timestampTZ: "TIMESTAMP WITH TIME ZONE"
        }
    }
}

extension Optional: FirebirdEncodable where Wrapped: FirebirdEncodable {
    public var firebirdValue: FirebirdValue { self?.firebirdValue ?? .null }
}

extension Optional: FirebirdDecodable where Wrapped: FirebirdDecodable {
    public init(firebirdValue: FirebirdValue) throws {
        self = firebirdValue.isNull ? nil : try Wrapped(firebirdValue: firebirdValue)
    }
}

/// Integers read exactly from any integer or whole NUMERIC value.
extension FixedWidthInteger where Self: FirebirdDecodable {
    static func exactly(_ value: FirebirdValue) throws -> Self {
        guard let number = value.exactNumber, let whole = number.rescaled(to: 0), whole == number,
            let result = Self(exactly: whole.significand)
        else { throw conversionError(value, Self.self) }
        return result
    }
}

extension Int: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .bigint(Int64(self)) }
    public init(firebirdValue: FirebirdValue) throws { self = try .exactly(firebirdValue) }
}

extension Int64: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .bigint(self) }
    public init(firebirdValue: FirebirdValue) throws { self = try .exactly(firebirdValue) }
}

extension Int32: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .integer(self) }
    public init(firebirdValue: FirebirdValue) throws { self = try .exactly(firebirdValue) }
}

extension Int16: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .smallint(self) }
    public init(firebirdValue: FirebirdValue) throws { self = try .exactly(firebirdValue) }
}

extension Int128: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .int128(self) }
    public init(firebirdValue: FirebirdValue) throws { self = try .exactly(firebirdValue) }
}

extension Bool: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .boolean(self) }
    public init(firebirdValue: FirebirdValue) throws {
        switch firebirdValue {
        case .boolean(let flag): self = flag
        case .smallint(let v) where v == 0 || v == 1: self = v == 1
        case .integer(let v) where v == 0 || v == 1: self = v == 1
        default: throw conversionError(firebirdValue, Bool.self)
        }
    }
}

extension String: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .text(self) }
    public init(firebirdValue: FirebirdValue) throws {
        guard case .text(let text) = firebirdValue else { throw conversionError(firebirdValue, String.self) }
        self = text
    }
}

extension Double: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .double(self) }
    public init(firebirdValue: FirebirdValue) throws {
        guard let number = firebirdValue.approximateNumber else { throw conversionError(firebirdValue, Double.self) }
        self = number
    }
}

extension Float: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .float(self) }
    public init(firebirdValue: FirebirdValue) throws {
        guard let number = firebirdValue.approximateNumber else { throw conversionError(firebirdValue, Float.self) }
        self = Float(number)
    }
}

extension FirebirdDecimal: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .decimal(self) }
    public init(firebirdValue: FirebirdValue) throws {
        if case .text(let text) = firebirdValue, let parsed = FirebirdDecimal(text) {
            self = parsed
            return
        }
        if case .decfloat(let number) = firebirdValue, let exact = number.exactDecimal {
            self = exact
            return
        }
        guard let number = firebirdValue.exactNumber else { throw conversionError(firebirdValue, FirebirdDecimal.self) }
        self = number
    }
}

extension FirebirdDecFloat: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .decfloat(self) }
    public init(firebirdValue: FirebirdValue) throws {
        switch firebirdValue {
        case .decfloat(let number): self = number
        case .text(let text):
            guard let parsed = FirebirdDecFloat(text) else { throw conversionError(firebirdValue, FirebirdDecFloat.self) }
            self = parsed
        default:
            guard let number = firebirdValue.exactNumber else { throw conversionError(firebirdValue, FirebirdDecFloat.self) }
            self = FirebirdDecFloat(number)
        }
    }
}

extension FirebirdTimestampTZ: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .timestampTZ(self) }
    public init(firebirdValue: FirebirdValue) throws {
        guard case .timestampTZ(let value) = firebirdValue else { throw conversionError(firebirdValue, FirebirdTimestampTZ.self) }
        self = value
    }
}

extension FirebirdTimeTZ: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .timeTZ(self) }
    public init(firebirdValue: FirebirdValue) throws {
        guard case .timeTZ(let value) = firebirdValue else { throw conversionError(firebirdValue, FirebirdTimeTZ.self) }
        self = value
    }
}

extension Decimal: FirebirdValueConvertible {
    /// Bound exactly as a NUMERIC (never through Double).
    public var firebirdValue: FirebirdValue {
        FirebirdDecimal(self).map(FirebirdValue.decimal) ?? .text(description)
    }
    public init(firebirdValue: FirebirdValue) throws {
        self = try FirebirdDecimal(firebirdValue: firebirdValue).decimal
    }
}

extension FirebirdDate: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .date(self) }
    public init(firebirdValue: FirebirdValue) throws {
        switch firebirdValue {
        case .date(let date): self = date
        case .timestamp(let stamp): self = stamp.date
        default: throw conversionError(firebirdValue, FirebirdDate.self)
        }
    }
}

extension FirebirdTime: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .time(self) }
    public init(firebirdValue: FirebirdValue) throws {
        guard case .time(let time) = firebirdValue else { throw conversionError(firebirdValue, FirebirdTime.self) }
        self = time
    }
}

extension FirebirdTimestamp: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .timestamp(self) }
    public init(firebirdValue: FirebirdValue) throws {
        switch firebirdValue {
        case .timestamp(let stamp): self = stamp
        case .date(let date): self = FirebirdTimestamp(date: date, time: FirebirdTime(iscTime: 0))
        default: throw conversionError(firebirdValue, FirebirdTimestamp.self)
        }
    }
}

extension Data: FirebirdValueConvertible {
    public var firebirdValue: FirebirdValue { .bytes(Array(self)) }
    public init(firebirdValue: FirebirdValue) throws {
        switch firebirdValue {
        case .bytes(let bytes): self = Data(bytes)
        case .text(let text): self = Data(text.utf8)
        default: throw conversionError(firebirdValue, Data.self)
        }
    }
}

extension Array: FirebirdEncodable where Element == UInt8 {
    public var firebirdValue: FirebirdValue { .bytes(self) }
}

extension Array: FirebirdDecodable where Element == UInt8 {
    public init(firebirdValue: FirebirdValue) throws {
        switch firebirdValue {
        case .bytes(let bytes): self = bytes
        case .text(let text): self = Array(text.utf8)
        default: throw conversionError(firebirdValue, [UInt8].self)
        }
    }
}
