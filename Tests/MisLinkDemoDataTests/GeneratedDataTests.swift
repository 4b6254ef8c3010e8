import Firebird
import Foundation
import Testing

@testable import MisLinkDemoData

/// What 2,000 generated patients look like when read back from a WIN1251 database.
@Suite("Generated data")
struct GeneratedDataTests {
    let database: SharedDemoDatabase
    let attachment: FirebirdAttachment

    init() throws {
        database = try SharedDemoDatabase.get()
        attachment = try ClinicTestDatabase.open(database.path)
    }

    @Test func countsMatchTheRequestAndTheSummary() throws {
        let summary = database.summary
        #expect(summary.patients == 2_000)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM PATIENTS") == 2_000)
        #expect(summary.patientIDs == 1...2_000)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SCHEDULE") == summary.visits)
        // 60 % with history, 2.5 visits each on average: about 3,000 rows.
        #expect((2_400...3_600).contains(summary.visits))
        // The schema's 3 departments and 5 services plus the catalogue's others; 1 admin plus 30 new staff.
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM DEPARTMENTS") == ClinicCatalog.departments.count)
        #expect(summary.departments == ClinicCatalog.departments.count - 3)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SERVICES") == ClinicCatalog.services.count)
        #expect(summary.services == ClinicCatalog.services.count - 5)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM STAFF") == 31)
        #expect(summary.staff == 30)
        // A small load keeps its indexes (automatic policy below the threshold).
        #expect(summary.rebuiltIndexes.isEmpty)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM PATIENTS WHERE CARD_NUMBER <> CAST(ID AS VARCHAR(20))") == 0)
    }

