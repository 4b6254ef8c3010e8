import Firebird

/// A chat thread as `MISLINK_CHAT_THREADS` holds it: where a message to it goes.
struct ChatThread: Sendable, Hashable {
    var id: Int64
    /// `chatwoot`, `edna`, …
    var provider: String
    /// The platform's thread id (Chatwoot conversation id, edna thread id).
    var externalId: String
    var channel: String
    /// edna `threadsClientId` / Chatwoot contact id.
    var clientId: String?
    /// edna's external client id.
    var clientExternalId: String?
}

/// The reads of MisLink's own tables the dispatcher makes besides its rows (the MIS's are ``MISReads``).
/// Each runs inside a caller's transaction.
enum Lookups {
    /// The phone key of a free-text number (`MISLINK_PHONE_KEYS`, the same rules as every stored key);
    /// `nil` when the text holds no number.
    static func phoneKey(_ text: String, in tx: Transaction) throws -> String? {
        try tx.attachment.queryValue(
            """
            SELECT FIRST 1 PHONE_KEY FROM MISLINK_PHONE_KEYS(CAST(\(String(text.prefix(255))) AS VARCHAR(255)))
             WHERE PHONE_KEY IS NOT NULL ORDER BY ORDINAL
            """, as: String?.self, in: tx) ?? nil
    }

    /// A number to dial or transfer to: extensions and group numbers (up to 5 digits) as they are,
    /// anything longer as its phone key.
    static func dialable(_ text: String, in tx: Transaction) throws -> String? {
        let digits = text.filter(\.isNumber)
        if !digits.isEmpty, digits.count <= 5, text.allSatisfy({ $0.isNumber || $0 == " " }) { return digits }
        return try phoneKey(text, in: tx)
    }

    static func thread(id: Int64, in tx: Transaction) throws -> ChatThread? {
        try threads("WHERE ID = \(id)", in: tx).first
    }

    /// The patient's latest thread on `provider` for a phone key, open threads first.
    static func thread(phoneKey: String, provider: String, in tx: Transaction) throws -> ChatThread? {
        try threads(
            """
            WHERE PHONE_KEY = \(phoneKey) AND PROVIDER = \(provider)
            ORDER BY IIF(STATUS = 'closed', 1, 0), COALESCE(LAST_MESSAGE_AT, OPENED_AT) DESC, ID DESC
            """, in: tx
        ).first
    }

    private static func threads(_ condition: FirebirdQuery, in tx: Transaction) throws -> [ChatThread] {
        try tx.attachment.query(
            "SELECT FIRST 1 ID, PROVIDER, EXTERNAL_ID, CHANNEL, CLIENT_ID, CLIENT_EXTERNAL_ID FROM MISLINK_CHAT_THREADS \(condition)",
            in: tx
        ).map { row in
            ChatThread(
                id: try row.decode(Int64.self, at: 0), provider: try row.decode(String.self, at: 1),
                externalId: try row.decode(String.self, at: 2), channel: try row.decode(String.self, at: 3),
                clientId: try row.decode(String?.self, at: 4), clientExternalId: try row.decode(String?.self, at: 5))
        }
    }

    /// The active automatic template for a code: the channel's own first, then the row's channel,
    /// then `any`.
    static func template(code: String, channels: [String], in tx: Transaction) throws -> String? {
        let wanted = Array(Set(channels.filter { $0 != "any" })) + ["any"]
        for channel in wanted {
            let body = try tx.attachment.queryValue(
                """
                SELECT BODY FROM MISLINK_TEMPLATES
                 WHERE CODE = \(code) AND CHANNEL = \(channel) AND IS_ACTIVE = 1 AND KIND = 'auto'
                """, as: String?.self, in: tx) ?? nil
            if let body, !body.trimmed.isEmpty { return body }
        }
        return nil
    }

    /// A MisLink setting (`MISLINK_SETTING`), `nil` when unset or empty.
    static func setting(_ name: String, in tx: Transaction) throws -> String? {
        (try tx.attachment.queryValue(
            "SELECT MISLINK_SETTING(CAST(\(name) AS VARCHAR(63))) FROM RDB$DATABASE", as: String?.self, in: tx) ?? nil)?
            .trimmed.nilIfEmpty
    }

    /// The PBX leg (Mango `call_id`) of a call to act on: the asking employee's live leg first, then a
    /// talking one, then the newest; `nil` when every leg has ended.
    static func liveLeg(callId: Int64, staffId: Int, in tx: Transaction) throws -> (legId: String, state: String)? {
        try tx.attachment.query(
            """
            SELECT FIRST 1 L.PBX_LEG_ID, L.STATE FROM MISLINK_CALL_LEGS L
             WHERE L.CALL_ID = \(callId) AND L.STATE <> 'ended'
             ORDER BY IIF(L.STAFF_ID = \(staffId), 0, 1), IIF(L.STATE IN ('talking', 'on_hold'), 0, 1), L.ID DESC
            """, in: tx
        ).first.map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
    }
}
