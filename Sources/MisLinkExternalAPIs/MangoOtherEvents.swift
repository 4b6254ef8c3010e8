/// `events/summary`: the final record of a call; after it the call is finished. Key: `entry_id`.
public struct MangoSummaryEvent: Codable, Sendable, Hashable {
    public var entryId: String
    /// 0 internal, 1 inbound, 2 outbound.
    public var callDirection: Int
    public var from: MangoCallParty?
    public var to: MangoCallParty?
    /// Inbound: the DID called; outbound: the line used; absent for internal calls.
    public var lineNumber: String?
    /// Epoch seconds; this and the other times are refused by decoding outside
    /// ``LooseRange/pbxEpochSeconds``.
    public var createTime: Int
    /// 0 if no conversation took place.
    public var forwardTime: Int
    /// Answer time; 0 if no conversation took place.
    public var talkTime: Int
    public var endTime: Int
    /// 1 successful, 0 missed (not reliable alone: see reference A.7.7).
    public var entryResult: Int
    public var disconnectReason: MangoResultCode?
    public var sipCallId: String?

    public init(
        entryId: String, callDirection: Int, from: MangoCallParty? = nil, to: MangoCallParty? = nil,
        lineNumber: String? = nil, createTime: Int, forwardTime: Int, talkTime: Int, endTime: Int, entryResult: Int,
        disconnectReason: MangoResultCode? = nil, sipCallId: String? = nil
    ) {
        self.entryId = entryId
        self.callDirection = callDirection
        self.from = from
        self.to = to
        self.lineNumber = lineNumber
        self.createTime = createTime
        self.forwardTime = forwardTime
        self.talkTime = talkTime
        self.endTime = endTime
        self.entryResult = entryResult
        self.disconnectReason = disconnectReason
        self.sipCallId = sipCallId
    }

    enum CodingKeys: String, CodingKey {
        case entryId = "entry_id", callDirection = "call_direction", from, to, lineNumber = "line_number"
        case createTime = "create_time", forwardTime = "forward_time", talkTime = "talk_time", endTime = "end_time"
        case entryResult = "entry_result", disconnectReason = "disconnect_reason", sipCallId = "sip_call_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        entryId = try c.requiredLooseString(.entryId)
        callDirection = c.looseInt(.callDirection) ?? 1
        from = try? c.decodeIfPresent(MangoCallParty.self, forKey: .from)
        to = try? c.decodeIfPresent(MangoCallParty.self, forKey: .to)
        lineNumber = c.looseString(.lineNumber)
        createTime = try c.looseInt(.createTime, in: LooseRange.pbxEpochSeconds) ?? 0
        forwardTime = try c.looseInt(.forwardTime, in: LooseRange.pbxEpochSeconds) ?? 0
        talkTime = try c.looseInt(.talkTime, in: LooseRange.pbxEpochSeconds) ?? 0
        endTime = try c.looseInt(.endTime, in: LooseRange.pbxEpochSeconds) ?? 0
        entryResult = c.looseInt(.entryResult) ?? 0
        disconnectReason = try c.looseInt(.disconnectReason, in: LooseRange.int32).map(MangoResultCode.init(rawValue:))
        sipCallId = c.looseString(.sipCallId)
    }
}

/// `events/recording`: `Started`, `Continued` (moved to a new leg) or `Completed`.
/// Key: `(recording_id, recording_state, seq)`.
public struct MangoRecordingEvent: Codable, Sendable, Hashable {
    public var recordingId: String
    /// `Started`, `Continued`, `Completed`.
    public var recordingState: String
    /// Per-recording counter.
    public var seq: Int
    public var entryId: String
    public var callId: String
    public var extensionNumber: String?
    public var timestamp: Int
    /// On `Completed`: 1000 ok, 4002 too short (not saved), 22xx restricted.
    public var completionCode: MangoResultCode?
    /// `Cloud`, `Mail`, `CloudAndMail`.
    public var recipient: String?
    public var commandId: String?

    public init(
        recordingId: String, recordingState: String, seq: Int, entryId: String, callId: String,
        extension: String? = nil, timestamp: Int, completionCode: MangoResultCode? = nil, recipient: String? = nil,
        commandId: String? = nil
    ) {
        self.recordingId = recordingId
        self.recordingState = recordingState
        self.seq = seq
        self.entryId = entryId
        self.callId = callId
        self.extensionNumber = `extension`
        self.timestamp = timestamp
        self.completionCode = completionCode
        self.recipient = recipient
        self.commandId = commandId
    }

    enum CodingKeys: String, CodingKey {
        case recordingId = "recording_id", recordingState = "recording_state", seq, entryId = "entry_id"
        case callId = "call_id", extensionNumber = "extension", timestamp, completionCode = "completion_code"
        case recipient, commandId = "command_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        recordingId = try c.requiredLooseString(.recordingId)
        recordingState = try c.requiredLooseString(.recordingState)
        seq = try c.looseInt(.seq, in: LooseRange.counter) ?? 0
        entryId = c.looseString(.entryId) ?? ""
        callId = c.looseString(.callId) ?? ""
        extensionNumber = c.looseString(.extensionNumber)
        timestamp = try c.looseInt(.timestamp, in: LooseRange.pbxEpochSeconds) ?? 0
        completionCode = try c.looseInt(.completionCode, in: LooseRange.int32).map(MangoResultCode.init(rawValue:))
        recipient = c.looseString(.recipient)
        commandId = c.looseString(.commandId)
    }
}

/// `events/record/added`: the file is in cloud storage, the trigger for downloading. Key: `recording_id`.
public struct MangoRecordAddedEvent: Codable, Sendable, Hashable {
    public var entryId: String
    public var productId: Int?
    /// The employee; -1 when the recording belongs to nobody.
    public var userId: Int?
    public var timestamp: Int
    public var recordingId: String

    public init(entryId: String, productId: Int? = nil, userId: Int? = nil, timestamp: Int, recordingId: String) {
        self.entryId = entryId
        self.productId = productId
        self.userId = userId
        self.timestamp = timestamp
        self.recordingId = recordingId
    }

    enum CodingKeys: String, CodingKey {
        case entryId = "entry_id", productId = "product_id", userId = "user_id", timestamp
        case recordingId = "recording_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        entryId = c.looseString(.entryId) ?? ""
        productId = c.looseInt(.productId)
        userId = c.looseInt(.userId)
        timestamp = try c.looseInt(.timestamp, in: LooseRange.pbxEpochSeconds) ?? 0
        recordingId = try c.requiredLooseString(.recordingId)
    }
}
