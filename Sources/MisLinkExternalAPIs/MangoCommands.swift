/// A party in a command: an employee's `extension` and/or a `number`.
public struct MangoCommandParty: Codable, Sendable, Hashable {
    /// The employee's extension (documented as integer, sent as a string by most clients).
    public var extensionNumber: String?
    /// A phone number or SIP URI.
    public var number: String?

    /// Makes a party.
    public init(extension: String? = nil, number: String? = nil) {
        self.extensionNumber = `extension`
        self.number = number
    }

    enum CodingKeys: String, CodingKey {
        case extensionNumber = "extension"
        case number
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        extensionNumber = c.looseString(.extensionNumber)
        number = c.looseString(.number)
    }
}

/// `commands/callback`: click-to-call. Rings `from` first, then `to_number`.
public struct MangoCallbackCommand: Codable, Sendable, Hashable {
    public var commandId: String?
    /// The employee placing the call (`extension` required).
    public var from: MangoCommandParty
    /// The number to call.
    public var toNumber: String
    /// The name of a SIP line, or a DID of the product.
    public var lineNumber: String?

    public init(commandId: String?, from: MangoCommandParty, toNumber: String, lineNumber: String? = nil) {
        self.commandId = commandId
        self.from = from
        self.toNumber = toNumber
        self.lineNumber = lineNumber
    }

    enum CodingKeys: String, CodingKey {
        case commandId = "command_id", from, toNumber = "to_number", lineNumber = "line_number"
    }
}

/// `commands/callback_group`: group click-to-call.
public struct MangoCallbackGroupCommand: Codable, Sendable, Hashable {
    public var commandId: String?
    public var from: String
    public var to: String
    public var lineNumber: String

    public init(commandId: String?, from: String, to: String, lineNumber: String) {
        self.commandId = commandId
        self.from = from
        self.to = to
        self.lineNumber = lineNumber
    }

    enum CodingKeys: String, CodingKey { case commandId = "command_id", from, to, lineNumber = "line_number" }
}

/// `commands/transfer`: `blind` or `hold` (consultative) transfer of a `Connected` leg.
public struct MangoTransferCommand: Codable, Sendable, Hashable {
    public var commandId: String?
    public var callId: String
    /// `blind` or `hold`.
    public var method: String
    public var toNumber: String
    /// One of the call's parties, an employee.
    public var initiator: String

    public init(commandId: String?, callId: String, method: String, toNumber: String, initiator: String) {
        self.commandId = commandId
        self.callId = callId
        self.method = method
        self.toNumber = toNumber
        self.initiator = initiator
    }

    enum CodingKeys: String, CodingKey {
        case commandId = "command_id", callId = "call_id", method, toNumber = "to_number", initiator
    }
}

/// `commands/route`: route a call still in the IVR or queue, or an unanswered `Appeared` leg.
public struct MangoRouteCommand: Codable, Sendable, Hashable {
    public var commandId: String?
    public var callId: String
    public var toNumber: String

    public init(commandId: String?, callId: String, toNumber: String) {
        self.commandId = commandId
        self.callId = callId
        self.toNumber = toNumber
    }

    enum CodingKeys: String, CodingKey { case commandId = "command_id", callId = "call_id", toNumber = "to_number" }
}

/// `commands/call/hangup`.
public struct MangoHangupCommand: Codable, Sendable, Hashable {
    public var commandId: String?
    public var callId: String

    public init(commandId: String?, callId: String) {
        self.commandId = commandId
        self.callId = callId
    }

    enum CodingKeys: String, CodingKey { case commandId = "command_id", callId = "call_id" }
}

/// `commands/recording/start`.
public struct MangoRecordingStartCommand: Codable, Sendable, Hashable {
    public var commandId: String?
    public var callId: String
    /// Preferably the employee's extension.
    public var callPartyNumber: String

    public init(commandId: String?, callId: String, callPartyNumber: String) {
        self.commandId = commandId
        self.callId = callId
        self.callPartyNumber = callPartyNumber
    }

    enum CodingKeys: String, CodingKey {
        case commandId = "command_id", callId = "call_id", callPartyNumber = "call_party_number"
    }
}

/// `commands/sms`.
public struct MangoSMSCommand: Codable, Sendable, Hashable {
    public var commandId: String?
    /// At most 612 Latin or 268 Cyrillic characters.
    public var text: String
    /// The employee billed for it.
    public var fromExtension: String
    public var toNumber: String
    public var smsSender: String?

    public init(commandId: String?, text: String, fromExtension: String, toNumber: String, smsSender: String? = nil) {
        self.commandId = commandId
        self.text = text
        self.fromExtension = fromExtension
        self.toNumber = toNumber
        self.smsSender = smsSender
    }

    enum CodingKeys: String, CodingKey {
        case commandId = "command_id", text, fromExtension = "from_extension", toNumber = "to_number"
        case smsSender = "sms_sender"
    }
}

/// `stats/request`: asks for a CSV report; answered with ``MangoStatsKey``.
public struct MangoStatsRequest: Codable, Sendable, Hashable {
    /// Unix seconds.
    public var dateFrom: Int
    /// Unix seconds; the window is at most a month.
    public var dateTo: Int
    /// Comma-separated field names; `nil` gives ``MangoStatsCSV/defaultFields``.
    public var fields: String?
    public var requestId: String?

    public init(dateFrom: Int, dateTo: Int, fields: String? = nil, requestId: String? = nil) {
        self.dateFrom = dateFrom
        self.dateTo = dateTo
        self.fields = fields
        self.requestId = requestId
    }

    enum CodingKeys: String, CodingKey {
        case dateFrom = "date_from", dateTo = "date_to", fields, requestId = "request_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dateFrom = try c.requiredLooseInt(.dateFrom)
        dateTo = try c.requiredLooseInt(.dateTo)
        fields = c.looseString(.fields)
        requestId = c.looseString(.requestId)
    }
}

/// The synchronous answer of `stats/request`, and the body of `stats/result`.
public struct MangoStatsKey: Codable, Sendable, Hashable {
    public var key: String
    public var requestId: String?

    public init(key: String, requestId: String? = nil) {
        self.key = key
        self.requestId = requestId
    }

    enum CodingKeys: String, CodingKey { case key, requestId = "request_id" }
}

/// `queries/recording/post`: answered with 302 to a one-time link.
public struct MangoRecordingPostQuery: Codable, Sendable, Hashable {
    public var recordingId: String
    /// `download` or `play`.
    public var action: String

    public init(recordingId: String, action: String = "download") {
        self.recordingId = recordingId
        self.action = action
    }

    enum CodingKeys: String, CodingKey { case recordingId = "recording_id", action }
}

/// `config/users/request`.
public struct MangoUsersRequest: Codable, Sendable, Hashable {
    /// One employee; `nil` lists everyone.
    public var extensionNumber: String?
    /// Extra fields such as `general.sips`.
    public var extFields: [String]?

    public init(extension: String? = nil, extFields: [String]? = nil) {
        self.extensionNumber = `extension`
        self.extFields = extFields
    }

    enum CodingKeys: String, CodingKey { case extensionNumber = "extension", extFields = "ext_fields" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        extensionNumber = c.looseString(.extensionNumber)
        extFields = try? c.decodeIfPresent([String].self, forKey: .extFields)
    }
}
