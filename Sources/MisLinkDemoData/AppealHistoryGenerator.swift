import Firebird
import Foundation

/// Demo history for the reports: appeals with their calls and chat threads, and further calls
/// (missed and called back or not, abandoned in the IVR, outbound), spread over the days before a
/// date in the clinic's working hours. Needs MisLink's migrations (the `MISLINK_` tables) and staff
/// with the role `operator` or `registrar` (`mislink demo-data` adds them).
///
/// Rows are made in time order (as a live MIS writes them) in the database by `EXECUTE BLOCK`s of `chunk` appeals or calls (one transaction
/// each), deterministic for a seed: about 55 % of appeals are phone appeals (one answered inbound
/// call each), the rest chat threads (edna/Chatwoot channels) with the appeal chain of the chat
/// contract (`created`, `assigned`, `transferred`, `released`/`reopened`, `closed`). Outcomes:
/// about 35 % booked (`BOOKED_SCHEDULE_ID` = an existing SCHEDULE row, when there are any),
/// 10 % cancelled, 45 % closed without booking, 10 % open.
public struct AppealHistoryGenerator: Sendable {
    /// How much to make and where.
    public struct Options: Sendable {
        /// Appeals to add.
        public var appeals: Int
        /// Calls in total (those of the phone appeals included); the rest are calls without an appeal.
        public var calls: Int
        /// The history covers this many days ending the day before `end`.
        public var days: Int
        /// The day after the last day of history.
        public var end: FirebirdDate
        /// Same seed, same history.
        public var seed: UInt64
        /// Appeals or calls per transaction. Defaults to 20,000.
        public var chunk: Int

        public init(appeals: Int, calls: Int, days: Int = 365, end: FirebirdDate, seed: UInt64 = 1, chunk: Int = 20_000) {
            self.appeals = appeals
            self.calls = calls
            self.days = days
            self.end = end
            self.seed = seed
            self.chunk = chunk
        }
    }

    /// What was added.
    public struct Summary: Sendable {
        public var appeals = 0
        public var phoneAppeals = 0
        public var chatThreads = 0
        public var calls = 0
        public var appealEvents = 0
        public var time: Duration = .zero
    }

