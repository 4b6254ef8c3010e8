import Firebird

/// A `MISLINK_OUTBOX` row as a worker sends it, read by column name.
public struct OutboxRow: Sendable, Hashable, Decodable {
    public var id: Int64
    public var kind: OutboxKind
    /// `sms`, `whatsapp`, …, `messenger`, `pbx`.
    public var channel: String
    public var recipient: String?
    public var phoneKey: String?
    public var threadId: Int64?
    public var templateCode: String?
    /// PARAMS as JSON text.
    public var params: String?
    public var body: String?
    public var idempotencyKey: String
    /// Attempts including the one just claimed.
    public var attempts: Int
    /// The employee on whose behalf (an MIS id).
    public var staffId: Int64?
    public var commandId: Int64?
    /// `EXPIRES_AT` has passed: cancel, do not send.
    public var expired: Bool
    public var source: OutboxSource
    /// The mailing (`MISLINK_MAILINGS.ID` as text) of a `mailing` row.
    public var batchId: String?

    /// The claim this row was read under, by `worker`.
    public func claim(by worker: String) -> Claim {
        Claim(table: .outbox, id: id, worker: worker, attempts: attempts)
    }

    /// The row `id` with `EXPIRED` judged at `now`; `nil` when there is no such row.
    public static func read(_ id: Int64, now: FirebirdTimestamp, in tx: Transaction) throws -> OutboxRow? {
        try tx.attachment.query(
            """
            SELECT O.ID, O.KIND, O.CHANNEL, O.RECIPIENT, O.PHONE_KEY, O.THREAD_ID, O.TEMPLATE_CODE, O.PARAMS, O.BODY,
                   O.IDEMPOTENCY_KEY, O.ATTEMPTS, O.STAFF_ID, O.COMMAND_ID, O.SOURCE, O.BATCH_ID,
                   IIF(O.EXPIRES_AT IS NOT NULL AND O.EXPIRES_AT <= CAST(\(now) AS TIMESTAMP), 1, 0) AS EXPIRED
              FROM MISLINK_OUTBOX O
             WHERE O.ID = \(id)
            """, as: OutboxRow.self, in: tx
        ).first
    }
}
