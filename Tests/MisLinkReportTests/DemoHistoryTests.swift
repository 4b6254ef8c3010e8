import Firebird
import Foundation
import MisLinkDemoData
import MisLinkTestSupport
import Testing
@testable import MisLinkReport

/// `mislink demo-data --appeals --calls`: the history it writes is what was asked for, and the
/// report over its whole period finds all of it.
@Suite("Demo history for the report")
struct DemoHistoryTests {
    @Test func theReportFindsTheWholeHistory() async throws {
        let path = try ClinicDatabase.createMigrated("history")
        defer { ClinicDatabase.drop(path) }
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        for id in 1...4 {
            try await connection.execute(FirebirdQuery(unsafeSQL: "INSERT INTO STAFF (ID, FULL_NAME, ROLE) VALUES (\(700 + id), 'Operator \(id)', 'operator')"))
        }
        let options = AppealHistoryGenerator.Options(appeals: 1_000, calls: 1_800, days: 30, end: FirebirdDate(year: 2026, month: 11, day: 1),
                                                     seed: 5, chunk: 400)
        let summary = try await AppealHistoryGenerator(options: options).run(on: connection)
        #expect(summary.appeals == 1_000 && summary.calls == 1_800)
        #expect(summary.phoneAppeals + summary.chatThreads == 1_000 && summary.phoneAppeals > 400 && summary.chatThreads > 300)

        let builder = try AppealsReportBuilder.load(from: ClinicDatabase.repository.appendingPathComponent("SQL/report-appeals.sql"),
                                                    profile: ReportProfiles.reference)
        let report = try await builder.build(try ReportRequest(from: "2026-10-02", to: "2026-10-31"), on: connection)
        #expect(report.appeals.total.total == 1_000)
        #expect(report.appeals.byChannel.first { $0.channel == "phone" }?.outcomes.total == summary.phoneAppeals)
        #expect(report.calls.overall.total == 1_800 && report.calls.overall.inboundAnswered >= summary.phoneAppeals)
        #expect(report.chats.overall.threads == summary.chatThreads)
        let outcomes = report.appeals.total
        #expect(outcomes.booked + outcomes.cancelled + outcomes.completed + outcomes.stillOpen == 1_000)
        #expect(outcomes.cancelled > 0 && outcomes.completed > 0 && outcomes.stillOpen > 0)
        // Working hours only (08:00-20:00 clinic time), and all of them.
        let hours = (0..<24).map { hour in report.appeals.heatmap.reduce(0) { $0 + $1[hour] } }
        #expect(hours[0..<8].allSatisfy { $0 == 0 } && hours[20...].allSatisfy { $0 == 0 })
        #expect(hours[8..<20].allSatisfy { $0 > 0 })
        // A day outside the history is empty.
        let after = try await builder.build(try ReportRequest(from: "2026-11-01", to: "2026-11-01"), on: connection)
        #expect(after.isEmpty)
    }
}
