import Firebird
import Foundation

/// A received webhook event (`MISLINK_INBOX`) as the API lists it, read by column name.
public struct InboxRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var source: String
    public var deliveryKey: String
    public var eventType: String
    public var objectId: String?
    /// `received`, `processed`, `skipped`, `failed`, `retrying`.
    public var status: String
    public var attempts: Int
    public var error: String?
    public var receivedAt: Date
    public var processedAt: Date?
}

/// The API's reads of `MISLINK_INBOX` (the intake writes it).
public enum InboxItems {
    /// What `GET /api/v1/inbox` asks for; every field is optional.
    public struct Filter: Sendable, Hashable {
        public var status: String?
        public var source: String?
        public var objectId: String?
        /// Only events older than this ID (the next page).
        public var beforeId: Int64?

        public init(status: String? = nil, source: String? = nil, objectId: String? = nil, beforeId: Int64? = nil) {
            self.status = status
            self.source = source
            self.objectId = objectId
            self.beforeId = beforeId
        }
    }

    /// The events that match, newest first, at most `limit`.
    public static func list(_ filter: Filter, limit: Int, in tx: Transaction) throws -> [InboxRecord] {
        var conditions: [FirebirdQuery] = []
        if let status = filter.status { conditions.append("STATUS = \(status)") }
        if let source = filter.source { conditions.append("SOURCE = \(source)") }
        if let object = filter.objectId { conditions.append("OBJECT_ID = \(object)") }
        if let before = filter.beforeId { conditions.append("ID < \(before)") }
        return try tx.attachment.query(
            """
            SELECT FIRST (\(max(limit, 0))) ID, SOURCE, DELIVERY_KEY, EVENT_TYPE, OBJECT_ID, STATUS, ATTEMPTS, ERROR,
                   RECEIVED_AT, PROCESSED_AT
              FROM MISLINK_INBOX \(FirebirdQuery.where(conditions))
             ORDER BY ID DESC
            """, as: InboxRecord.self, in: tx)
    }
}
