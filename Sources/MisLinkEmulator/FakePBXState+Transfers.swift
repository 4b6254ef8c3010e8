import Foundation
import MisLinkExternalAPIs

/// The leg sequences of transfers, as the reference's examples give them (A.5 "Inbound with
/// consultative transfer", A.7 pitfall 8, and the shipped blind-transfer / return-blind scenarios).
extension FakePBXState {
    /// Blind transfer of the `Connected` leg `leg`:
    /// new leg Appeared(1) from the client (`taken_from_call_id` = leg, `transfer:"blind"`, our `command_id`);
    /// leg Disconnected(n+1, 1183, `was_transferred`); then the new leg Connected(2), or — when the target
    /// does not answer — Disconnected(2, 1111) and a `return_blind` leg ringing the initiator again.
    mutating func blindTransfer(
        _ leg: LiveLeg, employeeIsTo: Bool, target: [String: JSONValue], answered: Bool, at t: Int, commandId: String?
    ) -> [RenderedStep] {
        let client = Self.party(employeeIsTo ? leg.from : leg.to)
        let employee = Self.party(employeeIsTo ? leg.to : leg.from)
        var from = client
        from["taken_from_call_id"] = .string(leg.callId)
        let (newId, appeared) = newLeg(entryId: leg.entryId, from: from, to: target, at: t, commandId: commandId,
                                       transfer: "blind")
        var steps = [appeared]
        steps.append(leaveByTransfer(leg, employeeIsTo: employeeIsTo, at: t, reason: .transferredByAPI))
        steps += endTwins(of: leg, employee: employee, except: [newId], at: t, reason: .transferredByAPI)
        if answered {
            steps.append(emit(newId, "Connected", at: t + 6))
            return steps
        }
        steps.append(emit(newId, "Disconnected", at: t + 20, reason: .noAnswerTimeout))
        var returnFrom = client
        returnFrom["taken_from_call_id"] = .string(newId)
        var returnTo = employee
        if let line = calls[leg.entryId]?.line { returnTo["line_number"] = .string(line) }
        let (returnId, ringing) = newLeg(entryId: leg.entryId, from: returnFrom, to: returnTo, at: t + 20,
                                         commandId: commandId, transfer: "return_blind")
        steps.append(ringing)
        steps.append(emit(returnId, "Connected", at: t + 23))
        return steps
    }

    /// Consultative (`hold`) transfer of the `Connected` leg `leg`:
    /// leg OnHold(n+1, `hold_initiator` on the employee); new leg Appeared(1) from the employee
    /// (`taken_from_call_id` = leg, `transfer:"consultative"`, our `command_id`) → Connected(2); the initiator
    /// hangs up: leg Disconnected(n+2, 1120, `was_transferred`); the new leg Connected(3) again with the
    /// client as `from` and `transfer:"blind"`. A target that does not answer: new leg Disconnected(2, 1111)
    /// and the held leg Connected(n+2).
    mutating func consultativeTransfer(
        _ leg: LiveLeg, employeeIsTo: Bool, target: [String: JSONValue], answered: Bool, at t: Int, commandId: String?
    ) -> [RenderedStep] {
        let client = Self.party(employeeIsTo ? leg.from : leg.to)
        let employee = Self.party(employeeIsTo ? leg.to : leg.from)
        let hold: [String: JSONValue] = ["hold_initiator": .bool(true)]
        var steps = [emit(leg.callId, "OnHold", at: t, fromFlags: employeeIsTo ? [:] : hold, toFlags: employeeIsTo ? hold : [:])]
        var from = employee
        from["taken_from_call_id"] = .string(leg.callId)
        let (newId, appeared) = newLeg(entryId: leg.entryId, from: from, to: target, at: t + 1, commandId: commandId,
                                       transfer: "consultative")
        steps.append(appeared)
        guard answered else {
            steps.append(emit(newId, "Disconnected", at: t + 20, reason: .noAnswerTimeout))
            steps.append(emit(leg.callId, "Connected", at: t + 20))
            return steps
        }
        steps.append(emit(newId, "Connected", at: t + 5))
        steps.append(leaveByTransfer(leg, employeeIsTo: employeeIsTo, at: t + 20,
                                     reason: employeeIsTo ? .endedByCallee : .endedByCaller))
        steps += endTwins(of: leg, employee: employee, except: [newId], at: t + 20, reason: .endedByCallee)
        var clientFrom = client
        clientFrom["taken_from_call_id"] = .string(leg.callId)
        steps.append(emit(newId, "Connected", at: t + 20, from: clientFrom, transfer: "blind"))
        return steps
    }

    /// The transferred leg's Disconnected, with `was_transferred` on the party opposite the one who left
    /// (in `from` when the callee left, in `to` when the caller left).
    private mutating func leaveByTransfer(_ leg: LiveLeg, employeeIsTo: Bool, at t: Int, reason: MangoResultCode) -> RenderedStep {
        let flag: [String: JSONValue] = ["was_transferred": .bool(true)]
        return emit(leg.callId, "Disconnected", at: t, reason: reason, fromFlags: employeeIsTo ? flag : [:],
                    toFlags: employeeIsTo ? [:] : flag)
    }

    /// Other talking legs of the same employee in the call (the operator's own leg of a click-to-call) end with it.
    private mutating func endTwins(
        of leg: LiveLeg, employee: [String: JSONValue], except: Set<String>, at t: Int, reason: MangoResultCode
    ) -> [RenderedStep] {
        guard let ext = employee["extension"]?.stringValue else { return [] }
        return liveLegs(of: leg.entryId).filter { other in
            other.callId != leg.callId && !except.contains(other.callId) && other.state == "Connected"
                && (other.from["extension"]?.stringValue == ext || other.to["extension"]?.stringValue == ext)
        }.map { emit($0.callId, "Disconnected", at: t, reason: reason) }
    }

    /// Ends the call after a command: when `ends`, the client hangs up a minute later (every live leg
    /// Disconnected 1110); `events/summary` follows once no leg is live.
    mutating func playOut(_ entryId: String, ends: Bool) -> [RenderedStep] {
        guard let clock = calls[entryId]?.clock else { return [] }
        var steps: [RenderedStep] = []
        var reason = MangoResultCode.normal
        if ends, !liveLegs(of: entryId).isEmpty {
            reason = .endedByCaller
            for leg in liveLegs(of: entryId) {
                steps.append(emit(leg.callId, "Disconnected", at: clock + 60, reason: reason))
            }
        }
        if liveLegs(of: entryId).isEmpty, let summary = summary(of: entryId, at: calls[entryId]!.clock, reason: reason) {
            steps.append(summary)
        }
        return steps
    }
}
