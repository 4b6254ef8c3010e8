import Firebird
import FirebirdMigrations
import Foundation

/// Databases for the tests, made the way a DBA makes them: `isql-fb` with SQL/clinic-schema.sql (or a
/// shipped profile's schema and demo data), then the runner with the core's and the profile's migrations.
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

    /// The folder of a shipped MIS profile (`SQL/profiles/<name>`).
    public static func profileDirectory(_ profile: String) -> URL {
        repository.appendingPathComponent("SQL/profiles").appendingPathComponent(profile)
    }

    /// The scripts that build a profile's MIS: the reference's `SQL/clinic-schema.sql`, another
    /// profile's `schema.sql` then `demo-data.sql`.
    public static func misScripts(profile: String) -> [URL] {
        if profile == "reference" { return [repository.appendingPathComponent("SQL/clinic-schema.sql")] }
        let folder = profileDirectory(profile)
        return ["schema.sql", "demo-data.sql"].map { folder.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// A new WIN1251 database file holding the MIS of `profile` (the reference clinic schema by
    /// default; `medbase`: its schema and demo data), made with isql-fb; returns its path.
    public static func create(_ label: String = "mig", profile: String = "reference") throws -> String {
        let path = "\(directory)/\(label)-\(UUID().uuidString.prefix(8)).fdb"
        try isql(input: "CREATE DATABASE '\(path)' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;\n")
        for script in misScripts(profile: profile) { try isql(["-bail", "-i", script.path, path]) }
        chmod(path, 0o666)
        return path
    }

    /// A runner over `path` for MisLink's core migrations then `profile`'s (`SQL/profiles/<profile>/migrations`).
    public static func profileMigrator(_ path: String, profile: String = "reference") throws -> Migrator {
        Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(
                directory: profileDirectory(profile).appendingPathComponent("migrations"), namespace: profile),
            requires: try MigrationSource(directory: shippedMigrations))
    }

    /// A new database holding `profile`'s MIS with MisLink's core migrations and the profile's applied
    /// by the runner; returns its path.
    public static func createMigrated(_ label: String = "app", profile: String = "reference") throws -> String {
        let path = try create(label, profile: profile)
        let migrator = try profileMigrator(path, profile: profile)
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
        public init(arguments: [String], output: String) {
            self.arguments = arguments
            self.output = output
        }
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

    /// Puts a test database out of the way: moved into `dropped/` of the test folder, not deleted, so its
    /// inode is not given to a database made later in the run. Firebird knows an open database by its
    /// file's identity (device and inode), and an embedded engine still closing a deleted file (Firebird 5
    /// closes in the background) refuses a new file that reuses its inode as "already opened with engine
    /// instance, incompatible with current". The folder goes with the test folder.
    public static func drop(_ path: String) {
        let dropped = "\(directory)/dropped"
        try? FileManager.default.createDirectory(atPath: dropped, withIntermediateDirectories: true)
        let target = "\(dropped)/\(UUID().uuidString.prefix(8))-\(URL(fileURLWithPath: path).lastPathComponent)"
        if (try? FileManager.default.moveItem(atPath: path, toPath: target)) == nil {
            try? FileManager.default.removeItem(atPath: path)
        }
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
