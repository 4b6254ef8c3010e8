import Firebird
import FirebirdMigrations
import Foundation
import Testing

/// Databases for the runner's tests, made the way a DBA makes them: `isql-fb` with SQL/clinic-schema.sql.
enum ClinicDatabase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shippedMigrations = repository.appendingPathComponent("Migrations")

    static let directory: String = {
        let path = ProcessInfo.processInfo.environment["FIREBIRD_TEST_DIR"] ?? "/tmp/mislink-tests"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o1777)
        return path
    }()

    /// A new WIN1251 database file holding the reference clinic schema; returns its path.
    static func create(_ label: String = "mig") throws -> String {
        let path = "\(directory)/\(label)-\(UUID().uuidString.prefix(8)).fdb"
        try isql(input: "CREATE DATABASE '\(path)' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;\n")
        try isql(["-bail", "-i", repository.appendingPathComponent("SQL/clinic-schema.sql").path, path])
        chmod(path, 0o666)
        return path
    }

    /// Runs isql-fb (embedded, as SYSDBA) and returns what it printed; throws when it fails.
    @discardableResult
    static func isql(_ arguments: [String] = [], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/isql-fb")
        process.arguments = ["-q", "-u", "SYSDBA"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ISC_PASSWORD"] = nil
        process.environment = environment
        let output = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if process.terminationStatus != 0 {
            throw IsqlFailure(arguments: arguments, output: text)
        }
        return text
    }

    struct IsqlFailure: Error, CustomStringConvertible {
        var arguments: [String]
        var output: String
        var description: String { "isql-fb \(arguments.joined(separator: " ")) failed:\n\(output)" }
    }

    /// The metadata as `isql-fb -x` extracts it, without the lines that name the file.
    static func extract(_ path: String) throws -> String {
        try isql(["-ch", "UTF8", "-x", path]).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains(path) }.joined(separator: "\n")
    }

    /// Runs an isql script file against a database the way the dry-run header tells a DBA to.
    static func runScript(_ script: String, on path: String) throws {
        let file = "\(directory)/script-\(UUID().uuidString.prefix(8)).sql"
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        try isql(["-ch", "UTF8", "-bail", "-i", file, path])
    }

    static func drop(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A temporary folder of migration files.
    static func migrations(_ files: [String: String]) throws -> URL {
        let url = URL(fileURLWithPath: "\(directory)/migrations-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        return url
    }

    /// A migrator over a new embedded attachment.
    static func migrator(_ path: String, _ folder: URL, force: Bool = false, events: (@Sendable (MigrationEvent) -> Void)? = nil)
        throws -> Migrator
    {
        Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(directory: folder), options: .init(force: force, onEvent: events))
    }
}

/// Expects `body` to throw a ``MigrationError`` matching `matches`, and returns it.
@discardableResult
func expectMigrationError<R>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R, where matches: (MigrationError) -> Bool
) -> MigrationError? {
    do {
        _ = try body()
        Issue.record("expected a MigrationError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MigrationError {
        #expect(matches(error), "unexpected: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a MigrationError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
