import Foundation

/// The clinic's numbering plan: what completes and recognises the numbers registrars type.
public struct PhoneNumberingPlan: Sendable, Hashable {
    /// The country calling code put before national numbers (`7`).
    public var countryCode: String
    /// The city code that completes local numbers of 5–7 digits (`843`); empty for none.
    public var areaCode: String
    /// The clinic's own numbers, as phone keys: never matched to a patient.
    public var ownNumbers: Set<String>

    public init(countryCode: String = "7", areaCode: String = "", ownNumbers: Set<String> = []) {
        self.countryCode = countryCode
        self.areaCode = areaCode
        self.ownNumbers = ownNumbers
    }
}

/// One number found in a free-text phone field.
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    /// 1, 2, … in the order the numbers appear (after duplicates are dropped).
    public var ordinal: Int
    /// The E.164 digits without `+` (`79171234567`): what identification compares.
    public var key: String
    /// The extension typed after `доб.`, `ext`, `x` or `#`, kept apart from the key.
    public var `extension`: String?

    public init(ordinal: Int, key: String, extension: String? = nil) {
        self.ordinal = ordinal
        self.key = key
        self.extension = `extension`
    }

    public var description: String { key + (`extension`.map { " ext. \($0)" } ?? "") }
}

/// Turns what registrars typed into phone keys, by exactly the rules of the database procedure
/// `MISLINK_PHONE_KEYS` (Migrations/V001; written down in SQL/README.md, "Phone keys"), so a key
/// computed here finds the rows the triggers wrote.
///
/// ```swift
/// let normalizer = PhoneNormalizer(plan: PhoneNumberingPlan(countryCode: "7", areaCode: "843"))
/// normalizer.numbers(in: "8-917-123-45-67, раб. 212-45-67 доб. 12")
/// // [79171234567, 78432124567 ext. 12]
/// ```
public struct PhoneNormalizer: Sendable {
    public var plan: PhoneNumberingPlan

    public init(plan: PhoneNumberingPlan) {
        self.plan = plan
    }

    static let extensionMarkers: Set<String> = ["доб", "доп", "вн", "добавочный", "ext", "extension"]

    /// Every number in `text`, in order, each key once.
    public func numbers(in text: String?) -> [PhoneNumber] {
        guard let text, !text.isEmpty else { return [] }
        var scanner = Scanner(plan: plan)
        for scalar in text.lowercased().unicodeScalars { scanner.read(Self.fold(scalar)) }
        scanner.read(",")
        scanner.finish()
        return scanner.found
    }

