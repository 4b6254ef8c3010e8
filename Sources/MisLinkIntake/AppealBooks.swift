import Firebird
import MisLinkStore

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

/// The appeal books' calls into the store's ``Appeals`` (`MISLINK_APPEALS`), with the intake's text cut to
/// the columns.
enum AppealRows {
    /// The appeal's row (see ``Appeals/store(_:misID:in:)``); returns the appeal's id.
    static func store(_ appeal: NewAppeal, misID: Int64?, in database: some AppealDatabase) throws -> Int64 {
        let row = AppealRowValues(
            channel: appeal.channel, source: appeal.source, callId: appeal.callID, threadId: appeal.threadID,
            externalId: FirebirdValue.ascii(appeal.externalID, limit: 128).stringValue,
            phoneKey: FirebirdValue.ascii(appeal.phoneKey, limit: 20).stringValue,
            contactName: FirebirdValue.text(appeal.contactName, limit: 150).stringValue,
            patientOthers: Int16(clamping: appeal.patientOthers),
            patientDisplay: FirebirdValue.text(appeal.patientDisplay, limit: 200).stringValue,
            operatorId: appeal.operatorID, patientId: appeal.patientID,
            contactPhone: FirebirdValue.text(appeal.contactPhone, limit: 40).stringValue)
        guard let id = try Appeals.store(row, misID: misID, in: database) else {
            throw ApplyError("UPDATE OR INSERT INTO MISLINK_APPEALS … RETURNING APPEAL_ID gave no id")
        }
        return id
    }

    static func assign(_ appeal: Int64, to operatorID: Int64?, in database: some AppealDatabase) throws {
        try Appeals.assign(appeal, to: operatorID, in: database)
    }

    static func setPatient(_ appeal: Int64, patientID: Int64, contactPhone: String?, in database: some AppealDatabase) throws {
        try Appeals.setPatient(
            appeal, patientId: patientID, contactPhone: FirebirdValue.text(contactPhone, limit: 40).stringValue, in: database)
    }

    static func read(_ appeal: Int64, in database: some AppealDatabase) throws -> Appeal? {
        try Appeals.own(appeal, in: database).map(Appeal.init(own:))
    }

    static func cancel(_ appeal: Int64, reason: String?, in database: some AppealDatabase) throws {
        try Appeals.cancelOwn(appeal, reason: FirebirdValue.text(reason, limit: 64).stringValue, in: database)
    }

    /// The status and result the MIS gives its appeal, copied to the side row (after MisLink cancelled it).
    static func copyOutcome(_ appeal: Appeal, in database: some AppealDatabase) throws {
        try Appeals.copyOutcome(
            appeal.id, status: appeal.status, result: FirebirdValue.text(appeal.result, limit: 64).stringValue, in: database)
    }
}
