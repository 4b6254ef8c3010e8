import ArgumentParser
import Foundation
import Logging
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings

/// `mislink-bench intake`: the worker on the embedded default (a new demo database) and the emulator's
/// load mode against it over real HTTP, in one process: durable intake throughput and acknowledgement
/// latency, then the lost/duplicated check through the REST API.
struct IntakeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake", abstract: "Webhook intake: events/s and acknowledgement latency, with lost/duplicated.")

    @Option(help: "Webhooks per second offered.") var rate = 2_000.0
    @Option(help: "Seconds of load.") var duration = 10.0
    @Option(help: "Calls and threads in progress at once.") var callsConcurrent = 200
    @Option(help: "HTTP connections.") var connections = 64
    @Option(help: "Fraction delivered twice.") var duplicates = 0.2
    @Option(help: "Fraction swapped with the next event of the same call.") var reorder = 0.1
    @Option(help: "Most events per group commit (intake.max_batch).") var maxBatch = 512
    @Option(help: "Demo patients in the new database.") var patients = 20_000
    @Option(help: "Folder for the temporary database and spool.") var directory = "/tmp"

    func run() async throws {
        let folder = "\(directory)/mislink-bench-intake-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var settings = MisLinkSettings().withDemoSecrets()
        settings.database.dsn = "\(folder)/mislink.fdb"
        settings.listen = "127.0.0.1:0"
        settings.intake.maxBatch = maxBatch
        settings.intake.spoolDirectory = "\(folder)/spool"
        settings.logLevel = "warning"
        var logger = Logger(label: "mislink-bench")
        logger.logLevel = .warning
        var worker = Worker(settings: settings, logger: logger)
        worker.fixUTCOffset = true
        try await EmbeddedDefault.prepare(worker.databaseConfiguration, patients: patients, logger: logger)
        let running = try await worker.start()
        defer { Task { await running.stop() } }

        let client = HTTPClient(configuration: .init(maxConcurrentRequests: connections, timeout: .seconds(30)))
        let demo = MisLinkSettings.demoSecrets
        let sender = WebhookSender(
            client: client, credentials: MangoCredentials(apiKey: demo.mangoKey, apiSalt: demo.mangoSalt),
            targets: WebhookTargets(target: running.baseURL, ednaPath: "/edna/\(demo.webhookSecret)",
                                    chatwootPath: "/chatwoot/\(demo.webhookSecret)"))
        let report = try await LoadGenerator(
            sender: sender,
            options: LoadOptions(rate: rate, duration: duration, concurrent: callsConcurrent, duplicates: duplicates, reorder: reorder)
        ).run { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let check = try await RESTLoadVerifier(baseURL: running.baseURL, token: demo.apiToken, client: client).verify(report.expected)
        let status = running.intake.status
        print("offered_rate \(Int(rate))")
        print("sent \(report.sent)")
        print("acknowledged \(report.acknowledged)")
        print("failed \(report.failed)")
        print(String(format: "events_per_s %.0f", report.throughput))
        print("ack_latency \(report.latencyLine)")
        print("outcomes \(status.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        print("objects \(report.expected.count)")
        print("lost \(check.lost)")
        print("duplicated \(check.duplicated)")
        print("wrong_state \(check.wrongState)")
        await running.stop()
        if check.lost > 0 || check.duplicated > 0 { throw ExitCode(1) }
    }
}
