import Firebird
import Foundation
import Hummingbird
import MisLinkStore

/// Message templates (`MISLINK_TEMPLATES`) for web screens: automatic messages (`auto`, by code:
/// `booking_confirmed` … and the texts of mailings) and operators' quick replies (`quick_reply`).
///
/// - `GET /api/v1/templates?kind=&channel=&active=`: by kind and code; `channel` gives that channel's
///   templates and the `any` ones.
/// - `PUT /api/v1/templates/{code}`: creates (201) or replaces (200) the template of a code and channel.
/// - `DELETE /api/v1/templates/{code}?channel=`: deactivates it (`IS_ACTIVE = 0`); an `auto` code then
///   falls back to the worker's built-in text.
///
/// Operators read templates (quick replies); writes are for supervisors and machine clients (403).
struct TemplateRoutes {
    let pool: FirebirdPool

    static let kinds = ["auto", "quick_reply"]
    static let channels = ["any", "sms", "whatsapp", "telegram", "vk", "viber", "webchat", "email", "messenger"]

    struct TemplateList: Codable {
        var items: [Template]
    }

    struct TemplateEdit: Codable {
        /// Defaults to `any`.
        var channel: String?
        /// Defaults to `auto`.
        var kind: String?
        var title: String?
        var body: String
        /// Defaults to true.
        var active: Bool?
        var sortOrder: Int?
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("templates") { request, _ in try Response.json(try await list(request.uri.queryParameters)) }
        group.put("templates/:code") { request, context in
            try context.requireSupervisor()
            let code = try Self.code(context)
            let edit = try RequestInput.decode(TemplateEdit.self, from: try await request.body(limit: 64 * 1024))
            let (template, created) = try await save(code, edit, context: context)
            return try Response.json(template, status: created ? .created : .ok)
        }
        group.delete("templates/:code") { request, context in
            try context.requireSupervisor()
            let code = try Self.code(context)
            let channel = request.uri.queryParameters["channel"].map(String.init) ?? "any"
            guard Self.channels.contains(channel) else {
                throw HTTPError(.badRequest, message: "channel must be one of \(Self.channels.joined(separator: ", "))")
            }
            return try Response.json(try await deactivate(code, channel: channel, context: context))
        }
    }

    private static func code(_ context: WorkerRequestContext) throws -> String {
        guard let code = context.parameters.get("code"), (1...63).contains(code.count),
              code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_-.".contains($0)) })
        else { throw HTTPError(.badRequest, message: "a template code is 1 to 63 characters: a-z, 0-9, _ - .") }
        return code
    }

    private func list(_ query: Parameters) async throws -> TemplateList {
        var kind: TemplateKind?
        if let text = query["kind"].map(String.init) {
            guard let parsed = TemplateKind(rawValue: text) else { throw HTTPError(.badRequest, message: "kind must be auto or quick_reply") }
            kind = parsed
        }
        let channel = query["channel"].map(String.init)
        if let channel, !Self.channels.contains(channel) {
            throw HTTPError(.badRequest, message: "channel must be one of \(Self.channels.joined(separator: ", "))")
        }
        var active: Bool?
        if let text = query["active"].map(String.init) {
            guard ["true", "false"].contains(text) else { throw HTTPError(.badRequest, message: "active must be true or false") }
            active = text == "true"
        }
        let (chosenKind, chosenActive) = (kind, active)
        let items = try await pool.withTransaction(.read) { tx in
            try Templates.list(kind: chosenKind, channel: channel, active: chosenActive, in: tx)
        }
        return TemplateList(items: items)
    }

    private func save(_ code: String, _ edit: TemplateEdit, context: WorkerRequestContext) async throws -> (Template, created: Bool) {
        let channel = edit.channel ?? "any"
        guard Self.channels.contains(channel) else {
            throw HTTPError(.badRequest, message: "channel must be one of \(Self.channels.joined(separator: ", "))")
        }
        guard let kind = TemplateKind(rawValue: edit.kind ?? "auto") else {
            throw HTTPError(.badRequest, message: "kind must be auto or quick_reply")
        }
        guard !edit.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw HTTPError(.badRequest, message: "body is empty: a template needs a text")
        }
        _ = try RequestInput.text(edit.title, "title", max: 150)  // VARCHAR(150) CHARACTER SET UTF8
        let change = Templates.Edit(
            channel: channel, kind: kind, title: edit.title, body: edit.body, active: edit.active != false,
            sortOrder: try RequestInput.smallint(edit.sortOrder ?? 0, "sort_order"))
        let audit = context.audit(.templatePut, "template", nil, details: "\(code) \(channel)")
        let saved = try await pool.withTransaction(.default) { tx in
            if let audit { try Audit.record(audit, in: tx) }
            return try Templates.save(code: code, change, in: tx)
        }
        return (saved.template, saved.created)
    }

    private func deactivate(_ code: String, channel: String, context: WorkerRequestContext) async throws -> Template {
        let audit = context.audit(.templateDelete, "template", nil, details: "\(code) \(channel)")
        let template = try await pool.withTransaction(.default) { tx in
            let template = try Templates.deactivate(code: code, channel: channel, in: tx)
            if let audit, template != nil { try Audit.record(audit, in: tx) }
            return template
        }
        guard let template else { throw HTTPError(.notFound, message: "no template \(code) for channel \(channel)") }
        return template
    }
}
