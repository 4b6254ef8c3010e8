import Firebird
import Foundation

/// An incoming-call card as the operator console shows it (`MISLINK_CALL_CARDS` with its call's state),
/// read by column name. Times are UTC but ``lastVisitLocal``.
public struct ConsoleCardRecord: Sendable, Hashable, Decodable {
    public var id: Int64
    public var callId: Int64
    public var staffId: Int64
    /// `MISLINK_CALL_CARDS.STATE`: `shown`, `answered_here`, `answered_elsewhere`, `closed`.
    public var state: String
    /// `in`, `out`, `internal`.
    public var direction: String
    public var phoneNumber: String?
    public var phoneKey: String?
    public var patientId: Int64?
    public var patientOthers: Int
    /// "Иванова А. П. (и ещё 2 пациента)".
    public var patientDisplay: String?
    public var patientBirthDate: FirebirdDate?
    /// The best match's last visit in clinic wall-clock time (the card keeps it in UTC by
    /// `clinic.utc_offset_minutes`; the same offset brings it back).
    public var lastVisitLocal: FirebirdTimestamp?
    public var lastServiceName: String?
    public var appealId: Int64?
    public var shownAt: Date
    public var answeredAt: Date?
    public var closedAt: Date?
    public var updatedAt: Date
    /// The call's `STATE` (`ended` once the PBX's summary came, or the sweeper closed it).
    public var callState: String
    public var callEndedAt: Date?
    /// The call's appeal (the card's own is only the answering operator's).
    public var callAppealId: Int64?

    /// Whether the card is on the operator's screen: shown or answered here, its leg not ended, its call
    /// not ended.
    public var isOpen: Bool {
        ["shown", "answered_here"].contains(state) && closedAt == nil && callState != "ended"
    }
}

/// What tells that an open card changed: every write of a card sets its `UPDATED_AT`, and the rest of
/// what the console shows of it comes from its call's `STATE` and `APPEAL_ID`.
public struct OpenCardVersion: Sendable, Hashable, Decodable {
    public var id: Int64
    public var updatedAt: Date
    public var callState: String
    public var callAppealId: Int64?

    /// The version of a card as read whole.
    public init(_ record: ConsoleCardRecord) {
        id = record.id
        updatedAt = record.updatedAt
        callState = record.callState
        callAppealId = record.callAppealId
    }
}

/// The operator console's SQL of `MISLINK_CALL_CARDS` (the intake writes the cards: `CallCards`).
///
/// A card is **open** (on the operator's screen) while it is shown or answered here, its `CLOSED_AT` is
/// empty (the operator's leg has not ended, nor was the card dismissed) and its call has not ended. The
/// open set is found by `MISLINK_CALL_CARDS_CLOSED_IX` (V018): cards leave it for good, so it stays small.
public enum Cards {
    private static let columns: FirebirdQuery = """
        K.ID, K.CALL_ID, K.STAFF_ID, K.STATE, K.DIRECTION, K.PHONE_NUMBER, K.PHONE_KEY, K.PATIENT_ID, K.PATIENT_OTHERS,
        K.PATIENT_DISPLAY, K.PATIENT_BIRTH_DATE,
        DATEADD(MINUTE, COALESCE((SELECT CAST(S.VAL AS INTEGER) FROM MISLINK_SETTINGS S
            WHERE S.NAME = 'clinic.utc_offset_minutes'), 0), K.LAST_VISIT_AT) AS LAST_VISIT_LOCAL,
        K.LAST_SERVICE_NAME, K.APPEAL_ID, K.SHOWN_AT, K.ANSWERED_AT, K.CLOSED_AT, K.UPDATED_AT,
        C.STATE AS CALL_STATE, C.ENDED_AT AS CALL_ENDED_AT, C.APPEAL_ID AS CALL_APPEAL_ID
        """

    /// An open card `K` of call `C`.
    private static let openCard: FirebirdQuery = "K.CLOSED_AT IS NULL AND K.STATE IN ('shown', 'answered_here') AND C.STATE <> 'ended'"

