import Firebird

/// The SQL of `MISLINK_COMMANDS`: finding new commands, claiming one, and writing its status back.
///
/// Commands are claimed the same way as outbox rows (see ``OutboxStore``): a read lists the
/// candidates, then a NO WAIT `UPDATE … WHERE ID = ? AND (STATUS = 'new' OR <lease ran out>)` per row
/// decides which worker owns it. The claim also fixes `PBX_COMMAND_ID` (`mislink-cmd-<ID>`) before
/// anything is sent, so the PBX's `result/<command>` notification finds the row even when it arrives
/// before this worker has written `sent` ("whichever arrives first"). Every claim adds one to
/// `ATTEMPTS` (V013), which caps how often a command is taken and tells claims apart (see ``Lease``).
/// The write-back only changes a row that is still `processing` and ours by this claim: when the
/// intake has already written the final result, it is left as it is.
struct CommandStore: Sendable {
    let database: DispatcherDatabase
    let workerName: String
    let lease: Duration
    /// The asking employee's extension, through the MIS profile's `staff_get`.
    let mis: MISReads

    /// IDs of commands waiting (new, or with a lease that ran out), at most `limit`, oldest first.
    func dueIDs(limit: Int) async throws -> [Int64] {
        try await database.transaction(.read) { tx in
            let now = try DatabaseClock.now(in: tx)
            return try tx.attachment.query(
                """
                SELECT FIRST (\(limit)) ID FROM MISLINK_COMMANDS
                 WHERE STATUS = 'new' OR (STATUS = 'processing' AND CLAIMED_UNTIL < \(now))
                 ORDER BY ID
                """, in: tx
            ).map { try $0.decode(Int64.self, at: 0) }
        }
    }

    /// Claims one command; `nil` when another worker has it, or it was cancelled or done meanwhile.
    func claim(_ id: Int64) async throws -> CommandRow? {
        let worker = workerName, lease = self.lease, mis = self.mis
        do {
            return try await database.transaction(.claim) { tx in
                let now = try DatabaseClock.now(in: tx)
                let until = DatabaseClock.adding(lease, to: now)
                let changed = try tx.attachment.execute(
                    """
                    UPDATE MISLINK_COMMANDS
                       SET STATUS = 'processing', CLAIMED_BY = \(worker), CLAIMED_UNTIL = \(until), ATTEMPTS = ATTEMPTS + 1,
                           PBX_COMMAND_ID = IIF(KIND = 'message', PBX_COMMAND_ID,
                                                COALESCE(PBX_COMMAND_ID, 'mislink-cmd-' || ID))
                     WHERE ID = \(id)
                       AND (STATUS = 'new' OR (STATUS = 'processing' AND CLAIMED_UNTIL < \(now)))
                    """, in: tx)
                guard changed == 1 else { return nil }
                let rows = try tx.attachment.query(
                    FirebirdQuery(
                        unsafeSQL: """
                            SELECT \(CommandRow.columns)
                              FROM MISLINK_COMMANDS C
                             WHERE C.ID = ?
                            """,
                        bindings: [.timestamp(now), .bigint(id)]), in: tx)
                guard var command = try rows.first.map(CommandRow.init(row:)) else { return nil }
                command.staffExtension = try mis.staff(Int64(command.staffId), in: tx)?.extension
                return command
            }
        } catch FirebirdError.Code.lockConflict {
            return nil
        }
    }

    /// Writes the PBX's answer: `sent` (accepted, the result notification is pending), or a final
    /// `failed` / `cancelled`. Returns false when the row was no longer ours to change.
    func record(_ command: CommandRow, status: String, code: String?, text: String) async throws -> Bool {
        let worker = workerName
        return try await database.transaction(.writeBack) { tx in
            let now = try DatabaseClock.now(in: tx)
            let final = status != "sent"
            return try tx.attachment.execute(FirebirdQuery(
                unsafeSQL: """
                    UPDATE MISLINK_COMMANDS
                       SET STATUS = ?, RESULT_CODE = ?, RESULT = ?, DONE_AT = ?, CLAIMED_UNTIL = NULL
                     WHERE ID = ? AND STATUS = 'processing' AND CLAIMED_BY = ? AND ATTEMPTS = ?
                    """,
                bindings: [
                    .text(status), OutboxStore.resultCode(code), .text(text.clipped),
                    final ? .timestamp(now) : .null, .bigint(command.id), .text(worker), .integer(Int32(clamping: command.attempts)),
                ]), in: tx) == 1
        }
    }

    /// Gives a claimed command back (`new`, which wakes every worker) without an attempt: its claim's
    /// `ATTEMPTS` is taken back off.
    func release(_ command: CommandRow) async throws {
        let worker = workerName
        _ = try await database.transaction(.writeBack) { tx in
            try tx.attachment.execute(
                """
                UPDATE MISLINK_COMMANDS SET STATUS = 'new', CLAIMED_UNTIL = NULL, ATTEMPTS = IIF(ATTEMPTS > 0, ATTEMPTS - 1, 0)
                 WHERE ID = \(command.id) AND STATUS = 'processing' AND CLAIMED_BY = \(worker)
                   AND ATTEMPTS = \(command.attempts)
                """, in: tx)
        }
    }

    /// Ends a `message` command when the outbox row it queued is finished (sent → `done`).
    static func finish(
        _ id: Int64, status: String, code: String?, text: String, now: FirebirdTimestamp, in tx: Transaction
    ) throws {
        try tx.attachment.execute(FirebirdQuery(
            unsafeSQL: """
                UPDATE MISLINK_COMMANDS SET STATUS = ?, RESULT_CODE = ?, RESULT = ?, DONE_AT = ?
                 WHERE ID = ? AND STATUS IN ('processing', 'sent')
                """,
            bindings: [.text(status), OutboxStore.resultCode(code), .text(text.clipped), .timestamp(now), .bigint(id)]),
            in: tx)
    }
}
