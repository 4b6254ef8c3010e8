import Firebird
import Foundation
import MisLinkExternalAPIs

/// Chat webhooks into `MISLINK_CHAT_THREADS` (one row per provider thread) and `MISLINK_CHAT_MESSAGES`.
///
/// Thread states: `queued` (nobody has it), `assigned` (an operator has it), `released` (it left the
/// operator unfinished), `closed`. A conversation event older than the thread's `STATE_CHANGED_AT`
/// changes nothing (Chatwoot's `timestamp` is the version-ish field, reference C.3).
public struct ChatThreadApplier: EventApplier {
    public init() {}

    public func apply(_ event: InboundEvent, in context: ApplyContext) throws -> IntakeOutcome? {
        switch event.content {
        case .chatwoot(let chatwoot): return try applyChatwoot(chatwoot, receivedAt: event.receivedAt, in: context)
        case .edna(let edna): return try applyEdna(edna, receivedAt: event.receivedAt, in: context)
        default: return nil
        }
    }

    // MARK: - Chatwoot

    private func applyChatwoot(_ event: ChatwootEvent, receivedAt: Date, in context: ApplyContext) throws -> IntakeOutcome {
        if let message = event.message {
            guard let conversationID = message.conversationId ?? event.conversation?.id else { return .stored }
            let conversation = event.conversation ?? ChatwootConversation(id: conversationID)
            let at = message.createdAt.flatMap(Self.date) ?? receivedAt
            let thread = try threadID(provider: "chatwoot", externalID: String(conversationID),
                                      channel: Self.channel(chatwoot: conversation.channel),
                                      contact: conversation.sender ?? (message.messageType == "incoming" ? message.sender : nil),
                                      at: context.utc(at), in: context)
            guard !message.isPrivate, message.messageType == "incoming" || message.messageType == "outgoing" else {
                return .stored
            }
            try addMessage(thread: thread, externalID: String(message.id), incoming: message.messageType == "incoming",
                           author: message.sender?.name, body: message.content, at: context.utc(at), in: context)
            return .applied
        }
        guard let conversation = event.conversation else { return .stored }
        let at = conversation.timestamp.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? receivedAt
        let thread = try ensureThread(provider: "chatwoot", externalID: String(conversation.id),
                                      channel: Self.channel(chatwoot: conversation.channel), contact: conversation.sender,
                                      at: context.utc(at), in: context)
        if let changed = thread.stateChangedAt, FirebirdTimestamp(at, in: .utc) < changed { return .skipped }
        let status: String
        var closeReason: String?
        if conversation.status == "resolved" {
            status = "closed"
            closeReason = event.event == "conversation_status_changed" ? "operator" : "resolved"
        } else if conversation.assignee != nil {
            status = "assigned"
        } else if event.assigneeChanged {
            status = thread.status == "closed" ? "closed" : "released"
        } else if thread.status == "closed", conversation.status == "open" {
            status = "queued"
        } else {
            status = thread.status
        }
        try context.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET STATUS = ?, PROVIDER_STATUS = ?, STATE_CHANGED_AT = ?,
                OPERATOR_LOGIN = CASE WHEN CAST(? AS VARCHAR(12)) = 'assigned' THEN ? ELSE OPERATOR_LOGIN END,
                ASSIGNED_AT = CASE WHEN CAST(? AS VARCHAR(12)) = 'assigned' THEN ? ELSE ASSIGNED_AT END,
                CLOSED_AT = CASE WHEN CAST(? AS VARCHAR(12)) = 'closed' THEN COALESCE(CLOSED_AT, ?) ELSE NULL END,
                CLOSE_REASON = CASE WHEN CAST(? AS VARCHAR(12)) = 'closed' THEN COALESCE(?, CLOSE_REASON) ELSE NULL END,
                UPDATED_AT = ?
            WHERE ID = ?
            """,
            [.text(status), .ascii(conversation.status, limit: 32), context.utc(at),
             .text(status), .text(conversation.assignee?.availableName ?? conversation.assignee?.name, limit: 64),
             .text(status), context.utc(at), .text(status), context.utc(at), .text(status), .ascii(closeReason, limit: 32),
             context.now, .bigint(thread.id)])
        return .applied
    }

    // MARK: - edna

    private func applyEdna(_ event: EdnaBotWebhook, receivedAt: Date, in context: ApplyContext) throws -> IntakeOutcome {
        guard event.action == "MESSAGE" else { return .stored }
        let at = event.receivedAt.flatMap(Self.date) ?? receivedAt
        let externalID = event.sessionId ?? "client:\(event.threadsClientId)"
        let contact = ChatwootPerson(id: 0, name: event.clientData?["name"], phoneNumber: event.clientData?["phone"])
        let thread = try threadID(provider: "edna", externalID: externalID,
                                  channel: Self.channel(edna: event.channelInfo?.channelType), contact: contact,
                                  clientID: String(event.threadsClientId), at: context.utc(at), in: context)
        try addMessage(thread: thread, externalID: event.questionId ?? "q:\(event.questionIndex ?? 0)", incoming: true,
                       author: contact.name, body: event.text, at: context.utc(at), in: context)
        return .applied
    }

    // MARK: - Rows

    struct ThreadRow {
        var id: Int64
        var status: String
        var stateChangedAt: FirebirdTimestamp?
    }

    /// The thread's id: from the cache, else found or created.
    private func threadID(provider: String, externalID: String, channel: String, contact: ChatwootPerson?,
                          clientID: String? = nil, at: FirebirdValue, in context: ApplyContext) throws -> Int64 {
        if let id = context.ids["thread:\(provider):\(externalID)"] { return id }
        return try ensureThread(provider: provider, externalID: externalID, channel: channel, contact: contact,
                                clientID: clientID, at: at, in: context).id
    }

    private func ensureThread(provider: String, externalID: String, channel: String, contact: ChatwootPerson?,
                              clientID: String? = nil, at: FirebirdValue, in context: ApplyContext) throws -> ThreadRow {
        if let row = try context.firstRow(
            "SELECT ID, STATUS, STATE_CHANGED_AT FROM MISLINK_CHAT_THREADS WHERE PROVIDER = ? AND EXTERNAL_ID = ?",
            [.text(provider), .ascii(externalID, limit: 128)]) {
            let id = row[0].int64Value ?? 0
            context.ids.remember("thread:\(provider):\(externalID)", id)
            return ThreadRow(id: id, status: row[1].stringValue ?? "queued", stateChangedAt: row[2].timestampValue)
        }
        let row = try context.firstRow(
            """
            INSERT INTO MISLINK_CHAT_THREADS (PROVIDER, EXTERNAL_ID, CHANNEL, CLIENT_ID, CONTACT_NAME, CONTACT_PHONE,
                STATUS, OPENED_AT, CREATED_AT, UPDATED_AT)
            VALUES (?, ?, ?, ?, ?, ?, 'queued', COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), ?, ?)
            RETURNING ID
            """,
            [.text(provider), .ascii(externalID, limit: 128), .text(channel),
             .ascii(clientID ?? contact.flatMap { $0.id > 0 ? String($0.id) : nil }, limit: 128),
             .text(contact?.name, limit: 150), .text(contact?.phoneNumber, limit: 64), at, context.now, context.now, context.now])
        guard let id = row?[0].int64Value else { throw ApplyError("INSERT … RETURNING ID gave no id") }
        context.ids.remember("thread:\(provider):\(externalID)", id)
        return ThreadRow(id: id, status: "queued", stateChangedAt: nil)
    }

    private func addMessage(thread: Int64, externalID: String, incoming: Bool, author: String?, body: String?,
                            at: FirebirdValue, in context: ApplyContext) throws {
        try context.execute(
            """
            INSERT INTO MISLINK_CHAT_MESSAGES (THREAD_ID, EXTERNAL_ID, DIRECTION, AUTHOR_TYPE, AUTHOR_NAME, BODY, STATUS, SENT_AT,
                CREATED_AT, UPDATED_AT)
            VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), ?, ?)
            """,
            [.bigint(thread), .ascii(externalID, limit: 128), .text(incoming ? "in" : "out"),
             .text(incoming ? "client" : "operator"), .text(author, limit: 150), .text(orNull: body),
             .text(incoming ? "received" : "sent"), at, context.now, context.now, context.now])
        try context.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET
                LAST_MESSAGE_AT = CASE WHEN LAST_MESSAGE_AT IS NULL OR LAST_MESSAGE_AT < ? THEN ? ELSE LAST_MESSAGE_AT END,
                LAST_MESSAGE_PREVIEW = ?,
                FIRST_RESPONSE_AT = CASE WHEN CAST(? AS INTEGER) = 0 THEN COALESCE(FIRST_RESPONSE_AT, ?) ELSE FIRST_RESPONSE_AT END,
                UNANSWERED_COUNT = CASE WHEN CAST(? AS INTEGER) = 1 THEN UNANSWERED_COUNT + 1 ELSE 0 END,
                UPDATED_AT = ?
            WHERE ID = ?
            """,
            [at, at, .text(body, limit: 200), .integer(incoming ? 1 : 0), at, .integer(incoming ? 1 : 0), context.now, .bigint(thread)])
    }

    // MARK: - Mapping

    static func channel(chatwoot: String?) -> String {
        switch chatwoot?.lowercased() {
        case let c? where c.contains("whatsapp"): "whatsapp"
        case let c? where c.contains("telegram"): "telegram"
        case let c? where c.contains("webwidget"): "webchat"
        case let c? where c.contains("email"): "email"
        case let c? where c.contains("sms"): "sms"
        case let c? where c.contains("vk"): "vk"
        case let c? where c.contains("viber"): "viber"
        default: "other"
        }
    }

    static func channel(edna: String?) -> String {
        switch edna?.uppercased() {
        case "WHATSAPP": "whatsapp"
        case "TELEGRAM": "telegram"
        case "VK", "VKONTAKTE": "vk"
        case "VIBER": "viber"
        case "WEB", "WEBCHAT", "WIDGET": "webchat"
        case "EMAIL": "email"
        case "SMS": "sms"
        default: "other"
        }
    }

    /// ISO 8601 with or without fractional seconds (a zone-less one read as UTC), or epoch seconds as text.
    static func date(_ text: String) -> Date? {
        if let epoch = Double(text) { return Date(timeIntervalSince1970: epoch) }
        let formatters = DateFormatters.shared
        return formatters.plain.date(from: text) ?? formatters.fractional.date(from: text)
            ?? formatters.plain.date(from: text + "Z") ?? formatters.fractional.date(from: text + "Z")
    }
}

/// ISO 8601 parsers, made once: making one costs far more than parsing a date.
final class DateFormatters: @unchecked Sendable {
    // @unchecked: used only on the intake connection's queue.
    static let shared = DateFormatters()
    let plain = ISO8601DateFormatter()
    let fractional: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
