import Firebird
import MisLinkExternalAPIs
import MisLinkPatients

/// The incoming-call card and the operators of a call.
///
/// - **Ringing** (`Appeared` of an inbound leg to an extension): the card for that operator is written
///   (phone, patient, "and N more", last visit and service) in the batch's transaction; its trigger
///   posts `MISLINK_CARD_<staff id>` at commit, so the MIS screen shows it while the phone rings.
/// - **Answered** (`Connected`): that operator's card becomes `answered_here` and every other card
///   still shown for the call `answered_elsewhere` (withdrawn); the operator is credited on the call
///   (`OPERATOR_ID`, the last one to talk after transfers; `ANSWERED_BY_ID`, the first); and earlier
///   missed calls from the same number are marked called back.
/// - **Leg ended** unanswered: its card is closed. The summary closes whatever is still shown and, for
///   a missed call, names the first operator who missed it as responsible (reference A.7, pitfall 7).
extension CallLogApplier {
    /// The operator of a leg: the extension it rang for an inbound or internal call, the extension that
    /// dialled for an outbound one.
    func operatorOfLeg(_ event: MangoCallEvent, callID: Int64, in context: ApplyContext) throws -> Int32? {
        if let staff = try context.lookups.staffID(party: event.to, in: context) { return staff }
        return try context.lookups.staffID(party: event.from, in: context)
    }

    /// Cards and operators after a leg's state was applied.
    func followCards(callID: Int64, legID: Int64?, staff: Int32?, event: MangoCallEvent, at: FirebirdValue,
                     in context: ApplyContext) throws {
        let facts = try context.lookups.facts(of: callID, in: context)
        switch event.callState {
        case .appeared:
            guard facts.direction == "in", let staff, let ext = context.lookups.directory.extensionNumber(of: event.to) else { return }
            var who = facts.identification
            if who == nil, facts.phoneNumber != nil {
                who = context.lookups.identify(facts.phoneNumber, attachment: context.attachment)
                var remembered = facts
                remembered.identification = who
                context.lookups.remember(callID, remembered)
            }
            let patient = who?.ownNumber == true ? nil : who?.patient
            try context.execute(
                """
                UPDATE OR INSERT INTO MISLINK_CALL_CARDS (CALL_ID, LEG_ID, STAFF_ID, SIP_EXTENSION, STATE, DIRECTION,
                    PHONE_NUMBER, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_DISPLAY, PATIENT_BIRTH_DATE,
                    LAST_VISIT_ID, LAST_VISIT_AT, LAST_SERVICE_NAME, SHOWN_AT, ANSWERED_AT, CLOSED_AT, UPDATED_AT)
                VALUES (?, ?, ?, ?, 'shown', 'in', ?, ?, ?, ?, ?, ?, ?,
                    DATEADD(MINUTE, -COALESCE((SELECT CAST(S.VAL AS INTEGER) FROM MISLINK_SETTINGS S
                        WHERE S.NAME = 'clinic.utc_offset_minutes'), 0), CAST(? AS TIMESTAMP)),
                    ?, ?, NULL, NULL, ?)
                MATCHING (CALL_ID, STAFF_ID)
                """,
                [.bigint(callID), legID.map { .bigint($0) } ?? .null, .integer(staff), .ascii(ext, limit: 16),
                 .ascii(facts.phoneNumber, limit: 128), .ascii(who?.phoneKey, limit: 20),
                 patient.map { .integer(Int32($0.id)) } ?? .null, .smallint(Int16(clamping: patient == nil ? 0 : who?.others ?? 0)),
                 .text(patient == nil ? nil : who?.cardTitle, limit: 200), .text(orNull: patient?.birthDate),
                 (patient == nil ? nil : who?.lastVisitID).map { .integer(Int32($0)) } ?? .null,
                 .text(orNull: patient == nil ? nil : who?.lastVisit), .text(patient == nil ? nil : who?.lastService, limit: 255),
                 at, context.now])
        case .connected:
            guard let staff else { return }
            try context.execute(
                """
                UPDATE MISLINK_CALL_CARDS SET
                    STATE = CASE WHEN STAFF_ID = ? THEN 'answered_here' WHEN STATE = 'shown' THEN 'answered_elsewhere' ELSE STATE END,
                    ANSWERED_AT = CASE WHEN STAFF_ID = ? THEN COALESCE(ANSWERED_AT, ?) ELSE ANSWERED_AT END,
                    UPDATED_AT = ?
                WHERE CALL_ID = ? AND (STATE = 'shown' OR STAFF_ID = ?)
                """,
                [.integer(staff), .integer(staff), at, context.now, .bigint(callID), .integer(staff)])
            try context.execute(
                "UPDATE MISLINK_CALLS SET OPERATOR_ID = ?, ANSWERED_BY_ID = COALESCE(ANSWERED_BY_ID, ?), UPDATED_AT = ? WHERE ID = ?",
                [.integer(staff), .integer(staff), context.now, .bigint(callID)])
            if facts.direction == "in" { try appealFollowsAnswer(callID: callID, staff: staff, facts: facts, at: at, in: context) }
            if let key = facts.phoneKey {
                // A missed call from this number is called back once a later call with it connects, either way.
                try context.execute(
                    """
                    UPDATE MISLINK_CALLS SET CALLED_BACK_BY_ID = ?, CALLED_BACK_AT = ?,
                        STATUS = CASE WHEN STATUS IS NULL OR STATUS = 'to_call_back' THEN 'called_back' ELSE STATUS END,
                        UPDATED_AT = ?
                    WHERE PHONE_KEY = ? AND RESULT = 'missed' AND CALLED_BACK_AT IS NULL AND ID <> ?
                    """,
                    [.bigint(callID), at, context.now, .ascii(key, limit: 20), .bigint(callID)])
                // …and the later call points back at the (latest) missed call it answered.
                try context.execute(
                    """
                    UPDATE MISLINK_CALLS SET CALLBACK_OF_ID = COALESCE(CALLBACK_OF_ID,
                        (SELECT FIRST 1 M.ID FROM MISLINK_CALLS M WHERE M.CALLED_BACK_BY_ID = ? ORDER BY M.STARTED_AT DESC, M.ID DESC))
                    WHERE ID = ?
                    """, [.bigint(callID), .bigint(callID)])
            }
        case .disconnected:
            guard let staff else { return }
            try context.execute(
                """
                UPDATE MISLINK_CALL_CARDS SET STATE = CASE WHEN STATE = 'shown' THEN 'closed' ELSE STATE END,
                    CLOSED_AT = COALESCE(CLOSED_AT, ?), UPDATED_AT = ?
                WHERE CALL_ID = ? AND STAFF_ID = ?
                """,
                [at, context.now, .bigint(callID), .integer(staff)])
        default:
            return
        }
    }

