import ArgumentParser
import Foundation
import Logging
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings

/// `mislink reconcile --from --to`: fills the call log from the PBX's statistics.
struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Insert the calls the PBX's webhooks never delivered, from stats/request for a period, and close calls left open.",
        discussion: """
            Reads the same settings as `mislink serve` (--config, MISLINK_*). Times are ISO 8601 \
            (2026-11-27T00:00:00Z) or YYYY-MM-DD (midnight UTC). A period longer than 31 days is asked for in \
            windows of 31 days (the PBX reports at most a month at a time). With an embedded database, stop the \
            worker first (only one process can open the file).
            """)

    @Option(help: "The JSON config file (defaults to MISLINK_CONFIG).") var config: String?
    @Option(help: "Start of the period (inclusive).") var from: String
    @Option(help: "End of the period (exclusive); defaults to now.") var to: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let settings = try MisLinkSettings.load(file: config)
        guard let start = Self.date(from) else { throw ValidationError("--from: not a date: \(from)") }
        guard let end = to.map(Self.date) ?? Date() else { throw ValidationError("--to: not a date: \(to ?? "")") }
        guard start < end else { throw ValidationError("--from must be before --to (the period is [from, to))") }
        // The worker's MIS profile: the calls inserted are identified and credited as the worker's intake would.
        let worker = Worker(settings: settings)
        let reconciler = Reconciler(
            configuration: worker.databaseConfiguration, mango: settings.mango,
            client: HTTPClient(configuration: .init(timeout: .seconds(60), pinTLS12: true)), profile: try worker.loadProfile())
        let report = try await reconciler.run(from: start, to: end)
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report)
            for entry in report.insertedEntries { print("  inserted \(entry)") }
        }
    }

    static func date(_ text: String) -> Date? {
        ISO8601DateFormatter().date(from: text) ?? ISO8601DateFormatter().date(from: text + "T00:00:00Z")
    }
}
