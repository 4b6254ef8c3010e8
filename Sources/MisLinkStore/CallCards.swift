import Firebird

/// `MISLINK_CALL_CARDS.STATE`: what an operator's incoming-call card shows.
public enum CallCardState: String, StoredEnum {
    /// The operator's phone rings.
    case shown
    case answeredHere = "answered_here"
    /// A colleague connected while it was shown (withdrawn).
    case answeredElsewhere = "answered_elsewhere"
    case closed
}

/// A card as its first event writes it: who is calling, as the MIS profile identified them. Text is
/// already cut to its column.
public struct NewCallCard: Sendable, Hashable {
    public var legId: Int64?
    public var staffId: Int64
    /// ASCII, 16.
    public var sipExtension: String?
    /// ASCII, 128.
    public var phoneNumber: String?
    /// ASCII, 20.
    public var phoneKey: String?
    public var patientId: Int64?
    public var patientOthers: Int16
    /// 200 characters.
    public var patientDisplay: String?
    public var patientBirthDate: String?
    public var lastVisitId: Int64?
    /// Clinic wall-clock time as text; stored in UTC by `clinic.utc_offset_minutes`.
    public var lastVisitAt: String?
    /// 255 characters.
    public var lastServiceName: String?

    public init(legId: Int64?, staffId: Int64, sipExtension: String?, phoneNumber: String?, phoneKey: String?,
                patientId: Int64?, patientOthers: Int16, patientDisplay: String?, patientBirthDate: String?,
                lastVisitId: Int64?, lastVisitAt: String?, lastServiceName: String?) {
        self.legId = legId
        self.staffId = staffId
        self.sipExtension = sipExtension
        self.phoneNumber = phoneNumber
        self.phoneKey = phoneKey
        self.patientId = patientId
        self.patientOthers = patientOthers
        self.patientDisplay = patientDisplay
        self.patientBirthDate = patientBirthDate
        self.lastVisitId = lastVisitId
        self.lastVisitAt = lastVisitAt
        self.lastServiceName = lastServiceName
    }
}

/// The intake's SQL of `MISLINK_CALL_CARDS` (one card per call and operator). A card's times only move
/// earlier, and its state is recomputed from the times of every card of the call, so duplicates and
/// reordering give the same rows.
public enum CallCards {
    /// The operator's card for an inbound call, shown at `shownAt` (or moved earlier); returns its id.
    public static func show(_ card: NewCallCard, call: Int64, shownAt: FirebirdTimestamp?, now: FirebirdTimestamp,
                            in tx: some StoreTransaction) throws -> Int64? {
        try tx.rows(
            """
            MERGE INTO MISLINK_CALL_CARDS C
            USING RDB$DATABASE ON C.CALL_ID = \(call) AND C.STAFF_ID = \(card.staffId)
            WHEN MATCHED THEN UPDATE SET SHOWN_AT = CASE WHEN C.SHOWN_AT > \(shownAt) THEN \(shownAt) ELSE C.SHOWN_AT END,
                LEG_ID = COALESCE(C.LEG_ID, \(card.legId)), UPDATED_AT = \(now)
            WHEN NOT MATCHED THEN INSERT (CALL_ID, LEG_ID, STAFF_ID, SIP_EXTENSION, STATE, DIRECTION,
                PHONE_NUMBER, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_DISPLAY, PATIENT_BIRTH_DATE,
                LAST_VISIT_ID, LAST_VISIT_AT, LAST_SERVICE_NAME, SHOWN_AT, UPDATED_AT)
            VALUES (\(call), \(card.legId), \(card.staffId), \(card.sipExtension), 'shown', 'in', \(card.phoneNumber),
                \(card.phoneKey), \(card.patientId), \(card.patientOthers), \(card.patientDisplay), \(card.patientBirthDate),
                \(card.lastVisitId),
                DATEADD(MINUTE, -COALESCE((SELECT CAST(S.VAL AS INTEGER) FROM MISLINK_SETTINGS S
                    WHERE S.NAME = 'clinic.utc_offset_minutes'), 0), CAST(\(card.lastVisitAt) AS TIMESTAMP)),
                \(card.lastServiceName), \(shownAt), \(now))
            RETURNING C.ID
            """
        ).first?.decode(Int64?.self, column: "ID")
    }

