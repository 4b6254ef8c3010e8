import Firebird
import MisLinkStore
import Foundation

/// Which stored events to apply again.
public struct InboxRetryRequest: Sendable, Codable {
    /// The inbox statuses to take: `failed`, `received`, `retrying`.
    public var statuses: [InboxRetryStatus]
    /// Only events received at or after this instant.
    public var since: Date?
    /// At most this many events in one call.
    public var limit: Int
    /// Only `retrying` rows whose `NEXT_ATTEMPT_AT` has come (the worker's own sweep); a person's retry
    /// takes them all.
    public var onlyDue: Bool

    /// Makes a request.
    public init(statuses: [InboxRetryStatus], since: Date? = nil, limit: Int = 1000, onlyDue: Bool = false) {
        self.statuses = statuses
        self.since = since
        self.limit = limit
        self.onlyDue = onlyDue
    }
}

/// An inbox status a retry can take.
public enum InboxRetryStatus: String, Sendable, Codable, CaseIterable {
    case failed, received, retrying
}

/// What a retry did.
public struct InboxRetryReport: Sendable, Codable, Equatable {
    /// Rows read.
    public var examined = 0
    /// What happened to them, by outcome (`applied`, `skipped`, `stored`, `failed`, `retrying`).
    public var outcomes: [String: Int] = [:]
    /// Rows another worker was retrying at the same moment (left to it).
    public var busy = 0

    public init() {}
}

/// Applies events stored in `MISLINK_INBOX` again: after a fix (`mislink inbox retry`,
/// `POST /api/v1/inbox/retry`), and for `retrying` rows, whose passing error (a lock conflict or
/// timeout) the worker's sweep retries with a growing delay.
///
/// Each row is applied in a transaction of its own, which first moves the row's `ATTEMPTS` on under a
/// condition on its status: a row another worker is retrying at the same moment is left to it, and
/// the row's new status is written in the same transaction as what applying it changed, so a retry run
/// twice applies nothing twice. A deterministic error makes the row `failed` (with the error); a
/// passing one makes it `retrying` again, until ``maxAttempts``.
public final class InboxRetrier {
    /// Attempts after which a row that keeps meeting passing errors is given up as `failed`.
    public static let maxAttempts = 20

    private let writer: InboxWriter

    init(writer: InboxWriter) { self.writer = writer }

    /// Seconds before the next attempt after `attempts` attempts: 10 s doubling, at most an hour.
    static func delay(afterAttempts attempts: Int) -> TimeInterval {
        min(3600, 10 * pow(2, Double(max(0, min(attempts - 1, 12)))))
    }

    private struct StoredRow {
        var id: Int64
        var status: String
        var attempts: Int
        var event: Result<InboundEvent, any Error>
    }

    /// Applies the rows the request names.
    /// - Throws: only when the database cannot be reached (or a row cannot be read at all).
    public func retry(_ request: InboxRetryRequest, on attachment: FirebirdAttachment) throws -> InboxRetryReport {
        var report = InboxRetryReport()
        let rows = try read(request, on: attachment)
        report.examined = rows.count
        for row in rows {
            if let outcome = try retry(row, on: attachment) {
                report.outcomes[outcome, default: 0] += 1
            } else {
                report.busy += 1
            }
        }
        return report
    }

