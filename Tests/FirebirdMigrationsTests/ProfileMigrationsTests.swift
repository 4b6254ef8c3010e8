import Firebird
import Foundation
import MisLinkTestSupport
import Testing

@testable import FirebirdMigrations

/// The shipped MIS profiles' `migrations/` folders run by the runner after MisLink's core migrations:
/// МедБаза from its own schema and demo data, the reference schema fresh and upgraded from the core
/// files as they were before issue 16 moved its objects into the reference profile.
@Suite(.serialized) struct ProfileMigrationsTests {
    static let core = ClinicDatabase.shippedMigrations

    @Test func medbaseGetsTheCoreAndItsOwnMigrationsAndUndoesThemInOrder() throws {
        let path = try ClinicDatabase.create("medbase", profile: "medbase")
        let twin = try ClinicDatabase.create("medbase-isql", profile: "medbase")
        defer { [path, twin].forEach(ClinicDatabase.drop) }
        let coreOnly = try ClinicDatabase.migrator(path, Self.core)
        try coreOnly.baseline()
        try coreOnly.attachment.close()
        let before = try ClinicDatabase.extract(path)

        // The dry-run shows the core, then the profile; isql runs it on a twin.
        let dryRunner = try ClinicDatabase.profileMigrator(twin, profile: "medbase")
        let script = try dryRunner.dryRun()
        try dryRunner.attachment.close()
        #expect(script.contains("-- ==== V015__bigint_mis_ids.sql ===="))
        #expect(script.contains("-- ==== medbase/V003__worker_grants.sql ===="))
        #expect(script.range(of: "V015__bigint_mis_ids.sql")!.lowerBound < script.range(of: "medbase/V001__phone_keys.sql")!.lowerBound)
        try ClinicDatabase.runScript(script, on: twin)

        let migrator = try ClinicDatabase.profileMigrator(path, profile: "medbase")
        let applied = try migrator.up()
        #expect(applied.first == "V001__settings_and_phone_keys.sql")
        #expect(applied.suffix(3) == ["medbase/V001__phone_keys.sql", "medbase/V002__booking_messages.sql", "medbase/V003__worker_grants.sql"])
        #expect(try migrator.validate() == [])
        #expect(try migrator.status().pending == [])
        #expect(try migrator.requiredStatus()?.pending == [])
        #expect(try migrator.history().filter { $0.namespace == "medbase" }.map(\.version) == ["medbase:001", "medbase:002", "medbase:003"])

        // Identification over medbase: the phone keys of both KLIENTY and KONTAKTY, with 14-digit ids.
        let phones = try migrator.attachment.query(
            """
            SELECT COUNT(*), MIN(PATIENT_ID), MAX(CHAR_LENGTH(SOURCE_COLUMN)),
                   SUM(IIF(SOURCE_COLUMN STARTING WITH 'KONTAKTY:', 1, 0))
            FROM MISLINK_PATIENT_PHONES
            """)[0]
        #expect(try phones.decode(Int.self, at: 0) > 30)
        #expect(try phones.decode(Int64.self, at: 1) >= 77_000_000_000_001)
        #expect(try phones.decode(Int.self, at: 2) == 23)
        #expect(try phones.decode(Int.self, at: 3) > 0)
        try migrator.attachment.close()
        let migrated = try ClinicDatabase.extract(path)
        #expect(try ClinicDatabase.extract(twin) == migrated, "the dry-run through isql gives what up gives")

        // The core cannot go down under the profile; the profile first, then the core.
        let core = try ClinicDatabase.migrator(path, Self.core)
        expectMigrationError({ try core.down(to: MigrationVersion("14")!) }, where: {
            if case .profilesApplied(let profiles) = $0 { profiles.keys.sorted() == ["medbase"] } else { false }
        })
        let profile = try ClinicDatabase.profileMigrator(path, profile: "medbase")
        #expect(try profile.down(to: MigrationVersion("0")!).count == 3)
        #expect(try profile.status().pending == ["001", "002", "003"])
        #expect(try core.down(to: MigrationVersion("0")!).count == 21)
        try [core, profile].forEach { try $0.attachment.close() }
        #expect(try ClinicDatabase.extract(path) == before, "the chain undone restores medbase as it was")

        // And up again.
        let again = try ClinicDatabase.profileMigrator(path, profile: "medbase")
        #expect(try again.up().count == 24)
        try again.attachment.close()
        #expect(try ClinicDatabase.extract(path) == migrated)
    }

