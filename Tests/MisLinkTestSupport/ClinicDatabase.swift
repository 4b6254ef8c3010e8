import Firebird
import FirebirdMigrations
import Foundation

/// Databases for the runner's tests, made the way a DBA makes them: `isql-fb` with SQL/clinic-schema.sql.
public enum ClinicDatabase {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let shippedMigrations = repository.appendingPathComponent("Migrations")

    public static let directory: String = {
        let path = ProcessInfo.processInfo.environment["FIREBIRD_TEST_DIR"] ?? "/tmp/mislink-tests"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o1777)
        return path
    }()

    /// A new WIN1251 database file holding the reference clinic schema; returns its path.
    public static func create(_ label: String = "mig") throws -> String {
        let path = "\(directory)/\(label)-\(UUID().uuidString.prefix(8)).fdb"
        try isql(input: "CREATE DATABASE '\(path)' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;\n")
        try isql(["-bail", "-i", repository.appendingPathComponent("SQL/clinic-schema.sql").path, path])
        chmod(path, 0o666)
        return path
    }

    /// A new clinic database with MisLink's shipped migrations applied by the runner; returns its path.
    public static func createMigrated(_ label: String = "app") throws -> String {
        let path = try create(label)
        let migrator = Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(directory: shippedMigrations))
        defer { try? migrator.attachment.close() }
        try migrator.up()
        return path
    }

    /// Runs isql-fb (embedded, as SYSDBA) and returns what it printed; throws when it fails.
    @discardableResult
    public static func isql(_ arguments: [String] = [], input: String? = nil) throws -> String {
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

    public struct IsqlFailure: Error, CustomStringConvertible {
        public var arguments: [String]
        public var output: String
        public var description: String { "isql-fb \(arguments.joined(separator: " ")) failed:\n\(output)" }
    }

    /// The metadata as `isql-fb -x` extracts it, without the lines that name the file.
    public static func extract(_ path: String) throws -> String {
        try isql(["-ch", "UTF8", "-x", path]).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains(path) }.joined(separator: "\n")
    }

    /// Runs an isql script file against a database the way the dry-run header tells a DBA to.
    public static func runScript(_ script: String, on path: String) throws {
        let file = "\(directory)/script-\(UUID().uuidString.prefix(8)).sql"
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        try isql(["-ch", "UTF8", "-bail", "-i", file, path])
    }

    public static func drop(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A temporary folder of migration files.
    public static func migrations(_ files: [String: String]) throws -> URL {
        let url = URL(fileURLWithPath: "\(directory)/migrations-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        return url
    }
}

/// Runs gbak (backup `-b` or restore `-c`) as SYSDBA, embedded.
public func runGbak(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/gbak")
    process.arguments = arguments + ["-user", "SYSDBA"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
        throw ClinicDatabase.IsqlFailure(arguments: ["gbak"] + arguments, output: String(decoding: output, as: UTF8.self))
    }
}
