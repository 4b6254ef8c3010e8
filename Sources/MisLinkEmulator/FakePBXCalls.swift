import Foundation
import MisLinkExternalAPIs

/// A call the fake PBX knows, learnt from the `events/call` legs it sent or a scenario played.
struct LiveCall {
    var entryId: String
    /// 0 internal, 1 inbound, 2 outbound (as `events/summary` `call_direction`).
    var direction: Int
    /// The summary's `from`.
    var summaryFrom: [String: JSONValue]
    /// The client's party on an outbound call (the summary's `to`).
    var client: [String: JSONValue]?
    /// The first employee rung (the summary's `to` for a missed call).
    var firstEmployee: [String: JSONValue]?
    /// The employee of the most recent `Connected` leg (the summary's `to` for an answered call).
    var answeredBy: [String: JSONValue]?
    var line: String?
    var createTime: Int
    var forwardTime = 0
    var talkTime = 0
    /// The latest timestamp sent for this call; generated events never go back before it.
    var clock: Int
    /// `true` once `events/summary` went out.
    var ended = false
    /// The legs in first-seen order.
    var legIds: [String] = []
}

/// One leg of a known call: what its next `events/call` repeats.
struct LiveLeg {
    var entryId: String
    var callId: String
    var seq: Int
    var state: String
    var location: String
    var from: [String: JSONValue]
    var to: [String: JSONValue]
    /// `command_id`, `callback_initiator`, `transfer`: kept on every event of the leg.
    var extra: [String: JSONValue]

    var isLive: Bool { state != "Disconnected" }
    var transfer: String? { extra["transfer"]?.stringValue }
}

/// Party flags that belong to one event only (api v2), never carried to the next one.
private let oneEventFlags = ["was_transferred", "hold_initiator"]

extension FakePBXState {
    /// Learns a notification: `events/call` updates its leg (older `seq` ignored), `events/summary` ends the call.
    mutating func learn(path: String, json: JSONValue) {
        guard let entryId = json["entry_id"]?.stringValue, !entryId.isEmpty else { return }
        if path.hasSuffix("events/summary") {
            if calls[entryId] == nil {
                calls[entryId] = LiveCall(entryId: entryId, direction: json["call_direction"]?.intValue ?? 1, summaryFrom: [:],
                                          createTime: json["create_time"]?.intValue ?? 0, clock: json["end_time"]?.intValue ?? 0)
            }
            calls[entryId]!.ended = true
            return
        }
        guard path.hasSuffix("events/call"), let callId = json["call_id"]?.stringValue, let seq = json["seq"]?.intValue,
              let state = json["call_state"]?.stringValue else { return }
        if let known = legs[callId], known.seq > seq { return }
        var from = json["from"]?.objectValue ?? [:]
        var to = json["to"]?.objectValue ?? [:]
        for flag in oneEventFlags {
            from[flag] = nil
            to[flag] = nil
        }
        var extra: [String: JSONValue] = [:]
        for key in ["command_id", "callback_initiator", "transfer"] { extra[key] = json[key] }
        let timestamp = json["timestamp"]?.intValue ?? 0
        let leg = LiveLeg(entryId: entryId, callId: callId, seq: seq, state: state,
                          location: json["location"]?.stringValue ?? "abonent", from: from, to: to, extra: extra)
        if calls[entryId] == nil {
            let direction: Int
            if extra["callback_initiator"] != nil { direction = 2 } else if from["extension"] != nil {
                direction = to["extension"] != nil ? 0 : 2
            } else { direction = 1 }
            calls[entryId] = LiveCall(entryId: entryId, direction: direction, summaryFrom: [:], createTime: timestamp,
                                      clock: timestamp)
            if direction != 1 { calls[entryId]!.forwardTime = timestamp }
        }
        record(leg, at: timestamp)
    }

    /// Stores a leg state and updates its call's summary facts.
    private mutating func record(_ leg: LiveLeg, at timestamp: Int) {
        guard var call = calls[leg.entryId] else { return }
        if legs[leg.callId] == nil { call.legIds.append(leg.callId) }
        legs[leg.callId] = leg
        call.clock = max(call.clock, timestamp)
        if call.line == nil { call.line = leg.to["line_number"]?.stringValue }
        let employee = leg.to["extension"] != nil ? Self.party(leg.to) : leg.from["extension"] != nil ? Self.party(leg.from) : nil
        let other = leg.to["extension"] != nil ? leg.from : leg.to
        if call.summaryFrom.isEmpty {
            switch call.direction {
            case 1: call.summaryFrom = Self.party(leg.from)
            default: call.summaryFrom = Self.party(leg.from["extension"] != nil ? leg.from : leg.to)
            }
        }
        if call.direction == 2, call.client == nil, other["extension"] == nil, other["number"] != nil {
            call.client = ["number": other["number"]!]
        }
        if leg.location == "abonent", let employee {
            if call.firstEmployee == nil { call.firstEmployee = employee }
            if call.direction == 1, call.forwardTime == 0, leg.state == "Appeared" || leg.state == "Connected" {
                call.forwardTime = timestamp
            }
            if leg.state == "Connected" {
                call.answeredBy = employee
                if call.talkTime == 0 { call.talkTime = timestamp }
            }
        }
        calls[leg.entryId] = call
    }

