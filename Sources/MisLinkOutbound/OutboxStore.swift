import Firebird

/// The SQL of `MISLINK_OUTBOX`: finding due rows, claiming one, and writing its result back.
///
/// ## Claiming without SKIP LOCKED
///
/// Firebird 3 has no `SELECT … FOR UPDATE SKIP LOCKED`, so a row is claimed in two steps:
///
/// 1. A read-only READ COMMITTED query lists the IDs that look due (`pending` and
///    `NEXT_ATTEMPT_AT <= now`, or `sending` with a lease that ran out). It locks nothing, and several
///    workers may list the same IDs.
/// 2. Each ID is claimed by its own short READ COMMITTED NO WAIT transaction, committed at once:
///    `UPDATE … SET STATUS = 'sending', CLAIMED_BY = me, CLAIMED_UNTIL = now + lease, ATTEMPTS = ATTEMPTS + 1
///    WHERE ID = ? AND (<still due>)`. The `WHERE` is evaluated again on the newest committed
///    version, so:
///    - if another worker's claim of the row has committed, the row is no longer due and 0 rows
///      change: we skip it;
///    - if another worker's claim is in flight (uncommitted), Firebird refuses our update at once
///      with a lock/update conflict (NO WAIT): we skip it silently too;
///    - otherwise exactly one worker's update succeeds, and only that worker sends.
///
/// The claim commits *before* the HTTP request, so the row is `sending` with our name while it is
/// on the wire; nothing holds a transaction open across a network call. The lease (`CLAIMED_UNTIL`,
/// `outbound.claim_seconds`) outlives any request (`outbound.timeout_seconds`), and a claim whose
/// lease ran out (its worker died) is due again and is taken over by step 2 like a pending row.
/// Right before the request the claim is renewed, and the send skipped when it was lost (see ``Lease``).
/// Write-backs are conditioned on `CLAIMED_BY = me AND ATTEMPTS = <our claim's> AND STATUS = 'sending'`,
/// so a worker that lost its lease never overwrites the result of the one that took the row over.
struct OutboxStore: Sendable {
    let database: DispatcherDatabase
    let workerName: String
    let lease: Duration

    /// IDs of rows due now (not claimed), at most `limit`, oldest due first.
    func dueIDs(limit: Int) async throws -> [Int64] {
        try await database.transaction(.read) { tx in
            let now = try DatabaseClock.now(in: tx)
            return try tx.attachment.query(
                """
                SELECT FIRST (\(limit)) ID FROM MISLINK_OUTBOX
                 WHERE (STATUS = 'pending' AND NEXT_ATTEMPT_AT <= \(now))
                    OR (STATUS = 'sending' AND CLAIMED_UNTIL < \(now))
                 ORDER BY NEXT_ATTEMPT_AT, ID
                """, in: tx
            ).map { try $0.decode(Int64.self, at: 0) }
        }
    }

    /// Claims one row; `nil` when another worker has it or it is no longer due.
    func claim(_ id: Int64) async throws -> OutboxRow? {
        let worker = workerName, lease = self.lease
        do {
            return try await database.transaction(.claim) { tx in
                let now = try DatabaseClock.now(in: tx)
                let until = DatabaseClock.adding(lease, to: now)
                let changed = try tx.attachment.execute(
                    """
                    UPDATE MISLINK_OUTBOX
                       SET STATUS = 'sending', CLAIMED_BY = \(worker), CLAIMED_UNTIL = \(until), ATTEMPTS = ATTEMPTS + 1
                     WHERE ID = \(id)
                       AND ((STATUS = 'pending' AND NEXT_ATTEMPT_AT <= \(now))
                         OR (STATUS = 'sending' AND CLAIMED_UNTIL < \(now)))
                    """, in: tx)
                guard changed == 1 else { return nil }
                let rows = try tx.attachment.query(
                    FirebirdQuery(
                        unsafeSQL: "SELECT \(OutboxRow.columns) FROM MISLINK_OUTBOX O WHERE O.ID = ?",
                        bindings: [.timestamp(now), .bigint(id)]), in: tx)
                return try rows.first.map(OutboxRow.init(row:))
            }
        } catch FirebirdError.Code.lockConflict {
            return nil
        }
    }

