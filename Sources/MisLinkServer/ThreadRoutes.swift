import Firebird
import Foundation
import Hummingbird
import MisLinkIntake
import MisLinkProfiles
import MisLinkStore

/// Chat threads for web MIS screens:
/// - `GET /api/v1/threads?operator=&status=&limit=&cursor=`: an operator's threads (newest activity
///   first), with the patient, the appeal, unanswered messages, and the operator's load against
///   `chat.capacity`;
/// - `GET /api/v1/threads/{id}/messages`: the messages, oldest first (UTF-8, emoji intact);
/// - `POST /api/v1/threads/{id}/messages`: a message from an operator (text, or a template), queued in
///   `MISLINK_OUTBOX` and sent through the platform by the outbound dispatcher;
/// - `POST /api/v1/appeals/{id}/cancel`: the operator cancels an appeal (rule 4's other way to
///   complete one; booking is `POST /api/v1/appeals/{id}/booking`).
///
/// An operator signed in to the console sees only their own threads (`operator` is forced to them), reads
/// and writes only threads they or nobody hold (403 for another's), and sends as themselves.
struct ThreadRoutes {
    let pool: FirebirdPool
    let capacity: Int
    let mis: MISStatements
    /// The operators' and patients' names the list shows.
    let names: MISDirectory

    init(pool: FirebirdPool, capacity: Int, profile: MISProfile) {
        self.pool = pool
        self.capacity = capacity
        mis = MISStatements(profile: profile)
        names = MISDirectory(profile: profile)
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
        /// The name of the operator holding it, and the patient's full name (looked up once per page).
        var operatorName: String?
        var patientName: String?
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
        group.get("threads") { request, context in
            let principal = try context.currentPrincipal()
            return try await list(request, onlyOperator: principal.isSupervisor ? nil : principal.staffId)
        }
        group.get("threads/:id/messages") { _, context in
            let thread = try Self.id(context)
            try await requireAccess(thread, context)
            return try await messages(thread)
        }
        group.post("threads/:id/messages") { request, context in
            let thread = try Self.id(context)
            let message = try RequestInput.decode(NewMessage.self, from: try await request.body(limit: 64 * 1024))
            guard (message.text?.isEmpty == false) != (message.templateCode?.isEmpty == false) else {
                throw HTTPError(.badRequest, message: "the body must be {\"text\": …} or {\"template_code\": …} (one of them)")
            }
            try await requireAccess(thread, context)
            let staff = try context.actingStaffId(try RequestInput.id(message.staffId, "staff_id"))
            return try Response.json(try await send(message, thread: thread, staff: staff, context: context), status: .accepted)
        }
        group.post("appeals/:id/cancel") { request, context in
            let id = try RequestInput.id(text: context.parameters.get("id") ?? "", "id")
            let body = try await request.body(limit: 16 * 1024)
            let cancel = body.isEmpty ? Cancel() : try RequestInput.decode(Cancel.self, from: body)
            _ = try RequestInput.text(cancel.reason, "reason", max: 32)  // a MIS's RESULT may be VARCHAR(32) (the reference's is)
            return try await self.cancel(appeal: id, reason: cancel.reason, audit: context.audit(.appealCancel, "appeal", id))
        }
    }

    /// Refuses an operator a thread another operator holds (403); supervisors and machine clients pass.
    private func requireAccess(_ thread: Int64, _ context: WorkerRequestContext) async throws {
        let principal = try context.currentPrincipal()
        guard !principal.isSupervisor, let own = principal.staffId else { return }
        let holder = try await pool.withTransaction(.readOnly) { try ChatThreads.holder(thread, in: $0) }
        if case .some(.some(let other)) = holder, other != own {
            throw HTTPError(.forbidden, message: "this thread is assigned to another operator")
        }
    }

    private static func id(_ context: WorkerRequestContext) throws -> Int64 {
        try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
    }

