import Firebird
import Foundation
import Logging
import MisLinkSettings
import ServiceLifecycle

/// Closes calls the PBX never finished: no event for `telephony.stuck_call_minutes` and no summary
/// (a lost `events/summary`, reference A.7 pitfall 5). The call is ended as of its last event, judged
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
        let cutoff = FirebirdTimestamp(Date().addingTimeInterval(-settings.stuckCallMinutes * 60), in: .utc)
        let now = FirebirdTimestamp(Date(), in: .utc)
        return try await pool.withTransaction { transaction in
            // Firebird 3 returns one row at most from UPDATE … RETURNING: find the calls, then close each.
            let stuck = try transaction.attachment.query(FirebirdQuery(
                unsafeSQL: "SELECT FIRST 1000 ID FROM MISLINK_CALLS WHERE STATE <> 'ended' AND UPDATED_AT < ?",
                bindings: [.timestamp(cutoff)]), in: transaction).map { try $0.decode(Int64.self, at: 0) }
            for id in stuck {
                _ = try transaction.attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        UPDATE MISLINK_CALLS SET STATE = 'ended', CLOSED_BY = 'sweep', UPDATED_AT = ?,
                            ENDED_AT = COALESCE(ENDED_AT, UPDATED_AT),
                            RESULT = COALESCE(RESULT, TRIM(CASE WHEN ANSWERED_AT IS NOT NULL THEN 'answered'
                                WHEN DIRECTION = 'out' THEN 'not_reached' ELSE 'missed' END))
                        WHERE ID = ? AND STATE <> 'ended'
                        """, bindings: [.timestamp(now), .bigint(id)]), in: transaction)
                _ = try transaction.attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        UPDATE MISLINK_CALL_CARDS SET STATE = CASE WHEN STATE = 'shown' THEN 'closed' ELSE STATE END,
                            CLOSED_AT = COALESCE(CLOSED_AT, ?), UPDATED_AT = ?
                        WHERE CALL_ID = ? AND CLOSED_AT IS NULL
                        """, bindings: [.timestamp(now), .timestamp(now), .bigint(id)]), in: transaction)
            }
            return stuck.count
        }
    }
}
