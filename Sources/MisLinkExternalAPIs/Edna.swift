/// edna Chat Center: `POST /api/auth/login` body (INTEGRATOR credentials).
public struct EdnaLoginRequest: Codable, Sendable, Hashable {
    public var login: String
    public var password: String
    public var locale: String?
    public init(login: String, password: String, locale: String? = nil) {
        self.login = login
        self.password = password
        self.locale = locale
    }
}

/// The login answer. `token` already starts with `Bearer `: send it as the `Authorization` value.
public struct EdnaLoginResponse: Codable, Sendable, Hashable {
    public var userId: Int?
    public var login: String
    public var token: String
    public var role: String?
    public init(userId: Int?, login: String, token: String, role: String?) {
        self.userId = userId
        self.login = login
        self.token = token
        self.role = role
    }

    /// The `Authorization` header value, whether or not the server included `Bearer `.
    public var authorization: String { token.hasPrefix("Bearer ") ? token : "Bearer " + token }
}

/// A thread status (extensible; the documented list is truncated after `IN_PROGRESS`).
public struct EdnaThreadStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let new = Self(rawValue: "NEW")
    public static let unassigned = Self(rawValue: "UNASSIGNED")
    public static let suspended = Self(rawValue: "SUSPENDED")
    public static let assigned = Self(rawValue: "ASSIGNED")
    public static let reassigned = Self(rawValue: "REASSIGNED")
    public static let answerNeeded = Self(rawValue: "ANSWER_NEEDED")
    public static let waiting = Self(rawValue: "WAITING")
    public static let inProgress = Self(rawValue: "IN_PROGRESS")
    public static let closed = Self(rawValue: "CLOSED")
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// `GET /api/v1/threads/{id}`. Mind the naming trap: here `clientId` is edna's *internal* numeric id
/// (``ednaClientId``) and `clientExternalId` the external one.
public struct EdnaThread: Codable, Sendable, Hashable {
    public var id: Int64
    public var status: EdnaThreadStatus
    /// First client message (format as the server sends it).
    public var startTime: String?
    /// The version-ish field for deduplication. This and the other times: decoding refuses epoch
    /// seconds outside ``LooseRange/epochSeconds``.
    public var stateChangeTime: String?
    public var unread: Int?
    public var unanswered: Int?
    public var lastAgent: Int64?
    public var lastAgentLogin: String?
    public var currentAgent: Int64?
    public var currentAgentLogin: String?
    /// Numeric channel (mapping to `channelType` not published).
    public var channel: Int?
    /// JSON `clientId`: internal numeric id.
    public var ednaClientId: Int64?
    /// JSON `clientExternalId`.
    public var externalClientId: String?
    public var clientName: String?
    public var threadUrl: String?
    public var tags: [String]?
    public var info: [String: String]?
    /// Close reason when `CLOSED` (`OPERATOR_CLOSED`, `WAITING_TIMEOUT`, …), decoded only in case an
    /// installation sends one: edna's documented thread object has no such field (close reasons are in
    /// its reports), so MisLink never depends on it.
    public var closeReason: String?

    public init(id: Int64, status: EdnaThreadStatus) {
        self.id = id
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case id, status, startTime, stateChangeTime, unread, unanswered, lastAgent, lastAgentLogin, currentAgent
        case currentAgentLogin, channel, ednaClientId = "clientId", externalClientId = "clientExternalId", clientName
        case threadUrl, tags, info, closeReason
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = Int64(try c.requiredLooseInt(.id))
        status = try c.decode(EdnaThreadStatus.self, forKey: .status)
        startTime = try c.looseTime(.startTime)
        stateChangeTime = try c.looseTime(.stateChangeTime)
        unread = c.looseInt(.unread)
        unanswered = c.looseInt(.unanswered)
        lastAgent = c.looseInt(.lastAgent).map(Int64.init)
        lastAgentLogin = c.looseString(.lastAgentLogin)
        currentAgent = c.looseInt(.currentAgent).map(Int64.init)
        currentAgentLogin = c.looseString(.currentAgentLogin)
        channel = c.looseInt(.channel)
        ednaClientId = c.looseInt(.ednaClientId).map(Int64.init)
        externalClientId = c.looseString(.externalClientId)
        clientName = c.looseString(.clientName)
        threadUrl = c.looseString(.threadUrl)
        tags = try? c.decodeIfPresent([String].self, forKey: .tags)
        info = try? c.decodeIfPresent([String: String].self, forKey: .info)
        closeReason = c.looseString(.closeReason)
    }
}

