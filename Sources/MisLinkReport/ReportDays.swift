import Firebird
import Foundation

/// The appeals report's per-day figures (`MISLINK_REPORT_DAYS`, Migrations/V020): counting days from the
/// facts into it (``rebuild(from:to:on:progress:)``, ``refresh(on:maxDays:)``) and checking it against
/// the facts (``check(from:to:on:)``). Each day is counted with the report's own queries over the day's
/// UTC range, so a report adding stored days up gives the numbers the facts give.
///
/// Freshness: every change to a fact the report counts leaves a mark (`MISLINK_REPORT_CHANGES`, written by
/// V020's triggers in the changing transaction), and a report reads a marked day from the facts. So a
/// report is exact whether or not the worker has caught up; the worker's refresh (every minute) only
/// keeps the marked days few. The MIS's own appeals (the profile's `report_mis_appeals`) are never stored:
/// the report reads them each time.
public struct ReportDays: Sendable {
    /// The builder whose queries, profile and clinic zone the days are counted with.
    public var builder: AppealsReportBuilder

    /// Days counted per transaction by ``rebuild(from:to:on:progress:)``.
    public static let daysPerTransaction = 7

    /// The MIS's own appeals (the profile's `report_mis_appeals`) change in the MIS's tables, where no
    /// trigger of MisLink's marks them: a report reads those of the last this many days (today included)
    /// through the profile, and the stored ones only for older days; the refresh counts a day again as it
    /// passes out of this window. A change the MIS makes to its own appeal later than that shows after
    /// `rebuild-days` (and `check-days` names the day).
    public static let misHorizonDays = 7

    public init(builder: AppealsReportBuilder) {
        self.builder = builder
    }

    /// What a rebuild did.
    public struct RebuildSummary: Sendable {
        /// The first and last day counted (nil when there was nothing to count).
        public var from: LocalDay?
        public var to: LocalDay?
        public var days = 0
        /// Rows written into `MISLINK_REPORT_DAYS`.
        public var rows = 0
    }

    /// Counts the days from `from` to `to` (clinic-local; defaults: the day of the first fact, and today)
    /// from the facts into `MISLINK_REPORT_DAYS`, replacing what they held, and clears their change marks.
    public func rebuild(from: LocalDay? = nil, to: LocalDay? = nil, on connection: FirebirdConnection,
                        progress: @Sendable (String) -> Void = { _ in }) async throws -> RebuildSummary {
        let builder = self.builder
        let (clock, first) = try await connection.withTransaction(TransactionOptions(isolation: .snapshot, readOnly: true)) { tx in
            let clock = try builder.clock(in: tx)
            return (clock, try ReportDaysStore(transaction: tx).firstFact().map { clock.day(of: $0) })
        }
        var summary = RebuildSummary()
        guard let start = from ?? first else { return summary }
        let end = to ?? clock.day(of: Date())
        guard start <= end else { return summary }
        summary.from = start
        summary.to = end
        var day = start
        while day <= end {
            var chunk: [LocalDay] = []
            while chunk.count < Self.daysPerTransaction, day <= end {
                chunk.append(day)
                day = day.next
            }
            let days = chunk
            summary.rows += try await connection.withTransaction(TransactionOptions(isolation: .snapshot)) { tx in
                try self.count(days, clock: clock, in: tx)
            }
            summary.days += chunk.count
            progress("\(chunk.last!.text): \(summary.days) days")
        }
        return summary
    }

    /// Counts the days that have change marks again (at most `maxDays` of them, the latest first) and
    /// returns them; the worker calls it every minute.
    public func refresh(on connection: FirebirdConnection, maxDays: Int = 31) async throws -> [LocalDay] {
        try await connection.withTransaction(TransactionOptions(isolation: .snapshot)) { tx in
            let store = ReportDaysStore(transaction: tx)
            guard try store.exists() else { return [] }
            let clock = try self.builder.clock(in: tx)
            let today = clock.day(of: Date())
            var days = Self.days(ofHours: try store.markedHours(), clock: clock)
            // Days passing out of the MIS appeals' window, counted last while they were in it.
            let leaving = LocalDay(number: today.number - Self.misHorizonDays - 30)...LocalDay(number: today.number - Self.misHorizonDays - 1)
            for (day, builtAt) in try store.builtTimes(from: leaving.lowerBound, to: leaving.upperBound)
            where builtAt < clock.start(LocalDay(number: day.number + Self.misHorizonDays)) {
                days.insert(day)
            }
            let chosen = Array(days.sorted(by: >).prefix(maxDays))
            _ = try self.count(chosen, clock: clock, in: tx)
            return chosen
        }
    }

    /// A day whose stored figures differ from its facts.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public var day: LocalDay
        /// What differs, in short.
        public var detail: String

