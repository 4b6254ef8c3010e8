import Firebird
import FirebirdMigrations
import Foundation
import Logging
import MisLinkProfiles
import MisLinkSettings
import MisLinkStore

/// What the worker checks before it takes events: the settings make sense, the engine is Firebird 3 or
/// later (its version and ODS are logged), MisLink's migrations are
/// applied (a warning names the core's and the MIS profile's pending versions), and `MISLINK_UTC_NOW()`
/// really gives UTC.
///
/// A database that does not answer is not fatal (events go to the spool until it does); a missing
/// schema is (nothing could ever be applied).
struct StartupChecks {
    let configuration: FirebirdConfiguration
    let settings: MisLinkSettings
    let logger: Logger
    /// Set db.utc_offset_minutes to the measured offset instead of warning (the demo database only).
    var fixUTCOffset = false

    func run() async throws {
        _ = try settings.timeZone
        _ = try settings.listenAddress
        if settings.mango.apiKey.isEmpty || settings.mango.apiSalt.isEmpty {
            logger.warning("mango.api_key / mango.api_salt are not set: PBX webhooks will be refused with 401")
        }
        if settings.api.tokens.isEmpty {
            logger.warning("api.tokens is empty: the REST API refuses every request with 401")
        }
        let connection: FirebirdConnection
        do { connection = try await FirebirdConnection.connect(configuration) } catch {
            logger.error("the database \(configuration.dsn) does not answer (\(error)); events will be spooled until it does")
            return
        }
        defer { Task { try? await connection.close() } }
        // Know the engine: its version and the database's ODS in the log, and Firebird 2.5 refused by name.
        if let server = try? await connection.serverInfo() {
            logger.notice("database engine: \(server)")
            do { try FirebirdEngineSupport.check(server) } catch { throw WorkerError("\(error)") }
        }
        let offset: (configuredMinutes: Int, serverAheadSeconds: Int)?
        do {
            offset = try await connection.withTransaction { try Settings.utcOffset(now: Date(), in: $0) }
        } catch {
            throw WorkerError("MisLink's tables are missing in \(configuration.dsn): run `mislink migrate up` first (\(error))")
        }
        await warnAboutPendingMigrations(connection)
        guard let (configured, measured) = offset else { return }
        // Round to the quarter hour: the clocks may differ by seconds.
        let actual = Int((Double(measured) / 900).rounded()) * 15
        if actual != configured, fixUTCOffset {
            try await connection.withTransaction { try Settings.setUTCOffset(minutes: actual, in: $0) }
            logger.notice("db.utc_offset_minutes set to \(actual) (this machine's clock) in the demo database")
        } else if actual != configured {
            logger.warning(
                """
                db.utc_offset_minutes is \(configured) but the database server's clock is UTC\(actual >= 0 ? "+" : "")\(actual) min: \
                times MisLink writes would be off by \(actual - configured) min. Fix it with \
                \(Settings.utcOffsetFix(minutes: actual))
                """)
        }
    }

    /// Logs a warning naming the pending versions of the core's migrations and of the `mis.profile`
    /// profile's `migrations/` (as `<profile>:<version>`); silent when the scripts cannot be found.
    func warnAboutPendingMigrations(_ connection: FirebirdConnection) async {
        guard let directory = MigrationSource.defaultDirectory(), let core = try? MigrationSource(directory: directory)
        else { return }
        let profile = (try? MISProfile.resolve(settings.mis.profile)).flatMap { folder -> MigrationSource? in
            let name = (try? MISProfile(directory: folder).name) ?? folder.lastPathComponent
            return try? MigrationSource(directory: folder.appendingPathComponent("migrations"), namespace: name)
        }
        let statuses = try? await connection.withAttachment { attachment in
            let migrator = Migrator(attachment: attachment, source: profile ?? core, requires: profile == nil ? nil : core)
            return [try migrator.requiredStatus(), try migrator.status()].compactMap { $0 }
        }
        let pending = (statuses ?? []).flatMap { status in status.pending.map { v in status.namespace.map { "\($0):\(v)" } ?? v } }
        if !pending.isEmpty {
            let option = profile.map { " --profile \($0.namespace!)" } ?? ""
            logger.warning(
                "migrations pending in \(configuration.dsn): \(pending.joined(separator: ", ")); run `mislink migrate up\(option)`")
        }
    }
}
