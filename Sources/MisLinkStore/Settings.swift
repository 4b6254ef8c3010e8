import Firebird
import Foundation

/// The SQL of `MISLINK_SETTINGS` the worker checks at start: `db.utc_offset_minutes`, which
/// `MISLINK_UTC_NOW()` adds to the database server's clock to get UTC.
public enum Settings {
    /// `db.utc_offset_minutes` as configured, and how far ahead of `now` (UTC) the server's
    /// `CURRENT_TIMESTAMP` is, in seconds; nil when the setting has no row.
    public static func utcOffset(now: Date, in tx: Transaction) throws -> (configuredMinutes: Int, serverAheadSeconds: Int)? {
        let row = try tx.rows(
            """
            SELECT CAST(VAL AS INTEGER) AS CONFIGURED,
                   DATEDIFF(SECOND FROM CAST(\(FirebirdTimestamp(now, in: .gmt)) AS TIMESTAMP) TO CURRENT_TIMESTAMP) AS AHEAD
              FROM MISLINK_SETTINGS WHERE NAME = 'db.utc_offset_minutes'
            """
        ).first
        return try row.map {
            (try $0.decode(Int.self, column: "CONFIGURED"), try $0.decode(Int.self, column: "AHEAD"))
        }
    }

    /// The statement a DBA runs to set `db.utc_offset_minutes` by hand (the start-up warning gives it).
    public static func utcOffsetFix(minutes: Int) -> String {
        "UPDATE MISLINK_SETTINGS SET VAL = '\(minutes)' WHERE NAME = 'db.utc_offset_minutes'"
    }

    /// Sets `db.utc_offset_minutes`.
    public static func setUTCOffset(minutes: Int, in tx: Transaction) throws {
        try tx.execute("UPDATE MISLINK_SETTINGS SET VAL = \(String(minutes)) WHERE NAME = 'db.utc_offset_minutes'")
    }
}
