import ArgumentParser
import Firebird
import FirebirdMigrations
import Foundation
import MisLinkProfiles

/// `mislink migrate`: applies MisLink's versioned SQL scripts to the MIS database, Flyway-style.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply, check and undo MisLink's SQL migrations.",
        discussion: """
            Scripts are Migrations/V<version>__<description>.sql (undo: U<version>__….sql), each runnable \
            unchanged in isql-fb. The history is kept in MISLINK_SCHEMA_HISTORY in the target database.
            With --profile <name|folder>, the MIS profile's migrations/ folder comes after the core: `up` \
            applies the core's pending scripts, then the profile's (recorded as <name>:<version>); `down`, \
            `baseline` and `repair` work on the profile's; `status`, `validate` and `dry-run` show both.
            """,
        subcommands: [
            MigrateStatus.self, MigrateUp.self, MigrateValidate.self, MigrateBaseline.self, MigrateDryRun.self,
            MigrateDown.self, MigrateRepair.self,
        ])
}

/// Options every `migrate` subcommand shares.
struct MigrationOptions: ParsableArguments {
    @OptionGroup var connection: DatabaseOptions

    @Option(help: "The folder of migration scripts (default: the scripts shipped with MisLink, or MISLINK_MIGRATIONS).")
    var migrations: String?

    @Option(
        help: """
            A MIS profile (a shipped name such as reference or medbase, or a folder) whose migrations/ \
            folder runs after the core's, in the same history.
            """)
    var profile: String?

    @Flag(help: "Print less.") var quiet = false

    /// The runner: over the core's scripts, or with --profile over the profile's (the core required first).
    func makeMigrator(force: Bool = false) throws -> Migrator {
        guard let directory = migrations.map({ URL(fileURLWithPath: $0) }) ?? MigrationSource.defaultDirectory() else {
            throw ValidationError("cannot find MisLink's migration scripts; give --migrations <folder>")
        }
        let core = try MigrationSource(directory: directory)
        let profileSource = try profile.map { try Self.profileSource($0) }
        let configuration = FirebirdConfiguration(database: connection.resolvedDatabase!, user: connection.user)
        let attachment = try FirebirdAttachment.open(configuration)
        let quiet = quiet
        return Migrator(
            attachment: attachment, source: profileSource ?? core, requires: profileSource == nil ? nil : core,
            options: .init(force: force, onEvent: { event in if !quiet { MigrationProgressPrinter.print(event) } }))
    }

    /// The `migrations/` folder of the profile `reference` names, namespaced by the profile's name.
    static func profileSource(_ reference: String) throws -> MigrationSource {
        let folder: URL
        let name: String
        do {
            folder = try MISProfile.resolve(reference)
            name = (try? MISProfile(directory: folder).name) ?? folder.lastPathComponent
        } catch {
            throw ValidationError("\(error)")
        }
        return try MigrationSource(directory: folder.appendingPathComponent("migrations"), namespace: name)
    }

    func version(_ text: String?) throws -> MigrationVersion? {
        guard let text else { return nil }
        guard let version = MigrationVersion(text) else { throw ValidationError("\(text) is not a version (e.g. 003)") }
        return version
    }
}