    /// A known card's `SHOWN_AT` moves earlier, if `at` is.
    public static func shownEarlier(call: Int64, staff: Int64, at: FirebirdTimestamp?, now: FirebirdTimestamp,
                                    in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALL_CARDS SET SHOWN_AT = \(at), UPDATED_AT = \(now)
             WHERE CALL_ID = \(call) AND STAFF_ID = \(staff) AND SHOWN_AT > \(at)
            """)
    }

    /// A time of a card that only moves earlier.
    public enum Moment: String, Sendable {
        /// `ANSWERED_AT`: the operator's leg connected.
        case answered = "ANSWERED_AT"
        /// `CLOSED_AT`: the operator's leg ended.
        case closed = "CLOSED_AT"
    }

    /// The operator's card reached `moment` at `at`; the earliest time stays (a later time writes nothing).
    /// The state it takes is written in the same statement (answered here; closed while still shown), so
    /// that ``recompute(call:now:in:)`` after it usually has nothing left to write: a row written twice in
    /// one transaction costs Firebird several times a first write. For the same reason `appeal`, the
    /// appeal just created for the answer, is written in it too (the row is then written even when the
    /// time stays, unless it shows that appeal already). Defaults to nil: `APPEAL_ID` stays.
    public static func record(_ moment: Moment, call: Int64, staff: Int64, at: FirebirdTimestamp?, appeal: Int64? = nil,
                              now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        let column = moment.rawValue
        let state = moment == .answered ? "'answered_here'" : "CASE WHEN STATE = 'shown' AND ANSWERED_AT IS NULL THEN 'closed' ELSE STATE END"
        let earlier: FirebirdQuery =
            "CAST(\(at) AS TIMESTAMP) IS NOT NULL AND (\(unescaped: column) IS NULL OR \(unescaped: column) > \(at))"
        guard let appeal else {
            try tx.execute(
                """
                UPDATE MISLINK_CALL_CARDS SET \(unescaped: column) = \(at), STATE = \(unescaped: state), UPDATED_AT = \(now)
                WHERE CALL_ID = \(call) AND STAFF_ID = \(staff) AND \(earlier)
                """)
            return
        }
        try tx.execute(
            """
            UPDATE MISLINK_CALL_CARDS SET
                \(unescaped: column) = CASE WHEN \(earlier) THEN \(at) ELSE \(unescaped: column) END,
                STATE = CASE WHEN \(earlier) THEN \(unescaped: state) ELSE STATE END,
                APPEAL_ID = \(appeal), UPDATED_AT = \(now)
            WHERE CALL_ID = \(call) AND STAFF_ID = \(staff) AND ((\(earlier)) OR APPEAL_ID IS DISTINCT FROM \(appeal))
            """)
    }

    /// The call ended at `endedAt` (else now): every card neither answered nor closed is closed.
    public static func closeUnanswered(call: Int64, endedAt: FirebirdTimestamp?, now: FirebirdTimestamp,
                                       in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALL_CARDS SET CLOSED_AT = COALESCE(CAST(\(endedAt) AS TIMESTAMP), CAST(\(now) AS TIMESTAMP)), UPDATED_AT = \(now)
            WHERE CALL_ID = \(call) AND CLOSED_AT IS NULL AND ANSWERED_AT IS NULL
            """)
    }

    /// Every card of the call from its times: answered here when its operator connected; answered
    /// elsewhere when a colleague connected while it was shown; closed once its leg or the call ended.
    public static func recompute(call: Int64, now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        // Only the cards whose state changes are written (a write would post MISLINK_CARD for nothing).
        let state: FirebirdQuery = """
            TRIM(CASE
                WHEN K.ANSWERED_AT IS NOT NULL THEN 'answered_here'
                WHEN EXISTS (SELECT 1 FROM MISLINK_CALL_CARDS O WHERE O.CALL_ID = K.CALL_ID AND O.STAFF_ID <> K.STAFF_ID
                    AND O.ANSWERED_AT >= K.SHOWN_AT AND (K.CLOSED_AT IS NULL OR O.ANSWERED_AT <= K.CLOSED_AT)) THEN 'answered_elsewhere'
                WHEN K.CLOSED_AT IS NOT NULL THEN 'closed'
                ELSE 'shown' END)
            """
        try tx.execute("UPDATE MISLINK_CALL_CARDS K SET STATE = \(state), UPDATED_AT = \(now) WHERE K.CALL_ID = \(call) AND K.STATE <> \(state)")
    }

    /// The operator's card of the call shows its appeal.
    public static func setAppeal(_ appeal: Int64, call: Int64, staff: Int64, now: FirebirdTimestamp,
                                 in tx: some StoreTransaction) throws {
        try tx.execute(
            "UPDATE MISLINK_CALL_CARDS SET APPEAL_ID = \(appeal), UPDATED_AT = \(now) WHERE CALL_ID = \(call) AND STAFF_ID = \(staff)")
    }
}
