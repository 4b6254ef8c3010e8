import Firebird
import Foundation

/// A mailing with how its messages stand, as `GET /api/v1/mailings/{id}` shows it: a `MISLINK_MAILINGS`
/// row read by column name, with the counts of its messages added.
public struct MailingReport: Codable, Sendable {
    public var id: Int64
    public var title: String
    /// `reminder`, `results_ready` or `announcement`.
    public var kind: String
    public var templateCode: String?
    public var body: String?
    public var channel: String
    /// `HH:MM`, clinic time.
    public var windowStart: String
    /// `HH:MM`, clinic time.
    public var windowEnd: String
    public var ratePerMinute: Int
    /// As stored, `active` or `cancelled`; as reported, `sending` (messages still pending), `done` or `cancelled`.
    public var status: String
    public var recipients: Int
    public var queued: Int
    public var refused: Int
    public var staffId: Int64?
    public var createdBy: String?
    public var createdAt: Date
    /// Outbox rows by status: `pending`, `sending`, `sent`, `failed`, `cancelled` (every key present once counted).
    public var counts: [String: Int]
    /// When the next pending message is due (UTC), if any.
    public var nextDueAt: Date?
    /// Rows not sent (`failed`, `cancelled`) with the reason; only in the report of one mailing.
    public var failures: [MailingFailure]?

    enum CodingKeys: String, CodingKey {
        case id, title, kind, templateCode, body, channel, windowStart, windowEnd, ratePerMinute, status, recipients, queued,
            refused, staffId, createdBy, createdAt, counts, nextDueAt, failures
    }

    /// Reads a report, or a mailing's row: what the row does not have (counts, next due, failures) is empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        kind = try c.decode(String.self, forKey: .kind)
        templateCode = try c.decodeIfPresent(String.self, forKey: .templateCode)
        body = try c.decodeIfPresent(String.self, forKey: .body)
        channel = try c.decode(String.self, forKey: .channel)
        windowStart = try c.decode(String.self, forKey: .windowStart)
        windowEnd = try c.decode(String.self, forKey: .windowEnd)
        ratePerMinute = try c.decode(Int.self, forKey: .ratePerMinute)
        status = try c.decode(String.self, forKey: .status)
        recipients = try c.decode(Int.self, forKey: .recipients)
        queued = try c.decode(Int.self, forKey: .queued)
        refused = try c.decode(Int.self, forKey: .refused)
        staffId = try c.decodeIfPresent(Int64.self, forKey: .staffId)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        counts = try c.decodeIfPresent([String: Int].self, forKey: .counts) ?? [:]
        nextDueAt = try c.decodeIfPresent(Date.self, forKey: .nextDueAt)
        failures = try c.decodeIfPresent([MailingFailure].self, forKey: .failures)
    }
}

/// A recipient whose message was not sent.
public struct MailingFailure: Codable, Sendable, Hashable {
    public var outboxId: Int64
    public var patientId: Int64?
    /// `failed` or `cancelled`.
    public var status: OutboxStatus
    /// Why: `no consent`, `no phone number`, the provider's error …
    public var error: String?
    public var attempts: Int
}

/// The SQL of `MISLINK_MAILINGS` and of the outbox rows of mailings (`SOURCE = 'mailing'`,
/// `BATCH_ID` = the mailing's id as text, `IDEMPOTENCY_KEY` `mailing:<id>:<patient>`).
public enum Mailings {
    /// A mailing as it is inserted.
    public struct New: Sendable, Hashable {
        public var title: String
        public var kind: String
        public var templateCode: String?
        public var body: String?
        public var channel: String
        public var windowStart: String
        public var windowEnd: String
        public var ratePerMinute: Int
        public var recipients: Int
        public var staffId: Int64?
        public var createdBy: String

        public init(title: String, kind: String, templateCode: String?, body: String?, channel: String, windowStart: String,
                    windowEnd: String, ratePerMinute: Int, recipients: Int, staffId: Int64?, createdBy: String) {
            self.title = title
            self.kind = kind
            self.templateCode = templateCode
            self.body = body
            self.channel = channel
            self.windowStart = windowStart
            self.windowEnd = windowEnd
            self.ratePerMinute = ratePerMinute
            self.recipients = recipients
            self.staffId = staffId
            self.createdBy = createdBy
        }
    }

