import Firebird
import FirebirdMigrations
import Foundation
import Logging
import MisLinkDemoData
import MisLinkPatients
import MisLinkProfiles

/// The database `mislink serve` uses when nothing is configured: an embedded file under the working
/// directory, created the first time from the MIS profile's schema (the reference's
/// `SQL/clinic-schema.sql` with generated demo patients, or another shipped profile's `schema.sql` and
/// `demo-data.sql`), WIN1251 as legacy MIS databases are, then migrated: MisLink's core migrations and
/// the profile's `migrations/`. On later starts only migrated.
public enum EmbeddedDefault {
    /// The profile named by `MISLINK_MIS_PROFILE` (what `mis.profile` reads when no config file is
    /// given), else `reference`.
    public static var environmentProfile: String {
        let name = ProcessInfo.processInfo.environment["MISLINK_MIS_PROFILE"] ?? ""
        return name.isEmpty ? MISProfile.defaultName : name
    }

    /// Creates the database if the file is missing, then applies pending migrations (core, then the profile's).
    /// - Parameters:
    ///   - configuration: the embedded database.
    ///   - patients: demo patients to generate on creation for the reference profile (`MISLINK_DEMO_PATIENTS`,
    ///     default 20,000); other profiles bring their own `demo-data.sql`.
    ///   - profile: the MIS profile (a shipped name or a folder); its schema builds the database.
    public static func prepare(
        _ configuration: FirebirdConfiguration, patients: Int, profile: String = environmentProfile, logger: Logger
    ) async throws {
        let path = configuration.dsn.path
        let core = try MigrationSource(directory: try folder(MigrationSource.defaultDirectory(), "the Migrations folder"))
        let profileFolder: URL
        do { profileFolder = try MISProfile.resolve(profile) } catch {
            throw WorkerError("the MIS profile \(profile) (MISLINK_MIS_PROFILE) was not found: \(error)")
        }
        let name = (try? MISProfile(directory: profileFolder).name) ?? profileFolder.lastPathComponent
        let migrationsFolder = profileFolder.appendingPathComponent("migrations")
        let profileMigrations = FileManager.default.fileExists(atPath: migrationsFolder.path)
            ? try MigrationSource(directory: migrationsFolder, namespace: name) : nil
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            if name == MISProfile.defaultName {
                try await createReference(configuration, core: core, patients: patients, logger: logger)
            } else {
                try await createFromProfile(configuration, folder: profileFolder, name: name, logger: logger)
            }
        }
        let connection = try await FirebirdConnection.connect(configuration)
        let applied = try await connection.withAttachment { attachment in
            let migrator = Migrator(
                attachment: attachment, source: profileMigrations ?? core, requires: profileMigrations == nil ? nil : core)
            let others = Set(try migrator.history().compactMap(\.namespace)).subtracting([name])
            if !others.isEmpty {
                throw WorkerError(
                    """
                    \(path) was made for the MIS profile \(others.sorted().joined(separator: ", ")), not \(name) \
                    (MISLINK_MIS_PROFILE): move the file away to create a new one, or run with that profile
                    """)
            }
            return try migrator.up()
        }
        for line in applied { logger.notice("\(line)") }
        try await connection.close()
    }

    /// The reference MIS: `SQL/clinic-schema.sql` and generated demo patients.
    private static func createReference(
        _ configuration: FirebirdConfiguration, core: MigrationSource, patients: Int, logger: Logger
    ) async throws {
        let schemaURL = try folder(NamedQueries.defaultURL()?.deletingLastPathComponent(), "the SQL folder")
            .appendingPathComponent("clinic-schema.sql")
        let schema = try String(contentsOf: schemaURL, encoding: .utf8)
        logger.notice("creating the demo MIS database \(configuration.dsn.path) from \(schemaURL.path)")
        let connection = try await FirebirdConnection.create(configuration, defaultCharset: .win1251)
        try await connection.withAttachment { attachment in
            try Migrator(attachment: attachment, source: core).runScript(schema, title: "clinic-schema.sql")
        }
        logger.notice("generating \(patients) demo patients")
        let summary = try await DemoDataGenerator(options: DemoDataOptions(patients: patients)).run(on: connection)
        logger.notice("demo data: \(summary.patients) patients, \(summary.visits) visits")
        // The callers the emulator's scenarios ring from, and the operators who sign in to the console.
        try await connection.withAttachment { try DemoShowcase.apply(on: $0) }
        logger.notice("demo callers: the family at \(DemoShowcase.familyNumber), one patient at \(DemoShowcase.singleNumber); console logins operator1, operator2, admin (password \(DemoShowcase.password))")
        try await connection.close()
    }

    /// Another shipped MIS: the profile's `schema.sql` and `demo-data.sql`, run by isql-fb the way its
    /// README tells a DBA (the scripts hold WIN1251 text for `CHARACTER SET NONE` columns, which isql
    /// writes as the MIS's own client did).
    private static func createFromProfile(
        _ configuration: FirebirdConfiguration, folder profileFolder: URL, name: String, logger: Logger
    ) async throws {
        let scripts = ["schema.sql", "demo-data.sql"].map { profileFolder.appendingPathComponent($0) }
        guard FileManager.default.fileExists(atPath: scripts[0].path) else {
            throw WorkerError(
                "the MIS profile \(name) has no schema.sql to build a demo database from; give mislink serve a database (MISLINK_DATABASE)")
        }
        let path = configuration.dsn.path
        logger.notice("creating the demo MIS database \(path) from \(profileFolder.path) (profile \(name))")
        let connection = try await FirebirdConnection.create(configuration, defaultCharset: .win1251)
        try await connection.close()
        for script in scripts where FileManager.default.fileExists(atPath: script.path) {
            try isql(["-q", "-bail", "-u", configuration.user, "-i", script.path, path])
        }
    }

    private static func isql(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/isql-fb")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw WorkerError("isql-fb \(arguments.joined(separator: " ")) failed: \(String(decoding: data, as: UTF8.self))")
        }
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
