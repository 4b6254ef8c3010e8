import Firebird

/// What waits in `MISLINK_OUTBOX` and `MISLINK_COMMANDS`, for the worker's metrics (read every few seconds).
///
/// Only rows still in play are counted: the statuses that are not final, which the `STATUS` indexes
/// (`MISLINK_OUTBOX_DUE_IX`, `MISLINK_COMMANDS_STATUS_IX`) find without reading the tables' history; the
/// final ones (sent, done, failed, cancelled) are counted as they happen by the dispatcher's counters.
public enum QueueCounts {
    /// Rows of one status and channel (the outbox's `CHANNEL`, the commands' `KIND`).
    public struct Line: Sendable, Hashable, Decodable {
        /// `pending`/`sending` (outbox), `new`/`processing`/`sent` (commands).
        public var status: String
        /// The outbox's `CHANNEL` (`whatsapp`, `sms` …) or the command's `KIND` (`call`, `transfer` …).
        public var channel: String
        /// Rows.
        public var total: Int64
        /// Of them, rows tried before (outbox: `ATTEMPTS > 0`; commands: claimed more than once).
        public var retried: Int64

        /// Makes a line (a zero line for a status with no rows).
        public init(status: String, channel: String, total: Int64, retried: Int64) {
            self.status = status
            self.channel = channel
            self.total = total
            self.retried = retried
        }
    }

    /// The outbox's `pending` and `sending` rows by status and channel.
    public static func outbox(in tx: some StoreTransaction) throws -> [Line] {
        try tx.rows(
            """
            SELECT STATUS, CHANNEL, COUNT(*) AS TOTAL, SUM(IIF(ATTEMPTS > 0, 1, 0)) AS RETRIED
              FROM MISLINK_OUTBOX WHERE STATUS IN ('pending', 'sending') GROUP BY STATUS, CHANNEL
            """).map { try $0.decode(Line.self) }
    }

    /// The commands still `new`, `processing` or `sent` (awaiting the PBX's result) by status and kind.
    public static func commands(in tx: some StoreTransaction) throws -> [Line] {
        try tx.rows(
            """
            SELECT STATUS, KIND AS CHANNEL, COUNT(*) AS TOTAL, SUM(IIF(ATTEMPTS > 1, 1, 0)) AS RETRIED
              FROM MISLINK_COMMANDS WHERE STATUS IN ('new', 'processing', 'sent') GROUP BY STATUS, KIND
            """).map { try $0.decode(Line.self) }
    }
}
