import Foundation
import Hummingbird
import MisLinkExternalAPIs

/// `commands/transfer`, `commands/route` and `commands/call/hangup` on calls the fake PBX knows: each
/// accepted command answers 1000 and causes the `events/call` legs the reference describes (new legs
/// carry our `command_id`), a `result/<command>`, and `events/summary` once the call's last leg ends.
extension FakePBX {
    /// What a call command does: the events it causes, or the code it is refused with.
    enum CallCommandOutcome {
        case accepted([RenderedStep])
        case refused(MangoResultCode)
    }

    /// Answers a call command: 1000 and its notifications, or the refusal code (synchronously and in `result/<command>`).
    private func answer(_ outcome: CallCommandOutcome, path: MangoPath, commandId: String?) throws -> Response {
        switch outcome {
        case .accepted(let steps):
            notify(result: path, commandId: commandId, code: .success, steps: steps)
            return .json(Self.ok)
        case .refused(let code) where (3000..<4000).contains(code.rawValue):
            throw CommandRejection(code: code)
        case .refused(let code):
            notify(result: path, commandId: commandId, code: code, steps: [])
            return .json(#"{"result":\#(code.rawValue)}"#)
        }
    }

    /// The epoch second generated events start at: now, never before what the call already sent.
    private func now(_ call: LiveCall) -> Int {
        max(Int(Date().timeIntervalSince1970) + configuration.timestampOffset, call.clock)
    }

    /// The party a `to_number` reaches: an employee by extension (with their SIP number), else the number itself.
    private func party(for number: String, line: String?) -> [String: JSONValue] {
        var party: [String: JSONValue]
        if let user = configuration.users.first(where: { $0.telephony.extensionNumber == number }) {
            party = ["extension": .string(number),
                     "number": .string(user.general.sips?.first ?? user.telephony.numbers.first?.number ?? number)]
        } else {
            party = ["number": .string(number)]
        }
        if let line { party["line_number"] = .string(line) }
        return party
    }

    /// The leg a command names, if it is live on a call that has not ended.
    private func liveLeg(_ callId: String, in state: FakePBXState) -> (LiveLeg, LiveCall)? {
        guard let leg = state.legs[callId], leg.isLive, let call = state.calls[leg.entryId], !call.ended else { return nil }
        return (leg, call)
    }

    // MARK: - transfer

    /// `commands/transfer`: `blind` or `hold` (consultative) from a `Connected` leg to an extension or a number.
    func transfer(_ form: MangoSignedForm) throws -> Response {
        let command = try MangoJSON.decode(MangoTransferCommand.self, from: form.json)
        guard ["blind", "hold"].contains(command.method), !command.toNumber.isEmpty, !command.initiator.isEmpty else {
            throw CommandRejection(code: .badParameters)
        }
        let outcome = state.withLock { state -> CallCommandOutcome in
            guard let (leg, call) = liveLeg(command.callId, in: state) else { return .refused(configuration.unknownCallResult) }
            guard leg.state == "Connected" else { return .refused(.impossible) }
            // The initiator must be one of the leg's parties, and an employee.
            let employeeIsTo: Bool
            if Self.matches(leg.to, command.initiator) { employeeIsTo = true } else if Self.matches(leg.from, command.initiator) {
                employeeIsTo = false
            } else { return .refused(.badParameters) }
            let target = party(for: command.toNumber, line: call.line)
            let answered = !configuration.unansweredNumbers.contains(command.toNumber)
            let t = now(call)
            var steps = command.method == "blind"
                ? state.blindTransfer(leg, employeeIsTo: employeeIsTo, target: target, answered: answered, at: t, commandId: command.commandId)
                : state.consultativeTransfer(leg, employeeIsTo: employeeIsTo, target: target, answered: answered, at: t,
                                             commandId: command.commandId)
            steps += state.playOut(call.entryId, ends: configuration.callsEndAfterCommands)
            return .accepted(steps)
        }
        return try answer(outcome, path: .transfer, commandId: command.commandId)
    }

    /// Whether a leg party is the employee `initiator` names (by extension or number).
    static func matches(_ party: [String: JSONValue], _ initiator: String) -> Bool {
        guard let ext = party["extension"]?.stringValue else { return false }
        return ext == initiator || party["number"]?.stringValue == initiator
    }

    // MARK: - route

    /// `commands/route`: a call in the IVR or a queue, or a ringing (`Appeared`) leg, goes to `to_number`.
    func route(_ form: MangoSignedForm) throws -> Response {
        let command = try MangoJSON.decode(MangoRouteCommand.self, from: form.json)
        guard !command.toNumber.isEmpty else { throw CommandRejection(code: .missingParameter) }
        let outcome = state.withLock { state -> CallCommandOutcome in
            guard let (leg, call) = liveLeg(command.callId, in: state) else { return .refused(configuration.unknownCallResult) }
            let waiting = leg.location == "ivr" || leg.location == "queue"
            guard waiting || leg.state == "Appeared" else { return .refused(.impossible) }
            let t = now(call)
            let client = leg.to["extension"] != nil || leg.location != "abonent" ? leg.from : leg.to
            var steps = [state.emit(leg.callId, "Disconnected", at: t, reason: waiting ? .transferredByAPI : .interceptedByOperator)]
            var from = FakePBXState.party(client)
            from["taken_from_call_id"] = .string(leg.callId)
            let (newId, appeared) = state.newLeg(
                entryId: call.entryId, from: from, to: party(for: command.toNumber, line: call.line), at: t,
                commandId: command.commandId, transfer: nil)
            steps.append(appeared)
            let answered = !configuration.unansweredNumbers.contains(command.toNumber)
            steps.append(answered
                ? state.emit(newId, "Connected", at: t + 6)
                : state.emit(newId, "Disconnected", at: t + 20, reason: .noAnswerTimeout))
            steps += state.playOut(call.entryId, ends: configuration.callsEndAfterCommands)
            return .accepted(steps)
        }
        return try answer(outcome, path: .route, commandId: command.commandId)
    }

    // MARK: - hangup

    /// `commands/call/hangup`: ends a leg at `ivr` or `abonent`. Hanging up the new leg of a consultative
    /// transfer returns the held leg to `Connected`; ending a talking leg ends the call's other legs too.
    func hangup(_ form: MangoSignedForm) throws -> Response {
        let command = try MangoJSON.decode(MangoHangupCommand.self, from: form.json)
        let outcome = state.withLock { state -> CallCommandOutcome in
            guard let (leg, call) = liveLeg(command.callId, in: state) else { return .refused(configuration.unknownCallResult) }
            guard leg.location == "ivr" || leg.location == "abonent" else { return .refused(.impossible) }
            let t = now(call) + 1
            var steps = [state.emit(leg.callId, "Disconnected", at: t, reason: .endedByExternalCommand)]
            if leg.transfer == "consultative", let heldId = leg.from["taken_from_call_id"]?.stringValue,
               state.legs[heldId]?.state == "OnHold" {
                steps.append(state.emit(heldId, "Connected", at: t))
                return .accepted(steps)
            }
            if leg.state != "Appeared" {
                for other in state.liveLegs(of: call.entryId) {
                    steps.append(state.emit(other.callId, "Disconnected", at: t, reason: .endedByExternalCommand))
                }
            }
            if state.liveLegs(of: call.entryId).isEmpty,
               let summary = state.summary(of: call.entryId, at: t, reason: .endedByExternalCommand) {
                steps.append(summary)
            }
            return .accepted(steps)
        }
        return try answer(outcome, path: .hangup, commandId: command.commandId)
    }
}

extension MangoResultCode {
    /// 1182: ended by interception to another operator (outgoing legs only).
    static let interceptedByOperator = Self(1182)
    /// 4100: impossible by PBX logic (e.g. a transfer of a leg that is not `Connected`).
    static let impossible = Self(4100)
}
