import Firebird
import Foundation
import Hummingbird
import MisLinkIntake
import MisLinkProfiles

/// Chat threads for web MIS screens:
/// - `GET /api/v1/threads?operator=&status=&limit=&cursor=`: an operator's threads (newest activity
///   first), with the patient, the appeal, unanswered messages, and the operator's load against
///   `chat.capacity`;
/// - `GET /api/v1/threads/{id}/messages`: the messages, oldest first (UTF-8, emoji intact);
/// - `POST /api/v1/threads/{id}/messages`: a message from an operator (text, or a template), queued in
///   `MISLINK_OUTBOX` and sent through the platform by the outbound dispatcher;
/// - `POST /api/v1/appeals/{id}/cancel`: the operator cancels an appeal (rule 4's other way to
///   complete one; booking is `POST /api/v1/appeals/{id}/booking`).
struct ThreadRoutes {
    let pool: FirebirdPool
    let capacity: Int
    let mis: MISStatements

    init(pool: FirebirdPool, capacity: Int, profile: MISProfile) {
        self.pool = pool
        self.capacity = capacity
        mis = MISStatements(profile: profile)
    }

    struct Thread: Codable, ResponseEncodable {
        var id: Int64
        var provider: String
        var externalId: String
        var channel: String
        var status: String
        var operatorId: Int64?
        var contactName: String?
        var contactPhone: String?
        var patientId: Int64?
        var patientOthers: Int
        var patientDisplay: String?
        var appealId: Int64?
        var appealStatus: String?
        var appealDetached: Bool
        var unansweredCount: Int
        var lastMessagePreview: String?
        var openedAt: Date
        var assignedAt: Date?
        var firstResponseAt: Date?
        var lastMessageAt: Date?
        var closedAt: Date?
        var closeReason: String?
    }

    struct Load: Codable {
        var operatorId: Int64
        var assigned: Int
        var capacity: Int
    }

    struct Page: Codable, ResponseEncodable {
        var items: [Thread]
        var nextCursor: String?
        /// The operator's assigned threads against `chat.capacity`, when `operator` was given.
        var load: Load?
    }

    struct Message: Codable {
        var id: Int64
        var direction: String
        var authorType: String
        var authorName: String?
        var operatorId: Int64?
        var body: String?
        var status: String
        var sentAt: Date
    }

    struct Messages: Codable, ResponseEncodable {
        var threadId: Int64
        var items: [Message]
    }

    struct NewMessage: Codable {
        var text: String?
        var templateCode: String?
        var staffId: Int?
    }

    struct Queued: Codable, ResponseEncodable {
        var outboxId: Int64
        var threadId: Int64
        var status: String
    }

    struct Cancel: Codable {
        var reason: String?
    }

    struct Appeal: Codable, ResponseEncodable {
        var id: Int64
        var status: String
        var result: String?
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("threads") { request, _ in try await list(request) }
        group.get("threads/:id/messages") { _, context in
            try await messages(try Self.id(context))
        }
        group.post("threads/:id/messages") { request, context in
            let thread = try Self.id(context)
            let message = try RequestInput.decode(NewMessage.self, from: try await request.body(limit: 64 * 1024))
            guard (message.text?.isEmpty == false) != (message.templateCode?.isEmpty == false) else {
                throw HTTPError(.badRequest, message: "the body must be {\"text\": …} or {\"template_code\": …} (one of them)")
            }
            return try Response.json(try await send(message, thread: thread), status: .accepted)
        }
        group.post("appeals/:id/cancel") { request, context in
            let id = try RequestInput.id(text: context.parameters.get("id") ?? "", "id")
            let body = try await request.body(limit: 16 * 1024)
            let cancel = body.isEmpty ? Cancel() : try RequestInput.decode(Cancel.self, from: body)
            _ = try RequestInput.text(cancel.reason, "reason", max: 32)  // a MIS's RESULT may be VARCHAR(32) (the reference's is)
            return try await self.cancel(appeal: id, reason: cancel.reason)
        }
    }

    private static func id(_ context: WorkerRequestContext) throws -> Int64 {
        try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
    }

    static let columns = """
        T.ID, T.PROVIDER, T.EXTERNAL_ID, T.CHANNEL, T.STATUS, T.OPERATOR_ID, T.CONTACT_NAME, T.CONTACT_PHONE, T.PATIENT_ID,
        T.PATIENT_OTHERS, T.PATIENT_DISPLAY, T.APPEAL_ID, M.STATUS, M.IS_DETACHED, T.UNANSWERED_COUNT, T.LAST_MESSAGE_PREVIEW,
        T.OPENED_AT, T.ASSIGNED_AT, T.FIRST_RESPONSE_AT, T.LAST_MESSAGE_AT, T.CLOSED_AT, T.CLOSE_REASON,
        COALESCE(T.LAST_MESSAGE_AT, T.OPENED_AT)
        """

