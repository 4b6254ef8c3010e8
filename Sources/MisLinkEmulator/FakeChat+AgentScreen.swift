import Foundation
import Hummingbird
import MisLinkExternalAPIs
import MisLinkHTTP

/// A message written in a thread of the fake edna, as edna records it (``FakeChat/agentWrites(thread:login:text:at:)``,
/// ``FakeChat/clientWrote(_:)``).
public struct EdnaScreenMessage: Sendable {
    /// The thread.
    public var thread: Int64
    /// edna's message id (`questionId` in the `TRAINING` webhook).
    public var id: String
    /// The thread as `GET /api/v1/threads/{id}` serves it after the message.
    public var threadAfter: JSONValue?
    /// The `TRAINING` webhook sent for it; nil when the installation has no `TRAINING` webhook configured.
    public var training: JSONValue?
    /// The HTTP status the `TRAINING` webhook was answered with; nil when none was sent or no answer came.
    public var trainingStatus: Int?
}

/// The fake edna's agent screen: where its `TRAINING` webhooks go, and what it sent there.
struct FakeAgentScreenState {
    /// The installation's Bot Connect `TRAINING` webhook URL; nil when none is configured.
    var trainingURL: String?
    /// The client that posts the `TRAINING` webhooks (made with the URL).
    var client: HTTPClient?
    /// Every `TRAINING` body sent, in order.
    var sent: [JSONValue] = []
    /// The last `channelInfo` a client message of a thread had (edna's thread object has only a number).
    var channels: [Int64: JSONValue] = [:]
}

/// Messages written in edna itself: an agent typing in edna's own agent screen, and the client messages
/// edna routes to a bot. edna pushes none of them to a CRM (reference B.5); the only copy it sends is
/// Bot Connect's `TRAINING` webhook ("every client and agent message, for hint bots", fields not
/// documented), posted here when ``setTrainingWebhook(url:)`` configured one, in the `MESSAGE` shape plus
/// `messageType` (`CLIENT` / `AGENT`), `agentLogin` and `agentId`.
///
/// A message MisLink sends through edna's API is an agent's message there too (``sentThroughAPI(_:id:)``).
///
/// An agent's message changes the thread as edna's documented statuses say: `ASSIGNED` (no replies yet),
/// `REASSIGNED` or `ANSWER_NEEDED` become `WAITING` (the agent waits for the client), `unanswered` falls to
/// 0 and `stateChangeTime` is the message's time. A client's message in a thread that has replies makes it
/// `REASSIGNED` (in the agent's queue, with replies) and counts in `unanswered`.
extension FakeChat {
    /// Where a `TRAINING` webhook goes, and the client that posts it.
    typealias TrainingPost = (url: String, client: HTTPClient)

    /// Configures (or, with nil, removes) the installation's `TRAINING` webhook URL.
    public func setTrainingWebhook(url: String?) {
        state.withLock {
            $0.agentScreen.trainingURL = url
            $0.agentScreen.client = url == nil ? nil : ($0.agentScreen.client ?? HTTPClient(configuration: .init(maxConcurrentRequests: 2)))
        }
    }

    /// Every `TRAINING` webhook body sent so far, in order.
    public var trainingWebhooks: [JSONValue] { state.withLock { $0.agentScreen.sent } }

    /// An agent types `text` in edna's own agent screen, in thread `thread` (which must be set and not
    /// closed): the thread changes as edna's statuses say, and a `TRAINING` webhook goes out if configured.
    /// - Parameters:
    ///   - login: The agent; defaults to the thread's `currentAgentLogin` (one of the two is needed).
    ///   - at: When it was written. Defaults to now.
    public func agentWrites(thread: Int64, login: String? = nil, text: String, at: Date = Date()) async throws -> EdnaScreenMessage {
        let written = try state.withLock { state in
            guard case .object(let object)? = state.threads[thread] else { throw EmulatorError("edna has no thread \(thread)") }
            guard object["status"]?.stringValue != EdnaThreadStatus.closed.rawValue else {
                throw EmulatorError("edna thread \(thread) is closed")
            }
            guard let agent = login ?? object["currentAgentLogin"]?.stringValue else {
                throw EmulatorError("no agent holds edna thread \(thread); name one")
            }
            state.nextMessageId += 1
            return Self.agentMessage(thread: thread, id: String(state.nextMessageId), login: agent, text: text, at: at, state: &state)
        }
        return await deliver(written.message, post: written.post)
    }

