import Firebird
import Foundation
import Hummingbird
import MisLinkOutbound
import MisLinkProfiles
import MisLinkStore

/// Mailings for web screens (see ``MailingQueue`` for what happens to each recipient):
///
/// - `POST /api/v1/mailings`: checks the request, writes the mailing and queues its recipients in one
///   transaction; 201 with how many were queued and refused (and why).
/// - `GET /api/v1/mailings?limit=`: the newest first, with their counts.
/// - `GET /api/v1/mailings/{id}`: the report: counts by status and every recipient not sent, with the reason.
/// - `POST /api/v1/mailings/{id}/cancel`: stops it; messages still pending are cancelled.
///
/// For supervisors and machine clients only (``APIRoutes`` mounts them behind ``SupervisorOnlyMiddleware``).
struct MailingRoutes {
    let pool: FirebirdPool
    /// The MIS profile: recipients' consent and phones come from its `mailing_recipients`.
    let profile: MISProfile
    /// The clinic's zone: the window is clinic time.
    let timeZone: TimeZone

    struct MailingRequest: Codable {
        var title: String
        var kind: String
        var templateCode: String?
        var body: String?
        /// Defaults to `messenger`.
        var channel: String?
        /// The MIS's patient ids (BIGINT in the MIS profiles that use 14-digit ids).
        var patientIds: [Int64]
        /// Clinic time `HH:MM`; defaults to 09:00.
        var windowStart: String?
        /// Clinic time `HH:MM`; defaults to 21:00.
        var windowEnd: String?
        /// Defaults to 0 (only the channel's limit).
        var ratePerMinute: Int?
        var staffId: Int64?
    }

    struct MailingList: Codable {
        var items: [MailingReport]
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.post("mailings") { request, context in
            let body = try RequestInput.decode(MailingRequest.self, from: try await request.body(limit: 4 * 1024 * 1024))
            return try Response.json(try await create(body, context: context), status: .created)
        }
        group.get("mailings") { request, _ in
            let text = request.uri.queryParameters["limit"].map(String.init)
            let limit = try text.map { Int(try RequestInput.integer(text: $0, "limit", in: 1...500)) } ?? 50
            let items = try await pool.withTransaction(.readOnly) { try MailingQueue.list(limit: limit, in: $0) }
            return try Response.json(MailingList(items: items))
        }
        group.get("mailings/:id") { _, context in
            let id = try Self.id(context)
            guard let report = try await pool.withTransaction(.readOnly, { try MailingQueue.report(id, in: $0) }) else {
                throw HTTPError(.notFound, message: "no mailing \(id)")
            }
            return try Response.json(report)
        }
        group.post("mailings/:id/cancel") { _, context in
            let id = try Self.id(context)
            let audit = context.audit(.mailingCancel, "mailing", id)
            let report = try await pool.withTransaction { tx -> MailingReport? in
                guard try MailingQueue.cancel(id, in: tx) else { return nil }
                if let audit { try Audit.record(audit, in: tx) }
                return try MailingQueue.report(id, in: tx)
            }
            guard let report else { throw HTTPError(.notFound, message: "no mailing \(id)") }
            return try Response.json(report)
        }
    }

    private static func id(_ context: WorkerRequestContext) throws -> Int64 {
        try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
    }

    private func create(_ body: MailingRequest, context: WorkerRequestContext) async throws -> MailingCreated {
        // Ids, numbers and texts are checked here, with the field's name; the queue checks the rest. The ids are
        // Int64 through the queue and the store, but MISLINK_OUTBOX.PATIENT_ID and STAFF_ID (V007) and
        // MISLINK_MAILINGS.STAFF_ID (V010) are still INTEGER columns: ids past them are refused here.
        for (index, id) in body.patientIds.enumerated() { _ = try RequestInput.bigint(id, "patient_ids[\(index)]") }
        let staffId = try context.actingStaffId(try body.staffId.map { try RequestInput.bigint($0, "staff_id") })
        _ = try RequestInput.integer(body.ratePerMinute ?? 0, "rate_per_minute", in: 0...RequestInput.maxInteger)
        _ = try RequestInput.text(body.title, "title", max: 200)  // VARCHAR(200) CHARACTER SET UTF8
        _ = try RequestInput.text(body.templateCode, "template_code", max: 63, charset: .ascii)
        let window: SendWindow
        do {
            window = try SendWindow(start: body.windowStart ?? "09:00", end: body.windowEnd ?? "21:00")
        } catch let error as SendWindowError {
            throw HTTPError(.badRequest, message: error.description)
        }
        let mailing = NewMailing(
            title: body.title, kind: body.kind, templateCode: body.templateCode?.nilIfBlank, body: body.body?.nilIfBlank,
            channel: body.channel ?? "messenger", patientIds: body.patientIds, window: window,
            ratePerMinute: body.ratePerMinute ?? 0, staffId: staffId, createdBy: context.principal?.login ?? "api")
        let zone = timeZone
        do {
            return try await pool.withTransaction { tx in
                let created = try MailingQueue.create(mailing, profile: profile, timeZone: zone, in: tx)
                if let audit = context.audit(.mailingCreate, "mailing", created.id, details: "\(created.queued) queued") {
                    try Audit.record(audit, in: tx)
                }
                return created
            }
        } catch let error as MailingError {
            throw HTTPError(.badRequest, message: error.description)
        }
    }
}

extension String {
    fileprivate var nilIfBlank: String? { trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : self }
}
