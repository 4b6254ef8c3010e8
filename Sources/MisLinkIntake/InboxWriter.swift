import Firebird
import MisLinkStore
import Foundation
import Logging
import MisLinkPatients
import MisLinkProfiles

/// Writes one batch of events in one transaction: each new event goes to `MISLINK_INBOX` and is
/// applied to the domain tables; a repeated delivery key changes nothing.
///
/// **One bad event never fails its neighbours, and never wedges the intake.** When an event fails, the
/// batch is rolled back and written again with that event decided by the kind of its error
/// (``FailureKind``):
/// - an applier's deterministic error: the event is stored as `failed` with its error, not applied;
/// - an applier's passing error (lock conflict or timeout) that persists over a few attempts: the
///   event is stored as `retrying` and applied again later by ``InboxRetrier``;
/// - the inbox row itself cannot be stored (a value no column takes): the event goes whole and raw to
///   `MISLINK_QUARANTINE` with the reason;
/// - a unique violation on the inbox: another worker stored the same event at the same moment, so it
///   is a duplicate;
/// - the database unreachable: the error is thrown and the caller spools the batch.
/// An error no event can be blamed for (at commit, say) makes the batch be written one event at a
/// time; a single event that still fails that way is quarantined. Appliers are deterministic, so the
/// second pass gives the same result for the others.
///
/// Runs only on the intake connection's queue.
final class InboxWriter {
    private let appliers: [any EventApplier]
    private let timestampOffset: Int
    private var cache: (attachment: ObjectIdentifier, statements: StatementCache)?
    private let ids = IDCache()
    let lookups: CallLookups
    /// The MIS profile the appliers' MIS statements come from.
    let profile: MISProfile
    /// Attempts at a batch whose applier meets passing errors before the event is left for a retry.
    private let transientAttempts: Int
    /// Pause between those attempts.
    private let transientPause: Duration
    /// Whether an event that cannot be stored goes to the quarantine; when false (a retry of a
    /// quarantined event), ``QuarantinedAgain`` is thrown instead.
    var quarantineAllowed = true

    static let transactionOptions = TransactionOptions(isolation: .readCommitted, lockResolution: .timeout(seconds: 10))
    /// The batch transactions' options: READ COMMITTED, waiting `intake.lock_timeout_seconds` for a lock.
    let transactionOptions: TransactionOptions

    init(appliers: [any EventApplier], timestampOffset: Int, profile: MISProfile, queries: NamedQueries?,
         directory: OperatorDirectory, transientAttempts: Int = 3, transientPause: Duration = .milliseconds(50), lockTimeoutSeconds: Int = 10,
         logger: Logger = Logger(label: "mislink.intake")) {
        transactionOptions = TransactionOptions(isolation: .readCommitted, lockResolution: .timeout(seconds: max(1, min(lockTimeoutSeconds, 3600))))
        self.appliers = appliers
        self.profile = profile
        self.timestampOffset = timestampOffset
        self.transientAttempts = max(1, transientAttempts)
        self.transientPause = transientPause
        lookups = CallLookups(queries: queries, profile: profile, directory: directory, logger: logger)
    }

