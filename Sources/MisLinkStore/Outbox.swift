import Firebird

/// The SQL of `MISLINK_OUTBOX` besides the claim (``Leases``): what an attempt came to, queueing rows, and
/// when the next one falls due.
///
/// Write-backs are conditioned on the claim (``Claim/held``: `CLAIMED_BY = me AND ATTEMPTS = <our claim's>
/// AND STATUS = 'sending'`), so a worker that lost its lease never overwrites the result of the one that
/// took the row over. Each returns whether the row was still ours.
public enum Outbox {
    /// What an attempt to send a row came to, as it is written.
    public enum Result: Sendable, Hashable {
        /// Sent: `sent`, with the platform's message id and result code.
        case sent(providerId: String?, resultCode: String?)
        /// To be tried again at `at`: `pending`.
        case retry(at: FirebirdTimestamp, resultCode: String?, error: String)
        /// Given up: `failed`.
        case failed(resultCode: String?, error: String)
        /// Not to be sent: `cancelled`.
        case cancelled(error: String)
        /// Put back until `at` without using an attempt (`ATTEMPTS` goes back down): `pending`.
        case putBack(at: FirebirdTimestamp, error: String)
    }

    /// Writes `result` for `claim`; false when the row was no longer held by it.
    public static func record(_ result: Result, for claim: Claim, now: FirebirdTimestamp, in tx: Transaction) throws -> Bool {
        let held = claim.held
        let query: FirebirdQuery
        switch result {
        case .sent(let providerId, let code):
            query = """
                UPDATE MISLINK_OUTBOX SET STATUS = 'sent', SENT_AT = \(now), PROVIDER_MESSAGE_ID = \(providerId.flatMap { ProviderMessageID.stored($0) }),
                       RESULT_CODE = \(resultCode(code)), ERROR = NULL, CLAIMED_UNTIL = NULL
                 WHERE \(held)
                """
        case .retry(let next, let code, let error):
            query = """
                UPDATE MISLINK_OUTBOX SET STATUS = 'pending', NEXT_ATTEMPT_AT = \(next), RESULT_CODE = \(resultCode(code)),
                       ERROR = \(error.clipped), CLAIMED_UNTIL = NULL
                 WHERE \(held)
                """
        case .failed(let code, let error):
            query = """
                UPDATE MISLINK_OUTBOX SET STATUS = 'failed', RESULT_CODE = \(resultCode(code)), ERROR = \(error.clipped),
                       CLAIMED_UNTIL = NULL
                 WHERE \(held)
                """
        case .cancelled(let error):
            query = "UPDATE MISLINK_OUTBOX SET STATUS = 'cancelled', ERROR = \(error.clipped), CLAIMED_UNTIL = NULL WHERE \(held)"
        case .putBack(let next, let error):
            query = """
                UPDATE MISLINK_OUTBOX SET STATUS = 'pending', NEXT_ATTEMPT_AT = \(next), ERROR = \(error.clipped),
                       ATTEMPTS = IIF(ATTEMPTS > 0, ATTEMPTS - 1, 0), CLAIMED_UNTIL = NULL
                 WHERE \(held)
                """
        }
        return try tx.attachment.execute(query, in: tx) == 1
    }

    /// A provider's result code as `RESULT_CODE` (`VARCHAR(32) CHARACTER SET ASCII`) holds it.
    public static func resultCode(_ code: String?) -> String? {
        code.flatMap { ProviderMessageID.stored($0, limit: 32) }
    }

    /// When the next row becomes due: the first pending row's `NEXT_ATTEMPT_AT`, or the first lease of the
    /// outbox or the commands to run out; `nil` when nothing is waiting.
    public static func nextDue(in tx: Transaction) throws -> FirebirdTimestamp? {
        let pending = try tx.attachment.queryValue(
            "SELECT FIRST 1 NEXT_ATTEMPT_AT FROM MISLINK_OUTBOX WHERE STATUS = 'pending' ORDER BY STATUS, NEXT_ATTEMPT_AT",
            as: FirebirdTimestamp.self, in: tx)
        let leases = try tx.attachment.queryValue(
            """
            SELECT MIN(T.UNTIL) FROM (
                SELECT MIN(CLAIMED_UNTIL) AS UNTIL FROM MISLINK_OUTBOX WHERE STATUS = 'sending'
                UNION ALL
                SELECT MIN(CLAIMED_UNTIL) FROM MISLINK_COMMANDS WHERE STATUS = 'processing') T
            """, as: FirebirdTimestamp?.self, in: tx) ?? nil
        return [pending, leases].compactMap { $0 }.min()
    }

    /// A message a command asked for (`SOURCE = 'worker'`), keyed by `key`: inserted, or found when a
    /// row with that key is already queued (a command taken over after a crash).
    /// - Returns: the outbox row's ID.
    public static func queueCommandMessage(
        _ command: CommandRow, channel: String, phoneKey: String?, text: String, key: String, in tx: Transaction
    ) throws -> Int64? {
        do {
            return try tx.attachment.query(
                """
                INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, THREAD_ID, BODY, IDEMPOTENCY_KEY,
                                            PATIENT_ID, APPEAL_ID, SCHEDULE_ID, COMMAND_ID, STAFF_ID, SOURCE)
                VALUES ('message', \(channel), \(phoneKey), \(phoneKey), \(command.threadId), \(text), \(key),
                        \(command.patientId), \(command.appealId), \(command.scheduleId), \(command.id),
                        \(command.staffId), 'worker')
                RETURNING ID
                """, in: tx
            ).first?.decode(Int64?.self, column: "ID")
        } catch FirebirdError.Code.uniqueViolation {
            return try tx.attachment.queryValue(
                "SELECT ID FROM MISLINK_OUTBOX WHERE IDEMPOTENCY_KEY = \(key)", as: Int64.self, in: tx)
        }
    }
}