    /// An answered incoming call has one appeal (the MIS's `APPEALS`, channel phone) for the operator who
    /// answered, with the identified patient; when another operator connects later (a transfer), the
    /// appeal moves to them with everything entered so far. Each step goes to `MISLINK_APPEAL_EVENTS`.
    func appealFollowsAnswer(callID: Int64, staff: Int32, facts: CallLookups.CallFacts, at: FirebirdValue,
                             in context: ApplyContext) throws {
        if let row = try context.firstRow(
            "SELECT A.APPEAL_ID, P.OPERATOR_ID FROM MISLINK_APPEALS A JOIN APPEALS P ON P.ID = A.APPEAL_ID WHERE A.CALL_ID = ?",
            [.bigint(callID)]), let appeal = row[0].int64Value {
            let previous = row[1].int64Value.map(Int32.init)
            guard previous != staff else { return }
            try context.execute("UPDATE APPEALS SET OPERATOR_ID = ? WHERE ID = ?", [.integer(staff), .integer(Int32(appeal))])
            try context.execute(
                "UPDATE MISLINK_APPEALS SET LAST_OPERATOR_ID = ?, UPDATED_AT = ? WHERE APPEAL_ID = ?",
                [.integer(staff), context.now, .integer(Int32(appeal))])
            try appealEvent(Int32(appeal), "transferred", staff: staff, from: previous, callID: callID, at: at, in: context)
            return
        }
        let who = facts.identification ?? context.lookups.identify(facts.phoneNumber, attachment: context.attachment)
        let patient = who?.ownNumber == true ? nil : who?.patient
        guard let created = try context.firstRow(
            """
            INSERT INTO APPEALS (CHANNEL, DIRECTION, PATIENT_ID, OPERATOR_ID, CONTACT_PHONE, CONTACT_NAME, STATUS)
            VALUES ('phone', 'in', ?, ?, ?, ?, 'open')
            RETURNING ID
            """,
            [patient.map { .integer(Int32($0.id)) } ?? .null, .integer(staff), .text(facts.phoneNumber, limit: 64),
             .text(patient?.fullName, limit: 150)]), let appealID = created[0].int64Value.map(Int32.init)
        else { throw ApplyError("INSERT INTO APPEALS … RETURNING ID gave no id") }
        try context.execute(
            """
            INSERT INTO MISLINK_APPEALS (APPEAL_ID, CHANNEL, SOURCE, CALL_ID, PHONE_KEY, CONTACT_NAME, PATIENT_OTHERS,
                PATIENT_DISPLAY, LAST_OPERATOR_ID, CREATED_AT, UPDATED_AT)
            VALUES (?, 'phone', 'call', ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.integer(appealID), .bigint(callID), .ascii(facts.phoneKey, limit: 20), .text(patient?.fullName, limit: 150),
             .smallint(Int16(clamping: patient == nil ? 0 : who?.others ?? 0)), .text(patient == nil ? nil : who?.cardTitle, limit: 200),
             .integer(staff), context.now, context.now])
        try context.execute("UPDATE MISLINK_CALLS SET APPEAL_ID = ?, UPDATED_AT = ? WHERE ID = ?",
                            [.integer(appealID), context.now, .bigint(callID)])
        try context.execute("UPDATE MISLINK_CALL_CARDS SET APPEAL_ID = ?, UPDATED_AT = ? WHERE CALL_ID = ? AND STAFF_ID = ?",
                            [.integer(appealID), context.now, .bigint(callID), .integer(staff)])
        try appealEvent(appealID, "created", staff: staff, from: nil, callID: callID, at: at, in: context)
    }

    private func appealEvent(_ appeal: Int32, _ type: String, staff: Int32, from: Int32?, callID: Int64, at: FirebirdValue,
                             in context: ApplyContext) throws {
        try context.execute(
            """
            INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, FROM_STAFF_ID, TO_STAFF_ID, CALL_ID,
                EVENT_AT, CREATED_AT)
            VALUES (?, ?, 'system', ?, ?, ?, ?, COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), ?)
            """,
            [.integer(appeal), .text(type), .integer(staff), from.map { .integer($0) } ?? .null,
             type == "transferred" ? .integer(staff) : .null, .bigint(callID), at, context.now, context.now])
    }

    /// After the summary: every card still shown is closed; a missed call gets its responsible operator.
    func closeCall(_ callID: Int64, summary: MangoSummaryEvent, result: String, in context: ApplyContext) throws {
        let ended = context.utc(epoch: summary.endTime)
        try context.execute(
            """
            UPDATE MISLINK_CALL_CARDS SET STATE = CASE WHEN STATE = 'shown' THEN 'closed' ELSE STATE END,
                CLOSED_AT = COALESCE(CLOSED_AT, COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP))), UPDATED_AT = ?
            WHERE CALL_ID = ? AND CLOSED_AT IS NULL
            """,
            [ended, context.now, context.now, .bigint(callID)])
        if result == "missed" {
            // A missed call waits on the operators' list (the contract's STATUS 'to_call_back'), with the
            // first operator who missed it answering for it.
            let staff = try context.lookups.staffID(party: summary.to, in: context)
            try context.execute(
                """
                UPDATE MISLINK_CALLS SET OPERATOR_ID = COALESCE(OPERATOR_ID, ?),
                    STATUS = CASE WHEN STATUS IS NULL AND CALLED_BACK_AT IS NULL THEN 'to_call_back' ELSE STATUS END,
                    UPDATED_AT = ?
                WHERE ID = ?
                """,
                [staff.map { .integer($0) } ?? .null, context.now, .bigint(callID)])
        }
        context.lookups.forget(callID)
    }
}