    @Test func aProfileBaselineTakesWhatTheDBARanByHand() throws {
        let path = try ClinicDatabase.create("medbase-base", profile: "medbase")
        defer { ClinicDatabase.drop(path) }
        try ClinicDatabase.migrator(path, Self.core).up()
        // The DBA ran the profile's V001 and V002 with isql before MisLink's runner knew of profiles.
        let folder = ClinicDatabase.profileDirectory("medbase").appendingPathComponent("migrations")
        for name in ["V001__phone_keys.sql", "V002__booking_messages.sql"] {
            try ClinicDatabase.isql(["-ch", "UTF8", "-bail", "-i", folder.appendingPathComponent(name).path, path])
        }
        let profile = try ClinicDatabase.profileMigrator(path, profile: "medbase")
        defer { try? profile.attachment.close() }
        try profile.baseline(version: MigrationVersion("002")!)
        #expect(try profile.status().lines.map(\.state) == [.baseline, .belowBaseline, .belowBaseline, .pending])
        #expect(try profile.up() == ["medbase/V003__worker_grants.sql"])
        #expect(try profile.validate() == [])
    }

    /// Each profile's U file restores the extract from before its V, on a database with the core applied.
    @Test(arguments: ["reference", "medbase"]) func eachProfileUndoRestoresTheExtract(profile name: String) throws {
        let path = try ClinicDatabase.create("undo-\(name)", profile: name)
        defer { ClinicDatabase.drop(path) }
        try ClinicDatabase.migrator(path, Self.core).up()
        let source = try MigrationSource(
            directory: ClinicDatabase.profileDirectory(name).appendingPathComponent("migrations"), namespace: name)
        #expect(Set(source.migrations.map(\.version)) == Set(source.undos.keys), "every migration has an undo script")
        var extracts = [try ClinicDatabase.extract(path)]
        for file in source.migrations {
            let migrator = try ClinicDatabase.profileMigrator(path, profile: name)
            try migrator.up(to: file.version)
            try migrator.attachment.close()
            extracts.append(try ClinicDatabase.extract(path))
        }
        for index in stride(from: source.migrations.count - 1, through: 0, by: -1) {
            let target = index == 0 ? MigrationVersion("0")! : source.migrations[index - 1].version
            let migrator = try ClinicDatabase.profileMigrator(path, profile: name)
            #expect(try migrator.down(to: target) == ["\(name)/\(source.undos[source.migrations[index].version]!.fileName)"])
            try migrator.attachment.close()
            #expect(try ClinicDatabase.extract(path) == extracts[index], "\(name) down to \(target)")
        }
    }

