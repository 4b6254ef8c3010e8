import Firebird
import Foundation

extension MailingQueue {
    /// Outbox statuses a report counts (every key is present, zeros included).
    public static let statuses = ["pending", "sending", "sent", "failed", "cancelled"]

    /// One mailing with its counts and the rows not sent (at most `failureLimit`, oldest first);
    /// `nil` when there is no such mailing.
    public static func report(_ id: Int64, failureLimit: Int = 1000, in tx: Transaction) throws -> MailingReport? {
        guard var report = try mailings("WHERE M.ID = \(id)", in: tx).first else { return nil }
        report.failures = try tx.attachment.query(
            """
            SELECT FIRST (\(max(failureLimit, 0))) ID, PATIENT_ID, STATUS, ERROR, ATTEMPTS FROM MISLINK_OUTBOX
             WHERE BATCH_ID = \(String(id)) AND SOURCE = 'mailing' AND STATUS IN ('failed', 'cancelled')
             ORDER BY ID
            """, in: tx
        ).map { row in
            MailingFailure(outboxId: try row.decode(Int64.self, at: 0), patientId: try row.decode(Int?.self, at: 1),
                           status: try row.decode(String.self, at: 2), error: try row.decode(String?.self, at: 3),
                           attempts: try row.decode(Int.self, at: 4))
        }
        return report
    }

    /// The newest mailings first, at most `limit`, with their counts (no failure lists).
    public static func list(limit: Int, in tx: Transaction) throws -> [MailingReport] {
        try mailings("ORDER BY M.ID DESC", first: limit, in: tx)
    }

    private static func mailings(_ tail: FirebirdQuery, first: Int? = nil, in tx: Transaction) throws -> [MailingReport] {
        let head = FirebirdQuery(unsafeSQL: """
            SELECT \(first.map { "FIRST \(max($0, 0))" } ?? "") M.ID, M.TITLE, M.KIND, M.TEMPLATE_CODE, M.BODY, M.CHANNEL,
                   M.WINDOW_START, M.WINDOW_END, M.RATE_PER_MINUTE, M.STATUS, M.RECIPIENTS, M.QUEUED, M.REFUSED, M.STAFF_ID,
                   M.CREATED_BY, M.CREATED_AT
              FROM MISLINK_MAILINGS M
            """)
        var reports = try tx.attachment.query("\(head) \(tail)", in: tx).map { row in
            MailingReport(
                id: try row.decode(Int64.self, at: 0), title: try row.decode(String.self, at: 1),
                kind: try row.decode(String.self, at: 2), templateCode: try row.decode(String?.self, at: 3),
                body: try row.decode(String?.self, at: 4), channel: try row.decode(String.self, at: 5),
                windowStart: try row.decode(String.self, at: 6).trimmed, windowEnd: try row.decode(String.self, at: 7).trimmed,
                ratePerMinute: try row.decode(Int.self, at: 8), status: try row.decode(String.self, at: 9),
                recipients: try row.decode(Int.self, at: 10), queued: try row.decode(Int.self, at: 11),
                refused: try row.decode(Int.self, at: 12), staffId: try row.decode(Int?.self, at: 13),
                createdBy: try row.decode(String?.self, at: 14),
                createdAt: try row.decode(FirebirdTimestamp.self, at: 15).date(in: DatabaseClock.utc),
                counts: Dictionary(uniqueKeysWithValues: statuses.map { ($0, 0) }), nextDueAt: nil, failures: nil)
        }
        for index in reports.indices {
            let batch = String(reports[index].id)
            for row in try tx.attachment.query(
                "SELECT STATUS, COUNT(*) FROM MISLINK_OUTBOX WHERE BATCH_ID = \(batch) AND SOURCE = 'mailing' GROUP BY STATUS",
                in: tx)
            {
                reports[index].counts[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
            }
            reports[index].nextDueAt = try tx.attachment.queryValue(
                """
                SELECT MIN(NEXT_ATTEMPT_AT) FROM MISLINK_OUTBOX
                 WHERE BATCH_ID = \(batch) AND SOURCE = 'mailing' AND STATUS = 'pending'
                """, as: FirebirdTimestamp?.self, in: tx)??.date(in: DatabaseClock.utc)
            if reports[index].status != "cancelled" {
                let open = reports[index].counts["pending", default: 0] + reports[index].counts["sending", default: 0]
                reports[index].status = open > 0 ? "sending" : "done"
            }
        }
        return reports
    }
}
