import Firebird
import Foundation

/// A `MISLINK_COMMANDS` row as a worker carries it out, read by column name.
public struct CommandRow: Sendable, Hashable, Decodable {
    public var id: Int64
    public var kind: CommandKind
    /// The asking employee (an MIS id).
    public var staffId: Int64
    /// The asking employee's extension: not a column; the worker fills it from the MIS after the claim.
    public var staffExtension: String?
    /// The number to call or transfer to, trimmed; `nil` when empty.
    public var target: String?
    public var callId: Int64?
    public var threadId: Int64?
    public var patientId: Int64?
    public var appealId: Int64?
    public var scheduleId: Int64?
    public var payload: String?
    /// The `command_id` sent to the PBX (set when the row was claimed).
    public var pbxCommandId: String?
    /// Seconds since the screen inserted it.
    public var ageSeconds: Int
    /// Claims including the one just made (`ATTEMPTS`, V013).
    public var attempts: Int

    enum CodingKeys: String, CodingKey {
        case id, kind, staffId, target, callId, threadId, patientId, appealId, scheduleId, payload, pbxCommandId,
            ageSeconds, attempts
    }

    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        id = try row.decode(Int64.self, forKey: .id)
        kind = try row.decode(CommandKind.self, forKey: .kind)
        staffId = try row.decode(Int64.self, forKey: .staffId)
        staffExtension = nil
        target = try row.decodeIfPresent(String.self, forKey: .target)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        callId = try row.decodeIfPresent(Int64.self, forKey: .callId)
        threadId = try row.decodeIfPresent(Int64.self, forKey: .threadId)
        patientId = try row.decodeIfPresent(Int64.self, forKey: .patientId)
        appealId = try row.decodeIfPresent(Int64.self, forKey: .appealId)
        scheduleId = try row.decodeIfPresent(Int64.self, forKey: .scheduleId)
        payload = try row.decodeIfPresent(String.self, forKey: .payload)
        pbxCommandId = try row.decodeIfPresent(String.self, forKey: .pbxCommandId)
        ageSeconds = try row.decode(Int.self, forKey: .ageSeconds)
        attempts = try row.decode(Int.self, forKey: .attempts)
    }

    /// The claim this command was read under, by `worker`.
    public func claim(by worker: String) -> Claim {
        Claim(table: .commands, id: id, worker: worker, attempts: attempts)
    }

    /// The command `id` with its age at `now`; `nil` when there is no such row.
    public static func read(_ id: Int64, now: FirebirdTimestamp, in tx: Transaction) throws -> CommandRow? {
        try tx.attachment.query(
            """
            SELECT C.ID, C.KIND, C.STAFF_ID, C.TARGET, C.CALL_ID, C.THREAD_ID, C.PATIENT_ID, C.APPEAL_ID,
                   C.SCHEDULE_ID, C.PAYLOAD, C.PBX_COMMAND_ID,
                   DATEDIFF(SECOND, C.CREATED_AT, CAST(\(now) AS TIMESTAMP)) AS AGE_SECONDS, C.ATTEMPTS
              FROM MISLINK_COMMANDS C
             WHERE C.ID = \(id)
            """, as: CommandRow.self, in: tx
        ).first
    }
}
