import Synchronization

/// Spaces sends evenly per key (a channel, a mailing): at `rate` per minute, one send every
/// `60 / rate` seconds. A row that comes too early is given the next free slot of all its keys and
/// put back until then (`SendOutcome.deferred`), so it waits without holding a send slot, a claim or
/// anything of another channel; when it comes back at its slot it goes without queueing again.
///
/// The channel limits are per process: two workers each keep their own pace. A mailing's own rate is
/// shared by every worker through `MISLINK_MAILINGS.NEXT_SLOT_AT` (see
/// ``OutboundDispatcher/reserveMailingSlot(_:perMinute:)``); this limiter only remembers the slots given.
final class RateLimiter: Sendable {
    /// A key and its rate per minute (0 or less: no limit).
    struct Limit: Sendable {
        var key: String
        var perMinute: Int
    }

    private struct State {
        /// The earliest the next send of each key may go.
        var nextFree: [String: ContinuousClock.Instant] = [:]
        /// Slots given to rows that were put back, by outbox id.
        var granted: [Int64: ContinuousClock.Instant] = [:]
        /// When the last row of each key was let go: rows that come back late together (a loaded
        /// machine's wake-ups) still go one interval apart.
        var lastGone: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())
    /// How early a row may come back for its slot and still go (timers and wake-ups are not exact).
    let tolerance: Duration

    init(tolerance: Duration = .milliseconds(60)) {
        self.tolerance = tolerance
    }

    /// `nil` when row `id` may be sent now (its slot is taken); else how long it must wait.
    func admit(_ id: Int64, limits: [Limit], now: ContinuousClock.Instant = .now) -> Duration? {
        let active = limits.filter { $0.perMinute > 0 }
        return state.withLock { state in
            // The earliest the keys' last sends allow.
            var spaced = now
            for limit in active {
                if let gone = state.lastGone[limit.key] { spaced = max(spaced, gone + Self.interval(limit.perMinute)) }
            }
            if let slot = state.granted[id] {
                if slot > now + tolerance { return slot - now }
                guard spaced > now + tolerance else {
                    state.granted[id] = nil
                    for limit in active { state.lastGone[limit.key] = now }
                    return nil
                }
                // Its slot has come, but another row went less than an interval ago: the next one after it.
                state.granted[id] = spaced
                for limit in active {
                    state.nextFree[limit.key] = max(state.nextFree[limit.key] ?? now, spaced + Self.interval(limit.perMinute))
                }
                return spaced - now
            }
            guard !active.isEmpty else { return nil }
            var slot = spaced
            for limit in active { slot = max(slot, state.nextFree[limit.key] ?? now) }
            for limit in active { state.nextFree[limit.key] = slot + Self.interval(limit.perMinute) }
            if slot <= now + tolerance {
                for limit in active { state.lastGone[limit.key] = now }
                return nil
            }
            state.granted[id] = slot
            // Forget slots of rows that never came back (taken over by another worker, cancelled).
            if state.granted.count > 10_000 { state.granted = state.granted.filter { $0.value > now - .seconds(3600) } }
            return slot - now
        }
    }

    /// Whether row `id` was given a slot that has come (and takes it).
    func holdsSlot(_ id: Int64, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard let slot = state.granted[id], slot <= now + tolerance else { return false }
            state.granted[id] = nil
            return true
        }
    }

    /// Records that row `id` was given a slot `wait` from now (by the mailing's shared pace).
    func grant(_ id: Int64, after wait: Duration, now: ContinuousClock.Instant = .now) {
        state.withLock { $0.granted[id] = now + wait }
    }

    static func interval(_ perMinute: Int) -> Duration {
        .nanoseconds(Int64(60_000_000_000 / Double(max(perMinute, 1))))
    }
}
