import Foundation
import MisLinkExternalAPIs

/// MisLink's own model of a chat thread (reference C.3): what each platform's events mean, whatever
/// platform sent them. The adapters below translate Chatwoot webhooks, edna Bot Connect webhooks and
/// polled edna threads into it; ``ChatThreadApplier`` applies it with Infoclinica's rules.
public enum ChatChange: Sendable, Equatable {
    /// The thread exists (opened, or first seen); nothing else changed.
    case seen
    /// A message in the thread, from the client or from an operator.
    case message(ChatMessage)
    /// The thread's state as the platform gives it, stamped with the platform's time of that state.
    case state(ChatThreadState, at: Date)
    /// An operator answered, seen only in the thread's state (edna's polled status), not as a message:
    /// the thread's first response at `at` unless one is recorded. With `ifClientWaiting`, only when
    /// client messages were waiting for an answer in MisLink's count (the evidence is edna's `unanswered`
    /// falling to 0, which a thread nobody wrote in yet shows too).
    case answered(at: Date, ifClientWaiting: Bool)
}

/// Which platform thread, with the client as the platform describes them.
public struct ChatThreadRef: Sendable, Equatable {
    /// `chatwoot` or `edna`.
    public var provider: String
    /// The platform's thread id (Chatwoot conversation id, edna thread id / `sessionId`).
    public var externalID: String
    /// `whatsapp`, `telegram`, `vk`, `viber`, `webchat`, `email`, `sms` or `other`.
    public var channel: String
    /// The platform's client id (edna `threadsClientId` — its internal id —, Chatwoot contact id).
    public var clientID: String?
    /// The external client id (edna `clientId` of authorised clients, Chatwoot `identifier`).
    public var externalClientID: String?
    public var contactName: String?
    public var contactPhone: String?
    /// E-mail or messenger handle.
    public var contactHandle: String?
}

/// A message of a thread.
public struct ChatMessage: Sendable, Equatable {
    /// The platform's message id.
    public var externalID: String
    /// From the client (`in`) or to the client (`out`).
    public var incoming: Bool
    public var authorName: String?
    /// The operator who wrote it, as the platform names them (outgoing only).
    public var agent: ChatAgent?
    public var body: String?
    public var at: Date
}

/// An operator as a platform names them.
public struct ChatAgent: Sendable, Equatable {
    /// The login (an employee's chat login, `staff_chat_logins`), when the platform gives one (edna).
    public var login: String?
    /// The platform's agent id (Chatwoot user id, edna agent id).
    public var id: String?
    public var name: String?
}

/// A thread's state (`MISLINK_CHAT_THREADS.STATUS` with its operator).
public enum ChatThreadState: Sendable, Equatable {
    /// Waiting for an operator (new, or back in the general queue).
    case queued
    /// In this operator's queue.
    case assigned(ChatAgent)
    /// Left an operator's queue unfinished (inactivity, operator offline, sent back to the queue).
    case released
    /// Finished: closed by the operator, the client, or a timeout; `reason` as the platform says.
    case closed(reason: String)
}

/// The platform's words for one change, as the applier receives them.
public struct ChatEvent: Sendable {
    public var thread: ChatThreadRef
    public var changes: [ChatChange]
    /// The platform's status word (`ASSIGNED`, `resolved` …), kept on the thread for support.
    public var providerStatus: String?
}

// MARK: - Chatwoot

extension ChatEvent {
    /// A Chatwoot webhook in MisLink's terms; nil for events that say nothing about a thread.
    public init?(chatwoot event: ChatwootEvent, receivedAt: Date) {
        if let message = event.message {
            guard let conversationID = message.conversationId ?? event.conversation?.id else { return nil }
            let conversation = event.conversation ?? ChatwootConversation(id: conversationID)
            let contact = conversation.sender ?? (message.messageType == "incoming" ? message.sender : nil)
            thread = Self.chatwootThread(conversation, contact: contact)
            providerStatus = conversation.status
            guard !message.isPrivate, message.messageType == "incoming" || message.messageType == "outgoing" else {
                changes = [.seen]
                return
            }
            let incoming = message.messageType == "incoming"
            let agent = incoming ? nil : message.sender.flatMap { $0.type == "user" || $0.type == nil ? ChatAgent(login: nil, id: String($0.id), name: $0.availableName ?? $0.name) : nil }
            changes = [.message(ChatMessage(
                externalID: String(message.id), incoming: incoming, authorName: message.sender?.availableName ?? message.sender?.name,
                agent: agent, body: message.content, at: message.createdAt.flatMap(ChatDates.parse) ?? receivedAt))]
            return
        }
        guard let conversation = event.conversation else { return nil }
        thread = Self.chatwootThread(conversation, contact: conversation.sender)
        providerStatus = conversation.status
        let at = conversation.timestamp.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? receivedAt
        let state: ChatThreadState
        switch conversation.status {
        case "resolved":
            state = .closed(reason: event.event == "conversation_status_changed" ? "OPERATOR_CLOSED" : "RESOLVED")
        case "snoozed":
            state = .released
        default:
            if let assignee = conversation.assignee {
                state = .assigned(ChatAgent(login: nil, id: String(assignee.id), name: assignee.availableName ?? assignee.name))
            } else {
                state = event.assigneeChanged ? .released : .queued
            }
        }
        changes = [.state(state, at: at)]
    }

    private static func chatwootThread(_ conversation: ChatwootConversation, contact: ChatwootPerson?) -> ChatThreadRef {
        ChatThreadRef(
            provider: "chatwoot", externalID: String(conversation.id), channel: channel(chatwoot: conversation.channel),
            clientID: contact.map { String($0.id) }, externalClientID: contact?.identifier, contactName: contact?.name,
            contactPhone: contact?.phoneNumber, contactHandle: contact?.email)
    }

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
}

