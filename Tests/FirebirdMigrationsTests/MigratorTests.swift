import Firebird
import Foundation
import MisLinkTestSupport
import Testing

@testable import FirebirdMigrations

/// Small scripts that exercise the runner: DDL then dependent DML, PSQL under SET TERM, a trigger on
/// a MIS table, and their undo scripts.
let fixtureMigrations: [String: String] = [
    "V001__calls.sql": """
        -- the call log; a comment with a ; in it
        CREATE TABLE MISLINK_T_CALLS (ID INTEGER NOT NULL CONSTRAINT MISLINK_T_CALLS_PK PRIMARY KEY,
            NOTE VARCHAR(100) CHARACTER SET UTF8);
        CREATE SEQUENCE MISLINK_T_CALLS_SEQ;
        SET TERM ^ ;
        CREATE TRIGGER MISLINK_T_CALLS_BI FOR MISLINK_T_CALLS ACTIVE BEFORE INSERT AS
        BEGIN
          IF (NEW.ID IS NULL) THEN NEW.ID = NEXT VALUE FOR MISLINK_T_CALLS_SEQ; -- ; inside
        END^
        SET TERM ; ^
        INSERT INTO MISLINK_T_CALLS (NOTE) VALUES ('first; call 📞');

        """,
    "U001__calls.sql": """
        DROP TRIGGER MISLINK_T_CALLS_BI;
        DROP TABLE MISLINK_T_CALLS;
        DROP SEQUENCE MISLINK_T_CALLS_SEQ;
        """,
    "V002__patient_log.sql": """
        CREATE TABLE MISLINK_T_LOG (PATIENT_ID INTEGER);
        SET TERM ^ ;
        CREATE TRIGGER MISLINK_T_PATIENTS_AI FOR PATIENTS ACTIVE AFTER INSERT AS
        BEGIN
          INSERT INTO MISLINK_T_LOG VALUES (NEW.ID);
        END^
        SET TERM ; ^
        ALTER TABLE MISLINK_T_CALLS ADD PATIENT_ID INTEGER;
        UPDATE MISLINK_T_CALLS SET PATIENT_ID = 0;
        """,
    "U002__patient_log.sql": """
        DROP TRIGGER MISLINK_T_PATIENTS_AI;
        DROP TABLE MISLINK_T_LOG;
        ALTER TABLE MISLINK_T_CALLS DROP PATIENT_ID;
        """,
]

/// Collects runner events across threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [MigrationEvent] = []
    let started = DispatchSemaphore(value: 0)
    let startMarker: String?

    init(signalWhenStarting title: String? = nil) { startMarker = title }

    func record(_ event: MigrationEvent) {
        lock.withLock { events.append(event) }
        if case .statementStarted(let title, _, _, _, _) = event, title == startMarker { started.signal() }
    }

    var all: [MigrationEvent] { lock.withLock { events } }
}

@Suite(.serialized) struct MigratorTests {
    @Test func upTwiceChangesNothingAndDMLSeesTheDDLBeforeIt() throws {
        let path = try ClinicDatabase.create()
        defer { ClinicDatabase.drop(path) }
        let folder = try ClinicDatabase.migrations(fixtureMigrations)
        let migrator = try ClinicDatabase.migrator(path, folder)
        let applied = try migrator.up()
        #expect(applied.filter { $0.hasPrefix("V") } == ["V001__calls.sql", "V002__patient_log.sql"])
        let history = try migrator.history()
        #expect(history.map(\.kind) == ["BASELINE", "APPLY", "APPLY"])
        #expect(history.allSatisfy { $0.success })
        #expect(history[1].checksum == migrator.source.migrations[0].checksum)
        let rows = try migrator.attachment.query("SELECT ID, NOTE, PATIENT_ID FROM MISLINK_T_CALLS")
        #expect(rows.count == 1)
        #expect(try rows[0].decode(String.self, at: 1) == "first; call 📞")
        #expect(try rows[0].decode(Int.self, at: 2) == 0)
        try migrator.attachment.close()
        let extract = try ClinicDatabase.extract(path)

        let again = try ClinicDatabase.migrator(path, folder)
        #expect(try again.up() == [])
        #expect(try again.history().count == 3)
        #expect(try again.status().lines.map(\.state) == [.baseline, .applied, .applied])
        #expect(try again.validate() == [])
        try again.attachment.close()
        #expect(try ClinicDatabase.extract(path) == extract)
    }

