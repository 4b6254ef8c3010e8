import Firebird
import Foundation
import MisLinkDemoData
import MisLinkTestSupport
import Testing
@testable import MisLinkReport

/// A generated history (three months, every channel, four operators, answered, missed and called-back
/// calls, transfers and releases, booked appeals of both kinds, the MIS's own appeals) plus facts on
/// both sides of the clinic's midnight, in a database of its own.
enum DaysHistory {
    static let builder = FixtureDatabase.builder

    static func create(_ label: String) async throws -> String {
        let path = try ClinicDatabase.createMigrated(label)
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        for id in 1...4 {
            try await connection.execute(FirebirdQuery(
                unsafeSQL: "INSERT INTO STAFF (ID, FULL_NAME, ROLE) VALUES (\(700 + id), 'Operator \(id)', 'operator')"))
        }
        let options = AppealHistoryGenerator.Options(appeals: 2_400, calls: 4_000, days: 92, end: FirebirdDate(year: 2026, month: 11, day: 1),
                                                     seed: 11, chunk: 1_200)
        _ = try await AppealHistoryGenerator(options: options).run(on: connection)
        try await connection.withTransaction { tx in
            // Bookings of both kinds: BOOKED_SCHEDULE_ID, and only a 'booked' event.
            _ = try tx.attachment.execute("UPDATE MISLINK_APPEALS SET BOOKED_SCHEDULE_ID = 1 WHERE MOD(APPEAL_ID, 11) = 0", in: tx)
            _ = try tx.attachment.execute(
                """
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, EVENT_AT)
                SELECT APPEAL_ID, 'booked', 'mis', CREATED_AT FROM MISLINK_APPEALS WHERE MOD(APPEAL_ID, 7) = 3
                """, in: tx)
            // The MIS's own appeals (no MISLINK_APPEALS row): APPEALS.CREATED_AT is the server's clock (+03:00).
            for (n, at) in ["2026-09-15 10:00:00", "2026-10-01 00:00:00", "2026-10-31 23:59:59"].enumerated() {
                _ = try tx.attachment.execute(FirebirdQuery(unsafeSQL: """
                    INSERT INTO APPEALS (CHANNEL, OPERATOR_ID, STATUS, CREATED_AT) VALUES ('phone', \(701 + n), 'closed', TIMESTAMP '\(at)')
                    """), in: tx)
            }
            // At the clinic's midnight (+03:00): 20:59:59 UTC is the day before, 21:00:00 UTC the day after.
            for (n, at) in ["2026-09-30 20:59:59", "2026-09-30 21:00:00", "2026-10-15 20:59:59", "2026-10-15 21:00:00"].enumerated() {
                _ = try tx.attachment.execute(FirebirdQuery(unsafeSQL: """
                    INSERT INTO MISLINK_APPEALS (APPEAL_ID, CHANNEL, SOURCE, STATUS, OPERATOR_ID, CREATED_AT, UPDATED_AT)
                    VALUES (\(900_001 + n), 'telegram', 'chat', 'open', 702, TIMESTAMP '\(at)', TIMESTAMP '\(at)')
                    """), in: tx)
                _ = try tx.attachment.execute(FirebirdQuery(unsafeSQL: """
                    INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, RESULT, STARTED_AT, ENDED_AT, WAIT_SEC, TALK_SEC,
                        OPERATOR_ID, CALLED_BACK_AT, CREATED_AT, UPDATED_AT)
                    VALUES ('edge-\(n)', 'in', 'ended', 'missed', TIMESTAMP '\(at)', TIMESTAMP '\(at)', 30, 0, 703,
                        DATEADD(SECOND, \(600 + n), TIMESTAMP '\(at)'), TIMESTAMP '\(at)', TIMESTAMP '\(at)')
                    """), in: tx)
                _ = try tx.attachment.execute(FirebirdQuery(unsafeSQL: """
                    INSERT INTO MISLINK_CHAT_THREADS (PROVIDER, EXTERNAL_ID, CHANNEL, OPERATOR_ID, STATUS, APPEAL_ID, OPENED_AT,
                        FIRST_RESPONSE_AT, CLOSED_AT, CREATED_AT, UPDATED_AT)
                    VALUES ('edna', 'edge-\(n)', 'telegram', 702, 'closed', \(900_001 + n), TIMESTAMP '\(at)',
                        DATEADD(SECOND, \(40 + n), TIMESTAMP '\(at)'), DATEADD(SECOND, 4000, TIMESTAMP '\(at)'), TIMESTAMP '\(at)', TIMESTAMP '\(at)')
                    """), in: tx)
            }
        }
        return path
    }

