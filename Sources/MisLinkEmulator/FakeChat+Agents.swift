import Foundation
import HTTPTypes
import Hummingbird
import MisLinkExternalAPIs

/// An agent of the fake chat platforms as they know them: signed in or not, and (Chatwoot) the availability.
public struct FakeAgentStatus: Sendable, Codable, Equatable {
    /// `edna` or `chatwoot`: where the agent last signed in.
    public var platform: String
    /// Whether the agent holds a session now (edna: a token that has not expired; Chatwoot: not signed out).
    public var signedIn: Bool
    /// Chatwoot's `online` / `busy` / `offline`; edna has no such status (nil).
    public var availability: String?
    /// Sign-ins so far.
    public var signIns: Int

    public init(platform: String, signedIn: Bool, availability: String?, signIns: Int) {
        self.platform = platform
        self.signedIn = signedIn
        self.availability = availability
        self.signIns = signIns
    }
}

/// The agents' side of the fake platforms: operators signing in with their own chat credentials.
struct FakeAgentsState {
    /// Logins (edna login, Chatwoot e-mail) and passwords the platforms accept besides the integrator.
    var passwords: [String: String] = [:]
    var statuses: [String: FakeAgentStatus] = [:]
    /// Chatwoot devise sessions: `access-token` → the agent's e-mail.
    var chatwootSessions: [String: String] = [:]
    /// edna agent tokens → login.
    var ednaTokens: [String: String] = [:]
}

/// Operators signing in to the chat center with their own credentials, as the platforms document it:
///
/// - edna: `POST /api/auth/login` takes an agent's login and password as it takes the integrator's and
///   answers with the agent's token and `"role": "OPERATOR"`. edna documents no agent-status endpoint.
/// - Chatwoot: `POST /auth/sign_in` `{"email","password"}` answers with the devise headers `access-token`,
///   `client`, `uid` and the agent in `data`; `POST /api/v1/profile/availability`
///   `{"profile":{"account_id","availability"}}` with those headers sets the agent's `online` / `busy` /
///   `offline`; `DELETE /auth/sign_out` ends the session.
///
/// Agents come from ``FakeChatConfiguration/agents`` and from `PUT /emulator/agents/{login}` `{"password"}`.
extension FakeChat {
    /// Every agent that signed in at least once, by login.
    public var agentStatuses: [String: FakeAgentStatus] { state.withLock { $0.agents.statuses } }

    /// Makes `login` an agent with `password` (or changes the password).
    public func addAgent(_ login: String, password: String) {
        state.withLock { $0.agents.passwords[login] = password }
    }

    /// The agent `login` whose password is `password`; nil for anyone else.
    func agentAccepted(_ login: String, _ password: String) -> Bool {
        state.withLock { state in
            let known = state.agents.passwords[login] ?? configuration.agents[login]
            return known != nil && known == password
        }
    }

    /// The platform's numeric id of agent `login`: the same for a login every time (the integrator is 1).
    static func agentId(_ login: String) -> Int { 2 + login.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) % 100_000 } }

    /// An edna agent signed in with `token`.
    func ednaAgentSignedIn(_ login: String, token: String) {
        state.withLock { state in
            state.agents.ednaTokens[token] = login
            var status = state.agents.statuses[login] ?? FakeAgentStatus(platform: "edna", signedIn: false, availability: nil, signIns: 0)
            status.platform = "edna"
            status.signedIn = true
            status.signIns += 1
            state.agents.statuses[login] = status
        }
    }

    func addAgentRoutes(to router: Router<BasicRequestContext>) {
        router.post("auth/sign_in") { request, context in
            let body = try await request.bodyText(context: context)
            guard let credentials = try? JSONDecoder().decode(ChatwootSignInRequest.self, from: Data(body.utf8)),
                  self.agentAccepted(credentials.email, credentials.password)
            else {
                return Response.json(#"{"success":false,"errors":["Invalid login credentials. Please try again."]}"#, status: .unauthorized)
            }
            let token = UUID().uuidString.lowercased(), client = UUID().uuidString.lowercased()
            let (id, availability) = self.state.withLock { state -> (Int, String) in
                state.agents.chatwootSessions[token] = credentials.email
                var status = state.agents.statuses[credentials.email]
                    ?? FakeAgentStatus(platform: "chatwoot", signedIn: false, availability: "offline", signIns: 0)
                status.platform = "chatwoot"
                status.signedIn = true
                status.signIns += 1
                state.agents.statuses[credentials.email] = status
                return (Self.agentId(credentials.email), status.availability ?? "offline")
            }
            let answer = ChatwootSignInResponse(data: .init(id: id, email: credentials.email, name: credentials.email,
                                                            availabilityStatus: availability))
            var response = Response.json(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
            response.headers[HTTPField.Name("access-token")!] = token
            response.headers[HTTPField.Name("client")!] = client
            response.headers[HTTPField.Name("uid")!] = credentials.email
            return response
        }
        router.post("api/v1/profile/availability") { request, context in
            guard let email = self.chatwootAgent(request) else {
                return Response.json(#"{"errors":["You need to sign in or sign up before continuing."]}"#, status: .unauthorized)
            }
            let body = try await request.bodyText(context: context)
            guard let wanted = try? JSONDecoder().decode(ChatwootAvailabilityRequest.self, from: Data(body.utf8)),
                  ["online", "busy", "offline"].contains(wanted.profile.availability)
            else { return Response.json(#"{"error":"availability must be online, busy or offline"}"#, status: .unprocessableContent) }
            self.state.withLock { $0.agents.statuses[email]?.availability = wanted.profile.availability }
            return Response.empty(.ok)
        }
        router.delete("auth/sign_out") { request, _ in
            guard let email = self.chatwootAgent(request),
                  let token = request.headers[HTTPField.Name("access-token")!]
            else { return Response.json(#"{"success":false,"errors":["User was not found or was not logged in."]}"#, status: .notFound) }
            self.state.withLock { state in
                state.agents.chatwootSessions[token] = nil
                if !state.agents.chatwootSessions.values.contains(email) { state.agents.statuses[email]?.signedIn = false }
            }
            return Response.json(#"{"success":true}"#)
        }
        router.put("emulator/agents/:login") { request, context in
            let login = try context.parameters.require("login")
            let body = try await request.bodyText(context: context)
            guard let object = try? JSONValue.parse(body), let password = object["password"]?.stringValue, !password.isEmpty
            else { return Response.empty(.badRequest) }
            self.addAgent(login, password: password)
            return Response.empty(.noContent)
        }
        router.get("emulator/agents") { _, _ in
            Response.json(String(decoding: try JSONEncoder().encode(self.agentStatuses), as: UTF8.self))
        }
    }

    /// The e-mail of the Chatwoot agent whose devise headers the request carries; nil without a live session.
    private func chatwootAgent(_ request: Request) -> String? {
        guard let token = request.headers[HTTPField.Name("access-token")!],
              let uid = request.headers[HTTPField.Name("uid")!] else { return nil }
        return state.withLock { state in
            guard let email = state.agents.chatwootSessions[token], email == uid else { return nil }
            return email
        }
    }
}
