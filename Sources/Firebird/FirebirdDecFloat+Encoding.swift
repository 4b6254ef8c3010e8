/// DECFLOAT's storage: IEEE 754 decimal64 (DECFLOAT(16)) and decimal128 (DECFLOAT(34)) in the
/// densely packed decimal (DPD) encoding, in the machine's byte order.
///
/// Firebird keeps DECFLOAT through IBM's decNumber library (`extern/decNumber`, `decDouble` and
/// `decQuad`, whose coefficients are DPD), and its message buffers hold those structures as they are
/// in memory (`FB_DEC16` / `FB_DEC34` in `types_pub.h`: one or two `ISC_UINT64`).
extension FirebirdDecFloat {
    /// The parameters of one IEEE 754 decimal interchange format.
    struct Format {
        /// DECFLOAT(16): 64 bits, 16 digits, exponent -398…369.
        static let decimal64 = Format(bits: 64, exponentContinuationBits: 8, declets: 5, bias: 398)
        /// DECFLOAT(34): 128 bits, 34 digits, exponent -6176…6111.
        static let decimal128 = Format(bits: 128, exponentContinuationBits: 12, declets: 11, bias: 6176)

        let bits: Int
        let exponentContinuationBits: Int
        let declets: Int
        let bias: Int
        var digits: Int { 1 + 3 * declets }
        var coefficientBits: Int { 10 * declets }
        /// The largest biased exponent: the combination field carries two more bits, never both set.
        var maxBiasedExponent: Int { 3 << exponentContinuationBits - 1 }
    }

    /// Decodes the low `format.bits` bits of `raw`.
    init(bits raw: UInt128, format: Format) {
        let sign = raw >> (format.bits - 1) & 1 == 1
        let combination = Int(raw >> (format.bits - 6) & 0x1F)
        let continuationShift = format.coefficientBits
        let exponentContinuation = Int(raw >> continuationShift) & (1 << format.exponentContinuationBits - 1)
        let exponentHigh: Int
        let leadingDigit: UInt128
        if combination >> 3 != 0b11 {
            exponentHigh = combination >> 3
            leadingDigit = UInt128(combination & 0b111)
        } else if combination >> 1 != 0b1111 {
            exponentHigh = combination >> 1 & 0b11
            leadingDigit = 8 + UInt128(combination & 1)
        } else if combination & 1 == 0 {
            self.init(.infinity, isNegative: sign)
            return
        } else {
            let signaling = exponentContinuation >> (format.exponentContinuationBits - 1) == 1
            self.init(signaling ? .signalingNaN : .nan, isNegative: sign)
            return
        }
        var coefficient = leadingDigit
        for declet in stride(from: format.declets - 1, through: 0, by: -1) {
            coefficient = coefficient * 1000 + UInt128(DPD.decode[Int(raw >> (10 * declet) & 0x3FF)])
        }
        let biased = exponentHigh << format.exponentContinuationBits | exponentContinuation
        self.init(isNegative: sign, coefficient: coefficient, exponent: biased - format.bias)
    }

    /// The encoding in `format`, or nil when the coefficient has too many digits or the exponent is
    /// out of the format's range (then the value is sent in the wider format for the server to round).
    func bits(format: Format) -> UInt128? {
        let sign: UInt128 = isNegative ? 1 << (format.bits - 1) : 0
        switch kind {
        case .infinity: return sign | 0b11110 << (format.bits - 6)
        case .nan: return sign | 0b11111 << (format.bits - 6)
        case .signalingNaN: return sign | 0b111111 << (format.bits - 7)
        case .finite: break
        }
        let biased = exponent + format.bias
        guard (0...format.maxBiasedExponent).contains(biased) else { return nil }
        var rest = coefficient
        var result: UInt128 = 0
        for declet in 0..<format.declets {
            result |= UInt128(DPD.encode[Int(rest % 1000)]) << (10 * declet)
            rest /= 1000
        }
        guard rest < 10 else { return nil }
        let exponentHigh = UInt128(biased >> format.exponentContinuationBits)
        let combination: UInt128 = rest < 8 ? exponentHigh << 3 | rest : 0b11000 | exponentHigh << 1 | (rest - 8)
        let continuation = UInt128(biased & (1 << format.exponentContinuationBits - 1))
        return sign | combination << (format.bits - 6) | continuation << format.coefficientBits | result
    }
}

/// Densely packed decimal: three digits in ten bits (IEEE 754-2008, 3.5.2).
enum DPD {
    /// The value 0…999 of each of the 1024 declets (the 24 non-canonical ones included).
    static let decode: [UInt16] = (0..<1024).map { declet in
        let b = { (bit: Int) in (declet >> bit) & 1 }
        let (hi, mid, lo): (Int, Int, Int)
        if b(3) == 0 {
            (hi, mid, lo) = (declet >> 7, declet >> 4 & 7, declet & 7)
        } else {
            switch (declet >> 1) & 3 {
            case 0b00: (hi, mid, lo) = (declet >> 7, declet >> 4 & 7, 8 + b(0))
            case 0b01: (hi, mid, lo) = (declet >> 7, 8 + b(4), (declet >> 5 & 3) << 1 | b(0))
            case 0b10: (hi, mid, lo) = (8 + b(7), declet >> 4 & 7, (declet >> 8) << 1 | b(0))
            default:
                switch (declet >> 5) & 3 {
                case 0b00: (hi, mid, lo) = (8 + b(7), 8 + b(4), (declet >> 8) << 1 | b(0))
                case 0b01: (hi, mid, lo) = (8 + b(7), (declet >> 8) << 1 | b(4), 8 + b(0))
                case 0b10: (hi, mid, lo) = (declet >> 7, 8 + b(4), 8 + b(0))
                default: (hi, mid, lo) = (8 + b(7), 8 + b(4), 8 + b(0))
                }
            }
        }
        return UInt16(truncatingIfNeeded: hi * 100 + mid * 10 + lo)
    }

    /// The canonical declet of each value 0…999: the lowest declet that decodes to it.
    static let encode: [UInt16] = {
        var table = [UInt16](repeating: 0xFFFF, count: 1000)
        for declet in 0..<1024 where table[Int(decode[declet])] == 0xFFFF {
            table[Int(decode[declet])] = UInt16(truncatingIfNeeded: declet)
        }
        return table
    }()
}
