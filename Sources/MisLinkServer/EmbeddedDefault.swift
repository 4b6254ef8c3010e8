import Firebird
import FirebirdMigrations
import Foundation
import Logging
import MisLinkDemoData
import MisLinkPatients

/// The database `mislink serve` uses when nothing is configured: an embedded file under the working
/// directory, created the first time from `SQL/clinic-schema.sql` (WIN1251, as legacy MIS databases
/// are), filled with demo data and migrated; on later starts only migrated.
public enum EmbeddedDefault {
    /// Creates the database if the file is missing, then applies pending migrations.
    /// - Parameters:
    ///   - configuration: the embedded database.
    ///   - patients: demo patients to generate on creation (`MISLINK_DEMO_PATIENTS`, default 20,000).
    public static func prepare(_ configuration: FirebirdConfiguration, patients: Int, logger: Logger) async throws {
        let path = configuration.dsn.path
        let migrations = try MigrationSource(directory: try folder(MigrationSource.defaultDirectory(), "the Migrations folder"))
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            let schemaURL = try folder(NamedQueries.defaultURL()?.deletingLastPathComponent(), "the SQL folder")
                .appendingPathComponent("clinic-schema.sql")
            let schema = try String(contentsOf: schemaURL, encoding: .utf8)
            logger.notice("creating the demo MIS database \(path) from \(schemaURL.path)")
            let connection = try await FirebirdConnection.create(configuration, defaultCharset: .win1251)
            try await connection.withAttachment { attachment in
                try Migrator(attachment: attachment, source: migrations).runScript(schema, title: "clinic-schema.sql")
            }
            logger.notice("generating \(patients) demo patients")
            let summary = try await DemoDataGenerator(options: DemoDataOptions(patients: patients)).run(on: connection)
            logger.notice("demo data: \(summary.patients) patients, \(summary.visits) visits")
            try await connection.close()
        }
        let connection = try await FirebirdConnection.connect(configuration)
        let applied = try await connection.withAttachment { attachment in
            try Migrator(attachment: attachment, source: migrations).up()
        }
        for line in applied { logger.notice("\(line)") }
        try await connection.close()
    }

    private static func folder(_ url: URL?, _ what: String) throws -> URL {
        guard let url else { throw WorkerError("\(what) of MisLink was not found (see README: installation)") }
        return url
    }
}

/// A worker start-up failure with a message for the operator.
public struct WorkerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
