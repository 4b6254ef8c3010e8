import ArgumentParser
import Firebird
import Foundation
import MisLinkDemoData
import MisLinkProfiles
import MisLinkReport

/// `mislink-bench report`: the appeals report over a large history. Makes a demo database
/// (`mislink demo-data` with `--appeals`/`--calls`), counts its days into `MISLINK_REPORT_DAYS`
/// (`mislink report rebuild-days`), then times the full report (all its queries, the JSON and the HTML)
/// for the whole history and for its last month, first from the facts alone, then from the stored days,
/// and says whether the two reports are the same.
struct ReportBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Appeals report time over a large demo history (target: 5 s at 1M appeals, 2M calls).")

    @Option(help: "Appeals of history.") var appeals = 1_000_000
    @Option(help: "Calls of history (those of the phone appeals included).") var calls = 2_000_000
    @Option(help: "Days of history.") var days = 365
    @Option(help: "Report runs per period.") var runs = 3
    @Option(help: "Folder for the temporary database.") var directory = "/tmp"
    @Option(help: "Use this existing database (already filled) instead of making one.") var database: String?
    @Flag(help: "Only the month reports (the whole-history one takes minutes).") var monthOnly = false
    @Option(help: "Database cache pages for the report's connection (0: the server's setting, 2048 by default).")
    var pageBuffers = 0
    @Flag(help: "Keep the database made (its path is printed) for --database later.") var keep = false

    func run() async throws {
        let today = FirebirdDate(year: 2026, month: 11, day: 27)
        var cleanUp: (() -> Void)?
        let configuration: FirebirdConfiguration
        if let database {
            configuration = FirebirdConfiguration(database: database)
        } else {
            let bench = try await BenchWorker.prepare("report", directory: directory, patients: 20_000)
            if keep { print("database \(bench.worker.databaseConfiguration.database)") } else { cleanUp = bench.cleanUp }
            configuration = bench.worker.databaseConfiguration
            let connection = try await FirebirdConnection.connect(configuration)
            let history = AppealHistoryGenerator(options: .init(appeals: appeals, calls: calls, days: days, end: today))
            let summary = try await history.run(on: connection) { FileHandle.standardError.write(Data("  \($0)\n".utf8)) }
            try await connection.close()
            print("appeals \(summary.appeals) (phone \(summary.phoneAppeals), chat threads \(summary.chatThreads), events \(summary.appealEvents))")
            print("calls \(summary.calls)")
            print(String(format: "fill_s %.1f", Self.seconds(summary.time)))
        }
        defer { cleanUp?() }

        let builder = try AppealsReportBuilder.load(profile: try MISProfile(directory: try MISProfile.resolve(MISProfile.defaultName)))
        let periods = [
            ("whole_history", try ReportRequest(from: "2025-11-27", to: "2026-11-26")),
            ("last_month", try ReportRequest(from: "2026-10-27", to: "2026-11-26")),
            ("whatsapp_month", try ReportRequest(from: "2026-10-27", to: "2026-11-26", operator: nil, channel: "whatsapp")),
        ]
        var reportConfiguration = configuration
        reportConfiguration.pageBuffers = pageBuffers > 0 ? pageBuffers : nil
        let connection = try await FirebirdConnection.connect(reportConfiguration)
        print("page_buffers \(pageBuffers > 0 ? String(pageBuffers) : "server default")")
        let clock = ContinuousClock()
        let started = clock.now
        let rebuilt = try await ReportDays(builder: builder).rebuild(from: LocalDay("2025-11-01"), to: LocalDay("2026-11-30"), on: connection)
        print(String(format: "rebuild_days_s %.1f (%d days, %d rows)", Self.seconds(clock.now - started), rebuilt.days, rebuilt.rows))
        for (name, request) in periods where !(monthOnly && name == "whole_history") {
            var reports: [AppealsReport] = []
            for source in [AppealsReportBuilder.Source.facts, .days] {
                var sourced = builder
                sourced.source = source
                var samples: [Double] = []
                var report: AppealsReport?
                for _ in 0..<runs {
                    let started = clock.now
                    let made = try await sourced.build(request, on: connection)
                    _ = try JSONEncoder().encode(made)
                    _ = HTMLRenderer().render(made)
                    samples.append(Self.seconds(clock.now - started))
                    report = made
                }
                samples.sort()
                print(String(format: "%@_%@_s best %.2f median %.2f (appeals %d, calls %d, chat threads %d)", name,
                             source == .facts ? "facts" : "days", samples[0], samples[samples.count / 2],
                             report?.appeals.total.total ?? 0, report?.calls.overall.total ?? 0, report?.chats.overall.threads ?? 0))
                if var report {
                    report.generatedAt = Date(timeIntervalSince1970: 0)
                    reports.append(report)
                }
            }
            print("\(name)_same \(reports.count == 2 && reports[0] == reports[1] ? "yes" : "NO")")
        }
        try await connection.close()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
