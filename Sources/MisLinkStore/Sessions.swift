import Firebird
import Foundation

/// What a console session may do (`MISLINK_SESSIONS.ROLE`).
public enum SessionRole: String, StoredEnum {
    case operator_ = "operator"
    case supervisor
}

/// How a console session was opened (`MISLINK_SESSIONS.ORIGIN`).
public enum SessionOrigin: String, StoredEnum {
    /// The console's sign-in form: login and password.
    case password
    /// A token the MIS signed for its embedded card (`POST /api/v1/session/embed`).
    case embed
}

/// A console session (`MISLINK_SESSIONS`), read by column name, with the database's clock at the read.
public struct SessionRecord: Sendable, Hashable, Decodable {
    /// Lowercase hex SHA-256 of the token.
    public var tokenHash: String
    public var staffId: Int64
    public var login: String
    public var staffName: String?
    public var role: SessionRole
    public var csrfToken: String
    public var origin: SessionOrigin
    public var createdAt: Date
    public var lastSeenAt: Date
    /// Signed out; nil while the session may be live.
    public var endedAt: Date?
    public var clientAddr: String?
    /// `MISLINK_UTC_NOW()` when the row was read: idle time is measured on the database's clock, which
    /// every worker shares.
    public var databaseNow: Date
}

/// The SQL of `MISLINK_SESSIONS`: opening, finding, touching and ending console sessions. Each runs
/// inside a caller's transaction; the token itself never reaches the database, only its hash.
public enum Sessions {
    /// A session as it is inserted.
    public struct New: Sendable, Hashable {
        public var tokenHash: String
        public var staffId: Int64
        public var login: String
        public var staffName: String?
        public var role: SessionRole
        public var csrfToken: String
        public var origin: SessionOrigin
        public var clientAddress: String?

        public init(tokenHash: String, staffId: Int64, login: String, staffName: String?, role: SessionRole,
                    csrfToken: String, origin: SessionOrigin, clientAddress: String?) {
            self.tokenHash = tokenHash
            self.staffId = staffId
            self.login = login
            self.staffName = staffName
            self.role = role
            self.csrfToken = csrfToken
            self.origin = origin
            self.clientAddress = clientAddress
        }
    }