    /// A message MisLink sent with `POST /api/v1/messages/outgoing` (edna's id `id`) shows in the client's open
    /// thread as an agent's: the thread changes as for ``agentWrites(thread:login:text:at:)`` and the `TRAINING`
    /// copy, if configured, carries that id. The thread is found as edna finds the client: `threadsClientId`,
    /// else the external `clientId`, else `threadId`; nothing happens when no open thread matches.
    func sentThroughAPI(_ message: EdnaOutgoingMessage, id: Int) async {
        let written: (message: EdnaScreenMessage, post: TrainingPost?)? = state.withLock { state in
            let open = state.threads.filter { $0.value["status"]?.stringValue != EdnaThreadStatus.closed.rawValue }
            let match: Int64?
            if let client = message.threadsClientId {
                match = open.first { $0.value["clientId"]?.intValue.map(Int64.init) == client }?.key
            } else if let client = message.clientId {
                match = open.first { $0.value["clientExternalId"]?.stringValue == client }?.key
            } else {
                match = message.threadId.flatMap { open[$0] == nil ? nil : $0 }
            }
            guard let thread = match else { return nil }
            let login = state.threads[thread]?["currentAgentLogin"]?.stringValue
            return Self.agentMessage(thread: thread, id: String(id), login: login, text: message.text, at: Date(), state: &state)
        }
        guard let written else { return }
        _ = await deliver(written.message, post: written.post)
    }

    /// An agent's message `id` in `thread`: `WAITING` since now unless it waited already, nothing unanswered,
    /// the agent current; and its `TRAINING` body if one is configured.
    private static func agentMessage(thread: Int64, id: String, login: String?, text: String, at: Date,
                                     state: inout FakeChatState) -> (message: EdnaScreenMessage, post: TrainingPost?) {
        guard case .object(var object)? = state.threads[thread] else { return (EdnaScreenMessage(thread: thread, id: id), nil) }
        let time = Self.iso(at)
        if object["status"]?.stringValue != EdnaThreadStatus.waiting.rawValue {
            object["status"] = .string(EdnaThreadStatus.waiting.rawValue)
            object["stateChangeTime"] = .string(time)
        }
        object["unanswered"] = .int(0)
        if let login {
            object["currentAgentLogin"] = .string(login)
            object["lastAgentLogin"] = .string(login)
        }
        state.threads[thread] = .object(object)
        var training: [String: JSONValue] = [
            "action": .string("TRAINING"), "messageType": .string("AGENT"), "text": .string(text),
            "sessionId": .string(String(thread)), "questionId": .string(id), "receivedAt": .string(time),
            "threadsClientId": object["clientId"] ?? .null,
        ]
        training["agentLogin"] = login.map { .string($0) }
        training["agentId"] = object["currentAgent"]
        training["clientId"] = object["clientExternalId"]
        training["channelInfo"] = state.agentScreen.channels[thread]
        return written(thread: thread, id: id, object: object, training: training, state: &state)
    }

