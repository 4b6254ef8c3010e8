import Foundation

/// An exact NUMERIC/DECIMAL value as Firebird stores it: a scaled integer.
///
/// `FirebirdDecimal(unscaled: 123456, scale: -4)` is 12.3456. Firebird 3 stores up to 18 digits
/// (a 64-bit integer); Firebird 4 and later store NUMERIC(19…38) as a 128-bit integer, so the
/// integer here is an `Int128`. Conversions never pass through floating point: to and from
/// `Foundation.Decimal` and text go digit by digit.
public struct FirebirdDecimal: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The integer Firebird stores, up to 38 digits.
    public var significand: Int128
    /// The power of ten the integer is multiplied by (0 or negative, as in `sqlscale`).
    public var scale: Int

    /// Creates a value from its stored integer and scale.
    public init(significand: Int128, scale: Int) {
        self.significand = significand
        self.scale = scale
    }

    /// Creates a value from a 64-bit stored integer (what NUMERIC(1…18) holds) and scale.
    public init(unscaled: Int64, scale: Int) {
        self.init(significand: Int128(unscaled), scale: scale)
    }

    /// The stored integer as an `Int64`, as NUMERIC(1…18) always holds it.
    ///
    /// A value of more than 18 digits (NUMERIC(19…38) on Firebird 4+) does not fit: read
    /// ``significand`` or ``unscaled64`` there; this accessor clamps to `Int64.min…Int64.max`.
    public var unscaled: Int64 {
        get { Int64(clamping: significand) }
        set { significand = Int128(newValue) }
    }

    /// The stored integer when it fits in 64 bits, else nil.
    public var unscaled64: Int64? { Int64(exactly: significand) }

    /// The largest significand NUMERIC(38) holds: 38 nines.
    public static let maxSignificand: Int128 = 99_999_999_999_999_999_999_999_999_999_999_999_999

    /// Parses a decimal literal such as `-12.3456` exactly; nil for anything else or past 128 bits.
    public init?(_ text: String) {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)),
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        // Accumulated negative, so that Int128.min parses too.
        var value: Int128 = 0
        for character in parts[0] + fraction {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.subtractingReportingOverflow(Int128(character.wholeNumberValue!))
            if o1 || o2 { return nil }
            value = sum
        }
        if !negative {
            guard value != .min else { return nil }
            value = -value
        }
        self.init(significand: value, scale: -fraction.count)
    }

    /// The exact `Foundation.Decimal`.
    public init?(_ decimal: Decimal) {
        guard decimal.isFinite else { return nil }
        self.init(decimal.description)
    }

    /// The same value rescaled to `newScale`, rounding half away from zero when digits are dropped
    /// (what Firebird does when it assigns to a NUMERIC); nil on overflow.
    public func rescaled(to newScale: Int) -> FirebirdDecimal? {
        if newScale == scale { return self }
        if newScale < scale {
            var value = significand
            for _ in 0..<(scale - newScale) {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
            return FirebirdDecimal(significand: value, scale: newScale)
        }
        var value = significand
        var remainder: Int128 = 0
        for _ in 0..<(newScale - scale) {
            remainder = value % 10
            value /= 10
            if value == 0 && remainder == 0 { break }
        }
        if remainder.magnitude >= 5 { value += value < 0 || (value == 0 && remainder < 0) ? -1 : 1 }
        return FirebirdDecimal(significand: value, scale: newScale)
    }

    /// The exact value as `Foundation.Decimal` (exact up to its 38 significant digits).
    public var decimal: Decimal {
        Decimal(string: description, locale: Locale(identifier: "en_US_POSIX"))!
    }

    /// The exact literal, with exactly `-scale` fractional digits (`12.3400`).
    public var description: String {
        let magnitude = String(significand.magnitude)
        let sign = significand < 0 ? "-" : ""
        guard scale < 0 else { return sign + magnitude + String(repeating: "0", count: scale) }
        let fractionDigits = -scale
        let padded = String(repeating: "0", count: max(0, fractionDigits + 1 - magnitude.count)) + magnitude
        let split = padded.index(padded.endIndex, offsetBy: -fractionDigits)
        return sign + padded[..<split] + "." + padded[split...]
    }

    public static func < (lhs: FirebirdDecimal, rhs: FirebirdDecimal) -> Bool {
        let common = min(lhs.scale, rhs.scale)
        guard let l = lhs.rescaled(to: common), let r = rhs.rescaled(to: common) else {
            return lhs.decimal < rhs.decimal
        }
        return l.significand < r.significand
    }

    public static func == (lhs: FirebirdDecimal, rhs: FirebirdDecimal) -> Bool {
        !(lhs < rhs) && !(rhs < lhs)
    }

    public func hash(into hasher: inout Hasher) {
        var normal = self
        while normal.scale < 0, normal.significand % 10 == 0 {
            normal = FirebirdDecimal(significand: normal.significand / 10, scale: normal.scale + 1)
        }
        hasher.combine(normal.significand)
        hasher.combine(normal.scale)
    }
}