    /// The open cards of employee `staff` (nil: of everyone), oldest first.
    public static func open(staff: Int64?, in tx: some StoreTransaction) throws -> [ConsoleCardRecord] {
        let whose: FirebirdQuery = staff.map { "AND K.STAFF_ID = \($0)" } ?? ""
        return try tx.rows(
            """
            SELECT \(columns) FROM MISLINK_CALL_CARDS K JOIN MISLINK_CALLS C ON C.ID = K.CALL_ID
             WHERE \(openCard) \(whose)
             ORDER BY K.SHOWN_AT, K.ID
            """
        ).map { try $0.decode(ConsoleCardRecord.self) }
    }

    /// The version of every open card (``OpenCardVersion``): four columns a card, so that a reader that
    /// keeps the open set reads whole only the cards that changed.
    public static func openVersions(in tx: some StoreTransaction) throws -> [OpenCardVersion] {
        try tx.rows(
            """
            SELECT K.ID, K.UPDATED_AT, C.STATE AS CALL_STATE, C.APPEAL_ID AS CALL_APPEAL_ID
              FROM MISLINK_CALL_CARDS K JOIN MISLINK_CALLS C ON C.ID = K.CALL_ID
             WHERE \(openCard)
            """
        ).map { try $0.decode(OpenCardVersion.self) }
    }

    /// The cards with these ids (at most 1000; those that no longer exist are missing).
    public static func cards(ids: [Int64], in tx: some StoreTransaction) throws -> [ConsoleCardRecord] {
        var found: [ConsoleCardRecord] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            found += try tx.rows(
                "SELECT \(columns) FROM MISLINK_CALL_CARDS K JOIN MISLINK_CALLS C ON C.ID = K.CALL_ID WHERE K.ID IN (\(FirebirdQuery.list(chunk)))"
            ).map { try $0.decode(ConsoleCardRecord.self) }
        }
        return found
    }

    /// One card; nil when there is none.
    public static func card(_ id: Int64, in tx: some StoreTransaction) throws -> ConsoleCardRecord? {
        try cards(ids: [id], in: tx).first
    }

    /// The operator takes the card off the screen: its `CLOSED_AT` becomes now (on the database's clock)
    /// unless its leg already ended, and a shown card becomes `closed`. The intake's later recomputing
    /// keeps it so (a card with `CLOSED_AT` is closed, or answered elsewhere when a colleague answered
    /// before). Returns false when there is no such card.
    public static func dismiss(_ id: Int64, in tx: some StoreTransaction) throws -> Bool {
        try tx.execute(
            """
            UPDATE MISLINK_CALL_CARDS SET CLOSED_AT = COALESCE(CLOSED_AT, MISLINK_UTC_NOW()),
                STATE = IIF(STATE = 'shown', 'closed', STATE), UPDATED_AT = MISLINK_UTC_NOW()
             WHERE ID = \(id)
            """) == 1
    }

    /// The patient the operator chose, on every card of the call: who it shows, that patient's birth date,
    /// and their last visit (`lastVisitAt` clinic wall-clock time, stored in UTC by
    /// `clinic.utc_offset_minutes`; `display` at most 200 characters, `service` 255).
    public static func showPatient(
        call: Int64, patient: Int64, display: String?, birthDate: FirebirdDate?, lastVisitId: Int64?,
        lastVisitAt: FirebirdTimestamp?, service: String?, in tx: some StoreTransaction
    ) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALL_CARDS SET PATIENT_ID = \(patient), PATIENT_DISPLAY = \(display), PATIENT_BIRTH_DATE = \(birthDate),
                LAST_VISIT_ID = \(lastVisitId),
                LAST_VISIT_AT = DATEADD(MINUTE, -COALESCE((SELECT CAST(S.VAL AS INTEGER) FROM MISLINK_SETTINGS S
                    WHERE S.NAME = 'clinic.utc_offset_minutes'), 0), CAST(\(lastVisitAt) AS TIMESTAMP)),
                LAST_SERVICE_NAME = \(service), UPDATED_AT = MISLINK_UTC_NOW()
             WHERE CALL_ID = \(call)
            """)
    }
}