    /// Writes the batch; returns one outcome per event, in order.
    /// - Throws: only errors of the database as a whole (``FailureKind/databaseDown``): the caller spools
    ///   the batch.
    func write(_ batch: [InboundEvent], on attachment: FirebirdAttachment) throws -> [IntakeOutcome] {
        let statements = statementCache(for: attachment)
        var decisions: [Int: Decision] = [:]
        var transientCount: [Int: Int] = [:]
        var batchTransient = 0
        var attempt = 0
        while true {
            attempt += 1
            if attempt > 2 * batch.count + transientAttempts + 4 {
                // Something keeps failing that no decision settles: one event at a time.
                return try writeEachAlone(batch, on: attachment, lastError: nil)
            }
            let transaction = try attachment.beginTransaction(transactionOptions)
            do {
                let outcomes = try StatementProfile.measure("APPLY BATCH (all statements and Swift)") {
                    try writeOnce(batch, decisions: decisions, statements: statements, transaction: transaction)
                }
                try StatementProfile.measure("COMMIT") { try transaction.commit() }
                ids.commit()
                return outcomes
            } catch let failure as EventFailure {
                try? transaction.rollback()
                ids.rollback()
                let reason = Self.reason(failure.error)
                switch (FailureKind(failure.error), failure.stage) {
                case (.databaseDown, _):
                    throw failure.error
                case (_, .quarantine):
                    // Even the quarantine row cannot be written: that is the database, not the event.
                    throw failure.error
                case (_, .inbox) where failure.error.code == .uniqueViolation:
                    continue // stored by another worker meanwhile: the next pass sees its key
                case (.transient, .inbox):
                    batchTransient += 1
                    if batchTransient > transientAttempts {
                        guard quarantineAllowed else { throw QuarantinedAgain(reason: reason) }
                        decisions[failure.index] = .quarantine(stage: "inbox", reason)
                    }
                    Thread.sleep(forTimeInterval: transientPause.seconds)
                case (.deterministic, .inbox):
                    guard quarantineAllowed else { throw QuarantinedAgain(reason: reason) }
                    decisions[failure.index] = .quarantine(stage: "inbox", reason)
                case (.transient, .apply):
                    transientCount[failure.index, default: 0] += 1
                    if transientCount[failure.index]! >= transientAttempts {
                        decisions[failure.index] = .retryLater(reason)
                    } else {
                        Thread.sleep(forTimeInterval: transientPause.seconds)
                    }
                case (.deterministic, .apply):
                    decisions[failure.index] = .failed(reason)
                }
            } catch let error as FirebirdError {
                try? transaction.rollback()
                ids.rollback()
                switch FailureKind(error) {
                case .databaseDown:
                    throw error
                case .transient where batchTransient < transientAttempts:
                    batchTransient += 1
                    Thread.sleep(forTimeInterval: transientPause.seconds)
                case .transient, .deterministic:
                    return try writeEachAlone(batch, on: attachment, lastError: error)
                }
            } catch {
                try? transaction.rollback()
                ids.rollback()
                throw error
            }
        }
    }

    /// Writes every event in a transaction of its own; an event that fails alone for a reason nobody
    /// can blame on another is quarantined.
    private func writeEachAlone(_ batch: [InboundEvent], on attachment: FirebirdAttachment,
                                lastError: FirebirdError?) throws -> [IntakeOutcome] {
        if batch.count == 1 {
            let reason = lastError.map(Self.reason) ?? "the event could not be stored after repeated attempts"
            guard quarantineAllowed else { throw QuarantinedAgain(reason: reason) }
            return [try quarantineAlone(batch[0], stage: "inbox", reason: reason, on: attachment)]
        }
        return try batch.flatMap { try write([$0], on: attachment) }
    }

    /// Quarantines one event in a transaction of its own.
    func quarantineAlone(_ event: InboundEvent, stage: String, reason: String, on attachment: FirebirdAttachment) throws -> IntakeOutcome {
        let statements = statementCache(for: attachment)
        let transaction = try attachment.beginTransaction(transactionOptions)
        do {
            try Quarantine.insert(Quarantine.Entry(event: event, stage: stage, reason: reason), statements: statements, transaction: transaction)
            try transaction.commit()
            return .quarantined
        } catch {
            try? transaction.rollback()
            throw error
        }
    }

    /// What was decided about an event that failed in an earlier pass over the batch.
    private enum Decision {
        case failed(String)
        case retryLater(String)
        case quarantine(stage: String, String)
    }