    static let requests: [(String, String, Int?, String?)] = [
        ("2026-08-01", "2026-11-01", nil, nil),  // the whole history and the days around it
        ("2026-10-01", "2026-10-31", nil, nil),  // a month, starting at a midnight edge
        ("2026-10-15", "2026-10-15", nil, nil),  // one day ending at a midnight edge
        ("2026-09-01", "2026-10-31", 702, nil),
        ("2026-09-01", "2026-10-31", nil, "phone"),
        ("2026-09-01", "2026-10-31", nil, "whatsapp"),
        ("2026-09-01", "2026-10-31", 703, "telegram"),
    ]

    /// The report of `request` from the facts alone and from the stored days.
    static func both(_ request: ReportRequest, builder: AppealsReportBuilder = builder, on connection: FirebirdConnection) async throws
        -> (facts: AppealsReport, days: AppealsReport)
    {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var facts = builder
        facts.source = .facts
        return (try await facts.build(request, on: connection, now: now), try await builder.build(request, on: connection, now: now))
    }

    /// The same in one snapshot on `connection` alone (no other attachment left open).
    static func bothInOne(_ request: ReportRequest, on connection: FirebirdConnection) async throws -> (facts: AppealsReport, days: AppealsReport) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var facts = builder
        facts.source = .facts
        let factsBuilder = facts
        return try await connection.withTransaction(TransactionOptions(isolation: .snapshot, readOnly: true)) { tx in
            (try factsBuilder.build(request, in: tx, now: now), try builder.build(request, in: tx, now: now))
        }
    }

    /// Every field of the two reports, one by one, then the whole.
    static func expectSame(_ a: AppealsReport, _ b: AppealsReport, _ comment: Comment? = nil) {
        #expect(a.parameters == b.parameters, comment)
        #expect(a.appeals.total == b.appeals.total, comment)
        #expect(a.appeals.byChannel == b.appeals.byChannel, comment)
        #expect(a.appeals.byOperator == b.appeals.byOperator, comment)
        #expect(a.appeals.byDay == b.appeals.byDay, comment)
        #expect(a.appeals.heatmap == b.appeals.heatmap, comment)
        #expect(a.calls.overall == b.calls.overall, comment)
        #expect(a.calls.byOperator == b.calls.byOperator, comment)
        #expect(a.chats.overall == b.chats.overall, comment)
        #expect(a.chats.byOperator == b.chats.byOperator, comment)
        #expect(a.chats.byChannel == b.chats.byChannel, comment)
        #expect(a == b, comment)
    }

    static func plan(_ request: ReportRequest, builder: AppealsReportBuilder = builder, on connection: FirebirdConnection) async throws
        -> AppealsReportBuilder.DayPlan?
    {
        try await connection.withTransaction(TransactionOptions(isolation: .snapshot, readOnly: true)) { try builder.dayPlan(request, in: $0) }
    }
}

@Suite("Appeals report from stored days", .serialized)
struct ReportDaysTests {
    @Test func storedDaysGiveTheFactsReportFieldByField() async throws {
        let path = try await DaysHistory.create("days-same")
        defer { ClinicDatabase.drop(path) }
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        let summary = try await ReportDays(builder: DaysHistory.builder).rebuild(on: connection)
        #expect(summary.from == LocalDay(year: 2026, month: 7, day: 31) || summary.from == LocalDay(year: 2026, month: 8, day: 1))
        #expect(summary.days > 90 && summary.rows > 1_000)
        for (from, to, op, channel) in DaysHistory.requests {
            let request = try ReportRequest(from: from, to: to, operator: op.map(String.init), channel: channel)
            let plan = try #require(try await DaysHistory.plan(request, on: connection), "\(from)...\(to) reads stored days")
            #expect(plan.live.allSatisfy { $0.lowerBound > LocalDay(year: 2026, month: 11, day: 1) || $0.upperBound < summary.from! })
            let (facts, days) = try await DaysHistory.both(request, on: connection)
            DaysHistory.expectSame(facts, days, "\(from)...\(to) operator \(op as Any) channel \(channel as Any)")
            if op == nil && channel == nil && from == "2026-08-01" {
                // The history is rich enough for the comparison to mean something.
                #expect(days.appeals.total.total > 2_400 && days.appeals.total.booked > 200 && days.appeals.total.cancelled > 100)
                #expect(days.calls.overall.missedCalledBack > 100 && days.calls.overall.callbackP90Sec != nil)
                #expect(days.chats.overall.transferred > 10 && days.chats.overall.released > 10 && days.chats.overall.resolutionP50Sec != nil)
                #expect(days.appeals.byChannel.count >= 7 && days.calls.byOperator.count >= 4)
            }
        }
        // The midnight edges: 20:59:59 UTC on 30 September is that day, 21:00:00 the first of October.
        let edges = try await DaysHistory.both(try ReportRequest(from: "2026-09-30", to: "2026-10-01"), on: connection).days
        let telegram = edges.appeals.byChannel.first { $0.channel == "telegram" }?.outcomes.stillOpen ?? 0
        #expect(telegram >= 2 && edges.appeals.byDay.allSatisfy { $0.appeals > 0 })

        let check = try await ReportDays(builder: DaysHistory.builder).check(on: connection)
        #expect(check.differences == [] && check.pending == [] && check.checked == summary.days)
    }

