import Firebird
import Foundation
import Logging
import MisLinkSettings
import MisLinkStore
import ServiceLifecycle

/// Closes calls the PBX never finished: no event for `telephony.stuck_call_minutes` and no summary
/// (a lost `events/summary`). The call is ended as of its last event, judged
/// from what is known (answered if someone talked; otherwise missed inbound, not reached outbound),
/// marked `CLOSED_BY = 'sweep'`, and its cards still shown are closed. Reconciliation with
/// `stats/request` can still correct it later.
public struct CallSweeper: Service {
    let pool: FirebirdPool
    let settings: MisLinkSettings.Telephony
    let logger: Logger

    /// Makes a sweeper over the pool's database.
    public init(pool: FirebirdPool, settings: MisLinkSettings.Telephony, logger: Logger = Logger(label: "mislink.sweep")) {
        self.pool = pool
        self.settings = settings
        self.logger = logger
    }

    /// Sweeps every `telephony.sweep_seconds` until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let closed = try await sweepOnce()
                if closed > 0 { logger.notice("closed \(closed) call(s) stuck without a summary") }
            } catch {
                logger.warning("the stuck-call sweep failed: \(error)")
            }
            let pause = Duration.milliseconds(Int(settings.sweepSeconds * 1000))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }

    /// One sweep; returns the calls it closed.
    public func sweepOnce() async throws -> Int {
        let now = Date()
        let cutoff = now.addingTimeInterval(-settings.stuckCallMinutes * 60)
        return try await pool.withTransaction(.default) { tx in try Calls.closeStuck(updatedBefore: cutoff, now: now, in: tx) }
    }
}
