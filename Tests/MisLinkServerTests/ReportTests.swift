import Firebird
import Foundation
import MisLinkEmulator
import MisLinkReport
import MisLinkServer
import Testing

/// `GET /api/v1/reports/appeals` over a worker that took emulator scenarios with known outcomes.
@Suite("Appeals report API: emulator scenarios, errors, empty periods")
struct ReportTests {
    /// Plays a scenario starting at `start` (epoch seconds); returns its entry id.
    func play(_ name: String, _ harness: WorkerHarness, run: String, start: Int) async throws -> String {
        try await harness.playMango(name, run: run, start: start)
    }

    /// The clinic-local day (UTC+03:00, the seeded clinic.utc_offset_minutes) of an instant.
    static func localDay(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 180 * 60)
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    func fetch(_ harness: WorkerHarness, _ query: String) async throws -> AppealsReport {
        let answer = try await harness.api("/api/v1/reports/appeals?\(query)")
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        expectDocumented("GET", "/api/v1/reports/appeals", answer)
        return try JSONCoding.decoder.decode(AppealsReport.self, from: answer.body)
    }

    @Test func scenariosWithKnownOutcomes() async throws {
        let harness = try await WorkerHarness.start(label: "report")
        defer { Task { await harness.stop() } }
        try await TelephonyTests.clinic(harness)
        let t0 = Int(Date().timeIntervalSince1970) - 3600
        let missed = try await play("inbound-missed-ring-all", harness, run: "m1", start: t0)
        _ = try await play("inbound-answered", harness, run: "a1", start: t0 + 600)
        _ = try await play("abandoned-in-ivr", harness, run: "i1", start: t0 + 1200)
        _ = try await play("outbound-callback-not-answered", harness, run: "o1", start: t0 + 1800)

        let now = Date()
        let period = "from=\(Self.localDay(now.addingTimeInterval(-2 * 86_400)))&to=\(Self.localDay(now.addingTimeInterval(86_400)))"
        let report = try await fetch(harness, period)
        let calls = report.calls.overall
        // What the scenarios are known to do.
        #expect(calls.total == 4 && calls.inbound == 3 && calls.outbound == 1)
        #expect(calls.missed == 1 && calls.inboundAnswered == 1 && calls.abandoned == 1 && calls.notReached == 1)
        #expect(calls.missedCalledBack == 1 && calls.missedRemaining == 0)
        #expect(report.appeals.total.total == 1 && report.appeals.total.stillOpen == 1)
        #expect(report.appeals.byChannel.map(\.channel) == ["phone"])
        #expect(report.appeals.byOperator.map(\.operatorId) == [901])
        #expect(report.appeals.byOperator.first?.operatorName == "Иванова Анна Сергеевна")
        #expect(report.appeals.byDay.reduce(0) { $0 + $1.appeals } == 1)
        #expect(report.appeals.heatmap.flatMap { $0 }.reduce(0, +) == 1)
        #expect(report.chats.overall.threads == 0 && report.chats.byOperator.isEmpty)
        // ...and the times are the database's.
        let row = try await harness.query(
            """
            SELECT DATEDIFF(SECOND, M.STARTED_AT, M.CALLED_BACK_AT), A.WAIT_SEC, A.TALK_SEC, A.OPERATOR_ID
              FROM MISLINK_CALLS M JOIN MISLINK_CALLS A ON A.ID = M.CALLED_BACK_BY_ID WHERE M.PBX_CALL_ID = ?
            """, [.text(missed)])
        let callback = try row[0].decode(Int.self, at: 0)
        #expect(callback >= 600 && calls.callbackP50Sec == callback && calls.callbackP90Sec == callback)
        let wait = try row[0].decode(Int?.self, at: 1)
        let talk = try row[0].decode(Int?.self, at: 2)
        #expect(calls.answerP50Sec == wait && calls.answerP90Sec == wait)
        #expect(calls.talkP50Sec == talk && calls.talkSec == talk)
        // Per operator: the missed call is 901's (the first it rang), and so is the answer.
        let ivanova = try #require(report.calls.byOperator.first { $0.operatorId == 901 })
        #expect(ivanova.missed == 1 && ivanova.inboundAnswered == 1 && ivanova.missedCalledBack == 1)
        let sum = report.calls.byOperator.reduce(0) { $0 + $1.total }
        #expect(sum == calls.total)

        // Filters: another operator has none of it; the phone channel has all of it; a messenger none.
        let other = try await fetch(harness, period + "&operator=903")
        #expect(other.appeals.total.total == 0 && other.calls.overall.inboundAnswered == 0 && other.parameters.operatorId == 903)
        let phone = try await fetch(harness, period + "&channel=phone")
        #expect(phone.calls.overall == calls && phone.appeals.total == report.appeals.total)
        let whatsapp = try await fetch(harness, period + "&channel=whatsapp")
        #expect(whatsapp.isEmpty && whatsapp.parameters.channel == "whatsapp")

        // The console's report screen: the same report as the page `mislink report appeals` writes.
        let page = try await harness.api("/api/v1/reports/appeals?" + period + "&format=html")
        #expect(page.status == 200 && page.headers.first { $0.name.lowercased() == "content-type" }?.value.hasPrefix("text/html") == true)
        #expect(page.text.contains("<svg") && page.text.contains("Europe/Moscow"), "\(page.text.prefix(300))")
    }

    @Test func errorsAndAnEmptyPeriod() async throws {
        let harness = try await WorkerHarness.start(label: "report-err")
        defer { Task { await harness.stop() } }
        let reversed = try await harness.api("/api/v1/reports/appeals?from=2026-11-09&to=2026-11-02")
        #expect(reversed.status == 400)
        expectDocumented("GET", "/api/v1/reports/appeals", reversed)
        #expect(String(decoding: reversed.body, as: UTF8.self).contains("период перевёрнут: from 2026-11-09 позже to 2026-11-02"))
        let missing = try await harness.api("/api/v1/reports/appeals?from=2026-11-09")
        #expect(missing.status == 400)
        let badChannel = try await harness.api("/api/v1/reports/appeals?from=2026-11-01&to=2026-11-02&channel=fax")
        #expect(badChannel.status == 400)
        let anonymous = try await harness.api("/api/v1/reports/appeals?from=2026-11-01&to=2026-11-02", token: nil)
        #expect(anonymous.status == 401)

        let empty = try await fetch(harness, "from=2025-02-01&to=2025-02-28")
        #expect(empty.isEmpty && empty.appeals.byDay.count == 28 && empty.parameters.timeZone == "Europe/Moscow (UTC+03:00)")
        #expect(empty.parameters.fromUtc == ISO8601DateFormatter().date(from: "2025-01-31T21:00:00Z"))
    }
}
