import Firebird
import Foundation
import MisLinkPatients
import MisLinkProfiles

/// Makes an ``AppealsReport`` by running the named queries of `SQL/report-appeals.sql` in read-only
/// snapshot transactions (one per section, in parallel; see ``build(_:on:now:)``). The database does the
/// counting and the percentiles; this type only labels the grouped rows and adds them up into totals.
///
/// The queries read MisLink's own tables only. What comes from the MIS comes through its profile:
/// operators' names (`staff_get`) and, for a MIS with its own appeals table, the appeals it made
/// without MisLink (the optional `report_mis_appeals`, counted here by the same rules).
public struct AppealsReportBuilder: Sendable {
    /// The file the queries are read from by default, next to `queries.sql`.
    public static let fileName = "report-appeals.sql"
    /// The longest period a report covers, in days.
    public static let maxDays = 3_660

    /// The parsed queries file.
    public let queries: NamedQueries
    /// The MIS profile the worker uses: names through `staff_get`, the MIS's own appeals through
    /// `report_mis_appeals`.
    public let profile: MISProfile

    /// The clinic's zone (`clinic_time_zone`, an IANA name such as `Europe/Moscow`), or nil for the fixed
    /// `db.utc_offset_minutes`. With a zone the period's bounds are the zone's midnights (its offset on each
    /// day, daylight saving included), and on Firebird 4 and later each appeal's local hour is the zone's
    /// wall clock at that instant (`AT TIME ZONE`, query `appeals_by_hour_in_zone`); Firebird 3 has no
    /// time-zone support, so there the hours use `db.utc_offset_minutes`, exact for zones without daylight
    /// saving (every Russian zone since 2014).
    public var clinicZone: TimeZone?

    /// A builder over an already-parsed queries file and a MIS profile.
    public init(queries: NamedQueries, profile: MISProfile, clinicZone: TimeZone? = nil) {
        self.queries = queries
        self.profile = profile
        self.clinicZone = clinicZone
    }

