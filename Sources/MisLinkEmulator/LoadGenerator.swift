import Foundation
import Histogram
import MisLinkHTTP
import Synchronization

/// The settings of a load run.
public struct LoadOptions: Sendable {
    /// Webhooks per second, all kinds together. Defaults to 1000.
    public var rate: Double
    /// Seconds to generate. Defaults to 10.
    public var duration: Double
    /// Calls and threads in progress at once. Defaults to 100.
    public var concurrent: Int
    /// Fraction of webhooks delivered twice. Defaults to 0.
    public var duplicates: Double
    /// Fraction of webhooks swapped with the next one of the same call (out-of-order). Defaults to 0.
    public var reorder: Double
    /// Fraction of conversations that are chats (Chatwoot or edna) rather than calls. Defaults to 0.2.
    public var chatShare: Double
    /// Fraction of the chats that are edna Bot Connect threads rather than Chatwoot conversations. Defaults to 0.5.
    public var ednaShare: Double
    /// Seconds added to every epoch field (10800 emulates "UTC+3" epochs, UNVERIFIED). Defaults to 0.
    public var timestampOffset: Int

    /// Makes options; see each field for its default.
    public init(rate: Double = 1000, duration: Double = 10, concurrent: Int = 100, duplicates: Double = 0,
                reorder: Double = 0, chatShare: Double = 0.2, ednaShare: Double = 0.5, timestampOffset: Int = 0) {
        self.ednaShare = ednaShare
        self.timestampOffset = timestampOffset
        self.rate = rate
        self.duration = duration
        self.concurrent = concurrent
        self.duplicates = duplicates
        self.reorder = reorder
        self.chatShare = chatShare
    }
}

/// The figures of a load run.
public struct LoadReport: Sendable {
    /// Webhooks sent (duplicates included).
    public var sent: Int
    /// Answered 2xx.
    public var acknowledged: Int
    /// Answered otherwise, or not at all.
    public var failed: Int
    /// Seconds from the first send to the last answer.
    public var elapsed: Double
    /// Acknowledgement latency in microseconds.
    public var latency: Histogram<UInt64>
    /// Every call and thread the run created, with its final state.
    public var expected: [ExpectedObject]

    /// `objects: N (calls …, chatwoot threads …, edna threads …)`.
    public var objectsLine: String {
        let calls = expected.filter { $0.kind == "call" }.count
        let chatwoot = expected.filter { $0.kind == "thread" && $0.platform == "chatwoot" }.count
        let edna = expected.filter { $0.kind == "thread" && $0.platform == "edna" }.count
        return "objects: \(expected.count) (calls \(calls), chatwoot threads \(chatwoot), edna threads \(edna))"
    }

    /// Acknowledged webhooks per second.
    public var throughput: Double { elapsed > 0 ? Double(acknowledged) / elapsed : 0 }

    /// `p50 … p90 … p99 … max …` in milliseconds.
    public var latencyLine: String {
        func ms(_ us: UInt64) -> String { String(format: "%.2f", Double(us) / 1000) }
        return "p50 \(ms(latency.valueAtPercentile(50))) ms, p90 \(ms(latency.valueAtPercentile(90))) ms, "
            + "p99 \(ms(latency.valueAtPercentile(99))) ms, max \(ms(latency.max)) ms"
    }
}

/// Generates realistic calls and chats from the shipped scenarios and sends them over many connections.
public struct LoadGenerator: Sendable {
    /// The scenarios calls are drawn from (weights by repetition).
    public static let callScenarios = [
        "inbound-answered", "inbound-answered", "inbound-answered", "inbound-missed-ring-all", "abandoned-in-ivr",
        "hidden-caller-id", "internal-call", "blind-transfer", "consultative-transfer", "return-blind",
        "outbound-callback-answered", "outbound-callback-not-answered", "recording-completed-added",
    ]
    /// The scenarios Chatwoot chats are drawn from.
    public static let chatScenarios = [
        "chatwoot-closed-by-operator", "chatwoot-released-then-picked-up", "chatwoot-emoji-messages",
    ]
    /// The scenarios edna chats are drawn from: a thread's first Bot Connect `MESSAGE`s from a client. Their
    /// `edna_thread` steps (states in the fake edna API) are left out, so every edna thread ends `open`.
    public static let ednaScenarios = [
        "edna-new-thread-messages", "edna-new-thread-messages", "edna-known-patient-whatsapp", "edna-unknown-client-telegram",
    ]

