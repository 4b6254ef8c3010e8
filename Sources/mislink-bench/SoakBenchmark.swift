import ArgumentParser
import Firebird
import Foundation
import Logging
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `mislink-bench soak`: mixed webhook load on a worker (`mislink serve`, a process of its own) over a
/// database on the local Firebird server, while the server is restarted, the worker is `kill -9`'d and
/// started again, and senders drop connections in the middle of requests. Every event is sent until it
/// is acknowledged (as a platform does); some twice. At the end it waits for the spool to drain and
/// checks every call and thread: lost and duplicated must be 0 (the exit status says so).
struct SoakBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Chaos soak: load while the Firebird server restarts, the worker is killed, connections drop.",
        discussion: """
            Needs the local Firebird server (scripts/firebird-server start) and ISC_USER / ISC_PASSWORD of \
            SYSDBA (eval "$(scripts/firebird-server env)"). Prints events sent, acknowledged, lost, duplicated, \
            failed, quarantined, the acknowledgement p99 and the time the spool took to drain.
            """)

    @Option(help: "Seconds of load.") var seconds: Double = 60
    @Option(help: "Webhooks per second (all senders together).") var rate: Double = 100
    @Option(help: "Calls and chats in progress at once.") var concurrent = 24
    @Option(help: "Seconds between chaos actions (server restart, worker kill -9, in turn).") var chaosEvery: Double = 12
    @Option(help: "Fraction of events delivered twice.") var duplicates = 0.1
    @Option(help: "Fraction of sends preceded by a connection dropped in the middle of the request.") var drops = 0.05
    @Option(help: "Operators' chat messages per second sent out through the fake Chatwoot (0: none).") var outboundRate = 2.0
    @Option(help: "Fraction of the fake Chatwoot's API requests whose connection it drops unanswered.") var platformDrops = 0.1
    @Option(help: "The script that restarts the Firebird server.") var serverControl = "scripts/firebird-server"
    @Option(help: "The mislink binary (defaults to the one beside this benchmark).") var mislink: String?
    @Option(help: "Folder for the database, the spool and the worker's log.") var directory = "/tmp"
    @Option(help: "Demo patients in the database.") var patients = 2000

    func validate() throws {
        guard seconds > 0, rate > 0, concurrent > 0, chaosEvery > 0 else { throw ValidationError("times and rates must be positive") }
        guard (0...1).contains(duplicates), (0...1).contains(drops), (0...1).contains(platformDrops) else {
            throw ValidationError("fractions are between 0 and 1")
        }
        guard outboundRate >= 0 else { throw ValidationError("--outbound-rate must not be negative") }
    }

    func run() async throws {
        let folder = "\(directory)/mislink-soak-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o1777)
        let path = "\(folder)/soak.fdb"
        var logger = Logger(label: "mislink-bench")
        logger.logLevel = .warning
        var settings = MisLinkSettings().withDemoSecrets()
        settings.database.dsn = path
        print("preparing \(path) (\(patients) patients)…")
        try await EmbeddedDefault.prepare(Worker(settings: settings, logger: logger).databaseConfiguration, patients: patients, logger: logger)
        chmod(path, 0o666)
        let serverDSN = "127.0.0.1:\(path)"

        let binary = mislink ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mislink").path
        let chat = FakeChat()
        chat.dropConnections(fraction: platformDrops)
        let chatServer = try await RunningServer.start(router: chat.router())
        let worker = WorkerProcess(binary: binary, dsn: serverDSN, port: LocalPort.free(), folder: folder, settings: settings,
                                   chatBaseURL: chatServer.baseURL, chatToken: chat.configuration.chatwootToken)
        try worker.launch()
        let client = HTTPClient(configuration: .init(maxConcurrentRequests: concurrent * 2 + 4, timeout: .seconds(15)))
        guard await worker.waitHealthy(client, within: .seconds(60)) else {
            throw ValidationError("the worker did not answer /health within 60 s; see \(folder)/worker.log")
        }
        print("worker pid \(worker.pid) on \(worker.baseURL); load \(seconds) s at \(rate)/s, chaos every \(chaosEvery) s")

        let stats = SoakStats()
        let outbound = OutboundStats()
        let pacer = Pacer(rate: rate)
        let loadEnd = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let sender = WebhookSender(
            client: client, credentials: MangoCredentials(apiKey: settings.mango.apiKey, apiSalt: settings.mango.apiSalt),
            targets: WebhookTargets(target: worker.baseURL, ednaPath: "/edna/webhook/\(settings.chat.edna.webhookSecret)",
                                    chatwootPath: "/chatwoot/webhook/\(settings.chat.chatwoot.webhookSecret)"))
        var chaosLog: [String] = []
        try await withThrowingTaskGroup(of: [String].self) { group in
            for lane in 0..<concurrent {
                group.addTask {
                    try await Self.senderLane(lane, sender: sender, pacer: pacer, stats: stats, until: loadEnd,
                                              duplicates: duplicates, drops: drops, port: worker.port)
                    return []
                }
            }
            group.addTask {
                var log: [String] = []
                var action = 0
                while ContinuousClock.now + .milliseconds(Int(chaosEvery * 1000)) < loadEnd {
                    try await Task.sleep(for: .milliseconds(Int(chaosEvery * 1000)))
                    let started = ContinuousClock.now
                    if action % 2 == 0 {
                        let status = Self.runScript(serverControl, ["restart"])
                        log.append("t+\(Self.elapsed(since: loadEnd, total: seconds)) s: Firebird server restarted (exit \(status)) in \(Self.ms(ContinuousClock.now - started)) ms")
                    } else {
                        worker.kill9()
                        try worker.launch()
                        log.append("t+\(Self.elapsed(since: loadEnd, total: seconds)) s: worker kill -9'd and started again (pid \(worker.pid))")
                    }
                    print(log.last!)
                    action += 1
                }
                return log
            }
            group.addTask {
                while ContinuousClock.now < loadEnd {
                    try await Task.sleep(for: .seconds(5))
                    print(stats.line())
                }
                return []
            }
            if outboundRate > 0 {
                group.addTask { [settings, outboundRate] in
                    try await Self.operatorMessages(rate: outboundRate, until: loadEnd, worker: worker, client: client,
                                                    dsn: serverDSN, settings: settings, outbound: outbound)
                    return []
                }
            }
            for try await log in group { chaosLog += log }
        }
        let loadDone = ContinuousClock.now
        print("load done; waiting for the spool to drain…")
        let drained = await worker.waitDrained(client, within: .seconds(300))
        let drainTime = ContinuousClock.now - loadDone
        let snapshot = stats.snapshot()
        let verification = try await RESTLoadVerifier(baseURL: worker.baseURL, token: settings.api.tokens.first, client: client)
            .verify(snapshot.expected)
        let (failed, quarantined, retrying) = try await Self.databaseCounts(serverDSN, settings: settings)
        let queued = outbound.queued.withLock { $0 }
        let deliveryDeadline = ContinuousClock.now + .seconds(180)
        var delivered = Self.delivered(chat)
        while ContinuousClock.now < deliveryDeadline, !queued.isSubset(of: Set(delivered.keys)) {
            try await Task.sleep(for: .milliseconds(500))
            delivered = Self.delivered(chat)
        }
        let outboundLost = queued.subtracting(delivered.keys).count
        let outboundDuplicated = delivered.values.filter { $0 > 1 }.count
        print("")
        print("soak \(Int(seconds)) s, \(chaosLog.count) chaos actions")
        for line in chaosLog { print("  \(line)") }
        print("events sent \(snapshot.events) (\(snapshot.attempts) HTTP attempts, \(snapshot.duplicatesSent) duplicates, \(snapshot.dropped) dropped connections)")
        print("events acknowledged \(snapshot.acknowledged)")
        print("objects \(snapshot.expected.count): lost \(verification.lost), duplicated \(verification.duplicated), wrong state \(verification.wrongState)")
        print("failed \(failed) (inbox), retrying \(retrying), quarantined \(quarantined)")
        print("outcomes \(snapshot.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        print("ack latency \(snapshot.latencyLine)")
        print("spool drained \(drained ? "in \(Self.ms(drainTime)) ms" : "NOT within 300 s")")
        print("operator messages out: \(queued.count) queued, \(queued.count - outboundLost) delivered, lost \(outboundLost), "
              + "delivered twice \(outboundDuplicated) (a worker killed between the platform's answer and its write-back sends again), "
              + "\(chat.droppedConnections) platform connections dropped")
        worker.terminate()
        await chatServer.stop()
        if verification.lost > 0 || verification.duplicated > 0 || !drained || snapshot.acknowledged < snapshot.events || outboundLost > 0 {
            print("FAILED: lost and duplicated must be 0, every event acknowledged and the spool drained; see \(folder)/worker.log")
            throw ExitCode.failure
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// One sender: conversations one after another, each event sent (in order) until acknowledged.
    static func senderLane(_ lane: Int, sender: WebhookSender, pacer: Pacer, stats: SoakStats, until end: ContinuousClock.Instant,
                           duplicates: Double, drops: Double, port: Int) async throws {
        let library = ScenarioLibrary()
        var random = SystemRandomNumberGenerator()
        var serial = 0
        let runBase = (Int(Date().timeIntervalSince1970) % 100_000) * 100_000_000 + lane * 1_000_000
        while ContinuousClock.now < end {
            serial += 1
            let base = runBase + serial * 10
            let isChat = Double.random(in: 0..<1, using: &random) < 0.2
            let isEdna = isChat && Bool.random(using: &random)
            let name = (isEdna ? LoadGenerator.ednaScenarios : isChat ? LoadGenerator.chatScenarios : LoadGenerator.callScenarios)
                .randomElement(using: &random)!
            var variables = ["client": "7916\(String(format: "%07d", base % 10_000_000))", "conv": String(base), "contact": String(base),
                             "command_id": "soak-\(base)", "thread": String(base), "edna_client": String(base)]
            for k in 1...3 { variables["m\(k)"] = String(base + k) }
            let steps = try library.load(name).render(variables: variables, start: Int(Date().timeIntervalSince1970))
            var entry = ""
            for step in steps {
                switch step {
                case .mango(_, let json): entry = json["entry_id"]?.stringValue ?? entry
                case .chat: break
                default: continue
                }
                await pacer.wait()
                let duplicate = Double.random(in: 0..<1, using: &random) < duplicates
                for copy in duplicate ? [false, true] : [false] {
                    if Double.random(in: 0..<1, using: &random) < drops {
                        Self.dropConnection(port: port)
                        stats.dropped()
                    }
                    await Self.sendUntilAcknowledged(step, sender: sender, stats: stats, isDuplicate: copy)
                }
            }
            let object = LoadGenerator.expectedObject(scenario: name, isChat: isChat, isEdna: isEdna, id: String(base), entry: entry)
            stats.expect(object)
        }
    }

    /// Sends until a 2xx (a platform retries 5xx and lost connections), backing off up to a second.
    static func sendUntilAcknowledged(_ step: RenderedStep, sender: WebhookSender, stats: SoakStats, isDuplicate: Bool) async {
        var pause = 50
        stats.event(isDuplicate: isDuplicate)
        while true {
            let delivery: Delivery
            switch step {
            case .mango(let path, let json): delivery = await sender.sendMango(path: path, json: json.compactText, isDuplicate: isDuplicate)
            case .chat(let platform, let json): delivery = await sender.sendChat(platform: platform, json: json.compactText, isDuplicate: isDuplicate)
            default: return
            }
            if let status = delivery.status, (200..<300).contains(status) {
                stats.acknowledged(latencyMicroseconds: delivery.latencyNanoseconds / 1000, outcome: delivery.outcome)
                return
            }
            stats.attemptFailed(status: delivery.status)
            if let status = delivery.status, (400..<500).contains(status) {
                // A 4xx is final for a platform; the scenario's events are well-formed, so this is a bug.
                stats.refused()
                return
            }
            try? await Task.sleep(for: .milliseconds(pause))
            pause = min(1000, pause * 2)
        }
    }

    /// Operators' messages into random Chatwoot threads of the run, `POST /api/v1/threads/{id}/messages`;
    /// a text counts as queued once the worker answered 202 (a request the killed worker never answered
    /// may or may not be queued: it is not counted either way).
    static func operatorMessages(rate: Double, until end: ContinuousClock.Instant, worker: WorkerProcess, client: HTTPClient,
                                 dsn: String, settings: MisLinkSettings, outbound: OutboundStats) async throws {
        var configuration = Worker(settings: settings).databaseConfiguration
        configuration.database = dsn
        var serial = 0
        var threads: [Int64] = []
        var lastRefresh = ContinuousClock.now - .seconds(60)
        while ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(Int(1000 / rate)))
            if ContinuousClock.now - lastRefresh > .seconds(5) {
                lastRefresh = .now
                if let connection = try? await FirebirdConnection.connect(configuration) {
                    if let rows = try? await connection.query("SELECT FIRST 200 ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = 'chatwoot' ORDER BY ID DESC") {
                        threads = rows.compactMap { try? $0.decode(Int64.self, at: 0) }
                    }
                    try? await connection.close()
                }
            }
            guard let thread = threads.randomElement() else { continue }
            serial += 1
            let text = "soak-out-\(serial)"
            let body = Data(#"{"text":"\#(text)"}"#.utf8)
            let answer = try? await client.execute(.json("\(worker.baseURL)/api/v1/threads/\(thread)/messages", body: body,
                                                         headers: [(name: "Authorization", value: "Bearer \(settings.api.tokens.first ?? "")")]))
            if answer?.status == 202 { outbound.queued.withLock { _ = $0.insert(text) } }
        }
    }

    /// How often the fake Chatwoot received each soak text.
    static func delivered(_ chat: FakeChat) -> [String: Int] {
        var counts: [String: Int] = [:]
        for message in chat.sent where message.platform == "chatwoot" {
            guard let object = try? JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any],
                  let content = object["content"] as? String, content.hasPrefix("soak-out-") else { continue }
            counts[content, default: 0] += 1
        }
        return counts
    }

    /// A platform that drops its connection in the middle of a request: headers and half the body, then close.
    static func dropConnection(port: Int) {
        let fd = socket(AF_INET, Int32(truncatingIfNeeded: SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        let body = "vpbx_api_key=demo&sign=0&json=%7B%22entry_id%22%3A%22dropped%22%2C%22call_id%22%3A%22x"
        let request = "POST /mango/events/call HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: \(body.utf8.count * 2)\r\n\r\n" + body
        _ = request.withCString { send(fd, $0, strlen($0), Int32(truncatingIfNeeded: MSG_NOSIGNAL)) }
    }

    static func databaseCounts(_ dsn: String, settings: MisLinkSettings) async throws -> (failed: Int, quarantined: Int, retrying: Int) {
        var configuration = Worker(settings: settings).databaseConfiguration
        configuration.database = dsn
        let connection = try await FirebirdConnection.connect(configuration)
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query("""
            SELECT (SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS = 'failed') AS FAILED,
                   (SELECT COUNT(*) FROM MISLINK_QUARANTINE) AS QUARANTINED,
                   (SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS = 'retrying') AS RETRYING
            FROM RDB$DATABASE
            """)
        return (try rows[0].decode(Int.self, column: "FAILED"), try rows[0].decode(Int.self, column: "QUARANTINED"),
                try rows[0].decode(Int.self, column: "RETRYING"))
    }

    static func runScript(_ script: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func ms(_ duration: Duration) -> Int { Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) }

    static func elapsed(since end: ContinuousClock.Instant, total: Double) -> Int {
        Int(total) - Int((end - ContinuousClock.now).components.seconds)
    }
}

/// Paces sends at a fixed rate over all senders.
actor Pacer {
    private var next = ContinuousClock.now
    private let interval: Duration

    init(rate: Double) { interval = .nanoseconds(Int64(1_000_000_000 / rate)) }

    func wait() async {
        let slot = max(next, .now)
        next = slot + interval
        if slot > .now { try? await Task.sleep(until: slot) }
    }
}

/// The operators' messages the worker took (answered 202).
final class OutboundStats: Sendable {
    let queued = Mutex(Set<String>())
}

/// The soak's counts.
final class SoakStats: Sendable {
    struct Snapshot {
        var events = 0
        var duplicatesSent = 0
        var attempts = 0
        var acknowledged = 0
        var failedAttempts: [String: Int] = [:]
        var refused = 0
        var dropped = 0
        var outcomes: [String: Int] = [:]
        var latencies: [UInt64] = []
        var expected: [ExpectedObject] = []

        var latencyLine: String {
            let sorted = latencies.sorted()
            func at(_ p: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                return String(format: "%.1f", Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000)
            }
            return "p50 \(at(0.5)) ms, p90 \(at(0.9)) ms, p99 \(at(0.99)) ms, max \(sorted.last.map { String(format: "%.1f", Double($0) / 1000) } ?? "-") ms"
        }
    }

    private let state = Mutex(Snapshot())

    func event(isDuplicate: Bool) { state.withLock { $0.events += 1; if isDuplicate { $0.duplicatesSent += 1 } } }
    func acknowledged(latencyMicroseconds: UInt64, outcome: String?) {
        state.withLock {
            $0.attempts += 1
            $0.acknowledged += 1
            $0.latencies.append(latencyMicroseconds)
            $0.outcomes[outcome ?? "?", default: 0] += 1
        }
    }
    func attemptFailed(status: Int?) { state.withLock { $0.attempts += 1; $0.failedAttempts[status.map(String.init) ?? "no answer", default: 0] += 1 } }
    func refused() { state.withLock { $0.refused += 1 } }
    func dropped() { state.withLock { $0.dropped += 1 } }
    func expect(_ object: ExpectedObject) { state.withLock { $0.expected.append(object) } }
    func snapshot() -> Snapshot { state.withLock { $0 } }

    func line() -> String {
        let s = snapshot()
        return "events \(s.events) acknowledged \(s.acknowledged) failed attempts \(s.failedAttempts.sorted { $0.key < $1.key }) objects \(s.expected.count)"
    }
}

/// The worker under test, as a process of its own that can be killed.
final class WorkerProcess: @unchecked Sendable {
    let binary: String
    let dsn: String
    let port: Int
    let folder: String
    let settings: MisLinkSettings
    let chatBaseURL: String
    let chatToken: String
    private let lock = NSLock()
    private var process: Process?

    init(binary: String, dsn: String, port: Int, folder: String, settings: MisLinkSettings, chatBaseURL: String, chatToken: String) {
        self.binary = binary
        self.dsn = dsn
        self.port = port
        self.folder = folder
        self.settings = settings
        self.chatBaseURL = chatBaseURL
        self.chatToken = chatToken
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var pid: Int32 { lock.withLock { process?.processIdentifier ?? 0 } }

    func launch() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "MISLINK_DATABASE": dsn, "MISLINK_LISTEN": "127.0.0.1:\(port)", "MISLINK_API_TOKEN": settings.api.tokens.joined(separator: ","),
            "MISLINK_MANGO_API_KEY": settings.mango.apiKey, "MISLINK_MANGO_API_SALT": settings.mango.apiSalt,
            "MISLINK_MANGO_BASE_URL": "http://127.0.0.1:9/vpbx",
            "MISLINK_CHATWOOT_WEBHOOK_SECRET": settings.chat.chatwoot.webhookSecret,
            "MISLINK_EDNA_WEBHOOK_SECRET": settings.chat.edna.webhookSecret,
            "MISLINK_CHATWOOT_BASE_URL": chatBaseURL, "MISLINK_CHATWOOT_API_TOKEN": chatToken, "MISLINK_EDNA_BASE_URL": "http://127.0.0.1:9",
            "MISLINK_OUTBOUND_CLAIM_SECONDS": "10",
            "MISLINK_TELEPHONY_RECONCILE_MINUTES": "0", "MISLINK_SPOOL_DIR": "\(folder)/spool", "MISLINK_LOG_LEVEL": "notice",
        ]) { _, new in new }
        process.environment = environment
        FileManager.default.createFile(atPath: "\(folder)/worker.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/worker.log"))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.withLock { self.process = process }
    }

    func kill9() {
        guard let process = lock.withLock({ self.process }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        guard let process = lock.withLock({ self.process }) else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func waitHealthy(_ client: HTTPClient, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let answer = try? await client.execute(.get("\(baseURL)/health")), answer.status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Waits for `/ready` with an empty spool.
    func waitDrained(_ client: HTTPClient, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let answer = try? await client.execute(.get("\(baseURL)/ready")), answer.status == 200,
               let body = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
               (body["spool_backlog"] as? Int) == 0, (body["pending"] as? Int) == 0 {
                return true
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}