    /// Reads `report-appeals.sql` from `url`, or from where MisLink keeps its SQL (MISLINK_SQL,
    /// `<prefix>/share/mislink/sql`, the source tree).
    public static func load(from url: URL? = nil, profile: MISProfile) throws -> AppealsReportBuilder {
        let candidates = url.map { [$0] } ?? [NamedQueries.defaultURL()?.deletingLastPathComponent().appendingPathComponent(fileName)]
            .compactMap { $0 }
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ReportError.sqlNotFound(url?.path ?? "SQL/\(fileName)")
        }
        return AppealsReportBuilder(queries: try NamedQueries(contentsOf: file), profile: profile)
    }

    /// Reads `report-appeals.sql` as ``load(from:profile:)`` does, with the shipped reference profile.
    @available(*, deprecated, message: "pass the worker's MIS profile: load(from:profile:)")
    public static func load(from url: URL? = nil) throws -> AppealsReportBuilder {
        try load(from: url, profile: try MISProfile(directory: try MISProfile.resolve(MISProfile.defaultName)))
    }

    /// Where a report's figures come from.
    public enum Source: Sendable {
        /// The days of `MISLINK_REPORT_DAYS` built by the report's clock and without change marks, the facts
        /// for the other days (see ``ReportDays``); the facts alone where no day of the period is stored.
        case days
        /// The facts only, whatever is stored.
        case facts
    }

    /// Where the figures come from. Defaults to ``Source/days``.
    public var source: Source = .days

    /// The report for `request`. With stored days (``source``), the period's stored days are read on
    /// `connection` and the other days' facts on an attachment of its own, at the same time; from the facts
    /// alone, the appeals on `connection`, the calls and the chats each on an attachment of their own (they
    /// share no rows, and the engine runs each attachment on its own thread: on two cores the report takes
    /// about half as long). Each part is one read-only snapshot; the snapshots start together, so only events
    /// committed within those milliseconds can make two parts disagree. Where a second attachment cannot be
    /// had, everything is read on `connection` in one snapshot. The operators' names are read last,
    /// through the profile, for the ids the sections found.
    public func build(_ request: ReportRequest, on connection: FirebirdConnection, now: Date = Date()) async throws -> AppealsReport {
        let options = TransactionOptions(isolation: .snapshot, readOnly: true)
        let (context, plan) = try await connection.withTransaction(options) { tx in
            let context = try self.context(request, in: tx)
            return (context, try self.plan(request, context: context, in: tx))
        }
        let extra = plan == nil ? 2 : 1
        var attachments: [FirebirdConnection] = []
        for _ in 0..<extra {
            guard let attachment = try? await FirebirdConnection.connect(connection.configuration) else { break }
            attachments.append(attachment)
        }
        defer {
            let attachments = attachments
            Task { for attachment in attachments { try? await attachment.close() } }
        }
        guard attachments.count == extra else {
            return try await connection.withTransaction(options) { try self.build(request, in: $0, now: now) }
        }
        let second = attachments[0]
        let third = attachments.count > 1 ? attachments[1] : second
        let runner = NamedQueriesRunner(queries: queries)
        let zoned = context.zonedOnServer
        var figures: ReportFigures
        let own: MISAppeals.Own
        if let plan {
            async let live = second.withTransaction(options) { try self.liveFigures(plan, context: context, in: $0) }
            (figures, own) = try await connection.withTransaction(options) { tx in
                (try self.storedFigures(plan, in: tx), try self.misAppeals(plan.ownLive, request: request, in: tx))
            }
            figures.add(try await live)
        } else {
            async let calls = second.withTransaction(options) { tx in
                var figures = ReportFigures()
                try figures.readCalls(try runner.run("calls_by_operator", context.values, in: tx))
                try figures.readCallValues(try runner.run("call_values", context.values, in: tx))
                return figures
            }
            async let chats = third.withTransaction(options) { tx in
                var figures = ReportFigures()
                try figures.readChats(try runner.run("chats_by_operator", context.values, in: tx))
                try figures.readChatValues(try runner.run("chat_values", context.values, in: tx))
                try figures.readHolds(try runner.run("chat_holds", context.values, in: tx), from: context.values)
                return figures
            }
            (figures, own) = try await connection.withTransaction(options) { tx in
                var figures = ReportFigures()
                try figures.readAppeals(try runner.appealsByHour(context.values, zoned: zoned, in: tx))
                return (figures, try self.misAppeals([request.from...request.to], request: request, in: tx))
            }
            figures.add(try await calls)
            figures.add(try await chats)
        }
        let report = assemble(figures, own: own, request: request, context: context, now: now)
        let names = try await connection.withTransaction(options) {
            try OperatorNames.read(report.operatorIds, profile: self.profile, in: $0)
        }
        return report.named(names)
    }

    /// The report for `request`, read in `transaction` (blocking: call it off the event loops).
    public func build(_ request: ReportRequest, in transaction: Transaction, now: Date = Date()) throws -> AppealsReport {
        let context = try self.context(request, in: transaction)
        var figures: ReportFigures
        let own: MISAppeals.Own
        if let plan = try plan(request, context: context, in: transaction) {
            figures = try storedFigures(plan, in: transaction)
            figures.add(try liveFigures(plan, context: context, in: transaction))
            own = try misAppeals(plan.ownLive, request: request, in: transaction)
        } else {
            figures = try ReportFigures.read(context.values, zoned: context.zonedOnServer, queries: NamedQueriesRunner(queries: queries),
                                             in: transaction)
            own = try misAppeals([request.from...request.to], request: request, in: transaction)
        }
        let report = assemble(figures, own: own, request: request, context: context, now: now)
        return report.named(try OperatorNames.read(report.operatorIds, profile: profile, in: transaction))
    }

    private func assemble(_ figures: ReportFigures, own: MISAppeals.Own, request: ReportRequest, context: Context,
                          now: Date) -> AppealsReport {
        var all = figures
        all.addOwn(own)
        let assembly = ReportAssembly(figures: all.filtered(operatorId: request.operatorId, channel: request.channel),
                                      from: request.from, to: request.to)
        return AppealsReport(parameters: context.parameters, generatedAt: now, appeals: assembly.appeals(),
                             calls: assembly.calls(), chats: assembly.chats())
    }

    /// What every section needs: the bound values of the period and filters.
    struct Context: Sendable {
        var values: [String: FirebirdValue]
        var parameters: ReportParameters
        var clock: ReportClock
        /// The server converts times to the clinic's zone itself (Firebird 4+ and a zone given).
        var zonedOnServer: Bool { clock.zonedOnServer }
    }

    /// The clinic's clock: ``clinicZone``, `clinic.utc_offset_minutes`, and whether the server converts to the zone.
    func clock(in transaction: Transaction) throws -> ReportClock {
        let offset = try NamedQueriesRunner(queries: queries).run("report_settings", [:], in: transaction)[0].decode(Int?.self, at: 0) ?? 0
        let zoned = try clinicZone != nil && transaction.attachment.serverInfo().major >= 4
        return ReportClock(zone: clinicZone, offsetMinutes: offset, zonedOnServer: zoned)
    }

    private func context(_ request: ReportRequest, in transaction: Transaction) throws -> Context {
        let days = Int(request.to.next.start(offsetMinutes: 0).timeIntervalSince(request.from.start(offsetMinutes: 0)) / 86_400)
        guard days <= Self.maxDays else { throw ReportError.periodTooLong(days: days, limit: Self.maxDays) }
        let clock = try clock(in: transaction)
        let clinicOffset = clock.offsetMinutes
        var values = clock.values(from: request.from, to: request.to)
        values["operator"] = request.operatorId.map { .bigint(Int64($0)) } ?? .null
        values["channel"] = request.channel.map { .text($0) } ?? .null
        let fromUTC = clock.start(request.from)
        let toUTC = clock.start(request.to.next)
        let zoneText = clinicZone.map { "\($0.identifier) (\(Self.zoneText($0.secondsFromGMT(for: fromUTC) / 60)))" }
        return Context(values: values, parameters: ReportParameters(
            from: request.from.text, to: request.to.text, fromUtc: fromUTC, toUtc: toUTC,
            clinicUtcOffsetMinutes: clinicOffset, timeZone: zoneText ?? Self.zoneText(clinicOffset), operatorId: request.operatorId,
            operatorName: nil, channel: request.channel), clock: clock)
    }

    /// The days of a period read from `MISLINK_REPORT_DAYS`, and the runs of days read from the facts.
    struct DayPlan: Sendable {
        var from: LocalDay
        var to: LocalDay
        var stored: Set<LocalDay>
        var live: [ClosedRange<LocalDay>]
        /// Stored days whose MIS's own appeals are read stored too (older than ``ReportDays/misHorizonDays``).
        var ownStored: Set<LocalDay>
        /// Runs of days whose MIS's own appeals are read through the profile.
        var ownLive: [ClosedRange<LocalDay>]
        var clock: ReportClock
    }

    /// Which days of `request` are read stored (built by the report's clock, no change mark on them), or
    /// nil to read the facts alone (``Source/facts``, no V020 tables, or no such day).
    func plan(_ request: ReportRequest, context: Context, in transaction: Transaction) throws -> DayPlan? {
        guard source == .days else { return nil }
        let store = ReportDaysStore(transaction: transaction)
        guard try store.exists() else { return nil }
        let clock = context.clock
        let built = try store.builtDays(from: request.from, to: request.to).filter { $0.value == clock.id }
        guard !built.isEmpty else { return nil }
        let marked = ReportDays.days(ofHours: try store.markedHours(from: clock.start(request.from).addingTimeInterval(-3600),
                                                                    to: clock.start(request.to.next).addingTimeInterval(3600)),
                                     clock: clock)
        let stored = Set(built.keys).subtracting(marked)
        guard !stored.isEmpty else { return nil }
        let horizon = LocalDay(number: clock.day(of: Date()).number - ReportDays.misHorizonDays)
        let ownStored = stored.filter { $0 < horizon }
        return DayPlan(from: request.from, to: request.to, stored: stored, live: Self.runs(request.from...request.to, except: stored),
                       ownStored: ownStored, ownLive: Self.runs(request.from...request.to, except: ownStored), clock: clock)
    }

    /// The runs of consecutive days of `period` not in `days`.
    static func runs(_ period: ClosedRange<LocalDay>, except days: Set<LocalDay>) -> [ClosedRange<LocalDay>] {
        var runs: [ClosedRange<LocalDay>] = []
        var runStart: LocalDay?
        var day = period.lowerBound
        var previous = day
        while day <= period.upperBound {
            if days.contains(day) {
                if let start = runStart { runs.append(start...previous) }
                runStart = nil
            } else if runStart == nil {
                runStart = day
            }
            previous = day
            day = day.next
        }
        if let start = runStart { runs.append(start...period.upperBound) }
        return runs
    }

    /// Which days of `request` would be read stored, and which from the facts (nil: the facts alone).
    func dayPlan(_ request: ReportRequest, in transaction: Transaction) throws -> DayPlan? {
        try plan(request, context: try context(request, in: transaction), in: transaction)
    }

    /// The stored days' figures. Fetching the rows (the engine's work, on this thread) and adding them up
    /// (``StoredDaysAdder``, on a queue of its own) overlap: a year is about 180,000 rows, and each side
    /// takes about half the time.
    func storedFigures(_ plan: DayPlan, in transaction: Transaction) throws -> ReportFigures {
        let adder = StoredDaysAdder(clock: plan.clock)
        var batch: [(LocalDay, ReportDayRow)] = []
        batch.reserveCapacity(StoredDaysAdder.batchSize)
        try ReportDaysStore(transaction: transaction).forEachRow(from: plan.from, to: plan.to, keep: { plan.stored.contains($0) }) { day, row in
            guard row.section != "mis_appeals" || plan.ownStored.contains(day) else { return }
            batch.append((day, row))
            if batch.count == StoredDaysAdder.batchSize {
                adder.add(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        adder.add(batch)
        return adder.figures()
    }

    /// The facts of the days not stored, with the report's filters.
    func liveFigures(_ plan: DayPlan, context: Context, in transaction: Transaction) throws -> ReportFigures {
        var figures = ReportFigures()
        for run in plan.live {
            var values = context.clock.values(from: run.lowerBound, to: run.upperBound)
            values["operator"] = context.values["operator"]
            values["channel"] = context.values["channel"]
            figures.add(try ReportFigures.read(values, zoned: context.zonedOnServer, queries: NamedQueriesRunner(queries: queries),
                                               in: transaction))
        }
        return figures
    }

    /// The appeals the MIS made on its own (the profile's `report_mis_appeals`, when it has one) in the runs
    /// of days given, with `request`'s filters, and which of them have a 'booked' event.
    func misAppeals(_ runs: [ClosedRange<LocalDay>], request: ReportRequest?, in transaction: Transaction) throws -> MISAppeals.Own {
        guard let statement = MISAppeals.statement(in: profile) else { return MISAppeals.Own() }
        var own: [MISAppeals.Appeal] = []
        for run in runs {
            let part = try ReportRequest(from: run.lowerBound, to: run.upperBound, operatorId: request?.operatorId, channel: request?.channel)
            own += try MISAppeals.read(statement, request: part, in: transaction)
        }
        var booked: Set<Int64> = []
        if let low = own.map(\.id).min(), let high = own.map(\.id).max() {
            let rows = try NamedQueriesRunner(queries: queries).run("appeals_booked", ["min_id": .bigint(low), "max_id": .bigint(high)],
                                                                   in: transaction)
            for row in rows { booked.insert(try row.decode(Int64.self, at: 0)) }
        }
        return MISAppeals.Own(appeals: own, booked: booked)
    }

    /// `UTC+03:00` for 180.
    static func zoneText(_ minutes: Int) -> String {
        String(format: "UTC%@%02d:%02d", minutes < 0 ? "-" : "+", abs(minutes) / 60, abs(minutes) % 60)
    }
}

/// Adds stored day rows up into ``ReportFigures`` on a serial queue of its own, while the caller fetches
/// the next rows; ``add(_:)`` blocks when a few batches already wait (the caller is a thread that runs
/// Firebird's calls, never the cooperative pool).
final class StoredDaysAdder: @unchecked Sendable {
    // @unchecked: `sum` and `dayStarts` are touched only on `queue`.
    static let batchSize = 2048
    private let clock: ReportClock
    private let queue = DispatchQueue(label: "mislink.report.stored-days")
    private let free = DispatchSemaphore(value: 4)
    private var sum = ReportFigures()
    private var dayStarts: [LocalDay: Date] = [:]

    init(clock: ReportClock) { self.clock = clock }

    /// Adds `rows` in, soon.
    func add(_ rows: [(LocalDay, ReportDayRow)]) {
        guard !rows.isEmpty else { return }
        free.wait()
        queue.async {
            for (day, row) in rows {
                let start = self.dayStarts[day] ?? self.clock.start(day)
                self.dayStarts[day] = start
                ReportDayCodec.add(row, day: day, dayStart: start, into: &self.sum)
            }
            self.free.signal()
        }
    }

    /// Every row added, once the queue has added them.
    func figures() -> ReportFigures { queue.sync { sum } }
}