    /// A reference database migrated by the core files as they were before issue 16 (commit 788da1d: the
    /// PATIENTS and SCHEDULE triggers, the grants and V009 in the core), then upgraded to today's core
    /// and the reference profile: it validates (superseded-checksums) and has the objects of a fresh install.
    @Test func theReferenceUpgradedFromTheOldCoreMatchesAFreshInstall() throws {
        let old = try Self.oldCoreFolder(commit: "788da1d")
        let path = try ClinicDatabase.create("upgrade")
        let fresh = try ClinicDatabase.createMigrated("fresh")
        defer { [path, fresh].forEach(ClinicDatabase.drop) }

        let before = try ClinicDatabase.migrator(path, old)
        #expect(try before.up().count == 14)  // the baseline and V001..V013
        try before.attachment.execute(
            "INSERT INTO PATIENTS (LAST_NAME, FIRST_NAME, PHONE_MOBILE, PHONE_HOME) VALUES ('Old', 'Core', '+7 917 123-45-67', '8 (843) 200-00-01')")
        try before.attachment.close()

        let upgrade = try ClinicDatabase.profileMigrator(path, profile: "reference")
        #expect(try upgrade.validate() == [], "the edited V002, V007, V008 and V009 validate through superseded-checksums")
        let core = try #require(try upgrade.requiredStatus())
        #expect(core.lines.filter { $0.checksum == .superseded }.map(\.version) == ["002", "007", "008", "009"])
        #expect(core.pending == ["014", "015", "016", "017", "018", "019", "020", "021"])
        #expect(
            try upgrade.up() == [
                "V014__own_appeals.sql", "V015__bigint_mis_ids.sql", "V016__appeal_created_index.sql", "V017__console.sql",
                "V018__console_cards_index.sql", "V019__outbox_delivery.sql", "V020__report_days.sql",
                "V021__inbox_status_index.sql",
                "reference/V001__patient_phones.sql",
                "reference/V002__booking_messages.sql", "reference/V003__worker_grants.sql",
                "reference/V004__appeal_outcomes.sql", "reference/V005__booking_rules.sql",
            ])
        #expect(try upgrade.validate() == [])
        let phones = try upgrade.attachment.query("SELECT COUNT(*) FROM MISLINK_PATIENT_PHONES")[0]
        #expect(try phones.decode(Int.self, at: 0) == 2)
        try upgrade.attachment.close()
        #expect(try ClinicDatabase.extract(path) == ClinicDatabase.extract(fresh))
    }

    /// The reference profile's appeal trigger copies the MIS's appeal into MISLINK_APPEALS (V014's
    /// columns), CLOSED_AT in UTC; the backfill does the same for the rows there before it.
    @Test func theReferenceCopiesTheAppealIntoMisLinkAppeals() throws {
        let path = try ClinicDatabase.create("copy")
        defer { ClinicDatabase.drop(path) }
        let profile = try ClinicDatabase.profileMigrator(path, profile: "reference")
        defer { try? profile.attachment.close() }
        try profile.up(to: MigrationVersion("3")!)
        let db = profile.attachment
        try db.execute("INSERT INTO STAFF (ID, FULL_NAME, ROLE) VALUES (7, 'Operator', 'operator')")
        try db.execute("INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME) VALUES (5, 'Ivanova', 'Anna')")
        for id in [1, 2] {
            try db.execute(
                "INSERT INTO APPEALS (ID, CHANNEL, PATIENT_ID, OPERATOR_ID) VALUES (\(id), 'phone', 5, 7)")
            try db.execute("INSERT INTO MISLINK_APPEALS (APPEAL_ID, CHANNEL, SOURCE) VALUES (\(id), 'phone', 'call')")
        }
        try db.execute(
            "UPDATE APPEALS SET STATUS = 'closed', RESULT = 'info', CLOSED_AT = TIMESTAMP '2026-12-01 12:00:00' WHERE ID = 1")
        try profile.up()  // V004: the trigger and the backfill of appeal 1
        func row(_ id: Int) throws -> Row {
            try db.query(
                "SELECT STATUS, RESULT, CLOSED_AT, OPERATOR_ID, PATIENT_ID FROM MISLINK_APPEALS WHERE APPEAL_ID = \(id)")[0]
        }
        // db.utc_offset_minutes is 180: 12:00 server time is 09:00 UTC.
        #expect(try row(1).decode(String?.self, at: 0) == "closed")
        #expect(try row(1).decode(String?.self, at: 1) == "info")
        #expect(try row(1).decode(FirebirdTimestamp?.self, at: 2)?.description.hasPrefix("2026-12-01 09:00:00") == true)
        #expect(try row(1).decode(Int64?.self, at: 4) == 5)

        try db.execute(
            "UPDATE APPEALS SET STATUS = 'cancelled', RESULT = 'no answer', CLOSED_AT = TIMESTAMP '2026-12-02 18:30:00', OPERATOR_ID = NULL WHERE ID = 2")
        #expect(try row(2).decode(String?.self, at: 0) == "cancelled")
        #expect(try row(2).decode(String?.self, at: 1) == "no answer")
        #expect(try row(2).decode(FirebirdTimestamp?.self, at: 2)?.description.hasPrefix("2026-12-02 15:30:00") == true)
        #expect(try row(2).decode(Int64?.self, at: 3) == nil)
        let events = try db.query("SELECT EVENT_TYPE FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = 2")
        #expect(try events.map { try $0.decode(String.self, at: 0) } == ["cancelled"])
    }

    /// The core's migration files as they were at `commit`, in a temporary folder.
    static func oldCoreFolder(commit: String) throws -> URL {
        let listing = try git(["ls-tree", "--name-only", commit, "Migrations/"])
        var files: [String: String] = [:]
        for path in listing.split(separator: "\n") where path.hasSuffix(".sql") {
            files[String(path.split(separator: "/").last!)] = try git(["show", "\(commit):\(path)"])
        }
        return try ClinicDatabase.migrations(files)
    }

    static func git(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", ClinicDatabase.repository.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ClinicDatabase.IsqlFailure(arguments: ["git"] + arguments, output: String(decoding: data, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
