import Firebird
import MisLinkStore
import Foundation

/// `MISLINK_QUARANTINE`: events the intake cannot store or apply, kept whole and raw with the reason.
///
/// Nothing here needs a parsed field of the event: the payload goes in as bytes (a binary BLOB), and the
/// few descriptive columns are made ASCII-safe and cut to their width, so writing an entry can fail
/// only when the database itself does.
public enum Quarantine {
    /// One entry to keep.
    public struct Entry: Sendable {
        /// `mango`, `chatwoot`, `edna` as the route knew it; nil when unknown.
        public var source: String?
        public var eventType: String?
        public var deliveryKey: String?
        /// `payload` (the body as received), `spool-record` (a spool record's JSON), `spool-bytes`
        /// (unreadable bytes of a spool segment).
        public var form: String
        public var payload: [UInt8]
        public var remoteAddress: String?
        public var reason: String
        /// `inbox`, `apply`, `replay`, `decode`.
        public var stage: String
        public var receivedAt: Date?

        /// An entry for a parsed event that could not be stored.
        public init(event: InboundEvent, stage: String, reason: String) {
            source = event.source
            eventType = event.eventType
            deliveryKey = event.deliveryKey
            form = "payload"
            payload = Array(event.payload.utf8)
            remoteAddress = event.remoteAddress
            self.reason = reason
            self.stage = stage
            receivedAt = event.receivedAt
        }

        /// An entry for raw bytes (a spool record that no longer decodes, damaged spool bytes).
        public init(source: String?, eventType: String?, deliveryKey: String?, form: String, payload: [UInt8],
                    reason: String, stage: String, receivedAt: Date?) {
            self.source = source
            self.eventType = eventType
            self.deliveryKey = deliveryKey
            self.form = form
            self.payload = payload
            remoteAddress = nil
            self.reason = reason
            self.stage = stage
            self.receivedAt = receivedAt
        }
    }

    static func values(_ entry: Entry) -> QuarantineValues {
        QuarantineValues(
            source: entry.source?.asciiSafe(limit: 16), eventType: entry.eventType?.asciiSafe(limit: 63),
            deliveryKey: entry.deliveryKey?.asciiSafe(limit: 255), form: entry.form.asciiSafe(limit: 16) ?? "payload",
            payload: entry.payload, payloadBytes: Int32(clamping: entry.payload.count),
            remoteAddr: entry.remoteAddress?.asciiSafe(limit: 45), reason: String(entry.reason.prefix(scalars: 1000)),
            stage: entry.stage.asciiSafe(limit: 16) ?? "inbox", receivedAt: entry.receivedAt.map(timestamp)?.timestampValue)
    }

    static func insert(_ entry: Entry, statements: StatementCache, transaction: Transaction) throws {
        try QuarantinedEvents.insert(values(entry), in: CachedStatements(cache: statements, transaction: transaction))
    }

    /// Keeps one entry in a transaction of its own.
    public static func keep(_ entry: Entry, on attachment: FirebirdAttachment) throws {
        let transaction = try attachment.beginTransaction(InboxWriter.transactionOptions)
        do {
            try QuarantinedEvents.insert(values(entry), in: transaction)
            try transaction.commit()
        } catch {
            try? transaction.rollback()
            throw error
        }
    }

    /// A UTC timestamp of an instant, which never traps: an instant outside Firebird's range (a corrupt
    /// spool record, a clock gone wild) is stored as now.
    static func timestamp(_ date: Date) -> FirebirdValue {
        .timestamp(FirebirdTimestamp(exactly: date, in: .utc) ?? FirebirdTimestamp(Date(), in: .utc))
    }
}

extension Quarantine {
    /// One held or released entry, as the REST API and `mislink inbox quarantine` list it.
    public struct Item: Codable, Sendable, Equatable {
        public var id: Int64
        public var source: String?
        public var eventType: String?
        public var deliveryKey: String?
        public var form: String
        public var stage: String?
        public var reason: String?
        public var payloadBytes: Int
        /// The payload as text when it is UTF-8 (cut to 64 KiB), else nil.
        public var payload: String?
        public var receivedAt: Date?
        public var quarantinedAt: Date
        public var retries: Int
        public var lastRetryError: String?
        public var releasedAt: Date?
    }

    /// Entries newest first: held only unless `includeReleased`, with ids below `beforeID`.
    public static func list(pool: FirebirdPool, beforeID: Int64?, limit: Int, includeReleased: Bool) async throws -> [Item] {
        let limit = max(1, min(limit, 500))
        let rows = try await pool.withTransaction(.readOnly) { transaction in
            try QuarantinedEvents.list(beforeID: beforeID, limit: limit, includeReleased: includeReleased, in: transaction)
        }
        return try rows.map { row in
            let bytes: [UInt8] = try row.decode([UInt8]?.self, column: "PAYLOAD") ?? []
            return Item(
                id: try row.decode(column: "ID"), source: try row.decode(column: "SOURCE"),
                eventType: try row.decode(column: "EVENT_TYPE"), deliveryKey: try row.decode(column: "DELIVERY_KEY"),
                form: try row.decode(column: "FORM"), stage: try row.decode(column: "STAGE"),
                reason: try row.decode(column: "REASON"),
                payloadBytes: Int(try row.decode(Int32?.self, column: "PAYLOAD_BYTES") ?? Int32(clamping: bytes.count)),
                payload: String(validating: bytes.prefix(65_536), as: UTF8.self),
                receivedAt: try row.decode(FirebirdTimestamp?.self, column: "RECEIVED_AT")?.date(in: .utc),
                quarantinedAt: try row.decode(FirebirdTimestamp.self, column: "QUARANTINED_AT").date(in: .utc),
                retries: Int(try row.decode(Int32.self, column: "RETRIES")),
                lastRetryError: try row.decode(column: "LAST_RETRY_ERROR"),
                releasedAt: try row.decode(FirebirdTimestamp?.self, column: "RELEASED_AT")?.date(in: .utc))
        }
    }
}