    /// The characters the rules treat alike: no-break space, tab and CR as a space; the dashes as
    /// `-`; `;`, `/`, `|` and newline as `,`.
    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar {
        case "\u{00A0}", "\t", "\r": " "
        case "\u{2013}", "\u{2014}", "\u{2212}": "-"
        case ";", "/", "|", "\n": ","
        default: scalar
        }
    }

    /// The key of a run of digits, or nil when the digits are no phone number of the plan.
    func key(digits: String, international: Bool) -> String? {
        let count = digits.count
        if count == 11, let first = digits.first, first == "7" || first == "8" {
            return plan.countryCode + digits.suffix(10)
        }
        if international {
            return digits.first != "7" && (8...15).contains(count) ? digits : nil
        }
        if count == 10 { return plan.countryCode + digits }
        if (5...7).contains(count), plan.areaCode.count + count == 10 { return plan.countryCode + plan.areaCode + digits }
        return nil
    }

    /// The character loop of `MISLINK_PHONE_KEYS`, one Unicode scalar at a time.
    struct Scanner {
        let plan: PhoneNumberingPlan
        var found: [PhoneNumber] = []
        var seen = Set<String>()
        var digits = ""                 // D: digits of the current number
        var plus = false                // P: the current number started with '+'
        var ended: (digits: String, plus: Bool)?  // PD, PP: the last ended number
        var endedExtension = ""         // PX
        var extensionState = 0          // X: 0 none, 1 marker seen, 2 reading digits
        var keepExtension = false       // XOK
        var word: String?               // the word being read
        var wordFollowsDigit = false    // WD
        var lastWasDigit = false        // LD
        var end = false                 // E
        var nextPlus = false            // NP

        init(plan: PhoneNumberingPlan) { self.plan = plan }

        static func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || c.value >= 128 }

        mutating func read(_ c: Unicode.Scalar) {
            if let current = word, !Self.isLetter(c) {
                let marker = PhoneNormalizer.extensionMarkers.contains(current) || (current == "x" && wordFollowsDigit)
                extensionState = marker ? 1 : 0
                word = nil
                lastWasDigit = false
            }
            switch c {
            case "0"..."9":
                if extensionState == 0 {
                    digits.unicodeScalars.append(c)
                } else {
                    if extensionState == 1 {
                        extensionState = 2
                        keepExtension = ended != nil && endedExtension.isEmpty
                    }
                    if keepExtension && endedExtension.count < 16 { endedExtension.unicodeScalars.append(c) }
                }
                lastWasDigit = true
            case " ":
                if extensionState == 2 { extensionState = 0 }
                if !digits.isEmpty && isComplete { end = true }
            case _ where Self.isLetter(c):
                if word == nil {
                    word = String(c)
                    wordFollowsDigit = lastWasDigit
                    end = true
                    if extensionState == 2 { extensionState = 0 }
                } else {
                    word!.unicodeScalars.append(c)
                }
            case "(", ")", "-", ".":
                if extensionState == 2 { extensionState = 0 }
            case "+":
                extensionState = 0
                lastWasDigit = false
                if digits.isEmpty { plus = true } else { end = true; nextPlus = true }
            case "#":
                end = true
                extensionState = 1
                lastWasDigit = false
            case ":" where extensionState == 1:
                lastWasDigit = false
            default:
                end = true
                extensionState = 0
                lastWasDigit = false
            }
            if end {
                if !digits.isEmpty {
                    emitEnded()
                    ended = (digits, plus)
                    endedExtension = ""
                    digits = ""
                }
                plus = nextPlus
                nextPlus = false
                end = false
            }
        }

        /// A space ends a number that is already complete.
        var isComplete: Bool {
            let first = digits.first
            return (digits.count == 11 && (first == "7" || first == "8")) || (plus && digits.count >= 11)
                || (digits.count == 10 && first == "9")
        }

        mutating func emitEnded() {
            guard let number = ended,
                let key = PhoneNormalizer(plan: plan).key(digits: number.digits, international: number.plus),
                seen.insert(key).inserted
            else { return }
            found.append(PhoneNumber(ordinal: found.count + 1, key: key, extension: endedExtension.isEmpty ? nil : endedExtension))
        }

        mutating func finish() { emitEnded() }
    }
}

/// Why a phone number given for a lookup is not one.
public enum PhoneInputError: Error, Hashable, CustomStringConvertible {
    case empty
    case noDigits(String)
    case onlyExtension(String)
    case tooShort(String, digits: Int)
    case tooLong(String, digits: Int)
    case notAPhoneNumber(String)

    public var description: String {
        switch self {
        case .empty: "no phone number given"
        case .noDigits(let text): "\"\(text)\" has no digits: not a phone number"
        case .onlyExtension(let text): "\"\(text)\" is only an extension; give the number it belongs to"
        case .tooShort(let text, let digits): "\"\(text)\" has \(digits) digit\(digits == 1 ? "" : "s"): too short for a phone number"
        case .tooLong(let text, let digits): "\"\(text)\" has \(digits) digits: too long for a phone number"
        case .notAPhoneNumber(let text): "\"\(text)\" is not a phone number of this numbering plan"
        }
    }
}

extension PhoneNormalizer {
    /// The number to look up in `text` (the first one when there are several), or why there is none.
    public func lookupNumber(_ text: String) throws(PhoneInputError) -> PhoneNumber {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .empty }
        if let first = numbers(in: trimmed).first { return first }
        let digitCount = trimmed.unicodeScalars.count { ("0"..."9").contains($0) }
        guard digitCount > 0 else { throw .noDigits(trimmed) }
        let lowered = trimmed.lowercased()
        let words = lowered.split(whereSeparator: { !($0.isLetter) }).map(String.init)
        if lowered.contains("#") || words.contains(where: { Self.extensionMarkers.contains($0) || $0 == "x" }) {
            throw .onlyExtension(trimmed)
        }
        if digitCount < 5 { throw .tooShort(trimmed, digits: digitCount) }
        if digitCount > 15 { throw .tooLong(trimmed, digits: digitCount) }
        throw .notAPhoneNumber(trimmed)
    }
}
