import Dispatch
import Firebird
import Foundation
import Logging
import Metrics
import MisLinkPatients
import MisLinkSettings
import ServiceLifecycle
import Synchronization

/// The durable intake: every accepted webhook is committed to the inbox (and applied) or, while the
/// database is unavailable, appended to the local spool, before ``submit(_:)`` returns.
///
/// **Lanes and group commit.** Events are spread over `intake.writers` lanes by the object they are
/// about (the call's `entry_id`, the thread), so one call's events always meet in one lane, in the
/// order they came, and lanes never contend for the same rows. Each lane writes batches on its own
/// attachment: events submitted while its commit runs wait for its next batch, so under load many
/// events share a transaction (up to `intake.max_batch`) and each is acknowledged after its own batch
/// commits; with little traffic a batch holds one event and nothing waits.
/// `intake.max_delay_milliseconds` (default 0) can make a small batch linger for company.
///
/// **The database unavailable.** A batch the database cannot take (connection lost, server down,
/// file locked) goes to the ``DurableSpool`` and is acknowledged as ``IntakeOutcome/spooled``. From
/// then on every lane spools (so events are applied in the order they came), and once a second the
/// first lane tries to attach again; when it can, it replays the spool segment by segment, deleting
/// each after its events are committed, and all lanes go back to writing directly once it is empty.
///
/// **Shutdown.** On graceful shutdown, new submissions are refused (the HTTP layer answers 503, so
/// the sender retries) and everything already submitted is written before ``run()`` returns.
public final class IntakePipeline: Service, Sendable {
    /// What `/ready` and the REST API report.
    public struct Status: Sendable, Codable {
        /// The last write or attach succeeded.
        public var databaseAvailable: Bool
        /// Events in the spool waiting for the database.
        public var spoolBacklog: Int
        /// Events submitted and not yet written.
        public var pending: Int
        /// Events written since start, by outcome.
        public var outcomes: [String: Int]
    }

    private struct Shared {
        var shuttingDown = false
        var spooling = false
        var status = Status(databaseAvailable: false, spoolBacklog: 0, pending: 0, outcomes: [:])
    }

    private let shared = Mutex(Shared())
    private let lanes: [Lane]
    private let spool: SpoolBox
    private let configuration: FirebirdConfiguration
    private let settings: MisLinkSettings.Intake
    private let logger: Logger
    private let batchSizes = Recorder(label: "mislink_intake_batch_size")
    private let commitTimer = Metrics.Timer(label: "mislink_intake_commit_seconds")

    /// Makes the pipeline; it starts working when ``run()`` is called.
    /// - Parameters:
    ///   - settings: the `intake` settings (writers, batch size, linger, spool directory).
    ///   - timestampOffset: `mango.timestamp_offset`.
    ///   - configuration: the database.
    ///   - appliers: defaults to ``DefaultAppliers/all``.
    ///   - queries: the named queries that identify callers (`SQL/queries.sql`); defaults to the shipped
    ///     file, and without it calls are stored unidentified.
    ///   - directory: SIP URIs and chat agents of the operators, shared with whoever refreshes it.
    public init(settings: MisLinkSettings.Intake, timestampOffset: Int = 0, configuration: FirebirdConfiguration,
                appliers: [any EventApplier] = DefaultAppliers.all,
                queries: NamedQueries? = NamedQueries.defaultURL().flatMap { try? NamedQueries(contentsOf: $0) },
                directory: OperatorDirectory = OperatorDirectory(),
                logger: Logger = Logger(label: "mislink.intake")) {
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
        lanes = (0..<max(1, settings.writers)).map { index in
            Lane(index: index, writer: InboxWriter(appliers: appliers, timestampOffset: timestampOffset, queries: queries, directory: directory))
        }
        spool = SpoolBox()
    }

    /// Stores one event durably and returns what happened to it.
    /// - Throws: ``IntakeUnavailable`` when shutting down, or when neither the database nor the spool can
    ///   take the event (answer 503: the sender retries, nothing was acknowledged).
    public func submit(_ event: InboundEvent) async throws -> IntakeOutcome {
        let lane = lanes[Self.lane(of: event, count: lanes.count)]
        return try await withCheckedThrowingContinuation { continuation in
            if shared.withLock({ $0.shuttingDown }) {
                continuation.resume(throwing: IntakeUnavailable(reason: "the worker is shutting down"))
                return
            }
            lane.enqueue(Lane.Pending(event: event, continuation: continuation))
        }
    }

