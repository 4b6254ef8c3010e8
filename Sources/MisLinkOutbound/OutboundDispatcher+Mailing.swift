import Firebird
import Foundation
import MisLinkStore

extension OutboundDispatcher {
    /// Why a claimed row must not go now, or `nil` to send it. Only mailing rows are held back:
    /// - the mailing was cancelled: the row is cancelled;
    /// - the clinic's clock is outside the mailing's send window: the row waits (without using an
    ///   attempt) until the window next opens;
    /// - the channel's `outbound.rate_per_minute` or the mailing's `RATE_PER_MINUTE` has no free slot:
    ///   the row waits for the slot it was given (``RateLimiter``), holding nothing meanwhile.
    func holdBack(_ row: OutboxRow) async -> SendOutcome? {
        guard row.source == .mailing, let batch = row.batchId, let mailingId = Int64(batch) else { return nil }
        let pace: (status: MailingStatus, window: SendWindow?, rate: Int, now: Date)?
        do {
            pace = try await database.withTransaction(.read) { tx in
                let now = try DatabaseClock.now(in: tx).date(in: DatabaseClock.utc)
                guard let mailing = try Mailings.pace(mailingId, in: tx) else { return nil }
                return (mailing.status, try? SendWindow(start: mailing.windowStart, end: mailing.windowEnd), mailing.ratePerMinute, now)
            }
        } catch {
            return .deferred(error: "could not read mailing \(mailingId): \(error)", after: .seconds(5))
        }
        guard let pace else { return nil }  // the mailing row is gone (U010): send as a plain row
        if pace.status == .cancelled { return .cancelled(error: "mailing cancelled") }
        if let window = pace.window {
            let opening = window.nextOpening(atOrAfter: pace.now, in: clinicZone)
            if opening > pace.now {
                let wait = Duration.milliseconds(Int64(opening.timeIntervalSince(pace.now) * 1000))
                return .deferred(error: "waiting for the send window \(window)", after: wait, until: opening)
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
                return try await database.withTransaction(.claim) { tx in
                    let now = try DatabaseClock.now(in: tx)
                    let previous = try Mailings.takeSlot(mailingId, intervalMilliseconds: interval, now: now, in: tx)
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
