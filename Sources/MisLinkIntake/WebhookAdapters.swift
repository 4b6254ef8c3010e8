import Crypto
import Foundation
import MisLinkExternalAPIs
import MisLinkSettings

/// Mango Office notifications: `POST <base>/<path>` with the form `vpbx_api_key`, `sign`, `json`,
/// where `sign = sha256(api_key + json + api_salt)` (reference A.2).
///
/// Idempotency keys follow the reference (A.7, pitfall 2): `(call_id, seq)` for `events/call`,
/// `entry_id` for `events/summary`, `(recording_id, recording_state, seq)` for `events/recording`,
/// `recording_id` for `events/record/added`, `command_id` for `result/<command>`.
public struct MangoWebhookAdapter: Sendable {
    private let credentials: MangoCredentials

    /// Makes the adapter for the configured account.
    public init(settings: MisLinkSettings.Mango) {
        credentials = MangoCredentials(apiKey: settings.apiKey, apiSalt: settings.apiSalt)
    }

    /// Authenticates and parses one notification.
    /// - Parameter path: what follows the base path, e.g. `events/call` or `result/callback`.
    /// - Returns: the event, or nil for a signed POST MisLink does not store (the PBX's connection check).
    /// - Throws: ``WebhookRejection``: 401 for a wrong key or signature, 400 for a malformed body.
    public func accept(path: String, body: Data, remoteAddress: String? = nil, receivedAt: Date = Date())
        throws(WebhookRejection) -> InboundEvent?
    {
        guard !credentials.apiKey.isEmpty, !credentials.apiSalt.isEmpty else {
            throw .unauthorized("the Mango API key and salt are not configured")
        }
        let form = FormBody.parse(body)
        guard let key = form["vpbx_api_key"], let sign = form["sign"], let json = form["json"] else {
            throw .unauthorized("vpbx_api_key, sign and json are required")
        }
        guard MangoSignature.constantTimeEqual(key, credentials.apiKey),
              MangoSignature.isValid(sign: sign, json: json, credentials: credentials) else {
            throw .unauthorized("wrong vpbx_api_key or sign")
        }
        let normalizedPath = path.split(separator: "/").joined(separator: "/")
        guard normalizedPath.hasPrefix("events/") || normalizedPath.hasPrefix("result/") else { return nil }
        let decoded: (content: EventContent, key: String, objectID: String?)
        do {
            decoded = try Self.decodeContent(path: normalizedPath, json: json)
        } catch {
            throw .malformed("the json field of \(normalizedPath) does not parse: \(DecodingProblem(error))")
        }
        return InboundEvent(
            source: "mango", deliveryKey: decoded.key, eventType: normalizedPath, objectID: decoded.objectID,
            payload: json, remoteAddress: remoteAddress, receivedAt: receivedAt, content: decoded.content)
    }