    /// The lane of an event: by the object it is about, so one call's or thread's events share a lane.
    static func lane(of event: InboundEvent, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash: UInt32 = 2_166_136_261
        for byte in (event.objectID ?? event.deliveryKey).utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % UInt32(count))
    }

    /// The current status.
    public var status: Status {
        var status = shared.withLock { $0.status }
        status.pending = lanes.reduce(0) { $0 + $1.pendingCount }
        return status
    }

    /// Runs the lanes until graceful shutdown, then writes what was submitted and returns.
    public func run() async throws {
        let directory = URL(fileURLWithPath: settings.spoolDirectory)
        let backlog = try await spool.run { box in
            box.spool = try DurableSpool(directory: directory)
            return box.spool!.backlog()
        }
        var available = true
        for lane in lanes {
            let opened = await lane.onQueue { [configuration] storage in
                storage.attachment = try? FirebirdAttachment.open(configuration)
                return storage.attachment != nil
            }
            available = available && opened
        }
        shared.withLock {
            $0.status.spoolBacklog = backlog
            $0.status.databaseAvailable = available
            $0.spooling = backlog > 0 || !available
        }
        if backlog > 0 { logger.notice("the spool holds \(backlog) event(s) from before; replaying them first") }
        if !available { logger.error("the database \(configuration.database) is unavailable; events go to the spool") }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for lane in lanes { group.addTask { await self.loop(lane) } }
            }
        } onGracefulShutdown: {
            self.shared.withLock { $0.shuttingDown = true }
            for lane in self.lanes { lane.wake() }
        }
        for lane in lanes {
            await lane.onQueue { storage in
                try? storage.attachment?.close()
                storage.attachment = nil
                storage.writer.reset()
            }
        }
        _ = try? await spool.run { $0.spool?.seal() }
    }

    private var isSpooling: Bool { shared.withLock { $0.spooling } }

    private func loop(_ lane: Lane) async {
        var lastAttempt = ContinuousClock.now - .seconds(10)
        while true {
            var batch = lane.take(settings.maxBatch)
            if batch.isEmpty {
                if shared.withLock({ $0.shuttingDown }) { break }
                if isSpooling {
                    if lane.index == 0, ContinuousClock.now - lastAttempt >= .seconds(1) {
                        lastAttempt = .now
                        await replayStep(lane)
                    } else {
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                } else {
                    await lane.waitForWork { self.shared.withLock { $0.shuttingDown } }
                }
                continue
            }
            if settings.maxDelayMilliseconds > 0, batch.count < settings.maxBatch / 4 {
                try? await Task.sleep(for: .milliseconds(settings.maxDelayMilliseconds))
                batch += lane.take(settings.maxBatch - batch.count)
            }
            if isSpooling {
                await spoolBatch(batch)
                if lane.index == 0, ContinuousClock.now - lastAttempt >= .seconds(1) {
                    lastAttempt = .now
                    await replayStep(lane)
                }
                continue
            }
            let events = batch.map(\.event)
            let started = DispatchTime.now()
            let result: Result<[IntakeOutcome], any Error> = await lane.onQueue { [configuration] storage in
                Result {
                    if storage.attachment == nil { storage.attachment = try FirebirdAttachment.open(configuration) }
                    return try storage.writer.write(events, on: storage.attachment!)
                }
            }
            switch result {
            case .success(let outcomes):
                commitTimer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds))
                batchSizes.record(batch.count)
                record(outcomes)
                for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(returning: outcome) }
            case .failure(let error):
                logger.error("the database did not take a batch of \(batch.count); spooling from now on: \(error)")
                await lane.dropAttachment()
                shared.withLock {
                    $0.status.databaseAvailable = false
                    $0.spooling = true
                }
                lastAttempt = .now
                await spoolBatch(batch)
            }
        }
    }

    private func spoolBatch(_ batch: [Lane.Pending]) async {
        let events = batch.map(\.event)
        do {
            try await spool.run { box in try box.spool!.append(events) }
            shared.withLock {
                $0.status.spoolBacklog += batch.count
                // Whatever is in the spool must be replayed before anything is written directly again.
                $0.spooling = true
            }
            record(Array(repeating: .spooled, count: batch.count))
            for pending in batch { pending.continuation.resume(returning: .spooled) }
        } catch {
            logger.critical("cannot spool \(batch.count) event(s), refusing them: \(error)")
            for pending in batch {
                pending.continuation.resume(throwing: IntakeUnavailable(reason: "neither the database nor the spool can store events"))
            }
        }
    }

    /// Attaches the lane if needed and replays the oldest spool segment; when the spool is empty,
    /// every lane goes back to writing directly.
    private func replayStep(_ lane: Lane) async {
        let maxBatch = settings.maxBatch
        do {
            let attached = await lane.onQueue { [configuration] storage in
                if storage.attachment == nil { storage.attachment = try? FirebirdAttachment.open(configuration) }
                return storage.attachment != nil
            }
            guard attached else { throw IntakeUnavailable(reason: "cannot attach") }
            let segment: (number: Int, events: [InboundEvent])? = try await spool.run { box in
                box.spool!.seal()
                guard let number = try box.spool!.segments().first else { return nil }
                return (number, try box.spool!.read(segment: number))
            }
            if let segment {
                let result: Result<[IntakeOutcome], any Error> = await lane.onQueue { storage in
                    Result {
                        var outcomes: [IntakeOutcome] = []
                        for start in stride(from: 0, to: segment.events.count, by: maxBatch) {
                            let part = Array(segment.events[start..<min(start + maxBatch, segment.events.count)])
                            outcomes += try storage.writer.write(part, on: storage.attachment!)
                        }
                        return outcomes
                    }
                }
                let outcomes = try result.get()
                try await spool.run { box in try box.spool!.remove(segment: segment.number) }
                let fresh = outcomes.filter { $0 != .duplicate }.count
                shared.withLock {
                    $0.status.databaseAvailable = true
                    $0.status.spoolBacklog = max(0, $0.status.spoolBacklog - segment.events.count)
                }
                logger.notice("replayed \(segment.events.count) spooled event(s): \(fresh) new, \(segment.events.count - fresh) already stored")
            }
            // Back to direct writes only if the spool is empty now; an append racing with this check
            // sets `spooling` again after it (see spoolBatch), so nothing is left behind.
            let empty = try await spool.run { box in
                let empty = try box.spool!.segments().isEmpty
                if empty { self.shared.withLock { $0.spooling = false } }
                return empty
            }
            if empty {
                shared.withLock {
                    $0.status.spoolBacklog = 0
                    $0.status.databaseAvailable = true
                }
                logger.notice("the spool is empty; writing to the database directly again")
            }
        } catch {
            logger.debug("the database is still unavailable: \(error)")
            await lane.dropAttachment()
            shared.withLock { $0.status.databaseAvailable = false }
        }
    }

    private func record(_ outcomes: [IntakeOutcome]) {
        var counts: [IntakeOutcome: Int] = [:]
        for outcome in outcomes { counts[outcome, default: 0] += 1 }
        shared.withLock { state in
            if outcomes.contains(where: { $0 != .spooled }) { state.status.databaseAvailable = true }
            for (outcome, count) in counts { state.status.outcomes[outcome.rawValue, default: 0] += count }
        }
        for (outcome, count) in counts {
            Counter(label: "mislink_intake_events_total", dimensions: [("outcome", outcome.rawValue)]).increment(by: count)
        }
    }
}