    private func read(_ request: InboxRetryRequest, on attachment: FirebirdAttachment) throws -> [StoredRow] {
        let limit = max(0, min(request.limit, 100_000))
        guard limit > 0, !request.statuses.isEmpty else { return [] }
        let transaction = try attachment.beginTransaction(TransactionOptions(isolation: .readCommitted, readOnly: true))
        defer { try? transaction.rollback() }
        var result: [StoredRow] = []
        for status in Set(request.statuses).sorted(by: { $0.rawValue < $1.rawValue }) where result.count < limit {
            let rows = try InboxItems.stored(
                status: status.rawValue, since: request.since.map(Quarantine.timestamp)?.timestampValue,
                dueBy: request.onlyDue && status == .retrying ? Quarantine.timestamp(Date()).timestampValue : nil,
                limit: limit - result.count, in: transaction)
            for row in rows {
                let event = Result<InboundEvent, any Error> {
                    let payload = row.payload ?? ""
                    return InboundEvent(
                        source: row.source, deliveryKey: row.deliveryKey, eventType: row.eventType, objectID: row.objectId,
                        payload: payload, remoteAddress: row.remoteAddr, receivedAt: row.receivedAt.date(in: .utc),
                        content: try EventContent.decode(source: row.source, eventType: row.eventType, payload: payload))
                }
                result.append(StoredRow(id: row.id, status: row.status, attempts: Int(row.attempts), event: event))
            }
        }
        return result
    }

    /// Retries one row; nil when another worker has it.
    private func retry(_ row: StoredRow, on attachment: FirebirdAttachment) throws -> String? {
        let transaction = try attachment.beginTransaction(TransactionOptions(isolation: .readCommitted, lockResolution: .noWait))
        do {
            guard try claim(row, on: attachment, in: transaction) else {
                try transaction.rollback()
                return nil
            }
            let outcome: IntakeOutcome
            var error: String?
            switch row.event {
            case .failure(let failure):
                outcome = .failed
                error = "the stored event does not parse: \(InboxWriter.reason(failure))"
            case .success(let event):
                do {
                    outcome = try writer.reapply(event, attachment: attachment, transaction: transaction)
                } catch let failure as FirebirdError {
                    throw failure
                } catch let other {
                    outcome = .failed
                    error = InboxWriter.reason(other)
                }
            }
            try setStatus(row.id, outcome: outcome, error: error, attempts: row.attempts + 1, on: attachment, in: transaction)
            try transaction.commit()
            writer.commitIDs()
            return outcome.rawValue
        } catch let error as FirebirdError {
            try? transaction.rollback()
            writer.rollbackIDs()
            let kind = FailureKind(error)
            if kind == .databaseDown { throw error }
            // The row's new status, in a transaction of its own.
            let attempts = row.attempts + 1
            let outcome: IntakeOutcome = kind == .transient && attempts < Self.maxAttempts ? .retrying : .failed
            let text = kind == .transient && attempts >= Self.maxAttempts
                ? "gave up after \(attempts) attempts: \(InboxWriter.reason(error))" : InboxWriter.reason(error)
            let update = try attachment.beginTransaction(TransactionOptions(isolation: .readCommitted, lockResolution: .noWait))
            do {
                guard try claim(row, on: attachment, in: update) else {
                    try update.rollback()
                    return nil
                }
                try setStatus(row.id, outcome: outcome, error: text, attempts: attempts, on: attachment, in: update)
                try update.commit()
                return outcome.rawValue
            } catch let second as FirebirdError {
                try? update.rollback()
                if FailureKind(second) == .databaseDown { throw second }
                return nil // another worker holds the row now
            }
        }
    }

    /// Counts the attempt on the row if it still has the status it was read with (NO WAIT: a row another
    /// worker is retrying is a lock conflict); false when it has moved on.
    private func claim(_ row: StoredRow, on attachment: FirebirdAttachment, in transaction: Transaction) throws -> Bool {
        try InboxItems.countAttempt(row.id, status: row.status, in: transaction)
    }

    private func setStatus(_ id: Int64, outcome: IntakeOutcome, error: String?, attempts: Int,
                           on attachment: FirebirdAttachment, in transaction: Transaction) throws {
        let done = outcome == .applied || outcome == .skipped
        let next = outcome == .retrying
            ? Quarantine.timestamp(Date().addingTimeInterval(Self.delay(afterAttempts: attempts))).timestampValue : nil
        try InboxItems.setOutcome(
            id, status: outcome.inboxStatus, error: error.map { String($0.prefix(scalars: 1000)) }, nextAttemptAt: next,
            processedAt: done ? Quarantine.timestamp(Date()).timestampValue : nil, in: transaction)
    }
}