    /// Decodes the `json` of a notification path into its content, idempotency key and object id.
    static func decodeContent(path: String, json: String) throws -> (content: EventContent, key: String, objectID: String?) {
        let data = Data(json.utf8)
        let decoder = JSONDecoder()
        switch path {
        case "events/call":
            let event = try decoder.decode(MangoCallEvent.self, from: data)
            return (.mangoCall(event), DeliveryKey.make("mango:call", event.callId, String(event.seq)), event.entryId)
        case "events/summary":
            let event = try decoder.decode(MangoSummaryEvent.self, from: data)
            return (.mangoSummary(event), DeliveryKey.make("mango:summary", event.entryId), event.entryId)
        case "events/recording":
            let event = try decoder.decode(MangoRecordingEvent.self, from: data)
            return (.mangoRecording(event),
                    DeliveryKey.make("mango:recording", event.recordingId, event.recordingState, String(event.seq)),
                    event.entryId.isEmpty ? nil : event.entryId)
        case "events/record/added":
            let event = try decoder.decode(MangoRecordAddedEvent.self, from: data)
            return (.mangoRecordAdded(event), DeliveryKey.make("mango:record", event.recordingId),
                    event.entryId.isEmpty ? nil : event.entryId)
        case "result/stat":
            // Mango's notice that a `stats/request` report is ready: `{"key": …, "request_id": …}`, not a
            // command result. Kept as received; the reconciler asks for its statistics itself.
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a JSON object"))
            }
            let key = (object["key"] as? String) ?? (object["key"].map { "\($0)" }) ?? DeliveryKey.digest(json)
            let request = (object["request_id"] as? String) ?? (object["request_id"].map { "\($0)" })
            return (.stored, DeliveryKey.make("mango:stat", key, request ?? "-"), nil)
        case let result where result.hasPrefix("result/"):
            let command = String(result.dropFirst("result/".count))
            let event = try decoder.decode(MangoCommandResult.self, from: data)
            let id = event.commandId ?? DeliveryKey.digest(json)
            return (.mangoResult(command: command, event), DeliveryKey.make("mango:result", command, id), event.commandId)
        default:
            // Any other event (dtmf, sms, …) must at least be a JSON object; it is stored as received.
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a JSON object"))
            }
            return (.stored, DeliveryKey.make("mango:" + path, DeliveryKey.digest(json)), nil)
        }
    }
}

/// Chatwoot account webhooks, authenticated by the webhook secret (`<webhook_path>/<secret>` or `?secret=`).
///
/// Keys: `message_created`/`message_updated` by message id (a message is one object);
/// conversation events by conversation id, event and a digest of the body, so a repeated delivery
/// is recognised while two different updates in the same second are not mistaken for one.
public struct ChatwootWebhookAdapter: Sendable {
    private let secret: String

    /// Makes the adapter.
    public init(settings: MisLinkSettings.Chatwoot) { secret = settings.webhookSecret }

    /// Authenticates and parses one webhook; `pathSecret` is the secret the URL carried.
    public func accept(pathSecret: String, body: Data, remoteAddress: String? = nil, receivedAt: Date = Date())
        throws(WebhookRejection) -> InboundEvent?
    {
        guard !secret.isEmpty else { throw .unauthorized("the Chatwoot webhook secret is not configured") }
        guard MangoSignature.constantTimeEqual(pathSecret, secret) else { throw .unauthorized("wrong webhook path") }
        let event: ChatwootEvent
        do { event = try Self.decodeEvent(body) } catch {
            throw .malformed("the Chatwoot webhook does not parse: \(DecodingProblem(error))")
        }
        let payload = String(decoding: body, as: UTF8.self)
        let key: String
        let objectID: String?
        if let message = event.message {
            key = DeliveryKey.make("chatwoot:message", String(message.id), event.event == "message_created" ? "" : DeliveryKey.digest(payload))
            objectID = (message.conversationId ?? event.conversation?.id).map(String.init)
        } else if let conversation = event.conversation {
            key = DeliveryKey.make("chatwoot:" + event.event, String(conversation.id), DeliveryKey.digest(payload))
            objectID = String(conversation.id)
        } else {
            // Events about other objects (contacts, webwidget) are stored as received.
            key = DeliveryKey.make("chatwoot:" + event.event, DeliveryKey.digest(payload))
            objectID = nil
        }
        return InboundEvent(source: "chatwoot", deliveryKey: key, eventType: event.event, objectID: objectID,
                            payload: payload, remoteAddress: remoteAddress, receivedAt: receivedAt, content: .chatwoot(event))
    }

    /// Decodes a Chatwoot webhook body by its `event`.
    static func decodeEvent(_ body: Data) throws -> ChatwootEvent {
        let header = try JSONDecoder().decode(ChatwootWebhookHeader.self, from: body)
        switch header.event {
        case "message_created", "message_updated":
            let message = try JSONDecoder().decode(ChatwootMessage.self, from: body)
            return ChatwootEvent(event: header.event, conversation: message.conversation, message: message, assigneeChanged: false)
        case let event where event.hasPrefix("conversation_"):
            let conversation = try JSONDecoder().decode(ChatwootConversation.self, from: body)
            let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            let changes = object?["changed_attributes"] as? [[String: Any]] ?? []
            let assigneeChanged = changes.contains { $0["assignee_id"] != nil }
            return ChatwootEvent(event: event, conversation: conversation, message: nil, assigneeChanged: assigneeChanged)
        default:
            guard (try JSONSerialization.jsonObject(with: body)) is [String: Any] else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a JSON object"))
            }
            return ChatwootEvent(event: header.event, conversation: nil, message: nil, assigneeChanged: false)
        }
    }
}