    /// Writes what the attempt came to. Returns false when the row was no longer ours (lease lost).
    /// - Parameters:
    ///   - retryAfter: for `.retry`, the delay before the next attempt; `nil` when the attempts are used
    ///     up, which turns the retry into `failed`.
    ///   - chatText: the text sent into the row's chat thread: once sent, it joins `MISLINK_CHAT_MESSAGES`
    ///     (keyed by the platform's message id, so the platform's echo of it adds nothing).
    func record(_ row: OutboxRow, _ outcome: SendOutcome, retryAfter: Duration?, chatText: String? = nil) async throws -> Bool {
        let worker = workerName
        return try await database.transaction(.writeBack) { tx in
            let now = try DatabaseClock.now(in: tx)
            let mine = "WHERE ID = ? AND STATUS = 'sending' AND CLAIMED_BY = ? AND ATTEMPTS = ?"
            let key: [FirebirdValue] = [.bigint(row.id), .text(worker), .integer(Int32(clamping: row.attempts))]
            let changed: Int
            let command: (status: String, code: String?, text: String)?
            switch outcome {
            case .sent(let providerId, let code):
                changed = try tx.attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        UPDATE MISLINK_OUTBOX SET STATUS = 'sent', SENT_AT = ?, PROVIDER_MESSAGE_ID = ?, RESULT_CODE = ?,
                               ERROR = NULL, CLAIMED_UNTIL = NULL \(mine)
                        """,
                    bindings: [.timestamp(now), providerId.flatMap { ProviderMessageID.stored($0) }.map(FirebirdValue.text) ?? .null,
                               Self.resultCode(code)] + key),
                    in: tx)
                if changed == 1, let thread = row.threadId, let chatText {
                    try Self.joinThread(row, thread: thread, text: chatText, providerId: providerId, at: now, in: tx)
                }
                command = ("done", code, "Сообщение отправлено")
            case .retry(let code, let error, _) where retryAfter != nil:
                let next = DatabaseClock.adding(retryAfter!, to: now)
                changed = try tx.attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        UPDATE MISLINK_OUTBOX SET STATUS = 'pending', NEXT_ATTEMPT_AT = ?, RESULT_CODE = ?, ERROR = ?,
                               CLAIMED_UNTIL = NULL \(mine)
                        """,
                    bindings: [.timestamp(next), Self.resultCode(code), .text(error.clipped)] + key),
                    in: tx)
                command = nil
            case .retry(let code, let error, _):
                changed = try fail(tx, code, "gave up after \(row.attempts) attempts: \(error)", mine, key)
                command = ("failed", code, "Не отправлено: \(error)")
            case .failed(let code, let error):
                changed = try fail(tx, code, error, mine, key)
                command = ("failed", code, "Не отправлено: \(error)")
            case .cancelled(let error):
                changed = try tx.attachment.execute(FirebirdQuery(
                    unsafeSQL: "UPDATE MISLINK_OUTBOX SET STATUS = 'cancelled', ERROR = ?, CLAIMED_UNTIL = NULL \(mine)",
                    bindings: [.text(error.clipped)] + key), in: tx)
                command = ("cancelled", nil, "Отменено: \(error)")
            case .deferred(let error, let after):
                changed = try tx.attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        UPDATE MISLINK_OUTBOX SET STATUS = 'pending', NEXT_ATTEMPT_AT = ?, ERROR = ?,
                               ATTEMPTS = IIF(ATTEMPTS > 0, ATTEMPTS - 1, 0), CLAIMED_UNTIL = NULL \(mine)
                        """,
                    bindings: [.timestamp(DatabaseClock.adding(after, to: now)), .text(error.clipped)] + key), in: tx)
                command = nil
            }
            if changed == 1, let commandId = row.commandId, let command {
                try CommandStore.finish(commandId, status: command.status, code: command.code, text: command.text, now: now, in: tx)
            }
            return changed == 1
        }
    }

    private func fail(_ tx: Transaction, _ code: String?, _ error: String, _ mine: String, _ key: [FirebirdValue]) throws -> Int {
        try tx.attachment.execute(FirebirdQuery(
            unsafeSQL: "UPDATE MISLINK_OUTBOX SET STATUS = 'failed', RESULT_CODE = ?, ERROR = ?, CLAIMED_UNTIL = NULL \(mine)",
            bindings: [Self.resultCode(code), .text(error.clipped)] + key), in: tx)
    }

    /// A provider's result code as `RESULT_CODE` (`VARCHAR(32) CHARACTER SET ASCII`) holds it.
    static func resultCode(_ code: String?) -> FirebirdValue {
        code.flatMap { ProviderMessageID.stored($0, limit: 32) }.map(FirebirdValue.text) ?? .null
    }

    /// When the next row becomes due (a pending row's `NEXT_ATTEMPT_AT`, or a lease running out),
    /// measured from now; `nil` when nothing is waiting.
    /// The sent message in its thread's history: by the operator who asked (`STAFF_ID`), else by the MIS.
    /// Only an insert (keys differ per message), so workers sending into one thread never conflict here.
    static func joinThread(_ row: OutboxRow, thread: Int64, text: String, providerId: String?, at now: FirebirdTimestamp,
                           in tx: Transaction) throws {
        let external = providerId.flatMap { $0 == row.idempotencyKey ? nil : ProviderMessageID.stored($0) } ?? "outbox:\(row.id)"
        try tx.attachment.execute(FirebirdQuery(
            unsafeSQL: """
                MERGE INTO MISLINK_CHAT_MESSAGES M
                USING RDB$DATABASE ON M.THREAD_ID = ? AND M.EXTERNAL_ID = ?
                WHEN NOT MATCHED THEN INSERT (THREAD_ID, EXTERNAL_ID, DIRECTION, AUTHOR_TYPE, OPERATOR_ID, BODY, TEMPLATE_CODE,
                    OUTBOX_ID, STATUS, SENT_AT)
                VALUES (?, ?, 'out', ?, ?, ?, ?, ?, 'sent', ?)
                """,
            bindings: [.bigint(thread), .text(external), .bigint(thread), .text(external),
                       .text(row.staffId == nil ? "mis" : "operator"), row.staffId.map { .integer(Int32($0)) } ?? .null,
                       .text(text), row.templateCode.map { .text($0) } ?? .null, .bigint(row.id), .timestamp(now)]), in: tx)
    }

    /// The thread's last message and first response after a sent message, in a transaction of its own:
    /// two workers sending into one thread would otherwise conflict on its row and lose the outbox
    /// result. Best effort: a few tries, then the thread keeps its older summary (the message itself is
    /// already in its history).
    func touchThread(_ row: OutboxRow, thread: Int64, text: String) async {
        let byOperator: FirebirdValue = .integer(row.staffId == nil ? 0 : 1)
        for attempt in 1...3 {
            do {
                try await database.transaction(.writeBack) { tx in
                    let now = try DatabaseClock.now(in: tx)
                    try tx.attachment.execute(FirebirdQuery(
                        unsafeSQL: """
                            UPDATE MISLINK_CHAT_THREADS SET LAST_MESSAGE_AT = ?, LAST_MESSAGE_PREVIEW = ?,
                                FIRST_RESPONSE_AT = CASE WHEN CAST(? AS INTEGER) = 1 THEN COALESCE(FIRST_RESPONSE_AT, ?) ELSE FIRST_RESPONSE_AT END,
                                UNANSWERED_COUNT = CASE WHEN CAST(? AS INTEGER) = 1 THEN 0 ELSE UNANSWERED_COUNT END
                            WHERE ID = ? AND (LAST_MESSAGE_AT IS NULL OR LAST_MESSAGE_AT <= ?)
                            """,
                        bindings: [.timestamp(now), .text(String(text.prefix(200))), byOperator, .timestamp(now), byOperator,
                                   .bigint(thread), .timestamp(now)]), in: tx)
                }
                return
            } catch {
                if attempt < 3 { try? await Task.sleep(for: .milliseconds(50 * attempt)) }
            }
        }
    }

    func nextDue() async throws -> Duration? {
        try await database.transaction(.read) { tx in
            let now = try DatabaseClock.now(in: tx)
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
            return [pending, leases].compactMap { $0 }.min().map { DatabaseClock.interval(from: now, to: $0) }
        }
    }
}

extension String {
    /// Cut to fit a `VARCHAR(1000) CHARACTER SET UTF8` column, whose length Firebird counts in code
    /// points (an emoji of several code points counts for each).
    var clipped: String {
        guard unicodeScalars.count > 1000 else { return self }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: unicodeScalars.prefix(999))
        return String(kept) + "…"
    }
}
