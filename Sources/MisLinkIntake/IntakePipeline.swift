import Dispatch
import Firebird
import Foundation
import Logging
import Metrics
import MisLinkPatients
import MisLinkProfiles
import MisLinkSettings
import ServiceLifecycle
import Synchronization

/// The durable intake: every accepted webhook is committed to the inbox (and applied) or, while the
/// database is unavailable, appended to the local spool, before ``submit(_:)`` returns.
///
/// **Lanes and group commit.** `intake.writers` lanes write from one ``IntakeQueue``: a lane that is
/// free takes the oldest events of its own objects (the call's `entry_id`, the thread; by a hash), or
/// when it has none another lane's that no lane is writing, and holds those objects until its batch is
/// committed, so one call's events are written in the order they came, one lane at a time, and an
/// event does not wait behind a busy or stuck lane while another is idle. Each lane writes batches on
/// its own attachment: events submitted while the commits run wait for the next batch, so under load
/// many events share a transaction (up to `intake.max_batch`) and each is acknowledged after its own
/// batch commits; with little traffic a batch holds one event and nothing waits.
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
        /// Bytes the spool holds.
        public var spoolBytes: Int64 = 0
        /// Events refused since start because the spool was full (answered 503).
        public var spoolRefused: Int = 0
    }

    private struct Shared {
        var shuttingDown = false
        var spooling = false
        var status = Status(databaseAvailable: false, spoolBacklog: 0, pending: 0, outcomes: [:])
    }

    private let shared = Mutex(Shared())
    private let lanes: [Lane]
    private let queue: IntakeQueue
    private let spool: SpoolBox
    private let configuration: FirebirdConfiguration
    private let settings: MisLinkSettings.Intake
    private let logger: Logger
    private let retryLane: Lane
    private let batchSizes = Recorder(label: "mislink_intake_batch_size")
    private let commitTimer = Metrics.Timer(label: "mislink_intake_commit_seconds")
    private let lastLag = IntakeLag()

    /// Makes the pipeline; it starts working when ``run()`` is called.
    /// - Parameters:
    ///   - settings: the `intake` settings (writers, batch size, linger, spool directory).
    ///   - timestampOffset: `mango.timestamp_offset`.
    ///   - configuration: the database.
    ///   - profile: the MIS profile (`mis.profile`): every statement the appliers run against MIS tables
    ///     (staff by extension and chat login, the MIS's appeals) comes from it; without an appeals table
    ///     (`"appeals": false`) MisLink's own `MISLINK_APPEALS` rows are the appeals.
    ///   - appliers: defaults to ``DefaultAppliers/all``.
    ///   - queries: the named queries that identify callers (`SQL/queries.sql`); defaults to the shipped
    ///     file, and without it calls are stored unidentified.
    ///   - directory: SIP URIs and chat agents of the operators, shared with whoever refreshes it.
    public init(settings: MisLinkSettings.Intake, timestampOffset: Int = 0, configuration: FirebirdConfiguration,
                profile: MISProfile, appliers: [any EventApplier] = DefaultAppliers.all,
                queries: NamedQueries? = NamedQueries.defaultURL().flatMap { try? NamedQueries(contentsOf: $0) },
                directory: OperatorDirectory = OperatorDirectory(),
                logger: Logger = Logger(label: "mislink.intake")) {
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
        queue = IntakeQueue(lanes: max(1, settings.writers))
        lanes = (0..<max(1, settings.writers)).map { index in
            Lane(index: index, writer: InboxWriter(appliers: appliers, timestampOffset: timestampOffset, profile: profile,
                                                   queries: queries, directory: directory,
                                                   lockTimeoutSeconds: settings.lockTimeoutSeconds, logger: logger))
        }
        retryLane = Lane(index: -1, writer: InboxWriter(appliers: appliers, timestampOffset: timestampOffset, profile: profile,
                                                        queries: queries, directory: directory,
                                                        lockTimeoutSeconds: settings.lockTimeoutSeconds, logger: logger))
        spool = SpoolBox()
        if queries == nil {
            logger.error("SQL/queries.sql (numbering_plan, own_numbers) is not found: calls and chats are stored with callers unidentified")
        }
        if !profile.manifest.appeals {
            logger.info("the MIS profile \(profile.name) has no appeals table (\"appeals\": false): MisLink's own MISLINK_APPEALS rows are the appeals")
        }
    }

    /// Stores one event durably and returns what happened to it.
    /// - Throws: ``IntakeUnavailable`` when shutting down, or when neither the database nor the spool can
    ///   take the event (answer 503: the sender retries, nothing was acknowledged).
    public func submit(_ event: InboundEvent) async throws -> IntakeOutcome {
        try await withCheckedThrowingContinuation { continuation in
            if shared.withLock({ $0.shuttingDown }) {
                continuation.resume(throwing: IntakeUnavailable(reason: "the worker is shutting down"))
                return
            }
            queue.enqueue(event, continuation: continuation)
        }
    }

    /// The current status.
    public var status: Status {
        var status = shared.withLock { $0.status }
        status.pending = queue.count
        return status
    }

    /// The inbox lag, for metrics: how long the oldest event not yet written has waited, or, when none
    /// waits, how long the oldest event of the last committed batch waited (submission to commit).
    public var lag: Duration { lastLag.current(oldestWaiting: queue.oldestSubmitted) }

    /// Runs the lanes until graceful shutdown, then writes what was submitted and returns.
    public func run() async throws {
        let directory = URL(fileURLWithPath: settings.spoolDirectory)
        let maxBytes = Int64(max(0, settings.spoolMaxBytes))
        let (backlog, bytes, truncated) = try await spool.run { box in
            box.spool = try DurableSpool(directory: directory, maxBytes: maxBytes)
            return (box.spool!.backlog(), box.spool!.totalBytes, box.spool!.truncatedOnOpen)
        }
        if truncated > 0 { logger.warning("cut a torn tail of \(truncated) byte(s) off the spool (a write that never finished, never acknowledged)") }
        Gauge(label: "mislink_spool_bytes").record(bytes)
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
            $0.status.spoolBytes = bytes
            $0.status.databaseAvailable = available
            $0.spooling = backlog > 0 || !available
        }
        if backlog > 0 { logger.notice("the spool holds \(backlog) event(s) from before; replaying them first") }
        if !available { logger.error("the database \(configuration.database) is unavailable; events go to the spool") }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for lane in lanes { group.addTask { await self.loop(lane) } }
                group.addTask { await self.retrySweep() }
            }
        } onGracefulShutdown: {
            self.shared.withLock { $0.shuttingDown = true }
            self.queue.wakeAll()
        }
        for lane in lanes + [retryLane] { await lane.dropAttachment() }
        _ = try? await spool.run { $0.spool?.seal() }
    }

    private var isSpooling: Bool { shared.withLock { $0.spooling } }

    private func loop(_ lane: Lane) async {
        var lastAttempt = ContinuousClock.now - .seconds(10)
        while true {
            var batch = queue.take(settings.maxBatch, lane: lane.index)
            if batch.isEmpty {
                if shared.withLock({ $0.shuttingDown }) { break }
                if isSpooling {
                    if lane.index == 0, ContinuousClock.now - lastAttempt >= .seconds(1) {
                        // Replay goes on at once while it makes progress; it waits a second when it cannot.
                        lastAttempt = await replayStep(lane) ? .now - .seconds(10) : .now
                    } else {
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                } else {
                    await queue.waitForWork(lane: lane.index) { self.shared.withLock { $0.shuttingDown } }
                }
                continue
            }
            if settings.maxDelayMilliseconds > 0, batch.count < settings.maxBatch / 4 {
                try? await Task.sleep(for: .milliseconds(settings.maxDelayMilliseconds))
                batch += queue.take(settings.maxBatch - batch.count, lane: lane.index)
            }
            if isSpooling {
                await spoolBatch(batch)
                queue.release(batch, lane: lane.index)
                if lane.index == 0, ContinuousClock.now - lastAttempt >= .seconds(1) {
                    lastAttempt = await replayStep(lane) ? .now - .seconds(10) : .now
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
                lastLag.committed(oldestSubmitted: batch[0].submitted)
                batchSizes.record(batch.count)
                record(outcomes)
                queue.release(batch, lane: lane.index)
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
                queue.release(batch, lane: lane.index)
            }
        }
    }

    private func spoolBatch(_ batch: [IntakeQueue.Pending]) async {
        let events = batch.map(\.event)
        do {
            let bytes = try await spool.run { box in
                try box.spool!.append(events)
                return box.spool!.totalBytes
            }
            shared.withLock {
                $0.status.spoolBacklog += batch.count
                $0.status.spoolBytes = bytes
                // Whatever is in the spool must be replayed before anything is written directly again.
                $0.spooling = true
            }
            Gauge(label: "mislink_spool_bytes").record(bytes)
            record(Array(repeating: .spooled, count: batch.count))
            for pending in batch { pending.continuation.resume(returning: .spooled) }
        } catch {
            let full = (error as? SpoolError)?.isFull ?? false
            if full {
                logger.error("the spool is full; refusing \(batch.count) event(s) with 503 (the sender retries): \(error)")
                Counter(label: "mislink_spool_refused_total").increment(by: batch.count)
                shared.withLock { $0.status.spoolRefused += batch.count }
            } else {
                logger.critical("cannot spool \(batch.count) event(s), refusing them: \(error)")
            }
            let reason = full ? "the database is unavailable and the spool is full; retry later"
                : "neither the database nor the spool can store events"
            for pending in batch { pending.continuation.resume(throwing: IntakeUnavailable(reason: reason)) }
        }
    }

    /// Replay attempts from one position after which its record is quarantined: the worker died while
    /// applying it that often (a record that crashes the process must not crash every restart).
    static let replayAttemptsBeforeQuarantine = 3

    /// Attaches the lane if needed and replays the next part of the oldest spool segment (streaming,
    /// `max_batch` events a transaction, the position saved after each). When the spool is empty every
    /// lane goes back to writing directly. Returns whether it made progress.
    private func replayStep(_ lane: Lane) async -> Bool {
        let maxBatch = max(1, settings.maxBatch)
        do {
            let attached = await lane.onQueue { [configuration] storage in
                if storage.attachment == nil { storage.attachment = try? FirebirdAttachment.open(configuration) }
                return storage.attachment != nil
            }
            guard attached else { throw IntakeUnavailable(reason: "cannot attach") }
            let deadline = ContinuousClock.now + .milliseconds(200)
            var progressed = false
            while ContinuousClock.now < deadline {
                let step = try await spool.run { box in try Self.nextReplayChunk(box, maxBatch: maxBatch) }
                guard let step else { break }
                progressed = true
                try await apply(step, on: lane)
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
                    $0.status.spoolBytes = 0
                    $0.status.databaseAvailable = true
                }
                Gauge(label: "mislink_spool_bytes").record(0)
                logger.notice("the spool is empty; writing to the database directly again")
            }
            return progressed && !empty
        } catch {
            logger.debug("the database is still unavailable: \(error)")
            await lane.dropAttachment()
            shared.withLock { $0.status.databaseAvailable = false }
            return false
        }
    }

    /// A part of a segment to replay: its events (or records to quarantine), where it starts and ends.
    struct ReplayChunk: Sendable {
        var segment: Int
        var start: Int64
        var end: Int64
        var events: [InboundEvent]
        var quarantine: [Quarantine.Entry]
        /// The segment ends with this chunk (delete it once the chunk is committed).
        var lastOfSegment: Bool
        var records: Int
        /// Unfinished replays from this position before this one.
        var attempts: Int
    }

    /// Reads the next chunk from the saved position (on the spool's queue) and marks it begun.
    private static func nextReplayChunk(_ box: SpoolBox, maxBatch: Int) throws -> ReplayChunk? {
        let spool = box.spool!
        spool.seal()
        guard let segment = try spool.segments().first else {
            spool.clearPosition()
            return nil
        }
        let saved = spool.position()
        let position = saved?.segment == segment ? saved! : DurableSpool.Position(segment: segment, offset: 0, attempts: 0)
        // After a crash during a chunk, go one record at a time, and quarantine a record that keeps
        // stopping the worker.
        let limit = position.attempts > 0 ? 1 : maxBatch
        var reader = try spool.reader(segment: segment, from: position.offset)
        defer { reader.close() }
        var chunk = ReplayChunk(segment: segment, start: position.offset, end: position.offset, events: [], quarantine: [],
                                lastOfSegment: false, records: 0, attempts: position.attempts)
        while chunk.events.count + chunk.quarantine.count < limit {
            guard let item = try reader.next() else {
                chunk.lastOfSegment = true
                break
            }
            switch item {
            case .damaged(let offset, let end, let bytes):
                chunk.quarantine.append(Quarantine.Entry(
                    source: nil, eventType: nil, deliveryKey: nil, form: "spool-bytes", payload: bytes,
                    reason: "\(end - offset) byte(s) of spool segment \(segment) at offset \(offset) are not a record (damaged)",
                    stage: "replay", receivedAt: nil))
                chunk.end = end
            case .record(_, let end, let json):
                chunk.records += 1
                chunk.end = end
                let record = try? SpoolRecord.decode(json)
                if position.attempts >= replayAttemptsBeforeQuarantine {
                    chunk.quarantine.append(Quarantine.Entry(
                        source: record?.source, eventType: record?.eventType, deliveryKey: record?.deliveryKey, form: "spool-record",
                        payload: json, reason: "replaying it was begun \(position.attempts) times and never finished (the worker stopped while applying it)",
                        stage: "replay", receivedAt: record.map { Date(timeIntervalSince1970: $0.receivedAt) }))
                    continue
                }
                do {
                    guard let record else { throw SpoolError("the record is not a spooled event") }
                    chunk.events.append(try record.event())
                } catch {
                    chunk.quarantine.append(Quarantine.Entry(
                        source: record?.source, eventType: record?.eventType, deliveryKey: record?.deliveryKey, form: "spool-record",
                        payload: json, reason: "the spooled event does not parse: \(DecodingProblem(error))", stage: "replay",
                        receivedAt: record.map { Date(timeIntervalSince1970: $0.receivedAt) }))
                }
            }
        }
        if chunk.end == chunk.start && !chunk.lastOfSegment { return nil }
        try spool.save(DurableSpool.Position(segment: segment, offset: position.offset, attempts: position.attempts + 1))
        return chunk
    }

    /// Writes a replay chunk and moves the saved position past it (deleting the segment at its end).
    private func apply(_ chunk: ReplayChunk, on lane: Lane) async throws {
        let result: Result<[IntakeOutcome], any Error> = await lane.onQueue { storage in
            Result {
                for entry in chunk.quarantine { try Quarantine.keep(entry, on: storage.attachment!) }
                return chunk.events.isEmpty ? [] : try storage.writer.write(chunk.events, on: storage.attachment!)
            }
        }
        let outcomes: [IntakeOutcome]
        do {
            outcomes = try result.get()
        } catch {
            // The database, not the chunk: this attempt does not count towards quarantining its record.
            _ = try? await spool.run { box in
                try box.spool!.save(DurableSpool.Position(segment: chunk.segment, offset: chunk.start, attempts: chunk.attempts))
            }
            throw error
        }
        record(outcomes + Array(repeating: .quarantined, count: chunk.quarantine.count))
        for entry in chunk.quarantine { logger.error("quarantined a spooled record: \(entry.reason)") }
        let bytes = try await spool.run { box in
            if chunk.lastOfSegment {
                try box.spool!.remove(segment: chunk.segment, records: box.replayedInSegment + chunk.records)
                box.replayedInSegment = 0
                box.spool!.clearPosition()
            } else {
                try box.spool!.save(DurableSpool.Position(segment: chunk.segment, offset: chunk.end, attempts: 0))
                box.replayedInSegment += chunk.records
            }
            return box.spool!.totalBytes
        }
        let fresh = outcomes.filter { $0 != .duplicate }.count
        shared.withLock {
            $0.status.databaseAvailable = true
            $0.status.spoolBacklog = max(0, $0.status.spoolBacklog - chunk.records)
            $0.status.spoolBytes = bytes
        }
        Gauge(label: "mislink_spool_bytes").record(bytes)
        logger.notice("replayed \(chunk.records) spooled event(s): \(fresh) new, \(outcomes.count - fresh) already stored, \(chunk.quarantine.count) quarantined")
    }

    // MARK: - Retries and the quarantine

    /// Applies stored events again (`mislink inbox retry`, `POST /api/v1/inbox/retry`) on the retry
    /// lane's own attachment.
    public func retry(_ request: InboxRetryRequest) async throws -> InboxRetryReport {
        try await retryLane.onQueue { [configuration] storage in
            Result {
                if storage.attachment == nil { storage.attachment = try FirebirdAttachment.open(configuration) }
                do {
                    return try InboxRetrier(writer: storage.writer).retry(request, on: storage.attachment!)
                } catch let error as FirebirdError where FailureKind(error) == .databaseDown {
                    try? storage.attachment?.close()
                    storage.attachment = nil
                    storage.writer.reset()
                    throw error
                }
            }
        }.get()
    }

    /// Submits quarantined events again (after a fix): each one that is now stored is released.
    public func retryQuarantine(_ request: QuarantineRetryRequest) async throws -> QuarantineRetryReport {
        try await retryLane.onQueue { [configuration] storage in
            Result {
                if storage.attachment == nil { storage.attachment = try FirebirdAttachment.open(configuration) }
                return try QuarantineRetrier(writer: storage.writer).retry(request, on: storage.attachment!)
            }
        }.get()
    }

    /// Keeps something that cannot become an event (an unreadable polled thread) in the quarantine.
    public func quarantine(_ entry: Quarantine.Entry) async throws {
        try await retryLane.onQueue { [configuration] storage in
            Result {
                if storage.attachment == nil { storage.attachment = try FirebirdAttachment.open(configuration) }
                try Quarantine.keep(entry, on: storage.attachment!)
            }
        }.get()
        record([.quarantined])
    }

    /// Every `intake.retry_seconds`, applies the `retrying` rows whose time has come.
    private func retrySweep() async {
        let interval = Duration.milliseconds(Int(max(0.05, settings.retrySeconds) * 1000))
        var next = ContinuousClock.now + interval
        while !shared.withLock({ $0.shuttingDown }) {
            try? await Task.sleep(for: .milliseconds(200))
            guard ContinuousClock.now >= next else { continue }
            next = .now + interval
            guard !isSpooling else { continue }
            do {
                let report = try await retry(InboxRetryRequest(statuses: [.retrying], limit: 200, onlyDue: true))
                if report.examined > 0 {
                    logger.notice("retried \(report.examined) stored event(s): \(report.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
                }
            } catch {
                logger.debug("the retry sweep could not run: \(error)")
            }
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

/// One writer of the intake: its attachment and its dispatch queue (libfbclient calls block, so they
/// never run on the cooperative pool). The events it writes come from the pipeline's ``IntakeQueue``.
final class Lane: Sendable {
    final class Storage: @unchecked Sendable {
        // @unchecked: touched only on the lane's queue.
        var attachment: FirebirdAttachment?
        let writer: InboxWriter
        init(writer: InboxWriter) { self.writer = writer }
    }

    let index: Int
    private let queue: DispatchQueue
    private let storage: Storage

    init(index: Int, writer: InboxWriter) {
        self.index = index
        queue = DispatchQueue(label: "mislink.intake.lane\(index)")
        storage = Storage(writer: writer)
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
    /// Records of the oldest segment replayed so far (their bytes stay until the segment is deleted).
    var replayedInSegment = 0
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
