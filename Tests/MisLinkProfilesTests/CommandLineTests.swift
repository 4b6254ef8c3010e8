import Foundation
import MisLinkTestSupport
import Testing

@testable import MisLinkProfiles

/// `mislink mis check` as a DBA runs it: the built binary, its output and its exit status.
///
/// Serialized, on a database of its own that this process never attaches: an embedded database is
/// opened by one process at a time.
@Suite("mislink mis check on the command line", .serialized)
struct CommandLineTests {
    /// The `mislink` built beside the tests (`swift build --build-tests` builds it).
    static let binary = ClinicDatabase.repository.appendingPathComponent(".build/debug/mislink").path

    private static let shared = Result { try ClinicDatabase.createMigrated("profiles-cli") }

    /// A migrated reference database only the `mislink` processes open.
    static func database() throws -> String { try shared.get() }

    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    static func mislink(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
        let run = try MislinkCommand.run(arguments, environment: extra)
        return Run(status: run.status, output: run.text, errors: run.errors)
    }

    @Test func theReferenceProfileChecksCleanAndExitsZero() throws {
        let run = try Self.mislink(["mis", "check", "--profile", "reference", "--database", try Self.database()])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.output.contains("profile reference ("))
        #expect(run.output.contains("ok      identify_candidates"))
        #expect(run.output.contains("0 problems, 0 warnings. The profile fits."))
    }

    @Test func theProfileComesFromTheEnvironmentWhenNotGiven() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        try copy.replace("-- name: free_slots", with: "-- name: free_slot")
        let run = try Self.mislink(["mis", "check", "--database", try Self.database()],
                                   environment: ["MISLINK_MIS_PROFILE": copy.directory.path])
        #expect(run.status == 1)
        #expect(run.output.contains("MISSING free_slots"))
        #expect(run.output.contains("problem: statements.sql: free_slots is missing"))
    }

    @Test func aBrokenProfileExitsOneAndNamesFileAndLine() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        try copy.replace("AS CHAT_LOGIN", with: "AS LOGIN")
        let line = try copy.line(of: "-- name: staff_chat_logins")
        let run = try Self.mislink(["mis", "check", "--profile", copy.directory.path, "--database", try Self.database()])
        #expect(run.status == 1)
        #expect(run.output.contains("FAILED  staff_chat_logins"))
        #expect(run.output.contains("problem: statements.sql:\(line): staff_chat_logins returns no column CHAT_LOGIN (it returns STAFF_ID, LOGIN;"))
        #expect(run.output.contains("1 problem, 0 warnings. MisLink cannot use this profile until the problems are fixed."))
    }

    @Test func jsonCarriesEachProblemsFileAndLine() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let line = try copy.replace(#""appeals": true"#, with: #""appeals": "yes""#, in: MISProfile.manifestFile)
        let run = try Self.mislink(["mis", "check", "--profile", copy.directory.path, "--database", try Self.database(), "--json"])
        #expect(run.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["file"] as? String == "profile.json")
        #expect(problems.first?["line"] as? Int == line)
        #expect(problems.first?["message"] as? String == "\"appeals\" should be true or false")
        #expect(object["directory"] as? String == copy.directory.path)
    }

    @Test func helpNamesTheCommandAndItsOptions() throws {
        let root = try Self.mislink(["--help"])
        #expect(root.output.contains("  mis ") || root.output.contains("\n  mis\n"), "\(root.output)")
        let help = try Self.mislink(["mis", "check", "--help"])
        #expect(help.status == 0)
        for option in ["--profile <profile>", "--database <database>", "--user <user>", "--json"] {
            #expect(help.output.contains(option), "\(help.output)")
        }
        #expect(help.output.contains("Every problem names its file and line."))
    }

    @Test func anUnknownProfileNameExitsTwoAndSaysWhereItLooked() throws {
        let run = try Self.mislink(["mis", "check", "--profile", "no_such_mis", "--database", try Self.database()])
        #expect(run.status == 2)
        #expect(run.errors.contains("no_such_mis: no MIS profile of that name; looked in"))
        #expect(run.errors.contains("SQL/profiles/no_such_mis"))
    }
}
