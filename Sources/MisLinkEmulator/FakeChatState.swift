import Foundation
import MisLinkExternalAPIs

/// What MisLink sent to a fake chat platform.
public struct SentChatMessage: Sendable, Codable {
    /// `edna` or `chatwoot`.
    public var platform: String
    /// The request path.
    public var path: String
    /// The `Authorization` (edna) or `api_access_token` (Chatwoot) header.
    public var credential: String?
    /// The JSON body.
    public var body: String
    /// The Chatwoot conversation's channel (`Channel::Email` …) when the fake knows the conversation.
    public var channel: String? = nil
    /// Where an e-mail inbox delivers the reply: the contact's address. Chatwoot's e-mail channel mails an
    /// outgoing message of the conversation to its contact; `nil` for other channels.
    public var emailedTo: String? = nil
}

/// A Chatwoot conversation the fake knows from the events a scenario sends (``FakeChat/learn(chatwoot:)``).
struct FakeConversation {
    /// `Channel::Email`, `Channel::Whatsapp` …
    var channel: String?
    /// The contact's e-mail address (`meta.sender.email`).
    var email: String?

    /// Whether replies go out as e-mail.
    var isEmail: Bool { channel?.lowercased().contains("email") == true }
}

/// How the fake chat platforms behave. Every field has a default.
public struct FakeChatConfiguration: Sendable {
    /// The edna INTEGRATOR login. Defaults to `integrator`.
    public var ednaLogin: String
    /// Its password. Defaults to `secret`.
    public var ednaPassword: String
    /// How long an edna token lives; after it every call answers 401. Defaults to 10 minutes.
    public var ednaTokenLifetime: Duration
    /// The Chatwoot `api_access_token`. Defaults to `chatwoot-token`.
    public var chatwootToken: String
    /// The operators who may sign in with their own credentials: edna login or Chatwoot e-mail → password.
    /// Defaults to ``demoAgents``.
    public var agents: [String: String]

    /// The demo's operators (`DemoShowcase` gives `operator1` and `operator2` these chat logins and passwords).
    public static let demoAgents = ["operator1": "demo-chat", "operator2": "demo-chat"]

    /// Makes a configuration; see each field for its default.
    public init(
        ednaLogin: String = "integrator", ednaPassword: String = "secret", ednaTokenLifetime: Duration = .seconds(600),
        chatwootToken: String = "chatwoot-token", agents: [String: String] = FakeChatConfiguration.demoAgents
    ) {
        self.agents = agents
        self.ednaLogin = ednaLogin
        self.ednaPassword = ednaPassword
        self.ednaTokenLifetime = ednaTokenLifetime
        self.chatwootToken = chatwootToken
    }
}

/// One message post MisLink made, answered or refused (see ``FakeChat/failNextMessagePosts(_:retryAfter:)``).
public struct ChatMessagePost: Sendable, Codable {
    /// `edna` or `chatwoot`.
    public var platform: String
    /// The HTTP status it was answered with.
    public var status: Int
    /// The `Idempotency-Key` header, if sent.
    public var idempotencyKey: String?
    /// When it arrived.
    public var receivedAt: Date
}

struct FakeChatState {
    /// Statuses to answer the next message posts with instead of accepting them (failure injection).
    var injectedFailures: [Int] = []
    var injectedRetryAfter: Int?
    var messagePosts: [ChatMessagePost] = []
    var tokens: [String: ContinuousClock.Instant] = [:]
    var threads: [Int64: JSONValue] = [:]
    var conversations: [Int: FakeConversation] = [:]
    var sent: [SentChatMessage] = []
    var nextMessageId = 5000
    /// The fraction of API requests whose connection is dropped before they are handled.
    var dropFraction = 0.0
    /// Requests dropped so far.
    var dropped = 0
    /// Templates to phones without a thread (FakeChat+FirstContact.swift).
    var firstContact = FakeFirstContactState()
    /// edna's agent screen and its `TRAINING` webhooks (FakeChat+AgentScreen.swift).
    var agentScreen = FakeAgentScreenState()
    /// Operators signed in with their own credentials (FakeChat+Agents.swift).
    var agents = FakeAgentsState()
}