    /// In the clinic's zone: on Firebird 4+ the hours are the zone's (Berlin's summer and winter), on
    /// Firebird 3 the fixed offset's; either way the stored days give the facts' report.
    @Test(arguments: ["Europe/Moscow", "Europe/Berlin"])
    func inTheClinicsZoneToo(_ zone: String) async throws {
        let path = try await DaysHistory.create("days-zone")
        defer { ClinicDatabase.drop(path) }
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        var builder = DaysHistory.builder
        builder.clinicZone = TimeZone(identifier: zone)
        _ = try await ReportDays(builder: builder).rebuild(on: connection)
        // The offset's days are not the zone's: a report by the offset reads the facts.
        let month = try ReportRequest(from: "2026-10-01", to: "2026-10-31")
        if zone == "Europe/Berlin" { #expect(try await DaysHistory.plan(month, on: connection) == nil) }
        for request in [month, try ReportRequest(from: "2026-08-01", to: "2026-11-01"), try ReportRequest(from: "2026-10-25", to: "2026-10-25")] {
            #expect(try await DaysHistory.plan(request, builder: builder, on: connection) != nil)
            let (facts, days) = try await DaysHistory.both(request, builder: builder, on: connection)
            DaysHistory.expectSame(facts, days, "\(zone) \(request.from.text)...\(request.to.text)")
        }
        #expect(try await ReportDays(builder: builder).check(on: connection).differences == [])
    }

    /// A changed outcome, a booking, a call back and a new appeal today: the marked days are read from the
    /// facts at once, and the refresh stores them again.
    @Test func changesAreReadFromTheFactsUntilTheRefreshStoresThem() async throws {
        let path = try await DaysHistory.create("days-changes")
        defer { ClinicDatabase.drop(path) }
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        let days = ReportDays(builder: DaysHistory.builder)
        let today = ReportClock(zone: nil, offsetMinutes: 180, zonedOnServer: false).day(of: Date())
        _ = try await days.rebuild(from: LocalDay(year: 2026, month: 7, day: 31), to: today, on: connection)
        let request = try ReportRequest(from: "2026-09-01", to: today.text)
        let before = try await DaysHistory.both(request, on: connection)
        DaysHistory.expectSame(before.facts, before.days)
        #expect(try await DaysHistory.plan(request, on: connection)?.live == [])

        try await connection.withTransaction { tx in
            // 2026-10-10 (+03:00): an open appeal is cancelled; 2026-10-12: one gets a 'booked' event.
            _ = try tx.attachment.execute("""
                UPDATE MISLINK_APPEALS SET STATUS = 'cancelled' WHERE APPEAL_ID = (SELECT MIN(APPEAL_ID) FROM MISLINK_APPEALS
                 WHERE STATUS = 'open' AND BOOKED_SCHEDULE_ID IS NULL AND CREATED_AT >= TIMESTAMP '2026-10-09 21:00' AND CREATED_AT < TIMESTAMP '2026-10-10 21:00')
                """, in: tx)
            _ = try tx.attachment.execute("""
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, EVENT_AT)
                SELECT MIN(APPEAL_ID), 'booked', 'mis', TIMESTAMP '2026-10-30 10:00' FROM MISLINK_APPEALS
                 WHERE BOOKED_SCHEDULE_ID IS NULL AND CREATED_AT >= TIMESTAMP '2026-10-11 21:00' AND CREATED_AT < TIMESTAMP '2026-10-12 21:00'
                   AND NOT EXISTS (SELECT 1 FROM MISLINK_APPEAL_EVENTS E WHERE E.APPEAL_ID = MISLINK_APPEALS.APPEAL_ID AND E.EVENT_TYPE = 'booked')
                """, in: tx)
            // 2026-10-14: a missed call is called back.
            _ = try tx.attachment.execute("""
                UPDATE MISLINK_CALLS SET CALLED_BACK_AT = DATEADD(SECOND, 777, STARTED_AT) WHERE ID = (SELECT MIN(ID) FROM MISLINK_CALLS
                 WHERE RESULT = 'missed' AND CALLED_BACK_AT IS NULL AND STARTED_AT >= TIMESTAMP '2026-10-13 21:00' AND STARTED_AT < TIMESTAMP '2026-10-14 21:00')
                """, in: tx)
            // A new appeal today, stamped with this machine's UTC time: MISLINK_UTC_NOW() reads the demo
            // database's db.utc_offset_minutes (180, which only a worker's start corrects), so from 21:00 to
            // 24:00 UTC it put the appeal on the day before the test's `today`.
            let now = FirebirdTimestamp(Date(), in: TimeZone(identifier: "UTC")!)
            _ = try tx.attachment.execute("""
                INSERT INTO MISLINK_APPEALS (APPEAL_ID, CHANNEL, SOURCE, STATUS, OPERATOR_ID, CREATED_AT, UPDATED_AT)
                VALUES (990001, 'vk', 'chat', 'open', 704, \(now), \(now))
                """, in: tx)
        }
        let changed = try await DaysHistory.both(request, on: connection)
        DaysHistory.expectSame(changed.facts, changed.days, "changed facts, before the refresh")
        #expect(changed.days.appeals.total.cancelled == before.days.appeals.total.cancelled + 1)
        #expect(changed.days.appeals.total.booked == before.days.appeals.total.booked + 1)
        #expect(changed.days.calls.overall.missedCalledBack == before.days.calls.overall.missedCalledBack + 1)
        #expect(changed.days.appeals.total.total == before.days.appeals.total.total + 1)
        let live = try #require(try await DaysHistory.plan(request, on: connection)).live.flatMap { range in
            var days: [String] = []
            var day = range.lowerBound
            while day <= range.upperBound { days.append(day.text); day = day.next }
            return days
        }
        #expect(Set(["2026-10-10", "2026-10-12", "2026-10-14", today.text]).isSubset(of: Set(live)), "\(live)")

        let refreshed = try await days.refresh(on: connection)
        #expect(Set(["2026-10-10", "2026-10-12", "2026-10-14", today.text]).isSubset(of: Set(refreshed.map(\.text))))
        #expect(try await DaysHistory.plan(request, on: connection)?.live == [])
        let after = try await DaysHistory.both(request, on: connection)
        DaysHistory.expectSame(after.facts, after.days, "after the refresh")
        DaysHistory.expectSame(changed.days, after.days, "the refresh changes no number")
        #expect(try await days.check(on: connection).differences == [])
    }