    @Test func cyrillicNamesReadBackWithCorrectGenderForms() throws {
        let rows = try ClinicTestDatabase.rows(
            attachment,
            "SELECT LAST_NAME, FIRST_NAME, MIDDLE_NAME, SEX, OCTET_LENGTH(LAST_NAME), CHAR_LENGTH(LAST_NAME) FROM PATIENTS")
        let word = /^[А-ЯЁ][а-яё]+$/
        var female = 0
        var male = 0
        for row in rows {
            let last = try #require(row[0])
            #expect(last.wholeMatch(of: word) != nil, "last name \(last)")
            #expect(row[1].map { $0.wholeMatch(of: word) != nil } ?? false, "first name \(row[1] ?? "NULL")")
            // WIN1251 stores one byte per character: the text really is Cyrillic in the database's charset.
            #expect(row[4] == row[5])
            guard let middle = row[2] else { continue }
            switch row[3] {
            case "F":
                female += 1
                #expect(middle.hasSuffix("вна") || middle.hasSuffix("ична"), "\(last) \(middle)")
                for masculine in ["ов", "ев", "ёв", "ин", "ский", "цкий"] { #expect(!last.hasSuffix(masculine), "\(last) (F)") }
                #expect(RussianNames.femaleNames.contains(row[1] ?? ""))
            case "M":
                male += 1
                #expect(middle.hasSuffix("вич") || middle.hasSuffix("ич"), "\(last) \(middle)")
                for feminine in ["ова", "ева", "ёва", "ина", "ская", "цкая"] { #expect(!last.hasSuffix(feminine), "\(last) (M)") }
                #expect(RussianNames.maleNames.contains { $0.name == row[1] })
            default:
                break
            }
        }
        #expect(female > 800 && male > 600)
        // Letters outside the basic block survive the round trip too.
        #expect(rows.contains { ($0[0] ?? "").contains("ё") || ($0[1] ?? "").contains("ё") })
    }

    @Test func everyPhoneFormatRegistrarsTypeOccurs() throws {
        let rows = try ClinicTestDatabase.rows(attachment, "SELECT PHONE_MOBILE, PHONE_HOME, PHONE_WORK FROM PATIENTS")
        let values = rows.flatMap { $0.compactMap { $0 } }
        let formats: [(String, Regex<Substring>)] = [
            ("8 (917) 123-45-67", /8 \(\d{3}\) \d{3}-\d{2}-\d{2}/),
            ("+7 917 123 45 67", /\+7 \d{3} \d{3} \d{2} \d{2}/),
            ("89171234567", /8\d{10}/),
            ("917-123-45-67", /\d{3}-\d{3}-\d{2}-\d{2}/),
            ("22-33-44", /\d{2}-\d{2}-\d{2}/),
            ("8-917-123-45-67, раб. 22-33-44", /8-\d{3}-\d{3}-\d{2}-\d{2}, раб\. \d{2}-\d{2}-\d{2}/),
            ("+7 (843) 212-45-67 доб. 123", /\+7 \(\d{3}\) \d{3}-\d{2}-\d{2} доб\. \d+/),
        ]
        for (example, pattern) in formats {
            let matches = values.filter { $0.wholeMatch(of: pattern) != nil }.count
            #expect(matches >= 5, "format \(example) occurs \(matches) times")
        }
        let mobiles = rows.map { $0[0] }
        #expect(mobiles.contains { $0 == nil }, "some PHONE_MOBILE is NULL")
        #expect(mobiles.contains { $0 == "" }, "some PHONE_MOBILE is empty")
        #expect(mobiles.contains { $0 == "нет" } || mobiles.filter { PhoneFormats.junk.contains($0 ?? "#") }.count >= 5)
        #expect(mobiles.filter { PhoneFormats.junk.contains($0 ?? "#") }.count >= 10)
    }

    @Test func familiesShareOneMobileTypedDifferently() throws {
        let rows = try ClinicTestDatabase.rows(attachment, "SELECT ID, LAST_NAME, PHONE_MOBILE, ADDRESS FROM PATIENTS ORDER BY ID")
        var byNumber: [String: [[String?]]] = [:]
        for row in rows {
            guard let phone = row[2] else { continue }
            let digits = phone.filter(\.isNumber)
            guard digits.count == 10 || (digits.count == 11 && (digits.hasPrefix("7") || digits.hasPrefix("8"))) else { continue }
            byNumber[String(digits.suffix(10)), default: []].append(row)
        }
        let families = byNumber.values.filter { $0.count >= 2 }
        let members = families.reduce(0) { $0 + $1.count }
        // About 10 % of 2,000 patients live in families of 2 to 4.
        #expect((100...320).contains(members), "\(members) patients share a number")
        #expect(families.allSatisfy { $0.count <= 4 })
        // The same number is typed in more than one way within a family, and families share an address.
        #expect(families.filter { Set($0.map { $0[2] }).count > 1 }.count >= families.count / 2)
        #expect(families.filter { Set($0.map { $0[3] }).count == 1 }.count >= families.count * 9 / 10)
        // One surname per family, in its masculine and feminine forms.
        for family in families {
            let stems = Set(family.compactMap { $0[1] }.map { RussianNames.feminine(of: $0) })
            #expect(stems.count == 1, "family \(family.map { $0[1] ?? "" })")
        }
    }

    @Test func scheduleRowsAreConsistent() throws {
        let statuses = Dictionary(uniqueKeysWithValues: try ClinicTestDatabase.rows(
            attachment, "SELECT STATUS, COUNT(*) FROM SCHEDULE GROUP BY STATUS").map { ($0[0]!, Int($0[1]!)!) })
        #expect(Set(statuses.keys) == ["visited", "cancelled", "no_show", "booked"])
        #expect(statuses["visited"]! > statuses["cancelled"]! && statuses["cancelled"]! > 0 && statuses["no_show"]! > 0)
        let today = "DATE '\(ClinicTestDatabase.today)'"
        let violations = [
            "SELECT COUNT(*) FROM SCHEDULE S LEFT JOIN PATIENTS P ON P.ID = S.PATIENT_ID WHERE P.ID IS NULL",
            "SELECT COUNT(*) FROM SCHEDULE S JOIN STAFF D ON D.ID = S.DOCTOR_ID WHERE D.ROLE NOT IN ('doctor', 'nurse') OR D.IS_ACTIVE = 0",
            "SELECT COUNT(*) FROM SCHEDULE S JOIN STAFF D ON D.ID = S.DOCTOR_ID JOIN SERVICES V ON V.ID = S.SERVICE_ID WHERE V.DEPARTMENT_ID <> D.DEPARTMENT_ID",
            "SELECT COUNT(*) FROM SCHEDULE S JOIN STAFF B ON B.ID = S.CREATED_BY WHERE B.ROLE NOT IN ('registrar', 'operator')",
            "SELECT COUNT(*) FROM SCHEDULE WHERE END_AT <= START_AT OR CREATED_AT > START_AT",
            "SELECT COUNT(*) FROM SCHEDULE WHERE STATUS IN ('visited', 'no_show') AND START_AT >= \(today)",
            "SELECT COUNT(*) FROM SCHEDULE WHERE STATUS = 'booked' AND START_AT < \(today)",
            "SELECT COUNT(*) FROM SCHEDULE WHERE STATUS = 'cancelled' AND CANCELLED_AT IS NULL",
            "SELECT COUNT(*) FROM SCHEDULE WHERE STATUS <> 'cancelled' AND CANCELLED_AT IS NOT NULL",
            "SELECT COUNT(*) FROM SCHEDULE WHERE CANCELLED_AT > START_AT OR CANCELLED_AT < CREATED_AT",
            "SELECT COUNT(*) FROM SCHEDULE S JOIN SERVICES V ON V.ID = S.SERVICE_ID WHERE S.PRICE <> V.PRICE AND S.PRICE <> CAST(V.PRICE * 0.9 AS NUMERIC(12,2))",
            "SELECT COUNT(*) FROM SCHEDULE S JOIN SERVICES V ON V.ID = S.SERVICE_ID WHERE DATEDIFF(MINUTE FROM S.START_AT TO S.END_AT) <> V.DURATION_MIN",
            "SELECT COUNT(*) FROM SCHEDULE S JOIN PATIENTS P ON P.ID = S.PATIENT_ID WHERE S.CREATED_AT < P.CREATED_AT - 1",
        ]
        for sql in violations { #expect(try ClinicTestDatabase.count(attachment, sql) == 0, "\(sql)") }
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SCHEDULE WHERE STATUS = 'booked' AND START_AT > \(today)") > 0)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SCHEDULE WHERE CREATED_BY IS NULL") > 0)
        // Kopecks survive exactly: a NUMERIC(12,2) price such as 2450.50 is stored as it was bound.
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SERVICES WHERE PRICE = 2450.50 AND CODE = 'A04.16.001'") == 1)
        // Most patients with visits have between 1 and a handful; 60 % have a history.
        let withHistory = try ClinicTestDatabase.count(attachment, "SELECT COUNT(DISTINCT PATIENT_ID) FROM SCHEDULE")
        #expect((1_050...1_350).contains(withHistory), "\(withHistory) patients with visits")
    }

    @Test func staffHaveExtensionsAndChatLogins() throws {
        let rows = try ClinicTestDatabase.rows(
            attachment, "SELECT ROLE, SIP_EXTENSION, CHAT_LOGIN, CHAT_PASSWORD, IS_ACTIVE, SPECIALTY FROM STAFF WHERE ROLE <> 'admin'")
        let operators = rows.filter { $0[0] == "operator" && $0[4] == "1" }
        #expect(!operators.isEmpty)
        for row in operators {
            #expect(row[1].map { $0.wholeMatch(of: /1\d\d/) != nil } ?? false, "operator extension \(row[1] ?? "NULL")")
            #expect(row[2].map { $0.wholeMatch(of: /[a-z]+\.[a-z]+\d*/) != nil } ?? false, "chat login \(row[2] ?? "NULL")")
            #expect((row[3]?.count ?? 0) == 12)
        }
        #expect(operators.compactMap { $0[1] }.sorted().first == "101")
        #expect(rows.filter { $0[0] == "doctor" }.allSatisfy { $0[5] != nil })
        #expect(rows.contains { $0[0] == "registrar" } && rows.contains { $0[0] == "nurse" })
        #expect(rows.filter { $0[4] == "0" }.allSatisfy { $0[1] == nil }, "inactive staff have no extension")
    }
}
