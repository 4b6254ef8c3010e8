import Foundation

/// An exact NUMERIC/DECIMAL value as Firebird stores it: a scaled 64-bit integer.
///
/// `FirebirdDecimal(unscaled: 123456, scale: -4)` is 12.3456. Conversions never pass through
/// floating point: to and from `Foundation.Decimal` and text go digit by digit.
public struct FirebirdDecimal: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The integer Firebird stores.
    public var unscaled: Int64
    /// The power of ten the integer is multiplied by (0 or negative, as in `sqlscale`).
    public var scale: Int

    /// Creates a value from its stored integer and scale.
    public init(unscaled: Int64, scale: Int) {
        self.unscaled = unscaled
        self.scale = scale
    }

    /// Parses a decimal literal such as `-12.3456` exactly; nil for anything else or on overflow.
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
        var value: Int64 = 0
        for character in parts[0] + fraction {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(character.wholeNumberValue!))
            if o1 || o2 { return nil }
            value = sum
        }
        self.init(unscaled: negative ? -value : value, scale: -fraction.count)
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
            var value = unscaled
            for _ in 0..<(scale - newScale) {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
            return FirebirdDecimal(unscaled: value, scale: newScale)
        }
        var value = unscaled
        var remainder: Int64 = 0
        for _ in 0..<(newScale - scale) {
            remainder = value % 10
            value /= 10
        }
        if abs(remainder) >= 5 { value += value < 0 || (value == 0 && remainder < 0) ? -1 : 1 }
        return FirebirdDecimal(unscaled: value, scale: newScale)
    }

    /// The exact value as `Foundation.Decimal`.
    public var decimal: Decimal {
        Decimal(string: description, locale: Locale(identifier: "en_US_POSIX"))!
    }

    /// The exact literal, with exactly `-scale` fractional digits (`12.3400`).
    public var description: String {
        let magnitude = String(unscaled.magnitude)
        let sign = unscaled < 0 ? "-" : ""
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
        return l.unscaled < r.unscaled
    }

    public static func == (lhs: FirebirdDecimal, rhs: FirebirdDecimal) -> Bool {
        !(lhs < rhs) && !(rhs < lhs)
    }

    public func hash(into hasher: inout Hasher) {
        var normal = self
        while normal.scale < 0, normal.unscaled % 10 == 0 {
            normal = FirebirdDecimal(unscaled: normal.unscaled / 10, scale: normal.scale + 1)
        }
        hasher.combine(normal.unscaled)
        hasher.combine(normal.scale)
    }
}
