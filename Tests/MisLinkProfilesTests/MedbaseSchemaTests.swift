import Firebird
import Foundation
import MisLinkProfiles
import MisLinkTestSupport
import Testing

/// The second shipped MIS, МедБаза (SQL/profiles/medbase): its schema and demo data load with isql into a
/// WIN1251 database, and what makes it unlike the reference holds through the Swift wrapper: BIGINT codes
/// with the branch prefix, names in a NONE column, visits as a DATE plus hour and minute, and booking only
/// through its procedure, whose Russian refusals reach the caller in the error's message.
@Suite("МедБаза: the medbase profile's schema, demo data and booking procedure")
struct MedbaseSchemaTests {
    static let folder = ClinicDatabase.repository.appendingPathComponent("SQL/profiles/medbase")

    /// A new WIN1251 database built the way a DBA would: isql with schema.sql, then demo-data.sql.
    static func database(_ label: String) throws -> String {
        let path = "\(ClinicDatabase.directory)/medbase-\(label)-\(UUID().uuidString.prefix(8)).fdb"
        try ClinicDatabase.isql(input: "CREATE DATABASE '\(path)' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;\n")
        try ClinicDatabase.isql(["-bail", "-i", folder.appendingPathComponent("schema.sql").path, path])
        try ClinicDatabase.isql(["-bail", "-i", folder.appendingPathComponent("demo-data.sql").path, path])
        chmod(path, 0o666)
        return path
    }

    static func attach(_ path: String) throws -> FirebirdAttachment {
        try FirebirdAttachment.open(FirebirdConfiguration(database: path, user: "SYSDBA"))
    }

