import Firebird
import MisLinkExternalAPIs
import MisLinkPatients

/// Mango call events into `MISLINK_CALLS` (one row per `entry_id`) and `MISLINK_CALL_LEGS` (one row
/// per `call_id`), and command results into `MISLINK_COMMANDS`.
///
/// Ordering (reference A.7, pitfall 1): a leg keeps the highest `seq` applied; an older event does not
/// change its state, but still fills in a fact it alone carries (the answer time of a `Connected`
/// that arrived after the `Disconnected`). Only `events/summary` ends a call and judges its result
/// (pitfall 7): answered when someone talked; inbound with nobody talking is missed, or abandoned in
/// the IVR when it was never forwarded; outbound with nobody talking is not reached.
public struct CallLogApplier: EventApplier {
    public init() {}

    public func apply(_ event: InboundEvent, in context: ApplyContext) throws -> IntakeOutcome? {
        switch event.content {
        case .mangoCall(let call): return try applyLeg(Self.resolvingSIP(call, context.lookups.directory), in: context)
        case .mangoSummary(var summary):
            summary.to = Self.resolvingSIP(summary.to, context.lookups.directory)
            summary.from = Self.resolvingSIP(summary.from, context.lookups.directory)
            return try applySummary(summary, in: context)
        case .mangoResult(_, let result): return try applyResult(result, in: context)
        case .mangoRecording(let recording): return try applyRecording(recording, in: context)
        case .mangoRecordAdded(let added): return try applyRecordAdded(added, in: context)
        default: return nil
        }
    }

    /// A party that rang a SIP device, given the extension the PBX's user list gives that device; the
    /// log then shows and credits the operator as if the PBX had named the extension.
    static func resolvingSIP(_ party: MangoCallParty?, _ directory: OperatorDirectory) -> MangoCallParty? {
        guard var party, party.extensionNumber?.isEmpty ?? true, let ext = directory.extensionNumber(of: party) else { return party }
        party.extensionNumber = ext
        return party
    }

    static func resolvingSIP(_ event: MangoCallEvent, _ directory: OperatorDirectory) -> MangoCallEvent {
        var event = event
        event.to = resolvingSIP(event.to, directory)
        event.from = resolvingSIP(event.from, directory)
        return event
    }

    // MARK: - Legs

