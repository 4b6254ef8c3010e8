import Firebird
import Foundation
import Hummingbird
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkProfiles
import MisLinkSettings
import MisLinkStore

/// Who of the operators is signed in to the chat center through MisLink, kept by the worker for as long
/// as it runs (the platform's own session is what counts; a restarted worker shows everyone offline until
/// they sign in again, as the MIS's own chat integration does after a restart).
actor ChatPresence {
    /// An operator signed in.
    struct Signed: Sendable {
        var platform: String
        var login: String
        var at: Date
        var credential: Credential
        /// Chatwoot's availability MisLink set (`online`); nil on edna, which has none.
        var availability: String?
    }

    /// What the platform gave the operator at sign-in.
    enum Credential: Sendable {
        /// edna's `Authorization` value.
        case edna(String)
        /// Chatwoot's devise headers.
        case chatwoot(ChatwootAgentSession)
    }

    /// The last sign-in that failed.
    struct Failure: Sendable {
        var at: Date
        var message: String
    }

    private var signed: [Int64: Signed] = [:]
    private var failures: [Int64: Failure] = [:]

    func signedIn(_ staffId: Int64, _ entry: Signed) {
        signed[staffId] = entry
        failures[staffId] = nil
    }

    func failed(_ staffId: Int64, _ message: String) { failures[staffId] = Failure(at: Date(), message: message) }

    /// Forgets the operator's session and returns it (to be ended at the platform).
    func signedOut(_ staffId: Int64) -> Signed? { signed.removeValue(forKey: staffId) }

    func entry(_ staffId: Int64) -> (signed: Signed?, failure: Failure?) { (signed[staffId], failures[staffId]) }
}

/// Signs operators in to the chat center with the chat login and password the MIS keeps for them (the
/// profile's optional `staff_chat_credentials`), as the MIS's own chat integration does, and says what
/// they are there:
///
/// - `offline` («Не в сети»): not signed in through MisLink;
/// - `ready` («Готов»): signed in, no thread in their queue, waiting for the next;
/// - `active` («Активен»): signed in and working threads (`MISLINK_CHAT_THREADS` assigned to them).
///
/// edna: `POST /api/auth/login` with the operator's login and password (edna answers `OPERATOR`); edna
/// documents no agent status, so the status is MisLink's own. Chatwoot: `POST /auth/sign_in`, then the
/// agent's availability `online` (`POST /api/v1/profile/availability`); signing out sets `offline` and
/// ends the session (`DELETE /auth/sign_out`).
struct ChatCenterSignIn: Sendable {
    static let statementName = "staff_chat_credentials"

    let settings: MisLinkSettings.Chat
    let profile: MISProfile
    let pool: FirebirdPool
    let client: HTTPClient
    let presence: ChatPresence

    /// An operator's status, as `GET /api/v1/operator/chat-session` gives it.
    struct Status: Codable, Sendable, ResponseEncodable {
        var operatorId: Int64
        /// `offline`, `ready` or `active`.
        var status: String
        /// `edna` or `chatwoot`: the platform signed in to (the configured one when offline).
        var platform: String
        var chatLogin: String?
        var signedInAt: Date?
        /// Chatwoot's availability set at sign-in; nil on edna.
        var availability: String?
        /// Threads in the operator's queue now, and `chat.capacity`.
        var threads: Int
        var capacity: Int
        /// Whether MisLink can sign this operator in: the profile has `staff_chat_credentials` and the MIS
        /// keeps a chat login and password for them.
        var canSignIn: Bool
        /// Why the last sign-in failed, while the operator is offline.
        var lastError: String?
        var lastErrorAt: Date?
    }

    /// What came of a sign-in.
    enum Outcome: Sendable {
        case signedIn(Status)
        /// The profile has no `staff_chat_credentials` (503).
        case unavailable(String)
        /// The MIS keeps no chat login or password for the employee, or the platform refused them (409).
        case refused(String)
        /// The platform could not be reached or failed (502).
        case unreachable(String)
    }

