import Firebird
import Foundation
import Hummingbird

/// Message templates (`MISLINK_TEMPLATES`) for web screens: automatic messages (`auto`, by code:
/// `booking_confirmed` … and the texts of mailings) and operators' quick replies (`quick_reply`).
///
/// - `GET /api/v1/templates?kind=&channel=&active=`: by kind and code; `channel` gives that channel's
///   templates and the `any` ones.
/// - `PUT /api/v1/templates/{code}`: creates (201) or replaces (200) the template of a code and channel.
/// - `DELETE /api/v1/templates/{code}?channel=`: deactivates it (`IS_ACTIVE = 0`); an `auto` code then
///   falls back to the worker's built-in text.
struct TemplateRoutes {
    let pool: FirebirdPool

    static let kinds = ["auto", "quick_reply"]
    static let channels = ["any", "sms", "whatsapp", "telegram", "vk", "viber", "webchat", "email", "messenger"]

    struct Template: Codable {
        var code: String
        var channel: String
        var kind: String
        var title: String?
        var body: String
        var active: Bool
        var sortOrder: Int
        var updatedAt: Date?
        var updatedBy: String?
    }

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
            let code = try Self.code(context)
            let edit = try RequestInput.decode(TemplateEdit.self, from: try await request.body(limit: 64 * 1024))
            let (template, created) = try await save(code, edit)
            return try Response.json(template, status: created ? .created : .ok)
        }
        group.delete("templates/:code") { request, context in
            let code = try Self.code(context)
            let channel = request.uri.queryParameters["channel"].map(String.init) ?? "any"
            guard Self.channels.contains(channel) else {
                throw HTTPError(.badRequest, message: "channel must be one of \(Self.channels.joined(separator: ", "))")
            }
            return try Response.json(try await deactivate(code, channel: channel))
        }
    }

    private static func code(_ context: WorkerRequestContext) throws -> String {
        guard let code = context.parameters.get("code"), (1...63).contains(code.count),
              code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_-.".contains($0)) })
        else { throw HTTPError(.badRequest, message: "a template code is 1 to 63 characters: a-z, 0-9, _ - .") }
        return code
    }

    private func list(_ query: Parameters) async throws -> TemplateList {
        var conditions: [String] = []
        var bindings: [FirebirdValue] = []
        if let kind = query["kind"].map(String.init) {
            guard Self.kinds.contains(kind) else { throw HTTPError(.badRequest, message: "kind must be auto or quick_reply") }
            conditions.append("KIND = ?")
            bindings.append(.text(kind))
        }
        if let channel = query["channel"].map(String.init) {
            guard Self.channels.contains(channel) else {
                throw HTTPError(.badRequest, message: "channel must be one of \(Self.channels.joined(separator: ", "))")
            }
            conditions.append("CHANNEL IN ('any', ?)")
            bindings.append(.text(channel))
        }
        if let active = query["active"].map(String.init) {
            guard ["true", "false"].contains(active) else { throw HTTPError(.badRequest, message: "active must be true or false") }
            conditions.append("IS_ACTIVE = \(active == "true" ? 1 : 0)")
        }
        let sql = "\(Self.select) \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY KIND, SORT_ORDER, CODE, CHANNEL"
        let rows = try await pool.withConnection { try await $0.query(FirebirdQuery(unsafeSQL: sql, bindings: bindings)) }
        return TemplateList(items: try rows.map(Self.template))
    }

    private func save(_ code: String, _ edit: TemplateEdit) async throws -> (Template, created: Bool) {
        let channel = edit.channel ?? "any", kind = edit.kind ?? "auto"
        guard Self.channels.contains(channel) else {
            throw HTTPError(.badRequest, message: "channel must be one of \(Self.channels.joined(separator: ", "))")
        }
        guard Self.kinds.contains(kind) else { throw HTTPError(.badRequest, message: "kind must be auto or quick_reply") }
        guard !edit.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw HTTPError(.badRequest, message: "body is empty: a template needs a text")
        }
        _ = try RequestInput.text(edit.title, "title", max: 150)  // VARCHAR(150) CHARACTER SET UTF8
        let sortOrder = try RequestInput.smallint(edit.sortOrder ?? 0, "sort_order")
        let key: [FirebirdValue] = [.text(code), .text(channel)]
        let bindings: [FirebirdValue] = [
            .text(code), .text(channel), .text(kind), edit.title.map(FirebirdValue.text) ?? .null, .text(edit.body),
            .smallint(edit.active == false ? 0 : 1), .smallint(sortOrder),
        ]
        return try await pool.withTransaction { tx in
            let existed = try tx.attachment.query(FirebirdQuery(
                unsafeSQL: "SELECT 1 FROM MISLINK_TEMPLATES WHERE CODE = ? AND CHANNEL = ?", bindings: key), in: tx).count == 1
            _ = try tx.attachment.execute(FirebirdQuery(
                unsafeSQL: """
                    UPDATE OR INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, KIND, TITLE, BODY, IS_ACTIVE, SORT_ORDER)
                    VALUES (?, ?, ?, ?, ?, ?, ?) MATCHING (CODE, CHANNEL)
                    """, bindings: bindings), in: tx)
            let row = try tx.attachment.query(FirebirdQuery(
                unsafeSQL: "\(Self.select) WHERE CODE = ? AND CHANNEL = ?", bindings: key), in: tx)[0]
            return (try Self.template(row), !existed)
        }
    }

    private func deactivate(_ code: String, channel: String) async throws -> Template {
        let key: [FirebirdValue] = [.text(code), .text(channel)]
        let rows = try await pool.withTransaction { tx in
            _ = try tx.attachment.execute(FirebirdQuery(
                unsafeSQL: "UPDATE MISLINK_TEMPLATES SET IS_ACTIVE = 0 WHERE CODE = ? AND CHANNEL = ?", bindings: key), in: tx)
            return try tx.attachment.query(FirebirdQuery(
                unsafeSQL: "\(Self.select) WHERE CODE = ? AND CHANNEL = ?", bindings: key), in: tx)
        }
        guard let row = rows.first else { throw HTTPError(.notFound, message: "no template \(code) for channel \(channel)") }
        return try Self.template(row)
    }

    static let select = "SELECT CODE, CHANNEL, KIND, TITLE, BODY, IS_ACTIVE, SORT_ORDER, UPDATED_AT, UPDATED_BY FROM MISLINK_TEMPLATES"

    static func template(_ row: Row) throws -> Template {
        Template(
            code: try row.decode(String.self, at: 0), channel: try row.decode(String.self, at: 1),
            kind: try row.decode(String.self, at: 2), title: try row.decode(String?.self, at: 3),
            body: try row.decode(String?.self, at: 4) ?? "", active: try row.decode(Int.self, at: 5) == 1,
            sortOrder: try row.decode(Int.self, at: 6), updatedAt: try row.decode(FirebirdTimestamp?.self, at: 7)?.date(in: .utc),
            updatedBy: try row.decode(String?.self, at: 8))
    }
}
