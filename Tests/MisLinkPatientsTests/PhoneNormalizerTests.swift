import Foundation
import Testing

@testable import MisLinkPatients

/// Real-world formats and what they normalise to, with the area code 843 (Kazan) and country 7.
/// Each entry: input, then the expected "key" or "key/extension" list.
let phoneFormatTable: [(String?, [String])] = [
    ("8 (917) 123-45-67", ["79171234567"]),
    ("+7 917 123 45 67", ["79171234567"]),
    ("89171234567", ["79171234567"]),
    ("79171234567", ["79171234567"]),
    ("+79171234567", ["79171234567"]),
    ("917-123-45-67", ["79171234567"]),
    ("(917)1234567", ["79171234567"]),
    ("8.917.123.45.67", ["79171234567"]),
    ("8 917 123-45-67", ["79171234567"]),
    ("+7(917)123-45-67", ["79171234567"]),
    ("8\u{00A0}917\u{00A0}123\u{2013}45\u{2013}67", ["79171234567"]),
    ("  8 (917) 123-45-67  ", ["79171234567"]),
    ("212-45-67", ["78432124567"]),
    ("2124567", ["78432124567"]),
    ("22-33-44", []),
    ("8 (843) 212-45-67", ["78432124567"]),
    ("8-917-123-45-67, раб. 212-45-67", ["79171234567", "78432124567"]),
    ("89171234567; 89271112233", ["79171234567", "79271112233"]),
    ("89171234567 89271112233", ["79171234567", "79271112233"]),
    ("8 917 123 45 67 / 8 927 111 22 33", ["79171234567", "79271112233"]),
    ("моб. 8-917-123-45-67 дом. 212-45-67", ["79171234567", "78432124567"]),
    ("+7 (843) 212-45-67 доб. 123", ["78432124567/123"]),
    ("+7(917)1234567 доб.123", ["79171234567/123"]),
    ("8 843 212 45 67 доп. 45", ["78432124567/45"]),
    ("8 843 212 45 67 вн. 7", ["78432124567/7"]),
    ("8 843 212 45 67 ext 12", ["78432124567/12"]),
    ("8 843 212 45 67 ext. 12", ["78432124567/12"]),
    ("8 843 212 45 67 x12", ["78432124567/12"]),
    ("88432124567#12", ["78432124567/12"]),
    ("8 843 212 45 67 # 12", ["78432124567/12"]),
    ("8 843 212-45-67 добавочный: 305", ["78432124567/305"]),
    ("ДОБ. 123", []),
    ("ext 12", []),
    ("#12", []),
    ("+380 67 123 4567", ["380671234567"]),
    ("+44 20 7946 0958", ["442079460958"]),
    ("+49 (30) 123456", ["4930123456"]),
    ("sip:79001234567@pbx.example.ru", ["79001234567"]),
    ("79001234567", ["79001234567"]),
    ("тел. нет", []),
    ("нет", []),
    ("-", []),
    ("", []),
    (nil, []),
    ("123", []),
    ("8 917 123 4", []),
    ("8 917 123 45 6", ["78917123456"]),  // ten digits: a number by the rules, though a digit is missing
    ("12345678901234567", []),
    ("89171234567, 8 (917) 123-45-67", ["79171234567"]),
    ("мама 8 917 123 45 67, папа 8 927 111 22 33", ["79171234567", "79271112233"]),
    ("8-917-123-45-67 (Анна)", ["79171234567"]),
]

@Suite struct PhoneNormalizerTests {
    let normalizer = PhoneNormalizer(plan: PhoneNumberingPlan(countryCode: "7", areaCode: "843"))

    static func render(_ numbers: [PhoneNumber]) -> [String] {
        numbers.map { $0.key + ($0.extension.map { "/\($0)" } ?? "") }
    }

    @Test(arguments: phoneFormatTable.indices)
    func realWorldFormats(_ index: Int) {
        let (input, expected) = phoneFormatTable[index]
        let numbers = normalizer.numbers(in: input)
        #expect(Self.render(numbers) == expected, "input: \(input ?? "NULL")")
        #expect(numbers.map(\.ordinal) == Array(stride(from: 1, through: numbers.count, by: 1)))
    }

