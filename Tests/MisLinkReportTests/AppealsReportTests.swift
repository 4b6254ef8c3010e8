import Firebird
import Foundation
import MisLinkProfiles
import MisLinkTestSupport
import Testing
@testable import MisLinkReport

/// One migrated clinic database holding ``ReportFixture``, made once for the suite.
enum FixtureDatabase {
    static let fixture = ReportFixture.make()
    static let path: Task<String, any Error> = Task {
        let path = try ClinicDatabase.createMigrated("report")
        try await fixture.insert(into: path)
        return path
    }
    static let builder: AppealsReportBuilder = try! AppealsReportBuilder.load(
        from: ClinicDatabase.repository.appendingPathComponent("SQL/report-appeals.sql"), profile: ReportProfiles.reference)

    static func report(_ request: ReportRequest, now: Date) async throws -> AppealsReport {
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: try await path.value))
        defer { Task { try? await connection.close() } }
        return try await builder.build(request, on: connection, now: now)
    }
}

@Suite("Appeals report: every number against known data")
struct AppealsReportTests {
    static let requests: [(String, String, Int?, String?)] = [
        ("2026-11-02", "2026-11-08", nil, nil),  // the whole week, borders included and excluded
        ("2026-11-01", "2026-11-09", nil, nil),  // with the days around it
        ("2026-11-03", "2026-11-05", nil, nil),
        ("2026-11-02", "2026-11-08", 502, nil),
        ("2026-11-02", "2026-11-08", 501, nil),
        ("2026-11-02", "2026-11-08", nil, "phone"),
        ("2026-11-02", "2026-11-08", nil, "whatsapp"),
        ("2026-11-02", "2026-11-08", 503, "webchat"),
        ("2026-11-08", "2026-11-08", nil, nil),
    ]

    @Test(arguments: 0..<requests.count)
    func everyNumberMatchesTheData(_ index: Int) async throws {
        let (from, to, op, channel) = Self.requests[index]
        let request = try ReportRequest(from: from, to: to, operator: op.map(String.init), channel: channel)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let report = try await FixtureDatabase.report(request, now: now)
        let expected = FixtureDatabase.fixture.expected(request, generatedAt: now)
        #expect(report.parameters == expected.parameters)
        #expect(report.appeals.total == expected.appeals.total)
        #expect(report.appeals.byChannel == expected.appeals.byChannel)
        #expect(report.appeals.byOperator == expected.appeals.byOperator)
        #expect(report.appeals.byDay == expected.appeals.byDay)
        #expect(report.appeals.heatmap == expected.appeals.heatmap)
        #expect(report.calls.overall == expected.calls.overall)
        #expect(report.calls.byOperator == expected.calls.byOperator)
        #expect(report.chats.overall == expected.chats.overall)
        #expect(report.chats.byOperator == expected.chats.byOperator)
        #expect(report.chats.byChannel == expected.chats.byChannel)
        #expect(report == expected)
        // The data is rich enough that the comparison means something.
        if index == 0 {
            #expect(report.appeals.total.total > 30 && report.appeals.total.booked > 3 && report.appeals.total.cancelled > 3)
            #expect(report.calls.overall.missedCalledBack > 0 && report.calls.overall.missedRemaining > 0)
            #expect(report.chats.overall.transferred > 0 && report.chats.overall.released > 0)
            #expect(report.chats.byOperator.contains { ($0.peakConcurrent ?? 0) >= 2 })
        }
    }

    /// A profile of a MIS with appeals but without the optional `report_mis_appeals`: the report counts the
    /// appeals MisLink made and leaves out those the MIS made on its own.
    @Test func withoutReportMisAppealsOnlyTheAppealsMisLinkMadeCount() async throws {
        let folder = URL(fileURLWithPath: ClinicDatabase.directory).appendingPathComponent("profile-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let reference = ReportProfiles.reference.directory
        try FileManager.default.copyItem(at: reference.appendingPathComponent("profile.json"),
                                         to: folder.appendingPathComponent("profile.json"))
        let text = try String(contentsOf: reference.appendingPathComponent("statements.sql"), encoding: .utf8)
        let start = try #require(text.range(of: "-- name: report_mis_appeals"))
        let end = text.range(of: "-- name:", range: start.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
        try (text[..<start.lowerBound] + text[end...]).write(to: folder.appendingPathComponent("statements.sql"), atomically: true,
                                                            encoding: .utf8)
        let profile = try MISProfile(directory: folder)
        #expect(profile.statements["report_mis_appeals"] == nil && profile.statements["staff_get"] != nil)

        let builder = AppealsReportBuilder(queries: FixtureDatabase.builder.queries, profile: profile)
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: try await FixtureDatabase.path.value))
        defer { Task { try? await connection.close() } }
        let request = try ReportRequest(from: "2026-11-01", to: "2026-11-09")
        let report = try await builder.build(request, on: connection)
        var madeByMisLink = FixtureDatabase.fixture
        madeByMisLink.appeals.removeAll(where: \.misOnly)
        let expected = madeByMisLink.expected(request, generatedAt: report.generatedAt)
        #expect(report.appeals == expected.appeals)
        let full = FixtureDatabase.fixture.expected(request, generatedAt: report.generatedAt)
        #expect(report.appeals.total.total < full.appeals.total.total)  // the MIS's own appeals are in the period
        #expect(report.calls == full.calls && report.chats == full.chats)
    }

