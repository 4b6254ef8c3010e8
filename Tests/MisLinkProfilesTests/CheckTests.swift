import Firebird
import Foundation
import MisLinkTestSupport
import Testing

@testable import MisLinkProfiles

/// `ProfileCheck` against a real migrated reference database: the shipped profile fits, and each kind
/// of breakage in a copy is reported with its file and line.
@Suite("mislink mis check against a database")
struct CheckTests {
    @Test func theReferenceProfileFitsTheReferenceSchemaAndNothingIsWritten() throws {
        let attachment = try ProfileFixture.attach()
        defer { try? attachment.close() }
        let counts = "SELECT (SELECT COUNT(*) FROM APPEALS), (SELECT COUNT(*) FROM SCHEDULE) FROM RDB$DATABASE"
        let before = try attachment.query(FirebirdQuery(unsafeSQL: counts))
        let report = ProfileCheck().run(directory: ProfileFixture.reference, on: attachment)
        #expect(report.problems.isEmpty, "\(report.text())")
        #expect(report.warnings.isEmpty, "\(report.text())")
        #expect(report.database)
        #expect(report.profile == "reference")
        #expect(report.statements.map(\.statement) == ProfileContract.v1.statements.map(\.name))
        #expect(report.statements.allSatisfy { $0.status == .ok })
        #expect(try attachment.query(FirebirdQuery(unsafeSQL: counts)).map { try [$0.decode(Int.self, at: 0), $0.decode(Int.self, at: 1)] }
            == before.map { try [$0.decode(Int.self, at: 0), $0.decode(Int.self, at: 1)] })
    }

    @Test func theCheckRunsOnAnAsyncConnectionAsTheWorkerWillRunIt() async throws {
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: try ProfileFixture.database(), user: "SYSDBA"))
        let copy = try ProfileCopy()
        defer { copy.remove() }
        try copy.replace("AS EXTENSION\n  FROM STAFF S\n WHERE S.SIP_EXTENSION IS NOT NULL", with: "AS EXT\n  FROM STAFF S\n WHERE S.SIP_EXTENSION IS NOT NULL")
        let reference = try await ProfileCheck().run(try MISProfile(directory: ProfileFixture.reference), on: connection)
        let broken = try await ProfileCheck().run(try MISProfile(directory: copy.directory), on: connection)
        try await connection.close()
        #expect(reference.isClean)
        #expect(broken.problems.map(\.statement) == ["staff_extensions"])
    }

    @Test func aMissingRequiredStatementIsAProblemAndAnUnknownNameAWarning() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let line = try copy.replace("-- name: service_get", with: "-- name: service_lookup")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.map(\.description) == [
            "statements.sql: service_get is missing: MisLink needs it (one service)",
        ])
        #expect(report.warnings.map(\.description) == [
            "statements.sql:\(line): service_lookup is not a statement of contract 1; MisLink never runs it",
        ])
        #expect(report.statements.first { $0.statement == "service_get" }?.status == .missing)
    }

    @Test func aMissingAliasNamesTheColumnAndTheStatementsLine() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        try copy.replace("|| COALESCE(' ' || NULLIF(TRIM(P.MIDDLE_NAME), ''), '')) AS FULL_NAME,",
                         with: "|| COALESCE(' ' || NULLIF(TRIM(P.MIDDLE_NAME), ''), '')) AS PATIENT_NAME,")
        let line = try copy.line(of: "-- name: identify_candidates")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.count == 1)
        let problem = try #require(report.problems.first)
        #expect(problem.line == line)
        #expect(problem.statement == "identify_candidates")
        #expect(problem.description.hasPrefix("statements.sql:\(line): identify_candidates returns no column FULL_NAME (it returns PATIENT_ID, PATIENT_NAME,"))
    }

    @Test func aColumnOfTheWrongTypeNamesTheLineThatReturnsIt() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let line = try copy.replace("P.BIRTH_DATE AS BIRTH_DATE,", with: "CAST(P.BIRTH_DATE AS VARCHAR(10)) AS BIRTH_DATE,")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.map(\.description) == [
            "statements.sql:\(line): identify_candidates: column BIRTH_DATE is VARCHAR; MisLink reads it as date (DATE; CAST a TIMESTAMP AS DATE)",
        ])
    }

    @Test func aNumericWithDecimalsIsNoInteger() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let line = try copy.replace("V.DURATION_MIN AS MINUTES", with: "CAST(V.DURATION_MIN AS NUMERIC(9, 2)) AS MINUTES")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.map(\.description) == [
            "statements.sql:\(line): service_get: column MINUTES is NUMERIC with scale 2; MisLink reads it as integer (SMALLINT, INTEGER, BIGINT or NUMERIC(n,0))",
        ])
    }

    @Test func anUnknownParameterAndAMissingOneAreBothProblems() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let line = try copy.replace(" WHERE S.PATIENT_ID = :patient_id\n   AND S.STATUS = 'visited'\n ORDER BY",
                                    with: " WHERE S.PATIENT_ID = :patient\n   AND S.STATUS = 'visited'\n ORDER BY")
        let nameLine = try copy.line(of: "-- name: last_visit")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.map(\.description) == [
            "statements.sql:\(nameLine): last_visit does not use :patient_id; the contract needs it used",
            "statements.sql:\(line): last_visit uses :patient, which MisLink does not give (it gives :patient_id)",
        ])
    }

    @Test func whatTheDatabaseRefusesIsQuotedAtTheLineFirebirdNames() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        try copy.replace("SV.NAME AS SERVICE_NAME", with: "SV.TITLE AS SERVICE_NAME")
        let line = try copy.line(of: "SV.TITLE AS SERVICE_NAME")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.count == 1)
        let problem = try #require(report.problems.first)
        #expect(problem.line == line)
        #expect(problem.statement == "last_visit")
        #expect(problem.message.hasPrefix("last_visit: the database says: "))
        #expect(problem.message.contains("Column unknown; SV.TITLE"))
        #expect(report.statements.first { $0.statement == "last_visit" }?.status == .failed)
    }

    @Test func ddlIsRefusedAndNotRun() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        try copy.replace(
            "SELECT V.ID AS SERVICE_ID, V.NAME AS NAME, V.DURATION_MIN AS MINUTES\n  FROM SERVICES V\n WHERE V.ID = :service_id;",
            with: "ALTER TABLE SERVICES ADD PROBE_COLUMN INTEGER;")
        let nameLine = try copy.line(of: "-- name: service_get")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.map(\.description) == [
            "statements.sql:\(nameLine): service_get does not use :service_id; the contract needs it used",
            "statements.sql:\(nameLine): service_get is a DDL statement; statements.sql holds SELECT, INSERT, UPDATE, DELETE, "
                + "MERGE and EXECUTE PROCEDURE only (DDL and grants go in migrations/)",
        ])
        let attachment = try ProfileFixture.attach()
        defer { try? attachment.close() }
        let probe = "SELECT COUNT(*) FROM RDB$RELATION_FIELDS WHERE RDB$RELATION_NAME = 'SERVICES' AND RDB$FIELD_NAME = 'PROBE_COLUMN'"
        #expect(try attachment.query(FirebirdQuery(unsafeSQL: probe)).first?.decode(Int.self, at: 0) == 0)
    }

    @Test func aBadManifestKeyStopsTheCheckWithItsLine() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let line = try copy.replace(#""booking": "procedure""#, with: #""bookings": "procedure""#, in: MISProfile.manifestFile)
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.description.hasPrefix("profile.json:\(line): unknown key \"bookings\" (known here:") == true)
        #expect(report.statements.isEmpty)
        #expect(!report.isClean)
    }

    @Test func aManifestColumnTheDatabaseLacksIsNamed() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let phones = try copy.replace(#""PHONE_WORK"]"#, with: #""PHONE_OFFICE"]"#, in: MISProfile.manifestFile)
        let login = try copy.replace(#""chat_login": "STAFF.CHAT_LOGIN""#, with: #""chat_login": "MISLINK_STAFF_MAP""#,
                                     in: MISProfile.manifestFile)
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.map(\.description) == [
            "profile.json:\(phones): patients.phones[0] names PATIENTS.PHONE_OFFICE, which the database does not have",
            "profile.json:\(login): staff.chat_login names the table MISLINK_STAFF_MAP, which the database does not have "
                + "(the profile's migrations create it)",
        ])
    }

    @Test func withoutAppealsTheAppealStatementsAreNotUsedNorRequired() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        try copy.replace(#""appeals": true"#, with: #""appeals": false"#, in: MISProfile.manifestFile)
        let createLine = try copy.line(of: "-- name: appeal_create")
        try copy.replace("-- name: appeal_get", with: "-- name: appeal_get_dropped")
        let report = try ProfileFixture.check(copy.directory)
        #expect(report.problems.isEmpty, "\(report.text())")
        #expect(report.warnings.contains { $0.description == "statements.sql:\(createLine): appeal_create is not used: profile.json says \"appeals\": false" })
        let appeals = report.statements.filter { $0.statement.hasPrefix("appeal_") }
        #expect(appeals.count == 6)
        #expect(appeals.allSatisfy { $0.status == .unused })
    }

    @Test func aStatementFileWithADuplicateReportsItWhereItIs() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let text = try copy.text(MISProfile.statementsFile)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        try copy.write(MISProfile.statementsFile, text + "\n-- name: staff_get\nSELECT 1 AS STAFF_ID FROM RDB$DATABASE WHERE 1 = :staff_id\n")
        let report = try ProfileFixture.check(copy.directory)
        let first = try copy.line(of: "-- name: staff_get")
        #expect(report.problems.map(\.description) == [
            "statements.sql:\(lines + 1): staff_get is written twice (first at line \(first)); MisLink would run the first",
        ])
    }
}
