import Firebird

/// The one lease-claim of MisLink's queues (``ClaimTable``): finding due rows, claiming one, renewing
/// the claim right before a send, and giving it back.
///
/// ## Claiming
///
/// A row is claimed in two steps:
///
/// 1. A read-only READ COMMITTED query lists the IDs that look due (waiting and due, or claimed with a
///    lease that ran out). It locks nothing, and several workers may list the same IDs.
/// 2. Each ID is claimed by its own short READ COMMITTED NO WAIT transaction, committed at once:
///    `UPDATE … SET STATUS = <claimed>, CLAIMED_BY = me, CLAIMED_UNTIL = now + lease, ATTEMPTS = ATTEMPTS + 1
///    WHERE ID = ? AND (<still due>)`. The `WHERE` is evaluated again on the newest committed
///    version, so:
///    - if another worker's claim of the row has committed, the row is no longer due and 0 rows
///      change: we skip it;
///    - if another worker's claim is in flight (uncommitted): on Firebird 5 the `UPDATE` ends in
///      `SKIP LOCKED`, so the engine passes over the locked row and 0 rows change, without waiting and
///      without an error; Firebird 3 and 4 have no `SKIP LOCKED` and refuse our update at once with a
///      lock/update conflict (NO WAIT), which we skip silently too;
///    - otherwise exactly one worker's update succeeds, and only that worker sends.
///
///    Whether the engine has `SKIP LOCKED` is read once per attachment (``hasSkipLocked(_:)``).
///
/// The claim commits *before* the HTTP request, so nothing holds a transaction open across a network
/// call. The lease outlives any request, and a claim whose lease ran out (its worker died) is due again
/// and is taken over by step 2 like a waiting row.
///
/// Between the claim and the send the row may wait (a free slot, a rate limit, a slow database) until
/// the lease runs out and another worker takes it over. So right before each send the claim is renewed
/// (``renew(_:)``): one row changed means it is still ours with a full lease; no row, or a lock conflict
/// (another worker is taking it over this instant), means the send is skipped and nothing is written.
public struct Leases: Sendable {
    public let database: any StoreDatabase
    /// `CLAIMED_BY`, fitted by ``ClaimName``.
    public let worker: String
    /// How long a claim holds a row before another worker may take it over.
    public let duration: Duration

    /// Makes the claims of one worker.
    /// - Parameters:
    ///   - database: Where the claims run (each in its own short transaction).
    ///   - worker: The name written to `CLAIMED_BY`; it is fitted to the column by ``ClaimName``.
    ///   - duration: The lease.
    public init(database: any StoreDatabase, worker: String, duration: Duration) {
        self.database = database
        self.worker = ClaimName.fitting(worker)
        self.duration = duration
    }

    /// IDs of rows due now, at most `limit`, in the table's order (outbox: oldest due first; commands: oldest first).
    public func dueIDs(_ table: ClaimTable, limit: Int) async throws -> [Int64] {
        try await database.withTransaction(.read) { tx in
            try Self.dueIDs(table, limit: limit, now: try DatabaseClock.now(in: tx), in: tx)
        }
    }

    /// Claims row `id` and reads it in the claim's transaction; `nil` when another worker has it or it is
    /// no longer due (or `read` finds nothing).
    /// - Parameter read: Reads the claimed row, given the database's `now`.
    public func claim<Row: Sendable>(
        _ table: ClaimTable, id: Int64, read: @escaping @Sendable (Transaction, FirebirdTimestamp) throws -> Row?
    ) async throws -> Row? {
        let worker = self.worker, duration = self.duration
        do {
            return try await database.withTransaction(.claim) { tx in
                let now = try DatabaseClock.now(in: tx)
                guard try Self.claim(table, id: id, by: worker, until: DatabaseClock.adding(duration, to: now), now: now, in: tx)
                else { return nil }
                return try read(tx, now)
            }
        } catch FirebirdError.Code.lockConflict {
            return nil
        }
    }

