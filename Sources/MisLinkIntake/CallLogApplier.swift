import Firebird
import MisLinkExternalAPIs
import MisLinkPatients
import MisLinkStore

/// Mango call events into `MISLINK_CALLS` (one row per `entry_id`) and `MISLINK_CALL_LEGS` (one row
/// per `call_id`), and command results into `MISLINK_COMMANDS`.
///
/// Ordering: a leg keeps the highest `seq` applied; an older event does not
/// change its state, but still fills in a fact it alone carries (the answer time of a `Connected`
/// that arrived after the `Disconnected`). Only `events/summary` ends a call and judges its result
/// (``CallResult``): answered when someone talked; inbound with nobody talking is missed, or abandoned in
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
        let at = try context.utc(epoch: event.timestamp, field: "timestamp")
        let leg = CallLegEvent(
            pbxLegId: Self.ascii(event.callId, 128), seq: try Self.int32(event.seq, field: "seq"),
            state: Self.legState(event.callState),
            fromNumber: Self.ascii(event.from?.number, 128), fromExtension: Self.ascii(event.from?.extensionNumber, 16),
            toNumber: Self.ascii(event.to?.number, 128), toExtension: Self.ascii(event.to?.extensionNumber, 16),
            location: Self.location(event.location), acdGroup: Self.ascii(event.to?.acdGroup, 16),
            transferType: Self.transferType(event.transfer), disconnectReason: try Self.reason(event.disconnectReason),
            at: at.timestampValue, connected: event.callState == .connected,
            takenFromLegId: Self.ascii(event.from?.takenFromCallId ?? event.to?.takenFromCallId, 128),
            leftByTransfer: event.from?.wasTransferred == true || event.to?.wasTransferred == true)
        let (callID, created) = try ensureCall(for: event, at: at, in: context)
        let legKey = "leg:" + event.callId
        let staff = try operatorOfLeg(event, callID: callID, in: context)

        guard let legID = try context.ids[legKey] ?? CallLegs.id(pbxLegId: leg.pbxLegId, in: context) else {
            let newLeg = try CallLegs.insert(leg, call: callID, staff: staff, command: Self.commandRow(event.commandId),
                                             now: context.nowStamp, in: context)
            if let newLeg { context.ids.remember(legKey, newLeg) }
            try followCards(callID: callID, legID: newLeg, staff: staff, event: event, at: at,
                            call: Self.callChange(from: event, at: at, created: created), in: context)
            return .applied
        }
        context.ids.remember(legKey, legID)
        // Newer than what is applied: the state moves on.
        if try CallLegs.advance(legID, with: leg, now: context.nowStamp, in: context) {
            try followCards(callID: callID, legID: legID, staff: staff, event: event, at: at,
                            call: Self.callChange(from: event, at: at, created: created), in: context)
            return .applied
        }
        // Older than what is applied: keep the state, fill in the facts only this event carries
        // (the answer time of a Connected that arrived after the Disconnected).
        var change = CallChange()
        if event.callState == .connected {
            try CallLegs.answeredLate(legID, at: leg.at, now: context.nowStamp, in: context)
            change.answeredAt = leg.at
        } else if event.callState == .disconnected {
            try CallLegs.endedEarlier(legID, at: leg.at, leftByTransfer: leg.leftByTransfer, now: context.nowStamp, in: context)
        }
        // Cards and operators are decided from the events' times, so a late event still counts.
        try followCards(callID: callID, legID: legID, staff: staff, event: event, at: at, call: change, in: context)
        return .skipped
    }

    /// The call row of the event's `entry_id`, created at its first event; `created` tells whether this
    /// event created it.
    private func ensureCall(for event: MangoCallEvent, at: FirebirdValue, in context: ApplyContext) throws -> (id: Int64, created: Bool) {
        let key = "call:" + event.entryId
        if let id = context.ids[key] { return (id, false) }
        let entry = Self.ascii(event.entryId, 128)
        if let id = try Calls.id(pbxCallId: entry, in: context) {
            context.ids.remember(key, id)
            return (id, false)
        }
        let direction: CallDirection
        if event.from?.extensionNumber != nil, event.to?.extensionNumber != nil, event.to?.number == nil {
            direction = .internal
        } else if event.from?.extensionNumber != nil || event.commandId != nil || event.callbackInitiator != nil {
            direction = .outbound
        } else {
            direction = .inbound
        }
        // The client is identified once, at the call's first event (for an inbound call, its first ringing). On
        // an outbound call it is the party without an extension: `to` when the operator dials, but `from` on
        // a click-to-call's first leg, which rings the operator (`to` is the operator's extension and SIP
        // address) showing the client's number.
        let client: String?
        switch direction {
        case .inbound: client = event.from?.number
        case .outbound:
            client = event.to?.extensionNumber == nil ? event.to?.number
                : event.from?.extensionNumber == nil ? event.from?.number : nil
        case .internal: client = nil
        }
        let who = context.lookups.identify(client, attachment: context.attachment)
        let call = NewCall(
            pbxCallId: entry, direction: direction, state: Self.callState(event),
            fromNumber: Self.ascii(event.from?.number, 128), fromExtension: Self.ascii(event.from?.extensionNumber, 16),
            toNumber: Self.ascii(event.to?.number, 128), toExtension: Self.ascii(event.to?.extensionNumber, 16),
            lineNumber: Self.ascii(event.to?.lineNumber ?? event.from?.lineNumber, 128),
            acdGroup: Self.ascii(event.to?.acdGroup, 16), startedAt: at.timestampValue, caller: Self.caller(who),
            commandId: Self.commandRow(event.commandId))
        guard let id = try Calls.insert(call, now: context.nowStamp, in: context) else {
            throw ApplyError("INSERT … RETURNING ID gave no id")
        }
        context.ids.remember(key, id)
        context.lookups.remember(
            id, .init(direction: direction.rawValue, phoneKey: who?.phoneKey, phoneNumber: client, identification: who))
        return (id, true)
    }

    /// The MISLINK_COMMANDS row behind a leg or call: our `command_id` is `mislink-cmd-<ID>` (set by the
    /// outbound dispatcher), so a click-to-call's legs point at the command that made them.
    static func commandRow(_ commandID: String?) -> Int64? {
        guard let commandID, commandID.hasPrefix("mislink-cmd-") else { return nil }
        return Int64(commandID.dropFirst("mislink-cmd-".count))
    }

    /// PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_MATCH of an identification.
    static func caller(_ who: Identification?) -> CallerMatch {
        guard let who, !who.ownNumber else { return .none }
        // The phone column as the MIS profile names it (PHONE_MOBILE, TEL_MOB, KONTAKTY.ZNACHENIE):
        // MISLINK_CALLS.PATIENT_MATCH is VARCHAR(63) ASCII since V015.
        return CallerMatch(phoneKey: ascii(who.phoneKey, 20), patientId: who.patient.map { Int64($0.id) },
                           patientOthers: Int16(clamping: who.others), patientMatch: ascii(who.matchedColumn, 63))
    }

    /// What a leg's newer event changes on its call, which follows its newest leg until the summary ends
    /// it: the state, the earliest answer, the ACD group, one more transfer. A call this event `created`
    /// has its state and ACD group from it already.
    static func callChange(from event: MangoCallEvent, at: FirebirdValue, created: Bool) -> CallChange {
        CallChange(
            state: created ? nil : callState(event), answeredAt: event.callState == .connected ? at.timestampValue : nil,
            acdGroup: created ? nil : ascii(event.to?.acdGroup, 16), transferred: event.transfer != nil && event.callState == .appeared)
    }

    // MARK: - Summary

    private func applySummary(_ summary: MangoSummaryEvent, in context: ApplyContext) throws -> IntakeOutcome {
        let result = Self.result(of: summary)
        let ended = try Self.callSummary(of: summary, in: context)
        let entry = Self.ascii(summary.entryId, 128)
        // A missed call waits on the operators' list, written with its end (see closeCall).
        let missedBy = result == .missed ? try context.lookups.staffID(party: summary.to, in: context) : nil
        if let callID = try Calls.end(pbxCallId: entry, with: ended, awaitingCallback: result == .missed, missedBy: missedBy,
                                      now: context.nowStamp, in: context) {
            try closeCall(callID, summary: summary, result: result, callbackAwaited: true, in: context)
            return .applied
        }
        // The summary came before any leg (or the legs were never delivered): the call starts from it.
        let (call, _) = try Self.newCall(from: summary, in: context)
        if let callID = try Calls.insertEnded(call, with: ended, now: context.nowStamp, in: context) {
            context.ids.remember("call:" + summary.entryId, callID)
            try closeCall(callID, summary: summary, result: result, in: context)
        }
        return .applied
    }

    /// What a summary says of the call's end: its result, times and durations. Times and durations come
    /// from the PBX: one that no column can take fails the event (stored `failed` with the reason), never
    /// the worker.
    static func callSummary(of summary: MangoSummaryEvent, in context: ApplyContext) throws -> CallSummary {
        let talked = summary.talkTime > 0
        let waitEnd = talked ? summary.talkTime : summary.endTime
        return CallSummary(
            direction: direction(of: summary), result: result(of: summary),
            endedAt: try context.utc(epoch: summary.endTime, field: "end_time").timestampValue,
            answeredAt: talked ? try context.utc(epoch: summary.talkTime, field: "talk_time").timestampValue : nil,
            waitSec: try int32(max(0, waitEnd - summary.createTime), field: "wait seconds"),
            talkSec: try int32(talked ? max(0, summary.endTime - summary.talkTime) : 0, field: "talk seconds"),
            durationSec: try int32(max(0, summary.endTime - summary.createTime), field: "duration seconds"),
            disconnectReason: try reason(summary.disconnectReason))
    }

    /// The row of a call known only from its summary, with its client identified (as at a call's first
    /// event): the number that called in, or the one an outbound call dialled.
    static func newCall(from summary: MangoSummaryEvent, in context: ApplyContext) throws -> (NewCall, Identification?) {
        let direction = direction(of: summary)
        let client = direction == .outbound ? summary.to?.number : direction == .inbound ? summary.from?.number : nil
        let who = context.lookups.identify(client, attachment: context.attachment)
        let call = NewCall(
            pbxCallId: ascii(summary.entryId, 128), direction: direction, state: .ended,
            fromNumber: ascii(summary.from?.number, 128), fromExtension: ascii(summary.from?.extensionNumber, 16),
            toNumber: ascii(summary.to?.number, 128), toExtension: ascii(summary.to?.extensionNumber, 16),
            lineNumber: ascii(summary.lineNumber, 128), acdGroup: nil,
            startedAt: try context.utc(epoch: summary.createTime, field: "create_time").timestampValue,
            caller: caller(who), commandId: nil)
        return (call, who)
    }

    /// The call's direction from its summary's `call_direction` (0 internal, 1 in, 2 out).
    public static func direction(of summary: MangoSummaryEvent) -> CallDirection {
        [0: .internal, 1: .inbound, 2: .outbound][summary.callDirection] ?? .inbound
    }

    /// The call's result from its summary: ``CallResult/decide(direction:talked:reachedSomeone:)`` with
    /// an inbound call counted as reaching someone when it was forwarded or rang a number or extension.
    public static func result(of summary: MangoSummaryEvent) -> CallResult {
        CallResult.decide(
            direction: direction(of: summary), talked: summary.talkTime > 0,
            reachedSomeone: summary.callDirection == 1
                ? summary.forwardTime > 0 || summary.to?.extensionNumber != nil || summary.to?.number != nil : nil)
    }

    // MARK: - Command results

    private func applyResult(_ result: MangoCommandResult, in context: ApplyContext) throws -> IntakeOutcome {
        guard let commandID = result.commandId else { return .stored }
        let recorded = try Commands.recordResult(
            pbxCommandId: Self.ascii(commandID, 128), code: String(result.result.rawValue),
            success: result.result.rawValue == 1000, now: context.nowStamp, in: context)
        // A result for a command this database never sent (or not yet recorded) is kept as received.
        return recorded ? .applied : .stored
    }

    // MARK: - Mapping

    static func legState(_ state: MangoCallState) -> CallLegState {
        switch state {
        case .connected: .talking
        case .onHold: .onHold
        case .disconnected: .ended
        default: .ringing
        }
    }

    static func callState(_ event: MangoCallEvent) -> CallState {
        switch event.callState {
        case .connected: return .talking
        case .onHold: return .onHold
        case .disconnected: return .ringing  // a leg ended; the call ends with its summary
        default:
            switch event.location {
            case "ivr": return .ivr
            case "queue": return .queue
            default: return .ringing
            }
        }
    }

    static func location(_ location: String?) -> String? {
        guard let location, ["ivr", "queue", "abonent"].contains(location) else { return nil }
        return location
    }

    static func transferType(_ transfer: String?) -> String? {
        guard let transfer, ["blind", "consultative", "return_blind"].contains(transfer) else { return nil }
        return transfer
    }

    /// DISCONNECT_REASON of a code; decoding keeps codes within INTEGER, this checks again.
    static func reason(_ code: MangoResultCode?) throws -> Int32? {
        guard let code else { return nil }
        return try int32(code.rawValue, field: "disconnect_reason")
    }

    /// An INTEGER column's value from an event's number.
    /// - Throws: ``ApplyError`` when the number does not fit (the event is stored `failed`).
    static func int32(_ value: Int, field: String) throws -> Int32 {
        guard let exact = Int32(exactly: value) else { throw ApplyError.outOfRange(field, String(value)) }
        return exact
    }

    /// Text for a `CHARACTER SET ASCII` column (see ``FirebirdValue/ascii(_:limit:)``).
    static func ascii(_ text: String?, _ limit: Int) -> String? {
        FirebirdValue.ascii(text, limit: limit).stringValue
    }
}
