import Firebird
import Foundation

/// What an employee did (`MISLINK_AUDIT.ACTION`): lowercase ASCII, one of the names below or a new one
/// (the column's CHECK takes any `[a-z_]+`), so a new action needs no migration.
public struct AuditAction: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, FirebirdValueConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public var firebirdValue: FirebirdValue { .text(rawValue) }
    public init(firebirdValue: FirebirdValue) throws { rawValue = try String(firebirdValue: firebirdValue) }

    public static let signIn: Self = "sign_in"
    public static let signInFailed: Self = "sign_in_failed"
    public static let signOut: Self = "sign_out"
    public static let callComment: Self = "call_comment"
    public static let callStatus: Self = "call_status"
    public static let callPatientChosen: Self = "call_patient_chosen"
    public static let booking: Self = "booking"
    public static let appealCancel: Self = "appeal_cancel"
    public static let command: Self = "command"
    public static let message: Self = "message"
    public static let recordingPlay: Self = "recording_play"
    public static let cardDismiss: Self = "card_dismiss"
    public static let templatePut: Self = "template_put"
    public static let templateDelete: Self = "template_delete"
    public static let mailingCreate: Self = "mailing_create"
    public static let mailingCancel: Self = "mailing_cancel"
    public static let chatSignIn: Self = "chat_sign_in"
    public static let chatSignInFailed: Self = "chat_sign_in_failed"
    public static let chatSignOut: Self = "chat_sign_out"
}

/// One line of the audit trail as it is written.
public struct AuditEntry: Sendable, Hashable {
    /// The employee (the MIS's staff id); nil for a failed sign-in of an unknown login.
    public var staffId: Int64?
    /// The session's login, or the login typed for a failed sign-in.
    public var login: String?
    public var action: AuditAction
    /// What was acted on: `call`, `thread`, `appeal`, `command`, `recording`, `template`, `mailing`, `card`, `session`.
    public var objectKind: String?
    public var objectId: Int64?
    /// What changed, in short; cut to the column's 1000 code points.
    public var details: String?
    public var clientAddress: String?

    public init(staffId: Int64?, login: String?, action: AuditAction, objectKind: String? = nil, objectId: Int64? = nil,
                details: String? = nil, clientAddress: String? = nil) {
        self.staffId = staffId
        self.login = login
        self.action = action
        self.objectKind = objectKind
        self.objectId = objectId
        self.details = details
        self.clientAddress = clientAddress
    }
}

/// A line of the audit trail (`MISLINK_AUDIT`), read by column name.
public struct AuditRecord: Sendable, Hashable, Decodable {
    public var id: Int64
    public var actedAt: Date
    public var staffId: Int64?
    public var login: String?
    public var action: AuditAction
    public var objectKind: String?
    public var objectId: Int64?
    public var details: String?
    public var clientAddr: String?
}

/// The SQL of `MISLINK_AUDIT`: what signed-in employees changed, written in the transaction of the change.
public enum Audit {
    /// Writes one line; `ACTED_AT` is the database's now (its trigger).
    public static func record(_ entry: AuditEntry, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            INSERT INTO MISLINK_AUDIT (STAFF_ID, LOGIN, ACTION, OBJECT_KIND, OBJECT_ID, DETAILS, CLIENT_ADDR)
            VALUES (\(entry.staffId), \(entry.login.map { String($0.unicodeScalars.prefix(63)) }), \(entry.action),
                    \(entry.objectKind.map { String($0.prefix(32)) }), \(entry.objectId), \(entry.details?.clipped),
                    \(entry.clientAddress.map { String($0.prefix(45)) }))
            """)
    }

    /// What to list.
    public struct Filter: Sendable, Hashable {
        public var staffId: Int64?
        public var action: AuditAction?
        public var objectKind: String?
        public var objectId: Int64?
        /// Only lines with an id below this one (keyset paging, newest first).
        public var beforeId: Int64?

        public init(staffId: Int64? = nil, action: AuditAction? = nil, objectKind: String? = nil, objectId: Int64? = nil,
                    beforeId: Int64? = nil) {
            self.staffId = staffId
            self.action = action
            self.objectKind = objectKind
            self.objectId = objectId
            self.beforeId = beforeId
        }
    }

    /// The newest lines matching `filter`, at most `limit`.
    public static func list(_ filter: Filter, limit: Int, in tx: some StoreTransaction) throws -> [AuditRecord] {
        var conditions: [FirebirdQuery] = []
        if let staffId = filter.staffId { conditions.append("STAFF_ID = \(staffId)") }
        if let action = filter.action { conditions.append("ACTION = \(action)") }
        if let kind = filter.objectKind { conditions.append("OBJECT_KIND = \(kind)") }
        if let id = filter.objectId { conditions.append("OBJECT_ID = \(id)") }
        if let before = filter.beforeId { conditions.append("ID < \(before)") }
        return try tx.rows(
            """
            SELECT FIRST (\(max(limit, 0))) ID, ACTED_AT, STAFF_ID, LOGIN, ACTION, OBJECT_KIND, OBJECT_ID, DETAILS, CLIENT_ADDR
              FROM MISLINK_AUDIT \(FirebirdQuery.where(conditions)) ORDER BY ID DESC
            """).map { try $0.decode(AuditRecord.self) }
    }
}
