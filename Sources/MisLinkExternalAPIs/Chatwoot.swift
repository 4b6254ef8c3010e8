/// A Chatwoot agent (`meta.assignee`) or message sender.
public struct ChatwootPerson: Codable, Sendable, Hashable {
    public var id: Int
    public var name: String?
    public var availableName: String?
    public var email: String?
    public var phoneNumber: String?
    public var identifier: String?
    /// `contact` or `user`.
    public var type: String?

    public init(id: Int, name: String? = nil, type: String? = nil, phoneNumber: String? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.phoneNumber = phoneNumber
    }

    enum CodingKeys: String, CodingKey {
        case id, name, availableName = "available_name", email, phoneNumber = "phone_number", identifier, type
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.requiredLooseInt(.id)
        name = c.looseString(.name)
        availableName = c.looseString(.availableName)
        email = c.looseString(.email)
        phoneNumber = c.looseString(.phoneNumber)
        identifier = c.looseString(.identifier)
        type = c.looseString(.type)
    }
}

/// A Chatwoot conversation as webhooks carry it (top level of `conversation_*` events, nested in messages).
public struct ChatwootConversation: Codable, Sendable, Hashable {
    public var id: Int
    public var inboxId: Int?
    /// e.g. `Channel::Whatsapp`, `Channel::Telegram`, `Channel::WebWidget`.
    public var channel: String?
    /// `open`, `resolved`, `pending`, `snoozed`.
    public var status: String?
    /// Epoch seconds, the version-ish field for deduplication; decoding refuses values outside
    /// ``LooseRange/epochSeconds``.
    public var timestamp: Int?
    public var sender: ChatwootPerson?
    public var assignee: ChatwootPerson?

    public init(id: Int, inboxId: Int? = nil, channel: String? = nil, status: String? = nil, timestamp: Int? = nil,
                sender: ChatwootPerson? = nil, assignee: ChatwootPerson? = nil) {
        self.id = id
        self.inboxId = inboxId
        self.channel = channel
        self.status = status
        self.timestamp = timestamp
        self.sender = sender
        self.assignee = assignee
    }

    enum CodingKeys: String, CodingKey { case id, inboxId = "inbox_id", channel, status, timestamp, meta }
    enum MetaKeys: String, CodingKey { case sender, assignee }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.requiredLooseInt(.id)
        inboxId = c.looseInt(.inboxId)
        channel = c.looseString(.channel)
        status = c.looseString(.status)
        timestamp = try c.looseInt(.timestamp, in: LooseRange.epochSeconds)
        if let meta = try? c.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta) {
            sender = try? meta.decodeIfPresent(ChatwootPerson.self, forKey: .sender)
            assignee = try? meta.decodeIfPresent(ChatwootPerson.self, forKey: .assignee)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(inboxId, forKey: .inboxId)
        try c.encodeIfPresent(channel, forKey: .channel)
        try c.encodeIfPresent(status, forKey: .status)
        try c.encodeIfPresent(timestamp, forKey: .timestamp)
        var meta = c.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
        try meta.encodeIfPresent(sender, forKey: .sender)
        try meta.encodeIfPresent(assignee, forKey: .assignee)
    }
}

/// A Chatwoot message (`message_created` payload at top level; the answer of the messages API).
public struct ChatwootMessage: Codable, Sendable, Hashable {
    public var id: Int
    public var content: String?
    /// As sent: an ISO string or epoch seconds (decoding refuses epoch seconds outside
    /// ``LooseRange/epochSeconds``).
    public var createdAt: String?
    /// `incoming`, `outgoing`, `activity`, `template` (numeric 0…3 normalised to these names).
    public var messageType: String
    public var contentType: String?
    /// An internal note when `true`.
    public var isPrivate: Bool
    public var sender: ChatwootPerson?
    public var conversation: ChatwootConversation?
    public var conversationId: Int?

    public init(id: Int, content: String?, messageType: String, isPrivate: Bool = false, conversationId: Int? = nil) {
        self.id = id
        self.content = content
        self.messageType = messageType
        self.isPrivate = isPrivate
        self.conversationId = conversationId
    }

    enum CodingKeys: String, CodingKey {
        case id, content, createdAt = "created_at", messageType = "message_type", contentType = "content_type"
        case isPrivate = "private", sender, conversation, conversationId = "conversation_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.requiredLooseInt(.id)
        content = try? c.decodeIfPresent(String.self, forKey: .content)
        createdAt = try c.looseTime(.createdAt)
        let type = c.looseString(.messageType) ?? "incoming"
        messageType = ["0": "incoming", "1": "outgoing", "2": "activity", "3": "template"][type] ?? type
        contentType = c.looseString(.contentType)
        isPrivate = c.looseBool(.isPrivate) ?? false
        sender = try? c.decodeIfPresent(ChatwootPerson.self, forKey: .sender)
        do {
            conversation = try c.decodeIfPresent(ChatwootConversation.self, forKey: .conversation)
        } catch where LooseRangeError.isCause(of: error) {
            throw error  // a time out of range is refused, not dropped with the rest of the object
        } catch {
            conversation = nil
        }
        conversationId = c.looseInt(.conversationId) ?? conversation?.id
    }
}

/// The `event` name of a Chatwoot webhook, read first to choose how to decode the rest.
public struct ChatwootWebhookHeader: Codable, Sendable, Hashable {
    /// `conversation_created`, `conversation_updated`, `conversation_status_changed`, `message_created`, …
    public var event: String
    public init(event: String) { self.event = event }
}

/// `POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`, header `api_access_token`.
public struct ChatwootOutgoingMessage: Codable, Sendable, Hashable {
    public var content: String
    /// `outgoing`.
    public var messageType: String
    public var isPrivate: Bool
    /// `text`.
    public var contentType: String

    public init(content: String, messageType: String = "outgoing", isPrivate: Bool = false, contentType: String = "text") {
        self.content = content
        self.messageType = messageType
        self.isPrivate = isPrivate
        self.contentType = contentType
    }

    enum CodingKeys: String, CodingKey {
        case content, messageType = "message_type", isPrivate = "private", contentType = "content_type"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        content = (try? c.decodeIfPresent(String.self, forKey: .content)) ?? ""
        messageType = c.looseString(.messageType) ?? "outgoing"
        isPrivate = c.looseBool(.isPrivate) ?? false
        contentType = c.looseString(.contentType) ?? "text"
    }
}
