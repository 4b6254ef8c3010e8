import Firebird

/// An event kept in `MISLINK_INBOX` as received, read by column name for another attempt.
public struct StoredInboxEvent: Sendable, Hashable, Decodable {
    public var id: Int64
    public var source: String
    public var eventType: String
    public var deliveryKey: String
    public var objectId: String?
    public var payload: String?
    public var remoteAddr: String?
    public var receivedAt: FirebirdTimestamp
    public var attempts: Int16
    public var status: String
}

/// The retrier's SQL of `MISLINK_INBOX`: reading the events to apply again, counting an attempt (the
/// row's claim), and what the attempt came to.
extension InboxItems {
    /// The events with `status` (received at or after `since`; with `dueBy`, only those whose next attempt
    /// is due by then), oldest first, at most `limit`.
    public static func stored(status: String, since: FirebirdTimestamp?, dueBy: FirebirdTimestamp?, limit: Int,
                              in tx: some StoreTransaction) throws -> [StoredInboxEvent] {
        var conditions: [FirebirdQuery] = ["STATUS = \(status)"]
        if let since { conditions.append("RECEIVED_AT >= \(since)") }
        if let dueBy { conditions.append("(NEXT_ATTEMPT_AT IS NULL OR NEXT_ATTEMPT_AT <= \(dueBy))") }
        return try tx.rows(
            """
            SELECT FIRST (\(max(limit, 0))) ID, SOURCE, EVENT_TYPE, DELIVERY_KEY, OBJECT_ID, PAYLOAD, REMOTE_ADDR, RECEIVED_AT,
                   ATTEMPTS, STATUS
              FROM MISLINK_INBOX \(FirebirdQuery.where(conditions))
             ORDER BY ID
            """
        ).map { try $0.decode(StoredInboxEvent.self) }
    }

    /// Counts an attempt on event `id` if it still has `status` (run it NO WAIT: a row another worker is
    /// retrying is a lock conflict); false when it has moved on.
    public static func countAttempt(_ id: Int64, status: String, in tx: some StoreTransaction) throws -> Bool {
        try tx.execute("UPDATE MISLINK_INBOX SET ATTEMPTS = IIF(ATTEMPTS < 32000, ATTEMPTS + 1, ATTEMPTS) WHERE ID = \(id) AND STATUS = \(status)") == 1
    }

    /// What an attempt came to: the status, the error (1000 characters), when to try again, and when it
    /// was processed (nil keeps the stored time).
    public static func setOutcome(_ id: Int64, status: String, error: String?, nextAttemptAt: FirebirdTimestamp?,
                                  processedAt: FirebirdTimestamp?, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_INBOX SET STATUS = \(status), ERROR = \(error), NEXT_ATTEMPT_AT = \(nextAttemptAt),
                PROCESSED_AT = COALESCE(\(processedAt), PROCESSED_AT)
            WHERE ID = \(id)
            """)
    }
}

/// An event as the inbox writer stores it. Text is already cut to its column.
public struct ReceivedInboxEvent: Sendable, Hashable {
    public var source: String
    /// Printable ASCII, at most 255 bytes.
    public var deliveryKey: String
    public var eventType: String?
    public var objectId: String?
    public var payload: String
    public var remoteAddr: String?
    public var status: String
    public var error: String?
    public var receivedAt: FirebirdTimestamp?
    public var processedAt: FirebirdTimestamp?
    public var nextAttemptAt: FirebirdTimestamp?

    public init(source: String, deliveryKey: String, eventType: String?, objectId: String?, payload: String, remoteAddr: String?,
                status: String, error: String?, receivedAt: FirebirdTimestamp?, processedAt: FirebirdTimestamp?,
                nextAttemptAt: FirebirdTimestamp?) {
        self.source = source
        self.deliveryKey = deliveryKey
        self.eventType = eventType
        self.objectId = objectId
        self.payload = payload
        self.remoteAddr = remoteAddr
        self.status = status
        self.error = error
        self.receivedAt = receivedAt
        self.processedAt = processedAt
        self.nextAttemptAt = nextAttemptAt
    }
}

/// The inbox writer's SQL of `MISLINK_INBOX` (inside the batch's group-commit transaction).
extension InboxItems {
    /// Which of `keys` the inbox holds already. Give the same number of keys each time (pad with a key that
    /// cannot exist, such as ""), so that one prepared statement serves every call.
    public static func existingKeys(_ keys: [String], in tx: some StoreTransaction) throws -> Set<String> {
        Set(try tx.rows("SELECT DELIVERY_KEY FROM MISLINK_INBOX WHERE DELIVERY_KEY IN (\(FirebirdQuery.list(keys)))")
            .map { try $0.decode(String.self, column: "DELIVERY_KEY") })
    }

    /// Stores a received event, its first attempt counted.
    public static func insert(_ event: ReceivedInboxEvent, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            INSERT INTO MISLINK_INBOX (SOURCE, DELIVERY_KEY, EVENT_TYPE, OBJECT_ID, PAYLOAD, REMOTE_ADDR, STATUS,
                ATTEMPTS, ERROR, RECEIVED_AT, PROCESSED_AT, NEXT_ATTEMPT_AT)
            VALUES (\(event.source), \(event.deliveryKey), \(event.eventType), \(event.objectId), \(event.payload),
                \(event.remoteAddr), \(event.status), 1, \(event.error), \(event.receivedAt), \(event.processedAt),
                \(event.nextAttemptAt))
            """)
    }
}