/// An attachment of an outgoing message.
public struct EdnaAttachment: Codable, Sendable, Hashable {
    /// ≤ 4000 characters.
    public var url: String
    /// ≤ 1000 characters; give an extension or `type`.
    public var name: String?
    /// MIME type.
    public var type: String?
    public var size: Int?
    public init(url: String, name: String? = nil, type: String? = nil, size: Int? = nil) {
        self.url = url
        self.name = name
        self.type = type
        self.size = size
    }
}

/// `POST /api/v1/messages/outgoing`. Give one of `threadsClientId` (internal) > `clientId`
/// (external string) > `threadId`; the first present wins.
public struct EdnaOutgoingMessage: Codable, Sendable, Hashable {
    public var text: String
    public var attachments: [EdnaAttachment]?
    public var threadsClientId: Int64?
    /// The *external* client id.
    public var clientId: String?
    public var threadId: Int64?
    public init(
        text: String, attachments: [EdnaAttachment]? = nil, threadsClientId: Int64? = nil, clientId: String? = nil,
        threadId: Int64? = nil
    ) {
        self.text = text
        self.attachments = attachments
        self.threadsClientId = threadsClientId
        self.clientId = clientId
        self.threadId = threadId
    }
}

/// `channelInfo` of a Bot Connect webhook.
public struct EdnaChannelInfo: Codable, Sendable, Hashable {
    /// `WEB`, `MOBILE`, `TELEGRAM`, `WHATSAPP`, `VIBER`, …
    public var channelType: String
    public var authorized: Bool?
    public init(channelType: String, authorized: Bool? = nil) {
        self.channelType = channelType
        self.authorized = authorized
    }
}

/// A Bot Connect webhook (`MESSAGE`, `INIT_CHAT`, `TRAINING`, `CLIENT_CONTACT`, …) from edna to the bot URL.
///
/// `TRAINING` carries "every client and agent message, for hint bots"; its fields are not documented.
/// MisLink reads it in the `MESSAGE` shape (`text`, `threadsClientId`, `sessionId` = thread id,
/// `questionId` = message id, `receivedAt`) plus who wrote it, tolerantly: ``author`` from
/// `messageType` / `senderType` / `authorType` / `sender`, and the agent from `agentLogin` /
/// `operatorLogin` (their ids from `agentId` / `operatorId`, names from `agentName` / `operatorName`).
public struct EdnaBotWebhook: Codable, Sendable, Hashable {
    /// `MESSAGE`, `INIT_CHAT`, `TRAINING`, `WEBVIEW_CLOSED`, `CLIENT_CONTACT`.
    public var action: String
    public var text: String?
    /// Deprecated, *external* id; present only for authorized clients.
    public var clientId: String?
    /// edna's internal client id; always present.
    public var threadsClientId: Int64
    /// The thread id, as a string.
    public var sessionId: String?
    /// The message id.
    public var questionId: String?
    public var questionIndex: Int?
    public var channelInfo: EdnaChannelInfo?
    public var platform: String?
    public var clientData: [String: String]?
    public var segmentationInfo: [String: String]?
    /// UTC timestamp string.
    public var receivedAt: String?
    /// `ThreadsAPI` in the documented examples; in a `TRAINING` webhook it may also name the author.
    public var sender: String?
    /// Who wrote the message (`CLIENT`, `AGENT`, `OPERATOR`, `BOT`, …) when the webhook says so
    /// (`messageType`, else `senderType`, else `authorType`). Undocumented: see the type's comment.
    public var messageType: String?
    /// The agent's login for an agent's message (`agentLogin`, else `operatorLogin`). Undocumented.
    public var agentLogin: String?
    /// The agent's id (`agentId`, else `operatorId`). Undocumented.
    public var agentId: Int64?
    /// The agent's name (`agentName`, else `operatorName`). Undocumented.
    public var agentName: String?

