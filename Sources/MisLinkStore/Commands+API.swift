import Firebird
import Foundation

/// A command as `GET /api/v1/commands/{id}` shows it (`MISLINK_COMMANDS`), read by column name.
public struct CommandRecord: Sendable, Hashable, Decodable {
    public var id: Int64
    public var kind: CommandKind
    public var staffId: Int64
    public var target: String?
    public var callId: Int64?
    public var status: CommandStatus
    public var resultCode: String?
    public var result: String?
    public var pbxCommandId: String?
    public var createdAt: Date
    public var doneAt: Date?
}

/// A command a screen asks for through the API (`CREATED_BY = 'api'`).
public struct RequestedCommand: Sendable, Hashable {
    public var kind: CommandKind
    public var staffId: Int64
    public var target: String?
    public var callId: Int64?
    public var patientId: Int64?
    public var appealId: Int64?
    /// JSON (`{"method":"consultative"}`).
    public var payload: String?

    public init(kind: CommandKind, staffId: Int64, target: String?, callId: Int64?, patientId: Int64?, appealId: Int64?,
                payload: String?) {
        self.kind = kind
        self.staffId = staffId
        self.target = target
        self.callId = callId
        self.patientId = patientId
        self.appealId = appealId
        self.payload = payload
    }
}

/// The API's SQL of `MISLINK_COMMANDS`: inserting a command (its trigger posts `MISLINK_COMMAND` for the
/// dispatcher) and reading how it went.
extension Commands {
    /// Inserts the command; returns its id.
    public static func insert(_ command: RequestedCommand, in tx: some StoreTransaction) throws -> Int64? {
        try tx.returnedID(
            """
            INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, TARGET, CALL_ID, PATIENT_ID, APPEAL_ID, PAYLOAD, CREATED_BY)
            VALUES (\(command.kind), \(command.staffId), \(command.target), \(command.callId), \(command.patientId),
                \(command.appealId), \(command.payload), 'api')
            RETURNING ID
            """)
    }

    /// Command `id`, nil when there is none.
    public static func command(_ id: Int64, in tx: some StoreTransaction) throws -> CommandRecord? {
        try tx.rows(
            """
            SELECT ID, KIND, STAFF_ID, TARGET, CALL_ID, STATUS, RESULT_CODE, RESULT, PBX_COMMAND_ID, CREATED_AT, DONE_AT
              FROM MISLINK_COMMANDS WHERE ID = \(id)
            """
        ).first?.decode(CommandRecord.self)
    }
}

extension Calls {
    /// Whether call `id` exists.
    public static func exists(_ id: Int64, in tx: some StoreTransaction) throws -> Bool {
        try tx.firstID("SELECT ID FROM MISLINK_CALLS WHERE ID = \(id)") != nil
    }
}
