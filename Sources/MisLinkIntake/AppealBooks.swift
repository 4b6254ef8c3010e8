import Firebird

/// The MIS's own appeals (`"appeals": true`): every change goes through the profile's `appeal_*`
/// statements, and MisLink's side row (`MISLINK_APPEALS`, `IS_OWN = 0`) follows what MisLink changed, so
/// that its lists read the operator, the patient and the status from one table whatever the MIS. (Changes
/// the MIS makes on its own reach the side row through the profile's trigger on its appeals table.)
public struct MISAppealBook: AppealBook {
    public init() {}

    public var isOwn: Bool { false }

    public func create(_ appeal: NewAppeal, in database: some AppealDatabase) throws -> Int64 {
        let rows = try database.misRows("appeal_create", [
            "channel": .text(appeal.channel), "direction": .text(appeal.direction),
            "patient_id": appeal.patientID.map { .bigint($0) } ?? .null,
            "operator_id": appeal.operatorID.map { .bigint($0) } ?? .null,
            "contact_phone": .win1251(appeal.contactPhone, limit: 64), "contact_name": .win1251(appeal.misContactName, limit: 150),
        ])
        guard let id = try rows.first.flatMap({ try ApplyContext.misID($0, "APPEAL_ID", statement: "appeal_create") }) else {
            throw ApplyError("appeal_create gave no APPEAL_ID")
        }
        _ = try AppealRows.store(appeal, misID: id, in: database)
        return id
    }

    public func assign(_ appeal: Int64, to operatorID: Int64?, in database: some AppealDatabase) throws {
        _ = try database.misRows("appeal_assign", ["appeal_id": .bigint(appeal), "operator_id": operatorID.map { .bigint($0) } ?? .null])
        try AppealRows.assign(appeal, to: operatorID, in: database)
    }

    public func setPatient(_ appeal: Int64, patientID: Int64, contactPhone: String?, in database: some AppealDatabase) throws {
        _ = try database.misRows("appeal_set_patient", [
            "appeal_id": .bigint(appeal), "patient_id": .bigint(patientID), "contact_phone": .win1251(contactPhone, limit: 64),
        ])
        try AppealRows.setPatient(appeal, patientID: patientID, contactPhone: contactPhone, in: database)
    }

    public func get(_ appeal: Int64, in database: some AppealDatabase) throws -> Appeal? {
        try database.misRows("appeal_get", ["appeal_id": .bigint(appeal)]).first.map { try Appeal(row: $0, statement: "appeal_get") }
    }

    public func cancel(_ appeal: Int64, reason: String?, in database: some AppealDatabase) throws {
        _ = try database.misRows("appeal_cancel", ["appeal_id": .bigint(appeal), "reason": .win1251(reason, limit: 32)])
        if let after = try get(appeal, in: database) { try AppealRows.copyOutcome(after, in: database) }
    }
}

/// MisLink's own appeals (`"appeals": false`): `MISLINK_APPEALS` rows with `IS_OWN = 1` are the appeals
/// (core migration V014 gives them ids, keeps `CLOSED_AT`, enters closing and cancelling in the chain, and
/// closes one when its chain gets `booked`).
public struct OwnAppealBook: AppealBook {
    public init() {}

    public var isOwn: Bool { true }

    public func create(_ appeal: NewAppeal, in database: some AppealDatabase) throws -> Int64 {
        try AppealRows.store(appeal, misID: nil, in: database)
    }

    public func assign(_ appeal: Int64, to operatorID: Int64?, in database: some AppealDatabase) throws {
        try AppealRows.assign(appeal, to: operatorID, in: database)
    }

    public func setPatient(_ appeal: Int64, patientID: Int64, contactPhone: String?, in database: some AppealDatabase) throws {
        try AppealRows.setPatient(appeal, patientID: patientID, contactPhone: contactPhone, in: database)
    }

    public func get(_ appeal: Int64, in database: some AppealDatabase) throws -> Appeal? {
        try AppealRows.read(appeal, in: database)
    }

    public func cancel(_ appeal: Int64, reason: String?, in database: some AppealDatabase) throws {
        try AppealRows.cancel(appeal, reason: reason, in: database)
    }
}