    @Test func validateCatchesAnEditedFileAndRepairAcceptsIt() throws {
        let path = try ClinicDatabase.create()
        defer { ClinicDatabase.drop(path) }
        let folder = try ClinicDatabase.migrations(fixtureMigrations)
        try ClinicDatabase.migrator(path, folder).up()

        // Re-saved with CRLF line endings and a BOM: the same migration.
        let file = folder.appendingPathComponent("V001__calls.sql")
        let crlf = fixtureMigrations["V001__calls.sql"]!.replacingOccurrences(of: "\n", with: "\r\n")
        try (Data([0xEF, 0xBB, 0xBF]) + Data(crlf.utf8)).write(to: file)
        #expect(try ClinicDatabase.migrator(path, folder).validate() == [])

        // Edited: caught by validate, refused by up.
        try Data((fixtureMigrations["V001__calls.sql"]! + "CREATE INDEX MISLINK_T_X ON MISLINK_T_CALLS (NOTE);\n").utf8)
            .write(to: file)
        let edited = try ClinicDatabase.migrator(path, folder)
        let problems = try edited.validate()
        #expect(problems.count == 1)
        #expect(problems.first?.contains("V001__calls.sql was edited after it was applied") == true)
        #expect(try edited.status().lines.first { $0.version == "001" }?.checksum == .changed)
        expectMigrationError({ try edited.up() }, where: { if case .validationFailed = $0 { true } else { false } })

        let repaired = try edited.repair()
        #expect(repaired.realignedChecksums == ["001"])
        #expect(try edited.validate() == [])
    }

    @Test func aSecondRunnerIsRefusedAtOnceWhileTheFirstWorks() throws {
        let path = try ClinicDatabase.create()
        defer { ClinicDatabase.drop(path) }
        var files = fixtureMigrations
        files["V003__slow_backfill.sql"] = """
            CREATE TABLE MISLINK_T_BIG (ID INTEGER);
            SET TERM ^ ;
            EXECUTE BLOCK AS
            DECLARE I INTEGER = 0;
            BEGIN
              WHILE (I < 1500000) DO BEGIN INSERT INTO MISLINK_T_BIG VALUES (:I); I = I + 1; END
            END^
            SET TERM ; ^
            """
        let folder = try ClinicDatabase.migrations(files)
        let log = EventLog(signalWhenStarting: "V003__slow_backfill.sql")
        let firstResult = UncheckedBox<Result<[String], any Error>>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            firstResult.value = Result {
                let first = try ClinicDatabase.migrator(path, folder, events: log.record)
                first.options.progressInterval = .milliseconds(300)
                defer { try? first.attachment.close() }
                return try first.up()
            }
            done.signal()
        }
        thread.start()
        #expect(log.started.wait(timeout: .now() + 60) == .success)

        let second = try ClinicDatabase.migrator(path, folder)
        let clock = ContinuousClock()
        let began = clock.now
        let error = expectMigrationError({ try second.up() }, where: { if case .locked = $0 { true } else { false } })
        #expect(clock.now - began < .seconds(2), "the refusal must not wait for the first runner")
        #expect(error?.description.contains("mislink migrate, pid \(getpid())") == true)
        expectMigrationError({ try second.repair() }, where: { if case .locked = $0 { true } else { false } })