    public init(
        action: String, text: String?, clientId: String?, threadsClientId: Int64, sessionId: String?,
        questionId: String?, questionIndex: Int?, channelInfo: EdnaChannelInfo?, clientData: [String: String]?,
        receivedAt: String?
    ) {
        self.action = action
        self.text = text
        self.clientId = clientId
        self.threadsClientId = threadsClientId
        self.sessionId = sessionId
        self.questionId = questionId
        self.questionIndex = questionIndex
        self.channelInfo = channelInfo
        self.clientData = clientData
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case action, text, clientId, threadsClientId, sessionId, questionId, questionIndex, channelInfo, platform
        case clientData, segmentationInfo, receivedAt, sender, messageType, agentLogin, agentId, agentName
    }

    /// Other names an installation may give the author fields (read only; written as ``CodingKeys``).
    enum AliasKeys: String, CodingKey {
        case senderType, authorType, operatorLogin, operatorId, operatorName
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = try c.requiredLooseString(.action)
        text = try? c.decodeIfPresent(String.self, forKey: .text)
        clientId = c.looseString(.clientId)
        threadsClientId = Int64(try c.requiredLooseInt(.threadsClientId))
        sessionId = c.looseString(.sessionId)
        questionId = c.looseString(.questionId)
        questionIndex = c.looseInt(.questionIndex)
        channelInfo = try? c.decodeIfPresent(EdnaChannelInfo.self, forKey: .channelInfo)
        platform = c.looseString(.platform)
        clientData = try? c.decodeIfPresent([String: String].self, forKey: .clientData)
        segmentationInfo = try? c.decodeIfPresent([String: String].self, forKey: .segmentationInfo)
        receivedAt = try c.looseTime(.receivedAt)
        sender = c.looseString(.sender)
        let alias = try decoder.container(keyedBy: AliasKeys.self)
        messageType = c.looseString(.messageType) ?? alias.looseString(.senderType) ?? alias.looseString(.authorType)
        agentLogin = (c.looseString(.agentLogin) ?? alias.looseString(.operatorLogin)).flatMap { $0.isEmpty ? nil : $0 }
        agentId = (c.looseInt(.agentId) ?? alias.looseInt(.operatorId)).map(Int64.init)
        agentName = c.looseString(.agentName) ?? alias.looseString(.operatorName)
    }

    /// Who wrote a message webhook's text.
    public enum Author: Sendable, Hashable {
        /// The client (every `MESSAGE`; a `TRAINING` copy of a client's message).
        case client
        /// An agent, in edna's agent screen or through the API.
        case agent
        /// A bot (its answers are neither the client's nor an operator's).
        case bot
    }

    /// Who wrote the text: an agent when the author field says `AGENT`/`OPERATOR`/`SUPERVISOR`/`OUTGOING`,
    /// or, with no author field, when an agent login or id is present; a bot for `BOT`/`CHATBOT`; else the client.
    public var author: Author {
        let word = (messageType ?? sender)?.uppercased() ?? ""
        switch word {
        case "AGENT", "OPERATOR", "SUPERVISOR", "OUTGOING", "OUT": return .agent
        case "BOT", "CHATBOT": return .bot
        case "CLIENT", "INCOMING", "IN", "USER": return .client
        default: return agentLogin != nil || agentId != nil ? .agent : .client
        }
    }
}
