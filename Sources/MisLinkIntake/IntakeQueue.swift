import Dispatch
import Synchronization

/// The events submitted to the intake and not yet taken by a lane, shared by every lane.
///
/// Each object (the call's `entry_id`, the thread; an event without one is its own object) has a home
/// lane, by a hash of it. A lane that is free takes the oldest events of its own objects, so under load
/// the lanes share the work as evenly as the objects do; when it has none, it takes the oldest events
/// of other lanes' objects that no lane is writing. A lane holds the objects of its batch until the
/// batch is committed or spooled. So one object's events are written in the order they came, by one
/// lane at a time, and an event does not wait behind a busy or stuck lane while another lane is idle.
final class IntakeQueue: Sendable {
    struct Pending {
        var event: InboundEvent
        var continuation: CheckedContinuation<IntakeOutcome, any Error>
        /// When it was submitted (`DispatchTime` nanoseconds), for the inbox lag.
        var submitted = DispatchTime.now().uptimeNanoseconds
        /// What the event is about: events of one object are written in order, one lane at a time.
        let object: String
        /// The object's home lane.
        let home: Int
    }

    private struct State {
        var pending: [Pending] = []
        /// Objects a lane is writing now, and which lane.
        var holders: [String: Int] = [:]
        /// Lanes waiting for work.
        var idle: [Int: CheckedContinuation<Void, Never>] = [:]

        func canTake(_ pending: Pending, lane: Int) -> Bool {
            guard let holder = holders[pending.object] else { return true }
            return holder == lane
        }

        mutating func wakeAll() -> [CheckedContinuation<Void, Never>] {
            defer { idle.removeAll() }
            return Array(idle.values)
        }
    }

    private let state = Mutex(State())
    private let lanes: Int

    /// A queue for `lanes` lanes, numbered from 0.
    init(lanes: Int) { self.lanes = max(1, lanes) }

    /// The home lane of an object: a hash of it, so one object always has the same one.
    static func home(of object: String, lanes: Int) -> Int {
        guard lanes > 1 else { return 0 }
        var hash: UInt32 = 2_166_136_261
        for byte in object.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % UInt32(lanes))
    }

    /// Events submitted and not yet taken by a lane.
    var count: Int { state.withLock { $0.pending.count } }

    /// When the oldest event waiting was submitted (for the inbox lag).
    var oldestSubmitted: UInt64? { state.withLock { $0.pending.first?.submitted } }

    /// Adds an event and wakes its home lane if idle, else another idle lane, when one can take it.
    func enqueue(_ event: InboundEvent, continuation: CheckedContinuation<IntakeOutcome, any Error>) {
        let object = event.objectID ?? event.deliveryKey
        let pending = Pending(event: event, continuation: continuation, object: object,
                              home: Self.home(of: object, lanes: lanes))
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending.append(pending)
            // An object a lane holds is taken by that lane once its batch is done.
            guard state.holders[pending.object] == nil,
                  let lane = state.idle[pending.home] != nil ? pending.home : state.idle.keys.first else { return nil }
            return state.idle.removeValue(forKey: lane)
        }
        waiter?.resume()
    }

    /// Up to `limit` of the oldest events `lane` can take, in the order they came: its own objects' if
    /// any wait, else other lanes' objects that no lane holds. Their objects are held for `lane` until
    /// ``release(_:lane:)``.
    func take(_ limit: Int, lane: Int) -> [Pending] {
        state.withLock { state in
            guard limit > 0, !state.pending.isEmpty else { return [] }
            let ownOnly = state.pending.contains { $0.home == lane && state.canTake($0, lane: lane) }
            var taken: [Pending] = []
            var left: [Pending] = []
            left.reserveCapacity(state.pending.count)
            for pending in state.pending {
                if taken.count < limit, !ownOnly || pending.home == lane, state.canTake(pending, lane: lane) {
                    state.holders[pending.object] = lane
                    taken.append(pending)
                } else {
                    left.append(pending)
                }
            }
            state.pending = left
            return taken
        }
    }

    /// Lets go of a batch's objects once it is committed or spooled, and wakes the idle lanes when
    /// events wait.
    func release(_ batch: [Pending], lane: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            for pending in batch where state.holders[pending.object] == lane {
                state.holders[pending.object] = nil
            }
            return state.pending.isEmpty ? [] : state.wakeAll()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when `lane` may have an event to take, or at shutdown.
    func waitForWork(lane: Int, isShuttingDown: @escaping @Sendable () -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if isShuttingDown() || state.pending.contains(where: { state.canTake($0, lane: lane) }) { return true }
                state.idle[lane] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Wakes every idle lane (shutdown).
    func wakeAll() {
        for waiter in state.withLock({ $0.wakeAll() }) { waiter.resume() }
    }
}