    var isAvailable: Bool { profile.statements[Self.statementName] != nil }

    static let offMessage = "the MIS profile has no staff_chat_credentials statement: MisLink cannot sign operators in to the chat center"
    static let noCredentialsMessage = "the MIS keeps no chat login and password for this employee"

    /// The operator's chat login and password from the MIS; nil when it keeps none (or no password).
    func credentials(_ staffId: Int64) async throws -> (login: String, password: String)? {
        guard isAvailable else { return nil }
        let statement = try profile.statement(Self.statementName)
        return try await pool.withTransaction(.readOnly) { tx in
            guard let row = try statement.lookup(["staff_id": .bigint(staffId)], in: tx).first,
                  let login = try row.decode(String?.self, column: "CHAT_LOGIN")?.trimmingCharacters(in: .whitespaces),
                  !login.isEmpty,
                  let password = try row.decode(String?.self, column: "CHAT_PASSWORD"), !password.isEmpty
            else { return nil }
            return (login, password)
        }
    }

    /// Signs the operator in (again: a new platform session replaces the old one) and audits it.
    /// - Parameter automatic: Signing in because the employee signed in to the console: an employee the
    ///   MIS keeps no chat credentials for is left alone, with no failure to show.
    func signIn(staffId: Int64, login misLogin: String?, client address: String?, automatic: Bool = false) async throws -> Outcome {
        guard isAvailable else { return .unavailable(Self.offMessage) }
        guard let (login, password) = try await credentials(staffId) else {
            if !automatic { await presence.failed(staffId, Self.noCredentialsMessage) }
            return .refused(Self.noCredentialsMessage)
        }
        let outcome: Result<ChatPresence.Signed, SignInError>
        switch settings.platform {
        case "edna": outcome = await edna(login: login, password: password)
        default: outcome = await chatwoot(login: login, password: password)
        }
        switch outcome {
        case .success(let signed):
            if let old = await presence.signedOut(staffId) { await endAtPlatform(old) }
            await presence.signedIn(staffId, signed)
            try await audit(staffId, misLogin, .chatSignIn, details: "\(signed.platform): \(login)", address)
            return .signedIn(try await status(staffId))
        case .failure(let error):
            await presence.failed(staffId, error.message)
            try await audit(staffId, misLogin, .chatSignInFailed, details: error.message, address)
            return error.refused ? .refused(error.message) : .unreachable(error.message)
        }
    }

    /// Signs the operator out of the chat center (nothing to do when they were not signed in).
    func signOut(staffId: Int64, login misLogin: String?, client address: String?) async throws {
        guard let signed = await presence.signedOut(staffId) else { return }
        await endAtPlatform(signed)
        try await audit(staffId, misLogin, .chatSignOut, details: signed.platform, address)
    }

    /// The operator's status now.
    func status(_ staffId: Int64) async throws -> Status {
        let (signed, failure) = await presence.entry(staffId)
        let threads = try await pool.withTransaction(.readOnly) { tx in try ChatThreads.assignedCount(operatorId: staffId, in: tx) }
        let known = signed != nil ? true : (try await credentials(staffId)) != nil
        return Status(
            operatorId: staffId, status: signed == nil ? "offline" : threads > 0 ? "active" : "ready",
            platform: signed?.platform ?? (settings.platform == "edna" ? "edna" : "chatwoot"), chatLogin: signed?.login,
            signedInAt: signed?.at, availability: signed?.availability, threads: threads, capacity: settings.capacity,
            canSignIn: known, lastError: signed == nil ? failure?.message : nil, lastErrorAt: signed == nil ? failure?.at : nil)
    }

    // MARK: - The platforms

    struct SignInError: Error {
        var message: String
        /// The platform said no to the credentials (as opposed to failing or not answering).
        var refused: Bool