/// MisLink's own statements on `MISLINK_APPEALS` for the appeal books, one function each (they move to the
/// store with the rest of MisLink's own SQL).
enum AppealRows {
    /// The appeal's row: a new own appeal (`misID` nil: `IS_OWN = 1`, its id from `MISLINK_APPEALS_SEQ` by
    /// trigger) or the side row of the MIS's appeal `misID` (`IS_OWN = 0`; kept if the profile's trigger
    /// made it already). Either way open, with its operator and patient. Returns the appeal's id.
    static func store(_ appeal: NewAppeal, misID: Int64?, in database: some AppealDatabase) throws -> Int64 {
        let rows = try database.ownRows(
            """
            UPDATE OR INSERT INTO MISLINK_APPEALS (APPEAL_ID, IS_OWN, STATUS, CHANNEL, SOURCE, CALL_ID, THREAD_ID, EXTERNAL_ID,
                PHONE_KEY, CONTACT_NAME, PATIENT_OTHERS, PATIENT_DISPLAY, LAST_OPERATOR_ID, OPERATOR_ID, PATIENT_ID, CONTACT_PHONE)
            VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            MATCHING (APPEAL_ID)
            RETURNING APPEAL_ID
            """,
            [misID.map { .bigint($0) } ?? .null, .smallint(misID == nil ? 1 : 0), .text(appeal.channel), .text(appeal.source),
             appeal.callID.map { .bigint($0) } ?? .null, appeal.threadID.map { .bigint($0) } ?? .null,
             .ascii(appeal.externalID, limit: 128), .ascii(appeal.phoneKey, limit: 20), .text(appeal.contactName, limit: 150),
             .smallint(Int16(clamping: appeal.patientOthers)), .text(appeal.patientDisplay, limit: 200),
             appeal.operatorID.map { .bigint($0) } ?? .null, appeal.operatorID.map { .bigint($0) } ?? .null,
             appeal.patientID.map { .bigint($0) } ?? .null, .text(appeal.contactPhone, limit: 40)])
        guard let id = try rows.first.flatMap({ try ApplyContext.misID($0, "APPEAL_ID", statement: "MISLINK_APPEALS") }) else {
            throw ApplyError("UPDATE OR INSERT INTO MISLINK_APPEALS … RETURNING APPEAL_ID gave no id")
        }
        return id
    }

    /// `OPERATOR_ID` of the appeal's row (nil: detached).
    static func assign(_ appeal: Int64, to operatorID: Int64?, in database: some AppealDatabase) throws {
        _ = try database.ownRows("UPDATE MISLINK_APPEALS SET OPERATOR_ID = ? WHERE APPEAL_ID = ?",
                                 [operatorID.map { .bigint($0) } ?? .null, .bigint(appeal)])
    }

    /// `PATIENT_ID` and `CONTACT_PHONE` of the appeal's row, where it has none yet.
    static func setPatient(_ appeal: Int64, patientID: Int64, contactPhone: String?, in database: some AppealDatabase) throws {
        _ = try database.ownRows(
            """
            UPDATE MISLINK_APPEALS SET PATIENT_ID = COALESCE(PATIENT_ID, ?),
                CONTACT_PHONE = COALESCE(CONTACT_PHONE, CAST(? AS VARCHAR(40) CHARACTER SET UTF8))
             WHERE APPEAL_ID = ?
            """,
            [.bigint(patientID), .text(contactPhone, limit: 40), .bigint(appeal)])
    }

    /// An own appeal, with the contract's aliases; nil when there is none.
    static func read(_ appeal: Int64, in database: some AppealDatabase) throws -> Appeal? {
        try database.ownRows(
            """
            SELECT APPEAL_ID AS APPEAL_ID, STATUS AS STATUS, RESULT AS RESULT, OPERATOR_ID AS OPERATOR_ID, PATIENT_ID AS PATIENT_ID
              FROM MISLINK_APPEALS WHERE APPEAL_ID = ? AND IS_OWN = 1
            """, [.bigint(appeal)]).first.map { try Appeal(row: $0, statement: "MISLINK_APPEALS") }
    }

    /// Cancels an own open appeal: `reason` (when given) becomes its `RESULT`; V014's triggers set
    /// `CLOSED_AT` and enter `cancelled` in the chain.
    static func cancel(_ appeal: Int64, reason: String?, in database: some AppealDatabase) throws {
        _ = try database.ownRows(
            """
            UPDATE MISLINK_APPEALS SET STATUS = 'cancelled', RESULT = COALESCE(CAST(? AS VARCHAR(64) CHARACTER SET UTF8), RESULT)
             WHERE APPEAL_ID = ? AND IS_OWN = 1 AND STATUS = 'open'
            """,
            [.text(reason, limit: 64), .bigint(appeal)])
    }

    /// The status and result the MIS gives its appeal, copied to the side row (after MisLink cancelled it).
    static func copyOutcome(_ appeal: Appeal, in database: some AppealDatabase) throws {
        _ = try database.ownRows(
            """
            UPDATE MISLINK_APPEALS SET STATUS = ?, RESULT = CAST(? AS VARCHAR(64) CHARACTER SET UTF8)
             WHERE APPEAL_ID = ? AND IS_OWN = 0 AND STATUS IS DISTINCT FROM ?
            """,
            [.text(appeal.status), .text(appeal.result, limit: 64), .bigint(appeal.id), .text(appeal.status)])
    }
}
