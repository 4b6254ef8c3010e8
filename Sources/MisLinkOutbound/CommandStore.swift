import Firebird
import MisLinkStore

/// The dispatcher's commands: new commands claimed through the one lease-claim (``Leases``), and their
/// status written back. The SQL is MisLinkStore's (``CommandRow``, ``Commands``); the claim also fixes
/// `PBX_COMMAND_ID` (`mislink-cmd-<ID>`) before anything is sent (see ``ClaimTable``). Every claim adds
/// one to `ATTEMPTS` (V013), which caps how often a command is taken and tells claims apart. The
/// write-back only changes a row that is still `processing` and ours by this claim: when the intake has
/// already written the final result, it is left as it is.
struct CommandStore: Sendable {
    let database: DispatcherDatabase
    let leases: Leases
    /// The asking employee's extension, through the MIS profile's `staff_get`.
    let mis: MISReads

    var workerName: String { leases.worker }

    /// IDs of commands waiting (new, or with a lease that ran out), at most `limit`, oldest first.
    func dueIDs(limit: Int) async throws -> [Int64] {
        try await leases.dueIDs(.commands, limit: limit)
    }

    /// Claims one command; `nil` when another worker has it, or it was cancelled or done meanwhile.
    func claim(_ id: Int64) async throws -> CommandRow? {
        let mis = self.mis
        return try await leases.claim(.commands, id: id) { tx, now in
            guard var command = try CommandRow.read(id, now: now, in: tx) else { return nil }
            command.staffExtension = try mis.staff(command.staffId, in: tx)?.extension
            return command
        }
    }

    /// Writes the PBX's answer: `sent` (accepted, the result notification is pending), or a final
    /// `failed` / `cancelled`. Returns false when the row was no longer ours to change.
    func record(_ command: CommandRow, status: CommandStatus, code: String?, text: String) async throws -> Bool {
        let claim = command.claim(by: workerName)
        return try await database.withTransaction(.writeBack) { tx in
            try Commands.record(status, resultCode: code, text: text, for: claim, now: try DatabaseClock.now(in: tx), in: tx)
        }
    }

    /// Gives a claimed command back (`new`, which wakes every worker) without an attempt: its claim's
    /// `ATTEMPTS` is taken back off.
    func release(_ command: CommandRow) async throws {
        try await leases.release(command.claim(by: workerName))
    }
}
