import Foundation
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkSettings

/// Posts messages to the chat platforms: Chatwoot with its `api_access_token`, edna with an
/// INTEGRATOR login token (see ``EdnaSession``).
///
/// Every request carries the row's `IDEMPOTENCY_KEY` as `Idempotency-Key`, so a platform that
/// de-duplicates can drop a repeat after a lost answer.
struct ChatSender: Sendable {
    let client: HTTPClient
    let chatwoot: MisLinkSettings.Chatwoot
    let edna: EdnaSession
    let timeout: Duration

    /// `POST /api/v1/accounts/{a}/conversations/{c}/messages`.
    func chatwoot(conversation: Int, text: String, key: String) async -> SendOutcome {
        let url = HTTPClientRequest.url(chatwoot.baseURL, "api/v1/accounts/\(chatwoot.accountId)/conversations/\(conversation)/messages")
        let body: Data
        do { body = try JSONEncoder().encode(ChatwootOutgoingMessage(content: text)) } catch {
            return .failed(resultCode: nil, error: "cannot encode the message: \(error)")
        }
        var request = HTTPClientRequest.json(
            url, body: body, headers: [("api_access_token", chatwoot.apiToken), ("Idempotency-Key", key)])
        request.timeout = timeout
        return await post(request, provider: "Chatwoot")
    }

    /// `POST /api/v1/messages/outgoing`, logging in first when there is no token, and once more on a 401.
    func edna(_ message: EdnaOutgoingMessage, key: String) async -> SendOutcome {
        let body: Data
        do { body = try JSONEncoder().encode(message) } catch {
            return .failed(resultCode: nil, error: "cannot encode the message: \(error)")
        }
        let url = HTTPClientRequest.url(edna.baseURL, "api/v1/messages/outgoing")
        let timeout = self.timeout
        let answer: EdnaSession.Answer
        do {
            answer = try await edna.execute(on: client) { token in
                var request = HTTPClientRequest.json(url, body: body, headers: [("Authorization", token), ("Idempotency-Key", key)])
                request.timeout = timeout
                return request
            }
        } catch {
            return .transportFailure(error)
        }
        switch answer {
        case .loginFailed(let outcome): return outcome
        case .refusedFreshToken: return .failed(resultCode: "401", error: "edna refused a fresh token (HTTP 401)")
        case .response(let response): return outcome(of: response, provider: "edna")
        }
    }

    private func post(_ request: HTTPClientRequest, provider: String) async -> SendOutcome {
        let response: HTTPClientResponse
        do { response = try await client.execute(request) } catch { return .transportFailure(error) }
        return outcome(of: response, provider: provider)
    }

    private func outcome(of response: HTTPClientResponse, provider: String) -> SendOutcome {
        guard (200..<300).contains(response.status) else { return .httpFailure(response, provider: provider) }
        let id = response.jsonObject?["id"].flatMap { value -> String? in
            if let number = value as? NSNumber { return number.stringValue }
            return value as? String
        }
        return .sent(providerId: id, resultCode: String(response.status))
    }
}

/// The edna INTEGRATOR token: logged in on first use (`POST /api/auth/login`) and again when a call
/// answers 401 (tokens expire). Concurrent sends share one login; the worker's thread poller uses it too.
public actor EdnaSession {
    nonisolated let baseURL: String
    private let login: String
    private let password: String
    private let client: HTTPClient
    private let timeout: Duration
    private var token: String?
    private var loggingIn: Task<Result<String, LoginFailure>, Never>?

    /// A login that did not give a token, as the row's outcome.
    struct LoginFailure: Error { var outcome: SendOutcome }

    /// A token, or the outcome for the row when none could be had.
    public enum Authorization: Sendable {
        case success(String)
        case failure(SendOutcome)
    }

    /// Makes a session for the Chat Center in `settings`; nothing is sent until a token is needed.
    public init(settings: MisLinkSettings.Edna, client: HTTPClient, timeout: Duration) {
        self.baseURL = settings.baseURL
        self.login = settings.login
        self.password = settings.password
        self.client = client
        self.timeout = timeout
    }

    /// What ``execute(on:_:)`` came to.
    public enum Answer: Sendable {
        /// edna answered (anything but a 401 to a fresh token).
        case response(HTTPClientResponse)
        /// No token could be had; the outcome for an outbox row.
        case loginFailed(SendOutcome)
        /// A token just issued was refused with 401 as well.
        case refusedFreshToken
    }

    /// Sends the request `make` builds around a token: logs in first when there is no token, and once
    /// more when edna answers 401 (the token expired).
    /// - Throws: transport errors of the client.
    public nonisolated func execute(on client: HTTPClient, _ make: @Sendable (String) -> HTTPClientRequest) async throws -> Answer {
        var stale: String?
        for _ in 0..<2 {
            let token: String
            switch await authorization(replacing: stale) {
            case .success(let value): token = value
            case .failure(let outcome): return .loginFailed(outcome)
            }
            let response = try await client.execute(make(token))
            guard response.status == 401 else { return .response(response) }
            stale = token
        }
        return .refusedFreshToken
    }

    /// The `Authorization` value; logs in when there is none or the current one is `replacing`.
    public func authorization(replacing stale: String?) async -> Authorization {
        if let token, token != stale { return .success(token) }
        if stale != nil, token == stale { token = nil }
        let task = loggingIn ?? Task { await self.performLogin() }
        loggingIn = task
        let result = await task.value
        loggingIn = nil
        switch result {
        case .success(let value):
            token = value
            return .success(value)
        case .failure(let failure):
            return .failure(failure.outcome)
        }
    }

    private func performLogin() async -> Result<String, LoginFailure> {
        do {
            let body = try JSONEncoder().encode(EdnaLoginRequest(login: login, password: password))
            var request = HTTPClientRequest.json(HTTPClientRequest.url(baseURL, "api/auth/login"), body: body)
            request.timeout = timeout
            let response = try await client.execute(request)
            guard (200..<300).contains(response.status) else {
                if response.status == 401 || response.status == 403 {
                    return .failure(LoginFailure(outcome: .failed(
                        resultCode: String(response.status), error: "edna login rejected (HTTP \(response.status))")))
                }
                return .failure(LoginFailure(outcome: .httpFailure(response, provider: "edna login")))
            }
            let answer = try JSONDecoder().decode(EdnaLoginResponse.self, from: response.body)
            return .success(answer.authorization)
        } catch let error as DecodingError {
            return .failure(LoginFailure(outcome: .retry(resultCode: nil, error: "edna login answer unreadable: \(error)", after: nil)))
        } catch {
            return .failure(LoginFailure(outcome: .transportFailure(error)))
        }
    }
}
