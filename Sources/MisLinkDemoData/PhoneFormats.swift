/// Phone numbers as clinic registrars really type them into free-text MIS fields.
///
/// A number is a run of digits; a *template* spells it out, with `#` for each digit:
/// `8 (###) ###-##-##` makes `8 (917) 123-45-67`. Formatting fills a byte buffer, with no Foundation
/// and no interpolation, because it runs a few million times per million patients.
enum PhoneFormats {
    /// The 10 significant digits of a Russian number (operator or city code + subscriber).
    struct Number: Sendable, Hashable {
        var digits: UInt64
        /// The 10 digits as text, e.g. `9171234567`.
        var key: String { PhoneFormats.fill(Array("##########".utf8), digits: digits, count: 10) }
    }

    /// How a mobile number is written, weighted by how often registrars write it that way.
    static let mobileTemplates = WeightedTable<[UInt8]>([
        (Array("8 (###) ###-##-##".utf8), 22),
        (Array("+7 ### ### ## ##".utf8), 14),
        (Array("8##########".utf8), 22),
        (Array("###-###-##-##".utf8), 8),
        (Array("+7##########".utf8), 10),
        (Array("8-###-###-##-##".utf8), 8),
        (Array("8(###)###-##-##".utf8), 6),
        (Array("8 ### ###-##-##".utf8), 5),
        (Array("+7(###)###-##-##".utf8), 5),
    ])

    /// Mobile operator codes; the first ones (Tatarstan's) are the most frequent.
    static let mobileCodes = WeightedTable<UInt64>(
        [(917, 30), (927, 22), (937, 14), (987, 12), (960, 10), (965, 8), (919, 6), (962, 6), (903, 5)]
            + (900...999).filter { ![907, 940, 941, 942, 943, 944, 945, 946, 947, 948, 949, 970, 971, 972, 973, 974, 975, 976, 990].contains($0) }
            .map { (UInt64($0), 1) })

    /// The clinic's city code (Kazan), for landlines written in full.
    static let cityCode: UInt64 = 843

    /// A random mobile number.
    static func mobile(_ random: inout SplitMix64) -> Number {
        Number(digits: mobileCodes.draw(&random) * 10_000_000 + UInt64(random.below(10_000_000)))
    }

    /// A random city landline (7-digit subscriber number with the city code).
    static func landline(_ random: inout SplitMix64) -> Number {
        Number(digits: cityCode * 10_000_000 + UInt64(random.int(in: 2_000_000...5_999_999)))
    }

    /// A mobile number in one of the usual spellings.
    static func typedMobile(_ number: Number, _ random: inout SplitMix64) -> String {
        fill(mobileTemplates.draw(&random), digits: number.digits, count: 10)
    }

    /// Writes the last `count` digits of `digits` into the `#` places of `template`.
    static func fill(_ template: [UInt8], digits: UInt64, count: Int) -> String {
        String(unsafeUninitializedCapacity: template.count) { buffer in
            var divisor: UInt64 = 1
            for _ in 1..<count { divisor &*= 10 }
            for (index, byte) in template.enumerated() {
                if byte == UInt8(ascii: "#") {
                    buffer[index] = UInt8(ascii: "0") + UInt8((digits / divisor) % 10)
                    divisor /= 10
                } else {
                    buffer[index] = byte
                }
            }
            return template.count
        }
    }

    /// `22-33-44`: a local six-digit number as small-town registrars write it.
    static func local6(_ random: inout SplitMix64) -> String {
        fill(Array("##-##-##".utf8), digits: UInt64(random.int(in: 200_000...799_999)), count: 6)
    }

    /// A city landline: `212-45-67`, `(843) 212-45-67` or `8 (843) 212-45-67`.
    static func typedLandline(_ random: inout SplitMix64) -> String {
        let number = landline(&random)
        switch random.below(4) {
        case 0: return fill(Array("###-##-##".utf8), digits: number.digits, count: 7)
        case 1: return fill(Array("(###) ###-##-##".utf8), digits: number.digits, count: 10)
        default: return fill(Array("8 (###) ###-##-##".utf8), digits: number.digits, count: 10)
        }
    }

    /// A work number with an extension: `+7 (843) 212-45-67 доб. 123` and its variants.
    static func withExtension(_ random: inout SplitMix64) -> String {
        let number = landline(&random)
        let ext = String(random.int(in: 10...1_999))
        switch random.below(3) {
        case 0: return fill(Array("+7 (###) ###-##-## доб. ".utf8), digits: number.digits, count: 10) + ext
        case 1: return fill(Array("###-##-## доб.".utf8), digits: number.digits, count: 7) + ext
        default: return fill(Array("8 (###) ###-##-##, доб. ".utf8), digits: number.digits, count: 10) + ext
        }
    }

    /// Two numbers in one field: `8-917-123-45-67, раб. 22-33-44` and its variants.
    static func twoNumbers(_ first: Number, _ random: inout SplitMix64) -> String {
        let mobile = fill(Array("8-###-###-##-##".utf8), digits: first.digits, count: 10)
        switch random.below(3) {
        case 0: return mobile + ", раб. " + local6(&random)
        case 1: return fill(Array("8##########".utf8), digits: first.digits, count: 10) + "; " + fill(Array("8##########".utf8), digits: PhoneFormats.mobile(&random).digits, count: 10)
        default: return mobile + " / дом. " + typedLandline(&random)
        }
    }

    /// What registrars type when there is no number.
    static let junk = ["нет", "-", "не указан", "отказ", "0", "нет телефона", "?"]
}