/// edna Chat Center Bot Connect webhooks, authenticated by the webhook secret (`<webhook_path>/<secret>` or `?secret=`):
/// `MESSAGE` (a client's message) and `TRAINING` (every client and agent message, the only copy of what an
/// operator types in edna's own screen), the others stored as received.
/// Key: the action and the message (`questionId`), else a digest of the body; a `TRAINING` copy of a client's
/// message is another delivery, and the thread's messages (keyed by `questionId`) keep it once.
public struct EdnaWebhookAdapter: Sendable {
    private let secret: String

    /// Makes the adapter.
    public init(settings: MisLinkSettings.Edna) { secret = settings.webhookSecret }

    /// Authenticates and parses one webhook; `pathSecret` is the secret the URL carried.
    public func accept(pathSecret: String, body: Data, remoteAddress: String? = nil, receivedAt: Date = Date())
        throws(WebhookRejection) -> InboundEvent?
    {
        guard !secret.isEmpty else { throw .unauthorized("the edna webhook secret is not configured") }
        guard MangoSignature.constantTimeEqual(pathSecret, secret) else { throw .unauthorized("wrong webhook path") }
        let event: EdnaBotWebhook
        do { event = try JSONDecoder().decode(EdnaBotWebhook.self, from: body) } catch {
            throw .malformed("the edna webhook does not parse: \(DecodingProblem(error))")
        }
        let payload = String(decoding: body, as: UTF8.self)
        let key = DeliveryKey.make("edna:" + event.action.lowercased(), event.questionId ?? DeliveryKey.digest(payload))
        return InboundEvent(source: "edna", deliveryKey: key, eventType: event.action,
                            objectID: event.sessionId ?? String(event.threadsClientId), payload: payload,
                            remoteAddress: remoteAddress, receivedAt: receivedAt, content: .edna(event))
    }
}

/// Builds `MISLINK_INBOX.DELIVERY_KEY` values: ASCII, at most 255 characters.
enum DeliveryKey {
    static func make(_ parts: String...) -> String {
        let key = parts.filter { !$0.isEmpty }.joined(separator: ":")
        // As MISLINK_INBOX.DELIVERY_KEY stores it: printable ASCII, at most 255 bytes; else a digest.
        if key.utf8.count <= 255, key.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }) { return key }
        return String(parts[0].prefix(64)) + ":sha256:" + digest(key)
    }

    /// The SHA-256 of a text in hex.
    static func digest(_ text: String) -> String {
        MangoSignature.hex(SHA256.hash(data: Data(text.utf8)))
    }
}

/// `application/x-www-form-urlencoded` bodies.
enum FormBody {
    static func parse(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }

    /// `+` is a space, `%XX` a byte; nil for a malformed escape or bytes that are not UTF-8.
    private static func decode(_ bytes: Data.SubSequence) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard bytes.distance(from: index, to: bytes.endIndex) > 2,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else { return nil }
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A decoding error told briefly: the key path and what was wrong, never the payload.
public struct DecodingProblem: CustomStringConvertible {
    let error: any Error
    /// Describes `error`.
    public init(_ error: any Error) { self.error = error }

    public var description: String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        switch error {
        case .keyNotFound(let key, let context):
            return "\((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else { return "not valid JSON" }
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            if let range = context.underlyingError as? LooseRangeError { return "\(path) is invalid: \(range)" }
            return "\(path) is invalid"
        @unknown default:
            return "not valid JSON"
        }
    }
}
