import Firebird
import Foundation

/// UTC "now" as the database sees it, and arithmetic on it.
public enum DatabaseClock {
    /// The zone every `MISLINK_*` timestamp is stored in.
    public static let utc = TimeZone(identifier: "UTC")!

    /// `MISLINK_UTC_NOW()`: the server's clock shifted by `db.utc_offset_minutes`. Every worker uses
    /// the database's clock for claims and due times, so workers on hosts with skewed clocks agree.
    public static func now(in tx: Transaction) throws -> FirebirdTimestamp {
        guard let now = try tx.attachment.queryValue(
            "SELECT MISLINK_UTC_NOW() FROM RDB$DATABASE", as: FirebirdTimestamp.self, in: tx)
        else { throw FirebirdError(code: .misuse, message: "MISLINK_UTC_NOW() returned no row") }
        return now
    }

    /// `stamp` moved by `duration`.
    public static func adding(_ duration: Duration, to stamp: FirebirdTimestamp) -> FirebirdTimestamp {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return FirebirdTimestamp(stamp.date(in: utc).addingTimeInterval(seconds), in: utc)
    }

    /// The time from `from` to `to`.
    public static func interval(from: FirebirdTimestamp, to: FirebirdTimestamp) -> Duration {
        .milliseconds(Int64((to.date(in: utc).timeIntervalSince(from.date(in: utc)) * 1000).rounded()))
    }
}

/// The transaction options the store's statements are written for.
extension TransactionOptions {
    /// A claim: READ COMMITTED (record versions), NO WAIT. A row another worker is changing right now
    /// fails at once with a lock conflict instead of queueing behind it.
    public static let claim = TransactionOptions(isolation: .readCommitted, lockResolution: .noWait)
    /// A write-back: READ COMMITTED, waiting a few seconds for a screen or trigger that holds the row.
    public static let writeBack = TransactionOptions(isolation: .readCommitted, lockResolution: .timeout(seconds: 10))
    /// Reads: READ COMMITTED, read-only.
    public static let read = TransactionOptions(isolation: .readCommitted, readOnly: true)
}

extension String {
    /// Cut to fit a `VARCHAR(1000) CHARACTER SET UTF8` column, whose length Firebird counts in code
    /// points (an emoji of several code points counts for each).
    public var clipped: String {
        guard unicodeScalars.count > 1000 else { return self }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: unicodeScalars.prefix(999))
        return String(kept) + "…"
    }
}