    private func applyLeg(_ event: MangoCallEvent, in context: ApplyContext) throws -> IntakeOutcome {
        let state = Self.legState(event.callState)
        let at = try context.utc(epoch: event.timestamp, field: "timestamp")
        let seq = try Self.integer(event.seq, field: "seq")
        let reason = try Self.reason(event.disconnectReason)
        let callID = try ensureCall(for: event, at: at, in: context)
        let connectedAt: FirebirdValue = event.callState == .connected ? at : .null
        let endedAt: FirebirdValue = event.callState == .disconnected ? at : .null
        let location = Self.location(event.location)
        let legKey = "leg:" + event.callId
        let staff = try operatorOfLeg(event, callID: callID, in: context)

        var legID = context.ids[legKey]
        if legID == nil, let row = try context.firstRow(
            "SELECT ID FROM MISLINK_CALL_LEGS WHERE PBX_LEG_ID = ?", [.ascii(event.callId, limit: 128)]) {
            legID = row[0].int64Value
        }
        guard let legID else {
            let row = try context.firstRow(
                """
                INSERT INTO MISLINK_CALL_LEGS (CALL_ID, PBX_LEG_ID, LAST_SEQ, FROM_NUMBER, FROM_EXTENSION, TO_NUMBER,
                    TO_EXTENSION, LOCATION, ACD_GROUP, STATE, OUTCOME, TRANSFER_TYPE, DISCONNECT_REASON, RANG_AT,
                    ANSWERED_AT, ENDED_AT, CREATED_AT, UPDATED_AT, STAFF_ID, COMMAND_ID)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING ID
                """,
                [.bigint(callID), .ascii(event.callId, limit: 128), seq,
                 .ascii(event.from?.number, limit: 128), .ascii(event.from?.extensionNumber, limit: 16),
                 .ascii(event.to?.number, limit: 128), .ascii(event.to?.extensionNumber, limit: 16), location,
                 .ascii(event.to?.acdGroup, limit: 16), .text(state),
                 Self.outcome(state: state, answered: event.callState == .connected, location: event.location),
                 Self.transferType(event.transfer), reason, at, connectedAt, endedAt,
                 context.now, context.now, staff.map { .bigint($0) } ?? .null, Self.commandRow(event.commandId)])
            let newLeg = row?[0].int64Value
            if let newLeg { context.ids.remember(legKey, newLeg) }
            try updateCall(callID, from: event, state: state, at: at, in: context)
            try followCards(callID: callID, legID: newLeg, staff: staff, event: event, at: at, in: context)
            return .applied
        }
        context.ids.remember(legKey, legID)
        // Newer than what is applied (LAST_SEQ < seq): the state moves on. The condition is in the
        // UPDATE itself, so a concurrent worker's newer state is never overwritten either.
        let updated = try context.firstRow(
            """
            UPDATE MISLINK_CALL_LEGS SET
                LAST_SEQ = ?, STATE = ?,
                FROM_NUMBER = COALESCE(?, FROM_NUMBER), FROM_EXTENSION = COALESCE(?, FROM_EXTENSION),
                TO_NUMBER = COALESCE(?, TO_NUMBER), TO_EXTENSION = COALESCE(?, TO_EXTENSION),
                LOCATION = COALESCE(?, LOCATION), ACD_GROUP = COALESCE(?, ACD_GROUP),
                TRANSFER_TYPE = COALESCE(?, TRANSFER_TYPE), DISCONNECT_REASON = COALESCE(?, DISCONNECT_REASON),
                ANSWERED_AT = COALESCE(ANSWERED_AT, ?), ENDED_AT = COALESCE(ENDED_AT, ?),
                OUTCOME = CASE WHEN CAST(? AS VARCHAR(12)) = 'ended' THEN
                    TRIM(CASE WHEN COALESCE(ANSWERED_AT, ?) IS NOT NULL THEN 'answered'
                         WHEN COALESCE(?, LOCATION) = 'ivr' THEN 'ivr' ELSE 'not_answered' END)
                    ELSE OUTCOME END,
                UPDATED_AT = ?
            WHERE ID = ? AND LAST_SEQ < ?
            RETURNING ID
            """,
            [seq, .text(state),
             .ascii(event.from?.number, limit: 128), .ascii(event.from?.extensionNumber, limit: 16),
             .ascii(event.to?.number, limit: 128), .ascii(event.to?.extensionNumber, limit: 16),
             location, .ascii(event.to?.acdGroup, limit: 16), Self.transferType(event.transfer),
             reason, connectedAt, endedAt, .text(state), connectedAt, location, context.now,
             .bigint(legID), seq])
        if updated != nil {
            try updateCall(callID, from: event, state: state, at: at, in: context)
            try followCards(callID: callID, legID: legID, staff: staff, event: event, at: at, in: context)
            return .applied
        }
        // Older than what is applied: keep the state, fill in the facts only this event carries
        // (the answer time of a Connected that arrived after the Disconnected).
        if event.callState == .connected {
            try context.execute(
                """
                UPDATE MISLINK_CALL_LEGS SET
                    ANSWERED_AT = COALESCE(ANSWERED_AT, ?),
                    OUTCOME = CASE WHEN STATE = 'ended' THEN 'answered' ELSE OUTCOME END,
                    UPDATED_AT = ?
                WHERE ID = ?
                """, [connectedAt, context.now, .bigint(legID)])
            try context.execute(
                "UPDATE MISLINK_CALLS SET ANSWERED_AT = ?, UPDATED_AT = ? WHERE ID = ? AND (ANSWERED_AT IS NULL OR ANSWERED_AT > ?)",
                [at, context.now, .bigint(callID), at])
        } else if event.callState == .disconnected {
            try context.execute(
                "UPDATE MISLINK_CALL_LEGS SET ENDED_AT = ?, UPDATED_AT = ? WHERE ID = ? AND (ENDED_AT IS NULL OR ENDED_AT > ?)",
                [endedAt, context.now, .bigint(legID), endedAt])
        }
        // Cards and operators are decided from the events' times, so a late event still counts.
        try followCards(callID: callID, legID: legID, staff: staff, event: event, at: at, in: context)
        return .skipped
    }

