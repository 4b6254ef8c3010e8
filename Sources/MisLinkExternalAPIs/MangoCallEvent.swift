/// The state of a call leg in `events/call` (extensible: unknown states decode as themselves).
public struct MangoCallState: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Ringing in or out; the callee is known.
    public static let appeared = Self(rawValue: "Appeared")
    /// Talking.
    public static let connected = Self(rawValue: "Connected")
    /// Held via the PBX.
    public static let onHold = Self(rawValue: "OnHold")
    /// Final for the leg (not for the call).
    public static let disconnected = Self(rawValue: "Disconnected")
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// `from` or `to` of an `events/call` notification.
public struct MangoCallParty: Codable, Sendable, Hashable {
    /// The employee's ID (documented integer, sent as `"29"`).
    public var extensionNumber: String?
    /// The number; absent for a hidden caller ID. May be a SIP URI.
    public var number: String?
    /// `to.line_number`: the PBX incoming line.
    public var lineNumber: String?
    /// `to.acd_group`: the group short number; the empty string (no short number) decodes as `nil`.
    public var acdGroup: String?
    /// `from.taken_from_call_id`: the leg this party came from (transfer, IVR → operator).
    public var takenFromCallId: String?
    /// Only in `Disconnected`: the party left by a transfer command.
    public var wasTransferred: Bool?
    /// Only in `OnHold`: this party put the other on hold.
    public var holdInitiator: Bool?

    public init(
        extension: String? = nil, number: String? = nil, lineNumber: String? = nil, acdGroup: String? = nil,
        takenFromCallId: String? = nil, wasTransferred: Bool? = nil, holdInitiator: Bool? = nil
    ) {
        self.extensionNumber = `extension`
        self.number = number
        self.lineNumber = lineNumber
        self.acdGroup = acdGroup
        self.takenFromCallId = takenFromCallId
        self.wasTransferred = wasTransferred
        self.holdInitiator = holdInitiator
    }

    enum CodingKeys: String, CodingKey {
        case extensionNumber = "extension", number, lineNumber = "line_number", acdGroup = "acd_group"
        case takenFromCallId = "taken_from_call_id", wasTransferred = "was_transferred"
        case holdInitiator = "hold_initiator"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        extensionNumber = c.looseString(.extensionNumber)
        number = c.looseString(.number)
        lineNumber = c.looseString(.lineNumber)
        acdGroup = c.looseString(.acdGroup)
        takenFromCallId = c.looseString(.takenFromCallId)
        wasTransferred = c.looseBool(.wasTransferred)
        holdInitiator = c.looseBool(.holdInitiator)
    }
}

/// `events/call`: one state change of one call leg. Idempotency key `(call_id, seq)`; order by `seq` per leg.
public struct MangoCallEvent: Codable, Sendable, Hashable {
    /// The whole call's key, kept across transfers.
    public var entryId: String
    /// The leg's key.
    public var callId: String
    /// Epoch seconds (documented "UTC+3", read as plain epoch: UNVERIFIED); decoding refuses values
    /// outside ``LooseRange/pbxEpochSeconds``.
    public var timestamp: Int
    /// Per-call notification counter; decoding refuses values outside ``LooseRange/counter``.
    public var seq: Int
    public var callState: MangoCallState
    /// `ivr`, `queue` or `abonent`.
    public var location: String?
    public var from: MangoCallParty?
    public var to: MangoCallParty?
    /// Only in `Disconnected`.
    public var disconnectReason: MangoResultCode?
    /// `consultative`, `blind` or `return_blind`.
    public var transfer: String?
    public var sipCallId: String?
    /// Set when a command of ours created the leg.
    public var commandId: String?
    public var taskId: Int?
    /// `API` for our click-to-call, also `CC`, `WEB`, `ObDial`, …
    public var callbackInitiator: String?

    public init(
        entryId: String, callId: String, timestamp: Int, seq: Int, callState: MangoCallState, location: String? = nil,
        from: MangoCallParty? = nil, to: MangoCallParty? = nil, disconnectReason: MangoResultCode? = nil,
        transfer: String? = nil, sipCallId: String? = nil, commandId: String? = nil, taskId: Int? = nil,
        callbackInitiator: String? = nil
    ) {
        self.entryId = entryId
        self.callId = callId
        self.timestamp = timestamp
        self.seq = seq
        self.callState = callState
        self.location = location
        self.from = from
        self.to = to
        self.disconnectReason = disconnectReason
        self.transfer = transfer
        self.sipCallId = sipCallId
        self.commandId = commandId
        self.taskId = taskId
        self.callbackInitiator = callbackInitiator
    }

    enum CodingKeys: String, CodingKey {
        case entryId = "entry_id", callId = "call_id", timestamp, seq, callState = "call_state", location, from, to
        case disconnectReason = "disconnect_reason", transfer, sipCallId = "sip_call_id", commandId = "command_id"
        case taskId = "task_id", callbackInitiator = "callback_initiator"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        entryId = try c.requiredLooseString(.entryId)
        callId = try c.requiredLooseString(.callId)
        timestamp = try c.looseInt(.timestamp, in: LooseRange.pbxEpochSeconds) ?? 0
        seq = try c.looseInt(.seq, in: LooseRange.counter) ?? 0
        callState = try c.decode(MangoCallState.self, forKey: .callState)
        location = c.looseString(.location)
        from = try? c.decodeIfPresent(MangoCallParty.self, forKey: .from)
        to = try? c.decodeIfPresent(MangoCallParty.self, forKey: .to)
        disconnectReason = try c.looseInt(.disconnectReason, in: LooseRange.int32).map(MangoResultCode.init(rawValue:))
        transfer = c.looseString(.transfer)
        sipCallId = c.looseString(.sipCallId)
        commandId = c.looseString(.commandId)
        taskId = c.looseInt(.taskId)
        callbackInitiator = c.looseString(.callbackInitiator)
    }
}
