import Firebird
import FirebirdMigrations
import Foundation
import MisLinkTestSupport
import Testing

@testable import MisLinkProfiles

/// A third MIS, written from the DBA guide (SQL/profiles/README.md) alone: Tests/Fixtures/profiles/polyclinic
/// (phones only in a PHONES table with a kind, one NAME column, a visit as a TIMESTAMP and a DURATION,
/// logins as columns of USERS joined to DOCTORS, INTEGER ids, no appeals table, booking by INSERT).
/// Built with isql, migrated by the runner (core, then the profile), it must pass `mislink mis check`.
@Suite("a third profile, written from the guide")
struct ThirdProfileTests {
    static let folder = ClinicDatabase.repository.appendingPathComponent("Tests/Fixtures/profiles/polyclinic")

    /// A new WIN1251 database with the polyclinic's schema and demo data, made with isql-fb.
    static func createPolyclinic() throws -> String {
        let path = "\(ClinicDatabase.directory)/polyclinic-\(UUID().uuidString.prefix(8)).fdb"
        try ClinicDatabase.isql(input: "CREATE DATABASE '\(path)' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;\n")
        for script in ["schema.sql", "demo-data.sql"] {
            try ClinicDatabase.isql(["-ch", "UTF8", "-bail", "-i", folder.appendingPathComponent(script).path, path])
        }
        chmod(path, 0o666)
        return path
    }

    static func migrator(_ path: String) throws -> Migrator {
        Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(directory: folder.appendingPathComponent("migrations"), namespace: "polyclinic"),
            requires: try MigrationSource(directory: ClinicDatabase.shippedMigrations))
    }

    @Test func thePolyclinicProfileMigratesAndFits() throws {
        let path = try Self.createPolyclinic()
        defer { ClinicDatabase.drop(path) }
        let migrator = try Self.migrator(path)
        defer { try? migrator.attachment.close() }
        let applied = try migrator.up()
        #expect(applied.suffix(2) == ["polyclinic/V001__phone_keys.sql", "polyclinic/V002__worker_grants.sql"])
        #expect(try migrator.validate() == [])

        let report = ProfileCheck().run(directory: Self.folder, on: migrator.attachment)
        #expect(report.problems.isEmpty, "\(report.text())")
        #expect(report.warnings.isEmpty, "\(report.text())")
        #expect(report.profile == "polyclinic")

        // The two patients sharing +7 916 123-45-67 (one as a mobile, one as a home phone) both have its key.
        let shared = try migrator.attachment.query(
            "SELECT COUNT(DISTINCT PATIENT_ID) FROM MISLINK_PATIENT_PHONES WHERE PHONE_KEY = '79161234567'")[0]
        #expect(try shared.decode(Int.self, at: 0) == 2)
    }

    /// Each U file restores the extract from before its V; the whole profile goes down and up again.
    @Test func thePolyclinicMigrationsUndoExactly() throws {
        let path = try Self.createPolyclinic()
        defer { ClinicDatabase.drop(path) }
        let core = Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(directory: ClinicDatabase.shippedMigrations))
        try core.up()
        try core.attachment.close()
        let before = try ClinicDatabase.extract(path)
        let up = try Self.migrator(path)
        #expect(try up.up().count == 2)
        try up.attachment.close()
        let migrated = try ClinicDatabase.extract(path)
        let down = try Self.migrator(path)
        #expect(try down.down(to: MigrationVersion("0")!).count == 2)
        try down.attachment.close()
        #expect(try ClinicDatabase.extract(path) == before, "the profile undone restores the database")
        let again = try Self.migrator(path)
        #expect(try again.up().count == 2)
        try again.attachment.close()
        #expect(try ClinicDatabase.extract(path) == migrated)
    }
}
