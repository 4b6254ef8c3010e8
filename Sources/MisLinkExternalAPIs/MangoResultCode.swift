/// A Mango result or disconnect code (reference A.6). Extensible: any integer is a code.
public struct MangoResultCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    /// 1000: success.
    public static let success = Self(1000)
    /// 1100: normal call end.
    public static let normal = Self(1100)
    /// 1110: ended by the caller.
    public static let endedByCaller = Self(1110)
    /// 1111: no answer within the timeout.
    public static let noAnswerTimeout = Self(1111)
    /// 1120: ended by the callee.
    public static let endedByCallee = Self(1120)
    /// 1121: busy.
    public static let busy = Self(1121)
    /// 1163: hold-queue wait timeout.
    public static let queueTimeout = Self(1163)
    /// 1170: ended by the forwarding scheme (e.g. the IVR).
    public static let endedByScheme = Self(1170)
    /// 1181: ended by an external-system command.
    public static let endedByExternalCommand = Self(1181)
    /// 1183: new operator assigned by ApiConnect (transfers).
    public static let transferredByAPI = Self(1183)
    /// 3000: bad request.
    public static let badRequest = Self(3000)
    /// 3100: bad command parameters.
    public static let badParameters = Self(3100)
    /// 3101: not a POST.
    public static let notPOST = Self(3101)
    /// 3102: signature mismatch.
    public static let signMismatch = Self(3102)
    /// 3103: a required parameter is missing.
    public static let missingParameter = Self(3103)
    /// 3104: a parameter has a bad format.
    public static let badParameterFormat = Self(3104)
    /// 3105: bad access key (`vpbx_api_key`).
    public static let badAccessKey = Self(3105)
    /// 3310: call not found.
    public static let callNotFound = Self(3310)
    /// 3320: recording not found.
    public static let recordingNotFound = Self(3320)
    /// 4001: unsupported command.
    public static let unsupported = Self(4001)
    /// 4002: recording too short (not saved).
    public static let recordingTooShort = Self(4002)
    /// 4101: call ended or missing.
    public static let callEnded = Self(4101)
    /// 4300: SMS failed.
    public static let smsFailed = Self(4300)
    /// 5000: server error.
    public static let serverError = Self(5000)

    /// 1000 or 11xx.
    public var isSuccess: Bool { rawValue == 1000 }
    /// 2xxx: billing.
    public var isBilling: Bool { (2000..<3000).contains(rawValue) }
    /// 3xxx: a bad request. Never retry these in a loop: repeated ones lock the account out (reference A.3).
    public var isBadRequest: Bool { (3000..<4000).contains(rawValue) }
    /// 5xxx: a server problem; retry later.
    public var isServerError: Bool { (5000..<6000).contains(rawValue) }

    public var description: String { String(rawValue) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Codes are stored in INTEGER columns: anything past Int32 is no Mango code.
        if let int = try? container.decode(Int.self), LooseRange.int32.contains(int) {
            rawValue = int
        } else if let text = try? container.decode(String.self), let int = Int(text.trimmingCharacters(in: .whitespaces)),
            LooseRange.int32.contains(int)
        {
            rawValue = int
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a Mango code")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The `{"result":1000}` body of a command's synchronous answer and of a `result/<command>` notification.
public struct MangoCommandResult: Codable, Sendable, Hashable {
    /// Our `command_id`, echoed back (absent in synchronous answers).
    public var commandId: String?
    /// The result code.
    public var result: MangoResultCode

    /// Makes a result.
    public init(commandId: String? = nil, result: MangoResultCode) {
        self.commandId = commandId
        self.result = result
    }

    enum CodingKeys: String, CodingKey {
        case commandId = "command_id"
        case result
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        commandId = c.looseString(.commandId)
        result = try c.decode(MangoResultCode.self, forKey: .result)
    }
}
