import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Sends unique `events/call` notifications from 16 tasks until told to stop; remembers which were
/// acknowledged (and with what outcome).
final class AcknowledgingSender: Sendable {
    let acknowledged = Mutex<[String: String]>([:])
    let failures = Mutex(0)
    private let stopped = Mutex(false)

    func stop() { stopped.withLock { $0 = true } }

    func run(baseURL: String, client: HTTPClient, prefix: String, limit: Int = .max) async {
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    var n = 0
                    while !self.stopped.withLock({ $0 }), n < limit / 16 {
                        n += 1
                        let entry = "\(prefix)-\(lane)-\(n)"
                        let json = callEvent(entry: entry, call: entry, seq: 1, state: "Appeared", timestamp: 1_790_000_000)
                        let form = MangoSignedForm(json: json, credentials: WorkerHarness.credentials)
                        if let response = try? await client.execute(.form("\(baseURL)/mango/events/call", fields: form.fields)),
                           response.status == 200 {
                            let outcome = (try? JSONSerialization.jsonObject(with: response.body) as? [String: String])?["outcome"] ?? "?"
                            self.acknowledged.withLock { $0[entry] = outcome }
                        } else {
                            self.failures.withLock { $0 += 1 }
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
        }
    }
}

@Suite("Nothing acknowledged is lost", .serialized)
struct WorkerCrashTests {
    /// The `mislink` built beside the tests.
    static let binary = ClinicDatabase.repository.appendingPathComponent(".build/debug/mislink").path

    static func launch(database: String, port: Int, spool: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "MISLINK_DATABASE": database, "MISLINK_LISTEN": "127.0.0.1:\(port)", "MISLINK_API_TOKEN": WorkerHarness.token,
            "MISLINK_MANGO_API_KEY": WorkerHarness.credentials.apiKey, "MISLINK_MANGO_API_SALT": WorkerHarness.credentials.apiSalt,
            "MISLINK_SPOOL_DIR": spool, "MISLINK_LOG_LEVEL": "warning", "ISC_USER": "SYSDBA",
        ]) { _, new in new }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func waitUntilHealthy(_ client: HTTPClient, port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let response = try? await client.execute(.get("http://127.0.0.1:\(port)/health")), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw OpenAPIViolation(["the worker on port \(port) did not become healthy"])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: WorkerCrashTests.binary)))
    func killedWorkerKeepsEveryAcknowledgedEvent() async throws {
        let database = try ClinicDatabase.createMigrated("kill")
        let spool = "\(ClinicDatabase.directory)/spool-kill-\(UUID().uuidString.prefix(8))"
        let port = LocalPort.free()
        let client = HTTPClient(configuration: .init(maxConcurrentRequests: 16, timeout: .seconds(10)))
        let first = try Self.launch(database: database, port: port, spool: spool)
        try await Self.waitUntilHealthy(client, port: port)

        let sender = AcknowledgingSender()
        let sending = Task { await sender.run(baseURL: "http://127.0.0.1:\(port)", client: client, prefix: "kill") }
        // Let acknowledgements pile up, then kill -9 in the middle of the stream.
        let deadline = ContinuousClock.now + .seconds(30)
        while sender.acknowledged.withLock({ $0.count }) < 300, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        sender.stop()
        await sending.value
        let acknowledged = sender.acknowledged.withLock { $0 }
        #expect(acknowledged.count >= 300)
        #expect(first.terminationReason == .uncaughtSignal)

        let second = try Self.launch(database: database, port: port, spool: spool)
        try await Self.waitUntilHealthy(client, port: port)
        let objects = acknowledged.keys.map { #"{"kind":"call","id":"\#($0)","platform":"mango","finalState":"-"}"# }
        let verify = try await client.execute(.json(
            "http://127.0.0.1:\(port)/api/v1/emulator/verify", body: Data(#"{"objects":[\#(objects.joined(separator: ","))]}"#.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(verify.status == 200)
        let counts = try JSONSerialization.jsonObject(with: verify.body) as! [String: Any]
        #expect(counts["checked"] as? Int == acknowledged.count)
        #expect(counts["lost"] as? Int == 0, "\(counts["examples"] ?? "")")
        #expect(counts["duplicated"] as? Int == 0)

        // SIGTERM: a graceful stop that exits 0.
        second.terminate()
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
    }
}

/// Runs only when `MISLINK_TEST_SERVER_CONTROL` names the script that stops and starts the local
/// Firebird server (scripts/test runs the server-restart suites alone, before the rest).
@Suite("Worker: the database server stopped mid-stream", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["MISLINK_TEST_SERVER_CONTROL"] != nil))
struct WorkerServerRestartTests {
    func control(_ action: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MISLINK_TEST_SERVER_CONTROL"]!)
        process.arguments = [action]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func eventsAreSpooledAndReplayedInOrder() async throws {
        let harness = try await WorkerHarness.start(label: "spool", dsn: { "localhost:\($0)" })
        defer { Task { await harness.stop() } }
        let base = harness.worker.baseURL

        let before = AcknowledgingSender()
        await before.run(baseURL: base, client: harness.client, prefix: "up", limit: 160)
        #expect(before.acknowledged.withLock { $0.values.allSatisfy { $0 == "applied" } })

        try control("stop")
        let during = AcknowledgingSender()
        await during.run(baseURL: base, client: harness.client, prefix: "down", limit: 160)
        let spooled = during.acknowledged.withLock { $0 }
        #expect(spooled.count == 160)
        #expect(spooled.values.allSatisfy { $0 == "spooled" })
        let ready = try await harness.api("/ready", token: nil)
        #expect(ready.status == 503)
        expectDocumented("GET", "/ready", ready)
        #expect(ready.text.contains("\"spool_backlog\":160"))

        try control("start")
        let deadline = ContinuousClock.now + .seconds(60)
        var backlog = -1
        while ContinuousClock.now < deadline {
            let status = harness.worker.intake.status
            backlog = status.spoolBacklog
            if backlog == 0, status.databaseAvailable { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(backlog == 0)
        let keys = (before.acknowledged.withLock { Array($0.keys) } + Array(spooled.keys))
        let stored = try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID STARTING WITH 'up-' OR PBX_CALL_ID STARTING WITH 'down-'")
        #expect(stored == keys.count)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX") == keys.count)
        // Back to writing directly.
        let after = try await harness.mango("events/call", json: callEvent(entry: "after", call: "after", seq: 1, state: "Appeared", timestamp: 1_790_000_000))
        #expect(after.text.contains("applied"))
    }
}
