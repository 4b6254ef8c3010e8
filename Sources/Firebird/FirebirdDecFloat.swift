/// A Firebird 4+ DECFLOAT(16) or DECFLOAT(34) value: an IEEE 754 decimal floating-point number.
///
/// Kept as its sign, integer coefficient and power of ten, exactly as stored, so that
/// `1.50` and `1.5` stay distinct (IEEE calls them members of one cohort) and nothing passes through
/// binary floating point. `FirebirdDecFloat("1.50")` is coefficient 150, exponent -2. Encodes as its text.
public struct FirebirdDecFloat: Hashable, Sendable, CustomStringConvertible, TextCodable {
    /// Finite, infinite or not a number.
    public enum Kind: Hashable, Sendable {
        case finite
        case infinity
        /// A quiet NaN.
        case nan
        /// A signaling NaN (`sNaN`).
        case signalingNaN
    }

    /// Finite, infinite or NaN.
    public var kind: Kind
    /// The sign bit (a negative zero and `-Infinity` have it).
    public var isNegative: Bool
    /// The coefficient: at most 16 digits for DECFLOAT(16), 34 for DECFLOAT(34); 0 unless finite.
    public var coefficient: UInt128
    /// The power of ten the coefficient is multiplied by; 0 unless finite.
    public var exponent: Int

    /// A finite value: `(-1)^sign × coefficient × 10^exponent`.
    public init(isNegative: Bool = false, coefficient: UInt128, exponent: Int) {
        self.kind = .finite
        self.isNegative = isNegative
        self.coefficient = coefficient
        self.exponent = exponent
    }

    /// An infinity or NaN.
    public init(_ kind: Kind, isNegative: Bool = false) {
        self.kind = kind
        self.isNegative = isNegative
        coefficient = 0
        exponent = 0
    }

    /// Parses what ``description`` prints, as `init?(_ text: String)` does.
    public init?(parsing text: String) { self.init(text) }

    /// Positive infinity.
    public static let infinity = FirebirdDecFloat(.infinity)

    /// The exact value of a NUMERIC (its digits and scale become the coefficient and exponent).
    public init(_ decimal: FirebirdDecimal) {
        self.init(isNegative: decimal.significand < 0, coefficient: UInt128(decimal.significand.magnitude), exponent: decimal.scale)
    }

    /// The exact NUMERIC of a finite value whose coefficient, times its positive power of ten if any,
    /// fits 128 bits; nil otherwise (infinities, NaNs, `1E+400`).
    public var exactDecimal: FirebirdDecimal? {
        guard kind == .finite, let magnitude = Int128(exactly: coefficient) else { return nil }
        let value = FirebirdDecimal(significand: isNegative ? -magnitude : magnitude, scale: exponent)
        return exponent > 0 ? value.rescaled(to: 0) : value
    }

    /// Parses `-12.50`, `1.2E+5`, `Infinity`, `-Inf`, `NaN`, `sNaN` (case-insensitive), keeping every digit
    /// and trailing zero; nil for anything else or a coefficient of more than 34 digits.
    public init?(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if let first = rest.first, first == "-" || first == "+" {
            negative = first == "-"
            rest = rest.dropFirst()
        }
        switch rest.lowercased() {
        case "inf", "infinity": self.init(.infinity, isNegative: negative); return
        case "nan": self.init(.nan, isNegative: negative); return
        case "snan": self.init(.signalingNaN, isNegative: negative); return
        default: break
        }
        var exponent = 0
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let power = Int(rest[rest.index(after: e)...]), abs(power) < 100_000 else { return nil }
            exponent = power
            rest = rest[..<e]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.contains(where: { !$0.isEmpty }),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        var coefficient: UInt128 = 0
        var digits = 0
        for character in parts[0] + fraction {
            if digits > 0 || character != "0" { digits += 1 }
            guard digits <= 34 else { return nil }
            coefficient = coefficient * 10 + UInt128(character.wholeNumberValue!)
        }
        self.init(isNegative: negative, coefficient: coefficient, exponent: exponent - fraction.count)
    }

    /// The IEEE 754 to-scientific-string form Firebird prints: `12.50`, `1.2E+7`, `-Infinity`, `NaN`.
    public var description: String {
        let sign = isNegative ? "-" : ""
        switch kind {
        case .infinity: return sign + "Infinity"
        case .nan: return sign + "NaN"
        case .signalingNaN: return sign + "sNaN"
        case .finite: break
        }
        let digits = String(coefficient)
        let adjusted = exponent + digits.count - 1
        if exponent <= 0 && adjusted >= -6 {
            if exponent == 0 { return sign + digits }
            let fractionDigits = -exponent
            let padded = String(repeating: "0", count: max(0, fractionDigits + 1 - digits.count)) + digits
            let split = padded.index(padded.endIndex, offsetBy: -fractionDigits)
            return sign + padded[..<split] + "." + padded[split...]
        }
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        return sign + mantissa + "E" + (adjusted < 0 ? "-" : "+") + String(abs(adjusted))
    }
}
