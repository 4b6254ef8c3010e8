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
    func operatorOfLeg(_ event: MangoCallEvent, callID: Int64, in context: ApplyContext) throws -> Int64? {
        if let staff = try context.lookups.staffID(party: event.to, in: context) { return staff }
        return try context.lookups.staffID(party: event.from, in: context)
    }

    /// Cards and operators after a leg's event was applied, whether it arrived in order or late.
    ///
    /// Everything here is decided from the events' own times, not their arrival order, so duplicates and
    /// reordering give the same rows: a card's times only move earlier (`SHOWN_AT`, `ANSWERED_AT`,
    /// `CLOSED_AT` keep the earliest), its state is recomputed from the times of every card of the call,
    /// and the operator credited is the one whose leg connected last.
    func followCards(callID: Int64, legID: Int64?, staff: Int64?, event: MangoCallEvent, at: FirebirdValue,
                     in context: ApplyContext) throws {
        guard let staff, [.appeared, .connected, .disconnected].contains(event.callState) else { return }
        let facts = try context.lookups.facts(of: callID, in: context)
        if facts.direction == "in", let ext = context.lookups.directory.extensionNumber(of: event.to) {
            try showCard(callID: callID, legID: legID, staff: staff, extension: ext, facts: facts, at: at, in: context)
            if event.callState != .appeared {
                let column = event.callState == .connected ? "ANSWERED_AT" : "CLOSED_AT"
                try context.execute(
                    """
                    UPDATE MISLINK_CALL_CARDS SET \(column) = CASE WHEN \(column) IS NULL OR \(column) > ? THEN ? ELSE \(column) END,
                        UPDATED_AT = ?
                    WHERE CALL_ID = ? AND STAFF_ID = ?
                    """,
                    [at, at, context.now, .bigint(callID), .bigint(staff)])
            }
            try recomputeCards(callID: callID, in: context)
        }
        guard event.callState == .connected else { return }
        // The operator is whoever connected last (after transfers); the first to answer stays ANSWERED_BY_ID.
        let latest = try context.firstRow(
            """
            UPDATE MISLINK_CALLS C SET OPERATOR_ID = ?,
                OPERATOR_EXTENSION = COALESCE(CAST(? AS VARCHAR(16)), OPERATOR_EXTENSION), UPDATED_AT = ?
            WHERE C.ID = ? AND NOT EXISTS (SELECT 1 FROM MISLINK_CALL_LEGS L WHERE L.CALL_ID = C.ID
                AND L.STAFF_ID IS NOT NULL AND L.STAFF_ID <> ? AND L.ANSWERED_AT > ?)
            RETURNING C.ID
            """,
            [.bigint(staff), facts.direction == "in" ? .ascii(event.to?.extensionNumber, limit: 16) : .null, context.now,
             .bigint(callID), .bigint(staff), at])
        try context.execute(
            """
            UPDATE MISLINK_CALLS C SET ANSWERED_BY_ID = ?, UPDATED_AT = ?
            WHERE C.ID = ? AND NOT EXISTS (SELECT 1 FROM MISLINK_CALL_LEGS L WHERE L.CALL_ID = C.ID
                AND L.STAFF_ID IS NOT NULL AND L.STAFF_ID <> ? AND L.ANSWERED_AT < ?)
            """,
            [.bigint(staff), context.now, .bigint(callID), .bigint(staff), at])
        if facts.direction == "in" {
            try appealFollowsAnswer(callID: callID, staff: staff, latest: latest != nil, facts: facts, at: at, in: context)
        }
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
    }

    /// The card of an operator whose phone rang: written at the first event of their leg (the ringing,
    /// normally), with whoever is calling; a later-arriving earlier event only moves `SHOWN_AT` back.
    private func showCard(callID: Int64, legID: Int64?, staff: Int64, extension ext: String, facts: CallLookups.CallFacts,
                          at: FirebirdValue, in context: ApplyContext) throws {
        let key = "card:\(callID):\(staff)"
        if context.ids[key] != nil {
            try context.execute(
                "UPDATE MISLINK_CALL_CARDS SET SHOWN_AT = ?, UPDATED_AT = ? WHERE CALL_ID = ? AND STAFF_ID = ? AND SHOWN_AT > ?",
                [at, context.now, .bigint(callID), .bigint(staff), at])
            return
        }
        var who = facts.identification
        if who == nil, facts.phoneNumber != nil {
            who = context.lookups.identify(facts.phoneNumber, attachment: context.attachment)
            var remembered = facts
            remembered.identification = who
            context.lookups.remember(callID, remembered)
        }
        let patient = who?.ownNumber == true ? nil : who?.patient
        let row = try context.firstRow(
            """
            MERGE INTO MISLINK_CALL_CARDS C
            USING RDB$DATABASE ON C.CALL_ID = ? AND C.STAFF_ID = ?
            WHEN MATCHED THEN UPDATE SET SHOWN_AT = CASE WHEN C.SHOWN_AT > ? THEN ? ELSE C.SHOWN_AT END,
                LEG_ID = COALESCE(C.LEG_ID, ?), UPDATED_AT = ?
            WHEN NOT MATCHED THEN INSERT (CALL_ID, LEG_ID, STAFF_ID, SIP_EXTENSION, STATE, DIRECTION,
                PHONE_NUMBER, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_DISPLAY, PATIENT_BIRTH_DATE,
                LAST_VISIT_ID, LAST_VISIT_AT, LAST_SERVICE_NAME, SHOWN_AT, UPDATED_AT)
            VALUES (?, ?, ?, ?, 'shown', 'in', ?, ?, ?, ?, ?, ?, ?,
                DATEADD(MINUTE, -COALESCE((SELECT CAST(S.VAL AS INTEGER) FROM MISLINK_SETTINGS S
                    WHERE S.NAME = 'clinic.utc_offset_minutes'), 0), CAST(? AS TIMESTAMP)),
                ?, ?, ?)
            RETURNING C.ID
            """,
            [.bigint(callID), .bigint(staff), at, at, legID.map { .bigint($0) } ?? .null, context.now,
             .bigint(callID), legID.map { .bigint($0) } ?? .null, .bigint(staff), .ascii(ext, limit: 16),
             .ascii(facts.phoneNumber, limit: 128), .ascii(who?.phoneKey, limit: 20),
             patient.map { .bigint(Int64($0.id)) } ?? .null, .smallint(Int16(clamping: patient == nil ? 0 : who?.others ?? 0)),
             .text(patient == nil ? nil : who?.cardTitle, limit: 200), .text(orNull: patient?.birthDate),
             (patient == nil ? nil : who?.lastVisitID).map { .bigint(Int64($0)) } ?? .null,
             .text(orNull: patient == nil ? nil : who?.lastVisit), .text(patient == nil ? nil : who?.lastService, limit: 255),
             at, context.now])
        if let id = row?[0].int64Value { context.ids.remember(key, id) }
    }

    /// Every card of the call from its times: answered here when its operator connected; answered
    /// elsewhere when a colleague connected while it was shown; closed once its leg or the call ended.
    func recomputeCards(callID: Int64, in context: ApplyContext) throws {
        try context.execute(
            """
            UPDATE MISLINK_CALL_CARDS K SET STATE = TRIM(CASE
                WHEN K.ANSWERED_AT IS NOT NULL THEN 'answered_here'
                WHEN EXISTS (SELECT 1 FROM MISLINK_CALL_CARDS O WHERE O.CALL_ID = K.CALL_ID AND O.STAFF_ID <> K.STAFF_ID
                    AND O.ANSWERED_AT >= K.SHOWN_AT AND (K.CLOSED_AT IS NULL OR O.ANSWERED_AT <= K.CLOSED_AT)) THEN 'answered_elsewhere'
                WHEN K.CLOSED_AT IS NOT NULL THEN 'closed'
                ELSE 'shown' END), UPDATED_AT = ?
            WHERE K.CALL_ID = ?
            """,
            [context.now, .bigint(callID)])
    }

    /// An answered incoming call has one appeal (``ApplyContext/appeals``: the MIS's through the profile's
    /// `appeal_create`, or MisLink's own when the MIS has no appeals table; channel phone) for the operator
    /// who answered, with the identified patient; when another operator connects later (a transfer), the
    /// appeal moves to them with everything entered so far. Each step goes to `MISLINK_APPEAL_EVENTS`.
    ///
    /// `latest` tells whether this connection is the call's latest so far. One that arrives late and
    /// happened before the appeal's creation becomes its creator, and the transfer to the operator who
    /// had created it is recorded at their connection time: the chain ends up as if delivered in order.
    func appealFollowsAnswer(callID: Int64, staff: Int64, latest: Bool, facts: CallLookups.CallFacts, at: FirebirdValue,
                             in context: ApplyContext) throws {
        if let row = try context.firstRow(
            """
            SELECT A.APPEAL_ID, E.ID, E.STAFF_ID, E.EVENT_AT
              FROM MISLINK_APPEALS A
              LEFT JOIN MISLINK_APPEAL_EVENTS E ON E.APPEAL_ID = A.APPEAL_ID AND E.EVENT_TYPE = 'created'
             WHERE A.CALL_ID = ?
            """,
            [.bigint(callID)]), let appeal = row[0].int64Value, let current = try context.appeals.get(appeal, in: context) {
            // The operator the appeal has now (someone may have moved the MIS's appeal meanwhile).
            let previous = current.operatorID
            if latest {
                guard previous != staff else { return }
                try context.appeals.assign(appeal, to: staff, in: context)
                try context.execute(
                    "UPDATE MISLINK_APPEALS SET LAST_OPERATOR_ID = ?, UPDATED_AT = ? WHERE APPEAL_ID = ?",
                    [.bigint(staff), context.now, .bigint(appeal)])
                try appealEvent(appeal, "transferred", staff: staff, from: previous, callID: callID, at: at, in: context)
                return
            }
            // A connection from before the latest one, delivered late.
            guard let createdID = row[1].int64Value, let creator = row[2].int64Value,
                  case .timestamp(let createdAt) = row[3], case .timestamp(let when) = at, when < createdAt, creator != staff
            else { return }
            try context.execute("UPDATE MISLINK_APPEAL_EVENTS SET STAFF_ID = ?, EVENT_AT = ? WHERE ID = ?",
                                [.bigint(staff), at, .bigint(createdID)])
            try appealEvent(appeal, "transferred", staff: creator, from: staff, callID: callID, at: .timestamp(createdAt), in: context)
            return
        }
        let who = facts.identification ?? context.lookups.identify(facts.phoneNumber, attachment: context.attachment)
        let patient = who?.ownNumber == true ? nil : who?.patient
        let appealID = try context.appeals.create(NewAppeal(
            channel: "phone", source: "call", callID: callID, phoneKey: facts.phoneKey, patientID: patient.map { Int64($0.id) },
            operatorID: staff, contactPhone: facts.phoneNumber, contactName: patient?.fullName, misContactName: patient?.fullName,
            patientOthers: patient == nil ? 0 : who?.others ?? 0, patientDisplay: patient == nil ? nil : who?.cardTitle), in: context)
        try context.execute("UPDATE MISLINK_CALLS SET APPEAL_ID = ?, UPDATED_AT = ? WHERE ID = ?",
                            [.bigint(appealID), context.now, .bigint(callID)])
        try context.execute("UPDATE MISLINK_CALL_CARDS SET APPEAL_ID = ?, UPDATED_AT = ? WHERE CALL_ID = ? AND STAFF_ID = ?",
                            [.bigint(appealID), context.now, .bigint(callID), .bigint(staff)])
        try appealEvent(appealID, "created", staff: staff, from: nil, callID: callID, at: at, in: context)
    }

    private func appealEvent(_ appeal: Int64, _ type: String, staff: Int64, from: Int64?, callID: Int64, at: FirebirdValue,
                             in context: ApplyContext) throws {
        try context.execute(
            """
            INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, FROM_STAFF_ID, TO_STAFF_ID, CALL_ID,
                EVENT_AT, CREATED_AT)
            VALUES (?, ?, 'system', ?, ?, ?, ?, COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), ?)
            """,
            [.bigint(appeal), .text(type), .bigint(staff), from.map { .bigint($0) } ?? .null,
             type == "transferred" ? .bigint(staff) : .null, .bigint(callID), at, context.now, context.now])
    }

    /// After the summary: every card still shown is closed; a missed call gets its responsible operator.
    func closeCall(_ callID: Int64, summary: MangoSummaryEvent, result: String, in context: ApplyContext) throws {
        let ended = try context.utc(epoch: summary.endTime, field: "end_time")
        try context.execute(
            """
            UPDATE MISLINK_CALL_CARDS SET CLOSED_AT = COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), UPDATED_AT = ?
            WHERE CALL_ID = ? AND CLOSED_AT IS NULL AND ANSWERED_AT IS NULL
            """,
            [ended, context.now, context.now, .bigint(callID)])
        try recomputeCards(callID: callID, in: context)
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
                [staff.map { .bigint($0) } ?? .null, context.now, .bigint(callID)])
        }
        context.lookups.forget(callID)
    }
}
