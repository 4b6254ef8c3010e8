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
    /// wall clock at that instant (`AT TIME ZONE`, query `appeals_by_local_hour_in_zone`); Firebird 3 has no
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

    /// The report for `request`. The appeals section is read on `connection`; the calls and the chats
    /// sections each on an attachment of their own to the same database, at the same time (they share
    /// no rows, and the engine runs each attachment on its own thread: on two cores the report takes
    /// about half as long). Each section is one read-only snapshot; the three snapshots start together,
    /// so only events committed within those milliseconds can make two sections disagree. Where a second
    /// attachment cannot be had, everything is read on `connection` in one snapshot. The operators' names
    /// are read last, through the profile, for the ids the sections found.
    public func build(_ request: ReportRequest, on connection: FirebirdConnection, now: Date = Date()) async throws -> AppealsReport {
        let options = TransactionOptions(isolation: .snapshot, readOnly: true)
        let context = try await connection.withTransaction(options) { try self.context(request, in: $0) }
        guard let callsConnection = try? await FirebirdConnection.connect(connection.configuration),
              let chatsConnection = try? await FirebirdConnection.connect(connection.configuration) else {
            return try await connection.withTransaction(options) { try self.build(request, in: $0, now: now) }
        }
        defer {
            Task {
                try? await callsConnection.close()
                try? await chatsConnection.close()
            }
        }
        async let calls = callsConnection.withTransaction(options) { try self.calls(rows: self.rows(in: $0), context: context) }
        async let chats = chatsConnection.withTransaction(options) { try self.chats(rows: self.rows(in: $0), context: context) }
        let appeals = try await connection.withTransaction(options) { try self.appeals(request, in: $0, context: context) }
        let report = AppealsReport(parameters: context.parameters, generatedAt: now, appeals: appeals, calls: try await calls,
                                   chats: try await chats)
        let names = try await connection.withTransaction(options) {
            try OperatorNames.read(report.operatorIds, profile: self.profile, in: $0)
        }
        return report.named(names)
    }

    /// The report for `request`, read in `transaction` (blocking: call it off the event loops).
    public func build(_ request: ReportRequest, in transaction: Transaction, now: Date = Date()) throws -> AppealsReport {
        let context = try self.context(request, in: transaction)
        let rows = self.rows(in: transaction)
        let report = AppealsReport(
            parameters: context.parameters, generatedAt: now,
            appeals: try appeals(request, in: transaction, context: context),
            calls: try calls(rows: rows, context: context),
            chats: try chats(rows: rows, context: context))
        return report.named(try OperatorNames.read(report.operatorIds, profile: profile, in: transaction))
    }

    /// What every section needs: the bound values of the period and filters. Rows are labelled with
    /// ``OperatorNames/label(_:)`` of no names until ``AppealsReport/named(_:)``.
    struct Context: Sendable {
        var values: [String: FirebirdValue]
        var parameters: ReportParameters
        /// The server converts times to the clinic's zone itself (Firebird 4+ and a zone given).
        var zonedOnServer = false

        func label(_ id: Int?) -> String { OperatorNames().label(id) }
    }

    private func context(_ request: ReportRequest, in transaction: Transaction) throws -> Context {
        let days = Int(request.to.next.start(offsetMinutes: 0).timeIntervalSince(request.from.start(offsetMinutes: 0)) / 86_400)
        guard days <= Self.maxDays else { throw ReportError.periodTooLong(days: days, limit: Self.maxDays) }
        let rows = self.rows(in: transaction)
        let clinicOffset = try rows("report_settings", [:])[0].decode(Int?.self, at: 0) ?? 0
        let fromUTC = clinicZone.map { request.from.start(in: $0) } ?? request.from.start(offsetMinutes: clinicOffset)
        let toUTC = clinicZone.map { request.to.next.start(in: $0) } ?? request.to.next.start(offsetMinutes: clinicOffset)
        let utc = TimeZone(identifier: "UTC")!
        var values: [String: FirebirdValue] = [
            "from_utc": .timestamp(FirebirdTimestamp(fromUTC, in: utc)),
            "to_utc": .timestamp(FirebirdTimestamp(toUTC, in: utc)),
            "clinic_offset": .integer(Int32(clinicOffset)),
            "operator": request.operatorId.map { .bigint(Int64($0)) } ?? .null,
            "channel": request.channel.map { .text($0) } ?? .null,
        ]
        var zonedOnServer = false
        if let clinicZone, try transaction.attachment.serverInfo().major >= 4 {
            values["clinic_zone"] = .text(clinicZone.identifier)
            zonedOnServer = true
        }
        let zoneText = clinicZone.map { "\($0.identifier) (\(Self.zoneText($0.secondsFromGMT(for: fromUTC) / 60)))" }
        return Context(values: values, parameters: ReportParameters(
            from: request.from.text, to: request.to.text, fromUtc: fromUTC, toUtc: toUTC,
            clinicUtcOffsetMinutes: clinicOffset, timeZone: zoneText ?? Self.zoneText(clinicOffset), operatorId: request.operatorId,
            operatorName: nil, channel: request.channel), zonedOnServer: zonedOnServer)
    }

    /// Per clinic-local date and hour: in the clinic's zone by the server (Firebird 4+: the session's zone is
    /// UTC for the query, so the UTC columns convert exactly, then back to the attachment's own), else by
    /// the fixed offset.
    private func appealsByLocalHour(_ values: [String: FirebirdValue], zoned: Bool, in transaction: Transaction) throws -> [Row] {
        guard zoned else { return try rows(in: transaction)("appeals_by_local_hour", values) }
        _ = try transaction.attachment.execute("SET TIME ZONE 'UTC'", in: transaction)
        defer { _ = try? transaction.attachment.execute("SET TIME ZONE LOCAL", in: transaction) }
        return try rows(in: transaction)("appeals_by_local_hour_in_zone", values)
    }

    /// Runs a named query with its values in `transaction`.
    private func rows(in transaction: Transaction) -> Query {
        { name, values in try transaction.attachment.query(try self.queries.query(name)(values), in: transaction) }
    }

    typealias Query = (String, [String: FirebirdValue]) throws -> [Row]

    /// The appeals MisLink made (the report's queries) and those the MIS made on its own (the profile's
    /// `report_mis_appeals`, when it has one), read in one snapshot.
    private func appeals(_ request: ReportRequest, in transaction: Transaction, context: Context) throws -> AppealSection {
        let rows = self.rows(in: transaction)
        let values = context.values
        let label = context.label
        var section = AppealSection()
        var channels: [String: OutcomeCounts] = [:]
        var operators: [Int?: OutcomeCounts] = [:]
        for row in try rows("appeals_by_channel_operator", values) {
            var counts = OutcomeCounts()
            counts.total = try row.decode(Int.self, at: 2)
            counts.booked = try row.decode(Int.self, at: 3)
            counts.cancelled = try row.decode(Int.self, at: 4)
            counts.completed = try row.decode(Int.self, at: 5)
            counts.stillOpen = try row.decode(Int.self, at: 6)
            let channel = try row.decode(String.self, at: 0).trimmingCharacters(in: .whitespaces)
            let id = try row.decode(Int?.self, at: 1)
            channels[channel] = (channels[channel] ?? OutcomeCounts()) + counts
            operators[id] = (operators[id] ?? OutcomeCounts()) + counts
            section.total = section.total + counts
        }
        var perDay: [String: Int] = [:]
        if let statement = MISAppeals.statement(in: profile) {
            let own = try MISAppeals.read(statement, request: request, in: transaction)
            var booked: Set<Int64> = []
            if let low = own.map(\.id).min(), let high = own.map(\.id).max() {
                for row in try rows("appeals_booked", ["min_id": .bigint(low), "max_id": .bigint(high)]) {
                    booked.insert(try row.decode(Int64.self, at: 0))
                }
            }
            for appeal in own {
                let counts = MISAppeals.outcome(appeal, booked: booked.contains(appeal.id))
                channels[appeal.channel] = (channels[appeal.channel] ?? OutcomeCounts()) + counts
                operators[appeal.operatorId] = (operators[appeal.operatorId] ?? OutcomeCounts()) + counts
                section.total = section.total + counts
                let date = appeal.createdAt.date
                perDay[LocalDay(year: date.year, month: date.month, day: date.day).text, default: 0] += 1
                section.heatmap[(MISAppeals.weekday(date) + 6) % 7][appeal.createdAt.time.hour] += 1
            }
        }
        let order = ReportRequest.channels
        section.byChannel = channels.map { AppealSection.ByChannel(channel: $0.key, outcomes: $0.value) }
            .sorted { (order.firstIndex(of: $0.channel) ?? 99, $0.channel) < (order.firstIndex(of: $1.channel) ?? 99, $1.channel) }
        section.byOperator = operators.map { AppealSection.ByOperator(operatorId: $0.key, operatorName: label($0.key), outcomes: $0.value) }
            .sorted { ($1.outcomes.total, $0.operatorId ?? Int.max) < ($0.outcomes.total, $1.operatorId ?? Int.max) }

        for row in try appealsByLocalHour(values, zoned: context.zonedOnServer, in: transaction) {
            let date = try row.decode(FirebirdDate.self, at: 0)
            let weekday = try row.decode(Int.self, at: 1)
            let hour = try row.decode(Int.self, at: 2)
            let count = try row.decode(Int.self, at: 3)
            perDay[LocalDay(year: date.year, month: date.month, day: date.day).text, default: 0] += count
            section.heatmap[(weekday + 6) % 7][hour] += count
        }
        var day = request.from
        while day <= request.to {
            section.byDay.append(.init(date: day.text, appeals: perDay[day.text] ?? 0))
            day = day.next
        }
        return section
    }

    private func calls(rows: Query, context: Context) throws -> CallSection {
        let values = context.values
        let label = context.label
        var section = CallSection()
        var operators: [Int?: CallStats] = [:]
        for row in try rows("calls_by_operator", values) {
            let id = try row.decode(Int?.self, at: 0)
            let direction = try row.decode(String.self, at: 1).trimmingCharacters(in: .whitespaces)
            let counts = try (2...10).map { try row.decode(Int.self, at: $0) }
            for key in [id, -1] as [Int?] {
                var stats = key == -1 ? section.overall : operators[id] ?? CallStats(operatorId: id, operatorName: label(id))
                stats.total += counts[0]
                if direction == "in" {
                    stats.inbound += counts[0]
                    stats.inboundAnswered += counts[1]
                } else {
                    stats.outbound += counts[0]
                    stats.outboundAnswered += counts[1]
                }
                stats.missed += counts[2]
                stats.abandoned += counts[3]
                stats.notReached += counts[4]
                stats.failed += counts[5]
                stats.talkSec += counts[6]
                stats.missedCalledBack += counts[7]
                stats.missedRemaining += counts[8]
                if key == -1 { section.overall = stats } else { operators[id] = stats }
            }
        }
        for row in try rows("call_percentiles", values) {
            let kind = try row.decode(String.self, at: 0).trimmingCharacters(in: .whitespaces)
            let group = try row.decode(Int.self, at: 1)
            let id: Int? = group == 0 ? nil : group
            let mine = (try row.decode(Int?.self, at: 3), try row.decode(Int?.self, at: 4))
            let all = (try row.decode(Int?.self, at: 6), try row.decode(Int?.self, at: 7))
            var stats = operators[id] ?? CallStats(operatorId: id, operatorName: label(id))
            switch kind {
            case "answer":
                (stats.answerP50Sec, stats.answerP90Sec) = mine
                (section.overall.answerP50Sec, section.overall.answerP90Sec) = all
            case "talk":
                (stats.talkP50Sec, stats.talkP90Sec) = mine
                (section.overall.talkP50Sec, section.overall.talkP90Sec) = all
            default:
                (stats.callbackP50Sec, stats.callbackP90Sec) = mine
                (section.overall.callbackP50Sec, section.overall.callbackP90Sec) = all
            }
            operators[id] = stats
        }
        section.byOperator = operators.values.sorted { ($1.total, $0.operatorId ?? Int.max) < ($0.total, $1.operatorId ?? Int.max) }
        return section
    }

    private func chats(rows: Query, context: Context) throws -> ChatSection {
        let values = context.values
        let label = context.label
        var section = ChatSection()
        var operators: [Int?: ChatStats] = [:]
        var channels: [String: ChatStats] = [:]
        for row in try rows("chats_by_operator", values) {
            let id = try row.decode(Int?.self, at: 0)
            let channel = try row.decode(String.self, at: 1).trimmingCharacters(in: .whitespaces)
            let c = try (2...12).map { try row.decode(Int.self, at: $0) }
            var stats = ChatStats(label: "")
            stats.threads = c[0]
            stats.responded = c[1]
            stats.firstResponseUnderOneMinute = c[2]
            stats.firstResponseOneToFiveMinutes = c[3]
            stats.firstResponseFiveToFifteenMinutes = c[4]
            stats.firstResponseFifteenToSixtyMinutes = c[5]
            stats.firstResponseOverOneHour = c[6]
            stats.notResponded = c[7]
            stats.closed = c[8]
            stats.transferred = c[9]
            stats.released = c[10]
            operators[id, default: ChatStats(operatorId: id, label: label(id))].add(stats)
            channels[channel, default: ChatStats(label: channel)].add(stats)
            section.overall.add(stats)
        }
        for row in try rows("chat_percentiles", values) {
            let kind = try row.decode(String.self, at: 0).trimmingCharacters(in: .whitespaces)
            let group = try row.decode(Int.self, at: 1)
            let id: Int? = group == 0 ? nil : group
            let mine = (try row.decode(Int?.self, at: 3), try row.decode(Int?.self, at: 4))
            let all = (try row.decode(Int?.self, at: 6), try row.decode(Int?.self, at: 7))
            var stats = operators[id] ?? ChatStats(operatorId: id, label: label(id))
            if kind == "first_response" {
                (stats.firstResponseP50Sec, stats.firstResponseP90Sec) = mine
                (section.overall.firstResponseP50Sec, section.overall.firstResponseP90Sec) = all
            } else {
                (stats.resolutionP50Sec, stats.resolutionP90Sec) = mine
                (section.overall.resolutionP50Sec, section.overall.resolutionP90Sec) = all
            }
            operators[id] = stats
        }
        for row in try rows("chat_peak_concurrency", values) {
            let id = try row.decode(Int.self, at: 0)
            operators[id, default: ChatStats(operatorId: id, label: label(id))].peakConcurrent = max(0, try row.decode(Int.self, at: 1))
        }
        section.byOperator = operators.values.sorted { ($1.threads, $0.operatorId ?? Int.max) < ($0.threads, $1.operatorId ?? Int.max) }
        let order = ReportRequest.channels
        section.byChannel = channels.values.sorted {
            (order.firstIndex(of: $0.label) ?? 99, $0.label) < (order.firstIndex(of: $1.label) ?? 99, $1.label)
        }
        return section
    }

    /// `UTC+03:00` for 180.
    static func zoneText(_ minutes: Int) -> String {
        String(format: "UTC%@%02d:%02d", minutes < 0 ? "-" : "+", abs(minutes) / 60, abs(minutes) % 60)
    }
}