    /// `mislink report check-days` names a day whose stored figures were changed by hand and exits 1;
    /// `rebuild-days` over it makes it agree again.
    @Test func checkDaysFindsATamperedDayAndRebuildFixesIt() async throws {
        let path = try await DaysHistory.create("days-tamper")
        defer { ClinicDatabase.drop(path) }
        let rebuild = try MislinkCommand.run(["report", "rebuild-days", "--database", path, "--from", "2026-08-01", "--to", "2026-10-31"])
        #expect(rebuild.status == 0, "\(rebuild.errors)")
        #expect(rebuild.text.contains("counted 92 days"), "\(rebuild.text)")
        let clean = try MislinkCommand.run(["report", "check-days", "--database", path])
        #expect(clean.status == 0 && clean.text.contains("checked 92 days, 0 differ"), "\(clean.text) \(clean.errors)")

        // The embedded engine gives a database to one process at a time: the test's own attachment is closed
        // while mislink runs.
        let request = try ReportRequest(from: "2026-09-01", to: "2026-09-30")
        var connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        let facts = try await DaysHistory.bothInOne(request, on: connection).facts
        // One more answered inbound call on 2026-09-17 for somebody, and a talk time in a histogram of 2026-09-18.
        try await connection.withTransaction { tx in
            _ = try tx.attachment.execute("""
                UPDATE MISLINK_REPORT_DAYS SET FIGURES = '1' || FIGURES
                 WHERE LOCAL_DAY = DATE '2026-09-17' AND SECTION = 'calls' AND CHANNEL = 'in'
                   AND OPERATOR_ID = (SELECT MIN(OPERATOR_ID) FROM MISLINK_REPORT_DAYS WHERE LOCAL_DAY = DATE '2026-09-17' AND SECTION = 'calls')
                """, in: tx)
            _ = try tx.attachment.execute("""
                UPDATE MISLINK_REPORT_DAYS SET FIGURES = FIGURES || ' 4999:1'
                 WHERE LOCAL_DAY = DATE '2026-09-18' AND SECTION = 'call_values' AND MEASURE = 'talk'
                   AND OPERATOR_ID = (SELECT MIN(OPERATOR_ID) FROM MISLINK_REPORT_DAYS WHERE LOCAL_DAY = DATE '2026-09-18' AND SECTION = 'call_values')
                """, in: tx)
        }
        let tampered = try await DaysHistory.bothInOne(request, on: connection).days
        #expect(tampered.calls.overall.total > facts.calls.overall.total, "the report reads the stored days")
        try await connection.close()

        let found = try MislinkCommand.run(["report", "check-days", "--database", path, "--from", "2026-09-01", "--to", "2026-09-30"])
        #expect(found.status == 1, "\(found.text) \(found.errors)")
        #expect(found.text.contains("differs: 2026-09-17: calls") && found.text.contains("differs: 2026-09-18: percentile histograms differ"),
                "\(found.text)")
        #expect(found.text.contains("checked 30 days, 2 differ"), "\(found.text)")

