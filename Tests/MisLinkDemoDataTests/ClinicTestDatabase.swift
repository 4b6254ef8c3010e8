import Firebird
import Foundation
import Testing

@testable import MisLinkDemoData

/// Temporary clinic databases made the way a DBA makes them: `isql-fb` creates a WIN1251 database and
/// runs `SQL/clinic-schema.sql` on it. Embedded files in `FIREBIRD_TEST_DIR` (default /tmp/mislink-tests).
/// These tests fail, never skip, when Firebird or isql-fb is missing.
enum ClinicTestDatabase {
    static let directory: String = {
        let path = ProcessInfo.processInfo.environment["FIREBIRD_TEST_DIR"] ?? "/tmp/mislink-tests"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o1777)
        return path
    }()

    /// `SQL/clinic-schema.sql` of this checkout.
    static let schemaPath: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SQL/clinic-schema.sql").path

    /// The fixed "today" of the tests, so dates do not depend on when they run.
    static let today = FirebirdDate(year: 2025, month: 3, day: 14)

    /// Creates a fresh clinic database file and returns its path.
    static func create(_ label: String = "demo") throws -> String {
        let path = "\(directory)/\(label)-\(UUID().uuidString.prefix(8)).fdb"
        try isql(input: "CREATE DATABASE '\(path)' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;\n", arguments: ["-q", "-u", "SYSDBA"])
        try isql(input: nil, arguments: ["-q", "-bail", "-u", "SYSDBA", "-i", schemaPath, path])
        return path
    }

    /// Runs isql-fb; throws with its output when it fails or prints an error.
    static func isql(input: String?, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["isql-fb"] + arguments
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 || text.contains("Statement failed") {
            throw DemoDataError(message: "isql-fb \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }

    /// Opens an embedded attachment (connection charset UTF8).
    static func open(_ path: String) throws -> FirebirdAttachment {
        try FirebirdAttachment.open(FirebirdConfiguration(database: path, user: "SYSDBA"))
    }

    /// Runs the generator on `path` and returns its summary.
    @discardableResult
    static func generate(_ path: String, _ options: DemoDataOptions) throws -> DemoDataSummary {
        let attachment = try open(path)
        defer { try? attachment.close() }
        return try DemoDataGenerator(options: options).run(on: attachment)
    }

    /// The options the tests use: a fixed date, a small staff, a visit history for most patients.
    static func options(patients: Int = 2_000, seed: UInt64 = 42) -> DemoDataOptions {
        DemoDataOptions(
            patients: patients, seed: seed, staff: 30, visitsPerPatient: 1.5, historyShare: 0.6, today: today,
            commitEvery: 700, batchSize: 250)
    }

    /// Every row of `sql`, each column as text ("NULL" for NULL), in its own read-only transaction.
    static func rows(_ attachment: FirebirdAttachment, _ sql: String) throws -> [[String?]] {
        try attachment.query(FirebirdQuery(unsafeSQL: sql)).map { row in
            row.values.map { $0.isNull ? nil : $0.description }
        }
    }

    /// The one integer `sql` selects.
    static func count(_ attachment: FirebirdAttachment, _ sql: String) throws -> Int {
        try attachment.inTransaction(.readOnly) {
            try attachment.queryValue(FirebirdQuery(unsafeSQL: sql), as: Int.self, in: $0) ?? -1
        }
    }

    /// Drops the database file.
    static func drop(_ path: String) {
        if let attachment = try? open(path) { try? attachment.drop() }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// One generated database shared by the read-only checks (2,000 patients, seed 42).
final class SharedDemoDatabase: Sendable {
    let path: String
    let summary: DemoDataSummary

    private static let made: Result<SharedDemoDatabase, any Error> = Result {
        let path = try ClinicTestDatabase.create("shared")
        let summary = try ClinicTestDatabase.generate(path, ClinicTestDatabase.options())
        return SharedDemoDatabase(path: path, summary: summary)
    }

    /// The database, made on first use.
    static func get() throws -> SharedDemoDatabase { try made.get() }

    private init(path: String, summary: DemoDataSummary) {
        self.path = path
        self.summary = summary
    }
}