        public var description: String { "\(day.text): \(detail)" }
    }

    /// What a check found.
    public struct CheckResult: Sendable {
        /// Days compared (built, without change marks).
        public var checked = 0
        /// Built days with change marks (the worker counts them again; the report reads their facts).
        public var pending: [LocalDay] = []
        /// Days whose stored figures differ from their facts.
        public var differences: [Difference] = []
    }

    /// Compares each built day from `from` to `to` (defaults: every built day) with its facts, counted by
    /// the clock the day was built with.
    public func check(from: LocalDay? = nil, to: LocalDay? = nil, on connection: FirebirdConnection) async throws -> CheckResult {
        try await connection.withTransaction(TransactionOptions(isolation: .snapshot, readOnly: true)) { tx in
            let store = ReportDaysStore(transaction: tx)
            let current = try self.builder.clock(in: tx)
            let start = from ?? LocalDay(year: 1, month: 1, day: 1)
            let end = to ?? LocalDay(year: 9999, month: 12, day: 30)
            let built = try store.builtDays(from: start, to: end)
            var result = CheckResult()
            guard let first = built.keys.min(), let last = built.keys.max() else { return result }
            let clocks = built.compactMapValues { ReportClock(id: $0, current: current) }
            var stored: [LocalDay: ReportFigures] = [:]
            try store.forEachRow(from: first, to: last, keep: { clocks[$0] != nil }) { day, row in
                ReportDayCodec.add(row, day: day, dayStart: clocks[day]!.start(day), into: &stored[day, default: ReportFigures()])
            }
            for day in built.keys.sorted() {
                guard let clock = clocks[day] else {
                    result.differences.append(Difference(day: day, detail: "built by an unknown clock \"\(built[day]!)\""))
                    continue
                }
                if !Self.days(ofHours: try store.markedHours(from: clock.start(day).addingTimeInterval(-3600),
                                                             to: clock.start(day.next).addingTimeInterval(3600)), clock: clock)
                    .contains(day)
                {
                    result.checked += 1
                    var facts = try ReportFigures.read(clock.values(from: day, to: day), zoned: clock.zonedOnServer,
                                                       queries: NamedQueriesRunner(queries: self.builder.queries), in: tx)
                    facts.addOwn(try self.builder.misAppeals([day...day], request: nil, in: tx))
                    let mine = stored[day] ?? ReportFigures()
                    if mine != facts { result.differences.append(Difference(day: day, detail: Self.describe(mine, facts))) }
                } else {
                    result.pending.append(day)
                }
            }
            return result
        }
    }

    /// Counts `days` from the facts by `clock` into the table, and clears their marks; returns the rows written.
    func count(_ days: [LocalDay], clock: ReportClock, in tx: Transaction) throws -> Int {
        let store = ReportDaysStore(transaction: tx)
        let queries = NamedQueriesRunner(queries: builder.queries)
        let now = Date()
        var written = 0
        var own: [LocalDay: MISAppeals.Own] = [:]
        for run in Self.runs(of: days) {
            let read = try builder.misAppeals([run], request: nil, in: tx)
            for appeal in read.appeals {
                let date = appeal.createdAt.date
                own[LocalDay(year: date.year, month: date.month, day: date.day), default: MISAppeals.Own(booked: read.booked)]
                    .appeals.append(appeal)
            }
        }
        for day in days {
            var figures = try ReportFigures.read(clock.values(from: day, to: day), zoned: clock.zonedOnServer, queries: queries, in: tx)
            if let mine = own[day] { figures.addOwn(mine) }
            let rows = ReportDayCodec.rows(of: figures, day: day, dayStart: clock.start(day))
            try store.replace(day, rows: rows, clock: clock.id, builtAt: now)
            try store.deleteMarks(from: clock.start(day), to: clock.start(day.next))
            written += rows.count
        }
        return written
    }

    /// `days` as runs of consecutive days.
    static func runs(of days: [LocalDay]) -> [ClosedRange<LocalDay>] {
        var runs: [ClosedRange<LocalDay>] = []
        for day in days.sorted() {
            if let last = runs.last, last.upperBound.next == day {
                runs[runs.count - 1] = last.lowerBound...day
            } else {
                runs.append(day...day)
            }
        }
        return runs
    }

    /// The days the marked hours touch (an hour may straddle two days where the offset is not whole hours).
    static func days(ofHours hours: [Date], clock: ReportClock) -> Set<LocalDay> {
        var days: Set<LocalDay> = []
        for hour in hours {
            days.insert(clock.day(of: hour))
            days.insert(clock.day(of: hour.addingTimeInterval(3599)))
        }
        return days
    }

    static func describe(_ stored: ReportFigures, _ facts: ReportFigures) -> String {
        var parts: [String] = []
        if stored.appeals != facts.appeals || stored.appealHours != facts.appealHours {
            parts.append("appeals \(stored.appeals.values.reduce(0) { $0 + $1.total }) stored, \(facts.appeals.values.reduce(0) { $0 + $1.total }) in the facts")
        }
        if stored.calls != facts.calls {
            parts.append("calls \(stored.calls.values.reduce(0) { $0 + $1[0] }) stored, \(facts.calls.values.reduce(0) { $0 + $1[0] }) in the facts")
        }
        if stored.chats != facts.chats {
            parts.append("chat threads \(stored.chats.values.reduce(0) { $0 + $1[0] }) stored, \(facts.chats.values.reduce(0) { $0 + $1[0] }) in the facts")
        }
        if stored.values != facts.values { parts.append("percentile histograms differ") }
        if stored.holds != facts.holds { parts.append("chat holds differ") }
        return parts.joined(separator: "; ")
    }
}

extension ReportClock {
    /// The clock `id` names (``ReportClock/id``); `current` gives the offset where the id has none.
    init?(id: String, current: ReportClock) {
        let words = id.split(separator: " ").map(String.init)
        switch words.count {
        case 2 where words[0] == "offset":
            guard let minutes = Int(words[1]) else { return nil }
            self.init(zone: nil, offsetMinutes: minutes, zonedOnServer: false)
        case 2 where words[0] == "zone":
            guard let zone = TimeZone(identifier: words[1]) else { return nil }
            self.init(zone: zone, offsetMinutes: current.offsetMinutes, zonedOnServer: true)
        case 5 where words[0] == "zone" && words[2] == "hours" && words[3] == "offset":
            guard let zone = TimeZone(identifier: words[1]), let minutes = Int(words[4]) else { return nil }
            self.init(zone: zone, offsetMinutes: minutes, zonedOnServer: false)
        default:
            return nil
        }
    }
}