    /// A client's message as edna records it: `message` is the Bot Connect `MESSAGE` a scenario sends MisLink.
    /// The thread (`sessionId`), if set, counts it in `unanswered` (and turns `REASSIGNED` after replies), and a
    /// `TRAINING` copy with the same message id goes out if configured. Nil for anything but a `MESSAGE`.
    @discardableResult
    public func clientWrote(_ message: JSONValue) async -> EdnaScreenMessage? {
        guard message["action"]?.stringValue == "MESSAGE", let session = message["sessionId"]?.stringValue else { return nil }
        let written: (message: EdnaScreenMessage, post: TrainingPost?) = state.withLock { state in
            let thread = Int64(session) ?? 0
            var object: [String: JSONValue] = [:]
            if case .object(let known)? = state.threads[thread] {
                object = known
                object["unanswered"] = .int((known["unanswered"]?.intValue ?? 0) + 1)
                if object["status"]?.stringValue == EdnaThreadStatus.waiting.rawValue {
                    object["status"] = .string(EdnaThreadStatus.reassigned.rawValue)
                    object["stateChangeTime"] = message["receivedAt"] ?? .string(Self.iso(Date()))
                }
                state.threads[thread] = .object(object)
            }
            if let channel = message["channelInfo"] { state.agentScreen.channels[thread] = channel }
            guard case .object(var training) = message else { return (EdnaScreenMessage(thread: thread, id: ""), nil) }
            training["action"] = .string("TRAINING")
            training["messageType"] = .string("CLIENT")
            let id = message["questionId"]?.stringValue ?? ""
            return Self.written(thread: thread, id: id, object: object.isEmpty ? nil : object, training: training, state: &state)
        }
        return await deliver(written.message, post: written.post)
    }

    /// The routes that drive the agent screen: `PUT /emulator/training-webhook` (`{"url": …}` or `{"url": null}`),
    /// `POST /emulator/threads/{id}/agent-messages` (`{"text": …, "login"?: …}`, answers the thread and the
    /// `TRAINING` sent) and `POST /emulator/edna` (a `MESSAGE` a scenario sent MisLink).
    func addAgentScreenRoutes(to router: Router<BasicRequestContext>) {
        router.put("emulator/training-webhook") { request, context in
            let body = try await request.bodyText(context: context)
            guard let value = try? JSONValue.parse(body), case .object = value else { return Response.empty(.badRequest) }
            self.setTrainingWebhook(url: value["url"]?.stringValue)
            return Response.empty(.noContent)
        }
        router.post("emulator/threads/:id/agent-messages") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let body = try await request.bodyText(context: context)
            guard let value = try? JSONValue.parse(body), let text = value["text"]?.stringValue else { return Response.empty(.badRequest) }
            do {
                let message = try await self.agentWrites(thread: id, login: value["login"]?.stringValue, text: text)
                let answer: JSONValue = .object([
                    "id": .string(message.id), "thread": message.threadAfter ?? .null, "training": message.training ?? .null,
                    "training_status": message.trainingStatus.map { .int($0) } ?? .null,
                ])
                return Response.json(answer.compactText)
            } catch let error as EmulatorError {
                return Response.json(JSONValue.object(["error": .string(error.description)]).compactText, status: .conflict)
            }
        }
        router.post("emulator/edna") { request, context in
            let body = try await request.bodyText(context: context)
            guard let message = try? JSONValue.parse(body) else { return Response.empty(.badRequest) }
            await self.clientWrote(message)
            return Response.empty(.noContent)
        }
    }

    private static func written(thread: Int64, id: String, object: [String: JSONValue]?, training: [String: JSONValue],
                                state: inout FakeChatState) -> (message: EdnaScreenMessage, post: TrainingPost?) {
        var message = EdnaScreenMessage(thread: thread, id: id, threadAfter: object.map { .object($0) })
        guard let url = state.agentScreen.trainingURL, let client = state.agentScreen.client else { return (message, nil) }
        message.training = .object(training)
        state.agentScreen.sent.append(.object(training))
        return (message, (url, client))
    }

    /// Posts the message's `TRAINING` webhook, if any, and notes the answer's status.
    private func deliver(_ message: EdnaScreenMessage, post: TrainingPost?) async -> EdnaScreenMessage {
        guard let post, let training = message.training else { return message }
        var delivered = message
        delivered.trainingStatus = try? await post.client.execute(.json(post.url, body: Data(training.compactText.utf8))).status
        return delivered
    }

    private static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
