import Firebird
import Foundation

extension OutboundDispatcher {
    /// Why a claimed row must not go now, or `nil` to send it. Only mailing rows are held back:
    /// - the mailing was cancelled: the row is cancelled;
    /// - the clinic's clock is outside the mailing's send window: the row waits (without using an
    ///   attempt) until the window next opens;
    /// - the channel's `outbound.rate_per_minute` or the mailing's `RATE_PER_MINUTE` has no free slot:
    ///   the row waits for the slot it was given (``RateLimiter``), holding nothing meanwhile.
    func holdBack(_ row: OutboxRow) async -> SendOutcome? {
        guard row.source == "mailing", let batch = row.batchId, let mailingId = Int64(batch) else { return nil }
        let pace: (status: String, window: SendWindow?, rate: Int, now: Date)?
        do {
            pace = try await database.transaction(.read) { tx in
                let now = try DatabaseClock.now(in: tx).date(in: DatabaseClock.utc)
                let rows = try tx.attachment.query(
                    "SELECT STATUS, WINDOW_START, WINDOW_END, RATE_PER_MINUTE FROM MISLINK_MAILINGS WHERE ID = \(mailingId)",
                    in: tx)
                guard let row = rows.first else { return nil }
                let window = try? SendWindow(start: try row.decode(String.self, at: 1), end: try row.decode(String.self, at: 2))
                return (try row.decode(String.self, at: 0), window, try row.decode(Int.self, at: 3), now)
            }
        } catch {
            return .deferred(error: "could not read mailing \(mailingId): \(error)", after: .seconds(5))
        }
        guard let pace else { return nil }  // the mailing row is gone (U010): send as a plain row
        if pace.status == "cancelled" { return .cancelled(error: "mailing cancelled") }
        if let window = pace.window {
            let opening = window.nextOpening(atOrAfter: pace.now, in: clinicZone)
            if opening > pace.now {
                let wait = Duration.milliseconds(Int64(opening.timeIntervalSince(pace.now) * 1000))
                return .deferred(error: "waiting for the send window \(window)", after: wait)
            }
        }
        let limits = [
            RateLimiter.Limit(key: "channel:\(row.channel)", perMinute: settings.outbound.ratePerMinute.limit(for: row.channel)),
            RateLimiter.Limit(key: "mailing:\(mailingId)", perMinute: pace.rate),
        ]
        if let wait = limiter.admit(row.id, limits: limits) {
            return .deferred(error: "rate limit: next slot in \(wait)", after: wait)
        }
        return nil
    }
}