    public var options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Adds the history; `progress` gets a line now and then.
    public func run(on connection: FirebirdConnection, progress: @Sendable (String) -> Void = { _ in }) async throws -> Summary {
        guard options.appeals >= 0, options.calls >= 0, options.days > 0, options.chunk > 0 else {
            throw DemoDataError(message: "appeals and calls must not be negative, days and chunk must be positive")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let tables = try await connection.query("SELECT COUNT(*) FROM RDB$RELATIONS WHERE RDB$RELATION_NAME = 'MISLINK_APPEALS'")
        guard try tables[0].decode(Int.self, at: 0) == 1 else {
            throw DemoDataError(message: "the database has no MISLINK_ tables: run `mislink migrate up` first")
        }
        let operators = try await connection.query(
            "SELECT ID FROM STAFF WHERE ROLE IN ('operator', 'registrar') AND IS_ACTIVE = 1 ORDER BY ID"
        ).map { try $0.decode(Int.self, at: 0) }
        guard operators.count >= 2 else {
            throw DemoDataError(message: "the history needs at least two active operators or registrars in STAFF (run demo-data with --staff)")
        }
        let settings = try await connection.query(
            "SELECT CAST(MISLINK_SETTING('clinic.utc_offset_minutes') AS INTEGER), CAST(MISLINK_SETTING('db.utc_offset_minutes') AS INTEGER) FROM RDB$DATABASE")
        let clinicOffset = try settings[0].decode(Int?.self, at: 0) ?? 0
        let dbOffset = try settings[0].decode(Int?.self, at: 1) ?? 0
        let schedule = try await connection.query("SELECT MIN(ID), MAX(ID) FROM SCHEDULE")[0]
        let scheduleLow = try schedule.decode(Int?.self, at: 0)
        let scheduleSpan = try (schedule.decode(Int?.self, at: 1) ?? 0) - (scheduleLow ?? 0) + 1
        let before = try await counts(connection)
        let tag = "\(options.seed)-\(Int(Date().timeIntervalSince1970))"
        let parameters = BlockParameters(
            seed: Int64(options.seed % 1_000_000_007), days: options.days, start: startLiteral(), clinicOffset: clinicOffset,
            dbOffset: dbOffset, operators: operators, scheduleLow: scheduleLow, scheduleSpan: scheduleSpan, tag: tag)

        for first in stride(from: 0, to: options.appeals, by: options.chunk) {
            let count = min(options.chunk, options.appeals - first)
            try await connection.execute(FirebirdQuery(unsafeSQL: Self.appealsBlock(first: first, count: count, total: options.appeals, parameters)))
            progress("\(first + count) appeals")
        }
        let afterAppeals = try await counts(connection)
        let extraCalls = max(0, options.calls - (afterAppeals.calls - before.calls))
        for first in stride(from: 0, to: extraCalls, by: options.chunk) {
            let count = min(options.chunk, extraCalls - first)
            try await connection.execute(FirebirdQuery(unsafeSQL: Self.callsBlock(first: first, count: count, total: extraCalls, parameters)))
            progress("\(first + count) further calls")
        }
        // Indexes made on empty tables (by the migrations) keep a selectivity of 0 until their statistics are
        // recomputed, which makes the optimizer choose badly on the now large tables: recompute them, as a
        // DBA's maintenance (or a restore) would.
        let indexes = try await connection.query("""
            SELECT TRIM(RDB$INDEX_NAME) FROM RDB$INDICES WHERE RDB$RELATION_NAME IN
              ('APPEALS', 'MISLINK_CALLS', 'MISLINK_CHAT_THREADS', 'MISLINK_APPEALS', 'MISLINK_APPEAL_EVENTS')
            """).map { try $0.decode(String.self, at: 0) }
        for index in indexes {
            try await connection.execute(FirebirdQuery(unsafeSQL: "SET STATISTICS INDEX \"\(index)\""))
        }
        progress("index statistics recomputed (\(indexes.count) indexes)")
        let after = try await counts(connection)
        var summary = Summary()
        summary.appeals = after.appeals - before.appeals
        summary.calls = after.calls - before.calls
        summary.phoneAppeals = afterAppeals.calls - before.calls
        summary.chatThreads = after.threads - before.threads
        summary.appealEvents = after.events - before.events
        summary.time = clock.now - started
        return summary
    }

    private func counts(_ connection: FirebirdConnection) async throws -> (appeals: Int, calls: Int, threads: Int, events: Int) {
        let row = try await connection.query("""
            SELECT (SELECT COUNT(*) FROM MISLINK_APPEALS), (SELECT COUNT(*) FROM MISLINK_CALLS),
                   (SELECT COUNT(*) FROM MISLINK_CHAT_THREADS), (SELECT COUNT(*) FROM MISLINK_APPEAL_EVENTS) FROM RDB$DATABASE
            """)[0]
        return (try row.decode(Int.self, at: 0), try row.decode(Int.self, at: 1), try row.decode(Int.self, at: 2), try row.decode(Int.self, at: 3))
    }

    /// Midnight (clinic time) of the first day of history, as a timestamp literal.
    private func startLiteral() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let end = calendar.date(from: DateComponents(year: options.end.year, month: options.end.month, day: options.end.day))!
        let start = calendar.date(byAdding: .day, value: -options.days, to: end)!
        let parts = calendar.dateComponents([.year, .month, .day], from: start)
        return String(format: "TIMESTAMP '%04d-%02d-%02d 00:00:00'", parts.year!, parts.month!, parts.day!)
    }
}

/// What the `EXECUTE BLOCK`s are made of (all numbers or fixed text: nothing from users).
struct BlockParameters {
    var seed: Int64
    var days: Int
    var start: String
    var clinicOffset: Int
    var dbOffset: Int
    var operators: [Int]
    var scheduleLow: Int?
    var scheduleSpan: Int
    var tag: String

    /// `CASE MOD(<x>, n) WHEN 0 THEN <id> ... END`: the n-th operator.
    func pick(_ expression: String) -> String {
        "CASE MOD(\(expression), \(operators.count)) " + operators.enumerated().map { "WHEN \($0.offset) THEN \($0.element)" }.joined(separator: " ") + " END"
    }
}
