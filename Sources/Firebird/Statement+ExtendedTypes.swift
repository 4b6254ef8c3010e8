/// Reading and binding the Firebird 4+ types: INT128 (and NUMERIC/DECIMAL of 19 to 38 digits),
/// DECFLOAT(16/34), TIME and TIMESTAMP WITH TIME ZONE.
///
/// Buffers hold them as `types_pub.h` lays them out: `FB_I128` and `FB_DEC34` are two
/// `ISC_UINT64` (little-endian here), `FB_DEC16` one; `ISC_TIME_TZ{_EX}` is `utc_time` (4 bytes),
/// `time_zone` (2) and, extended, `ext_offset` (2, minutes); `ISC_TIMESTAMP_TZ{_EX}` is the UTC date
/// and time (8 bytes), `time_zone` and `ext_offset`. Data buffers are 8-byte aligned, so 128-bit
/// values are read unaligned.
extension Statement {
    /// The value of a column of one of these types, or nil for any other type.
    func readExtended(_ column: ColumnDescription, at buffer: UnsafeRawPointer) -> FirebirdValue? {
        switch column.type {
        case .int128:
            let raw = buffer.loadUnaligned(as: Int128.self)
            return column.scale < 0 ? .decimal(FirebirdDecimal(significand: raw, scale: Int(column.scale))) : .int128(raw)
        case .decfloat16:
            return .decfloat(FirebirdDecFloat(bits: UInt128(buffer.loadUnaligned(as: UInt64.self)), format: .decimal64))
        case .decfloat34:
            return .decfloat(FirebirdDecFloat(bits: buffer.loadUnaligned(as: UInt128.self), format: .decimal128))
        case .timeTZ, .timeTZExtended:
            let utc = FirebirdTime(iscTime: buffer.load(as: UInt32.self))
            let zone = FirebirdTimeZone(stored: buffer.load(fromByteOffset: 4, as: UInt16.self))
            guard column.type == .timeTZExtended else { return .timeTZ(FirebirdTimeTZ(utc: utc, zone: zone)) }
            return .timeTZ(FirebirdTimeTZ(utc: utc, zone: zone, offsetMinutes: Int(buffer.load(fromByteOffset: 6, as: Int16.self))))
        case .timestampTZ, .timestampTZExtended:
            let utc = FirebirdTimestamp(
                date: FirebirdDate(iscDate: buffer.load(as: Int32.self)),
                time: FirebirdTime(iscTime: buffer.load(fromByteOffset: 4, as: UInt32.self)))
            let zone = FirebirdTimeZone(stored: buffer.load(fromByteOffset: 8, as: UInt16.self))
            guard column.type == .timestampTZExtended else { return .timestampTZ(FirebirdTimestampTZ(utc: utc, zone: zone)) }
            let offset = Int(buffer.load(fromByteOffset: 10, as: Int16.self))
            return .timestampTZ(FirebirdTimestampTZ(utc: utc, zone: zone, offsetMinutes: offset))
        default:
            return nil
        }
    }

    /// Writes `value` in place into a parameter of one of these types; false when the value is of
    /// another kind (then the caller sends it as its own type for the server to convert).
    func bindExtended(_ value: FirebirdValue, to column: SQLDA.Slot) throws -> Bool {
        let buffer = column.buffer
        switch column.type {
        case .int128:
            guard let number = value.exactNumber, let scaled = number.rescaled(to: Int(column.scale)) else { return false }
            buffer.storeBytes(of: scaled.significand, as: Int128.self)
        case .decfloat16, .decfloat34:
            let number: FirebirdDecFloat
            switch value {
            case .decfloat(let v): number = v
            default:
                guard let exact = value.exactNumber else { return false }
                number = FirebirdDecFloat(exact)
            }
            if column.type == .decfloat16 {
                guard let bits = number.bits(format: .decimal64) else { return false }
                buffer.storeBytes(of: UInt64(truncatingIfNeeded: bits), as: UInt64.self)
            } else {
                guard let bits = number.bits(format: .decimal128) else { return false }
                buffer.storeBytes(of: bits, as: UInt128.self)
            }
        case .timeTZ, .timeTZExtended:
            guard case .timeTZ = value else { return false }
            writeExtended(value, to: buffer)
        case .timestampTZ, .timestampTZExtended:
            guard case .timestampTZ = value else { return false }
            writeExtended(value, to: buffer)
        default:
            return false
        }
        return true
    }

    /// Writes one of these values in its own layout (the extended offset left 0: the server ignores it).
    func writeExtended(_ value: FirebirdValue, to buffer: UnsafeMutableRawPointer) {
        switch value {
        case .int128(let v): buffer.storeBytes(of: v, as: Int128.self)
        case .decfloat(let v):
            // sendNatural refuses a value DECFLOAT(34) cannot hold before it gets here.
            if let bits = v.bits(format: .decimal128) { buffer.storeBytes(of: bits, as: UInt128.self) }
        case .timeTZ(let v):
            buffer.storeBytes(of: v.utc.fractions, as: UInt32.self)
            buffer.storeBytes(of: v.zone.id, toByteOffset: 4, as: UInt16.self)
            buffer.storeBytes(of: 0, toByteOffset: 6, as: Int16.self)
        case .timestampTZ(let v):
            buffer.storeBytes(of: v.utc.date.iscDate, as: Int32.self)
            buffer.storeBytes(of: v.utc.time.fractions, toByteOffset: 4, as: UInt32.self)
            buffer.storeBytes(of: v.zone.id, toByteOffset: 8, as: UInt16.self)
            buffer.storeBytes(of: 0, toByteOffset: 10, as: Int16.self)
        default: break
        }
    }
}