/// Prints runner events on stderr.
enum MigrationProgressPrinter {
    static func print(_ event: MigrationEvent) {
        let line: String
        switch event {
        case .unitStarted(let title, let statements):
            line = "▶ \(title) (\(statements) statement\(statements == 1 ? "" : "s"))"
        case .statementStarted:
            return
        case .statementRunning(_, let sourceLine, let elapsed, let records):
            var text = "  … line \(sourceLine.map(String.init) ?? "?"): running for \(seconds(elapsed))"
            if let records {
                text += ", \(records.read) records read, \(records.inserted) inserted, \(records.updated) updated"
                if records.deleted > 0 { text += ", \(records.deleted) deleted" }
            }
            line = text
        case .statementFinished(_, _, let elapsed):
            guard elapsed > .seconds(2) else { return }
            line = "  statement done in \(seconds(elapsed))"
        case .unitFinished(let title, let elapsed):
            line = "✓ \(title) in \(seconds(elapsed))"
        case .notice(let text):
            line = "! \(text)"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func seconds(_ duration: Duration) -> String {
        let (s, atto) = duration.components
        return String(format: "%.1f s", Double(s) + Double(atto) / 1e18)
    }
}

/// Wraps runner errors so the command line prints their full message and exits non-zero.
func reportingMigrationErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as MigrationError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

struct MigrateStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show every version: applied, pending, failed, and the checksum state.")
    @OptionGroup var options: MigrationOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let (core, profile) = try reportingMigrationErrors { () throws -> (MigrationStatus, MigrationStatus?) in
            let migrator = try options.makeMigrator()
            if let core = try migrator.requiredStatus() { return (core, try migrator.status()) }
            return (try migrator.status(), nil)
        }
        let all = [core] + [profile].compactMap { $0 }
        if json {
            struct Output: Encodable {
                var migrations: [MigrationStatus.Line]
                var pending: [String]
                var problems: [String]
                var fingerprint: String
                var baselineFingerprint: String?
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let output = Output(
                migrations: all.flatMap(\.lines),
                pending: all.flatMap { status in status.pending.map { v in status.namespace.map { "\($0):\(v)" } ?? v } },
                problems: all.flatMap(\.problems), fingerprint: core.currentFingerprint.description,
                baselineFingerprint: core.recordedFingerprint?.description)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            for (index, status) in all.enumerated() {
                if index > 0 { print("") }
                print(status.table())
                print("\n\(status.pending.count) pending\(status.namespace.map { " in profile \($0)" } ?? "").")
                for problem in status.problems { print("problem: \(problem)") }
            }
        }
    }
}

struct MigrateUp: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Apply the pending migrations.")
    @OptionGroup var options: MigrationOptions
    @Option(help: "Stop after this version.") var to: String?
    @Flag(help: "Go on although other attachments use objects the scripts alter.") var force = false

    func run() throws {
        let applied = try reportingMigrationErrors { try options.makeMigrator(force: force).up(to: try options.version(to)) }
        print(applied.isEmpty ? "The database is up to date." : "Applied: \(applied.joined(separator: ", "))")
    }
}

struct MigrateValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check applied files against their checksums, failures and the baseline.")
    @OptionGroup var options: MigrationOptions

    func run() throws {
        let problems = try reportingMigrationErrors { try options.makeMigrator().validate() }
        if problems.isEmpty {
            print("Valid.")
        } else {
            for problem in problems { print("problem: \(problem)") }
            throw ExitCode(1)
        }
    }
}

struct MigrateBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline", abstract: "Record the database's fingerprint (and a baseline version) in the history.")
    @OptionGroup var options: MigrationOptions
    @Option(help: "Versions up to this one count as applied.") var version = "0"
    @Flag(help: "Record a new fingerprint on a database that has history (e.g. a restored copy).") var force = false

    func run() throws {
        try reportingMigrationErrors {
            try options.makeMigrator().baseline(version: try options.version(version)!, force: force)
        }
        print("Baselined at version \(version).")
    }
}

struct MigrateDryRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dry-run", abstract: "Print, as an isql script, exactly the SQL `up` (or `down`) would execute.")
    @OptionGroup var options: MigrationOptions
    @Option(help: "Stop after this version (with --down: undo down to this version).") var to: String?
    @Flag(help: "Print the undo plan of `down --to` instead.") var down = false
    @Option(name: .shortAndLong, help: "Write the script to this file instead of standard output.") var output: String?

    func run() throws {
        if down && to == nil { throw ValidationError("--down needs --to <version>") }
        let script = try reportingMigrationErrors {
            try options.makeMigrator().dryRun(to: try options.version(to), down: down)
        }
        if let output {
            try Data(script.utf8).write(to: URL(fileURLWithPath: output))
        } else {
            print(script, terminator: "")
        }
    }
}

struct MigrateDown: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down", abstract: "Run undo scripts, newest first, until `--to` is the latest applied version.")
    @OptionGroup var options: MigrationOptions
    @Option(help: "The version to return to (0 undoes everything).") var to: String
    @Flag(help: "Go on although other attachments use objects the undo scripts alter.") var force = false

    func run() throws {
        let undone = try reportingMigrationErrors {
            try options.makeMigrator(force: force).down(to: try options.version(to)!)
        }
        print(undone.isEmpty ? "Nothing to undo." : "Undone: \(undone.joined(separator: ", "))")
    }
}

struct MigrateRepair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair", abstract: "Clear recorded failures and accept edited checksums, after the DBA fixed the database.")
    @OptionGroup var options: MigrationOptions

    func run() throws {
        let result = try reportingMigrationErrors { try options.makeMigrator().repair() }
        for failure in result.removedFailures { print("removed the failed run of \(failure)") }
        for version in result.realignedChecksums { print("accepted the edited file of \(version)") }
        if result.removedFailures.isEmpty && result.realignedChecksums.isEmpty { print("Nothing to repair.") }
    }
}