    /// The call row of the event's `entry_id`, created at its first event.
    private func ensureCall(for event: MangoCallEvent, at: FirebirdValue, in context: ApplyContext) throws -> Int64 {
        let key = "call:" + event.entryId
        if let id = context.ids[key] { return id }
        let entry = FirebirdValue.ascii(event.entryId, limit: 128)
        if let row = try context.firstRow("SELECT ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [entry]),
           let id = row[0].int64Value {
            context.ids.remember(key, id)
            return id
        }
        let direction: String
        if event.from?.extensionNumber != nil, event.to?.extensionNumber != nil, event.to?.number == nil {
            direction = "internal"
        } else if event.from?.extensionNumber != nil || event.commandId != nil || event.callbackInitiator != nil {
            direction = "out"
        } else {
            direction = "in"
        }
        // The client is identified once, at the call's first event (for an inbound call, its first ringing).
        let client = direction == "out" ? event.to?.number : direction == "in" ? event.from?.number : nil
        let who = context.lookups.identify(client, attachment: context.attachment)
        let row = try context.firstRow(
            """
            INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, FROM_NUMBER, FROM_EXTENSION, TO_NUMBER,
                TO_EXTENSION, LINE_NUMBER, ACD_GROUP, STARTED_AT, CREATED_AT, UPDATED_AT,
                PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_MATCH, COMMAND_ID)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), ?, ?, ?, ?, ?, ?, ?)
            RETURNING ID
            """,
            callInsertValues(entry: entry, direction: direction, event: event, at: at, now: context.now)
                + Self.identificationColumns(who) + [Self.commandRow(event.commandId)])
        guard let id = row?[0].int64Value else { throw ApplyError("INSERT … RETURNING ID gave no id") }
        context.ids.remember(key, id)
        context.lookups.remember(id, .init(direction: direction, phoneKey: who?.phoneKey, phoneNumber: client, identification: who))
        return id
    }

    private func callInsertValues(entry: FirebirdValue, direction: String, event: MangoCallEvent, at: FirebirdValue,
                                  now: FirebirdValue) -> [FirebirdValue] {
        let line: String? = event.to?.lineNumber ?? event.from?.lineNumber
        var values: [FirebirdValue] = [entry, .text(direction), .text(Self.callState(event))]
        values.append(.ascii(event.from?.number, limit: 128))
        values.append(.ascii(event.from?.extensionNumber, limit: 16))
        values.append(.ascii(event.to?.number, limit: 128))
        values.append(.ascii(event.to?.extensionNumber, limit: 16))
        values.append(.ascii(line, limit: 128))
        values.append(.ascii(event.to?.acdGroup, limit: 16))
        values += [at, now, now, now]
        return values
    }

    /// The MISLINK_COMMANDS row behind a leg or call: our `command_id` is `mislink-cmd-<ID>` (set by the
    /// outbound dispatcher), so a click-to-call's legs point at the command that made them.
    static func commandRow(_ commandID: String?) -> FirebirdValue {
        guard let commandID, commandID.hasPrefix("mislink-cmd-"), let id = Int64(commandID.dropFirst("mislink-cmd-".count)) else {
            return .null
        }
        return .bigint(id)
    }

    /// PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_MATCH of an identification.
    static func identificationColumns(_ who: Identification?) -> [FirebirdValue] {
        guard let who, !who.ownNumber else { return [.null, .null, .integer(0), .null] }
        let match = who.matchedColumn.flatMap { ["PHONE_MOBILE", "PHONE_HOME", "PHONE_WORK"].contains($0) ? $0 : nil }
        return [.ascii(who.phoneKey, limit: 20), who.patient.map { .bigint(Int64($0.id)) } ?? .null,
                .smallint(Int16(clamping: who.others)), .ascii(match, limit: 12)]
    }

    /// The call follows its newest leg until the summary ends it.
    private func updateCall(_ callID: Int64, from event: MangoCallEvent, state: String, at: FirebirdValue,
                            in context: ApplyContext) throws {
        let answered = event.callState == .connected
        try context.execute(
            """
            UPDATE MISLINK_CALLS SET
                STATE = CASE WHEN STATE = 'ended' THEN STATE ELSE ? END,
                ANSWERED_AT = CASE WHEN CAST(? AS INTEGER) = 1 AND (ANSWERED_AT IS NULL OR ANSWERED_AT > ?) THEN ? ELSE ANSWERED_AT END,
                ACD_GROUP = COALESCE(ACD_GROUP, ?),
                TRANSFER_COUNT = TRANSFER_COUNT + CAST(? AS INTEGER),
                UPDATED_AT = ?
            WHERE ID = ?
            """,
            [.text(Self.callState(event)), .integer(answered ? 1 : 0), at, at,
             .ascii(event.to?.acdGroup, limit: 16),
             .integer(event.transfer != nil && event.callState == .appeared ? 1 : 0), context.now, .bigint(callID)])
    }

    // MARK: - Summary

    private func applySummary(_ summary: MangoSummaryEvent, in context: ApplyContext) throws -> IntakeOutcome {
        let direction = [0: "internal", 1: "in", 2: "out"][summary.callDirection] ?? "in"
        let result = Self.result(of: summary)
        let talked = summary.talkTime > 0
        let waitEnd = talked ? summary.talkTime : summary.endTime
        // Times and durations come from the PBX: one that no column can take fails this event (stored
        // `failed` with the reason), never the worker.
        let values: [FirebirdValue] = [
            .text(direction), .text(result), try context.utc(epoch: summary.endTime, field: "end_time"),
            talked ? try context.utc(epoch: summary.talkTime, field: "talk_time") : .null,
            try Self.integer(max(0, waitEnd - summary.createTime), field: "wait seconds"),
            try Self.integer(talked ? max(0, summary.endTime - summary.talkTime) : 0, field: "talk seconds"),
            try Self.integer(max(0, summary.endTime - summary.createTime), field: "duration seconds"),
            try Self.reason(summary.disconnectReason),
        ]
        let entry = FirebirdValue.ascii(summary.entryId, limit: 128)
        if let updated = try context.firstRow(
            """
            UPDATE MISLINK_CALLS SET DIRECTION = ?, STATE = 'ended', RESULT = ?, ENDED_AT = ?,
                ANSWERED_AT = COALESCE(ANSWERED_AT, ?), WAIT_SEC = ?, TALK_SEC = ?, DURATION_SEC = ?,
                DISCONNECT_REASON = ?, CLOSED_BY = 'summary', UPDATED_AT = ?
            WHERE PBX_CALL_ID = ?
            RETURNING ID
            """, values + [context.now, entry]) {
            if let callID = updated[0].int64Value { try closeCall(callID, summary: summary, result: result, in: context) }
            return .applied
        }
        // The summary came before any leg (or the legs were never delivered): the call starts from it.
        let client = direction == "out" ? summary.to?.number : direction == "in" ? summary.from?.number : nil
        let who = context.lookups.identify(client, attachment: context.attachment)
        let inserted = try context.firstRow(
            """
            INSERT INTO MISLINK_CALLS (DIRECTION, STATE, RESULT, ENDED_AT, ANSWERED_AT, WAIT_SEC, TALK_SEC,
                DURATION_SEC, DISCONNECT_REASON, CLOSED_BY, PBX_CALL_ID, FROM_NUMBER, FROM_EXTENSION, TO_NUMBER,
                TO_EXTENSION, LINE_NUMBER, STARTED_AT, CREATED_AT, UPDATED_AT, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS,
                PATIENT_MATCH)
            VALUES (?, 'ended', ?, ?, ?, ?, ?, ?, ?, 'summary', ?, ?, ?, ?, ?, ?, COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), ?, ?,
                ?, ?, ?, ?)
            RETURNING ID
            """,
            values + [entry, .ascii(summary.from?.number, limit: 128), .ascii(summary.from?.extensionNumber, limit: 16),
                      .ascii(summary.to?.number, limit: 128), .ascii(summary.to?.extensionNumber, limit: 16),
                      .ascii(summary.lineNumber, limit: 128), try context.utc(epoch: summary.createTime, field: "create_time"),
                      context.now, context.now,
                      context.now] + Self.identificationColumns(who))
        if let callID = inserted?[0].int64Value {
            context.ids.remember("call:" + summary.entryId, callID)
            try closeCall(callID, summary: summary, result: result, in: context)
        }
        return .applied
    }

    /// The call's result from its summary (reference A.7, pitfall 7).
    public static func result(of summary: MangoSummaryEvent) -> String {
        if summary.talkTime > 0 { return "answered" }
        switch summary.callDirection {
        case 2: return "not_reached"
        case 1:
            let reachedSomeone = summary.forwardTime > 0 || summary.to?.extensionNumber != nil || summary.to?.number != nil
            return reachedSomeone ? "missed" : "abandoned"
        default: return "missed"
        }
    }

    // MARK: - Command results

    private func applyResult(_ result: MangoCommandResult, in context: ApplyContext) throws -> IntakeOutcome {
        guard let commandID = result.commandId else { return .stored }
        let success = result.result.rawValue == 1000
        let updated = try context.firstRow(
            """
            UPDATE MISLINK_COMMANDS SET RESULT_CODE = ?,
                STATUS = CASE WHEN STATUS IN ('done', 'failed', 'cancelled') THEN STATUS WHEN CAST(? AS INTEGER) = 1 THEN 'done' ELSE 'failed' END,
                DONE_AT = COALESCE(DONE_AT, ?)
            WHERE PBX_COMMAND_ID = ?
            RETURNING ID
            """, [.text(String(result.result.rawValue)), .integer(success ? 1 : 0), context.now, .ascii(commandID, limit: 128)])
        // A result for a command this database never sent (or not yet recorded) is kept as received.
        return updated == nil ? .stored : .applied
    }

    // MARK: - Mapping

    static func legState(_ state: MangoCallState) -> String {
        switch state {
        case .connected: "talking"
        case .onHold: "on_hold"
        case .disconnected: "ended"
        default: "ringing"
        }
    }

    static func callState(_ event: MangoCallEvent) -> String {
        switch event.callState {
        case .connected: return "talking"
        case .onHold: return "on_hold"
        case .disconnected: return "ringing"  // a leg ended; the call ends with its summary
        default:
            switch event.location {
            case "ivr": return "ivr"
            case "queue": return "queue"
            default: return "ringing"
            }
        }
    }

    static func location(_ location: String?) -> FirebirdValue {
        guard let location, ["ivr", "queue", "abonent"].contains(location) else { return .null }
        return .text(location)
    }

    static func transferType(_ transfer: String?) -> FirebirdValue {
        guard let transfer, ["blind", "consultative", "return_blind"].contains(transfer) else { return .null }
        return .text(transfer)
    }

    static func outcome(state: String, answered: Bool, location: String?) -> FirebirdValue {
        guard state == "ended" else { return .null }
        return .text(answered ? "answered" : location == "ivr" ? "ivr" : "not_answered")
    }

    /// DISCONNECT_REASON of a code; decoding keeps codes within INTEGER, this checks again.
    static func reason(_ code: MangoResultCode?) throws -> FirebirdValue {
        guard let code else { return .null }
        return try integer(code.rawValue, field: "disconnect_reason")
    }

    /// An INTEGER column's value from an event's number.
    /// - Throws: ``ApplyError`` when the number does not fit (the event is stored `failed`).
    static func integer(_ value: Int, field: String) throws -> FirebirdValue {
        try .checkedInteger(value, field: field)
    }
}
