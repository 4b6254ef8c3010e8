import Firebird
import Foundation
import Testing

@testable import MisLinkDemoData

/// How runs behave: determinism, appending, indexes, triggers, generators.
@Suite("Runs")
struct RunBehaviourTests {
    /// Every patient and SCHEDULE row, as text, in ID order.
    static func dump(_ path: String) throws -> [String] {
        let attachment = try ClinicTestDatabase.open(path)
        defer { try? attachment.close() }
        let patients = try ClinicTestDatabase.rows(
            attachment,
            """
            SELECT ID, CARD_NUMBER, LAST_NAME, FIRST_NAME, MIDDLE_NAME, BIRTH_DATE, SEX, PHONE_MOBILE, PHONE_HOME,
                   PHONE_WORK, EMAIL, SNILS, ADDRESS, CONSENT_SMS, CONSENT_MESSENGERS, NOTES, CREATED_AT, IS_DELETED
            FROM PATIENTS ORDER BY ID
            """)
        let visits = try ClinicTestDatabase.rows(
            attachment,
            """
            SELECT ID, PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS, CABINET, PRICE, CREATED_BY,
                   CREATED_AT, UPDATED_AT, CANCELLED_AT, COMMENT
            FROM SCHEDULE ORDER BY ID
            """)
        let staff = try ClinicTestDatabase.rows(
            attachment, "SELECT ID, FULL_NAME, ROLE, SPECIALTY, SIP_EXTENSION, CHAT_LOGIN, CHAT_PASSWORD FROM STAFF ORDER BY ID")
        return (patients + visits + staff).map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }
    }

    @Test func theSameSeedGivesTheSameData() throws {
        let first = try ClinicTestDatabase.create("seed-a")
        let second = try ClinicTestDatabase.create("seed-b")
        let third = try ClinicTestDatabase.create("seed-c")
        defer { for path in [first, second, third] { ClinicTestDatabase.drop(path) } }
        try ClinicTestDatabase.generate(first, ClinicTestDatabase.options(patients: 1_500, seed: 7))
        // Different batch and commit sizes must not change the data.
        var options = ClinicTestDatabase.options(patients: 1_500, seed: 7)
        options.batchSize = 97
        options.commitEvery = 5_000
        try ClinicTestDatabase.generate(second, options)
        try ClinicTestDatabase.generate(third, ClinicTestDatabase.options(patients: 1_500, seed: 8))
        let a = try Self.dump(first)
        let b = try Self.dump(second)
        let c = try Self.dump(third)
        #expect(a.count > 1_500 + 1_500)
        #expect(a == b)
        #expect(a != c)
        // Another seed changes people, not the shape: the same number of patients.
        #expect(c.filter { $0.split(separator: "|", omittingEmptySubsequences: false).count == 18 }.count == 1_500)
    }

    @Test func aSecondRunAppendsWithoutCollisions() throws {
        let path = try ClinicTestDatabase.create("append")
        defer { ClinicTestDatabase.drop(path) }
        let first = try ClinicTestDatabase.generate(path, ClinicTestDatabase.options(patients: 800, seed: 5))
        let second = try ClinicTestDatabase.generate(path, ClinicTestDatabase.options(patients: 700, seed: 5))
        #expect(first.patientIDs == 1...800)
        #expect(second.patientIDs == 801...1_500)
        #expect(second.departments == 0 && second.services == 0, "reference rows are not duplicated")
        let attachment = try ClinicTestDatabase.open(path)
        defer { try? attachment.close() }
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM PATIENTS") == 1_500)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SCHEDULE") == first.visits + second.visits)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM STAFF") == 1 + 30 + 30)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SERVICES") == ClinicCatalog.services.count)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(DISTINCT SIP_EXTENSION) FROM STAFF")
            == ClinicTestDatabase.count(attachment, "SELECT COUNT(SIP_EXTENSION) FROM STAFF"))
        // The generators moved past every row, so the MIS's next insert does not collide either.
        #expect(try ClinicTestDatabase.count(attachment, "SELECT GEN_ID(GEN_PATIENTS_ID, 0) FROM RDB$DATABASE") == 1_500)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT GEN_ID(GEN_SCHEDULE_ID, 0) - MAX(ID) FROM SCHEDULE") == 0)
        try attachment.execute("INSERT INTO PATIENTS (LAST_NAME) VALUES ('Новый')")
        #expect(try ClinicTestDatabase.count(attachment, "SELECT MAX(ID) FROM PATIENTS") == 1_501)
        // The second run, with the same seed, made other people (its stream depends on the first new ID).
        let names = try ClinicTestDatabase.rows(
            attachment, "SELECT LAST_NAME || FIRST_NAME || COALESCE(PHONE_MOBILE, '') FROM PATIENTS WHERE ID IN (1, 801)")
        #expect(names[0] != names[1])
    }

    @Test func generatorsBehindTheirTablesAreMovedUp() throws {
        let path = try ClinicTestDatabase.create("align")
        defer { ClinicTestDatabase.drop(path) }
        let attachment = try ClinicTestDatabase.open(path)
        try attachment.execute("INSERT INTO PATIENTS (ID, LAST_NAME) VALUES (5000, 'Импортированный')")
        try attachment.close()
        let summary = try ClinicTestDatabase.generate(path, ClinicTestDatabase.options(patients: 100))
        #expect(summary.alignedGenerators["GEN_PATIENTS_ID"] == 5_000)
        #expect(summary.patientIDs == 5_001...5_100)
    }

    @Test func rebuildPolicyRestoresOnlyTheIndexesItSwitchedOff() throws {
        let path = try ClinicTestDatabase.create("indexes")
        defer { ClinicTestDatabase.drop(path) }
        // A DBA left one index inactive on purpose.
        try ClinicTestDatabase.isql(input: "ALTER INDEX IDX_PATIENTS_SNILS INACTIVE;\nCOMMIT;\n", arguments: ["-q", "-u", "SYSDBA", path])
        var options = ClinicTestDatabase.options(patients: 500)
        options.indexPolicy = .rebuild
        let summary = try ClinicTestDatabase.generate(path, options)
        #expect(Set(summary.rebuiltIndexes) == [
            "IDX_PATIENTS_BIRTH_DATE", "IDX_PATIENTS_LAST_NAME", "IDX_PATIENTS_LAST_NAME_UPPER",
            "IDX_SCHEDULE_DOCTOR_START", "IDX_SCHEDULE_PATIENT_START", "IDX_SCHEDULE_START_AT",
        ])
        let attachment = try ClinicTestDatabase.open(path)
        defer { try? attachment.close() }
        let inactive = try ClinicTestDatabase.rows(
            attachment, "SELECT TRIM(RDB$INDEX_NAME) FROM RDB$INDICES WHERE RDB$INDEX_INACTIVE = 1")
        #expect(inactive.map { $0[0] } == ["IDX_PATIENTS_SNILS"])
        // The rebuilt index is used and finds the rows.
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM PATIENTS WHERE UPPER(LAST_NAME) STARTING WITH 'ИВАНОВ'") > 0)
    }

    @Test func workedWithAfterInsertTriggersLikeMisLinks() throws {
        let path = try ClinicTestDatabase.create("triggers")
        defer { ClinicTestDatabase.drop(path) }
        // Stand-ins for MisLink's migrations: AFTER INSERT triggers that write side tables and post events.
        try ClinicTestDatabase.isql(
            input: """
                CREATE TABLE T_PATIENT_LOG (PATIENT_ID INTEGER NOT NULL, PHONE VARCHAR(64));
                CREATE TABLE T_OUTBOX (SCHEDULE_ID INTEGER NOT NULL, STATUS VARCHAR(16));
                COMMIT;
                SET TERM ^ ;
                CREATE TRIGGER T_PATIENTS_AI FOR PATIENTS ACTIVE AFTER INSERT POSITION 10 AS
                BEGIN
                    INSERT INTO T_PATIENT_LOG (PATIENT_ID, PHONE) VALUES (NEW.ID, NEW.PHONE_MOBILE);
                    POST_EVENT 'mislink_patient';
                END^
                CREATE TRIGGER T_SCHEDULE_AI FOR SCHEDULE ACTIVE AFTER INSERT POSITION 10 AS
                BEGIN
                    IF (NEW.STATUS = 'booked') THEN INSERT INTO T_OUTBOX (SCHEDULE_ID, STATUS) VALUES (NEW.ID, NEW.STATUS);
                END^
                SET TERM ; ^
                COMMIT;
                """,
            arguments: ["-q", "-u", "SYSDBA", path])
        let summary = try ClinicTestDatabase.generate(path, ClinicTestDatabase.options(patients: 600))
        let attachment = try ClinicTestDatabase.open(path)
        defer { try? attachment.close() }
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM T_PATIENT_LOG") == 600)
        #expect(try ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM T_OUTBOX")
            == ClinicTestDatabase.count(attachment, "SELECT COUNT(*) FROM SCHEDULE WHERE STATUS = 'booked'"))
        #expect(summary.visits > 0)
    }

    @Test func progressIsReportedUpToTheTotal() throws {
        let path = try ClinicTestDatabase.create("progress")
        defer { ClinicTestDatabase.drop(path) }
        let seen = Locked<[DemoDataProgress]>([])
        let attachment = try ClinicTestDatabase.open(path)
        defer { try? attachment.close() }
        let summary = try DemoDataGenerator(options: ClinicTestDatabase.options(patients: 1_000))
            .run(on: attachment) { progress in seen.mutate { $0.append(progress) } }
        let reports = seen.value
        #expect(reports.first?.phase == .referenceData)
        #expect(reports.last?.phase == .done)
        let loading = reports.filter { $0.phase == .patients }
        #expect(loading.count >= 4)
        #expect(zip(loading, loading.dropFirst()).allSatisfy { $0.patients <= $1.patients })
        #expect(loading.last?.patients == 1_000 && loading.last?.visits == summary.visits)
    }

    @Test func aDatabaseWithoutTheClinicSchemaIsRefused() throws {
        let path = "\(ClinicTestDatabase.directory)/empty-\(UUID().uuidString.prefix(8)).fdb"
        let attachment = try FirebirdAttachment.create(FirebirdConfiguration(database: path, user: "SYSDBA"), defaultCharset: .win1251)
        defer { try? attachment.drop() }
        #expect(throws: DemoDataError.self) { try DemoDataGenerator(options: DemoDataOptions(patients: 10)).run(on: attachment) }
    }
}

/// A value shared with a `@Sendable` callback.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