    @Test func localNumbersNeedAnAreaCodeThatCompletesTenDigits() {
        let sixDigitCity = PhoneNormalizer(plan: PhoneNumberingPlan(countryCode: "7", areaCode: "3412"))
        #expect(Self.render(sixDigitCity.numbers(in: "22-33-44")) == ["73412223344"])
        #expect(Self.render(sixDigitCity.numbers(in: "212-45-67")) == [])
        let none = PhoneNormalizer(plan: PhoneNumberingPlan(countryCode: "7", areaCode: ""))
        #expect(none.numbers(in: "212-45-67").isEmpty)
        #expect(Self.render(none.numbers(in: "8 917 123 45 67")) == ["79171234567"])
    }

    /// Property: registrars' formatting noise never changes a number's key.
    @Test func formattingNoiseNeverChangesTheKey() {
        var random = SeededRandom(seed: 2026)
        for _ in 0..<5_000 {
            let national = "9" + String((0..<9).map { _ in Character(String(random.next(upperBound: 10))) })
            let expected = "7" + national
            let prefix = ["8", "+7", "7", "+7 ", "8 ", ""][random.next(upperBound: 6)]
            var text = prefix
            for (offset, digit) in national.enumerated() {
                if offset > 0 && random.next(upperBound: 3) == 0 {
                    text += [" ", "-", ".", " - ", "\u{00A0}", "\u{2013}", ") ", "("][random.next(upperBound: 8)]
                }
                if offset == 0 && random.next(upperBound: 3) == 0 { text += "(" }
                text.append(digit)
            }
            if random.next(upperBound: 4) == 0 { text = "  " + text + " " }
            let numbers = normalizer.numbers(in: text)
            #expect(numbers.map(\.key) == [expected], "\(text)")
            if numbers.map(\.key) != [expected] { return }
            // An extension after the number never changes its key either.
            let marker = ["доб. ", "ext ", "x", " #", " доп."][random.next(upperBound: 5)]
            let withExtension = normalizer.numbers(in: text + " " + marker + "123")
            #expect(withExtension.map(\.key) == [expected], "\(text) \(marker)123")
        }
    }

    @Test func lookupInputErrors() throws {
        #expect(throws: PhoneInputError.empty) { try normalizer.lookupNumber("   ") }
        #expect(throws: PhoneInputError.noDigits("abc")) { try normalizer.lookupNumber("abc") }
        #expect(throws: PhoneInputError.tooShort("12", digits: 2)) { try normalizer.lookupNumber("12") }
        #expect(throws: PhoneInputError.tooLong("1234567890123456789", digits: 19)) {
            try normalizer.lookupNumber("1234567890123456789")
        }
        #expect(throws: PhoneInputError.onlyExtension("доб. 123")) { try normalizer.lookupNumber("доб. 123") }
        #expect(throws: PhoneInputError.onlyExtension("#12")) { try normalizer.lookupNumber("#12") }
        #expect(throws: PhoneInputError.notAPhoneNumber("12345678")) { try normalizer.lookupNumber("12345678") }
        #expect(try normalizer.lookupNumber("sip:79171234567@pbx").key == "79171234567")
        #expect(try normalizer.lookupNumber("8 917 123 45 67 доб. 5").extension == "5")
    }

    @Test func cardTitlesUseRussianPlurals() {
        #expect(Identification.patients(1) == "пациент")
        #expect(Identification.patients(2) == "пациента")
        #expect(Identification.patients(5) == "пациентов")
        #expect(Identification.patients(11) == "пациентов")
        #expect(Identification.patients(21) == "пациент")
        #expect(Identification.patients(24) == "пациента")
        #expect(Identification.shortName("Иванова Анна Петровна") == "Иванова А. П.")
        #expect(Identification.shortName("Цой") == "Цой")
    }
}

/// SplitMix64: a small seeded generator, so property tests repeat exactly.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(upperBound: Int) -> Int { Int(next() % UInt64(upperBound)) }
}
