import Foundation
import HTTPTypes
import Hummingbird
import MisLinkExternalAPIs
import Synchronization

/// The fake edna Chat Center and Chatwoot APIs on one router (their paths do not collide). They
/// record what MisLink sends so tests can assert on it. The webhooks themselves (Bot Connect
/// `MESSAGE`, Chatwoot events) are sent by scenarios through ``ScenarioRunner``.
public final class FakeChat: Sendable {
    /// The configuration it was made with.
    public let configuration: FakeChatConfiguration
    let state = Mutex(FakeChatState())

    /// Makes the fake platforms.
    public init(configuration: FakeChatConfiguration = FakeChatConfiguration()) { self.configuration = configuration }

    /// Everything MisLink sent, in arrival order.
    public var sent: [SentChatMessage] { state.withLock { $0.sent } }

    /// Every message post (edna or Chatwoot) in arrival order, including the refused ones.
    public var messagePosts: [ChatMessagePost] { state.withLock { $0.messagePosts } }

    /// Answers the next message posts with these HTTP statuses (e.g. `[503, 429]`) instead of
    /// accepting them; later posts are accepted again. For retry tests.
    /// - Parameter retryAfter: a `Retry-After` value in seconds sent with the refusals. Defaults to none.
    public func failNextMessagePosts(_ statuses: [Int], retryAfter: Int? = nil) {
        state.withLock {
            $0.injectedFailures = statuses
            $0.injectedRetryAfter = retryAfter
        }
    }

    /// Drops this fraction of API requests (edna and Chatwoot alike) before handling them: the connection
    /// closes with no answer, as a platform behind a flaky balancer does. For chaos runs; 0 turns it off.
    public func dropConnections(fraction: Double) {
        state.withLock { $0.dropFraction = max(0, min(1, fraction)) }
    }

    /// API requests dropped so far.
    public var droppedConnections: Int { state.withLock { $0.dropped } }

