import Foundation
import Firebird

/// A `MISLINK_OUTBOX` row this worker has claimed (`STATUS = 'sending'`, `CLAIMED_BY` = us).
struct OutboxRow: Sendable {
    var id: Int64
    /// `message` or `pbx_command`.
    var kind: String
    /// `sms`, `whatsapp`, …, `messenger`, `pbx`.
    var channel: String
    var recipient: String?
    var phoneKey: String?
    var threadId: Int64?
    var templateCode: String?
    /// PARAMS as JSON text.
    var params: String?
    var body: String?
    var idempotencyKey: String
    /// Attempts including the one just claimed.
    var attempts: Int
    var staffId: Int?
    var commandId: Int64?
    /// `EXPIRES_AT` has passed: cancel, do not send.
    var expired: Bool
    /// `schedule`, `mis`, `worker`, `api`, `mailing`.
    var source: String
    /// The mailing (`MISLINK_MAILINGS.ID` as text) of a `mailing` row.
    var batchId: String?

    static let columns = """
        O.ID, O.KIND, O.CHANNEL, O.RECIPIENT, O.PHONE_KEY, O.THREAD_ID, O.TEMPLATE_CODE, O.PARAMS, O.BODY,
        O.IDEMPOTENCY_KEY, O.ATTEMPTS, O.STAFF_ID, O.COMMAND_ID, O.SOURCE, O.BATCH_ID,
        IIF(O.EXPIRES_AT IS NOT NULL AND O.EXPIRES_AT <= CAST(? AS TIMESTAMP), 1, 0) AS EXPIRED
        """

    init(row: Row) throws {
        id = try row.decode(Int64.self, column: "ID")
        kind = try row.decode(String.self, column: "KIND")
        channel = try row.decode(String.self, column: "CHANNEL")
        recipient = try row.decode(String?.self, column: "RECIPIENT")
        phoneKey = try row.decode(String?.self, column: "PHONE_KEY")
        threadId = try row.decode(Int64?.self, column: "THREAD_ID")
        templateCode = try row.decode(String?.self, column: "TEMPLATE_CODE")
        params = try row.decode(String?.self, column: "PARAMS")
        body = try row.decode(String?.self, column: "BODY")
        idempotencyKey = try row.decode(String.self, column: "IDEMPOTENCY_KEY")
        attempts = try row.decode(Int.self, column: "ATTEMPTS")
        staffId = try row.decode(Int?.self, column: "STAFF_ID")
        commandId = try row.decode(Int64?.self, column: "COMMAND_ID")
        expired = try row.decode(Int.self, column: "EXPIRED") == 1
        source = try row.decode(String.self, column: "SOURCE")
        batchId = try row.decode(String?.self, column: "BATCH_ID")
    }
}

/// A `MISLINK_COMMANDS` row this worker has claimed (`STATUS = 'processing'`, `CLAIMED_BY` = us).
struct CommandRow: Sendable {
    var id: Int64
    /// `call`, `transfer`, `hangup`, `record`, `message`.
    var kind: String
    var staffId: Int
    /// The asking employee's extension (the MIS profile's `staff_get`, read after the claim).
    var staffExtension: String?
    var target: String?
    var callId: Int64?
    var threadId: Int64?
    var patientId: Int?
    var appealId: Int?
    var scheduleId: Int?
    var payload: String?
    /// The `command_id` sent to the PBX (set when the row was claimed).
    var pbxCommandId: String?
    /// Seconds since the screen inserted it.
    var ageSeconds: Int
    /// Claims including the one just made (`ATTEMPTS`, V013).
    var attempts: Int

    static let columns = """
        C.ID, C.KIND, C.STAFF_ID, C.TARGET, C.CALL_ID, C.THREAD_ID, C.PATIENT_ID, C.APPEAL_ID,
        C.SCHEDULE_ID, C.PAYLOAD, C.PBX_COMMAND_ID, DATEDIFF(SECOND, C.CREATED_AT, CAST(? AS TIMESTAMP)) AS AGE_SECONDS,
        C.ATTEMPTS
        """

    init(row: Row) throws {
        id = try row.decode(Int64.self, column: "ID")
        kind = try row.decode(String.self, column: "KIND")
        staffId = try row.decode(Int.self, column: "STAFF_ID")
        staffExtension = nil  // filled by the claim from the MIS profile's staff_get
        target = try row.decode(String?.self, column: "TARGET")?.trimmed.nilIfEmpty
        callId = try row.decode(Int64?.self, column: "CALL_ID")
        threadId = try row.decode(Int64?.self, column: "THREAD_ID")
        patientId = try row.decode(Int?.self, column: "PATIENT_ID")
        appealId = try row.decode(Int?.self, column: "APPEAL_ID")
        scheduleId = try row.decode(Int?.self, column: "SCHEDULE_ID")
        payload = try row.decode(String?.self, column: "PAYLOAD")
        pbxCommandId = try row.decode(String?.self, column: "PBX_COMMAND_ID")
        ageSeconds = try row.decode(Int.self, column: "AGE_SECONDS")
        attempts = try row.decode(Int.self, column: "ATTEMPTS")
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
