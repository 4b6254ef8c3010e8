import Hummingbird
import MisLinkStore

/// Who a request under `/api/v1/` comes from: an operator or a supervisor signed in to the console (a
/// session), or a machine client with one of `api.tokens` (a bearer token).
///
/// ``OperatorAuthMiddleware`` sets it on ``WorkerRequestContext/principal`` for every route behind it;
/// the routes read it to narrow what an operator sees and to say who made a change.
public struct Principal: Sendable {
    /// What the principal may do.
    public enum Role: String, Sendable, Codable {
        /// An employee signed in to the console: own cards, stream and threads, the call log, booking.
        case operator_ = "operator"
        /// An employee whose MIS role the profile's `sign_in.supervisor_roles` lists: everything.
        case supervisor
        /// A client with a bearer token (`api.tokens`): everything, as before the console.
        case machine
    }

    /// The employee (the MIS's staff id); nil for machine clients.
    public var staffId: Int64?
    /// The employee's MIS login; nil for machine clients.
    public var login: String?
    /// The employee's full name as the MIS has it; nil for machine clients.
    public var name: String?
    /// What the principal may do.
    public var role: Role
    /// The SHA-256 (hex) of the session token, the session's key in `MISLINK_SESSIONS`; nil for machine clients.
    public var sessionId: String?

    /// Makes a principal.
    public init(staffId: Int64? = nil, login: String? = nil, name: String? = nil, role: Role, sessionId: String? = nil) {
        self.staffId = staffId
        self.login = login
        self.name = name
        self.role = role
        self.sessionId = sessionId
    }

    /// A client with a bearer token.
    public static let machine = Principal(role: .machine)

    /// Whether it may do everything: supervisors, and machine clients (which keep the access they had
    /// before the console).
    public var isSupervisor: Bool { role != .operator_ }

    /// Whether it is a signed-in employee (a session), not a bearer token.
    public var isSession: Bool { sessionId != nil }
}

extension WorkerRequestContext {
    /// The principal; a route behind ``OperatorAuthMiddleware`` always has one. Without one (a route
    /// wired outside the middleware) the request is refused, never let through as a machine.
    func currentPrincipal() throws -> Principal {
        guard let principal else { throw HTTPError(.unauthorized, message: "sign in first") }
        return principal
    }

    /// Refuses an operator with 403: the route is for supervisors and machine clients.
    func requireSupervisor() throws {
        guard try currentPrincipal().isSupervisor else {
            throw HTTPError(.forbidden, message: "this needs a supervisor")
        }
    }

    /// The employee a change is made on behalf of.
    ///
    /// For a session it is the session's employee: an operator naming another employee is refused with 403
    /// (a supervisor naming one still acts as themselves, so the audit says who did it). For a machine
    /// client it is `given`, as before the console.
    /// - Parameter given: The staff id the request names, if any.
    func actingStaffId(_ given: Int64?) throws -> Int64? {
        let principal = try currentPrincipal()
        guard let own = principal.staffId else { return given }
        if let given, given != own, !principal.isSupervisor {
            throw HTTPError(.forbidden, message: "an operator acts only on their own behalf")
        }
        return own
    }

    /// The audit line of a change made through a console session, to write in the change's transaction
    /// (``Audit/record(_:in:)``); nil for a machine client, whose requests are not audited.
    func audit(_ action: AuditAction, _ objectKind: String, _ objectId: Int64?, details: String? = nil) -> AuditEntry? {
        guard let principal, principal.isSession else { return nil }
        return AuditEntry(staffId: principal.staffId, login: principal.login, action: action, objectKind: objectKind,
                          objectId: objectId, details: details, clientAddress: remoteIP)
    }
}

/// Refuses operators with 403 on every route behind it: the worker's status, the inbox and quarantine,
/// mailings, reports and the emulator's check are for supervisors and machine clients.
struct SupervisorOnlyMiddleware: RouterMiddleware {
    typealias Context = WorkerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try context.requireSupervisor()
        return try await next(request, context)
    }
}
