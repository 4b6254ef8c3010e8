import Firebird
import Foundation
import Hummingbird
import MisLinkSettings
import MisLinkStore

/// The operator console's sign-in, under `/api/v1/`:
///
/// - `POST session` `{"login","password"}`: 200 with the employee and the CSRF token, the session in the
///   cookie `mislink_session` (HttpOnly, SameSite=Strict, `Secure` with `console.secure_cookies`); 401 for a
///   wrong login or password, 429 with `Retry-After` while the login is locked out, 403 for an employee the
///   MIS marks inactive, 503 when the profile has no `operator_sign_in`.
/// - `POST session/embed` `{"token"}`: the same for the MIS's embedded card, the session in the body (no
///   cookie); 401 for a token that is malformed, wrongly signed, expired or too long-lived.
/// - `GET session`: the signed-in employee (401 without a session).
/// - `DELETE session`: signs out (204, the cookie cleared).
struct SessionRoutes {
    let signIn: OperatorSignIn
    let pool: FirebirdPool
    let console: MisLinkSettings.Console
    /// Signs an employee in to the chat center as they sign in to the console (`chat.sign_in_operators`); nil: not then.
    var chat: ChatCenterSignIn?
    /// Signs them out of the chat center as they sign out of the console.
    var chatSignOut: ChatCenterSignIn?

    struct Credentials: Codable {
        var login: String?
        var password: String?
    }

    struct EmbedRequest: Codable {
        var token: String?
    }

    /// The employee as the console shows them.
    struct Operator: Codable {
        var id: Int64
        var login: String
        var name: String
        /// `operator` or `supervisor`.
        var role: String
    }

    struct SessionBody: Codable, ResponseEncodable {
        var `operator`: Operator
        var csrfToken: String
        var idleMinutes: Int
        /// The session token, for the embedded card only (it sends it as `X-MisLink-Session`).
        var session: String?
    }

    /// The routes anyone may call (they open a session).
    func addOpen(to api: RouterGroup<WorkerRequestContext>) {
        api.post("session") { request, context in
            let credentials = try RequestInput.decode(Credentials.self, from: try await request.body(limit: 16 * 1024))
            guard let login = credentials.login?.trimmingCharacters(in: .whitespaces), !login.isEmpty,
                  let password = credentials.password, !password.isEmpty
            else { throw HTTPError(.badRequest, message: "login and password are required") }
            // Longer than any MIS login or password: refused like a wrong one, never looked up.
            guard login.unicodeScalars.count <= 63, password.utf8.count <= 1024 else {
                return Response.error(.unauthorized, "wrong login or password")
            }
            let outcome = try await signIn.signIn(login: login, password: password, client: context.remoteIP)
            signInToChat(outcome, client: context.remoteIP)
            return try await answer(outcome, cookie: true)
        }
        api.post("session/embed") { request, context in
            let body = try RequestInput.decode(EmbedRequest.self, from: try await request.body(limit: 16 * 1024))
            guard let token = body.token, !token.isEmpty else { throw HTTPError(.badRequest, message: "token is required") }
            let outcome = try await signIn.embed(token: token, client: context.remoteIP)
            signInToChat(outcome, client: context.remoteIP)
            return try await answer(outcome, cookie: false)
        }
    }

    /// The routes of a signed-in session (behind ``OperatorAuthMiddleware``).
    func addSigned(to secured: RouterGroup<WorkerRequestContext>) {
        secured.get("session") { _, context in
            let principal = try context.currentPrincipal()
            guard let hash = principal.sessionId else { throw HTTPError(.unauthorized, message: "sign in first") }
            let session = try await pool.withTransaction(.read) { tx in try Sessions.find(tokenHash: hash, in: tx) }
            guard let session else { throw HTTPError(.unauthorized, message: "sign in first") }
            return try Response.json(body(principal, csrf: session.csrfToken, token: nil))
        }
        secured.delete("session") { _, context in
            let principal = try context.currentPrincipal()
            guard let hash = principal.sessionId else { throw HTTPError(.unauthorized, message: "sign in first") }
            try await pool.withTransaction(.default) { tx in
                try Sessions.end(tokenHash: hash, in: tx)
                try Audit.record(AuditEntry(staffId: principal.staffId, login: principal.login, action: .signOut,
                                            objectKind: "session", clientAddress: context.remoteIP), in: tx)
            }
            if let chat = chatSignOut, let staff = principal.staffId {
                try? await chat.signOut(staffId: staff, login: principal.login, client: context.remoteIP)
            }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = cookie(value: "", maxAge: 0)
            return response
        }
    }

    /// After a console sign-in, signs the employee in to the chat center in the background (the console's
    /// answer does not wait for the platform); only when the MIS keeps their chat credentials.
    private func signInToChat(_ outcome: OperatorSignIn.Outcome, client: String?) {
        guard let chat, chat.isAvailable, case .opened(let opened) = outcome, let staff = opened.principal.staffId else { return }
        let login = opened.principal.login
        Task { _ = try? await chat.signIn(staffId: staff, login: login, client: client, automatic: true) }
    }

    private func answer(_ outcome: OperatorSignIn.Outcome, cookie withCookie: Bool) async throws -> Response {
        switch outcome {
        case .opened(let opened):
            var response = try Response.json(body(opened.principal, csrf: opened.csrfToken, token: withCookie ? nil : opened.token))
            if withCookie { response.headers[.setCookie] = cookie(value: opened.token, maxAge: nil) }
            return response
        case .refused:
            return .error(.unauthorized, withCookie ? "wrong login or password" : "the embedding token is not accepted")
        case .locked(let seconds):
            var response = Response.error(.tooManyRequests, "too many failed sign-ins: try again in \((seconds + 59) / 60) min")
            response.headers[.retryAfter] = String(seconds)
            return response
        case .inactive:
            return .error(.forbidden, "this employee is not active in the MIS")
        case .unavailable(let reason):
            return .error(.serviceUnavailable, reason)
        }
    }

    private func body(_ principal: Principal, csrf: String, token: String?) -> SessionBody {
        SessionBody(
            operator: Operator(id: principal.staffId ?? 0, login: principal.login ?? "", name: principal.name ?? "",
                               role: principal.role.rawValue),
            csrfToken: csrf, idleMinutes: console.idleMinutes, session: token)
    }

    /// `Set-Cookie` of the session; `maxAge` 0 clears it.
    private func cookie(value: String, maxAge: Int?) -> String {
        var cookie = "\(OperatorAuthMiddleware.cookieName)=\(value); HttpOnly; SameSite=Strict; Path=/"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if console.secureCookies { cookie += "; Secure" }
        return cookie
    }
}