    /// Inserts a session; `CREATED_AT` and `LAST_SEEN_AT` are the database's now (its trigger).
    public static func insert(_ new: New, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            INSERT INTO MISLINK_SESSIONS (TOKEN_HASH, STAFF_ID, LOGIN, STAFF_NAME, ROLE, CSRF_TOKEN, ORIGIN, CLIENT_ADDR)
            VALUES (\(new.tokenHash), \(new.staffId), \(String(new.login.unicodeScalars.prefix(63))),
                    \(new.staffName.map { String($0.unicodeScalars.prefix(200)) }), \(new.role), \(new.csrfToken),
                    \(new.origin), \(new.clientAddress.map { String($0.prefix(45)) }))
            """)
    }

    /// The session of a token hash, ended or not, with the database's now; nil when there is none.
    public static func find(tokenHash: String, in tx: some StoreTransaction) throws -> SessionRecord? {
        try tx.rows(
            """
            SELECT TOKEN_HASH, STAFF_ID, LOGIN, STAFF_NAME, ROLE, CSRF_TOKEN, ORIGIN, CREATED_AT, LAST_SEEN_AT, ENDED_AT,
                   CLIENT_ADDR, MISLINK_UTC_NOW() AS DATABASE_NOW
              FROM MISLINK_SESSIONS WHERE TOKEN_HASH = \(tokenHash)
            """).first.map { try $0.decode(SessionRecord.self) }
    }

    /// Moves a live session's `LAST_SEEN_AT` to the database's now.
    public static func touch(tokenHash: String, in tx: some StoreTransaction) throws {
        try tx.execute(
            "UPDATE MISLINK_SESSIONS SET LAST_SEEN_AT = MISLINK_UTC_NOW() WHERE TOKEN_HASH = \(tokenHash) AND ENDED_AT IS NULL")
    }

    /// Ends a live session (sign-out); false when it was not live.
    @discardableResult
    public static func end(tokenHash: String, in tx: some StoreTransaction) throws -> Bool {
        try tx.execute(
            "UPDATE MISLINK_SESSIONS SET ENDED_AT = MISLINK_UTC_NOW() WHERE TOKEN_HASH = \(tokenHash) AND ENDED_AT IS NULL") == 1
    }

    /// Deletes the sessions ended, or idle, for more than `minutes` on the database's clock (housekeeping);
    /// returns how many.
    @discardableResult
    public static func purge(olderThanMinutes minutes: Int, in tx: some StoreTransaction) throws -> Int {
        try tx.execute(
            "DELETE FROM MISLINK_SESSIONS WHERE COALESCE(ENDED_AT, LAST_SEEN_AT) < DATEADD(\(-max(minutes, 0)) MINUTE TO MISLINK_UTC_NOW())")
    }
}

/// The SQL of `MISLINK_SIGN_IN_FAILURES`: failed sign-ins per lowercased login and the lock-out they lead
/// to, on the database's clock.
public enum SignInFailures {
    /// Seconds until the login's lock-out ends (at least 1), if it is locked out now. Measured on the
    /// database's clock, as the lock was set.
    public static func lockedSeconds(loginKey: String, in tx: some StoreTransaction) throws -> Int? {
        try tx.rows(
            """
            SELECT MAXVALUE(DATEDIFF(SECOND FROM MISLINK_UTC_NOW() TO LOCKED_UNTIL), 1) AS SECONDS_LEFT FROM MISLINK_SIGN_IN_FAILURES
             WHERE LOGIN_KEY = \(loginKey) AND LOCKED_UNTIL > MISLINK_UTC_NOW()
            """).first?.decode(Int?.self, column: "SECONDS_LEFT")
    }

    /// Counts a failed sign-in of `loginKey`; returns whether this failure locks it (for `windowMinutes`).
    ///
    /// Failures are counted from the first of a window of `windowMinutes`; a failure after the window, or
    /// after a lock-out has passed, starts a new count. The count and the window move in one `UPDATE`, so
    /// concurrent failures of one login on several workers are all counted.
    /// - Parameters:
    ///   - maxFailures: Failures within the window that lock the login (`console.max_failures`).
    ///   - windowMinutes: The window, and how long the lock-out lasts (`console.lockout_minutes`).
    public static func recordFailure(loginKey: String, maxFailures: Int, windowMinutes: Int,
                                     in tx: some StoreTransaction) throws -> Bool {
        let back = -max(windowMinutes, 1)
        let update: FirebirdQuery = """
            UPDATE MISLINK_SIGN_IN_FAILURES
               SET FAILURES = IIF(LOCKED_UNTIL IS NOT NULL OR FIRST_FAILURE_AT < DATEADD(\(back) MINUTE TO MISLINK_UTC_NOW()),
                                  1, FAILURES + 1),
                   FIRST_FAILURE_AT = IIF(LOCKED_UNTIL IS NOT NULL
                                          OR FIRST_FAILURE_AT < DATEADD(\(back) MINUTE TO MISLINK_UTC_NOW()),
                                          MISLINK_UTC_NOW(), FIRST_FAILURE_AT),
                   LOCKED_UNTIL = NULL
             WHERE LOGIN_KEY = \(loginKey)
            RETURNING FAILURES
            """
        var failures = try tx.rows(update).first?.decode(Int?.self, column: "FAILURES")
        if failures == nil {
            do {
                try tx.execute(
                    """
                    INSERT INTO MISLINK_SIGN_IN_FAILURES (LOGIN_KEY, FAILURES, FIRST_FAILURE_AT)
                    VALUES (\(loginKey), 1, MISLINK_UTC_NOW())
                    """)
                failures = 1
            } catch let error as FirebirdError where error.code == .uniqueViolation {
                // Another worker counted this login's first failure meanwhile: count this one on its row.
                failures = try tx.rows(update).first?.decode(Int?.self, column: "FAILURES")
            }
        }
        guard let failures, failures >= maxFailures else { return false }
        try tx.execute(
            """
            UPDATE MISLINK_SIGN_IN_FAILURES SET LOCKED_UNTIL = DATEADD(\(max(windowMinutes, 1)) MINUTE TO MISLINK_UTC_NOW())
             WHERE LOGIN_KEY = \(loginKey)
            """)
        return true
    }

    /// Forgets the logins whose window of failures began more than `minutes` ago and which are not locked
    /// out now (housekeeping: failed guesses at logins nobody has would otherwise stay); returns how many.
    @discardableResult
    public static func purge(olderThanMinutes minutes: Int, in tx: some StoreTransaction) throws -> Int {
        try tx.execute(
            """
            DELETE FROM MISLINK_SIGN_IN_FAILURES
             WHERE FIRST_FAILURE_AT < DATEADD(\(-max(minutes, 0)) MINUTE TO MISLINK_UTC_NOW())
               AND (LOCKED_UNTIL IS NULL OR LOCKED_UNTIL <= MISLINK_UTC_NOW())
            """)
    }

    /// Forgets a login's failures (a successful sign-in).
    public static func clear(loginKey: String, in tx: some StoreTransaction) throws {
        try tx.execute("DELETE FROM MISLINK_SIGN_IN_FAILURES WHERE LOGIN_KEY = \(loginKey)")
    }
}
