import CFirebird

extension Statement {
    /// Writes one parameter value into the input XSQLDA.
    ///
    /// A value of the parameter's own type is written in place. Anything else is sent as its natural
    /// SQL type and the server converts it (text to a number or a date, a number to text) or reports a
    /// precise error. NUMERIC/DECIMAL parameters are rescaled exactly, rounding half away from zero as
    /// Firebird does when assigning to a NUMERIC.
    func bind(_ value: FirebirdValue, at index: Int, transaction: Transaction) throws {
        let column = input.restore(index)
        let indicator = input.indicator(index)
        if case .null = value {
            indicator.pointee = -1
            return
        }
        indicator.pointee = 0
        let buffer = column.buffer
        switch column.type {
        case .smallint, .integer, .bigint:
            // Fast path: a whole number of the parameter's own type.
            if column.scale == 0 {
                switch value {
                case .integer(let v) where column.type == .integer: return buffer.storeBytes(of: v, as: Int32.self)
                case .smallint(let v) where column.type == .smallint: return buffer.storeBytes(of: v, as: Int16.self)
                case .bigint(let v) where column.type == .bigint: return buffer.storeBytes(of: v, as: Int64.self)
                default: break
                }
            }
            guard let number = value.exactNumber, let scaled = number.rescaled(to: Int(column.scale)) else {
                return try sendNatural(value, at: index)
            }
            switch column.type {
            case .smallint:
                guard let small = Int16(exactly: scaled.significand) else { return try sendNatural(.decimal(scaled), at: index) }
                buffer.storeBytes(of: small, as: Int16.self)
            case .integer:
                guard let int = Int32(exactly: scaled.significand) else { return try sendNatural(.decimal(scaled), at: index) }
                buffer.storeBytes(of: int, as: Int32.self)
            default:
                guard let big = scaled.unscaled64 else { return try sendNatural(.decimal(scaled), at: index) }
                buffer.storeBytes(of: big, as: Int64.self)
            }
        case .float, .double:
            guard let number = value.approximateNumber else { return try sendNatural(value, at: index) }
            if column.type == .float {
                buffer.storeBytes(of: Float(number), as: Float.self)
            } else {
                buffer.storeBytes(of: number, as: Double.self)
            }
        case .text, .varying:
            if case .text(var string) = value, column.charsetID != FirebirdCharset.none.id,
                column.charsetID == FirebirdCharset.octets.id || attachment.configuration.charset.isUTF8
            {
                // Fast path: UTF-8 straight into the parameter buffer, no intermediate array.
                let fits = string.withUTF8 { utf8 -> Bool in
                    guard utf8.count <= Int(column.length) else { return false }
                    buffer.storeBytes(of: Int16(utf8.count), as: Int16.self)
                    if let base = utf8.baseAddress { (buffer + 2).copyMemory(from: base, byteCount: utf8.count) }
                    return true
                }
                if fits {
                    input[index].pointee.sqltype = Int16(SQL_VARYING) | 1
                    return
                }
            }
            let bytes: [UInt8]
            switch value {
            case .text(let string): bytes = try encode(string, charsetID: column.charsetID, index: index)
            case .bytes(let raw): bytes = raw
            default: return try sendNatural(value, at: index)
            }
            guard bytes.count <= Int(column.length) else { return try sendNatural(.bytes(bytes), at: index, subtype: column.subtype) }
            let variable = input[index]
            variable.pointee.sqltype = Int16(SQL_VARYING) | 1
            writeVarying(bytes, to: buffer)
        case .date:
            switch value {
            case .date(let date): buffer.storeBytes(of: date.iscDate, as: Int32.self)
            case .timestamp(let stamp): buffer.storeBytes(of: stamp.date.iscDate, as: Int32.self)
            default: try sendNatural(value, at: index)
            }
        case .time:
            switch value {
            case .time(let time): buffer.storeBytes(of: time.fractions, as: UInt32.self)
            case .timestamp(let stamp): buffer.storeBytes(of: stamp.time.fractions, as: UInt32.self)
            default: try sendNatural(value, at: index)
            }
        case .timestamp:
            switch value {
            case .timestamp(let stamp):
                buffer.storeBytes(of: stamp.date.iscDate, as: Int32.self)
                buffer.storeBytes(of: stamp.time.fractions, toByteOffset: 4, as: UInt32.self)
            case .date(let date):
                buffer.storeBytes(of: date.iscDate, as: Int32.self)
                buffer.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
            default: try sendNatural(value, at: index)
            }
        case .boolean:
            guard case .boolean(let flag) = value else { return try sendNatural(value, at: index) }
            buffer.storeBytes(of: flag ? 1 : 0, as: UInt8.self)
        case .int128, .decfloat16, .decfloat34, .timeTZ, .timestampTZ, .timeTZExtended, .timestampTZExtended:
            if try !bindExtended(value, to: column) { try sendNatural(value, at: index) }
        case .blob:
            let bytes: [UInt8]
            switch value {
            case .text(let string): bytes = try encode(string, charsetID: column.charsetID, index: index)
            case .bytes(let raw): bytes = raw
            default: bytes = Array(value.description.utf8)
            }
            let id = try attachment.writeBlob(bytes, in: transaction)
            buffer.storeBytes(of: id.quad, as: ISC_QUAD.self)
        default:
            try sendNatural(value, at: index)
        }
    }

