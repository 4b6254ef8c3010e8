import Firebird
import Foundation

/// One claim of an outbox row or a command, checked and extended before anything is sent.
///
/// A claim is `CLAIMED_BY` = this worker's ``ClaimName`` and the `ATTEMPTS` value the claim itself
/// wrote (every claim adds one). Between the claim and the send the row may wait for a free slot, a
/// rate limit or a slow database, and the lease may run out; another worker may then take the row
/// over and send it. So right before each send the dispatcher renews the lease with
///
///     UPDATE … SET CLAIMED_UNTIL = now + lease
///      WHERE ID = ? AND STATUS = <claimed> AND CLAIMED_BY = me AND ATTEMPTS = <our claim's>
///        AND CLAIMED_UNTIL > now
///
/// in a NO WAIT transaction. One row changed: the claim is still ours and now has a full lease for the
/// request. No row, or a lock conflict (another worker is taking it over this instant): the send is
/// skipped and nothing is written; the row belongs to whoever claimed it last. Write-backs carry the
/// same `CLAIMED_BY` and `ATTEMPTS` condition, so a stale claim never overwrites a newer one, even
/// of a worker with the same name.
struct Lease: Sendable {
    /// A table whose rows are claimed: its name and the status a claimed row has.
    enum Table: String, Sendable {
        case outbox = "MISLINK_OUTBOX"
        case commands = "MISLINK_COMMANDS"

        var claimedStatus: String { self == .outbox ? "sending" : "processing" }
    }

    let database: DispatcherDatabase
    let workerName: String
    let duration: Duration

    /// Extends this worker's claim of row `id` (made when `ATTEMPTS` became `attempts`) to a full lease
    /// from now; false when the claim is no longer ours or has run out.
    /// - Throws: database errors other than a lock conflict (the caller does not send then either).
    func renew(_ table: Table, id: Int64, attempts: Int) async throws -> Bool {
        let worker = workerName, duration = self.duration
        do {
            return try await database.transaction(.claim) { tx in
                let now = try DatabaseClock.now(in: tx)
                return try tx.attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        UPDATE \(table.rawValue) SET CLAIMED_UNTIL = ?
                         WHERE ID = ? AND STATUS = '\(table.claimedStatus)' AND CLAIMED_BY = ? AND ATTEMPTS = ?
                           AND CLAIMED_UNTIL > ?
                        """,
                    bindings: [.timestamp(DatabaseClock.adding(duration, to: now)), .bigint(id), .text(worker),
                               .integer(Int32(clamping: attempts)), .timestamp(now)]), in: tx) == 1
            }
        } catch FirebirdError.Code.lockConflict {
            return false
        }
    }
}

/// The worker's name as `CLAIMED_BY` (`VARCHAR(63) CHARACTER SET UTF8`) holds it.
///
/// Firebird counts the length of a UTF8 column in code points. A name that fits is kept as it is; a
/// longer one keeps its first 46 code points and ends in `~` and 16 hex digits of a hash of the whole
/// name, so two long names that share a beginning still claim as different workers.
enum ClaimName {
    /// `CLAIMED_BY`'s length in characters (code points).
    static let capacity = 63

    static func fitting(_ name: String) -> String {
        let scalars = name.unicodeScalars
        guard scalars.count > capacity else { return name }
        let hex = String(fnv1a64(Array(name.utf8)), radix: 16)
        let suffix = "~" + String(repeating: "0", count: 16 - hex.count) + hex
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: scalars.prefix(capacity - suffix.unicodeScalars.count))
        return String(kept) + suffix
    }

    /// FNV-1a, 64 bits: stable across runs and hosts (unlike `Hasher`).
    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// A platform's message id as MisLink stores it.
enum ProviderMessageID {
    /// The id as `MISLINK_OUTBOX.PROVIDER_MESSAGE_ID` and `MISLINK_CHAT_MESSAGES.EXTERNAL_ID` hold it
    /// (both `VARCHAR(128) CHARACTER SET ASCII`): its printable ASCII code points, the first 128; nil
    /// when none is left.
    ///
    /// It is the rule the intake stores a platform's echo of the message by (`ApplyContext.ascii(_:limit:)`
    /// in MisLinkIntake), so an id of any length or alphabet still finds the message the dispatcher
    /// recorded, and the echo adds no second row. Ids that agree on their first 128 characters would
    /// share a key; platforms' ids are far shorter than that (Chatwoot's are numbers, edna's UUIDs).
    static func stored(_ id: String, limit: Int = 128) -> String? {
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: id.unicodeScalars.lazy.filter { $0.isASCII && $0.value >= 32 }.prefix(limit))
        return kept.isEmpty ? nil : String(kept)
    }
}
