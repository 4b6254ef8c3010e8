import Firebird
import Foundation

/// A thread as the operators' list shows it (`MISLINK_CHAT_THREADS` with its appeal's `MISLINK_APPEALS`
/// row), read by column name. Times are UTC.
public struct ThreadRecord: Sendable, Hashable, Decodable {
    public var id: Int64
    public var provider: String
    public var externalId: String
    public var channel: String
    public var status: ThreadStatus
    public var operatorId: Int64?
    public var contactName: String?
    public var contactPhone: String?
    public var patientId: Int64?
    public var patientOthers: Int
    public var patientDisplay: String?
    public var appealId: Int64?
    /// The appeal's `MISLINK_APPEALS.STATUS`, trimmed.
    public var appealStatus: String?
    /// `MISLINK_APPEALS.IS_DETACHED`.
    public var appealDetached: Int?
    public var unansweredCount: Int
    public var lastMessagePreview: String?
    public var openedAt: Date
    public var assignedAt: Date?
    public var firstResponseAt: Date?
    public var lastMessageAt: Date?
    public var closedAt: Date?
    public var closeReason: String?
    /// `COALESCE(LAST_MESSAGE_AT, OPENED_AT)`: the list's order and its cursor.
    public var activityAt: Date
}

/// A message of a thread's history (`MISLINK_CHAT_MESSAGES`), read by column name.
public struct ChatMessageRecord: Sendable, Hashable, Decodable {
    public var id: Int64
    /// `in` or `out`.
    public var direction: String
    public var authorType: String
    public var authorName: String?
    public var operatorId: Int64?
    public var body: String?
    public var status: String
    public var sentAt: Date
}

/// Where an operator's message to a thread goes: the thread's channel, patient and appeal.
public struct ThreadDestination: Sendable, Hashable, Decodable {
    public var channel: String
    public var patientId: Int64?
    public var appealId: Int64?
}

/// The API's SQL of chat threads: the operators' list, a thread's messages, queuing an operator's message.
extension ChatThreads {
    /// What `GET /api/v1/threads` asks for; every field is optional.
    public struct Filter: Sendable {
        /// An operator's threads: those in their queue now, and those that finished with their appeal open.
        public var operatorId: Int64?
        public var status: ThreadStatus?
        /// The page starts after this (activity time, `ID`) pair.
        public var after: (activityAt: Date, id: Int64)?

        public init(operatorId: Int64? = nil, status: ThreadStatus? = nil, after: (activityAt: Date, id: Int64)? = nil) {
            self.operatorId = operatorId
            self.status = status
            self.after = after
        }
    }

    /// The threads that match, newest activity first (then by ID), at most `limit`.
    public static func list(_ filter: Filter, limit: Int, in tx: some StoreTransaction) throws -> [ThreadRecord] {
        var conditions: [FirebirdQuery] = []
        if let id = filter.operatorId {
            conditions.append("(T.OPERATOR_ID = \(id) OR (T.STATUS IN ('closed', 'released') AND M.OPERATOR_ID = \(id)))")
        }
        if let status = filter.status { conditions.append("T.STATUS = \(status)") }
        if let after = filter.after {
            let at = FirebirdTimestamp(after.activityAt, in: DatabaseClock.utc)
            conditions.append(
                "(COALESCE(T.LAST_MESSAGE_AT, T.OPENED_AT) < \(at) OR (COALESCE(T.LAST_MESSAGE_AT, T.OPENED_AT) = \(at) AND T.ID < \(after.id)))")
        }
        return try tx.rows(
            """
            SELECT FIRST (\(max(limit, 0))) T.ID, T.PROVIDER, T.EXTERNAL_ID, T.CHANNEL, T.STATUS, T.OPERATOR_ID, T.CONTACT_NAME,
                   T.CONTACT_PHONE, T.PATIENT_ID, T.PATIENT_OTHERS, T.PATIENT_DISPLAY, T.APPEAL_ID, TRIM(M.STATUS) AS APPEAL_STATUS,
                   M.IS_DETACHED AS APPEAL_DETACHED, T.UNANSWERED_COUNT, T.LAST_MESSAGE_PREVIEW, T.OPENED_AT, T.ASSIGNED_AT,
                   T.FIRST_RESPONSE_AT, T.LAST_MESSAGE_AT, T.CLOSED_AT, T.CLOSE_REASON,
                   COALESCE(T.LAST_MESSAGE_AT, T.OPENED_AT) AS ACTIVITY_AT
              FROM MISLINK_CHAT_THREADS T
              LEFT JOIN MISLINK_APPEALS M ON M.APPEAL_ID = T.APPEAL_ID
            \(FirebirdQuery.where(conditions))
            ORDER BY ACTIVITY_AT DESC, T.ID DESC
            """
        ).map { try $0.decode(ThreadRecord.self) }
    }

    /// Whether thread `id` exists.
    public static func exists(_ id: Int64, in tx: some StoreTransaction) throws -> Bool {
        try tx.firstID("SELECT ID FROM MISLINK_CHAT_THREADS WHERE ID = \(id)") != nil
    }

    /// A thread's messages, oldest first (then by ID).
    public static func messages(thread: Int64, in tx: some StoreTransaction) throws -> [ChatMessageRecord] {
        try tx.rows(
            """
            SELECT ID, DIRECTION, AUTHOR_TYPE, AUTHOR_NAME, OPERATOR_ID, BODY, STATUS, SENT_AT
              FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = \(thread) ORDER BY SENT_AT, ID
            """
        ).map { try $0.decode(ChatMessageRecord.self) }
    }

    /// Where a message to thread `id` goes; nil when there is no such thread.
    public static func destination(_ id: Int64, in tx: some StoreTransaction) throws -> ThreadDestination? {
        try tx.rows("SELECT CHANNEL, PATIENT_ID, APPEAL_ID FROM MISLINK_CHAT_THREADS WHERE ID = \(id)").first?
            .decode(ThreadDestination.self)
    }
}

extension Outbox {
    /// Queues an operator's message (text, or a template the dispatcher renders) into a thread
    /// (`SOURCE = 'api'`, `pending`); returns the outbox row's id.
    public static func queueThreadMessage(
        thread: Int64, to destination: ThreadDestination, text: String?, templateCode: String?, staffId: Int64?,
        in tx: some StoreTransaction
    ) throws -> Int64? {
        try tx.returnedID(
            """
            INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, THREAD_ID, BODY, TEMPLATE_CODE, PATIENT_ID, APPEAL_ID, STAFF_ID,
                SOURCE, STATUS)
            VALUES ('message', \(destination.channel), \(thread), \(text), \(templateCode), \(destination.patientId),
                \(destination.appealId), \(staffId), 'api', 'pending')
            RETURNING ID
            """)
    }
}
