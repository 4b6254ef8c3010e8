import Firebird
import Foundation
import MisLinkProfiles
import MisLinkSettings
import MisLinkStore

/// Signs employees in to the operator console: finds the employee through the MIS profile's
/// `operator_sign_in`, checks the password the way the profile's `sign_in` says, keeps the lock-out, opens
/// the session and audits it. It decides; ``SessionRoutes`` turns each ``Outcome`` into an HTTP answer.
struct OperatorSignIn: Sendable {
    let pool: FirebirdPool
    let profile: MISProfile
    let console: MisLinkSettings.Console
    /// `database.dsn`: the database the `firebird` method asks when it is a server DSN.
    let databaseDSN: String

    /// An employee as `operator_sign_in` gives them.
    struct Employee: Sendable {
        var staffId: Int64
        var fullName: String
        var misRole: String
        var isActive: Bool
        var passwordHash: String?
    }

    /// A session just opened.
    struct Opened: Sendable {
        /// The session token: the cookie's value, or the embedded card's `X-MisLink-Session`.
        var token: String
        var csrfToken: String
        var principal: Principal
    }

    /// What came of a sign-in.
    enum Outcome: Sendable {
        case opened(Opened)
        /// Unknown login, wrong password, or a refused embedding token (401; nothing says which).
        case refused
        /// Too many failures of this login: refused without a look for `retryAfter` seconds (429).
        case locked(retryAfter: Int)
        /// The password is right but the MIS says the employee no longer works (403).
        case inactive
        /// The profile has no `operator_sign_in`, or its method cannot work with these settings (503).
        case unavailable(String)
    }

    /// The statement that finds employees by login.
    static let statementName = "operator_sign_in"

    /// Whether the profile lets employees sign in at all.
    var isAvailable: Bool { profile.statements[Self.statementName] != nil }

    /// The console form: login and password.
    func signIn(login: String, password: String, client: String?) async throws -> Outcome {
        guard isAvailable else { return .unavailable(Self.offMessage) }
        let key = login.lowercased()
        if let seconds = try await pool.withTransaction(.read, { tx in try SignInFailures.lockedSeconds(loginKey: key, in: tx) }) {
            return .locked(retryAfter: seconds)
        }
        let employee = try await find(login)
        let accepted: Bool
        switch profile.manifest.signIn.method {
        case .passwordHash:
            accepted = employee.flatMap(\.passwordHash).map { ConsoleCredentials.passwordMatches(password, storedHash: $0) } ?? false
        case .firebird:
            guard let dsn = firebirdDSN else { return .unavailable(Self.noServerMessage) }
            if employee == nil { accepted = false } else { accepted = try await firebirdAccepts(login: login, password: password, dsn: dsn) }
        }
        guard accepted, let employee else {
            try await pool.withTransaction(.default) { tx in
                _ = try SignInFailures.recordFailure(loginKey: key, maxFailures: console.maxFailures,
                                                     windowMinutes: console.lockoutMinutes, in: tx)
                try Audit.record(AuditEntry(staffId: employee?.staffId, login: login, action: .signInFailed, objectKind: "session",
                                            clientAddress: client), in: tx)
            }
            return .refused
        }
        guard employee.isActive else { return .inactive }
        return .opened(try await open(employee, login: login, origin: .password, client: client))
    }

    /// The MIS's page: a token it signed with `console.embed_secret`.
    func embed(token: String, client: String?) async throws -> Outcome {
        guard isAvailable else { return .unavailable(Self.offMessage) }
        guard !console.embedSecret.isEmpty, let verified = try? EmbedToken.verify(token, secret: console.embedSecret),
              let employee = try await find(verified.login)
        else { return .refused }
        guard employee.isActive else { return .inactive }
        return .opened(try await open(employee, login: verified.login, origin: .embed, client: client))
    }