    private func writeOnce(_ batch: [InboundEvent], decisions: [Int: Decision], statements: StatementCache,
                           transaction: Transaction) throws -> [IntakeOutcome] {
        let context = ApplyContext(attachment: statements.attachment, transaction: transaction, statements: statements,
                                   profile: profile, timestampOffset: timestampOffset, ids: ids, lookups: lookups)
        let known = try existingKeys(batch.map(\.deliveryKey), statements: statements, transaction: transaction)
        var seen = Set<String>()
        var outcomes: [IntakeOutcome] = []
        outcomes.reserveCapacity(batch.count)
        for (index, event) in batch.enumerated() {
            if case .quarantine(let stage, let reason) = decisions[index] {
                do {
                    try Quarantine.insert(Quarantine.Entry(event: event, stage: stage, reason: reason),
                                          statements: statements, transaction: transaction)
                } catch let failure as FirebirdError {
                    throw EventFailure(index: index, error: failure, stage: .quarantine)
                }
                outcomes.append(.quarantined)
                continue
            }
            if known.contains(event.deliveryKey) || !seen.insert(event.deliveryKey).inserted {
                outcomes.append(.duplicate)
                continue
            }
            var outcome = IntakeOutcome.failed
            var error: String?
            switch decisions[index] {
            case .failed(let reason): error = reason
            case .retryLater(let reason):
                outcome = .retrying
                error = reason
            case .quarantine, nil:
                do {
                    outcome = try appliers.lazy.compactMap { try $0.apply(event, in: context) }.first ?? .stored
                } catch let failure as FirebirdError {
                    throw EventFailure(index: index, error: failure, stage: .apply)
                } catch let other {
                    outcome = .failed
                    error = String(describing: other)
                }
            }
            do {
                try insertInbox(event, outcome: outcome, error: error, now: context.now, statements: statements, transaction: transaction)
            } catch let failure as FirebirdError {
                throw EventFailure(index: index, error: failure, stage: .inbox)
            }
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// The delivery keys of the batch already in the inbox, asked in chunks of 64.
    private func existingKeys(_ keys: [String], statements: StatementCache, transaction: Transaction) throws -> Set<String> {
        var found = Set<String>()
        let chunk = 64
        for start in stride(from: 0, to: keys.count, by: chunk) {
            // One prepared statement for every chunk: pad with a key that cannot exist. A key no inbox
            // row can hold (not ASCII, too long) cannot be there either: it is asked as the padding.
            var part = keys[start..<min(start + chunk, keys.count)].map { Self.storableKey($0) ?? "" }
            part += Array(repeating: "", count: chunk - part.count)
            found.formUnion(try InboxItems.existingKeys(part, in: CachedStatements(cache: statements, transaction: transaction)))
        }
        return found
    }

    /// The key as `MISLINK_INBOX.DELIVERY_KEY` (ASCII, 255) stores it, or nil if it cannot be stored as it is.
    static func storableKey(_ key: String) -> String? {
        key.utf8.count <= 255 && key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 }) && !key.isEmpty ? key : nil
    }

    private func insertInbox(_ event: InboundEvent, outcome: IntakeOutcome, error: String?, now: FirebirdValue,
                             statements: StatementCache, transaction: Transaction) throws {
        guard let key = Self.storableKey(event.deliveryKey) else {
            throw FirebirdError(code: .conversion, message: "the delivery key is not printable ASCII of at most 255 bytes")
        }
        let done = outcome == .applied || outcome == .skipped
        try InboxItems.insert(
            ReceivedInboxEvent(
                source: event.source, deliveryKey: key, eventType: FirebirdValue.ascii(event.eventType, limit: 63).stringValue,
                objectId: FirebirdValue.ascii(event.objectID, limit: 128).stringValue, payload: event.payload,
                remoteAddr: FirebirdValue.ascii(event.remoteAddress, limit: 45).stringValue, status: outcome.inboxStatus,
                error: error.map { String($0.prefix(scalars: 1000)) }, receivedAt: Quarantine.timestamp(event.receivedAt).timestampValue,
                processedAt: done ? now.timestampValue : nil,
                nextAttemptAt: outcome == .retrying
                    ? Quarantine.timestamp(Date().addingTimeInterval(InboxRetrier.delay(afterAttempts: 1))).timestampValue : nil),
            in: CachedStatements(cache: statements, transaction: transaction))
    }

    func statementCache(for attachment: FirebirdAttachment) -> StatementCache {
        let id = ObjectIdentifier(attachment)
        if let cache, cache.attachment == id { return cache.statements }
        let statements = StatementCache(attachment: attachment)
        cache = (id, statements)
        return statements
    }

    /// Applies one stored event again inside `transaction` (for ``InboxRetrier``).
    func reapply(_ event: InboundEvent, attachment: FirebirdAttachment, transaction: Transaction) throws -> IntakeOutcome {
        let statements = statementCache(for: attachment)
        let context = ApplyContext(attachment: attachment, transaction: transaction, statements: statements,
                                   profile: profile, timestampOffset: timestampOffset, ids: ids, lookups: lookups)
        return try appliers.lazy.compactMap { try $0.apply(event, in: context) }.first ?? .stored
    }

    func commitIDs() { ids.commit() }
    func rollbackIDs() { ids.rollback() }

    /// Forgets the statements of a lost attachment (and the ids: the database may have been restored).
    func reset() {
        cache = nil
        ids.reset()
        lookups.reset()
    }

    /// An error as it is stored and logged: the safe description (no bound values, no key values).
    static func reason(_ error: any Error) -> String {
        String(describing: error).prefix(scalars: 1000)
    }
}

/// A quarantined event being retried still cannot be stored.
struct QuarantinedAgain: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// A database error raised while writing one event of a batch.
struct EventFailure: Error {
    enum Stage { case apply, inbox, quarantine }
    var index: Int
    var error: FirebirdError
    var stage: Stage
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