    /// `operator` (the MIS's employee id), `status` (queued, assigned, released, closed), `limit` (1–200, default 50), `cursor`.
    private func list(_ request: Request, onlyOperator: Int64?) async throws -> Page {
        let query = request.uri.queryParameters
        var filter = ChatThreads.Filter()
        if let value = query["operator"].map(String.init), !value.isEmpty {
            filter.operatorId = try RequestInput.id(text: value, "operator")
        }
        if let onlyOperator { filter.operatorId = onlyOperator }
        if let status = query["status"].map(String.init), !status.isEmpty {
            guard let known = ThreadStatus(rawValue: status) else {
                throw HTTPError(.badRequest, message: "status must be one of queued, assigned, released, closed")
            }
            filter.status = known
        }
        if let cursor = try KeysetCursor(query["cursor"].map(String.init)) { filter.after = (cursor.at, cursor.id) }
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 50, 1), 200)
        let names = names
        let (rows, assigned, found) = try await pool.withTransaction(.readOnly) { [filter] transaction in
            let rows = try ChatThreads.list(filter, limit: limit + 1, in: transaction)
            let assigned = try filter.operatorId.map { try ChatThreads.assignedCount(operatorId: $0, in: transaction) }
            let shown = rows.prefix(limit)
            let found = CallRoutes.Names(patients: try names.patients(Set(shown.compactMap(\.patientId)), in: transaction),
                                         staff: try names.staffNames(Set(shown.compactMap(\.operatorId)), in: transaction))
            return (rows, assigned, found)
        }
        let items = rows.prefix(limit).map { row in
            var thread = Self.thread(row)
            thread.operatorName = row.operatorId.flatMap { found.staff[$0] }
            thread.patientName = row.patientId.flatMap { found.patients[$0]?.name }
            return thread
        }
        var next: String?
        if rows.count > limit, let last = rows.prefix(limit).last {
            next = KeysetCursor(at: last.activityAt, id: last.id).text
        }
        let load = filter.operatorId.map { Load(operatorId: $0, assigned: assigned ?? 0, capacity: capacity) }
        return Page(items: items, nextCursor: next, load: load)
    }

    private static func thread(_ row: ThreadRecord) -> Thread {
        Thread(
            id: row.id, provider: row.provider, externalId: row.externalId, channel: row.channel, status: row.status.rawValue,
            operatorId: row.operatorId, contactName: row.contactName, contactPhone: row.contactPhone, patientId: row.patientId,
            patientOthers: row.patientOthers, patientDisplay: row.patientDisplay, appealId: row.appealId,
            appealStatus: row.appealStatus, appealDetached: row.appealDetached == 1, unansweredCount: row.unansweredCount,
            lastMessagePreview: row.lastMessagePreview, openedAt: row.openedAt, assignedAt: row.assignedAt,
            firstResponseAt: row.firstResponseAt, lastMessageAt: row.lastMessageAt, closedAt: row.closedAt,
            closeReason: row.closeReason)
    }

    private func messages(_ thread: Int64) async throws -> Messages {
        let rows = try await pool.withTransaction(.readOnly) { transaction -> [ChatMessageRecord]? in
            guard try ChatThreads.exists(thread, in: transaction) else { return nil }
            return try ChatThreads.messages(thread: thread, in: transaction)
        }
        guard let rows else { throw HTTPError(.notFound, message: "there is no thread \(thread)") }
        let items = rows.map { row in
            Message(id: row.id, direction: row.direction, authorType: row.authorType, authorName: row.authorName,
                    operatorId: row.operatorId, body: row.body, status: row.status, sentAt: row.sentAt)
        }
        return Messages(threadId: thread, items: items)
    }

    /// Queues the message; the dispatcher renders a template and sends it into the thread.
    private func send(_ message: NewMessage, thread: Int64, staff: Int64?, context: WorkerRequestContext) async throws -> Queued {
        _ = try RequestInput.text(message.templateCode, "template_code", max: 63, charset: .ascii)  // VARCHAR(63) ASCII
        let queued = try await pool.withTransaction { transaction -> Int64?? in
            guard let destination = try ChatThreads.destination(thread, in: transaction) else { return .none }
            let id = try Outbox.queueThreadMessage(
                thread: thread, to: destination, text: message.text, templateCode: message.templateCode, staffId: staff,
                in: transaction)
            if let audit = context.audit(.message, "thread", thread, details: id.map { "outbox \($0)" }) {
                try Audit.record(audit, in: transaction)
            }
            return .some(id)
        }
        guard let queued else { throw HTTPError(.notFound, message: "there is no thread \(thread)") }
        guard let id = queued else { throw HTTPError(.internalServerError, message: "the outbox gave no id") }
        return Queued(outboxId: id, threadId: thread, status: "pending")
    }

    /// Cancels an open appeal through the profile's ``AppealBook``: the MIS's `appeal_cancel` (on the
    /// reference schema the APPEALS trigger records `cancelled` in its chain), or MisLink's own appeal's
    /// STATUS (V014's trigger records it); then answers what the appeal reads after it. The appeal is read
    /// first too: `appeal_cancel` may be a MIS procedure, whose row count says nothing.
    private func cancel(appeal: Int64, reason: String?, audit: AuditEntry?) async throws -> Appeal {
        let mis = self.mis
        let (before, after) = try await pool.withTransaction { transaction -> (MisLinkIntake.Appeal?, MisLinkIntake.Appeal?) in
            let before = try mis.appeal(appeal, in: transaction)
            guard let before, before.isOpen else { return (before, nil) }
            try mis.cancelAppeal(appeal, reason: reason, in: transaction)
            let after = try mis.appeal(appeal, in: transaction)
            if let audit, after?.isOpen == false { try Audit.record(audit, in: transaction) }
            return (before, after)
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