    /// Extends `claim` to a full lease from now; false when the claim is no longer ours or has run out.
    /// - Throws: database errors other than a lock conflict (the caller does not send then either).
    public func renew(_ claim: Claim) async throws -> Bool {
        let duration = self.duration
        do {
            return try await database.withTransaction(.claim) { tx in
                let now = try DatabaseClock.now(in: tx)
                return try Self.renew(claim, until: DatabaseClock.adding(duration, to: now), now: now, in: tx)
            }
        } catch FirebirdError.Code.lockConflict {
            return false
        }
    }

    /// Gives a claimed row back to its waiting status (which wakes every worker) without an attempt: the
    /// claim's `ATTEMPTS` is taken back off. Nothing happens when the claim is no longer held.
    public func release(_ claim: Claim) async throws {
        _ = try await database.withTransaction(.writeBack) { tx in try Self.release(claim, in: tx) }
    }
}

extension Leases {
    /// The due IDs at `now` (see ``dueIDs(_:limit:)``), inside a caller's transaction.
    public static func dueIDs(_ table: ClaimTable, limit: Int, now: FirebirdTimestamp, in tx: Transaction) throws -> [Int64] {
        try tx.attachment.query(
            """
            SELECT FIRST (\(limit)) ID FROM \(unescaped: table.rawValue)
             WHERE \(table.due(at: now))
             ORDER BY \(unescaped: table.order)
            """, in: tx
        ).map { try $0.decode(Int64.self, column: "ID") }
    }

    /// The claim's `UPDATE`; true when it took the row. Run it in a ``TransactionOptions/claim`` transaction.
    ///
    /// On Firebird 5 it ends in `SKIP LOCKED`: a row another transaction holds is passed over (false) in
    /// any transaction, waiting or not. On Firebird 3 and 4 such a row throws a lock conflict
    /// (``FirebirdError/Code/lockConflict``) in a NO WAIT transaction.
    public static func claim(
        _ table: ClaimTable, id: Int64, by worker: String, until: FirebirdTimestamp, now: FirebirdTimestamp, in tx: Transaction
    ) throws -> Bool {
        let skipLocked = try hasSkipLocked(tx.attachment) ? "\n SKIP LOCKED" : ""
        return try tx.attachment.execute(
            """
            UPDATE \(unescaped: table.rawValue)
               SET STATUS = \(unescaped: "'" + table.claimedStatus + "'"), CLAIMED_BY = \(worker), CLAIMED_UNTIL = \(until),
                   ATTEMPTS = ATTEMPTS + 1\(unescaped: table.claimAlsoSets)
             WHERE ID = \(id)
               AND (\(table.due(at: now)))\(unescaped: skipLocked)
            """, in: tx) == 1
    }

    /// The renewal's `UPDATE`: `CLAIMED_UNTIL = until` while the claim is held and its lease has not run out.
    public static func renew(_ claim: Claim, until: FirebirdTimestamp, now: FirebirdTimestamp, in tx: Transaction) throws -> Bool {
        try tx.attachment.execute(
            """
            UPDATE \(unescaped: claim.table.rawValue) SET CLAIMED_UNTIL = \(until)
             WHERE \(claim.held) AND CLAIMED_UNTIL > \(now)
            """, in: tx) == 1
    }

    /// The release's `UPDATE` (see ``release(_:)``); true when the claim was still held.
    @discardableResult
    public static func release(_ claim: Claim, in tx: Transaction) throws -> Bool {
        try tx.attachment.execute(
            """
            UPDATE \(unescaped: claim.table.rawValue)
               SET STATUS = \(unescaped: "'" + claim.table.waitingStatus + "'"), CLAIMED_UNTIL = NULL,
                   ATTEMPTS = IIF(ATTEMPTS > 0, ATTEMPTS - 1, 0)
             WHERE \(claim.held)
            """, in: tx) == 1
    }
}
