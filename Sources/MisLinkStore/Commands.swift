import Firebird

/// The SQL of `MISLINK_COMMANDS` besides the claim (``Leases``): the status a worker writes back.
///
/// The write-back only changes a row that is still `processing` and held by the claim (``Claim/held``):
/// when the intake has already written the final result, it is left as it is.
public enum Commands {
    /// Writes the PBX's answer: `sent` (accepted, the result notification is pending), or a final
    /// `failed` / `cancelled` (with `DONE_AT`). Returns false when the row was no longer held by `claim`.
    public static func record(
        _ status: CommandStatus, resultCode: String?, text: String, for claim: Claim, now: FirebirdTimestamp, in tx: Transaction
    ) throws -> Bool {
        let doneAt: FirebirdTimestamp? = status == .sent ? nil : now
        return try tx.attachment.execute(
            """
            UPDATE MISLINK_COMMANDS
               SET STATUS = \(status), RESULT_CODE = \(Outbox.resultCode(resultCode)), RESULT = \(text.clipped),
                   DONE_AT = \(doneAt), CLAIMED_UNTIL = NULL
             WHERE \(claim.held)
            """, in: tx) == 1
    }

    /// A `message` command whose outbox row is queued becomes `sent`; false when it was no longer held by `claim`.
    public static func markQueued(_ claim: Claim, in tx: Transaction) throws -> Bool {
        try tx.attachment.execute(
            """
            UPDATE MISLINK_COMMANDS SET STATUS = 'sent', RESULT = 'Сообщение поставлено в очередь', CLAIMED_UNTIL = NULL
             WHERE \(claim.held)
            """, in: tx) == 1
    }

    /// Ends a `message` command when the outbox row it queued is finished (sent → `done`).
    public static func finishMessage(
        _ id: Int64, status: CommandStatus, resultCode: String?, text: String, now: FirebirdTimestamp, in tx: Transaction
    ) throws {
        try tx.attachment.execute(
            """
            UPDATE MISLINK_COMMANDS SET STATUS = \(status), RESULT_CODE = \(Outbox.resultCode(resultCode)), RESULT = \(text.clipped),
                   DONE_AT = \(now)
             WHERE ID = \(id) AND STATUS IN ('processing', 'sent')
            """, in: tx)
    }
}
