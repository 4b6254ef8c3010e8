/// Chatwoot's agent sign-in, `POST /auth/sign_in` (devise token auth): the agent's e-mail and password.
///
/// The answer carries the session in three headers, `access-token`, `client` and `uid`, which every later
/// call of that agent sends back (``ChatwootAgentSession``), and the agent in `data`.
public struct ChatwootSignInRequest: Codable, Sendable, Hashable {
    public var email: String
    public var password: String
    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

/// The body of a `POST /auth/sign_in` answer: `{"data": {"id", "email", "name", "availability_status", …}}`.
public struct ChatwootSignInResponse: Codable, Sendable, Hashable {
    public struct Agent: Codable, Sendable, Hashable {
        public var id: Int
        public var email: String?
        public var name: String?
        /// `online`, `busy` or `offline`.
        public var availabilityStatus: String?

        public init(id: Int, email: String? = nil, name: String? = nil, availabilityStatus: String? = nil) {
            self.id = id
            self.email = email
            self.name = name
            self.availabilityStatus = availabilityStatus
        }

        enum CodingKeys: String, CodingKey { case id, email, name, availabilityStatus = "availability_status" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.requiredLooseInt(.id)
            email = c.looseString(.email)
            name = c.looseString(.name)
            availabilityStatus = c.looseString(.availabilityStatus)
        }
    }

    public var data: Agent
    public init(data: Agent) { self.data = data }
}

/// An agent's devise session: the three headers `POST /auth/sign_in` answered with, sent back on the
/// agent's own calls (`POST /api/v1/profile/availability`, `DELETE /auth/sign_out`).
public struct ChatwootAgentSession: Sendable, Hashable {
    public var accessToken: String
    public var client: String
    public var uid: String

    public init(accessToken: String, client: String, uid: String) {
        self.accessToken = accessToken
        self.client = client
        self.uid = uid
    }

    /// The headers to send, in this order.
    public var headers: [(name: String, value: String)] {
        [("access-token", accessToken), ("client", client), ("uid", uid)]
    }
}

/// `POST /api/v1/profile/availability`: `{"profile": {"account_id", "availability"}}`, the agent's own
/// status in one account: `online` takes conversations, `busy` and `offline` do not.
public struct ChatwootAvailabilityRequest: Codable, Sendable, Hashable {
    public struct Profile: Codable, Sendable, Hashable {
        public var accountId: Int
        public var availability: String
        enum CodingKeys: String, CodingKey { case accountId = "account_id", availability }
    }

    public var profile: Profile
    public init(accountId: Int, availability: String) { profile = Profile(accountId: accountId, availability: availability) }
}
