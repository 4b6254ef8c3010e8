import Firebird

/// `MISLINK_APPEAL_EVENTS.EVENT_TYPE` the intake enters for calls.
public enum AppealEventType: String, StoredEnum {
    case created, assigned, transferred, released, reopened
    case patientSet = "patient_set"
    case call, message, comment, booked
    case bookingMoved = "booking_moved"
    case bookingCancelled = "booking_cancelled"
    case cancelled, closed
}

/// A call's appeal with the event that created it (who, when), read by column name.
public struct CallAppeal: Sendable, Hashable, Decodable {
    public var appealId: Int64
    /// The `created` event, if the chain has one.
    public var createdEventId: Int64?
    public var createdBy: Int64?
    public var createdAt: FirebirdTimestamp?
}

/// The intake's SQL of an appeal's chain (`MISLINK_APPEAL_EVENTS`) and of the appeal a call made.
extension Appeals {
    /// The appeal call `call` made, with its `created` event; nil when it made none.
    public static func ofCall(_ call: Int64, in tx: some StoreTransaction) throws -> CallAppeal? {
        try tx.rows(
            """
            SELECT A.APPEAL_ID, E.ID AS CREATED_EVENT_ID, E.STAFF_ID AS CREATED_BY, E.EVENT_AT AS CREATED_AT
              FROM MISLINK_APPEALS A
              LEFT JOIN MISLINK_APPEAL_EVENTS E ON E.APPEAL_ID = A.APPEAL_ID AND E.EVENT_TYPE = 'created'
             WHERE A.CALL_ID = \(call)
            """
        ).first?.decode(CallAppeal.self)
    }

    /// The operator the appeal was last with (`LAST_OPERATOR_ID`).
    public static func setLastOperator(_ appeal: Int64, staff: Int64, now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        try tx.execute("UPDATE MISLINK_APPEALS SET LAST_OPERATOR_ID = \(staff), UPDATED_AT = \(now) WHERE APPEAL_ID = \(appeal)")
    }

    /// An appeal's event by the system for a call, at `at` (else now): `staff` acted; a transfer is from
    /// `from` to `staff`.
    public static func addCallEvent(_ appeal: Int64, _ type: AppealEventType, staff: Int64, from: Int64?, call: Int64,
                                    at: FirebirdTimestamp?, now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        let to: Int64? = type == .transferred ? staff : nil
        try tx.execute(
            """
            INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, FROM_STAFF_ID, TO_STAFF_ID, CALL_ID,
                EVENT_AT, CREATED_AT)
            VALUES (\(appeal), \(type), 'system', \(staff), \(from), \(to), \(call),
                COALESCE(CAST(\(at) AS TIMESTAMP), CAST(\(now) AS TIMESTAMP)), \(now))
            """)
    }

    /// The `created` event `event` moves to `staff` at `at` (a connection from before it, delivered late).
    public static func moveCreation(event: Int64, to staff: Int64, at: FirebirdTimestamp?, in tx: some StoreTransaction) throws {
        try tx.execute("UPDATE MISLINK_APPEAL_EVENTS SET STAFF_ID = \(staff), EVENT_AT = \(at) WHERE ID = \(event)")
    }
}

/// Who acted in an appeal's event (`MISLINK_APPEAL_EVENTS.ACTOR`).
public enum AppealActor: String, StoredEnum {
    case `operator`, client, system, mis
}

/// What MisLink keeps beside an appeal while its thread moves between operators, read by column name.
public struct AppealSide: Sendable, Hashable, Decodable {
    /// 1 while the appeal waits for its thread to reach an operator again.
    public var isDetached: Int
    public var lastOperatorId: Int64?
}

/// The intake's SQL of a chat thread's appeal.
extension Appeals {
    /// The appeal's side (detached, last operator); nil when it has no row.
    public static func side(_ appeal: Int64, in tx: some StoreTransaction) throws -> AppealSide? {
        try tx.rows("SELECT IS_DETACHED, LAST_OPERATOR_ID FROM MISLINK_APPEALS WHERE APPEAL_ID = \(appeal)").first?
            .decode(AppealSide.self)
    }

    /// Detaches (`IS_DETACHED = 1`) or attaches the appeal; `lastOperator`, when given, becomes its last operator.
    public static func setDetached(_ appeal: Int64, _ detached: Bool, lastOperator: Int64?, now: FirebirdTimestamp,
                                   in tx: some StoreTransaction) throws {
        let flag: Int16 = detached ? 1 : 0
        try tx.execute(
            """
            UPDATE MISLINK_APPEALS SET IS_DETACHED = \(flag), LAST_OPERATOR_ID = COALESCE(\(lastOperator), LAST_OPERATOR_ID),
                UPDATED_AT = \(now) WHERE APPEAL_ID = \(appeal)
            """)
    }

    /// Who the appeal's client is, once a phone becomes known (display 200 characters).
    public static func setIdentification(_ appeal: Int64, phoneKey: String?, patientOthers: Int16, patientDisplay: String?,
                                         now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_APPEALS SET PHONE_KEY = \(phoneKey), PATIENT_OTHERS = \(patientOthers), PATIENT_DISPLAY = \(patientDisplay),
                UPDATED_AT = \(now) WHERE APPEAL_ID = \(appeal)
            """)
    }

    /// An appeal's event for a chat thread, at `at` (else now); `detail` is cut to 1000 characters by the caller.
    public static func addThreadEvent(
        _ appeal: Int64, _ type: AppealEventType, actor: AppealActor, staff: Int64?, from: Int64?, to: Int64?, thread: Int64,
        detail: String?, at: FirebirdTimestamp?, now: FirebirdTimestamp, in tx: some StoreTransaction
    ) throws {
        try tx.execute(
            """
            INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, FROM_STAFF_ID, TO_STAFF_ID, THREAD_ID,
                DETAIL, EVENT_AT, CREATED_AT)
            VALUES (\(appeal), \(type), \(actor), \(staff), \(from), \(to), \(thread), \(detail), \(at ?? now), \(now))
            """)
    }
}