/// One writer of the intake: its queue of submitted events, its attachment and its dispatch queue
/// (libfbclient calls block, so they never run on the cooperative pool).
final class Lane: Sendable {
    struct Pending {
        var event: InboundEvent
        var continuation: CheckedContinuation<IntakeOutcome, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    final class Storage: @unchecked Sendable {
        // @unchecked: touched only on the lane's queue.
        var attachment: FirebirdAttachment?
        let writer: InboxWriter
        init(writer: InboxWriter) { self.writer = writer }
    }

    let index: Int
    private let state = Mutex(State())
    private let queue: DispatchQueue
    private let storage: Storage

    init(index: Int, writer: InboxWriter) {
        self.index = index
        queue = DispatchQueue(label: "mislink.intake.lane\(index)")
        storage = Storage(writer: writer)
    }

    var pendingCount: Int { state.withLock { $0.pending.count } }

    func enqueue(_ pending: Pending) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending.append(pending)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func take(_ limit: Int) -> [Pending] {
        state.withLock { state in
            let count = min(state.pending.count, max(0, limit))
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            return batch
        }
    }

    func wake() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    func waitForWork(isShuttingDown: @escaping @Sendable () -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if !state.pending.isEmpty || isShuttingDown() { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func onQueue<T: Sendable>(_ body: @escaping @Sendable (Storage) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { [storage] in continuation.resume(returning: body(storage)) }
        }
    }

    func dropAttachment() async {
        await onQueue { storage in
            try? storage.attachment?.close()
            storage.attachment = nil
            storage.writer.reset()
        }
    }
}

/// The spool, touched only on its own serial queue.
final class SpoolBox: @unchecked Sendable {
    var spool: DurableSpool?
    private let queue = DispatchQueue(label: "mislink.intake.spool")

    func run<T: Sendable>(_ body: @escaping @Sendable (SpoolBox) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self) }) }
        }
    }
}

/// The intake cannot take events now; nothing was stored. The HTTP layer answers 503.
public struct IntakeUnavailable: Error, CustomStringConvertible, Sendable {
    public var reason: String
    /// Makes the error.
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