    /// One named statement of the profile's statements.sql, with its `:parameters` as MisLink binds them.
    static func statement(_ name: String, _ values: [String: FirebirdValue]) throws -> FirebirdQuery {
        let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent("statements.sql")), as: UTF8.self)
        let blocks = text.components(separatedBy: "-- name: ")
        let block = try #require(blocks.first { $0.hasPrefix(name + "\n") }, "no statement \(name)")
        let parsed = NamedParameters(String(block.dropFirst(name.count + 1)))
        let bindings = try parsed.positions.map { try #require(values[$0], "no value for :\($0)") }
        return FirebirdQuery(unsafeSQL: parsed.sql, bindings: bindings)
    }

    static func count(_ table: String, where condition: String = "1 = 1", on attachment: FirebirdAttachment) throws -> Int {
        try #require(try attachment.query(FirebirdQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table) WHERE \(condition)")).first)
            .decode(Int.self, at: 0)
    }

    static let branch: Int64 = 77_000_000_000_000

    @Test func theDemoDataLoadsWithTheCountsItDescribes() throws {
        let path = try Self.database("counts")
        defer { ClinicDatabase.drop(path) }
        let db = try Self.attach(path)
        defer { try? db.close() }
        #expect(try Self.count("KLIENTY", on: db) == 40)
        #expect(try Self.count("KLIENTY", where: "PRIZNAK_UDAL = 0", on: db) == 38)
        #expect(try Self.count("KONTAKTY", on: db) == 12)
        #expect(try Self.count("SOTRUDNIKI", on: db) == 6)
        #expect(try Self.count("SOTRUDNIKI", where: "VRACH = 'Д' AND RABOTAET = 'Д'", on: db) == 3)
        #expect(try Self.count("LOGINY_SOTR", on: db) == 13)
        #expect(try Self.count("SOTRUDNIKI S", where: "NOT EXISTS (SELECT 1 FROM LOGINY_SOTR L WHERE L.KOD_SOTR = S.KOD)", on: db) == 1)
        #expect(try Self.count("USLUGI", on: db) == 7)
        #expect(try Self.count("GRAFIK", on: db) == 19)
        #expect(try Self.count("PRIEMY", where: "DATA_PRIEMA < CURRENT_DATE AND SOSTOYANIE = 1", on: db) == 28)
        #expect(try Self.count("PRIEMY", where: "DATA_PRIEMA > CURRENT_DATE AND SOSTOYANIE = 0", on: db) == 8)
        // Two families share a mobile; one patient has a phone only in the contacts table.
        #expect(try Self.count("KLIENTY", where: "KOD = \(Self.branch + 20) AND TEL_MOB IS NULL AND TEL_DOM IS NULL AND TEL_RAB IS NULL", on: db) == 1)
        #expect(try Self.count("KONTAKTY", where: "KOD_KLIENTA = \(Self.branch + 20) AND VID = 1", on: db) == 1)
    }

    @Test func codesAreBigintsWithTheBranchPrefix() throws {
        let path = try Self.database("codes")
        defer { ClinicDatabase.drop(path) }
        let db = try Self.attach(path)
        defer { try? db.close() }
        let range = try #require(try db.query("SELECT MIN(KOD), MAX(KOD) FROM KLIENTY").first)
        #expect(try range.decode(Int64.self, at: 0) == 77_000_000_000_001)
        #expect(try range.decode(Int64.self, at: 1) == 77_000_000_000_040)
        let type = try #require(try db.query("""
            SELECT F.RDB$FIELD_TYPE FROM RDB$RELATION_FIELDS R JOIN RDB$FIELDS F ON F.RDB$FIELD_NAME = R.RDB$FIELD_SOURCE
             WHERE R.RDB$RELATION_NAME = 'KLIENTY' AND R.RDB$FIELD_NAME = 'KOD'
            """).first)
        #expect(try type.decode(Int.self, at: 0) == 16)  // BIGINT
        let row = try #require(try db.inTransaction { tx in
            try db.query(FirebirdQuery(unsafeSQL: "INSERT INTO KLIENTY (FIO, TEL_MOB) VALUES (?, ?) RETURNING KOD",
                                       bindings: [.text("Новая Пациентка"), .text("8 900 000 00 00")]), in: tx)
        }.first)
        #expect(try row.decode(Int64.self, at: 0) == 77_000_000_000_041)
    }

    @Test func aNameInTheNoneColumnRoundTripsCyrillicThroughTheWrapper() throws {
        let path = try Self.database("none")
        defer { ClinicDatabase.drop(path) }
        let db = try Self.attach(path)
        defer { try? db.close() }
        let charset = try #require(try db.query("""
            SELECT F.RDB$CHARACTER_SET_ID FROM RDB$RELATION_FIELDS R JOIN RDB$FIELDS F ON F.RDB$FIELD_NAME = R.RDB$FIELD_SOURCE
             WHERE R.RDB$RELATION_NAME = 'KLIENTY' AND R.RDB$FIELD_NAME = 'FIO'
            """).first)
        #expect(try charset.decode(Int.self, at: 0) == 0)  // CHARACTER SET NONE
        // The demo's bytes are WIN1251 (one byte a letter), read back as text.
        let demo = try #require(try db.query("SELECT FIO, OCTET_LENGTH(FIO) FROM KLIENTY WHERE KOD = 77000000000001").first)
        #expect(try demo.decode(String.self, at: 0) == "Иванова Анна Сергеевна")
        #expect(try demo.decode(Int.self, at: 1) == "Иванова Анна Сергеевна".count)
        // Written through the wrapper, stored as WIN1251 bytes and read back the same.
        let name = "Щукина Эльвира Юрьевна"
        let code = try db.inTransaction { tx in
            try #require(try db.query(FirebirdQuery(unsafeSQL: "INSERT INTO KLIENTY (FIO) VALUES (?) RETURNING KOD",
                                                    bindings: [.text(name)]), in: tx).first).decode(Int64.self, at: 0)
        }
        let back = try #require(try db.query(FirebirdQuery(
            unsafeSQL: "SELECT FIO, OCTET_LENGTH(FIO), CAST(FIO AS VARCHAR(150) CHARACTER SET WIN1251) FROM KLIENTY WHERE KOD = ?",
            bindings: [.bigint(code)])).first)
        #expect(try back.decode(String.self, at: 0) == name)
        #expect(try back.decode(Int.self, at: 1) == name.count)
        #expect(try back.decode(String.self, at: 2) == name)
        // And the profile's patient_message_name cuts the surname off it.
        let message = try #require(try db.query(try Self.statement("patient_message_name", ["patient_id": .bigint(code)])).first)
        #expect(try message.decode(String.self, column: "NAME") == "Эльвира Юрьевна")
    }

    @Test func bookingGoesThroughTheProcedureWhichRefusesInRussian() throws {
        let path = try Self.database("booking")
        defer { ClinicDatabase.drop(path) }
        let db = try Self.attach(path)
        defer { try? db.close() }
        // Ten days ahead, a Sunday moved to Monday: the therapist (code ...003) works 08-13 and 14-20.
        let day = try #require(try db.query(
            "SELECT CURRENT_DATE + 10 + IIF(EXTRACT(WEEKDAY FROM CURRENT_DATE + 10) = 0, 1, 0) FROM RDB$DATABASE").first)
            .decode(FirebirdDate.self, at: 0)
        func at(_ hour: Int, _ minute: Int) -> FirebirdValue {
            .timestamp(FirebirdTimestamp(year: day.year, month: day.month, day: day.day, hour: hour, minute: minute))
        }
        func book(doctor: Int64, _ hour: Int, _ minute: Int) throws -> Int64 {
            let query = try Self.statement("book_visit", [
                "patient_id": .bigint(Self.branch + 5), "doctor_id": .bigint(doctor), "service_id": .bigint(Self.branch + 1),
                "start_at": at(hour, minute), "minutes": .null, "appeal_id": .bigint(900), "operator_id": .bigint(Self.branch + 2),
            ])
            return try db.inTransaction { tx in
                try #require(try db.query(query, in: tx).first).decode(Int64.self, column: "VISIT_ID")
            }
        }
        func refusal(doctor: Int64, _ hour: Int, _ minute: Int) -> String {
            do {
                _ = try book(doctor: doctor, hour, minute)
                return "booked"
            } catch let error as FirebirdError {
                return error.message
            } catch {
                return "\(error)"
            }
        }

        // A free slot books, and the visit is stored as a DATE, an hour and a minute.
        let visit = try book(doctor: Self.branch + 3, 10, 0)
        #expect(visit / 1_000_000_000_000 == 77)
        let row = try #require(try db.query(FirebirdQuery(unsafeSQL: """
            SELECT DATA_PRIEMA, CHAS, MINUTA, DLIT_MIN, SOSTOYANIE, ISTOCHNIK, VNESH_ID, KTO_ZAPISAL, KABINET
              FROM PRIEMY WHERE KOD = ?
            """, bindings: [.bigint(visit)])).first)
        #expect(try row.decode(FirebirdDate.self, column: "DATA_PRIEMA") == day)
        #expect(try row.decode(Int.self, column: "CHAS") == 10)
        #expect(try row.decode(Int.self, column: "MINUTA") == 0)
        #expect(try row.decode(Int.self, column: "DLIT_MIN") == 30)  // the service's length
        #expect(try row.decode(Int.self, column: "SOSTOYANIE") == 0)
        #expect(try row.decode(String.self, column: "ISTOCHNIK") == "MISLINK")
        #expect(try row.decode(Int64.self, column: "VNESH_ID") == 900)
        #expect(try row.decode(Int64.self, column: "KTO_ZAPISAL") == Self.branch + 2)
        #expect(try row.decode(String.self, column: "KABINET") == "101")
        let types = try db.query("""
            SELECT TRIM(R.RDB$FIELD_NAME), F.RDB$FIELD_TYPE FROM RDB$RELATION_FIELDS R
              JOIN RDB$FIELDS F ON F.RDB$FIELD_NAME = R.RDB$FIELD_SOURCE
             WHERE R.RDB$RELATION_NAME = 'PRIEMY' AND R.RDB$FIELD_NAME IN ('DATA_PRIEMA', 'CHAS', 'MINUTA')
             ORDER BY 1
            """).map { "\(try $0.decode(String.self, at: 0))=\(try $0.decode(Int.self, at: 1))" }
        #expect(types == ["CHAS=7", "DATA_PRIEMA=12", "MINUTA=7"])  // SMALLINT, DATE, SMALLINT: no TIMESTAMP
        let got = try #require(try db.query(try Self.statement("visit_get", ["visit_id": .bigint(visit)])).first)
        #expect(try got.decode(FirebirdTimestamp.self, column: "START_AT")
            == FirebirdTimestamp(year: day.year, month: day.month, day: day.day, hour: 10, minute: 0))
        #expect(try got.decode(String.self, column: "STATUS") == "booked")

        // A taken slot, an inactive doctor, a doctor on leave, a time outside the working hours.
        let taken = refusal(doctor: Self.branch + 3, 10, 15)
        #expect(taken.contains("уже занято"), "\(taken)")
        #expect(taken.contains("Время 10:15"), "\(taken)")
        #expect(taken.contains("Петров Иван Ильич"), "\(taken)")
        let inactive = refusal(doctor: Self.branch + 6, 10, 0)
        #expect(inactive.contains("Врач Морозова Татьяна Игоревна не работает"), "\(inactive)")
        let absent = refusal(doctor: Self.branch + 5, 10, 0)
        #expect(absent.contains("отсутствует") && absent.contains("отпуск"), "\(absent)")
        let late = refusal(doctor: Self.branch + 3, 13, 0)
        #expect(late.contains("вне графика работы врача"), "\(late)")
        #expect(try Self.count("PRIEMY", where: "VNESH_ID = 900", on: db) == 1)

        // The slot is gone from free_slots; moving and cancelling go through the procedures too.
        let free = try db.query(try Self.statement("free_slots", [
            "doctor_id": .bigint(Self.branch + 3), "service_id": .bigint(Self.branch + 1), "from": at(10, 0), "to": at(12, 0),
        ])).map { try $0.decode(FirebirdTimestamp.self, column: "START_AT").time.description.prefix(5) }
        #expect(free == ["10:40", "11:00", "11:20"])
        try db.inTransaction { tx in
            try db.execute(try Self.statement("move_visit", [
                "visit_id": .bigint(visit), "start_at": at(11, 0), "operator_id": .bigint(Self.branch + 2),
            ]), in: tx)
        }
        let moved = try #require(try db.query(FirebirdQuery(unsafeSQL: "SELECT CHAS, MINUTA FROM PRIEMY WHERE KOD = ?",
                                                           bindings: [.bigint(visit)])).first)
        #expect(try [moved.decode(Int.self, at: 0), moved.decode(Int.self, at: 1)] == [11, 0])
        try db.inTransaction { tx in
            try db.execute(try Self.statement("cancel_visit", ["visit_id": .bigint(visit), "operator_id": .bigint(Self.branch + 2)]),
                           in: tx)
        }
        let status = try #require(try db.query(try Self.statement("visit_get", ["visit_id": .bigint(visit)])).first)
        #expect(try status.decode(String.self, column: "STATUS") == "cancelled")
        // MisLink's role gets no INSERT on PRIEMY (migrations/V003); SYSDBA could, so that is not tried here.
    }

    /// MisLink's own migrations do not fit МедБаза yet (README.md, "Before MisLink's migrations fit"), so
    /// this stands in for them: Migrations/V001 as shipped (MISLINK_PHONE_KEYS) and MISLINK_PATIENT_PHONES
    /// as it should become (BIGINT ids, a wider SOURCE_COLUMN, no CHECK). On that, the profile's V001
    /// fills the phone keys from both KLIENTY and KONTAKTY, and `mislink mis check` finds every statement fits.
    @Test func thePhoneKeysComeFromBothTablesAndEveryStatementFits() throws {
        let path = try Self.database("check")
        defer { ClinicDatabase.drop(path) }
        try ClinicDatabase.isql(["-ch", "UTF8", "-bail", "-i",
                                 ClinicDatabase.shippedMigrations.appendingPathComponent("V001__settings_and_phone_keys.sql").path, path])
        try ClinicDatabase.runScript("""
            CREATE TABLE MISLINK_PATIENT_PHONES (
                PATIENT_ID BIGINT NOT NULL, SOURCE_COLUMN VARCHAR(63) CHARACTER SET ASCII NOT NULL,
                ORDINAL SMALLINT NOT NULL, PHONE_KEY VARCHAR(20) CHARACTER SET ASCII NOT NULL,
                EXTENSION VARCHAR(16) CHARACTER SET ASCII,
                CONSTRAINT MISLINK_PATIENT_PHONES_PK PRIMARY KEY (PATIENT_ID, SOURCE_COLUMN, ORDINAL));
            CREATE INDEX MISLINK_PATIENT_PHONES_KEY_IX ON MISLINK_PATIENT_PHONES (PHONE_KEY);
            """, on: path)
        try ClinicDatabase.isql(["-ch", "UTF8", "-bail", "-i",
                                 Self.folder.appendingPathComponent("migrations/V001__phone_keys.sql").path, path])
        let db = try Self.attach(path)
        defer { try? db.close() }

        func candidates(_ key: String) throws -> [String] {
            try db.query(try Self.statement("identify_candidates", ["phone_key": .text(key)])).map {
                "\(try $0.decode(Int64.self, column: "PATIENT_ID") - Self.branch) \(try $0.decode(String.self, column: "FULL_NAME")) "
                    + (try $0.decode(String.self, column: "SOURCE_COLUMN"))
            }.sorted()
        }
        // The Ivanovs' shared mobile, typed three ways; the deleted (39) and merged (40) cards are not found.
        #expect(try candidates("79161234567") == [
            "1 Иванова Анна Сергеевна TEL_MOB", "2 Иванов Пётр Алексеевич TEL_MOB",
            "3 Иванова Мария Петровна KONTAKTY.ZNACHENIE", "3 Иванова Мария Петровна TEL_MOB",
        ])
        // A phone only in the contacts table; two numbers in one field; an extension.
        #expect(try candidates("79267001122") == ["20 Тихонов Олег Евгеньевич KONTAKTY.ZNACHENIE"])
        #expect(try candidates("79033002010") == ["15 Волкова Дарья Александровна TEL_MOB"])
        #expect(try candidates("74957001020") == ["17 Лебедева Юлия Романовна TEL_RAB", "2 Иванов Пётр Алексеевич TEL_RAB"])
        // The triggers follow edits of both tables.
        try db.inTransaction { tx in
            try db.execute("INSERT INTO KONTAKTY (KOD_KLIENTA, VID, ZNACHENIE) VALUES (77000000000012, 4, '+7 (926) 700-11-22')", in: tx)
            try db.execute("UPDATE KLIENTY SET PRIZNAK_UDAL = 1 WHERE KOD = 77000000000002", in: tx)
        }
        #expect(try candidates("79267001122") == ["12 Новиков Андрей Сергеевич KONTAKTY.ZNACHENIE", "20 Тихонов Олег Евгеньевич KONTAKTY.ZNACHENIE"])
        #expect(try candidates("79161234567").count == 3)

        let report = ProfileCheck().run(directory: Self.folder, on: db)
        #expect(report.problems.isEmpty, "\(report.text())")
        #expect(report.profile == "medbase")
    }
}
