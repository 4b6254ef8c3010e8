import Firebird
import MisLinkStore
import Foundation

/// Which quarantined events to submit again.
public struct QuarantineRetryRequest: Sendable, Codable {
    /// Only these `MISLINK_QUARANTINE.ID`s; nil for every held event (oldest first).
    public var ids: [Int64]?
    /// At most this many in one call.
    public var limit: Int

    public init(ids: [Int64]? = nil, limit: Int = 1000) {
        self.ids = ids
        self.limit = limit
    }
}

/// What a quarantine retry did.
public struct QuarantineRetryReport: Sendable, Codable, Equatable {
    /// Held events read.
    public var examined = 0
    /// Stored in the inbox now (and released), by outcome.
    public var outcomes: [String: Int] = [:]
    /// Still not storable (kept, with `LAST_RETRY_ERROR`).
    public var stillHeld = 0

    public init() {}
}

/// Submits quarantined events again after a fix: each one is rebuilt from its raw form (the body and
/// the route's source, or the spool record) and written like a new event; one that is stored now is
/// released (`RELEASED_AT`), one that is not stays held with the new error. Damaged spool bytes cannot
/// be rebuilt and stay held.
final class QuarantineRetrier {
    private let writer: InboxWriter

    init(writer: InboxWriter) { self.writer = writer }

    func retry(_ request: QuarantineRetryRequest, on attachment: FirebirdAttachment) throws -> QuarantineRetryReport {
        var report = QuarantineRetryReport()
        let limit = max(0, min(request.limit, 100_000))
        guard limit > 0 else { return report }
        let read = try attachment.beginTransaction(TransactionOptions(isolation: .readCommitted, readOnly: true))
        if let ids = request.ids, ids.isEmpty {
            try? read.rollback()
            return report
        }
        let rows: [Row]
        do {
            rows = try QuarantinedEvents.held(ids: request.ids.map { Array($0.prefix(1000)) }, limit: limit, in: read)
            try read.rollback()
        } catch {
            try? read.rollback()
            throw error
        }
        writer.quarantineAllowed = false
        defer { writer.quarantineAllowed = true }
        for row in rows {
            report.examined += 1
            let id: Int64 = try row.decode(column: "ID")
            do {
                let event = try Self.event(of: row)
                let outcome = try writer.write([event], on: attachment)[0]
                try mark(id, released: true, error: nil, on: attachment)
                report.outcomes[outcome.rawValue, default: 0] += 1
            } catch let error as FirebirdError where FailureKind(error) == .databaseDown {
                throw error
            } catch {
                report.stillHeld += 1
                try mark(id, released: false, error: InboxWriter.reason(error), on: attachment)
            }
        }
        return report
    }

    /// The event a quarantine row holds, rebuilt.
    static func event(of row: Row) throws -> InboundEvent {
        let form: String = try row.decode(column: "FORM")
        let bytes: [UInt8] = try row.decode([UInt8]?.self, column: "PAYLOAD") ?? []
        switch form {
        case "spool-record":
            return try SpoolRecord.decode(bytes).event()
        case "payload":
            guard let source: String = try row.decode(String?.self, column: "SOURCE"),
                  let eventType: String = try row.decode(String?.self, column: "EVENT_TYPE"),
                  let key: String = try row.decode(String?.self, column: "DELIVERY_KEY") else {
                throw ApplyError("the quarantined event has no source, event type or delivery key to be stored under")
            }
            let payload = String(decoding: bytes, as: UTF8.self)
            let received: FirebirdTimestamp? = try row.decode(FirebirdTimestamp?.self, column: "RECEIVED_AT")
            return InboundEvent(source: source, deliveryKey: key, eventType: eventType, objectID: nil, payload: payload,
                                remoteAddress: try row.decode(String?.self, column: "REMOTE_ADDR"),
                                receivedAt: received?.date(in: .utc) ?? Date(),
                                content: try EventContent.decode(source: source, eventType: eventType, payload: payload))
        default:
            throw ApplyError("damaged spool bytes cannot be rebuilt into an event; inspect them and delete the row")
        }
    }

    private func mark(_ id: Int64, released: Bool, error: String?, on attachment: FirebirdAttachment) throws {
        let transaction = try attachment.beginTransaction(InboxWriter.transactionOptions)
        do {
            try QuarantinedEvents.recordRetry(
                id, released: released, error: error.map { String($0.prefix(scalars: 1000)) },
                now: Quarantine.timestamp(Date()).timestampValue ?? FirebirdTimestamp(Date(), in: .utc), in: transaction)
            try transaction.commit()
        } catch {
            try? transaction.rollback()
            throw error
        }
    }
}