    /// Encodes text for a parameter whose charset is `charsetID`.
    private func encode(_ string: String, charsetID: Int, index: Int) throws -> [UInt8] {
        let configuration = attachment.configuration
        let charset: FirebirdCharset
        switch charsetID {
        case FirebirdCharset.none.id: charset = configuration.noneCharset
        case FirebirdCharset.octets.id: return Array(string.utf8)
        default: charset = configuration.charset
        }
        guard let bytes = charset.encode(string) else {
            throw FirebirdError(
                code: .transliterationFailed,
                message: "parameter \(index + 1) holds a character that \(charset.name) cannot represent", sql: sql)
        }
        return bytes
    }

    /// Sends the value as its own SQL type, from the parameter's overflow buffer, for the server to convert.
    func sendNatural(_ value: FirebirdValue, at index: Int, subtype: Int16? = nil) throws {
        let variable = input[index]
        var type: Int32
        var length = 0
        var scale: Int16 = 0
        var sub: Int16 = 0
        switch value {
        case .null: return
        case .smallint: (type, length) = (SQL_SHORT, 2)
        case .integer: (type, length) = (SQL_LONG, 4)
        case .bigint: (type, length) = (SQL_INT64, 8)
        case .decimal(let number) where number.unscaled64 == nil:
            (type, length, scale) = (FirebirdType.int128.rawValue, 16, Int16(clamping: number.scale))
        case .decimal(let number): (type, length, scale) = (SQL_INT64, 8, Int16(clamping: number.scale))
        case .float: (type, length) = (SQL_FLOAT, 4)
        case .double: (type, length) = (SQL_DOUBLE, 8)
        case .text(let string):
            (type, length, sub) = (SQL_VARYING, string.utf8.count, Int16(attachment.configuration.charset.id))
            if attachment.configuration.charset.id == FirebirdCharset.win1251.id {
                guard let encoded = FirebirdCharset.win1251.encode(string) else {
                    throw FirebirdError(code: .transliterationFailed, message: "parameter \(index + 1) holds a character that WIN1251 cannot represent", sql: sql)
                }
                return try sendNatural(.bytes(encoded), at: index, subtype: sub)
            }
        case .bytes(let bytes): (type, length, sub) = (SQL_VARYING, bytes.count, subtype ?? Int16(FirebirdCharset.octets.id))
        case .date: (type, length) = (SQL_TYPE_DATE, 4)
        case .time: (type, length) = (SQL_TYPE_TIME, 4)
        case .timestamp: (type, length) = (SQL_TIMESTAMP, 8)
        case .boolean: (type, length) = (SQL_BOOLEAN, 1)
        case .int128: (type, length) = (FirebirdType.int128.rawValue, 16)
        case .decfloat(let number):
            guard number.bits(format: .decimal128) != nil else {
                throw FirebirdError.conversion("parameter \(index + 1) (\(number)) is out of DECFLOAT(34)'s range", sql: sql)
            }
            (type, length) = (FirebirdType.decfloat34.rawValue, 16)
        case .timeTZ: (type, length) = (FirebirdType.timeTZ.rawValue, 8)
        case .timestampTZ: (type, length) = (FirebirdType.timestampTZ.rawValue, 12)
        }
        guard length <= Int(Int16.max) else {
            throw FirebirdError.conversion("parameter \(index + 1) is longer than 32767 bytes; use a BLOB", sql: sql)
        }
        let buffer = overflowBuffer(index, capacity: type == SQL_VARYING ? length + 2 : max(length, 8))
        variable.pointee.sqltype = Int16(type) | 1
        variable.pointee.sqllen = Int16(length)
        variable.pointee.sqlscale = scale
        variable.pointee.sqlsubtype = sub
        variable.pointee.sqldata = buffer.assumingMemoryBound(to: CChar.self)
        switch value {
        case .smallint(let v): buffer.storeBytes(of: v, as: Int16.self)
        case .integer(let v): buffer.storeBytes(of: v, as: Int32.self)
        case .bigint(let v): buffer.storeBytes(of: v, as: Int64.self)
        case .decimal(let v):
            if length == 16 { buffer.storeBytes(of: v.significand, as: Int128.self) } else { buffer.storeBytes(of: v.unscaled, as: Int64.self) }
        case .float(let v): buffer.storeBytes(of: v, as: Float.self)
        case .double(let v): buffer.storeBytes(of: v, as: Double.self)
        case .text(let v): writeVarying(Array(v.utf8), to: buffer)
        case .bytes(let v): writeVarying(v, to: buffer)
        case .date(let v): buffer.storeBytes(of: v.iscDate, as: Int32.self)
        case .time(let v): buffer.storeBytes(of: v.fractions, as: UInt32.self)
        case .timestamp(let v):
            buffer.storeBytes(of: v.date.iscDate, as: Int32.self)
            buffer.storeBytes(of: v.time.fractions, toByteOffset: 4, as: UInt32.self)
        case .boolean(let v): buffer.storeBytes(of: v ? 1 : 0, as: UInt8.self)
        case .int128, .decfloat, .timeTZ, .timestampTZ: writeExtended(value, to: buffer)
        case .null: break
        }
    }

