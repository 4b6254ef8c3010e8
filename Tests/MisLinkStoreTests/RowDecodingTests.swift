import Firebird
import Foundation
import MisLinkStore
import Testing

/// The store's records are read by column name: the order of the columns does not matter, MIS ids are
/// 64-bit, and a status the CHECK constraints do not know is an error, not a silent default.
@Suite struct RowDecodingTests {
    @Test func aCommandIsReadByNameWhateverTheColumnOrder() async throws {
        try await StoreFixture.with("store-decode-command") { f in
            let command = try await f.db.withTransaction(.readOnly) { tx in
                try tx.attachment.query(
                    """
                    SELECT 3 AS ATTEMPTS, 'transfer' AS KIND, CAST(12345678901234 AS BIGINT) AS STAFF_ID, 7 AS AGE_SECONDS,
                           CAST(NULL AS VARCHAR(10)) AS PAYLOAD, '  101  ' AS TARGET, CAST(98765432109876 AS BIGINT) AS PATIENT_ID,
                           CAST(NULL AS BIGINT) AS APPEAL_ID, CAST(55555555555555 AS BIGINT) AS SCHEDULE_ID, 42 AS CALL_ID,
                           CAST(NULL AS BIGINT) AS THREAD_ID, 'mislink-cmd-9' AS PBX_COMMAND_ID, CAST(9 AS BIGINT) AS ID
                      FROM RDB$DATABASE
                    """, as: CommandRow.self, in: tx)[0]
            }
            #expect(command.id == 9 && command.kind == .transfer && command.attempts == 3 && command.ageSeconds == 7)
            #expect(command.staffId == 12_345_678_901_234 && command.patientId == 98_765_432_109_876)
            #expect(command.scheduleId == 55_555_555_555_555 && command.appealId == nil && command.callId == 42)
            #expect(command.target == "101", "TARGET is trimmed")
            #expect(command.staffExtension == nil, "not a column: filled from the MIS after the claim")
        }
    }

    @Test func aClaimedOutboxRowIsReadByName() async throws {
        try await StoreFixture.with("store-decode-outbox") { f in
            let id = try await f.insertMessage(
                body: "Текст", staffId: 11, extraColumns: ", EXPIRES_AT, TEMPLATE_CODE",
                extraValues: ", DATEADD(-1 MINUTE TO MISLINK_UTC_NOW()), 'booking_confirmed'")
            let row = try #require(try await f.db.withTransaction(.readOnly) { tx in
                try OutboxRow.read(id, now: try DatabaseClock.now(in: tx), in: tx)
            })
            #expect(row.id == id && row.kind == .message && row.channel == "sms" && row.source == .mis)
            #expect(row.body == "Текст" && row.staffId == 11 && row.templateCode == "booking_confirmed")
            #expect(row.expired, "EXPIRES_AT has passed")
            #expect(row.attempts == 0 && row.threadId == nil && row.commandId == nil && row.batchId == nil)
            #expect(row.idempotencyKey.isEmpty == false, "the trigger gives every row a key")
        }
    }

    @Test func aStatusTheSchemaDoesNotAllowIsAnError() async throws {
        try await StoreFixture.with("store-decode-status") { f in
            let rows = try await f.db.withTransaction(.readOnly) { tx in
                try tx.attachment.query("SELECT 'sending' AS GOOD, 'paused' AS BAD FROM RDB$DATABASE", in: tx)
            }
            #expect(try rows[0].decode(OutboxStatus.self, column: "GOOD") == .sending)
            #expect(throws: FirebirdError.self) { try rows[0].decode(OutboxStatus.self, column: "BAD") }
        }
    }

    /// Pure: the claim condition every write-back carries binds its values.
    @Test func aClaimConditionBindsItsValues() {
        let claim = Claim(table: .commands, id: 5, worker: "worker-a", attempts: 2)
        #expect(claim.held.sql == "ID = ? AND STATUS = 'processing' AND CLAIMED_BY = ? AND ATTEMPTS = ?")
        #expect(claim.held.bindings == [.bigint(5), .text("worker-a"), .bigint(2)])
        #expect(Claim(table: .outbox, id: 1, worker: "w", attempts: 1).held.sql.contains("STATUS = 'sending'"))
    }
}
