import Dispatch
import Firebird
import Foundation
import Logging
import Metrics
import MisLinkSettings
import ServiceLifecycle
import Synchronization

/// The durable intake: every accepted webhook is committed to the inbox (and applied) or, while the
/// database is unavailable, appended to the local spool, before ``submit(_:)`` returns.
///
/// **Group commit.** One loop writes batches on one attachment. Events submitted while a commit is
/// running wait for the next batch, so under load many events share a transaction (up to
/// `intake.max_batch`) and each is acknowledged after its own batch commits; with little traffic a
/// batch holds one event and nothing waits. `intake.max_delay_milliseconds` (default 0) can make a
/// small batch linger for company.
///
/// **The database unavailable.** A batch the database cannot take (connection lost, server down,
/// file locked) goes to the ``DurableSpool`` and is acknowledged as ``IntakeOutcome/spooled``. From
/// then on, new events go to the spool too (so they are applied in the order they came) and once a
/// second the loop tries to attach again; when it can, it replays the spool segment by segment,
/// deleting each after its events are committed, and goes back to writing directly once it is empty.
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

    private struct Pending {
        var event: InboundEvent
        var continuation: CheckedContinuation<IntakeOutcome, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var waiter: CheckedContinuation<Void, Never>?
        var shuttingDown = false
        var status = Status(databaseAvailable: false, spoolBacklog: 0, pending: 0, outcomes: [:])
    }

    private let state = Mutex(State())
    private let configuration: FirebirdConfiguration
    private let settings: MisLinkSettings.Intake
    private let logger: Logger
    private let queue = DispatchQueue(label: "mislink.intake")
    /// Touched only on `queue`.
    private let storage: UncheckedStorage

    private final class UncheckedStorage: @unchecked Sendable {
        var attachment: FirebirdAttachment?
        let writer: InboxWriter
        var spool: DurableSpool?
        init(writer: InboxWriter) { self.writer = writer }
    }

    private let batchSizes = Recorder(label: "mislink_intake_batch_size")
    private let commitTimer = Metrics.Timer(label: "mislink_intake_commit_seconds")

    /// Makes the pipeline; it starts working when ``run()`` is called.
    /// - Parameters:
    ///   - settings: the `intake` settings (batch size, linger, spool directory).
    ///   - timestampOffset: `mango.timestamp_offset`.
    ///   - configuration: the database.
    ///   - appliers: defaults to ``DefaultAppliers/all``.
    public init(settings: MisLinkSettings.Intake, timestampOffset: Int = 0, configuration: FirebirdConfiguration,
                appliers: [any EventApplier] = DefaultAppliers.all, logger: Logger = Logger(label: "mislink.intake")) {
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
        storage = UncheckedStorage(writer: InboxWriter(appliers: appliers, timestampOffset: timestampOffset))
    }

    /// Stores one event durably and returns what happened to it.
    /// - Throws: ``IntakeUnavailable`` when shutting down, or when neither the database nor the spool can
    ///   take the event (answer 503: the sender retries, nothing was acknowledged).
    public func submit(_ event: InboundEvent) async throws -> IntakeOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                if state.shuttingDown {
                    continuation.resume(throwing: IntakeUnavailable(reason: "the worker is shutting down"))
                    return nil
                }
                state.pending.append(Pending(event: event, continuation: continuation))
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// The current status.
    public var status: Status {
        state.withLock { state in
            var status = state.status
            status.pending = state.pending.count
            return status
        }
    }

    /// Runs the write loop until graceful shutdown, then writes what was submitted and returns.
    public func run() async throws {
        let spool = try DurableSpool(directory: URL(fileURLWithPath: settings.spoolDirectory))
        let backlog = spool.backlog()
        let available = await onQueue { [storage, configuration] in
            storage.spool = spool
            storage.attachment = try? FirebirdAttachment.open(configuration)
            return storage.attachment != nil
        }
        state.withLock {
            $0.status.spoolBacklog = backlog
            $0.status.databaseAvailable = available
        }
        if backlog > 0 { logger.notice("the spool holds \(backlog) event(s) from before; replaying them first") }
        if !available { logger.error("the database \(configuration.database) is unavailable; events go to the spool") }
        let startSpooling = backlog > 0 || !available
        await withGracefulShutdownHandler {
            await loop(spooling: startSpooling)
        } onGracefulShutdown: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.shuttingDown = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        await onQueue { [storage] in
            storage.spool?.seal()
            try? storage.attachment?.close()
            storage.attachment = nil
            storage.writer.reset()
        }
    }

    private func loop(spooling initial: Bool) async {
        var spooling = initial
        var lastAttempt = ContinuousClock.now - .seconds(10)
        while true {
            var batch = takeBatch()
            if batch.isEmpty {
                if state.withLock({ $0.shuttingDown }) { break }
                if spooling {
                    if ContinuousClock.now - lastAttempt >= .seconds(1) {
                        lastAttempt = .now
                        spooling = await replayStep()
                    } else {
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                } else {
                    await waitForWork()
                }
                continue
            }
            if settings.maxDelayMilliseconds > 0, batch.count < settings.maxBatch / 4 {
                try? await Task.sleep(for: .milliseconds(settings.maxDelayMilliseconds))
                batch += takeBatch(limit: settings.maxBatch - batch.count)
            }
            if spooling {
                await spoolBatch(batch)
                if ContinuousClock.now - lastAttempt >= .seconds(1) {
                    lastAttempt = .now
                    spooling = await replayStep()
                }
                continue
            }
            let events = batch.map(\.event)
            let started = DispatchTime.now()
            let result: Result<[IntakeOutcome], any Error> = await onQueue { [storage, configuration] in
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
                await dropAttachment()
                state.withLock { $0.status.databaseAvailable = false }
                spooling = true
                lastAttempt = .now
                await spoolBatch(batch)
            }
        }
    }

    private func takeBatch(limit: Int? = nil) -> [Pending] {
        state.withLock { state in
            let count = min(state.pending.count, limit ?? settings.maxBatch)
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            return batch
        }
    }

    private func waitForWork() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if !state.pending.isEmpty || state.shuttingDown { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func spoolBatch(_ batch: [Pending]) async {
        let events = batch.map(\.event)
        let result: Result<Void, any Error> = await onQueue { [storage] in
            Result { try storage.spool!.append(events) }
        }
        switch result {
        case .success:
            record(Array(repeating: .spooled, count: batch.count))
            state.withLock { $0.status.spoolBacklog += batch.count }
            for pending in batch { pending.continuation.resume(returning: .spooled) }
        case .failure(let error):
            logger.critical("cannot spool \(batch.count) event(s), refusing them: \(error)")
            for pending in batch {
                pending.continuation.resume(throwing: IntakeUnavailable(reason: "neither the database nor the spool can store events"))
            }
        }
    }

    /// Attaches if needed and replays the oldest spool segment; returns whether to keep spooling.
    private func replayStep() async -> Bool {
        let maxBatch = settings.maxBatch
        let result: Result<(replayed: Int, outcomes: [IntakeOutcome], empty: Bool), any Error> = await onQueue {
            [storage, configuration] in
            Result {
                if storage.attachment == nil { storage.attachment = try FirebirdAttachment.open(configuration) }
                guard let spool = storage.spool else { return (0, [], true) }
                spool.seal()
                guard let segment = try spool.segments().first else { return (0, [], true) }
                let events = try spool.read(segment: segment)
                var outcomes: [IntakeOutcome] = []
                for start in stride(from: 0, to: events.count, by: maxBatch) {
                    outcomes += try storage.writer.write(Array(events[start..<min(start + maxBatch, events.count)]),
                                                         on: storage.attachment!)
                }
                try spool.remove(segment: segment)
                return (events.count, outcomes, try spool.segments().isEmpty)
            }
        }
        switch result {
        case .success(let step):
            state.withLock {
                $0.status.databaseAvailable = true
                $0.status.spoolBacklog = max(0, $0.status.spoolBacklog - step.replayed)
            }
            if step.replayed > 0 {
                let applied = step.outcomes.filter { $0 != .duplicate }.count
                logger.notice("replayed \(step.replayed) spooled event(s): \(applied) new, \(step.replayed - applied) already stored")
            }
            if step.empty {
                state.withLock { $0.status.spoolBacklog = 0 }
                logger.notice("the spool is empty; writing to the database directly again")
            }
            return !step.empty
        case .failure(let error):
            logger.debug("the database is still unavailable: \(error)")
            await dropAttachment()
            state.withLock { $0.status.databaseAvailable = false }
            return true
        }
    }

    private func dropAttachment() async {
        await onQueue { [storage] in
            try? storage.attachment?.close()
            storage.attachment = nil
            storage.writer.reset()
        }
    }

    private func record(_ outcomes: [IntakeOutcome]) {
        var counts: [IntakeOutcome: Int] = [:]
        for outcome in outcomes { counts[outcome, default: 0] += 1 }
        state.withLock { state in
            state.status.databaseAvailable = state.status.databaseAvailable || outcomes.contains { $0 != .spooled }
            for (outcome, count) in counts { state.status.outcomes[outcome.rawValue, default: 0] += count }
        }
        for (outcome, count) in counts {
            Counter(label: "mislink_intake_events_total", dimensions: [("outcome", outcome.rawValue)]).increment(by: count)
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
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
