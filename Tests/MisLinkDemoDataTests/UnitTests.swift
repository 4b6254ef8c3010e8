import Firebird
import Testing

@testable import MisLinkDemoData

/// The pure parts: the generator, names, phones, SNILS, the progress text.
@Suite("Units")
struct UnitTests {
    @Test func splitMix64MatchesTheReferenceSequence() {
        // The first outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        var bounded = SplitMix64(seed: 99)
        for _ in 0..<10_000 { #expect((0..<7).contains(bounded.below(7))) }
    }

    @Test func feminineSurnamesFollowRussianGrammar() {
        let cases = [
            ("Иванов", "Иванова"), ("Соловьёв", "Соловьёва"), ("Ильин", "Ильина"), ("Троицкий", "Троицкая"),
            ("Успенский", "Успенская"), ("Толстой", "Толстая"), ("Луговской", "Луговская"), ("Шевченко", "Шевченко"),
            ("Черных", "Черных"), ("Ковальчук", "Ковальчук"), ("Ким", "Ким"), ("Цой", "Цой"),
        ]
        for (masculine, feminine) in cases { #expect(RussianNames.feminine(of: masculine) == feminine) }
        #expect(RussianNames.latin("Щербакова Юлия") == "shcherbakova yuliya")
    }

    @Test func snilsCheckDigits() {
        // 112-233-445 95 is the example the Pension Fund publishes.
        #expect(PatientGenerator.formatSNILS(112_233_445) == "112-233-445 95")
        // 0·9 + 0·8 + 1·7 + 0·6 + 0·5 + 1·4 + 9·3 + 9·2 + 9·1 = 65.
        #expect(PatientGenerator.formatSNILS(1_001_999) == "001-001-999 65")
        // Sums above 101 are taken modulo 101: 9 · 45 = 405 ≡ 1.
        #expect(PatientGenerator.formatSNILS(999_999_999) == "999-999-999 01")
    }

    @Test func phoneTemplatesPlaceDigitsInOrder() {
        let number = PhoneFormats.Number(digits: 9_171_234_567)
        #expect(PhoneFormats.fill(Array("8 (###) ###-##-##".utf8), digits: number.digits, count: 10) == "8 (917) 123-45-67")
        #expect(PhoneFormats.fill(Array("+7 ### ### ## ##".utf8), digits: number.digits, count: 10) == "+7 917 123 45 67")
        #expect(PhoneFormats.fill(Array("###-##-##".utf8), digits: 8_432_124_567, count: 7) == "212-45-67")
        #expect(number.key == "9171234567")
    }

    @Test func weekdaysOfIscDates() {
        // 2025-03-14 was a Friday, 2025-03-16 a Sunday.
        #expect(Day.weekday(FirebirdDate(year: 2025, month: 3, day: 14).iscDate) == 4)
        #expect(Day.weekday(FirebirdDate(year: 2025, month: 3, day: 16).iscDate) == 6)
    }

    @Test func staffRolesAlwaysIncludeEachKind() {
        #expect(ReferenceData.roles(0).isEmpty)
        #expect(ReferenceData.roles(3) == ["doctor", "operator", "registrar"])
        let forty = ReferenceData.roles(40)
        #expect(forty.count == 40)
        #expect(forty.filter { $0 == "doctor" }.count > 20 && forty.contains("nurse"))
    }

    @Test func progressText() {
        let progress = DemoDataProgress(
            phase: .patients, patients: 400_000, patientsTotal: 1_000_000, visits: 99_812, elapsed: .seconds(8))
        #expect(progress.patientsPerSecond == 50_000)
        #expect(progress.remaining == .seconds(12))
        #expect(DemoDataProgressBar.bar(progress) == "patients [#########---------------]  40%  400,000/1,000,000  50,000/s  ETA 0:12  visits 99,812")
        #expect(DemoDataProgressBar.line(progress) == "patients 400000/1000000 (40%), 50000/s, ETA 12 s, visits 99812")
        let lines = Locked<[String]>([])
        let bar = DemoDataProgressBar(interactive: false) { text in lines.mutate { $0.append(text) } }
        for done in stride(from: 0, through: 1_000_000, by: 10_000) {
            bar.update(DemoDataProgress(phase: .patients, patients: done, patientsTotal: 1_000_000, visits: 0, elapsed: .seconds(1)))
        }
        // Plain output: one line per 10 % (and the first), not one per batch.
        #expect(lines.value.count == 11)
    }
}
