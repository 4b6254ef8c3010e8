import Firebird
import Foundation
import MisLinkTestSupport
import Testing
@testable import MisLinkReport

/// The HTML report in a real browser: headless Chromium (scripts/setup installs it) draws it, the
/// picture must not be blank, and the numbers in the rendered page must be the database's.
@Suite("Appeals report: HTML in headless Chromium")
struct HTMLReportTests {
    static func chromium() throws -> String {
        let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"]].compactMap { $0 }
            + ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestFailure("headless Chromium is missing: run scripts/setup (installs the chromium package) or set CHROMIUM")
        }
        return path
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs Chromium headless and returns what it printed.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try chromium())
        let home = URL(fileURLWithPath: ClinicDatabase.directory).appendingPathComponent("chromium-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: home) }
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                             "--user-data-dir=\(home.path)"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("chromium \(arguments) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    static func screenshot(_ html: URL, to png: URL) throws -> Data {
        _ = try run(["--window-size=1100,2600", "--screenshot=\(png.path)", html.absoluteString])
        return try Data(contentsOf: png)
    }

    @Test func theRenderedPageShowsTheDatabasesNumbers() async throws {
        let request = try ReportRequest(from: "2026-11-02", to: "2026-11-08")
        let report = try await FixtureDatabase.report(request, now: Date())
        let folder = URL(fileURLWithPath: ClinicDatabase.directory).appendingPathComponent("html-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("appeals.html")
        let html = HTMLRenderer().render(report)
        try Data(html.utf8).write(to: page)
        // Self-contained: nothing is fetched from elsewhere, and there are no scripts.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))
        #expect(!html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))

        // Not blank: a page of nothing compresses to almost nothing; the report's picture does not.
        let blank = folder.appendingPathComponent("blank.html")
        try Data("<!DOCTYPE html><html><body></body></html>".utf8).write(to: blank)
        let blankPNG = try Self.screenshot(blank, to: folder.appendingPathComponent("blank.png"))
        let reportPNG = try Self.screenshot(page, to: folder.appendingPathComponent("appeals.png"))
        #expect(Array(reportPNG.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(reportPNG.count > blankPNG.count * 5, "report \(reportPNG.count) bytes, blank page \(blankPNG.count) bytes")

        // The numbers as the browser has them.
        let dom = try Self.run(["--dump-dom", page.absoluteString])
        var shown: [String: String] = [:]
        let pattern = try NSRegularExpression(pattern: "data-cell=\"([^\"]+)\">([^<]*)<")
        for match in pattern.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)) {
            shown[String(dom[Range(match.range(at: 1), in: dom)!])] = String(dom[Range(match.range(at: 2), in: dom)!])
        }
        #expect(shown.count > 300)
        // Every number of every table is on the page.
        for table in report.tables {
            for row in table.rows {
                let key = table.columns.first == "operator_id"
                    ? (row[0] == .empty ? (row[1] == .text("all") ? "all" : "none") : row[0].text()) : row[0].text()
                for (column, cell) in zip(table.columns, row) {
                    if case .text = cell { continue }
                    #expect(shown["\(table.id)|\(key)|\(column)"] == cell.text(), "\(table.id) \(key) \(column)")
                }
            }
        }
        // ...and they are the database's, counted here with plain SQL.
        let path = try await FixtureDatabase.path.value
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        let utc = TimeZone(identifier: "UTC")!
        let from = FirebirdValue.timestamp(FirebirdTimestamp(report.parameters.fromUtc, in: utc))
        let to = FirebirdValue.timestamp(FirebirdTimestamp(report.parameters.toUtc, in: utc))
        let shift = "DATEADD(MINUTE, -CAST(MISLINK_SETTING('db.utc_offset_minutes') AS INTEGER), A.CREATED_AT)"
        func count(_ sql: String) async throws -> String {
            String(try await connection.query(FirebirdQuery(unsafeSQL: sql, bindings: [from, to]))[0].decode(Int.self, at: 0))
        }
        #expect(shown["appeals_by_channel|all|appeals"] == (try await count("SELECT COUNT(*) FROM APPEALS A WHERE \(shift) >= ? AND \(shift) < ?")))
        for channel in ["phone", "whatsapp", "telegram", "viber", "webchat", "email"] {
            let sql = """
                SELECT COUNT(*) FROM APPEALS A LEFT JOIN MISLINK_APPEALS M ON M.APPEAL_ID = A.ID
                WHERE \(shift) >= ? AND \(shift) < ? AND COALESCE(M.CHANNEL, A.CHANNEL) = '\(channel)'
                """
            #expect(shown["appeals_by_channel|\(channel)|appeals"] ?? "0" == (try await count(sql)), "\(channel)")
        }
        let cancelled = "SELECT COUNT(*) FROM APPEALS A LEFT JOIN MISLINK_APPEALS M ON M.APPEAL_ID = A.ID WHERE \(shift) >= ? AND \(shift) < ? AND A.STATUS = 'cancelled' AND M.BOOKED_SCHEDULE_ID IS NULL AND NOT EXISTS (SELECT 1 FROM MISLINK_APPEAL_EVENTS E WHERE E.APPEAL_ID = A.ID AND E.EVENT_TYPE = 'booked')"
        #expect(shown["appeals_by_channel|all|cancelled"] == (try await count(cancelled)))
        let calls = "SELECT COUNT(*) FROM MISLINK_CALLS WHERE STARTED_AT >= ? AND STARTED_AT < ? AND DIRECTION <> 'internal'"
        #expect(shown["calls_by_operator|all|calls"] == (try await count(calls)))
        #expect(shown["calls_by_operator|all|missed"] == (try await count(calls + " AND RESULT = 'missed'")))
        #expect(shown["calls_by_operator|all|missed_called_back"] == (try await count(calls + " AND RESULT = 'missed' AND CALLED_BACK_AT IS NOT NULL")))
        #expect(shown["calls_by_operator|all|abandoned_in_ivr"] == (try await count(calls + " AND RESULT = 'abandoned'")))
        #expect(shown["calls_by_operator|all|not_reached"] == (try await count(calls + " AND RESULT = 'not_reached'")))
        let threads = "SELECT COUNT(*) FROM MISLINK_CHAT_THREADS WHERE OPENED_AT >= ? AND OPENED_AT < ?"
        #expect(shown["chats_by_operator|all|threads"] == (try await count(threads)))
        #expect(shown["chats_by_operator|all|closed"] == (try await count(threads + " AND CLOSED_AT IS NOT NULL")))
        #expect(shown["chats_by_operator|all|first_response_under_1m"] == (try await count(threads + " AND DATEDIFF(SECOND, OPENED_AT, FIRST_RESPONSE_AT) < 60")))
    }
}