    @Test func anEmptyPeriodIsAnEmptyReport() async throws {
        let request = try ReportRequest(from: "2025-01-01", to: "2025-01-31")
        let report = try await FixtureDatabase.report(request, now: Date())
        #expect(report.isEmpty)
        #expect(report.appeals.byDay.count == 31 && report.appeals.byDay.allSatisfy { $0.appeals == 0 })
        #expect(report.appeals.byChannel.isEmpty && report.calls.byOperator.isEmpty && report.chats.byOperator.isEmpty)
        #expect(report.calls.overall.answerP50Sec == nil && report.chats.overall.firstResponseP90Sec == nil)
        let html = HTMLRenderer().render(report)
        #expect(html.contains("id=\"empty\""))
        #expect(html.contains("2025-01-01") && html.contains("2025-01-31"))
        for table in report.tables { #expect(!table.columns.isEmpty) }
    }

    @Test func aReversedPeriodIsAClearError() throws {
        #expect(throws: ReportError.periodReversed(from: "2026-11-09", to: "2026-11-02")) {
            try ReportRequest(from: "2026-11-09", to: "2026-11-02")
        }
        #expect(ReportError.periodReversed(from: "2026-11-09", to: "2026-11-02").description
            .contains("--from 2026-11-09 is after --to 2026-11-02"))
        #expect(throws: ReportError.badDate(option: "from", value: "2026-13-01")) { try ReportRequest(from: "2026-13-01", to: "2026-12-01") }
        #expect(throws: ReportError.badDate(option: "to", value: "2026-02-30")) { try ReportRequest(from: "2026-02-01", to: "2026-02-30") }
        #expect(throws: ReportError.unknownChannel("fax")) { try ReportRequest(from: "2026-02-01", to: "2026-02-03", channel: "fax") }
        #expect(throws: ReportError.badOperator("ivanova")) { try ReportRequest(from: "2026-02-01", to: "2026-02-03", operator: "ivanova") }
    }

    @Test func csvFilesForEveryTableAndForExcel() async throws {
        let request = try ReportRequest(from: "2026-11-02", to: "2026-11-08")
        let report = try await FixtureDatabase.report(request, now: Date())
        let folder = URL(fileURLWithPath: ClinicDatabase.directory).appendingPathComponent("csv-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = try CSVWriter().write(report, to: folder.appendingPathComponent("plain"))
        let excel = try CSVWriter(dialect: .excel).write(report, to: folder.appendingPathComponent("excel"))
        #expect(plain.count == report.tables.count && excel.count == report.tables.count)
        for (index, table) in report.tables.enumerated() {
            let text = try String(contentsOf: plain[index], encoding: .utf8)
            let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first == table.columns.joined(separator: ","))
            #expect(lines.count == table.rows.count + 1)
            let bytes = try Data(contentsOf: excel[index])
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let excelLines = String(decoding: bytes.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(excelLines.first == table.columns.joined(separator: ";"))
        }
        // The channel table's "all" row: the total, and the booked share with a decimal comma.
        let channels = try String(decoding: Data(contentsOf: excel[0]).dropFirst(3), as: UTF8.self)
        let total = report.appeals.total
        let share = String(format: "%.1f", Double(total.booked) * 100 / Double(total.total)).replacingOccurrences(of: ".", with: ",")
        #expect(channels.contains("all;\(total.total);\(total.booked);\(total.cancelled);\(total.completed);\(total.stillOpen);\(share)\r\n"))
        // Names in UTF-8, as written.
        let operators = try String(contentsOf: plain[1], encoding: .utf8)
        #expect(operators.contains("Петров Олег"))
    }
}