        /// The sign-in's answer as a failure: 401/403 refuse the credentials, any other status but 200 fails;
        /// nil for a 200.
        static func of(_ answer: HTTPClientResponse, login: String) -> SignInError? {
            switch answer.status {
            case 200: return nil
            case 401, 403:
                return SignInError(message: "the chat center refused the chat login \(login) and its password (HTTP \(answer.status))",
                                   refused: true)
            default: return SignInError(message: "the chat center answered the sign-in with HTTP \(answer.status)", refused: false)
            }
        }

        /// A transport failure, or an answer that does not decode.
        static func of(_ error: any Error) -> SignInError {
            error is HTTPClientError
                ? SignInError(message: "the chat center cannot be reached: \(error)", refused: false)
                : SignInError(message: "the chat center's sign-in answer is unreadable: \(error)", refused: false)
        }
    }

    private func edna(login: String, password: String) async -> Result<ChatPresence.Signed, SignInError> {
        do {
            let body = try JSONEncoder().encode(EdnaLoginRequest(login: login, password: password))
            let answer = try await client.execute(.json(HTTPClientRequest.url(settings.edna.baseURL, "api/auth/login"), body: body))
            if let refusal = SignInError.of(answer, login: login) { return .failure(refusal) }
            let session = try JSONDecoder().decode(EdnaLoginResponse.self, from: answer.body)
            return .success(ChatPresence.Signed(platform: "edna", login: login, at: Date(), credential: .edna(session.authorization)))
        } catch {
            return .failure(SignInError.of(error))
        }
    }

    private func chatwoot(login: String, password: String) async -> Result<ChatPresence.Signed, SignInError> {
        let base = settings.chatwoot.baseURL
        do {
            let body = try JSONEncoder().encode(ChatwootSignInRequest(email: login, password: password))
            let answer = try await client.execute(.json(HTTPClientRequest.url(base, "auth/sign_in"), body: body))
            if let refusal = SignInError.of(answer, login: login) { return .failure(refusal) }
            guard let token = answer.header("access-token"), let clientId = answer.header("client") else {
                return .failure(SignInError(message: "the chat center answered the sign-in with HTTP \(answer.status)", refused: false))
            }
            let session = ChatwootAgentSession(accessToken: token, client: clientId, uid: answer.header("uid") ?? login)
            let availability = try JSONEncoder().encode(ChatwootAvailabilityRequest(accountId: settings.chatwoot.accountId, availability: "online"))
            let set = try await client.execute(.json(HTTPClientRequest.url(base, "api/v1/profile/availability"), body: availability,
                                                     headers: session.headers))
            guard (200..<300).contains(set.status) else {
                return .failure(SignInError(message: "the chat center signed the agent in but refused the status online (HTTP \(set.status))",
                                            refused: false))
            }
            return .success(ChatPresence.Signed(platform: "chatwoot", login: login, at: Date(), credential: .chatwoot(session),
                                                availability: "online"))
        } catch {
            return .failure(SignInError.of(error))
        }
    }

    /// Ends a session at the platform, as far as it lets: Chatwoot's agent goes `offline` and is signed
    /// out; an edna token is only forgotten (edna documents no sign-out). Failures are let go: the
    /// operator is offline for MisLink either way.
    private func endAtPlatform(_ signed: ChatPresence.Signed) async {
        guard case .chatwoot(let session) = signed.credential else { return }
        let base = settings.chatwoot.baseURL
        if let body = try? JSONEncoder().encode(ChatwootAvailabilityRequest(accountId: settings.chatwoot.accountId, availability: "offline")) {
            _ = try? await client.execute(.json(HTTPClientRequest.url(base, "api/v1/profile/availability"), body: body, headers: session.headers))
        }
        _ = try? await client.execute(HTTPClientRequest(method: "DELETE", url: HTTPClientRequest.url(base, "auth/sign_out"),
                                                        headers: session.headers))
    }

    private func audit(_ staffId: Int64, _ login: String?, _ action: AuditAction, details: String, _ address: String?) async throws {
        try await pool.withTransaction(.default) { tx in
            try Audit.record(AuditEntry(staffId: staffId, login: login, action: action, objectKind: "chat_session",
                                        details: details, clientAddress: address), in: tx)
        }
    }
}