        let fix = try MislinkCommand.run(["report", "rebuild-days", "--database", path, "--from", "2026-09-17", "--to", "2026-09-18"])
        #expect(fix.status == 0 && fix.text.contains("counted 2 days"), "\(fix.text) \(fix.errors)")
        let again = try MislinkCommand.run(["report", "check-days", "--database", path])
        #expect(again.status == 0 && again.text.contains("0 differ"), "\(again.text)")
        connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        DaysHistory.expectSame(facts, try await DaysHistory.bothInOne(request, on: connection).days)
        try await connection.close()
    }

    /// A day's figures survive being written and read back: hours of the day before and after (a clock
    /// whose hours are not the days'), and histograms longer than one row.
    @Test func storedRowsReadBackTheSameFigures() {
        let day = LocalDay(year: 2026, month: 3, day: 29)
        var figures = ReportFigures()
        figures.appeals[.init(channel: "phone", operatorId: 7)] = OutcomeCounts(list: [4, 1, 1, 1, 1])
        for (date, hour) in [(LocalDay(year: 2026, month: 3, day: 28), 23), (day, 0), (day, 23), (LocalDay(year: 2026, month: 3, day: 30), 1)] {
            figures.appealHours[.init(channel: "phone", operatorId: 7, date: date, hour: hour)] = 1
        }
        figures.calls[.init(operatorId: nil, direction: "in")] = Array(1...9)
        figures.chats[.init(operatorId: 8, channel: "vk")] = Array(11...21)
        figures.values[.init(kind: "callback", channel: "", group: 0)] = Dictionary(uniqueKeysWithValues: (0..<3000).map { ($0 * 29, $0 % 5 + 1) })
        figures.values[.init(kind: "resolution", channel: "vk", group: 8)] = [300: 2, 7201: 1]
        let midnight = ReportDayCodec.holdBase(day.start(offsetMinutes: 180))
        figures.holds[.init(channel: "vk", operatorId: 8)] = [.init(at: midnight + 1, delta: 1): 2, .init(at: midnight + 1, delta: -1): 1,
                                                              .init(at: midnight + 900_000_000, delta: -1): 1]
        let rows = ReportDayCodec.rows(of: figures, day: day, dayStart: day.start(offsetMinutes: 180))
        #expect(rows.filter { $0.measure == "callback" }.count > 5 && rows.allSatisfy { $0.figures.utf8.count <= ReportDayCodec.maxFigures })
        var back = ReportFigures()
        for row in rows.reversed() { ReportDayCodec.add(row, day: day, dayStart: day.start(offsetMinutes: 180), into: &back) }
        #expect(back == figures)
    }
}