    /// `operator` (the MIS's employee id), `status` (queued, assigned, released, closed), `limit` (1–200, default 50), `cursor`.
    private func list(_ request: Request) async throws -> Page {
        let query = request.uri.queryParameters
        var conditions: [String] = []
        var bindings: [FirebirdValue] = []
        var operatorID: Int64?
        if let value = query["operator"].map(String.init), !value.isEmpty {
            let id = try RequestInput.id(text: value, "operator")
            operatorID = id
            // An operator's threads: those in their queue now, and those that finished with their appeal open.
            conditions.append("(T.OPERATOR_ID = ? OR (T.STATUS IN ('closed', 'released') AND M.OPERATOR_ID = ?))")
            bindings += [.bigint(id), .bigint(id)]
        }
        if let status = query["status"].map(String.init), !status.isEmpty {
            guard ["queued", "assigned", "released", "closed"].contains(status) else {
                throw HTTPError(.badRequest, message: "status must be one of queued, assigned, released, closed")
            }
            conditions.append("T.STATUS = ?")
            bindings.append(.text(status))
        }
        if let cursor = try KeysetCursor(query["cursor"].map(String.init)) {
            conditions.append("(COALESCE(T.LAST_MESSAGE_AT, T.OPENED_AT) < ? OR (COALESCE(T.LAST_MESSAGE_AT, T.OPENED_AT) = ? AND T.ID < ?))")
            bindings += [cursor.timestamp, cursor.timestamp, .bigint(cursor.id)]
        }
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 50, 1), 200)
        let sql = """
            SELECT FIRST \(limit + 1) \(Self.columns)
              FROM MISLINK_CHAT_THREADS T
              LEFT JOIN MISLINK_APPEALS M ON M.APPEAL_ID = T.APPEAL_ID
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY 23 DESC, T.ID DESC
            """
        let (rows, assigned) = try await pool.withConnection { connection in
            let rows = try await connection.query(FirebirdQuery(unsafeSQL: sql, bindings: bindings))
            var assigned: Int?
            if let operatorID {
                assigned = try await connection.query(FirebirdQuery(
                    unsafeSQL: "SELECT COUNT(*) FROM MISLINK_CHAT_THREADS WHERE OPERATOR_ID = ? AND STATUS = 'assigned'",
                    bindings: [.bigint(operatorID)])).first?.decode(Int.self, at: 0)
            }
            return (rows, assigned)
        }
        let items = try rows.prefix(limit).map(Self.thread)
        var next: String?
        if rows.count > limit, let last = rows.prefix(limit).last {
            next = KeysetCursor(at: try last.decode(FirebirdTimestamp.self, at: 22).date(in: .gmt), id: try last.decode(Int64.self, at: 0)).text
        }
        let load = operatorID.map { Load(operatorId: $0, assigned: assigned ?? 0, capacity: capacity) }
        return Page(items: items, nextCursor: next, load: load)
    }

    private static func thread(_ row: Row) throws -> Thread {
        func utc(_ index: Int) throws -> Date? { try row.decode(FirebirdTimestamp?.self, at: index)?.date(in: .gmt) }
        return Thread(
            id: try row.decode(Int64.self, at: 0), provider: try row.decode(String.self, at: 1),
            externalId: try row.decode(String.self, at: 2), channel: try row.decode(String.self, at: 3),
            status: try row.decode(String.self, at: 4), operatorId: try row.decode(Int64?.self, at: 5),
            contactName: try row.decode(String?.self, at: 6), contactPhone: try row.decode(String?.self, at: 7),
            patientId: try row.decode(Int64?.self, at: 8), patientOthers: try row.decode(Int.self, at: 9),
            patientDisplay: try row.decode(String?.self, at: 10), appealId: try row.decode(Int64?.self, at: 11),
            appealStatus: try row.decode(String?.self, at: 12)?.trimmingCharacters(in: .whitespaces),
            appealDetached: try row.decode(Int?.self, at: 13) == 1, unansweredCount: try row.decode(Int.self, at: 14),
            lastMessagePreview: try row.decode(String?.self, at: 15), openedAt: try utc(16) ?? Date(timeIntervalSince1970: 0),
            assignedAt: try utc(17), firstResponseAt: try utc(18), lastMessageAt: try utc(19), closedAt: try utc(20),
            closeReason: try row.decode(String?.self, at: 21))
    }

    private func messages(_ thread: Int64) async throws -> Messages {
        let rows = try await pool.withConnection { connection in
            guard try await connection.query(FirebirdQuery(
                unsafeSQL: "SELECT ID FROM MISLINK_CHAT_THREADS WHERE ID = ?", bindings: [.bigint(thread)])).first != nil
            else { throw HTTPError(.notFound, message: "there is no thread \(thread)") }
            return try await connection.query(FirebirdQuery(
                unsafeSQL: """
                    SELECT ID, DIRECTION, AUTHOR_TYPE, AUTHOR_NAME, OPERATOR_ID, BODY, STATUS, SENT_AT
                      FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ? ORDER BY SENT_AT, ID
                    """, bindings: [.bigint(thread)]))
        }
        let items = try rows.map { row in
            Message(
                id: try row.decode(Int64.self, at: 0), direction: try row.decode(String.self, at: 1),
                authorType: try row.decode(String.self, at: 2), authorName: try row.decode(String?.self, at: 3),
                operatorId: try row.decode(Int64?.self, at: 4), body: try row.decode(String?.self, at: 5),
                status: try row.decode(String.self, at: 6), sentAt: try row.decode(FirebirdTimestamp.self, at: 7).date(in: .gmt))
        }
        return Messages(threadId: thread, items: items)
    }

    /// Queues the message; the dispatcher renders a template and sends it into the thread.
    private func send(_ message: NewMessage, thread: Int64) async throws -> Queued {
        let staff = try RequestInput.id(message.staffId, "staff_id")
        _ = try RequestInput.text(message.templateCode, "template_code", max: 63, charset: .ascii)  // VARCHAR(63) ASCII
        let id = try await pool.withTransaction { transaction -> Int64? in
            let attachment = transaction.attachment
            guard let row = try attachment.query(FirebirdQuery(
                unsafeSQL: "SELECT CHANNEL, PATIENT_ID, APPEAL_ID FROM MISLINK_CHAT_THREADS WHERE ID = ?",
                bindings: [.bigint(thread)]), in: transaction).first
            else { throw HTTPError(.notFound, message: "there is no thread \(thread)") }
            return try attachment.query(FirebirdQuery(
                unsafeSQL: """
                    INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, THREAD_ID, BODY, TEMPLATE_CODE, PATIENT_ID, APPEAL_ID, STAFF_ID,
                        SOURCE, STATUS)
                    VALUES ('message', ?, ?, ?, ?, ?, ?, ?, 'api', 'pending')
                    RETURNING ID
                    """,
                bindings: [.text(try row.decode(String.self, at: 0)), .bigint(thread), message.text.map { .text($0) } ?? .null,
                           message.templateCode.map { .text($0) } ?? .null,
                           try row.decode(Int64?.self, at: 1).map { .bigint($0) } ?? .null,
                           try row.decode(Int64?.self, at: 2).map { .bigint($0) } ?? .null,
                           staff.map { .bigint($0) } ?? .null]), in: transaction).first?.decode(Int64.self, at: 0)
        }
        guard let id else { throw HTTPError(.internalServerError, message: "the outbox gave no id") }
        return Queued(outboxId: id, threadId: thread, status: "pending")
    }

    /// Cancels an open appeal through the profile's ``AppealBook``: the MIS's `appeal_cancel` (on the
    /// reference schema the APPEALS trigger records `cancelled` in its chain), or MisLink's own appeal's
    /// STATUS (V014's trigger records it); then answers what the appeal reads after it. The appeal is read
    /// first too: `appeal_cancel` may be a MIS procedure, whose row count says nothing.
    private func cancel(appeal: Int64, reason: String?) async throws -> Appeal {
        let mis = self.mis
        let (before, after) = try await pool.withTransaction { transaction -> (MisLinkIntake.Appeal?, MisLinkIntake.Appeal?) in
            let before = try mis.appeal(appeal, in: transaction)
            guard let before, before.isOpen else { return (before, nil) }
            try mis.cancelAppeal(appeal, reason: reason, in: transaction)
            return (before, try mis.appeal(appeal, in: transaction))
        }
        guard let before else { throw HTTPError(.notFound, message: "there is no appeal \(appeal)") }
        guard before.isOpen else {
            throw HTTPError(.conflict, message: "appeal \(appeal) is \(before.status), not open: it cannot be cancelled")
        }
        guard let after, !after.isOpen else {
            throw HTTPError(.conflict, message: "appeal \(appeal) is still open: the MIS did not cancel it")
        }
        return Appeal(id: appeal, status: after.status, result: after.result)
    }
}