        #expect(done.wait(timeout: .now() + 120) == .success)
        #expect(try firstResult.value?.get().last == "V003__slow_backfill.sql")
        #expect(try second.up() == [])
        // The long statement was reported while it ran, with the records it had inserted so far.
        let running = log.all.compactMap { event -> RecordCounts? in
            if case .statementRunning(_, _, _, let records) = event { return records } else { return nil }
        }
        #expect(!running.isEmpty)
        #expect(running.contains { $0.inserted > 0 })
    }

    @Test func aScriptFailingHalfwayIsRecordedAndRepairRecovers() throws {
        let path = try ClinicDatabase.create()
        defer { ClinicDatabase.drop(path) }
        var files = fixtureMigrations
        files["V003__broken.sql"] = """
            CREATE TABLE MISLINK_T_OK (ID INTEGER);
            INSERT INTO MISLINK_T_OK VALUES (1);
            -- the next statement names a table that does not exist
            INSERT INTO MISLINK_T_NOPE VALUES (1);
            """
        let folder = try ClinicDatabase.migrations(files)
        let migrator = try ClinicDatabase.migrator(path, folder)
        let error = expectMigrationError({ try migrator.up() }, where: {
            if case .statementFailed(let file, let line, let statement, let committed, let underlying) = $0 {
                file == "V003__broken.sql" && line == 4 && statement == "INSERT INTO MISLINK_T_NOPE VALUES (1)"
                    && committed == 1 && underlying.message.contains("MISLINK_T_NOPE")
            } else { false }
        })
        #expect(error?.description.contains("V003__broken.sql:4") == true)
        let status = try migrator.status()
        #expect(status.lines.first { $0.version == "003" }?.state == .failed)
        #expect(try migrator.history().last?.detail?.contains("MISLINK_T_NOPE") == true)
        // The DML before the failure was rolled back; the committed DDL stays.
        #expect(try migrator.attachment.query("SELECT COUNT(*) FROM MISLINK_T_OK").first?.decode(Int.self, at: 0) == 0)
        expectMigrationError({ try migrator.up() }, where: {
            if case .failedMigrationRecorded(let version, _) = $0 { version == "003" } else { false }
        })
        #expect(try migrator.validate().contains { $0.contains("003 (V003__broken.sql) failed") })

        // The DBA fixes the script and the database, then repairs.
        try Data(files["V003__broken.sql"]!.replacingOccurrences(of: "MISLINK_T_NOPE", with: "MISLINK_T_OK").utf8)
            .write(to: folder.appendingPathComponent("V003__broken.sql"))
        try migrator.attachment.inTransaction { try migrator.attachment.executeImmediate("DROP TABLE MISLINK_T_OK", in: $0) }
        let fixed = try ClinicDatabase.migrator(path, folder)
        #expect(try fixed.repair().removedFailures == ["003 (V003__broken.sql)"])
        #expect(try fixed.up() == ["V003__broken.sql"])
        #expect(try fixed.attachment.query("SELECT COUNT(*) FROM MISLINK_T_OK").first?.decode(Int.self, at: 0) == 2)
        #expect(try fixed.validate() == [])
    }

    @Test func downRestoresThePreviousMetadataExactly() throws {
        try checkDownRestoresMetadata(folder: try ClinicDatabase.migrations(fixtureMigrations))
    }

    /// MisLink's own scripts: each runs in the runner and through isql-fb alike, each undo restores
    /// the metadata before it, and the chain applies again.
    @Test func shippedMigrationsApplyUndoAndDryRunAlike() throws {
        let source = try MigrationSource(directory: ClinicDatabase.shippedMigrations)
        #expect(source.migrations.count >= 5)
        #expect(Set(source.migrations.map(\.version)) == Set(source.undos.keys), "every migration has an undo script")
        for file in source.migrations + Array(source.undos.values) {
            let script = try file.script()
            #expect(script.trailingText == nil, "\(file.fileName) has text after its last terminator")
        }
        try checkDownRestoresMetadata(folder: ClinicDatabase.shippedMigrations)
    }

    @Test func baselineOnOneDatabaseThenUpOnAnotherIsRefused() throws {
        let path = try ClinicDatabase.create()
        let copy = ClinicDatabase.directory + "/restored-\(UUID().uuidString.prefix(8)).fdb"
        let backup = copy + ".fbk"
        defer { [path, copy, backup].forEach(ClinicDatabase.drop) }
        let folder = try ClinicDatabase.migrations(fixtureMigrations)
        let original = try ClinicDatabase.migrator(path, folder)
        try original.baseline()
        expectMigrationError({ try original.baseline() }, where: { if case .alreadyBaselined = $0 { true } else { false } })
        try original.attachment.close()

        // The DBA restores the baselined production backup onto a test server.
        try runGbak(["-b", path, backup])
        try runGbak(["-c", backup, copy])
        let restored = try ClinicDatabase.migrator(copy, folder)
        let error = expectMigrationError({ try restored.up() }, where: {
            if case .fingerprintMismatch(_, _, let differences) = $0 { differences.contains { $0.hasPrefix("created") } } else { false }
        })
        #expect(error?.description.contains("baseline --force") == true)
        #expect(try restored.validate().contains { $0.contains("not the database that was baselined") })
        #expect(try restored.history().filter { $0.kind == "APPLY" }.isEmpty)

        // A database whose MIS tables differ is refused too, after a forced re-baseline of the copy.
        try restored.baseline(force: true)
        try restored.attachment.inTransaction { try restored.attachment.executeImmediate("DROP TABLE SCHEDULE", in: $0) }
        expectMigrationError({ try restored.up() }, where: {
            if case .fingerprintMismatch(_, _, let differences) = $0 { differences.contains { $0.contains("SCHEDULE") } } else { false }
        })
        // On the original, up goes on.
        #expect(try ClinicDatabase.migrator(path, folder).up().count == 2)
    }

    @Test func preflightNamesWhoHoldsAnObjectTheScriptsAlter() throws {
        let path = try ClinicDatabase.create()
        defer { ClinicDatabase.drop(path) }
        let folder = try ClinicDatabase.migrations(fixtureMigrations)
        let migrator = try ClinicDatabase.migrator(path, folder)
        try migrator.up(to: MigrationVersion("001"))

        // An MIS screen has a statement on PATIENTS open.
        let screen = try FirebirdAttachment.open(FirebirdConfiguration(database: path))
        let transaction = try screen.beginTransaction()
        let statement = try screen.prepare("SELECT ID, LAST_NAME FROM PATIENTS WHERE ID > ?", in: transaction)
        try statement.execute([.integer(0)], in: transaction)
        let screenID = try screen.queryValue("SELECT CURRENT_CONNECTION FROM RDB$DATABASE", as: Int.self, in: transaction)

        let error = expectMigrationError({ try migrator.up() }, where: {
            if case .objectsInUse(let held) = $0 {
                held.contains { $0.object == "PATIENTS" && $0.attachmentID == screenID && $0.user == "SYSDBA" }
            } else { false }
        })
        #expect(error?.description.contains("SELECT ID, LAST_NAME FROM PATIENTS") == true)
        #expect(try migrator.dryRun().contains("Pre-flight: objects in use by other attachments"))
        #expect(try migrator.status().pending == ["002"])

        try statement.closeCursor()
        try transaction.commit()
        try screen.close()
        #expect(try migrator.up() == ["V002__patient_log.sql"])
    }

    @Test func forceGoesOnPastAHeldObjectWithANotice() throws {
        let path = try ClinicDatabase.create()
        defer { ClinicDatabase.drop(path) }
        let folder = try ClinicDatabase.migrations(fixtureMigrations)
        try ClinicDatabase.migrator(path, folder).up(to: MigrationVersion("001"))
        let screen = try FirebirdAttachment.open(FirebirdConfiguration(database: path))
        let transaction = try screen.beginTransaction(.readOnly)
        let statement = try screen.prepare("SELECT COUNT(*) FROM PATIENTS", in: transaction)
        try statement.execute(in: transaction)
        defer { try? transaction.rollback(); try? screen.close() }

        let log = EventLog()
        let forced = try ClinicDatabase.migrator(path, folder, force: true, events: log.record)
        _ = try? forced.up()
        #expect(log.all.contains { if case .notice(let text) = $0 { text.contains("PATIENTS") } else { false } })
    }
}

