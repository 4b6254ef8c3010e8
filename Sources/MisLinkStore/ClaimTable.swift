import Firebird

/// A table whose rows workers claim with a lease: `MISLINK_OUTBOX` and `MISLINK_COMMANDS`.
///
/// Both tables share the claim columns: `STATUS`, `CLAIMED_BY` (`VARCHAR(63)`), `CLAIMED_UNTIL` and
/// `ATTEMPTS` (one more per claim). A row is due when it waits (`pending` and due, or `new`) or when its
/// claim's lease ran out; a claim sets the claimed status, the worker, the lease's end and one more attempt.
public enum ClaimTable: String, Sendable, CaseIterable {
    case outbox = "MISLINK_OUTBOX"
    case commands = "MISLINK_COMMANDS"

    /// The `STATUS` of a claimed row: `sending`, `processing`.
    public var claimedStatus: String {
        switch self {
        case .outbox: OutboxStatus.sending.rawValue
        case .commands: CommandStatus.processing.rawValue
        }
    }

    /// The `STATUS` a row waits in before a claim, and goes back to when released: `pending`, `new`.
    public var waitingStatus: String {
        switch self {
        case .outbox: OutboxStatus.pending.rawValue
        case .commands: CommandStatus.new.rawValue
        }
    }

    /// The condition of a row that can be claimed at `now`: waiting (and due), or claimed with a lease
    /// that ran out.
    func due(at now: FirebirdTimestamp) -> FirebirdQuery {
        switch self {
        case .outbox:
            "(STATUS = 'pending' AND NEXT_ATTEMPT_AT <= \(now)) OR (STATUS = 'sending' AND CLAIMED_UNTIL < \(now))"
        case .commands:
            "STATUS = 'new' OR (STATUS = 'processing' AND CLAIMED_UNTIL < \(now))"
        }
    }

    /// Due rows first: the outbox by due time, commands in the order they were inserted.
    var order: String {
        switch self {
        case .outbox: "NEXT_ATTEMPT_AT, ID"
        case .commands: "ID"
        }
    }

    /// What a claim sets besides the claim columns. A command's claim fixes `PBX_COMMAND_ID`
    /// (`mislink-cmd-<ID>`) before anything is sent, so the PBX's `result/<command>` notification finds
    /// the row even when it arrives before this worker has written `sent`.
    var claimAlsoSets: String {
        switch self {
        case .outbox: ""
        case .commands:
            ", PBX_COMMAND_ID = IIF(KIND = 'message', PBX_COMMAND_ID, COALESCE(PBX_COMMAND_ID, 'mislink-cmd-' || ID))"
        }
    }
}

/// One claim of a row: the worker's name in `CLAIMED_BY` and the `ATTEMPTS` value the claim itself wrote.
/// Every write-back is conditioned on it (``held``), so a stale claim never overwrites a newer one,
/// even one of a worker with the same name.
public struct Claim: Sendable, Hashable {
    public var table: ClaimTable
    public var id: Int64
    /// `CLAIMED_BY`, fitted by ``ClaimName``.
    public var worker: String
    /// `ATTEMPTS` as this claim left it.
    public var attempts: Int

    public init(table: ClaimTable, id: Int64, worker: String, attempts: Int) {
        self.table = table
        self.id = id
        self.worker = worker
        self.attempts = attempts
    }

    /// `ID = ? AND STATUS = <claimed> AND CLAIMED_BY = ? AND ATTEMPTS = ?`: the row is still held by this claim.
    public var held: FirebirdQuery {
        "ID = \(id) AND STATUS = \(unescaped: "'" + table.claimedStatus + "'") AND CLAIMED_BY = \(worker) AND ATTEMPTS = \(attempts)"
    }
}
