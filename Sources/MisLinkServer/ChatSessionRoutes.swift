import Foundation
import Hummingbird

/// The operator's session in the chat center, under `/api/v1/` (``ChatCenterSignIn``):
///
/// - `GET operator/chat-session`: the operator's status (`offline`, `ready`, `active`); a supervisor or a
///   machine client names the operator with `?operator=<id>`.
/// - `POST operator/chat-session`: signs the session's employee in to the chat center with the chat login
///   and password the MIS keeps; 409 when it keeps none or the platform refuses them, 502 when the platform
///   fails, 503 when the profile has no `staff_chat_credentials`.
/// - `DELETE operator/chat-session`: signs them out (200 with the status).
struct ChatSessionRoutes {
    let chat: ChatCenterSignIn

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("operator/chat-session") { request, context in
            let principal = try context.currentPrincipal()
            let given = request.uri.queryParameters["operator"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let staff: Int64
            if let given {
                staff = try RequestInput.id(text: given, "operator")
                guard principal.isSupervisor || staff == principal.staffId else {
                    throw HTTPError(.forbidden, message: "an operator sees only their own chat status")
                }
            } else {
                guard let own = principal.staffId else {
                    throw HTTPError(.badRequest, message: "operator is required for a bearer token (?operator=<staff id>)")
                }
                staff = own
            }
            return try await chat.status(staff)
        }
        group.post("operator/chat-session") { _, context in
            let (principal, staff) = try Self.sessionEmployee(context)
            switch try await chat.signIn(staffId: staff, login: principal.login, client: context.remoteIP) {
            case .signedIn(let status): return try Response.json(status)
            case .unavailable(let reason): return .error(.serviceUnavailable, reason)
            case .refused(let reason): return .error(.conflict, reason)
            case .unreachable(let reason): return .error(.badGateway, reason)
            }
        }
        group.delete("operator/chat-session") { _, context in
            let (principal, staff) = try Self.sessionEmployee(context)
            try await chat.signOut(staffId: staff, login: principal.login, client: context.remoteIP)
            return try Response.json(try await chat.status(staff))
        }
    }

    /// The session's employee; a bearer token has none and is refused (403).
    static func sessionEmployee(_ context: WorkerRequestContext) throws -> (Principal, Int64) {
        let principal = try context.currentPrincipal()
        guard let staff = principal.staffId else {
            throw HTTPError(.forbidden, message: "signing in to the chat center is for a console session, not a bearer token")
        }
        return (principal, staff)
    }
}