/// Up, down and up again with `folder`: `down --to` restores each earlier extract exactly, and a
/// dry-run script applied with isql-fb gives the same metadata as `up`.
func checkDownRestoresMetadata(folder: URL) throws {
    let path = try ClinicDatabase.create("down")
    let viaIsql = try ClinicDatabase.create("isql")
    defer { [path, viaIsql].forEach(ClinicDatabase.drop) }
    let source = try MigrationSource(directory: folder)
    let versions = source.migrations.map(\.version)

    // Extracts after each version, applied one by one.
    var migrator = try ClinicDatabase.migrator(path, folder)
    try migrator.baseline()
    try migrator.attachment.close()
    var extracts = [try ClinicDatabase.extract(path)]
    for version in versions {
        migrator = try ClinicDatabase.migrator(path, folder)
        try migrator.up(to: version)
        try migrator.attachment.close()
        extracts.append(try ClinicDatabase.extract(path))
    }
    // Every migration changes the metadata, except one whose script holds no statement (core V009,
    // emptied when its triggers moved to the reference profile in issue 16).
    let empty = Set(try source.migrations.filter { try $0.script().commands.isEmpty }.map(\.version))
    for (index, version) in versions.enumerated() where !empty.contains(version) {
        #expect(extracts[index] != extracts[index + 1], "\(version) changes the metadata")
    }

    // The dry-run of the whole chain, run by isql-fb on a twin, gives the same metadata.
    let twin = try ClinicDatabase.migrator(viaIsql, folder)
    let script = try twin.dryRun()
    try twin.attachment.close()
    try ClinicDatabase.runScript(script, on: viaIsql)
    #expect(try ClinicDatabase.extract(viaIsql) == extracts.last!)
    let afterIsql = try ClinicDatabase.migrator(viaIsql, folder)
    #expect(try afterIsql.status().pending == [])
    #expect(try afterIsql.up() == [])
    try afterIsql.attachment.close()

    // Down, one version at a time, restores each previous extract exactly. The one exception is
    // core V015 (MIS ids to BIGINT): Firebird cannot narrow a column, so from U015 down the columns
    // V015 widened stay BIGINT / VARCHAR(63) (U015's header says why); every other line must match.
    var widened = false
    for index in stride(from: versions.count - 1, through: 0, by: -1) {
        let target = index == 0 ? MigrationVersion("0")! : versions[index - 1]
        migrator = try ClinicDatabase.migrator(path, folder)
        #expect(try migrator.down(to: target) == [source.undos[versions[index]]!.fileName])
        try migrator.attachment.close()
        if source.undos[versions[index]]!.fileName == "U015__bigint_mis_ids.sql" { widened = true }
        let extract = try ClinicDatabase.extract(path)
        if widened {
            #expect(
                sameExceptWidenedColumns(extract, extracts[index]),
                "down to \(target) differs from the extract before \(versions[index]) by more than V015's widening")
        } else {
            #expect(extract == extracts[index], "down to \(target) differs from the extract before \(versions[index])")
        }
    }
    // And up again applies everything.
    migrator = try ClinicDatabase.migrator(path, folder)
    #expect(try migrator.up().count == versions.count)
    try migrator.attachment.close()
    #expect(try ClinicDatabase.extract(path) == extracts.last!)
}

/// True when `actual` is `expected` but for column definitions that V015 widened and U015 could not
/// narrow: a line of `expected` with `INTEGER` (an id) or `VARCHAR(12)` (a phone source) may read
/// `BIGINT` or `VARCHAR(63)` in `actual`. Every other line, and the number of lines, must be equal.
func sameExceptWidenedColumns(_ actual: String, _ expected: String) -> Bool {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    guard a.count == e.count else { return false }
    return zip(a, e).allSatisfy { actualLine, expectedLine in
        actualLine == expectedLine
            || actualLine == expectedLine.replacingOccurrences(of: " INTEGER", with: " BIGINT")
            || actualLine == expectedLine.replacingOccurrences(of: " VARCHAR(12) ", with: " VARCHAR(63) ")
    }
}

/// A mutable box handed to another thread (the test waits on a semaphore before reading it).
final class UncheckedBox<T>: @unchecked Sendable {
    var value: T?
}