    /// A party reduced to what a summary shows: `extension` and `number`.
    static func party(_ object: [String: JSONValue]) -> [String: JSONValue] {
        object.filter { $0.key == "extension" || $0.key == "number" }
    }

    /// The next `events/call` of a leg: bumps its `seq`, records the new state, returns the step.
    /// - Parameters:
    ///   - fromFlags, toFlags: One-event flags (`was_transferred`, `hold_initiator`) or replacements of the parties.
    mutating func emit(
        _ callId: String, _ state: String, at timestamp: Int, reason: MangoResultCode? = nil,
        from: [String: JSONValue]? = nil, to: [String: JSONValue]? = nil, fromFlags: [String: JSONValue] = [:],
        toFlags: [String: JSONValue] = [:], transfer: String? = nil
    ) -> RenderedStep {
        var leg = legs[callId]!
        leg.seq += 1
        leg.state = state
        if let from { leg.from = from }
        if let to { leg.to = to }
        if let transfer { leg.extra["transfer"] = .string(transfer) }
        record(leg, at: timestamp)
        var json: [String: JSONValue] = [
            "entry_id": .string(leg.entryId), "call_id": .string(callId), "timestamp": .int(timestamp),
            "seq": .int(leg.seq), "call_state": .string(state), "location": .string(leg.location),
            "from": .object(leg.from.merging(fromFlags) { $1 }), "to": .object(leg.to.merging(toFlags) { $1 }),
        ]
        json.merge(leg.extra) { $1 }
        if let reason { json["disconnect_reason"] = .int(reason.rawValue) }
        return .mango(path: MangoPath.eventCall.rawValue, json: .object(json))
    }

    /// Starts a new leg (its first event is `Appeared`, seq 1).
    mutating func newLeg(
        entryId: String, from: [String: JSONValue], to: [String: JSONValue], at timestamp: Int, commandId: String?,
        transfer: String?, location: String = "abonent"
    ) -> (String, RenderedStep) {
        let callId = Self.makeCallId()
        var extra: [String: JSONValue] = [:]
        if let commandId { extra["command_id"] = .string(commandId) }
        if let transfer { extra["transfer"] = .string(transfer) }
        legs[callId] = LiveLeg(entryId: entryId, callId: callId, seq: 0, state: "", location: location, from: from, to: to,
                               extra: extra)
        calls[entryId]?.legIds.append(callId)
        return (callId, emit(callId, "Appeared", at: timestamp))
    }

    /// The live legs of a call, in first-seen order.
    func liveLegs(of entryId: String) -> [LiveLeg] {
        (calls[entryId]?.legIds ?? []).compactMap { legs[$0] }.filter(\.isLive)
    }

    /// `events/summary` for a call whose last leg ended, and the CSV row stats serve.
    mutating func summary(of entryId: String, at timestamp: Int, reason: MangoResultCode) -> RenderedStep? {
        guard var call = calls[entryId], !call.ended else { return nil }
        call.ended = true
        calls[entryId] = call
        let talked = call.talkTime > 0
        var json: [String: JSONValue] = [
            "entry_id": .string(entryId), "call_direction": .int(call.direction), "from": .object(call.summaryFrom),
            "create_time": .int(call.createTime), "forward_time": .int(talked || call.direction != 1 ? call.forwardTime : 0),
            "talk_time": .int(call.talkTime), "end_time": .int(timestamp), "entry_result": .int(talked ? 1 : 0),
            "disconnect_reason": .int(reason.rawValue),
        ]
        let to = call.direction == 2 ? call.client : (call.answeredBy ?? call.firstEmployee)
        if let to { json["to"] = .object(to) }
        if call.direction != 0, let line = call.line { json["line_number"] = .string(line) }
        finishedCalls.append([
            "entry_id": entryId, "from_extension": call.summaryFrom["extension"]?.stringValue ?? "",
            "from_number": call.summaryFrom["number"]?.stringValue ?? "", "to_extension": to?["extension"]?.stringValue ?? "",
            "to_number": to?["number"]?.stringValue ?? "", "line_number": call.line ?? "", "start": String(call.createTime),
            "answer": String(call.talkTime), "finish": String(timestamp), "disconnect_reason": String(reason.rawValue),
        ])
        return .mango(path: MangoPath.eventSummary.rawValue, json: .object(json))
    }

    /// A leg id shaped like the real ones (base64 of `1:<product>:<n>:<leg>`).
    static func makeCallId() -> String {
        let text = "1:\(Int.random(in: 10_000_000...99_999_999)):\(Int.random(in: 100...999)):\(Int.random(in: 10_000_000...99_999_999))"
        return Data(text.utf8).base64EncodedString()
    }
}

extension JSONValue {
    /// The members of an object, or `nil`.
    var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }
}
