import Firebird
import Foundation
import Logging
import MisLinkSettings

/// What the worker checks before it takes events: the settings make sense, MisLink's migrations are
/// applied, and `MISLINK_UTC_NOW()` really gives UTC.
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
        let rows: [Row]
        do {
            rows = try await connection.query(FirebirdQuery(
                unsafeSQL: """
                    SELECT CAST(VAL AS INTEGER), DATEDIFF(SECOND FROM CAST(? AS TIMESTAMP) TO CURRENT_TIMESTAMP)
                    FROM MISLINK_SETTINGS WHERE NAME = 'db.utc_offset_minutes'
                    """,
                bindings: [.timestamp(FirebirdTimestamp(Date(), in: .utc))]))
        } catch {
            throw WorkerError("MisLink's tables are missing in \(configuration.dsn): run `mislink migrate up` first (\(error))")
        }
        guard let row = rows.first else { return }
        let configured = try row.decode(Int.self, at: 0)
        let measured = try row.decode(Int.self, at: 1)
        // Round to the quarter hour: the clocks may differ by seconds.
        let actual = Int((Double(measured) / 900).rounded()) * 15
        if actual != configured, fixUTCOffset {
            try await connection.execute(FirebirdQuery(
                unsafeSQL: "UPDATE MISLINK_SETTINGS SET VAL = ? WHERE NAME = 'db.utc_offset_minutes'",
                bindings: [.text(String(actual))]))
            logger.notice("db.utc_offset_minutes set to \(actual) (this machine's clock) in the demo database")
        } else if actual != configured {
            logger.warning(
                """
                db.utc_offset_minutes is \(configured) but the database server's clock is UTC\(actual >= 0 ? "+" : "")\(actual) min: \
                times MisLink writes would be off by \(actual - configured) min. Fix it with \
                UPDATE MISLINK_SETTINGS SET VAL = '\(actual)' WHERE NAME = 'db.utc_offset_minutes'
                """)
        }
    }
}
