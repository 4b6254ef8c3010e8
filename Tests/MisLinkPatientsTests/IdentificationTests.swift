import Firebird
import FirebirdMigrations
import Foundation
import MisLinkTestSupport
import Testing

@testable import MisLinkPatients
import MisLinkProfiles

/// Identification against a clinic database with MisLink's migrations applied (real Firebird, embedded).
@Suite(.serialized) struct IdentificationTests {
    /// The shipped reference MIS profile (the schema these tests build).
    static let profile: MISProfile = try! MISProfile(directory: try! MISProfile.resolve(MISProfile.defaultName))

    static let queries: NamedQueries = {
        try! NamedQueries(contentsOf: ClinicDatabase.repository.appendingPathComponent("SQL/queries.sql"))
    }()

    /// The Swift normaliser and the database procedure MISLINK_PHONE_KEYS agree on every input of
    /// the format table and on thousands of generated noisy inputs.
    @Test func swiftAndTheDatabaseProcedureGiveTheSameKeys() throws {
        let path = try ClinicDatabase.createMigrated("keys")
        defer { ClinicDatabase.drop(path) }
        let attachment = try FirebirdAttachment.open(FirebirdConfiguration(database: path))
        defer { try? attachment.close() }
        let plan = try PatientIdentifier.numberingPlan(queries: Self.queries, attachment: attachment)
        #expect(plan.countryCode == "7")
        #expect(plan.areaCode == "843")
        let normalizer = PhoneNormalizer(plan: plan)

        var inputs = phoneFormatTable.compactMap(\.0)
        var random = SeededRandom(seed: 7)
        let pieces = [
            "8", "+7", "7", "9", "917", "843", "212", "45", "67", "1234567", "89171234567", " ", "  ", "-", "(", ")", ".",
            ",", ";", "/", "|", "\n", "+", "#", ":", "доб.", "доп", "вн", "ext", "x", "раб.", "моб", "тел", "Анна", "нет",
            "sip:", "@pbx", "\u{00A0}", "\u{2013}", "№", "ё", "1", "0", "380", "44",
        ]
        for _ in 0..<3_000 {
            inputs.append((0..<(1 + random.next(upperBound: 9))).map { _ in pieces[random.next(upperBound: pieces.count)] }.joined())
        }
        let statement = try attachment.beginTransaction(.readOnly)
        defer { try? statement.commit() }
        let procedure = try attachment.prepare(
            "SELECT ORDINAL, PHONE_KEY, EXTENSION FROM MISLINK_PHONE_KEYS(?) ORDER BY ORDINAL", in: statement)
        var mismatches: [String] = []
        for input in inputs where input.utf8.count <= 255 {
            let database = try procedure.rows([.text(input)], in: statement).map { row in
                try row.decode(String.self, at: 1) + (try row.decode(String?.self, at: 2).map { "/\($0)" } ?? "")
            }
            let swift = PhoneNormalizerTests.render(normalizer.numbers(in: input))
            if database != swift { mismatches.append("\(input.debugDescription): database \(database), Swift \(swift)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(inputs.count) differ:\n\(mismatches.prefix(20).joined(separator: "\n"))")
    }

    @Test func identifiesFamiliesColumnsVisitsAndEditsAtOnce() throws {
        let path = try ClinicDatabase.createMigrated("identify")
        defer { ClinicDatabase.drop(path) }
        let attachment = try FirebirdAttachment.open(FirebirdConfiguration(database: path))
        defer { try? attachment.close() }
        try attachment.inTransaction { tx in
            func patient(_ id: Int, _ last: String, _ first: String, _ middle: String, mobile: String?, home: String? = nil,
                work: String? = nil, deleted: Int = 0) throws {
                try attachment.execute(
                    """
                    INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, BIRTH_DATE, PHONE_MOBILE, PHONE_HOME, PHONE_WORK, IS_DELETED)
                    VALUES (\(id), \(last), \(first), \(middle), \(FirebirdDate(year: 1980 + id % 30, month: 3, day: 14)),
                            \(mobile), \(home), \(work), \(deleted))
                    """, in: tx)
            }
            // A family on one mobile typed three ways; the father's work phone elsewhere.
            try patient(1, "Иванова", "Анна", "Петровна", mobile: "8 (917) 123-45-67")
            try patient(2, "Иванов", "Пётр", "Сергеевич", mobile: "+7 917 123 45 67", work: "212-45-67 доб. 12")
            try patient(3, "Иванова", "Мария", "Петровна", mobile: "89171234567")
            // The same number stored as a home phone only: ranked after every mobile match.
            try patient(4, "Сидоров", "Олег", "Ильич", mobile: nil, home: "917-123-45-67")
            // A deleted patient is never found.
            try patient(5, "Удалённый", "Иван", "Иванович", mobile: "89171234567", deleted: 1)
            try attachment.execute(
                "INSERT INTO SERVICES (ID, CODE, NAME, PRICE) VALUES (1001, 'T-B01', 'Приём терапевта', \(FirebirdDecimal("1500.00")!))",
                in: tx)
            try attachment.execute("INSERT INTO STAFF (ID, FULL_NAME, ROLE) VALUES (1001, 'Доктор Айболит', 'doctor')", in: tx)
            // Maria visited last; Anna earlier; a cancelled later booking does not count as a visit.
            for (id, patientID, start, status) in [
                (1, 1, FirebirdTimestamp(year: 2025, month: 1, day: 10, hour: 9, minute: 0), "visited"),
                (2, 3, FirebirdTimestamp(year: 2025, month: 2, day: 20, hour: 11, minute: 30), "visited"),
                (3, 1, FirebirdTimestamp(year: 2025, month: 3, day: 1, hour: 10, minute: 0), "cancelled"),
            ] {
                try attachment.execute(
                    """
                    INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS)
                    VALUES (\(id), \(patientID), 1001, 1001, \(start), DATEADD(30 MINUTE TO CAST(\(start) AS TIMESTAMP)), \(status))
                    """, in: tx)
            }
        }
        let plan = try PatientIdentifier.numberingPlan(queries: Self.queries, attachment: attachment)
        let session = try IdentificationSession(
            identifier: PatientIdentifier(plan: plan, queries: Self.queries, profile: Self.profile), attachment: attachment)

        let family = try session.identify("sip:79171234567@pbx.clinic.ru")
        #expect(family.phoneKey == "79171234567")
        #expect(family.patient?.id == 3, "mobile first, then the most recent visit")
        #expect(family.others == 3)
        #expect(family.candidates.map(\.id) == [3, 1, 2, 4])
        #expect(family.candidates.map(\.matchedColumn) == ["PHONE_MOBILE", "PHONE_MOBILE", "PHONE_MOBILE", "PHONE_HOME"])
        #expect(family.matchedColumn == "PHONE_MOBILE")
        #expect(family.lastVisit == "2025-02-20 11:30:00")
        #expect(family.lastService == "Приём терапевта")
        #expect(family.cardTitle == "Иванова М. П. (и ещё 3 пациента)")
        #expect(family.candidates.first?.birthDate == "1983-03-14")

        let work = try session.identify("8 843 212 45 67")
        #expect(work.patient?.id == 2)
        #expect(work.others == 0)
        #expect(work.matchedColumn == "PHONE_WORK")
        #expect(work.lastVisit == nil)
        #expect(work.cardTitle == "Иванов П. С.")

        let nobody = try session.identify("+7 999 000 00 00")
        #expect(nobody.patient == nil)
        #expect(nobody.others == 0 && nobody.candidates.isEmpty)

        // An edit in the MIS is seen at once: found by the new number, not by the old.
        try attachment.execute("UPDATE PATIENTS SET PHONE_WORK = '8 (927) 555-66-77' WHERE ID = 2")
        #expect(try session.identify("8 843 212 45 67").patient == nil)
        #expect(try session.identify("89275556677").patient?.id == 2)
        try attachment.execute("UPDATE PATIENTS SET IS_DELETED = 1 WHERE ID = 3")
        #expect(try session.identify("89171234567").candidates.map(\.id) == [1, 2, 4])

        // The clinic's own number is never matched.
        try attachment.execute("INSERT INTO MISLINK_OWN_NUMBERS (PHONE_KEY, LABEL) VALUES ('79171234567', 'reception')")
        let ownPlan = try PatientIdentifier.numberingPlan(queries: Self.queries, attachment: attachment)
        let own = try IdentificationSession(identifier: PatientIdentifier(plan: ownPlan, queries: Self.queries, profile: Self.profile), attachment: attachment)
            .identify("8 917 123 45 67")
        #expect(own.ownNumber)
        #expect(own.patient == nil)

        // Bad input is an error, never a match.
        #expect(throws: PhoneInputError.self) { try session.identify("доб. 123") }
        #expect(throws: PhoneInputError.self) { try session.identify("") }
    }

    @Test func namedQueriesBindByNameOutsideStrings() throws {
        let queries = try NamedQueries(
            text: """
                -- name: one
                -- a comment line is not part of the SQL
                SELECT ':not_a_parameter', X FROM T WHERE A = :a AND B = :b AND C = :a;
                -- name: two
                SELECT 1 FROM RDB$DATABASE
                """)
        let one = try queries.query("one")
        #expect(one.sql == "SELECT ':not_a_parameter', X FROM T WHERE A = ? AND B = ? AND C = ?")
        #expect(try one.bindings(["a": .integer(1), "b": .text("x")]) == [.integer(1), .text("x"), .integer(1)])
        #expect(throws: NamedQueryError.missingParameter(query: "one", parameter: "b")) { try one.bindings(["a": .integer(1)]) }
        #expect(try queries.query("two").parameters == [])
        #expect(throws: NamedQueryError.self) { try queries.query("three") }
        #expect(throws: NamedQueryError.duplicate("one")) {
            try NamedQueries(text: "-- name: one\nSELECT 1 FROM X;\n-- name: one\nSELECT 2 FROM X;")
        }
        // The shipped file holds every query the code asks for, and none about MIS tables (those are the profile's).
        for name in ["numbering_plan", "own_numbers"] {
            #expect(Self.queries.queries[name] != nil, "\(name)")
        }
        #expect(Self.queries.queries["identify_candidates"] == nil && Self.queries.queries["last_visit"] == nil)
    }
}
