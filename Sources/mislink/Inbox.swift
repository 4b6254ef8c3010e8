import ArgumentParser
import Foundation
import MisLinkIntake
import MisLinkServer
import MisLinkSettings

/// `mislink inbox retry`: applies stored events again after a fix.
struct Inbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stored events: apply them again after a fix, or submit quarantined ones again.",
        subcommands: [Retry.self])

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply MISLINK_INBOX events again (idempotent), or with --quarantine submit MISLINK_QUARANTINE events again.",
            discussion: """
                Reads the same settings as `mislink serve` (--config, MISLINK_*). Each event is applied in a \
                transaction of its own that also records its new status, so running it twice applies nothing \
                twice, and it may run while the worker runs (with a server database; an embedded file is \
                opened by one process only). --since is ISO 8601 (2026-12-01T00:00:00Z) or YYYY-MM-DD.
                """)

        @Option(help: "The JSON config file (defaults to MISLINK_CONFIG).") var config: String?
        @Option(help: "Inbox status to retry: failed, received or retrying (repeatable; default failed).")
        var status: [String] = []
        @Option(help: "Only events received at or after this time.") var since: String?
        @Option(help: "At most this many events.") var limit = 1000
        @Flag(help: "Submit events kept in the quarantine again instead (each one stored now is released).")
        var quarantine = false
        @Option(help: "With --quarantine: only this MISLINK_QUARANTINE.ID (repeatable).") var id: [Int64] = []
        @Flag(help: "Print the report as JSON.") var json = false

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
            for name in status where InboxRetryStatus(rawValue: name) == nil {
                throw ValidationError("--status: \(name) is not failed, received or retrying")
            }
            if let since, Reconcile.date(since) == nil { throw ValidationError("--since: not a date: \(since)") }
            if !id.isEmpty, !quarantine { throw ValidationError("--id needs --quarantine") }
        }

        func run() async throws {
            let settings = try MisLinkSettings.load(file: config)
            let intake = try Worker(settings: settings).makeIntake()
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            if quarantine {
                let report = try await intake.retryQuarantine(QuarantineRetryRequest(ids: id.isEmpty ? nil : id, limit: limit))
                if json { print(String(decoding: try encoder.encode(report), as: UTF8.self)); return }
                print("quarantined events examined: \(report.examined), stored now: \(report.outcomes.values.reduce(0, +)), still held: \(report.stillHeld)")
                for (outcome, count) in report.outcomes.sorted(by: { $0.key < $1.key }) { print("  \(outcome): \(count)") }
            } else {
                let statuses = status.isEmpty ? [InboxRetryStatus.failed] : status.compactMap(InboxRetryStatus.init(rawValue:))
                let report = try await intake.retry(InboxRetryRequest(statuses: statuses, since: since.flatMap(Reconcile.date), limit: limit))
                if json { print(String(decoding: try encoder.encode(report), as: UTF8.self)); return }
                print("events examined: \(report.examined), left to another worker: \(report.busy)")
                for (outcome, count) in report.outcomes.sorted(by: { $0.key < $1.key }) { print("  \(outcome): \(count)") }
            }
        }
    }
}
