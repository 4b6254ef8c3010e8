import Firebird
import Foundation
import MisLinkPatients

/// Writes one batch of events in one transaction: each new event goes to `MISLINK_INBOX` and is
/// applied to the domain tables; a repeated delivery key changes nothing.
///
/// One failing event does not fail its neighbours: the batch is rolled back and written again with
/// that event stored as `failed` (with its error) instead of applied. Appliers are deterministic, so
/// the second pass gives the same result for the others. A unique violation on the inbox means
/// another worker stored the same event at the same moment: the batch is written again and the
/// event counts as a duplicate.
///
/// Runs only on the intake connection's queue.
final class InboxWriter {
    private let appliers: [any EventApplier]
    private let timestampOffset: Int
    private var cache: (attachment: ObjectIdentifier, statements: StatementCache)?
    private let ids = IDCache()
    private let lookups: CallLookups

    /// Events whose processing error is stored but which are acknowledged: not the database's failure.
    static let transactionOptions = TransactionOptions(isolation: .readCommitted, lockResolution: .timeout(seconds: 10))

    init(appliers: [any EventApplier], timestampOffset: Int, queries: NamedQueries?, directory: OperatorDirectory) {
        self.appliers = appliers
        self.timestampOffset = timestampOffset
        lookups = CallLookups(queries: queries, directory: directory)
    }

    /// Writes the batch; returns one outcome per event, in order.
    /// - Throws: only errors of the database as a whole (connection lost, …): the caller spools the batch.
    func write(_ batch: [InboundEvent], on attachment: FirebirdAttachment) throws -> [IntakeOutcome] {
        let statements = statementCache(for: attachment)
        var failures: [Int: String] = [:]
        var attempt = 0
        while true {
            attempt += 1
            let transaction = try attachment.beginTransaction(Self.transactionOptions)
            do {
                let outcomes = try writeOnce(batch, failures: failures, statements: statements, transaction: transaction)
                try transaction.commit()
                ids.commit()
                return outcomes
            } catch let failure as EventFailure {
                try? transaction.rollback()
                ids.rollback()
                if failure.error.code == .connectionLost || attempt > batch.count + 3 { throw failure.error }
                if failure.error.code == .uniqueViolation, failure.atInbox { continue }
                failures[failure.index] = String(describing: failure.error).prefix(1000).description
            } catch let error as FirebirdError {
                try? transaction.rollback()
                ids.rollback()
                if error.code == .lockConflict, attempt <= 3 { continue }
                throw error
            } catch {
                try? transaction.rollback()
                ids.rollback()
                throw error
            }
        }
    }

    private func writeOnce(_ batch: [InboundEvent], failures: [Int: String], statements: StatementCache,
                           transaction: Transaction) throws -> [IntakeOutcome] {
        let context = ApplyContext(attachment: statements.attachment, transaction: transaction, statements: statements,
                                   timestampOffset: timestampOffset, ids: ids, lookups: lookups)
        let known = try existingKeys(batch.map(\.deliveryKey), statements: statements, transaction: transaction)
        var seen = Set<String>()
        var outcomes: [IntakeOutcome] = []
        outcomes.reserveCapacity(batch.count)
        for (index, event) in batch.enumerated() {
            if known.contains(event.deliveryKey) || !seen.insert(event.deliveryKey).inserted {
                outcomes.append(.duplicate)
                continue
            }
            var outcome = IntakeOutcome.failed
            var error = failures[index]
            if error == nil {
                do {
                    outcome = try appliers.lazy.compactMap { try $0.apply(event, in: context) }.first ?? .stored
                } catch let failure as FirebirdError {
                    throw EventFailure(index: index, error: failure, atInbox: false)
                } catch let other {
                    outcome = .failed
                    error = String(describing: other)
                }
            }
            do {
                try insertInbox(event, outcome: outcome, error: error, now: context.now, statements: statements, transaction: transaction)
            } catch let failure as FirebirdError {
                throw EventFailure(index: index, error: failure, atInbox: true)
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
            var part = Array(keys[start..<min(start + chunk, keys.count)])
            // One prepared statement for every chunk: pad with a key that cannot exist.
            part += Array(repeating: "", count: chunk - part.count)
            let placeholders = Array(repeating: "?", count: chunk).joined(separator: ", ")
            let statement = try statements.statement(
                "SELECT DELIVERY_KEY FROM MISLINK_INBOX WHERE DELIVERY_KEY IN (\(placeholders))", in: transaction)
            try statement.execute(part.map { .text($0) }, in: transaction)
            while try statement.fetch() {
                if let key = statement.string(0) { found.insert(key) }
            }
        }
        return found
    }

    private func insertInbox(_ event: InboundEvent, outcome: IntakeOutcome, error: String?, now: FirebirdValue,
                             statements: StatementCache, transaction: Transaction) throws {
        let status: String
        switch outcome {
        case .applied: status = "processed"
        case .skipped, .duplicate: status = "skipped"
        case .failed: status = "failed"
        case .stored, .spooled: status = "received"
        }
        let statement = try statements.statement(
            """
            INSERT INTO MISLINK_INBOX (SOURCE, DELIVERY_KEY, EVENT_TYPE, OBJECT_ID, PAYLOAD, REMOTE_ADDR, STATUS,
                ATTEMPTS, ERROR, RECEIVED_AT, PROCESSED_AT)
            VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
            """, in: transaction)
        try statement.execute(
            [.text(event.source), .text(event.deliveryKey), .ascii(event.eventType, limit: 63), .ascii(event.objectID, limit: 128),
             .text(event.payload), .ascii(event.remoteAddress, limit: 45), .text(status), .text(error, limit: 1000),
             .timestamp(FirebirdTimestamp(event.receivedAt, in: .utc)),
             outcome == .applied || outcome == .skipped ? now : .null],
            in: transaction)
    }

    private func statementCache(for attachment: FirebirdAttachment) -> StatementCache {
        let id = ObjectIdentifier(attachment)
        if let cache, cache.attachment == id { return cache.statements }
        let statements = StatementCache(attachment: attachment)
        cache = (id, statements)
        return statements
    }

    /// Forgets the statements of a lost attachment (and the ids: the database may have been restored).
    func reset() {
        cache = nil
        ids.reset()
        lookups.reset()
    }
}

/// A database error raised while writing one event of a batch.
struct EventFailure: Error {
    var index: Int
    var error: FirebirdError
    /// Raised by the inbox insert (a concurrent duplicate) rather than by an applier.
    var atInbox: Bool
}
