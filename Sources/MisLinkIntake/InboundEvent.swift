import Foundation
import MisLinkExternalAPIs

/// One webhook accepted by an adapter: authenticated, parsed, and given its idempotency key.
///
/// The raw body is kept (it goes to `MISLINK_INBOX.PAYLOAD` and to the spool); ``content`` is its
/// decoded form, rebuilt from the raw body with ``EventContent/decode(source:eventType:payload:)``
/// when an event comes back from the spool.
public struct InboundEvent: Sendable {
    /// Who sent it: `mango`, `chatwoot`, `edna`.
    public var source: String
    /// The idempotency key (unique in `MISLINK_INBOX.DELIVERY_KEY`), e.g. `mango:call:<call_id>:<seq>`.
    public var deliveryKey: String
    /// The event type as received: `events/call`, `result/callback`, `conversation_updated`, `MESSAGE`.
    public var eventType: String
    /// The call, thread or command the event is about.
    public var objectID: String?
    /// The body as received (for Mango, the signed `json` field).
    public var payload: String
    /// The sender's address, if known.
    public var remoteAddress: String?
    /// When MisLink received it.
    public var receivedAt: Date
    /// The decoded body.
    public var content: EventContent

    /// Makes an event.
    public init(source: String, deliveryKey: String, eventType: String, objectID: String?, payload: String,
                remoteAddress: String? = nil, receivedAt: Date = Date(), content: EventContent) {
        self.source = source
        self.deliveryKey = deliveryKey
        self.eventType = eventType
        self.objectID = objectID
        self.payload = payload
        self.remoteAddress = remoteAddress
        self.receivedAt = receivedAt
        self.content = content
    }
}

/// What an event says, decoded.
public enum EventContent: Sendable {
    /// `events/call`: one state of one call leg.
    case mangoCall(MangoCallEvent)
    /// `events/summary`: the end of a call.
    case mangoSummary(MangoSummaryEvent)
    /// `events/recording`: a recording's state.
    case mangoRecording(MangoRecordingEvent)
    /// `events/record/added`: a recording can be downloaded.
    case mangoRecordAdded(MangoRecordAddedEvent)
    /// `result/<command>`: the outcome of a command we sent.
    case mangoResult(command: String, MangoCommandResult)
    /// A Chatwoot webhook.
    case chatwoot(ChatwootEvent)
    /// An edna Bot Connect webhook.
    case edna(EdnaBotWebhook)
    /// An edna thread as `GET /api/v1/threads/{id}` gave it (polled: edna pushes no thread lifecycle).
    case ednaThread(EdnaThread)
    /// Stored as received; nothing in MisLink applies it (yet): `events/dtmf`, `events/sms`, …
    case stored

    /// Decodes a stored body again (for spool replay), the way its adapter did.
    public static func decode(source: String, eventType: String, payload: String) throws -> EventContent {
        switch source {
        case "mango": return try MangoWebhookAdapter.decodeContent(path: eventType, json: payload).content
        case "chatwoot": return .chatwoot(try ChatwootWebhookAdapter.decodeEvent(Data(payload.utf8)))
        case "edna" where eventType == EdnaThreadEvent.eventType:
            return .ednaThread(try JSONDecoder().decode(EdnaThread.self, from: Data(payload.utf8)))
        case "edna": return .edna(try JSONDecoder().decode(EdnaBotWebhook.self, from: Data(payload.utf8)))
        default: return .stored
        }
    }
}

/// A Chatwoot webhook, decoded by its `event`.
public struct ChatwootEvent: Sendable {
    /// `conversation_created`, `conversation_updated`, `conversation_status_changed`, `message_created`, …
    public var event: String
    /// The conversation (the body itself for conversation events, `conversation` for messages).
    public var conversation: ChatwootConversation?
    /// The message, for `message_created` / `message_updated`.
    public var message: ChatwootMessage?
    /// Whether `changed_attributes` mentions `assignee_id` (an assignment or a release).
    public var assigneeChanged: Bool

    /// Makes an event.
    public init(event: String, conversation: ChatwootConversation?, message: ChatwootMessage?, assigneeChanged: Bool) {
        self.event = event
        self.conversation = conversation
        self.message = message
        self.assigneeChanged = assigneeChanged
    }
}

/// What happened to one event.
public enum IntakeOutcome: String, Sendable, Codable {
    /// Stored in the inbox and applied to the domain tables, in one committed transaction.
    case applied
    /// Stored; older than the state already applied (a lower `seq`), so it changed nothing.
    case skipped
    /// Stored with status `received`: nothing in MisLink applies this kind of event yet.
    case stored
    /// Stored with status `failed` and its error; its neighbours in the batch were applied.
    case failed
    /// Seen before (same delivery key): acknowledged, nothing changed.
    case duplicate
    /// The database was unavailable: appended to the durable spool (fsync'd), applied on replay.
    case spooled
    /// Stored with status `retrying`: applying it met a passing error (a lock conflict or timeout); the
    /// worker applies it again later.
    case retrying
    /// It could not be stored as an event (a value no inbox column takes, a body that no longer parses
    /// on replay): kept whole and raw in `MISLINK_QUARANTINE` with the reason, acknowledged, and never
    /// blocking the events after it.
    case quarantined

    /// The `MISLINK_INBOX.STATUS` an event with this outcome is stored with.
    var inboxStatus: String {
        switch self {
        case .applied: "processed"
        case .skipped, .duplicate: "skipped"
        case .failed, .quarantined: "failed"
        case .retrying: "retrying"
        case .stored, .spooled: "received"
        }
    }
}

/// Why a webhook is refused, with the HTTP status to answer. Nothing is stored for a refused webhook.
public struct WebhookRejection: Error, Sendable, CustomStringConvertible {
    /// 400, 401, 404, 413, 415.
    public var status: Int
    /// What was wrong, safe to send back (no secrets, no payload).
    public var reason: String

    /// Makes a rejection.
    public init(status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status): \(reason)" }

    static func unauthorized(_ reason: String) -> WebhookRejection { WebhookRejection(status: 401, reason) }
    static func malformed(_ reason: String) -> WebhookRejection { WebhookRejection(status: 400, reason) }
}

/// Polled edna threads as events: stored in the inbox and applied like webhooks, so an unchanged
/// thread polled again is a duplicate and costs nothing.
public enum EdnaThreadEvent {
    /// `MISLINK_INBOX.EVENT_TYPE` of a polled thread.
    public static let eventType = "thread"

    /// The event of one polled thread: keyed by its state (status, agent, `stateChangeTime`, and whether
    /// `unanswered` is 0, which can tell an agent's answer without a change of status), and on the lane of
    /// the thread's webhooks (`objectID` = the thread id, as Bot Connect's `sessionId`).
    public static func make(_ thread: EdnaThread, body: Data, receivedAt: Date = Date()) -> InboundEvent {
        let key = DeliveryKey.make("edna:thread", String(thread.id), thread.status.rawValue, thread.currentAgentLogin ?? "-",
                                   thread.stateChangeTime ?? DeliveryKey.digest(String(decoding: body, as: UTF8.self)),
                                   thread.unanswered == 0 ? "u0" : "")
        return InboundEvent(source: "edna", deliveryKey: key, eventType: eventType, objectID: String(thread.id),
                            payload: String(decoding: body, as: UTF8.self), receivedAt: receivedAt, content: .ednaThread(thread))
    }
}
