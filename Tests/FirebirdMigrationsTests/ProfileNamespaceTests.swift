import Firebird
import Foundation
import MisLinkTestSupport
import Testing

@testable import FirebirdMigrations

/// A profile's migrations (a namespaced source) beside the core's, in one history, on the fixture
/// scripts of `MigratorTests`.
@Suite(.serialized) struct ProfileNamespaceTests {
    static let profileFiles = [
        "V001__staff_map.sql": "CREATE TABLE MISLINK_T_STAFF_MAP (STAFF_ID BIGINT, LOGIN VARCHAR(40));\n",
        "U001__staff_map.sql": "DROP TABLE MISLINK_T_STAFF_MAP;\n",
        "V002__calls_note.sql": "ALTER TABLE MISLINK_T_CALLS ADD STAFF_LOGIN VARCHAR(40);\n",
        "U002__calls_note.sql": "ALTER TABLE MISLINK_T_CALLS DROP STAFF_LOGIN;\n",
    ]

    func migrator(_ path: String, core: URL, profile: URL) throws -> Migrator {
        Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(directory: profile, namespace: "clinicx"),
            requires: try MigrationSource(directory: core))
    }

    @Test func aProfileAppliesAfterTheCoreInOneHistoryAndUndoesBeforeIt() throws {
        let path = try ClinicDatabase.create("ns")
        defer { ClinicDatabase.drop(path) }
        let core = try ClinicDatabase.migrations(fixtureMigrations)
        let profileFolder = try ClinicDatabase.migrations(Self.profileFiles)
        let baseline = try ClinicDatabase.migrator(path, core)
        try baseline.baseline()
        try baseline.attachment.close()
        let before = try ClinicDatabase.extract(path)

        let profile = try migrator(path, core: core, profile: profileFolder)
        let script = try profile.dryRun()
        #expect(script.contains("-- ==== V001__calls.sql ===="))
        #expect(script.contains("-- ==== clinicx/V002__calls_note.sql ===="))
        #expect(script.range(of: "V002__patient_log.sql")!.lowerBound < script.range(of: "clinicx/V001")!.lowerBound)
        #expect(script.contains("'clinicx:001'"))

        #expect(
            try profile.up() == [
                "V001__calls.sql", "V002__patient_log.sql",
                "clinicx/V001__staff_map.sql", "clinicx/V002__calls_note.sql",
            ])
        #expect(try profile.history().map(\.version) == ["0", "001", "002", "clinicx:001", "clinicx:002"])
        #expect(try profile.status().lines.map(\.state) == [.applied, .applied])
        #expect(try profile.status().lines.map(\.namespace) == ["clinicx", "clinicx"])
        #expect(try profile.requiredStatus()?.lines.map(\.state) == [.baseline, .applied, .applied])
        #expect(try profile.validate() == [])
        #expect(try profile.up() == [])

        // The core alone sees its own rows as before; undoing it is refused while the profile is applied.
        let coreOnly = try ClinicDatabase.migrator(path, core)
        #expect(try coreOnly.status().pending == [])
        #expect(try coreOnly.validate() == [])
        let refusal = expectMigrationError({ try coreOnly.down(to: MigrationVersion("1")!) }, where: {
            if case .profilesApplied(let profiles) = $0 { profiles == ["clinicx": ["001", "002"]] } else { false }
        })
        #expect(refusal?.description.contains("mislink migrate down --profile clinicx --to 0") == true)

        // An edited profile file is the profile's problem, named so.
        try Data("ALTER TABLE MISLINK_T_CALLS ADD STAFF_LOGIN VARCHAR(80);\n".utf8)
            .write(to: profileFolder.appendingPathComponent("V002__calls_note.sql"))
        let edited = try migrator(path, core: core, profile: profileFolder)
        #expect(try edited.validate() == [
            "profile clinicx: V002__calls_note.sql was edited after it was applied (checksum differs); "
                + "restore the file, or run `repair` to accept the edit"
        ])
        #expect(try edited.repair().realignedChecksums == ["002"])
        #expect(try edited.validate() == [])

        // Profile first, then the core: the extract from before comes back.
        #expect(try edited.down(to: MigrationVersion("0")!) == ["clinicx/U002__calls_note.sql", "clinicx/U001__staff_map.sql"])
        #expect(try edited.status().pending == ["001", "002"])
        #expect(try coreOnly.down(to: MigrationVersion("0")!) == ["U002__patient_log.sql", "U001__calls.sql"])
        try [profile, edited, coreOnly].forEach { try $0.attachment.close() }
        #expect(try ClinicDatabase.extract(path) == before)
    }

    @Test func aProfileBaselineTakesItsOwnVersionsAsApplied() throws {
        let path = try ClinicDatabase.create("nsbase")
        defer { ClinicDatabase.drop(path) }
        let core = try ClinicDatabase.migrations(fixtureMigrations)
        let profileFolder = try ClinicDatabase.migrations(Self.profileFiles)
        try ClinicDatabase.migrator(path, core).up()
        let profile = try migrator(path, core: core, profile: profileFolder)
        try profile.attachment.inTransaction {
            try profile.attachment.executeImmediate("CREATE TABLE MISLINK_T_STAFF_MAP (STAFF_ID BIGINT, LOGIN VARCHAR(40))", in: $0)
        }
        try profile.baseline(version: MigrationVersion("1")!)
        expectMigrationError({ try profile.baseline(version: MigrationVersion("1")!) }, where: {
            if case .alreadyBaselined = $0 { true } else { false }
        })
        #expect(try profile.status().lines.map(\.state) == [.baseline, .belowBaseline, .pending])
        #expect(try profile.up() == ["clinicx/V002__calls_note.sql"])
        #expect(try profile.history().last?.version == "clinicx:002")
    }

    @Test func aProfileWithoutTheCoreIsRefused() throws {
        let path = try ClinicDatabase.create("nsalone")
        defer { ClinicDatabase.drop(path) }
        let profile = Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(directory: try ClinicDatabase.migrations(Self.profileFiles), namespace: "clinicx"))
        expectMigrationError({ try profile.up() }, where: {
            if case .corePending(let name, _) = $0 { name == "clinicx" } else { false }
        })
        expectMigrationError({ try MigrationSource(directory: ClinicDatabase.shippedMigrations, namespace: "a:b") }, where: {
            if case .invalidNamespace = $0 { true } else { false }
        })
    }

    @Test func aSupersededChecksumValidatesAnEditedAppliedFile() throws {
        let path = try ClinicDatabase.create("superseded")
        defer { ClinicDatabase.drop(path) }
        let folder = try ClinicDatabase.migrations(fixtureMigrations)
        try ClinicDatabase.migrator(path, folder).up()
        let old = try MigrationSource(directory: folder).migrations[1].checksum

        // MisLink edits V002 on purpose and lists the old text's checksum.
        let file = folder.appendingPathComponent("V002__patient_log.sql")
        try Data((fixtureMigrations["V002__patient_log.sql"]! + "\n-- moved to a profile\n").utf8).write(to: file)
        #expect(try ClinicDatabase.migrator(path, folder).validate().count == 1)
        try Data("# version checksum reason\n002 \(old) the PATIENTS trigger moved to a profile\n".utf8)
            .write(to: folder.appendingPathComponent(SupersededChecksums.fileName))
        let migrator = try ClinicDatabase.migrator(path, folder)
        #expect(migrator.source.superseded.reason(version: MigrationVersion("2")!, checksum: old) == "the PATIENTS trigger moved to a profile")
        #expect(try migrator.validate() == [])
        #expect(try migrator.status().lines.last?.checksum == .superseded)
        #expect(try migrator.repair().realignedChecksums == [])
        #expect(try migrator.up() == [])

        // Another checksum is still an edit.
        try Data("002 12345 something else\n".utf8).write(to: folder.appendingPathComponent(SupersededChecksums.fileName))
        #expect(try ClinicDatabase.migrator(path, folder).status().lines.last?.checksum == .changed)
        try Data("002 twelve\n".utf8).write(to: folder.appendingPathComponent(SupersededChecksums.fileName))
        expectMigrationError({ try MigrationSource(directory: folder) }, where: {
            if case .invalidScript(let name, let line, _) = $0 { name == "superseded-checksums" && line == 1 } else { false }
        })
    }
}
