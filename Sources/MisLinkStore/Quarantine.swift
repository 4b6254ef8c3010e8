import Firebird

/// An event kept aside in `MISLINK_QUARANTINE` (it could not be parsed or stored). Text is already cut to
/// its column.
public struct QuarantineValues: Sendable, Hashable {
    public var source: String?
    public var eventType: String?
    public var deliveryKey: String?
    /// `payload` (the body as received) or `spool-record`.
    public var form: String
    public var payload: [UInt8]
    public var payloadBytes: Int32
    public var remoteAddr: String?
    public var reason: String
    /// Where it failed: `inbox`, `spool`, …
    public var stage: String
    public var receivedAt: FirebirdTimestamp?

    public init(source: String?, eventType: String?, deliveryKey: String?, form: String, payload: [UInt8], payloadBytes: Int32,
                remoteAddr: String?, reason: String, stage: String, receivedAt: FirebirdTimestamp?) {
        self.source = source
        self.eventType = eventType
        self.deliveryKey = deliveryKey
        self.form = form
        self.payload = payload
        self.payloadBytes = payloadBytes
        self.remoteAddr = remoteAddr
        self.reason = reason
        self.stage = stage
        self.receivedAt = receivedAt
    }
}

/// The SQL of `MISLINK_QUARANTINE`: keeping an event aside, listing what is kept, and the retries.
public enum QuarantinedEvents {
    /// Keeps an event aside.
    public static func insert(_ entry: QuarantineValues, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            INSERT INTO MISLINK_QUARANTINE (SOURCE, EVENT_TYPE, DELIVERY_KEY, FORM, PAYLOAD, PAYLOAD_BYTES, REMOTE_ADDR,
                REASON, STAGE, RECEIVED_AT)
            VALUES (\(entry.source), \(entry.eventType), \(entry.deliveryKey), \(entry.form), \(entry.payload),
                \(entry.payloadBytes), \(entry.remoteAddr), \(entry.reason), \(entry.stage), \(entry.receivedAt))
            """)
    }

    /// Entries newest first: held only unless `includeReleased`, with ids below `beforeID`, at most `limit`.
    /// Rows by column name (`ID`, `SOURCE`, `EVENT_TYPE`, `DELIVERY_KEY`, `FORM`, `STAGE`, `REASON`,
    /// `PAYLOAD_BYTES`, `PAYLOAD`, `RECEIVED_AT`, `QUARANTINED_AT`, `RETRIES`, `LAST_RETRY_ERROR`, `RELEASED_AT`).
    public static func list(beforeID: Int64?, limit: Int, includeReleased: Bool, in tx: some StoreTransaction) throws -> [Row] {
        let all: Int32 = includeReleased ? 1 : 0
        return try tx.rows(
            """
            SELECT FIRST (\(max(limit, 0))) ID, SOURCE, EVENT_TYPE, DELIVERY_KEY, FORM, STAGE, REASON, PAYLOAD_BYTES,
                PAYLOAD, RECEIVED_AT, QUARANTINED_AT, RETRIES, LAST_RETRY_ERROR, RELEASED_AT
            FROM MISLINK_QUARANTINE
            WHERE (CAST(\(all) AS INTEGER) = 1 OR RELEASED_AT IS NULL) AND ID < \(beforeID ?? Int64.max)
            ORDER BY ID DESC
            """)
    }

    /// The held entries (among `ids`, when given), oldest first, at most `limit`; rows by column name (`ID`,
    /// `SOURCE`, `EVENT_TYPE`, `DELIVERY_KEY`, `FORM`, `PAYLOAD`, `REMOTE_ADDR`, `RECEIVED_AT`).
    public static func held(ids: [Int64]?, limit: Int, in tx: some StoreTransaction) throws -> [Row] {
        var conditions: [FirebirdQuery] = ["RELEASED_AT IS NULL"]
        if let ids { conditions.append("ID IN (\(FirebirdQuery.list(ids)))") }
        return try tx.rows(
            """
            SELECT FIRST (\(max(limit, 0))) ID, SOURCE, EVENT_TYPE, DELIVERY_KEY, FORM, PAYLOAD, REMOTE_ADDR, RECEIVED_AT
            FROM MISLINK_QUARANTINE \(FirebirdQuery.where(conditions))
            ORDER BY ID
            """)
    }

    /// One more retry of entry `id` at `now`: its error (nil when it went through), and released when it did.
    public static func recordRetry(_ id: Int64, released: Bool, error: String?, now: FirebirdTimestamp,
                                   in tx: some StoreTransaction) throws {
        let releasedAt: FirebirdTimestamp? = released ? now : nil
        try tx.execute(
            """
            UPDATE MISLINK_QUARANTINE SET RETRIES = RETRIES + 1, LAST_RETRY_AT = \(now), LAST_RETRY_ERROR = \(error),
                RELEASED_AT = COALESCE(\(releasedAt), RELEASED_AT)
            WHERE ID = \(id)
            """)
    }
}
