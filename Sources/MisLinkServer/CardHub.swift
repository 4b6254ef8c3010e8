import Firebird
import Foundation
import Logging
import MisLinkPatients
import MisLinkProfiles
import MisLinkStore
import ServiceLifecycle
import Synchronization

/// The live incoming-call cards behind the console's streams (`GET /api/v1/operator/stream`).
///
/// One attachment of its own listens for the Firebird event `MISLINK_CARD`, which the
/// `MISLINK_CALL_CARDS_EVENT` trigger (V004) posts when any worker on the database commits a card; each
/// event (and a safety re-read every ``Options/rereadSeconds``, should an event be missed or the listener
/// be down) makes the hub read the **open** cards and, by id, those it knew open that have left that set.
/// A card that is new, or whose row differs from the one the hub last had, is enriched
/// (``present(_:in:)``) and sent to the subscribers of its employee and to the "everyone" subscribers
/// (supervisors). Nothing depends on clocks agreeing: the open set is read whole, and a card that leaves
/// it is read once more for its last state.
///
/// An event's read takes the open set's versions (``Cards/openVersions(in:)``: id, `UPDATED_AT`, the
/// call's state and appeal) and reads whole only the cards whose version moved; the safety re-read reads
/// every open card whole (``Cards/open(staff:in:)``), so a change written without `UPDATED_AT` (by hand,
/// by a MIS) shows within ``Options/rereadSeconds``. With nobody subscribed nothing is read: the open set
/// is dropped with the last subscriber, and the next one gets every open card from its first read.
///
/// Events also arrive on an embedded database, from every attachment of this process (the worker's
/// intake, a second worker in the same process). Over a server they need the server's auxiliary port.
///
/// Each subscriber has a bounded buffer (``Options/bufferLimit``): one that does not keep up (a browser
/// on a stalled connection) is ended, never waited for; it reconnects (`retry:`) and starts from the
/// open cards again. A ping every ``Options/pingSeconds`` keeps idle streams alive and finds closed ones.
final class CardHub: Service, Sendable {
    /// What a subscriber receives.
    enum Message: Sendable {
        case card(ConsoleCard)
        case ping
    }

    /// A subscriber's open cards at the moment it subscribed, then every change.
    struct Subscription: Sendable {
        let id: UInt64
        /// The open cards when it subscribed (the stream has every change after them).
        let cards: [ConsoleCard]
        let messages: AsyncStream<Message>
    }

    /// The hub's timing and limits.
    struct Options: Sendable {
        /// Seconds between safety re-reads. Defaults to 5.
        var rereadSeconds: Double = 5
        /// Seconds between pings. Defaults to 15.
        var pingSeconds: Double = 15
        /// Messages waiting for one subscriber before it is ended. Defaults to 256.
        var bufferLimit = 256
        /// Seconds a phone key's candidates are reused. Defaults to 5.
        var candidateSeconds: Double = 5
    }

    private struct Subscriber {
        /// nil: everyone's cards.
        var staff: Int64?
        var continuation: AsyncStream<Message>.Continuation
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextId: UInt64 = 1
        /// The open cards as last read and sent.
        var open: [Int64: (record: ConsoleCardRecord, card: ConsoleCard)] = [:]
        var stopped = false
        /// Since when someone has been subscribed without a break (nil: nobody is).
        var subscribedSince: Date?
    }