    /// Delivers the webhooks; its client's lane count is the number of connections.
    public var sender: WebhookSender
    /// The settings.
    public var options: LoadOptions

    /// Makes a generator.
    public init(sender: WebhookSender, options: LoadOptions) {
        self.sender = sender
        self.options = options
    }

    /// Runs the load; `progress` is called about once a second with a one-line status.
    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> LoadReport {
        let library = ScenarioLibrary()
        var templates: [String: Scenario] = [:]
        for name in Set(Self.callScenarios + Self.chatScenarios + Self.ednaScenarios) { templates[name] = try library.load(name) }
        let stats = LoadStatsBox()
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int(options.duration * 1000))
        let interval = Duration.nanoseconds(Int64(1_000_000_000 / max(options.rate, 0.001)))
        var active: [Conversation] = []
        var expected: [ExpectedObject] = []
        var serial = 0
        var rng = SystemRandomNumberGenerator()
        let maxInFlight = max(64, sender.client.configuration.maxConcurrentRequests * 4)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var last = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    let snapshot = stats.mutex.withLock { $0 }
                    let elapsed = Double((ContinuousClock.now - start).components.seconds)
                    progress(String(format: "t=%3.0fs sent %d (%d/s) ok %d failed %d in-flight %d p99 %.2f ms",
                                    elapsed, snapshot.sent, snapshot.sent - last, snapshot.acknowledged, snapshot.failed,
                                    snapshot.inFlight, Double(snapshot.latency.valueAtPercentile(99)) / 1000))
                    last = snapshot.sent
                }
            }
            var next = start
            var inFlight = 0
            while ContinuousClock.now < end {
                while active.count < options.concurrent {
                    serial += 1
                    let (conversation, object) = try makeConversation(serial: serial, templates: templates, rng: &rng)
                    active.append(conversation)
                    expected.append(object)
                }
                let index = Int.random(in: 0..<active.count, using: &rng)
                var step = active[index].steps.removeFirst()
                if !active[index].steps.isEmpty, Double.random(in: 0..<1, using: &rng) < options.reorder {
                    swap(&step, &active[index].steps[0])
                }
                if active[index].steps.isEmpty { active.remove(at: index) }
                let duplicate = Double.random(in: 0..<1, using: &rng) < options.duplicates
                let chosen = step
                for copy in duplicate ? [false, true] : [false] {
                    inFlight = stats.mutex.withLock { $0.inFlight }
                    if inFlight >= maxInFlight { _ = try await group.next() }
                    stats.mutex.withLock { $0.sent += 1; $0.inFlight += 1 }
                    group.addTask { [sender] in
                        let delivery: Delivery
                        switch chosen {
                        case .mango(let path, let json): delivery = await sender.sendMango(path: path, json: json.compactText, isDuplicate: copy)
                        case .chat(let platform, let json): delivery = await sender.sendChat(platform: platform, json: json.compactText, isDuplicate: copy)
                        default: return
                        }
                        stats.mutex.withLock { $0.complete(delivery) }
                    }
                }
                next = next + interval
                if next > ContinuousClock.now { try await Task.sleep(until: next) }
            }
            // Finish the conversations in progress so every expected object reaches its final state.
            for conversation in active {
                for step in conversation.steps {
                    stats.mutex.withLock { $0.sent += 1; $0.inFlight += 1 }
                    group.addTask { [sender] in
                        let delivery: Delivery
                        switch step {
                        case .mango(let path, let json): delivery = await sender.sendMango(path: path, json: json.compactText)
                        case .chat(let platform, let json): delivery = await sender.sendChat(platform: platform, json: json.compactText)
                        default: return
                        }
                        stats.mutex.withLock { $0.complete(delivery) }
                    }
                }
            }
            while stats.mutex.withLock({ $0.inFlight }) > 0 { try await Task.sleep(for: .milliseconds(10)) }
            group.cancelAll()
        }
        let final = stats.mutex.withLock { $0 }
        let elapsed = ContinuousClock.now - start
        return LoadReport(
            sent: final.sent, acknowledged: final.acknowledged, failed: final.failed,
            elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            latency: final.latency, expected: expected)
    }

    /// The first conversation id of this run: seconds since the epoch (mod 10⁶) × 10⁷.
    private let runBase = (Int(Date().timeIntervalSince1970) % 1_000_000) * 10_000_000

    private func makeConversation(serial: Int, templates: [String: Scenario], rng: inout SystemRandomNumberGenerator)
        throws -> (Conversation, ExpectedObject)
    {
        let isChat = Double.random(in: 0..<1, using: &rng) < options.chatShare
        let isEdna = isChat && Double.random(in: 0..<1, using: &rng) < options.ednaShare
        let name = (isEdna ? Self.ednaScenarios : isChat ? Self.chatScenarios : Self.callScenarios).randomElement(using: &rng)!
        // Ids unique per run too, so a second run against the same database never meets the first one's threads.
        let base = runBase + serial * 10
        var variables = [
            "client": "7916\(String(format: "%07d", serial % 10_000_000))", "conv": String(base),
            "contact": String(base), "command_id": "load-\(serial)", "thread": String(base), "edna_client": String(base),
        ]
        for k in 1...3 { variables["m\(k)"] = String(base + k) }
        let steps = try templates[name]!.render(
            variables: variables, start: Int(Date().timeIntervalSince1970) + options.timestampOffset).filter {
            if case .mango = $0 { return true }
            if case .chat = $0 { return true }
            return false
        }
        let entry = steps.lazy.compactMap { step -> String? in
            if case .mango(_, let json) = step { return json["entry_id"]?.stringValue }
            return nil
        }.first ?? ""
        let object = Self.expectedObject(scenario: name, isChat: isChat, isEdna: isEdna, id: String(base), entry: entry)
        return (Conversation(steps: steps), object)
    }

    /// What a conversation drawn from `scenario` leaves in MisLink: a thread by `id` (edna threads end
    /// open), or a call by its `entry` id in the scenario's final state.
    public static func expectedObject(scenario: String, isChat: Bool, isEdna: Bool, id: String, entry: String) -> ExpectedObject {
        if isEdna { return ExpectedObject(kind: "thread", id: id, platform: "edna", finalState: "open") }
        if isChat {
            return ExpectedObject(kind: "thread", id: id, platform: "chatwoot",
                                  finalState: scenario == "chatwoot-closed-by-operator" ? "resolved" : "open")
        }
        return ExpectedObject(kind: "call", id: entry, platform: "mango", finalState: finalState(of: scenario))
    }

    public static func finalState(of scenario: String) -> String {
        switch scenario {
        case "inbound-missed-ring-all": return "missed"
        case "abandoned-in-ivr": return "abandoned"
        case "outbound-callback-not-answered": return "not_reached"
        default: return "answered"
        }
    }
}

final class LoadStatsBox: Sendable {
    let mutex = Mutex(LoadStats())
}

struct Conversation {
    var steps: [RenderedStep]
}

struct LoadStats {
    var sent = 0
    var acknowledged = 0
    var failed = 0
    var inFlight = 0
    var latency = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)

    mutating func complete(_ delivery: Delivery) {
        inFlight -= 1
        if let status = delivery.status, (200..<300).contains(status) {
            acknowledged += 1
            _ = latency.record(max(1, delivery.latencyNanoseconds / 1000))
        } else {
            failed += 1
        }
    }
}
