import Firebird
import Foundation
import HTTPTypes
import Hummingbird
import MisLinkExternalAPIs
import MisLinkStore

/// Lets a request under `/api/v1/` in when it comes from a machine client or a signed-in employee, and
/// says which in ``WorkerRequestContext/principal``; refuses it with 401 otherwise.
///
/// - `Authorization: Bearer <one of api.tokens>`: a machine client (``Principal/machine``), as before the
///   console. A blank token (empty, or only spaces and invisible characters) is never accepted, on either
///   side: the settings refuse one in `api.tokens`, and should one get here anyway it is dropped.
/// - A console session: the cookie `mislink_session`, the header `X-MisLink-Session` (the embedded card),
///   or, for `GET /api/v1/operator/stream` only (an `EventSource` sends no headers), the query
///   `?session=`. The session must be live: not signed out and used within `console.idle_minutes`.
///   Through the cookie, a change (POST, PUT, PATCH, DELETE) also needs `X-CSRF-Token` with the session's
///   CSRF token (403 otherwise): another site's page can make the browser send the cookie, never the header.
struct OperatorAuthMiddleware: RouterMiddleware {
    typealias Context = WorkerRequestContext
    let tokens: [String]
    let sessions: ConsoleSessions

    init(tokens: [String], sessions: ConsoleSessions) {
        self.tokens = tokens.filter { !Self.isBlank($0) }
        self.sessions = sessions
    }

    /// The session cookie's name.
    static let cookieName = "mislink_session"
    /// The header the embedded card sends its session in.
    static let sessionHeader = HTTPField.Name("X-MisLink-Session")!
    /// The header a cookie session sends its CSRF token in.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// Whether a token has nothing visible in it: empty, or only whitespace, control and format characters.
    static func isBlank(_ token: String) -> Bool {
        token.unicodeScalars.allSatisfy {
            $0.properties.isWhitespace || [.control, .format].contains($0.properties.generalCategory)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                return .error(.unauthorized, "Authorization: Bearer <token> is required")
            }
            let presented = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
            guard !Self.isBlank(presented), tokens.contains(where: { MangoSignature.constantTimeEqual($0, presented) }) else {
                return .error(.unauthorized, "the token is not accepted")
            }
            context.principal = .machine
            return try await next(request, context)
        }
        guard let (token, viaCookie) = Self.sessionToken(of: request) else {
            return .error(.unauthorized, "Authorization: Bearer <token> is required")
        }
        guard let session = try await sessions.live(token) else {
            return .error(.unauthorized, "the session has ended: sign in again")
        }
        if viaCookie, [.post, .put, .patch, .delete].contains(request.method) {
            guard let presented = request.headers[Self.csrfHeader],
                  MangoSignature.constantTimeEqual(presented, session.csrfToken)
            else { return .error(.forbidden, "X-CSRF-Token is missing or wrong") }
        }
        context.principal = Principal(session)
        return try await next(request, context)
    }

    /// The session token a request carries and whether it came in the cookie; nil when it carries none
    /// that could be one (printable ASCII, at most 128 characters).
    static func sessionToken(of request: Request) -> (token: String, viaCookie: Bool)? {
        func plausible(_ text: String?) -> String? {
            guard let text, !text.isEmpty, text.utf8.count <= 128,
                  text.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 })
            else { return nil }
            return text
        }
        if let header = plausible(request.headers[sessionHeader]) { return (header, false) }
        if let cookie = plausible(request.cookies[cookieName]?.value) { return (cookie, true) }
        if request.method == .get, request.uri.path.hasSuffix("/api/v1/operator/stream"),
           let query = plausible(request.uri.queryParameters["session"].map(String.init)) {
            return (query, false)
        }
        return nil
    }
}

/// Console sessions as the middleware sees them: found by the token's hash, expired when idle, and their
/// `LAST_SEEN_AT` written at most every ``touchInterval`` to spare the database a write per request.
struct ConsoleSessions: Sendable {
    let pool: FirebirdPool
    /// `console.idle_minutes`.
    let idleMinutes: Int

    /// Seconds between two writes of a session's `LAST_SEEN_AT`.
    static let touchInterval: TimeInterval = 30

    /// The live session of `token`: signed in, not signed out, and used within `idle_minutes` on the
    /// database's clock. Touches it when its last write is older than ``touchInterval``.
    func live(_ token: String) async throws -> SessionRecord? {
        let hash = ConsoleCredentials.tokenHash(token)
        guard let session = try await pool.withTransaction(.read, { tx in try Sessions.find(tokenHash: hash, in: tx) }),
              session.endedAt == nil
        else { return nil }
        let idle = session.databaseNow.timeIntervalSince(session.lastSeenAt)
        guard idle <= TimeInterval(idleMinutes * 60) else { return nil }
        if idle >= Self.touchInterval {
            // Another request of the session may be touching it right now: one touch is enough, so a lock
            // conflict is no failure.
            try? await pool.withTransaction(.claim) { tx in try Sessions.touch(tokenHash: hash, in: tx) }
        }
        return session
    }
}