// MARK: - edna

extension ChatEvent {
    /// A Bot Connect `MESSAGE` (a client message) or `TRAINING` (a copy of every client and agent message:
    /// an agent's is an operator's message, a client's has the id its `MESSAGE` had, so it adds nothing
    /// twice); nil for the other actions and for a bot's messages.
    public init?(edna event: EdnaBotWebhook, receivedAt: Date) {
        let author: EdnaBotWebhook.Author = event.action == "MESSAGE" ? .client : event.author
        guard event.action == "MESSAGE" || event.action == "TRAINING", author != .bot else { return nil }
        let incoming = author == .client
        thread = ChatThreadRef(
            provider: "edna", externalID: event.sessionId ?? "client:\(event.threadsClientId)",
            channel: Self.channel(edna: event.channelInfo?.channelType), clientID: String(event.threadsClientId),
            externalClientID: event.clientId, contactName: event.clientData?["name"], contactPhone: event.clientData?["phone"],
            contactHandle: event.clientData?["email"])
        providerStatus = nil
        let index = event.questionIndex.map(String.init) ?? ChatDates.digest(event.text ?? "")
        let agent = incoming ? nil : ChatAgent(login: event.agentLogin, id: event.agentId.map(String.init), name: event.agentName)
        changes = [.message(ChatMessage(
            externalID: event.questionId ?? (incoming ? "q:\(index)" : "a:\(ChatDates.digest((event.receivedAt ?? "") + (event.text ?? "")))"),
            incoming: incoming, authorName: incoming ? event.clientData?["name"] : event.agentName ?? event.agentLogin, agent: agent,
            body: event.text, at: event.receivedAt.flatMap(ChatDates.parse) ?? receivedAt))]
    }

    /// A polled thread (`GET /api/v1/threads/{id}`): its state, with the agent who holds it, and whether
    /// an agent has answered (edna pushes no agent message unless a `TRAINING` webhook is set up).
    ///
    /// edna's thread object carries no close reason (its reports do): a `CLOSED` thread is closed as
    /// `CLOSED` unless the body happens to carry a `closeReason`.
    public init(ednaThread thread: EdnaThread, receivedAt: Date) {
        self.thread = ChatThreadRef(
            provider: "edna", externalID: String(thread.id), channel: "other",
            clientID: thread.ednaClientId.map(String.init), externalClientID: thread.externalClientId,
            contactName: thread.clientName, contactPhone: nil, contactHandle: nil)
        providerStatus = thread.status.rawValue
        let at = thread.stateChangeTime.flatMap(ChatDates.parse) ?? receivedAt
        let agent = thread.currentAgentLogin.map { ChatAgent(login: $0, id: thread.currentAgent.map(String.init), name: nil) }
        let state: ChatThreadState
        switch thread.status {
        case .closed: state = .closed(reason: thread.closeReason.flatMap { $0.isEmpty ? nil : $0 } ?? "CLOSED")
        case .new, .suspended: state = .queued
        case .unassigned: state = .released
        default: state = agent.map { .assigned($0) } ?? .released
        }
        changes = [.state(state, at: at)]
        if let answered = Self.answered(thread) { changes.append(.answered(at: at, ifClientWaiting: answered == .ifClientWaiting)) }
    }

    private enum Answered { case certainly, ifClientWaiting }

    /// What a polled thread says about an agent's answer: `REASSIGNED` ("with replies") and `WAITING`
    /// ("the agent is waiting for the client") say one was sent; `unanswered` at 0 in an agent's queue
    /// says so only after client messages (``ChatChange/answered(at:ifClientWaiting:)``).
    private static func answered(_ thread: EdnaThread) -> Answered? {
        switch thread.status {
        case .reassigned, .waiting: return .certainly
        case .new, .unassigned, .suspended, .closed: return nil
        default: return thread.unanswered == 0 && thread.currentAgentLogin != nil ? .ifClientWaiting : nil
        }
    }

    static func channel(edna: String?) -> String {
        switch edna?.uppercased() {
        case "WHATSAPP": "whatsapp"
        case "TELEGRAM": "telegram"
        case "VK", "VKONTAKTE": "vk"
        case "VIBER", "VIBERPA": "viber"
        case "WEB", "WEBCHAT", "WIDGET", "MOBILE": "webchat"
        case "EMAIL": "email"
        case "SMS": "sms"
        default: "other"
        }
    }
}

/// Platform times: ISO 8601 with or without fractional seconds (a zone-less one read as UTC), or
/// epoch seconds as text.
enum ChatDates {
    /// The instant of a platform time; nil when it is none (`nan`, `inf` and other text that is no
    /// decimal number or ISO 8601 time). An instant Firebird cannot store (`1e300`) is returned as it
    /// is: the applier refuses it with the field named (decoding already refuses most of them).
    static func parse(_ text: String) -> Date? {
        if LooseNumber.isDecimal(text) {
            guard let epoch = Double(text), epoch.isFinite else { return nil }
            return Date(timeIntervalSince1970: epoch)
        }
        let formatters = DateFormatters.shared
        return formatters.plain.date(from: text) ?? formatters.fractional.date(from: text)
            ?? formatters.plain.date(from: text + "Z") ?? formatters.fractional.date(from: text + "Z")
    }

    /// A short stable digest of a text (FNV-1a), for ids a platform does not give.
    static func digest(_ text: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return String(hash, radix: 36)
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
