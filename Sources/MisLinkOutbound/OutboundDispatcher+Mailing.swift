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
        let channelLimit = RateLimiter.Limit(
            key: "channel:\(row.channel)", perMinute: settings.outbound.ratePerMinute.limit(for: row.channel))
        if let wait = limiter.admit(row.id, limits: [channelLimit]) {
            return .deferred(error: "channel rate limit: next slot in \(wait)", after: wait)
        }
        if pace.rate > 0 {
            do {
                let wait = try await reserveMailingSlot(mailingId, perMinute: pace.rate)
                if wait > .zero { return .deferred(error: "mailing rate limit: next slot in \(wait)", after: wait) }
            } catch {
                return .deferred(error: "could not reserve a slot of mailing \(mailingId): \(error)", after: .seconds(1))
            }
        }
        return nil
    }

    /// Takes the mailing's send slot in `MISLINK_MAILINGS.NEXT_SLOT_AT`, which every worker shares, when
    /// it has come (and moves it one interval on): returns zero. When it has not, takes nothing and
    /// returns how long until it; the row is put back until then and competes again (rows are spread
    /// by the rate when queued, so normally one row is due per slot). The one-statement update holds the row's lock only for an instant;
    /// a worker that meets another's lock tries again.
    func reserveMailingSlot(_ mailingId: Int64, perMinute: Int) async throws -> Duration {
        let interval = Int64(60_000 / Double(perMinute))
        for attempt in 0..<50 {
            do {
                return try await database.transaction(.claim) { tx in
                    let now = try DatabaseClock.now(in: tx)
                    let previous = try tx.attachment.query(
                        """
                        UPDATE MISLINK_MAILINGS
                           SET NEXT_SLOT_AT = IIF(NEXT_SLOT_AT IS NULL OR NEXT_SLOT_AT <= DATEADD(MILLISECOND, 20, CAST(\(now) AS TIMESTAMP)),
                                 DATEADD(MILLISECOND, \(interval), IIF(NEXT_SLOT_AT IS NULL OR NEXT_SLOT_AT < CAST(\(now) AS TIMESTAMP), CAST(\(now) AS TIMESTAMP), NEXT_SLOT_AT)),
                                 NEXT_SLOT_AT)
                         WHERE ID = \(mailingId)
                        RETURNING OLD.NEXT_SLOT_AT
                        """, in: tx
                    ).first?.decode(FirebirdTimestamp?.self, at: 0) ?? nil
                    guard let previous, DatabaseClock.adding(.milliseconds(20), to: now) < previous else { return .zero }
                    return DatabaseClock.interval(from: now, to: previous)
                }
            } catch FirebirdError.Code.lockConflict where attempt < 49 {
                try await Task.sleep(for: .milliseconds(5 + attempt))
            }
        }
        return .zero
    }
}