    /// One recipient's outbox row: `pending` (due at `due`) or refused at once as `cancelled` with the reason.
    public struct Message: Sendable, Hashable {
        public var patientId: Int64
        public var channel: String
        public var phoneKey: String?
        /// The row's PARAMS (JSON text).
        public var params: String
        public var status: OutboxStatus
        public var error: String?
        public var due: FirebirdTimestamp

        public init(patientId: Int64, channel: String, phoneKey: String?, params: String, status: OutboxStatus, error: String?,
                    due: FirebirdTimestamp) {
            self.patientId = patientId
            self.channel = channel
            self.phoneKey = phoneKey
            self.params = params
            self.status = status
            self.error = error
            self.due = due
        }
    }

    /// Inserts the mailing; returns its id.
    public static func insert(_ mailing: New, in tx: Transaction) throws -> Int64 {
        let id = try tx.attachment.query(
            """
            INSERT INTO MISLINK_MAILINGS (TITLE, KIND, TEMPLATE_CODE, BODY, CHANNEL, WINDOW_START, WINDOW_END,
                                          RATE_PER_MINUTE, RECIPIENTS, STAFF_ID, CREATED_BY)
            VALUES (\(mailing.title), \(mailing.kind), \(mailing.templateCode), \(mailing.body), \(mailing.channel),
                    \(mailing.windowStart), \(mailing.windowEnd), \(mailing.ratePerMinute), \(mailing.recipients),
                    \(mailing.staffId), \(String(mailing.createdBy.prefix(63))))
            RETURNING ID
            """, in: tx
        ).first?.decode(Int64?.self, column: "ID") ?? nil
        guard let id else { throw FirebirdError(code: .misuse, message: "INSERT INTO MISLINK_MAILINGS returned no ID") }
        return id
    }

    /// Queues one recipient's outbox row of mailing `id` (the mailing's text, staff and id).
    public static func insertMessage(_ message: Message, of mailing: New, id: Int64, in tx: Transaction) throws {
        let key = "mailing:\(id):\(message.patientId)"
        try tx.attachment.execute(
            """
            INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, TEMPLATE_CODE, BODY, PARAMS, STATUS, ERROR,
                                        NEXT_ATTEMPT_AT, PATIENT_ID, STAFF_ID, BATCH_ID, SOURCE, IDEMPOTENCY_KEY)
            VALUES ('message', \(message.channel), \(message.phoneKey), \(message.phoneKey), \(mailing.templateCode),
                    \(mailing.body), \(message.params), \(message.status), \(message.error), \(message.due),
                    \(message.patientId), \(mailing.staffId), \(String(id)), 'mailing', \(key))
            """, in: tx)
    }

    /// Writes how many recipients were queued and refused.
    public static func setCounts(_ id: Int64, queued: Int, refused: Int, in tx: Transaction) throws {
        try tx.attachment.execute("UPDATE MISLINK_MAILINGS SET QUEUED = \(queued), REFUSED = \(refused) WHERE ID = \(id)", in: tx)
    }

    /// Sets a mailing `cancelled` and cancels its messages still pending; `false` when there is no such mailing.
    public static func cancel(_ id: Int64, in tx: Transaction) throws -> Bool {
        guard try tx.attachment.execute("UPDATE MISLINK_MAILINGS SET STATUS = 'cancelled' WHERE ID = \(id)", in: tx) == 1
        else { return false }
        try tx.attachment.execute(
            """
            UPDATE MISLINK_OUTBOX SET STATUS = 'cancelled', ERROR = 'mailing cancelled'
             WHERE BATCH_ID = \(String(id)) AND SOURCE = 'mailing' AND STATUS = 'pending'
            """, in: tx)
        return true
    }

    private static let columns: FirebirdQuery = """
        M.ID, M.TITLE, M.KIND, M.TEMPLATE_CODE, M.BODY, M.CHANNEL, TRIM(M.WINDOW_START) AS WINDOW_START,
        TRIM(M.WINDOW_END) AS WINDOW_END, M.RATE_PER_MINUTE, M.STATUS, M.RECIPIENTS, M.QUEUED, M.REFUSED, M.STAFF_ID,
        M.CREATED_BY, M.CREATED_AT
        """

    /// The mailing `id`; `nil` when there is none.
    public static func mailing(_ id: Int64, in tx: Transaction) throws -> MailingReport? {
        try tx.attachment.query("SELECT \(columns) FROM MISLINK_MAILINGS M WHERE M.ID = \(id)", as: MailingReport.self, in: tx).first
    }

