import Firebird
import Foundation

/// A message template (`MISLINK_TEMPLATES`), read by column name.
public struct Template: Sendable, Hashable, Codable {
    public var code: String
    /// `any`, or the one channel it is for.
    public var channel: String
    public var kind: TemplateKind
    public var title: String?
    /// The text with placeholders (`{patient_name}` …); empty when the column is NULL.
    public var body: String
    /// `IS_ACTIVE`.
    public var active: Bool
    public var sortOrder: Int
    public var updatedAt: Date?
    public var updatedBy: String?

    enum CodingKeys: String, CodingKey {
        case code, channel, kind, title, body, active, sortOrder, updatedAt, updatedBy
    }

    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        code = try row.decode(String.self, forKey: .code)
        channel = try row.decode(String.self, forKey: .channel)
        kind = try row.decode(TemplateKind.self, forKey: .kind)
        title = try row.decodeIfPresent(String.self, forKey: .title)
        body = try row.decodeIfPresent(String.self, forKey: .body) ?? ""
        active = try row.decode(Bool.self, forKey: .active)
        sortOrder = try row.decode(Int.self, forKey: .sortOrder)
        updatedAt = try row.decodeIfPresent(Date.self, forKey: .updatedAt)
        updatedBy = try row.decodeIfPresent(String.self, forKey: .updatedBy)
    }
}

/// The SQL of `MISLINK_TEMPLATES`: the texts of automatic messages and mailings (`auto`, by code) and
/// operators' quick replies. Each runs inside a caller's transaction.
public enum Templates {
    /// A template edit: what `PUT /api/v1/templates/{code}` writes.
    public struct Edit: Sendable, Hashable {
        public var channel: String
        public var kind: TemplateKind
        public var title: String?
        public var body: String
        public var active: Bool
        public var sortOrder: Int16

        public init(channel: String, kind: TemplateKind, title: String?, body: String, active: Bool, sortOrder: Int16) {
            self.channel = channel
            self.kind = kind
            self.title = title
            self.body = body
            self.active = active
            self.sortOrder = sortOrder
        }
    }

    private static let select: FirebirdQuery = """
        SELECT CODE, CHANNEL, KIND, TITLE, BODY, IS_ACTIVE AS ACTIVE, SORT_ORDER, UPDATED_AT, UPDATED_BY FROM MISLINK_TEMPLATES
        """

    /// Templates by kind, sort order, code and channel.
    /// - Parameters:
    ///   - kind: Only this kind, or every kind.
    ///   - channel: Only this channel's templates and the `any` ones, or every channel.
    ///   - active: Only active (true) or inactive (false) ones, or both.
    public static func list(kind: TemplateKind?, channel: String?, active: Bool?, in tx: Transaction) throws -> [Template] {
        var conditions: [FirebirdQuery] = []
        if let kind { conditions.append("KIND = \(kind)") }
        if let channel { conditions.append("CHANNEL IN ('any', \(channel))") }
        if let active { conditions.append("IS_ACTIVE = \(unescaped: active ? "1" : "0")") }
        return try tx.attachment.query(
            "\(select) \(FirebirdQuery.where(conditions)) ORDER BY KIND, SORT_ORDER, CODE, CHANNEL", as: Template.self, in: tx)
    }

    /// The template of `code` for `channel`; `nil` when there is none.
    public static func template(code: String, channel: String, in tx: Transaction) throws -> Template? {
        try tx.attachment.query("\(select) WHERE CODE = \(code) AND CHANNEL = \(channel)", as: Template.self, in: tx).first
    }

    /// Creates or replaces the template of `code` and `edit.channel`; returns it and whether it is new.
    public static func save(code: String, _ edit: Edit, in tx: Transaction) throws -> (template: Template, created: Bool) {
        let existed = try template(code: code, channel: edit.channel, in: tx) != nil
        let active: Int16 = edit.active ? 1 : 0
        try tx.attachment.execute(
            """
            UPDATE OR INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, KIND, TITLE, BODY, IS_ACTIVE, SORT_ORDER)
            VALUES (\(code), \(edit.channel), \(edit.kind), \(edit.title), \(edit.body), \(active), \(edit.sortOrder))
            MATCHING (CODE, CHANNEL)
            """, in: tx)
        guard let saved = try template(code: code, channel: edit.channel, in: tx) else {
            throw FirebirdError(code: .misuse, message: "the template \(code) for \(edit.channel) is not there after its write")
        }
        return (saved, !existed)
    }

    /// Deactivates the template of `code` for `channel` (an `auto` code then falls back to the worker's
    /// built-in text); returns it, or `nil` when there is none.
    public static func deactivate(code: String, channel: String, in tx: Transaction) throws -> Template? {
        try tx.attachment.execute("UPDATE MISLINK_TEMPLATES SET IS_ACTIVE = 0 WHERE CODE = \(code) AND CHANNEL = \(channel)", in: tx)
        return try template(code: code, channel: channel, in: tx)
    }

    /// The body of the active automatic template for a code: the first of `channels` that has a non-empty
    /// one, then `any`.
    public static func autoBody(code: String, channels: [String], in tx: Transaction) throws -> String? {
        try activeBody(code: code, kinds: [.auto], channels: channels, in: tx)
    }

    /// The body of the active template of `code` whose kind is one of `kinds`: the first of `channels` that
    /// has a non-empty one, then `any`. An operator's message takes `[.quickReply, .auto]` (a code and a
    /// channel name one template, so the kinds never compete for the same row); automatic ones `[.auto]`.
    /// There are two kinds, so the first and the last of `kinds` are all of them.
    public static func activeBody(code: String, kinds: [TemplateKind], channels: [String], in tx: Transaction) throws -> String? {
        var wanted: [String] = []
        for channel in channels where channel != "any" && !wanted.contains(channel) { wanted.append(channel) }
        guard let first = kinds.first, let last = kinds.last else { return nil }
        for channel in wanted + ["any"] {
            let body = try tx.attachment.queryValue(
                """
                SELECT BODY FROM MISLINK_TEMPLATES
                 WHERE CODE = \(code) AND CHANNEL = \(channel) AND IS_ACTIVE = 1
                   AND KIND IN (\(first), \(last))
                """, as: String?.self, in: tx) ?? nil
            if let body, !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return body }
        }
        return nil
    }

    /// Whether an active `auto` template of `code` serves `channel` (its own or `any`).
    public static func hasActiveAuto(code: String, channel: String, in tx: Transaction) throws -> Bool {
        (try tx.attachment.queryValue(
            """
            SELECT COUNT(*) FROM MISLINK_TEMPLATES
             WHERE CODE = \(code) AND KIND = 'auto' AND IS_ACTIVE = 1 AND CHANNEL IN ('any', \(channel))
            """, as: Int.self, in: tx) ?? 0) > 0
    }
}
