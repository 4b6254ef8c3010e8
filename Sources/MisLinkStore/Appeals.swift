import Firebird

/// `MISLINK_APPEALS.STATUS` (`MISLINK_APPEALS_STATUS_CK`, V014): an own appeal's status, or the copy of
/// the MIS's.
public enum AppealStatus: String, StoredEnum {
    case open, closed, cancelled
}

/// An appeal's row in `MISLINK_APPEALS` as the intake makes it: an own appeal, or the side row of the
/// MIS's appeal. Text is already cut to its column.
public struct AppealRowValues: Sendable, Hashable {
    public var channel: String
    public var source: String
    public var callId: Int64?
    public var threadId: Int64?
    /// ASCII, 128.
    public var externalId: String?
    /// ASCII, 20.
    public var phoneKey: String?
    /// 150 characters.
    public var contactName: String?
    public var patientOthers: Int16
    /// 200 characters.
    public var patientDisplay: String?
    public var operatorId: Int64?
    public var patientId: Int64?
    /// 40 characters.
    public var contactPhone: String?

    public init(channel: String, source: String, callId: Int64?, threadId: Int64?, externalId: String?, phoneKey: String?,
                contactName: String?, patientOthers: Int16, patientDisplay: String?, operatorId: Int64?, patientId: Int64?,
                contactPhone: String?) {
        self.channel = channel
        self.source = source
        self.callId = callId
        self.threadId = threadId
        self.externalId = externalId
        self.phoneKey = phoneKey
        self.contactName = contactName
        self.patientOthers = patientOthers
        self.patientDisplay = patientDisplay
        self.operatorId = operatorId
        self.patientId = patientId
        self.contactPhone = contactPhone
    }
}

/// An own appeal (`IS_OWN = 1`), read by column name.
public struct OwnAppealRecord: Sendable, Hashable, Decodable {
    public var appealId: Int64
    public var status: AppealStatus
    public var result: String?
    public var operatorId: Int64?
    public var patientId: Int64?
}

/// MisLink's SQL of `MISLINK_APPEALS` (own appeals, and the side rows of the MIS's appeals) and
/// `MISLINK_APPEAL_EVENTS`. Core migration V014 gives own appeals their ids, keeps `CLOSED_AT`, enters
/// closing and cancelling in the chain, and closes one when its chain gets `booked`.
public enum Appeals {
    /// The appeal's row: a new own appeal (`misID` nil: `IS_OWN = 1`, its id from `MISLINK_APPEALS_SEQ` by
    /// trigger) or the side row of the MIS's appeal `misID` (`IS_OWN = 0`; kept if the profile's trigger
    /// made it already). Either way open, with its operator and patient. Returns the appeal's id.
    public static func store(_ row: AppealRowValues, misID: Int64?, in tx: some StoreTransaction) throws -> Int64? {
        let isOwn: Int16 = misID == nil ? 1 : 0
        return try tx.rows(
            """
            UPDATE OR INSERT INTO MISLINK_APPEALS (APPEAL_ID, IS_OWN, STATUS, CHANNEL, SOURCE, CALL_ID, THREAD_ID, EXTERNAL_ID,
                PHONE_KEY, CONTACT_NAME, PATIENT_OTHERS, PATIENT_DISPLAY, LAST_OPERATOR_ID, OPERATOR_ID, PATIENT_ID, CONTACT_PHONE)
            VALUES (\(misID), \(isOwn), 'open', \(row.channel), \(row.source), \(row.callId), \(row.threadId), \(row.externalId),
                \(row.phoneKey), \(row.contactName), \(row.patientOthers), \(row.patientDisplay), \(row.operatorId),
                \(row.operatorId), \(row.patientId), \(row.contactPhone))
            MATCHING (APPEAL_ID)
            RETURNING APPEAL_ID
            """
        ).first?.decode(Int64?.self, column: "APPEAL_ID")
    }

    /// `OPERATOR_ID` of the appeal's row (nil: detached).
    public static func assign(_ appeal: Int64, to operatorId: Int64?, in tx: some StoreTransaction) throws {
        try tx.execute("UPDATE MISLINK_APPEALS SET OPERATOR_ID = \(operatorId) WHERE APPEAL_ID = \(appeal)")
    }

    /// `PATIENT_ID` and `CONTACT_PHONE` (40 characters) of the appeal's row, where it has none yet.
    public static func setPatient(_ appeal: Int64, patientId: Int64, contactPhone: String?, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_APPEALS SET PATIENT_ID = COALESCE(PATIENT_ID, \(patientId)),
                CONTACT_PHONE = COALESCE(CONTACT_PHONE, CAST(\(contactPhone) AS VARCHAR(40) CHARACTER SET UTF8))
             WHERE APPEAL_ID = \(appeal)
            """)
    }

    /// An own appeal; nil when there is none.
    public static func own(_ appeal: Int64, in tx: some StoreTransaction) throws -> OwnAppealRecord? {
        try tx.rows(
            """
            SELECT APPEAL_ID, STATUS, RESULT, OPERATOR_ID, PATIENT_ID
              FROM MISLINK_APPEALS WHERE APPEAL_ID = \(appeal) AND IS_OWN = 1
            """
        ).first?.decode(OwnAppealRecord.self)
    }

    /// Cancels an own open appeal: `reason` (64 characters; when given) becomes its `RESULT`; V014's
    /// triggers set `CLOSED_AT` and enter `cancelled` in the chain.
    public static func cancelOwn(_ appeal: Int64, reason: String?, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_APPEALS SET STATUS = 'cancelled', RESULT = COALESCE(CAST(\(reason) AS VARCHAR(64) CHARACTER SET UTF8), RESULT)
             WHERE APPEAL_ID = \(appeal) AND IS_OWN = 1 AND STATUS = 'open'
            """)
    }

    /// The status and result (64 characters) the MIS gives its appeal, copied to the side row.
    public static func copyOutcome(_ appeal: Int64, status: String, result: String?, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_APPEALS SET STATUS = \(status), RESULT = CAST(\(result) AS VARCHAR(64) CHARACTER SET UTF8)
             WHERE APPEAL_ID = \(appeal) AND IS_OWN = 0 AND STATUS IS DISTINCT FROM \(status)
            """)
    }

    /// MisLink's record of a booking made from the appeal (`BOOKED_SCHEDULE_ID`).
    public static func recordBooking(_ appeal: Int64, visit: Int64, in tx: some StoreTransaction) throws {
        try tx.execute("UPDATE MISLINK_APPEALS SET BOOKED_SCHEDULE_ID = \(visit) WHERE APPEAL_ID = \(appeal)")
    }

    /// Enters `booked` in the appeal's chain (`MISLINK_APPEAL_EVENTS`, by `system`), which closes an own
    /// open appeal (V014).
    public static func enterBooked(_ appeal: Int64, visit: Int64, in tx: some StoreTransaction) throws {
        try tx.execute(
            "INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, SCHEDULE_ID) VALUES (\(appeal), 'booked', 'system', \(visit))")
    }
}