    /// The newest mailings first, at most `limit`.
    public static func newest(limit: Int, in tx: Transaction) throws -> [MailingReport] {
        try tx.attachment.query(
            "SELECT FIRST (\(max(limit, 0))) \(columns) FROM MISLINK_MAILINGS M ORDER BY M.ID DESC", as: MailingReport.self, in: tx)
    }

    /// The mailing's outbox rows by status (only statuses that occur).
    public static func counts(_ id: Int64, in tx: Transaction) throws -> [OutboxStatus: Int] {
        var counts: [OutboxStatus: Int] = [:]
        for row in try tx.attachment.query(
            """
            SELECT STATUS, COUNT(*) AS N FROM MISLINK_OUTBOX
             WHERE BATCH_ID = \(String(id)) AND SOURCE = 'mailing' GROUP BY STATUS
            """, in: tx)
        {
            counts[try row.decode(OutboxStatus.self, column: "STATUS")] = try row.decode(Int.self, column: "N")
        }
        return counts
    }

    /// When the mailing's next pending message is due; `nil` when none is pending.
    public static func nextDue(_ id: Int64, in tx: Transaction) throws -> Date? {
        try tx.attachment.queryValue(
            """
            SELECT MIN(NEXT_ATTEMPT_AT) FROM MISLINK_OUTBOX
             WHERE BATCH_ID = \(String(id)) AND SOURCE = 'mailing' AND STATUS = 'pending'
            """, as: FirebirdTimestamp?.self, in: tx)??.date(in: DatabaseClock.utc)
    }

    /// The mailing's rows not sent (`failed`, `cancelled`), at most `limit`, oldest first.
    public static func failures(_ id: Int64, limit: Int, in tx: Transaction) throws -> [MailingFailure] {
        try tx.attachment.query(
            """
            SELECT FIRST (\(max(limit, 0))) ID AS OUTBOX_ID, PATIENT_ID, STATUS, ERROR, ATTEMPTS FROM MISLINK_OUTBOX
             WHERE BATCH_ID = \(String(id)) AND SOURCE = 'mailing' AND STATUS IN ('failed', 'cancelled')
             ORDER BY ID
            """, as: MailingFailure.self, in: tx)
    }

    /// How a mailing paces its sends: its status, window and own rate; `nil` when the mailing row is gone.
    public static func pace(_ id: Int64, in tx: Transaction) throws -> (status: MailingStatus, windowStart: String, windowEnd: String, ratePerMinute: Int)? {
        try tx.attachment.query(
            "SELECT STATUS, WINDOW_START, WINDOW_END, RATE_PER_MINUTE FROM MISLINK_MAILINGS WHERE ID = \(id)", in: tx
        ).first.map {
            (try $0.decode(MailingStatus.self, column: "STATUS"), try $0.decode(String.self, column: "WINDOW_START"),
             try $0.decode(String.self, column: "WINDOW_END"), try $0.decode(Int.self, column: "RATE_PER_MINUTE"))
        }
    }

    /// Takes the mailing's send slot (`NEXT_SLOT_AT`, which every worker shares) when it has come (within
    /// 20 ms of `now`) and moves it `intervalMilliseconds` on; otherwise leaves it. One statement, so the
    /// row's lock is held only for an instant; run it in a ``TransactionOptions/claim`` transaction.
    /// - Returns: the slot as it was before (`nil` when unset); the slot was taken unless it lies more
    ///   than 20 ms after `now`.
    public static func takeSlot(_ id: Int64, intervalMilliseconds: Int64, now: FirebirdTimestamp, in tx: Transaction) throws
        -> FirebirdTimestamp?
    {
        try tx.attachment.query(
            """
            UPDATE MISLINK_MAILINGS
               SET NEXT_SLOT_AT = IIF(NEXT_SLOT_AT IS NULL OR NEXT_SLOT_AT <= DATEADD(MILLISECOND, 20, CAST(\(now) AS TIMESTAMP)),
                     DATEADD(MILLISECOND, \(intervalMilliseconds), IIF(NEXT_SLOT_AT IS NULL OR NEXT_SLOT_AT < CAST(\(now) AS TIMESTAMP), CAST(\(now) AS TIMESTAMP), NEXT_SLOT_AT)),
                     NEXT_SLOT_AT)
             WHERE ID = \(id)
            RETURNING OLD.NEXT_SLOT_AT AS PREVIOUS_SLOT
            """, in: tx
        ).first?.decode(FirebirdTimestamp?.self, column: "PREVIOUS_SLOT") ?? nil
    }
}