    /// The employee of `login`, nil when `operator_sign_in` gives no row (or the login cannot even be
    /// written in the MIS's character set).
    func find(_ login: String) async throws -> Employee? {
        let statement = try profile.statement(Self.statementName)
        do {
            return try await pool.withTransaction(.read) { tx in
                guard let row = try statement.lookup(["login": .text(login)], in: tx).first else { return nil }
                return Employee(
                    staffId: try row.decode(Int64.self, column: "STAFF_ID"),
                    fullName: try row.decode(String.self, column: "FULL_NAME").trimmingCharacters(in: .whitespaces),
                    misRole: try row.decode(String.self, column: "MIS_ROLE"),
                    isActive: try row.decode(Int64.self, column: "IS_ACTIVE") == 1,
                    passwordHash: try row.decode(String?.self, column: "PASSWORD_HASH"))
            }
        } catch let error as FirebirdError where error.code == .transliterationFailed || error.code == .stringTruncation {
            return nil
        }
    }

    /// Opens the session: a new token and CSRF token, the failures forgotten, `sign_in` audited.
    private func open(_ employee: Employee, login: String, origin: SessionOrigin, client: String?) async throws -> Opened {
        let token = ConsoleCredentials.newToken(), csrf = ConsoleCredentials.newToken()
        let role: SessionRole = profile.manifest.signIn.isSupervisor(misRole: employee.misRole) ? .supervisor : .operator_
        let session = Sessions.New(tokenHash: ConsoleCredentials.tokenHash(token), staffId: employee.staffId, login: login,
                                   staffName: employee.fullName, role: role, csrfToken: csrf, origin: origin, clientAddress: client)
        try await pool.withTransaction(.default) { tx in
            try SignInFailures.clear(loginKey: login.lowercased(), in: tx)
            // Housekeeping, so neither table grows without end: sessions over for a week, failures whose
            // window and lock-out have passed.
            try Sessions.purge(olderThanMinutes: Self.keepEndedMinutes, in: tx)
            try SignInFailures.purge(olderThanMinutes: console.lockoutMinutes, in: tx)
            try Sessions.insert(session, in: tx)
            try Audit.record(AuditEntry(staffId: employee.staffId, login: login, action: .signIn, objectKind: "session",
                                        details: origin.rawValue, clientAddress: client), in: tx)
        }
        return Opened(token: token, csrfToken: csrf, principal: Principal(session))
    }

    /// The server DSN the `firebird` method attaches to: `database.dsn` when it names a server, else
    /// `console.sign_in_dsn` when that does; nil otherwise (an embedded engine accepts any password).
    var firebirdDSN: String? {
        if !FirebirdDSN(databaseDSN).isEmbedded { return databaseDSN }
        guard let dsn = console.signInDSN, !FirebirdDSN(dsn).isEmbedded else { return nil }
        return dsn
    }

    /// Whether Firebird lets `login` attach with `password`. A refusal of the credentials is false; any other
    /// failure (the server down) is thrown.
    private func firebirdAccepts(login: String, password: String, dsn: String) async throws -> Bool {
        guard !password.isEmpty else { return false }
        do {
            let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: dsn, user: login, password: password))
            try? await connection.close()
            return true
        } catch let error as FirebirdError where error.gdsCodes.contains(Self.iscLogin) {
            return false
        }
    }

    /// How long an ended or idle session's row is kept (for the record of who was signed in): a week.
    static let keepEndedMinutes = 7 * 24 * 60

    /// `isc_login`: "Your user name and password are not defined".
    static let iscLogin = 335_544_472

    static let offMessage = "console sign-in is off: the MIS profile has no operator_sign_in statement"
    static let noServerMessage =
        "the firebird sign-in method needs a server DSN: database.dsn is an embedded file and console.sign_in_dsn names no server"
}

extension Principal {
    /// The principal of a stored session.
    init(_ session: Sessions.New) {
        self.init(staffId: session.staffId, login: session.login, name: session.staffName,
                  role: session.role == .supervisor ? .supervisor : .operator_, sessionId: session.tokenHash)
    }

    /// The principal of a session read back.
    init(_ session: SessionRecord) {
        self.init(staffId: session.staffId, login: session.login, name: session.staffName,
                  role: session.role == .supervisor ? .supervisor : .operator_, sessionId: session.tokenHash)
    }
}
