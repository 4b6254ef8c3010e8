import ArgumentParser
import Dispatch
import Firebird
import Foundation
import MisLinkIntake
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
    @Option(help: """
        Seconds of load at the same rate before the measured run (over HTTP), left out of the figures but checked         for lost and duplicated events: the worker's first seconds prepare its statements and open its         connections, which a run from a cold start would count as a stall (0 turns it off).
        """)
    var warmup = 2.0
    @Option(help: "Calls and threads in progress at once.") var callsConcurrent = 200
    @Option(help: "HTTP connections.") var connections = 64
    @Option(help: "Fraction delivered twice.") var duplicates = 0.2
    @Option(help: "Fraction swapped with the next event of the same call.") var reorder = 0.1
    @Option(help: "Most events per group commit (intake.max_batch).") var maxBatch = 512
    @Option(help: "Writer lanes (intake.writers).") var writers = 2
    @Option(help: "Demo patients in the new database.") var patients = 20_000
    @Option(help: "Folder for the temporary database and spool.") var directory = "/tmp"
    @Flag(help: "Skip HTTP: submit call events straight to the intake (the database side alone).") var direct = false
    @Flag(help: "Time every statement the intake runs and print where the time went (adds a lock per statement).")
    var profileStatements = false
    @Option(name: .customLong("inactive-trigger"),
            help: "A trigger made inactive in the new database before the load (ALTER TRIGGER … INACTIVE), to measure what it costs; repeatable.")
    var inactiveTriggers: [String] = []

    func run() async throws {
        let bench = try await BenchWorker.prepare("intake", directory: directory, patients: patients) { settings in
            settings.intake.maxBatch = maxBatch
            settings.intake.writers = writers
        }
        defer { bench.cleanUp() }
        if !inactiveTriggers.isEmpty {
            let attachment = try FirebirdAttachment.open(bench.worker.databaseConfiguration)
            for trigger in inactiveTriggers { try attachment.execute("ALTER TRIGGER \(identifier: trigger.uppercased()) INACTIVE") }
            try attachment.close()
        }
        let running = try await bench.worker.start()
        defer { Task { await running.stop() } }
        let writes = try DatabaseWrites(bench.worker.databaseConfiguration)
        defer { writes.close() }
        StatementProfile.set(enabled: profileStatements)
        defer { if profileStatements { printProfile(events: running.intake.status.outcomes.values.reduce(0, +)) } }
        if direct {
            try await runDirect(running, writes: writes)
            return
        }

        let client = HTTPClient(configuration: .init(maxConcurrentRequests: connections, timeout: .seconds(30)))
        let demo = MisLinkSettings.demoSecrets
        let sender = WebhookSender(
            client: client, credentials: MangoCredentials(apiKey: demo.mangoKey, apiSalt: demo.mangoSalt),
            targets: WebhookTargets(target: running.baseURL, ednaPath: "/edna/webhook/\(demo.webhookSecret)",
                                    chatwootPath: "/chatwoot/webhook/\(demo.webhookSecret)"))
        var warmupObjects: [ExpectedObject] = []
        if warmup > 0 {
            let warm = try await LoadGenerator(
                sender: sender,
                options: LoadOptions(rate: rate, duration: warmup, concurrent: callsConcurrent, duplicates: duplicates, reorder: reorder)
            ).run { line in FileHandle.standardError.write(Data(("warm-up " + line + "\n").utf8)) }
            warmupObjects = warm.expected
            print("warmup \(warmup) s, \(warm.acknowledged) events, ack_latency \(warm.latencyLine) (not counted below)")
        }
        let writesBefore = try writes.snapshot()
        let report = try await LoadGenerator(
            sender: sender,
            options: LoadOptions(rate: rate, duration: duration, concurrent: callsConcurrent, duplicates: duplicates, reorder: reorder)
        ).run { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let writesAfter = try writes.snapshot()
        let check = try await RESTLoadVerifier(baseURL: running.baseURL, token: demo.apiToken, client: client)
            .verify(warmupObjects + report.expected)
        let status = running.intake.status
        print("offered_rate \(Int(rate))")
        print("sent \(report.sent)")
        print("acknowledged \(report.acknowledged)")
        print("failed \(report.failed)")
        print(String(format: "events_per_s %.0f", report.throughput))
        print("ack_latency \(report.latencyLine)")
        for line in report.kindLines { print(line) }
        print(DatabaseWrites.line(from: writesBefore, to: writesAfter, events: report.acknowledged))
        print("outcomes \(status.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        print("objects \(report.expected.count)")
        print("lost \(check.lost)")
        print("duplicated \(check.duplicated)")
        print("wrong_state \(check.wrongState)")
        await running.stop()
        if check.lost > 0 || check.duplicated > 0 { throw ExitCode(1) }
    }

    /// The statements' totals: per event (microseconds over every event written), count per event, share.
    private func printProfile(events written: Int) {
        let entries = StatementProfile.entries
        let events = max(1, written)
        print("statement_profile (µs per event over \(events) events; count per event; SQL)")
        for entry in entries.prefix(40) {
            let sql = entry.sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            print(String(format: "%8.1f µs  %5.2f×  ", Double(entry.nanoseconds) / 1000 / Double(events), Double(entry.count) / Double(events))
                  + String(sql.prefix(150)))
        }
    }

    /// Calls of four events each (Appeared, Connected, Disconnected, summary), parsed by the Mango
    /// adapter from signed bodies and submitted from `callsConcurrent` tasks: no HTTP on either side.
    private func runDirect(_ running: RunningWorker, writes: DatabaseWrites) async throws {
        let demo = MisLinkSettings.demoSecrets
        let credentials = MangoCredentials(apiKey: demo.mangoKey, apiSalt: demo.mangoSalt)
        let adapter = MangoWebhookAdapter(settings: .init(apiKey: demo.mangoKey, apiSalt: demo.mangoSalt))
        let calls = Int(rate * duration / 4)
        let writesBefore = try writes.snapshot()
        let start = ContinuousClock.now
        let latencies = await withTaskGroup(of: [UInt64].self) { group in
            for lane in 0..<callsConcurrent {
                group.addTask {
                    var samples: [UInt64] = []
                    for call in stride(from: lane, to: calls, by: callsConcurrent) {
                        let t = 1_790_000_000 + call
                        let entry = "bench-\(call)"
                        // A different caller per call, as `emulate load` has them (one number calling
                        // thousands of times would make every lookup by number read thousands of calls).
                        let phone = "7916\(String(format: "%07d", call % 10_000_000))"
                        let bodies: [(String, String)] = [
                            ("events/call", #"{"entry_id":"\#(entry)","call_id":"\#(entry)-1","timestamp":\#(t),"seq":1,"call_state":"Appeared","location":"abonent","from":{"number":"\#(phone)"},"to":{"extension":"101"}}"#),
                            ("events/call", #"{"entry_id":"\#(entry)","call_id":"\#(entry)-1","timestamp":\#(t + 5),"seq":2,"call_state":"Connected","location":"abonent","from":{"number":"\#(phone)"},"to":{"extension":"101"}}"#),
                            ("events/call", #"{"entry_id":"\#(entry)","call_id":"\#(entry)-1","timestamp":\#(t + 65),"seq":3,"call_state":"Disconnected","location":"abonent","from":{"number":"\#(phone)"},"to":{"extension":"101"},"disconnect_reason":1110}"#),
                            ("events/summary", #"{"entry_id":"\#(entry)","call_direction":1,"from":{"number":"\#(phone)"},"to":{"extension":"101"},"create_time":\#(t),"forward_time":\#(t + 1),"talk_time":\#(t + 5),"end_time":\#(t + 65),"entry_result":1}"#),
                        ]
                        for (path, json) in bodies {
                            let form = MangoSignedForm(json: json, credentials: credentials).fields
                                .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                                .joined(separator: "&")
                            let began = DispatchTime.now().uptimeNanoseconds
                            guard let event = try? adapter.accept(path: path, body: Data(form.utf8)) else { continue }
                            _ = try? await running.intake.submit(event)
                            samples.append((DispatchTime.now().uptimeNanoseconds - began) / 1000)
                        }
                    }
                    return samples
                }
            }
            var all: [UInt64] = []
            for await part in group { all += part }
            return all.sorted()
        }
        let elapsed = ContinuousClock.now - start
        let writesAfter = try writes.snapshot()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        func percentile(_ p: Double) -> String {
            latencies.isEmpty ? "-" : String(format: "%.2f ms", Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000)
        }
        print("events \(latencies.count)")
        print(String(format: "events_per_s %.0f", Double(latencies.count) / seconds))
        print(DatabaseWrites.line(from: writesBefore, to: writesAfter, events: latencies.count))
        print("commit_latency p50 \(percentile(0.5)), p99 \(percentile(0.99)), max \(percentile(0.999999))")
        print("outcomes \(running.intake.status.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}