    let pool: FirebirdPool
    let configuration: FirebirdConfiguration
    let profile: MISProfile
    let directory: MISDirectory
    let patientURLTemplate: String
    let options: Options
    let logger: Logger
    /// The latency of each card's first push (`/metrics`).
    let metrics = CardMetrics()
    private let state = Mutex(State())
    private let candidates: CandidateCache
    private let wakes: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    init(pool: FirebirdPool, configuration: FirebirdConfiguration, profile: MISProfile, directory: MISDirectory,
         patientURLTemplate: String, options: Options = Options(), logger: Logger) {
        self.pool = pool
        self.configuration = configuration
        self.profile = profile
        self.directory = directory
        self.patientURLTemplate = patientURLTemplate
        self.options = options
        self.logger = logger
        candidates = CandidateCache(seconds: options.candidateSeconds)
        // At most one pending wake: a burst of events makes one more read, not one each.
        (wakes, wakeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: - Subscribers

    /// Subscribes to the cards of employee `staff` (nil: everyone's). End it with ``unsubscribe(_:)``.
    func subscribe(staff: Int64?) -> Subscription {
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .bufferingOldest(options.bufferLimit))
        let (id, cards) = state.withLock { state -> (UInt64, [ConsoleCard]) in
            let id = state.nextId
            state.nextId += 1
            if state.stopped {
                continuation.finish()
                return (id, [])
            }
            if state.subscribers.isEmpty { state.subscribedSince = Date() }
            state.subscribers[id] = Subscriber(staff: staff, continuation: continuation)
            let cards = state.open.values.map(\.card).filter { staff == nil || $0.staffId == staff }
            return (id, cards.sorted { ($0.shownAt, $0.id) < ($1.shownAt, $1.id) })
        }
        wake()
        return Subscription(id: id, cards: cards, messages: stream)
    }

    /// Ends a subscription: its stream finishes.
    func unsubscribe(_ id: UInt64) {
        state.withLock { state in
            defer {
                if state.subscribers.isEmpty {
                    state.subscribedSince = nil
                    state.open = [:]
                }
            }
            return state.subscribers.removeValue(forKey: id)
        }?.continuation.finish()
    }

    /// Subscribers now.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Asks for a read soon (after a change this process made, or a new subscriber).
    func wake() {
        wakeContinuation.yield()
    }

    // MARK: - Running

    /// Listens, re-reads and pings until graceful shutdown, then ends every subscription.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listen() }
                group.addTask { await self.tick() }
                group.addTask {
                    for await _ in self.wakes { await self.refresh() }
                }
                await group.next()
                group.cancelAll()
            }
        }
        wakeContinuation.finish()
        let ended = state.withLock { state -> [Subscriber] in
            state.stopped = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        ended.forEach { $0.continuation.finish() }
    }

    /// `MISLINK_CARD` events on an attachment of their own; after a failure (the database away, the
    /// auxiliary port unreachable) it tries again every 30 seconds, the re-reads covering meanwhile.
    private func listen() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                for try await _ in FirebirdConnection.events(["MISLINK_CARD"], configuration: configuration) {
                    failures = 0
                    wake()
                }
            } catch {
                if failures == 0 { logger.warning("card events are not received (re-reading every \(options.rereadSeconds) s): \(error)") }
                failures += 1
            }
            try? await Task.sleep(for: .seconds(30))
        }
    }

    /// The safety re-read and the pings.
    private func tick() async {
        let clock = ContinuousClock()
        var lastPing = clock.now
        wake()
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(options.rereadSeconds))
            wholeReadDue.withLock { $0 = true }
            wake()
            if clock.now - lastPing >= .seconds(options.pingSeconds) {
                lastPing = clock.now
                send { _ in .ping }
            }
        }
    }

    private let failedAt = Mutex<ContinuousClock.Instant?>(nil)

    /// The safety re-read is due: every open card is read whole.
    private let wholeReadDue = Mutex(true)

    /// Reads what changed and sends it.
    private func refresh() async {
        // Nobody to send to: nothing to read (the next subscriber's first read finds every open card).
        guard subscriberCount > 0 else { return }
        let whole = wholeReadDue.withLock { due in
            defer { due = false }
            return due
        }
        let known = state.withLock { $0.open.mapValues(\.record) }
        do {
            let changed = try await pool.withTransaction(.readOnly) { tx in try self.changes(since: known, whole: whole, in: tx) }
            failedAt.withLock { $0 = nil }
            publish(changed)
        } catch {
            // Logged once a minute while it keeps failing (the database away: the intake says so too).
            let now = ContinuousClock.now
            let log = failedAt.withLock { last -> Bool in
                defer { if last == nil || now - last! > .seconds(60) { last = now } }
                return last == nil || now - last! > .seconds(60)
            }
            if log { logger.warning("reading the open cards failed: \(error)") }
        }
    }

    /// The cards to send: open ones that are new or changed, and those that left the open set (a
    /// card deleted with its call is sent closed).
    /// `whole`: every open card is read whole; else only those whose ``OpenCardVersion`` moved.
    private func changes(since known: [Int64: ConsoleCardRecord], whole: Bool, in tx: Transaction) throws
        -> [(ConsoleCardRecord?, ConsoleCard)]
    {
        var read: [ConsoleCardRecord]
        var asked: Set<Int64>
        if whole {
            read = try Cards.open(staff: nil, in: tx)
            let openIds = Set(read.map(\.id))
            asked = openIds.union(known.keys)
            read += try Cards.cards(ids: known.keys.filter { !openIds.contains($0) }, in: tx)
        } else {
            let versions = try Cards.openVersions(in: tx)
            let openIds = Set(versions.map(\.id))
            // New or moved, and those that left the open set: read whole (a moved card may have left it since).
            asked = Set(versions.filter { version in known[version.id].map(OpenCardVersion.init) != version }.map(\.id))
                .union(known.keys.filter { !openIds.contains($0) })
            read = try Cards.cards(ids: Array(asked), in: tx)
        }
        let changed = read.filter { known[$0.id] != $0 }
        var result = zip(changed, try present(changed, in: tx)).map { ($0 as ConsoleCardRecord?, $1) }
        let deleted = asked.subtracting(read.map(\.id))
        let lastSent = state.withLock { state in deleted.compactMap { state.open[$0]?.card } }
        for var card in lastSent {
            card.state = "closed"
            result.append((nil, card))
        }
        return result
    }

    /// Keeps the open cards and sends every change to its subscribers.
    /// A card's push latency is recorded when it is new to the hub and was written while someone was
    /// subscribed (one found by a first subscriber's read was not waited for).
    private func publish(_ changed: [(ConsoleCardRecord?, ConsoleCard)]) {
        guard !changed.isEmpty else { return }
        let firstWritten = state.withLock { state -> [Date] in
            guard let since = state.subscribedSince else { return [] }
            return changed.filter { state.open[$0.1.id] == nil && $0.1.updatedAt >= since }.map(\.1.updatedAt)
        }
        defer { metrics.pushed(writtenAt: firstWritten) }
        state.withLock { state in
            for (record, card) in changed {
                if let record, record.isOpen { state.open[card.id] = (record, card) } else { state.open[card.id] = nil }
            }
        }
        for (_, card) in changed.sorted(by: { ($0.1.updatedAt, $0.1.id) < ($1.1.updatedAt, $1.1.id) }) {
            send { staff in staff == nil || staff == card.staffId ? .card(card) : nil }
        }
    }

    /// Yields `message(staff)` to each subscriber it is not nil for; a subscriber whose buffer is full is ended.
    private func send(_ message: (Int64?) -> Message?) {
        let subscribers = state.withLock { $0.subscribers }
        var tooSlow: [UInt64] = []
        for (id, subscriber) in subscribers {
            guard let message = message(subscriber.staff) else { continue }
            if case .dropped = subscriber.continuation.yield(message) { tooSlow.append(id) }
        }
        for id in tooSlow {
            logger.notice("a console stream fell \(options.bufferLimit) messages behind: ended, the browser reconnects")
            unsubscribe(id)
        }
    }

    // MARK: - Cards for the API

    /// The cards as the console shows them: who shares the number (``CandidateCache``, a few seconds per
    /// phone key), the patient's name, the link to the patient's page.
    func present(_ records: [ConsoleCardRecord], in tx: Transaction) throws -> [ConsoleCard] {
        var found: [Int64: [Identification.Candidate]] = [:]
        for record in records where record.patientId != nil {
            guard let key = record.phoneKey, found[record.id] == nil else { continue }
            found[record.id] = try candidates.candidates(phoneKey: key, profile: profile, in: tx)
        }
        let unnamed = Set(records.compactMap { record -> Int64? in
            guard let patient = record.patientId, found[record.id]?.contains(where: { Int64($0.id) == patient }) != true else { return nil }
            return patient
        })
        let patients = try directory.patients(unnamed, in: tx)
        return records.map { ConsoleCard($0, candidates: found[$0.id] ?? [], patients: patients, patientURLTemplate: patientURLTemplate) }
    }

    /// Every patient sharing a phone key, the best first: fresh (the operator's choice is checked against
    /// it), and remembered for the cards.
    func freshCandidates(phoneKey: String, in tx: Transaction) throws -> [Identification.Candidate] {
        try candidates.candidates(phoneKey: phoneKey, profile: profile, in: tx, fresh: true)
    }
}

/// The patients of each phone key (`identify_candidates`), reused for a few seconds: a call rings several
/// operators at once, and each of their cards changes a few times while it rings.
final class CandidateCache: Sendable {
    private let seconds: Double
    private let entries = Mutex<[String: (at: ContinuousClock.Instant, candidates: [Identification.Candidate])]>([:])

    init(seconds: Double) { self.seconds = seconds }

    func candidates(phoneKey: String, profile: MISProfile, in tx: Transaction, fresh: Bool = false) throws
        -> [Identification.Candidate]
    {
        let now = ContinuousClock.now
        if !fresh, let entry = entries.withLock({ $0[phoneKey] }), now - entry.at < .seconds(seconds) { return entry.candidates }
        let found = try PatientIdentifier.candidates(phoneKey: phoneKey, profile: profile, in: tx)
        entries.withLock { entries in
            if entries.count > 1000 { entries = entries.filter { now - $0.value.at < .seconds(seconds) } }
            entries[phoneKey] = (now, found)
        }
        return found
    }
}
