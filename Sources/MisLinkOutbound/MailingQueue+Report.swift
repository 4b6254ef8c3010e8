import Firebird
import Foundation
import MisLinkStore

extension MailingQueue {
    /// Outbox statuses a report counts (every key is present, zeros included).
    public static let statuses = OutboxStatus.allCases.map(\.rawValue)

    /// One mailing with its counts and the rows not sent (at most `failureLimit`, oldest first);
    /// `nil` when there is no such mailing.
    public static func report(_ id: Int64, failureLimit: Int = 1000, in tx: Transaction) throws -> MailingReport? {
        guard let mailing = try Mailings.mailing(id, in: tx) else { return nil }
        var report = try report(mailing, in: tx)
        report.failures = try Mailings.failures(id, limit: failureLimit, in: tx)
        return report
    }

    /// The newest mailings first, at most `limit`, with their counts (no failure lists).
    public static func list(limit: Int, in tx: Transaction) throws -> [MailingReport] {
        try Mailings.newest(limit: limit, in: tx).map { try report($0, in: tx) }
    }

    /// A mailing's report: its row, its messages by status, when the next is due, and its status as
    /// the API shows it (`sending` while messages are pending or being sent, then `done`; or `cancelled`).
    private static func report(_ mailing: MailingReport, in tx: Transaction) throws -> MailingReport {
        let counts = try Mailings.counts(mailing.id, in: tx)
        var report = mailing
        report.counts = Dictionary(uniqueKeysWithValues: OutboxStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        report.nextDueAt = try Mailings.nextDue(mailing.id, in: tx)
        if mailing.status != MailingStatus.cancelled.rawValue {
            let open = (counts[.pending] ?? 0) + (counts[.sending] ?? 0)
            report.status = open > 0 ? "sending" : "done"
        }
        return report
    }
}
