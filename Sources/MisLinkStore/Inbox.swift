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