    private func overflowBuffer(_ index: Int, capacity: Int) -> UnsafeMutableRawPointer {
        if let existing = overflow[index], overflowCapacity[index] >= capacity { return existing }
        overflow[index]?.deallocate()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 8), alignment: 8)
        overflow[index] = buffer
        overflowCapacity[index] = max(capacity, 8)
        return buffer
    }

    @inline(__always)
    private func writeVarying(_ bytes: [UInt8], to buffer: UnsafeMutableRawPointer) {
        buffer.storeBytes(of: Int16(bytes.count), as: Int16.self)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { (buffer + 2).copyMemory(from: base, byteCount: source.count) }
        }
    }
}

extension FirebirdValue {
    /// The value as an exact decimal, for integer and NUMERIC parameters (text parses exactly).
    var exactNumber: FirebirdDecimal? {
        switch self {
        case .smallint(let v): FirebirdDecimal(unscaled: Int64(v), scale: 0)
        case .integer(let v): FirebirdDecimal(unscaled: Int64(v), scale: 0)
        case .bigint(let v): FirebirdDecimal(unscaled: v, scale: 0)
        case .int128(let v): FirebirdDecimal(significand: v, scale: 0)
        case .decimal(let v): v
        case .boolean(let v): FirebirdDecimal(unscaled: v ? 1 : 0, scale: 0)
        default: nil
        }
    }

    /// The value as a Double, for FLOAT and DOUBLE PRECISION parameters.
    var approximateNumber: Double? {
        switch self {
        case .smallint(let v): Double(v)
        case .integer(let v): Double(v)
        case .bigint(let v): Double(v)
        case .int128(let v): Double(v)
        case .decimal(let v): Double(v.description)
        case .decfloat(let v): Double(v.description)
        case .float(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }
}
