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
        let url = "\(withoutTrailingSlash(chatwoot.baseURL))/api/v1/accounts/\(chatwoot.accountId)/conversations/\(conversation)/messages"
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
        var lastToken: String?
        for _ in 0..<2 {
            let token: String
            switch await edna.authorization(replacing: lastToken) {
            case .success(let value): token = value
            case .failure(let outcome): return outcome
            }
            var request = HTTPClientRequest.json(
                "\(withoutTrailingSlash(edna.baseURL))/api/v1/messages/outgoing", body: body,
                headers: [("Authorization", token), ("Idempotency-Key", key)])
            request.timeout = timeout
            let outcome = await post(request, provider: "edna")
            guard case .failed(let code, _) = outcome, code == "401" else { return outcome }
            lastToken = token  // expired: log in again and retry once
        }
        return .failed(resultCode: "401", error: "edna refused a fresh token (HTTP 401)")
    }

    private func post(_ request: HTTPClientRequest, provider: String) async -> SendOutcome {
        let response: HTTPClientResponse
        do { response = try await client.execute(request) } catch { return .transportFailure(error) }
        guard (200..<300).contains(response.status) else { return .httpFailure(response, provider: provider) }
        let id = response.jsonObject?["id"].flatMap { value -> String? in
            if let number = value as? NSNumber { return number.stringValue }
            return value as? String
        }
        return .sent(providerId: id, resultCode: String(response.status))
    }
}

private func withoutTrailingSlash(_ base: String) -> String { base.hasSuffix("/") ? String(base.dropLast()) : base }

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
            var request = HTTPClientRequest.json("\(withoutTrailingSlash(baseURL))/api/auth/login", body: body)
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