    /// Records a message post and, when a failure is injected, the refusal to answer with.
    private func injectedFailure(_ platform: String, _ request: Request) -> Response? {
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        return state.withLock { state in
            guard !state.injectedFailures.isEmpty else {
                state.messagePosts.append(ChatMessagePost(platform: platform, status: 200, idempotencyKey: key, receivedAt: Date()))
                return nil
            }
            let status = state.injectedFailures.removeFirst()
            state.messagePosts.append(ChatMessagePost(platform: platform, status: status, idempotencyKey: key, receivedAt: Date()))
            var response = Response.json(#"{"error":"injected failure"}"#, status: HTTPResponse.Status(code: status))
            if let seconds = state.injectedRetryAfter { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }

    /// Sets (or replaces) a thread that `GET /api/v1/threads/{id}` serves. It must have an `id`. A
    /// `closeReason` is dropped: edna's documented thread object has none (close reasons are in its reports).
    public func setThread(_ thread: JSONValue) {
        guard let id = thread["id"]?.intValue else { return }
        var served = thread
        if case .object(var object) = thread {
            object["closeReason"] = nil
            served = .object(object)
        }
        state.withLock { $0.threads[Int64(id)] = served }
    }

    /// Makes a Chatwoot conversation known from an event a scenario sends to MisLink (`conversation_*`, or a
    /// `message_created` with its `conversation`): its channel and the contact's e-mail address. A reply
    /// posted into a known e-mail conversation is recorded as mailed to that address.
    public func learn(chatwoot event: JSONValue) {
        let isMessage = event["event"]?.stringValue?.hasPrefix("message_") == true
        guard let conversation = isMessage ? event["conversation"] : event, let id = conversation["id"]?.intValue else { return }
        state.withLock { state in
            var known = state.conversations[id] ?? FakeConversation()
            known.channel = conversation["channel"]?.stringValue ?? known.channel
            known.email = conversation["meta"]?["sender"]?["email"]?.stringValue ?? known.email
            state.conversations[id] = known
        }
    }

    /// The routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ConnectionDropper(chat: self))
        router.post("api/auth/login") { request, context in
            let body = try await request.bodyText(context: context)
            guard let login = try? JSONDecoder().decode(EdnaLoginRequest.self, from: Data(body.utf8)) else {
                return Response.json(#"{"error":"invalid credentials"}"#, status: .unauthorized)
            }
            let isIntegrator = login.login == self.configuration.ednaLogin && login.password == self.configuration.ednaPassword
            guard isIntegrator || self.agentAccepted(login.login, login.password) else {
                return Response.json(#"{"error":"invalid credentials"}"#, status: .unauthorized)
            }
            let token = UUID().uuidString.lowercased()
            self.state.withLock { $0.tokens[token] = ContinuousClock.now + self.configuration.ednaTokenLifetime }
            if !isIntegrator { self.ednaAgentSignedIn(login.login, token: token) }
            let answer = EdnaLoginResponse(userId: isIntegrator ? 1 : Self.agentId(login.login), login: login.login,
                                           token: "Bearer " + token, role: isIntegrator ? "INTEGRATOR" : "OPERATOR")
            return Response.json(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
        }
        router.get("api/v1/threads/:id") { request, context in
            guard self.authorized(request) else { return Response.empty(.unauthorized) }
            let id = try context.parameters.require("id", as: Int64.self)
            guard let thread = self.state.withLock({ $0.threads[id] }) else { return Response.empty(.notFound) }
            return Response.json(thread.compactText)
        }
        router.post("api/v1/messages/outgoing") { request, context in
            guard self.authorized(request) else { return Response.empty(.unauthorized) }
            if let refusal = self.injectedFailure("edna", request) { return refusal }
            let body = try await request.bodyText(context: context)
            guard let message = try? JSONDecoder().decode(EdnaOutgoingMessage.self, from: Data(body.utf8)),
                message.threadsClientId != nil || message.clientId != nil || message.threadId != nil
            else { return Response.json(#"{"error":"one of threadsClientId, clientId, threadId is required"}"#, status: .badRequest) }
            let id = self.recordSent("edna", request, body)
            await self.sentThroughAPI(message, id: id)
            return Response.json(#"{"id":\#(id)}"#)
        }
        router.post("api/v1/accounts/:account/conversations/:conversation/messages") { request, context in
            guard request.headers[HTTPField.Name("api_access_token")!] == self.configuration.chatwootToken else {
                return Response.json(#"{"error":"You need to sign in or sign up before continuing."}"#, status: .unauthorized)
            }
            if let refusal = self.injectedFailure("chatwoot", request) { return refusal }
            let conversation = try context.parameters.require("conversation", as: Int.self)
            let body = try await request.bodyText(context: context)
            guard let message = try? JSONDecoder().decode(ChatwootOutgoingMessage.self, from: Data(body.utf8)),
                !message.content.isEmpty
            else { return Response.empty(.unprocessableContent) }
            let id = self.recordSent("chatwoot", request, body, conversation: conversation)
            var answer = ChatwootMessage(id: id, content: message.content, messageType: message.messageType,
                                         isPrivate: message.isPrivate, conversationId: conversation)
            answer.contentType = message.contentType
            answer.createdAt = String(Int(Date().timeIntervalSince1970))
            return Response.json(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
        }
        router.put("emulator/threads/:id") { request, context in
            let body = try await request.bodyText(context: context)
            guard let thread = try? JSONValue.parse(body), thread["id"] != nil else { return Response.empty(.badRequest) }
            self.setThread(thread)
            return Response.empty(.noContent)
        }
        router.post("emulator/chatwoot") { request, context in
            let body = try await request.bodyText(context: context)
            guard let event = try? JSONValue.parse(body) else { return Response.empty(.badRequest) }
            self.learn(chatwoot: event)
            return Response.empty(.noContent)
        }
        addAgentScreenRoutes(to: router)
        addFirstContactRoutes(to: router)
        addAgentRoutes(to: router)
        router.get("emulator/sent") { _, _ in
            Response.json(String(decoding: try JSONEncoder().encode(self.sent), as: UTF8.self))
        }
        return router
    }

    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let token = String(header.dropFirst(7))
        return state.withLock { state in
            guard let expiry = state.tokens[token] else { return false }
            if ContinuousClock.now < expiry { return true }
            state.tokens[token] = nil
            return false
        }
    }

    private func recordSent(_ platform: String, _ request: Request, _ body: String, conversation: Int? = nil) -> Int {
        let credential = platform == "edna"
            ? request.headers[.authorization] : request.headers[HTTPField.Name("api_access_token")!]
        return state.withLock { state in
            var sent = SentChatMessage(platform: platform, path: request.uri.path, credential: credential, body: body)
            if let known = conversation.flatMap({ state.conversations[$0] }) {
                sent.channel = known.channel
                sent.emailedTo = known.isEmail ? known.email : nil
            }
            state.sent.append(sent)
            state.nextMessageId += 1
            return state.nextMessageId
        }
    }
}

/// Closes a request's connection without an answer when ``FakeChat/dropConnections(fraction:)`` says so:
/// the response's body fails before its first byte, so the server aborts the connection and the client
/// sees it cut (never a complete answer). The request is not handled.
struct ConnectionDropper: RouterMiddleware {
    typealias Context = BasicRequestContext
    let chat: FakeChat

    struct Dropped: Error {}

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let drop = chat.state.withLock { state -> Bool in
            guard state.dropFraction > 0, Double.random(in: 0..<1) < state.dropFraction else { return false }
            state.dropped += 1
            return true
        }
        guard drop else { return try await next(request, context) }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody { _ in throw Dropped() })
    }
}
