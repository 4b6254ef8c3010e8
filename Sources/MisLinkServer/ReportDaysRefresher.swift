import Firebird
import Foundation
import Logging
import MisLinkProfiles
import MisLinkReport
import ServiceLifecycle

/// Keeps the appeals report's stored days (`MISLINK_REPORT_DAYS`) current: every `interval` it counts
/// again, from the facts, the days whose facts changed (the change marks V020's triggers leave in the
/// changing transaction), at most a month of them at a time, the latest first. A report reads a marked
/// day from the facts until then, so it is exact either way; the refresh only keeps those days few. The
/// history is counted once by `mislink report rebuild-days`.
public struct ReportDaysRefresher: Service {
    let pool: FirebirdPool
    let days: Result<ReportDays, any Error>
    let interval: Duration
    let logger: Logger

    /// A refresher over the pool's database, counting with the worker's MIS profile and `clinic_time_zone`.
    /// - Parameter interval: between refreshes. Defaults to 60 seconds.
    public init(pool: FirebirdPool, profile: MISProfile, clinicZone: TimeZone?, interval: Duration = .seconds(60),
                logger: Logger = Logger(label: "mislink.report-days")) {
        self.pool = pool
        self.days = Result {
            var builder = try AppealsReportBuilder.load(profile: profile)
            builder.clinicZone = clinicZone
            return ReportDays(builder: builder)
        }
        self.interval = interval
        self.logger = logger
    }

    /// Refreshes every `interval` until graceful shutdown.
    public func run() async throws {
        guard case .success(let days) = days else {
            if case .failure(let error) = days { logger.warning("report days are not refreshed: \(error)") }
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            do {
                let counted = try await pool.withConnection { try await days.refresh(on: $0) }
                if !counted.isEmpty { logger.debug("report days counted again: \(counted.map(\.text).joined(separator: ", "))") }
            } catch {
                logger.warning("the report days' refresh failed: \(error)")
            }
        }
    }
}
