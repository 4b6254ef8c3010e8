import Foundation
import Histogram
import MisLinkHTTP


/// The settings of a load run.
///
/// A run is open-loop by default: `rate × duration` requests, a duplicate's copies included (plus the ones
/// that finish the conversations in progress, about `concurrent × 3`), request `i` due at `i / rate` seconds after the start whether or not the earlier ones
/// were answered, and its latency counted from that due time, so a slow server cannot hide its queueing.
/// With ``closedLoopEvents`` it is closed-loop instead: that many webhooks, each connection sending its
/// next one as soon as the previous is answered (the maximum throughput).
public struct LoadOptions: Sendable {
    /// Requests per second, all kinds and a duplicate's copies together (open loop). Defaults to 1000.
    public var rate: Double
    /// Seconds to generate (open loop). Defaults to 10.
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
    /// When set, a closed-loop run of this many requests (before the conversations' finishing ones) at
    /// the fastest pace the connections allow; ``rate`` and ``duration`` are then unused. Defaults to `nil`.
    public var closedLoopEvents: Int?
    /// Keep-alive connections. Defaults to `nil`: the sender's client's ``HTTPClient/Configuration/maxConcurrentRequests``.
    public var connections: Int?
    /// Event-loop threads of the client. Defaults to 1.
    public var threads: Int
    /// A request unanswered this long fails (its connection is closed and made again). Defaults to 30 s.
    public var timeout: Duration
    /// An open-loop send later than this after its due time counts as behind schedule. Defaults to 1 ms.
    public var lateThreshold: Duration

    /// Makes options; see each field for its default.
    public init(rate: Double = 1000, duration: Double = 10, concurrent: Int = 100, duplicates: Double = 0,
                reorder: Double = 0, chatShare: Double = 0.2, ednaShare: Double = 0.5, timestampOffset: Int = 0,
                closedLoopEvents: Int? = nil, connections: Int? = nil, threads: Int = 1,
                timeout: Duration = .seconds(30), lateThreshold: Duration = .milliseconds(1)) {
        self.ednaShare = ednaShare
        self.timestampOffset = timestampOffset
        self.rate = rate
        self.duration = duration
        self.concurrent = concurrent
        self.duplicates = duplicates
        self.reorder = reorder
        self.chatShare = chatShare
        self.closedLoopEvents = closedLoopEvents
        self.connections = connections
        self.threads = threads
        self.timeout = timeout
        self.lateThreshold = lateThreshold
    }
}

/// The figures of a load run.
public struct LoadReport: Sendable {
    /// The figures of one kind of webhook (`events/call`, `events/summary`, `chatwoot`, `edna`, …).
    public struct Kind: Sendable {
        /// The kind: the Mango notification path, or the chat platform.
        public var name: String
        /// Answered 2xx.
        public var acknowledged: Int
        /// Answered otherwise, or not at all.
        public var failed: Int
        /// Acknowledgement latency in microseconds.
        public var latency: Histogram<UInt64>
    }

    /// Webhooks sent (duplicates included).
    public var sent: Int
    /// Answered 2xx.
    public var acknowledged: Int
    /// Answered otherwise, or not at all.
    public var failed: Int
    /// Seconds from the start of the clock to the last answer.
    public var elapsed: Double
    /// Acknowledgement latency in microseconds: from the send (closed loop) or from the due time (open loop).
    public var latency: Histogram<UInt64>
    /// Every call and thread the run created, with its final state.
    public var expected: [ExpectedObject]
    /// The figures per kind of webhook, the most frequent first.
    public var kinds: [Kind] = []
    /// `nil` for a closed-loop run; else the fixed arrival rate (webhooks per second).
    public var openLoopRate: Double?
    /// Open loop: sends that left later than ``LoadOptions/lateThreshold`` after their due time.
    public var behindSchedule = 0
    /// Open loop: the largest delay of a send after its due time, in microseconds.
    public var maxLagMicroseconds: UInt64 = 0
    /// The run id of the `mislink-load` header (``LoadGenerator/sequenceHeader``).
    public var runID = ""
    /// Distinct webhooks: ``sent`` less the deliberate second copies.
    public var distinct = 0
    /// Webhooks sent twice on purpose.
    public var duplicatesSent = 0
    /// Seconds spent rendering, signing and encoding the webhooks before the clock started.
    public var preparation: Double = 0
    /// CPU seconds (user and system) the load tool's process used while the clock ran.
    public var cpuSeconds: Double = 0
    /// Open loop: latency in microseconds from the actual send, the server's part without the wait for a
    /// free connection (``latency`` counts from the due time).
    public var serviceLatency: Histogram<UInt64>?

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
    public var latencyLine: String { Self.latencyLine(latency) }

    /// One line per kind: `  events/call  12345 ok, 0 failed, 4567/s, p50 … ms, p90 …, p99 …, max …`.
    public var kindLines: [String] {
        let width = kinds.map(\.name.count).max() ?? 0
        return kinds.map { kind in
            let rate = elapsed > 0 ? Double(kind.acknowledged) / elapsed : 0
            return "  " + kind.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: " %7d ok, %d failed, %6.0f/s, ", kind.acknowledged, kind.failed, rate) + Self.latencyLine(kind.latency)
        }
    }

    /// `open loop at R/s: N of M sends behind schedule (> 1 ms late), max lag … ms`, or `closed loop`.
    public var pacingLine: String {
        guard let openLoopRate else { return "closed loop (each connection sends when its previous webhook is answered)" }
        return String(format: "open loop at %.0f/s: %d of %d sends behind schedule, max lag %.2f ms",
                      openLoopRate, behindSchedule, sent, Double(maxLagMicroseconds) / 1000)
    }

    /// `load tool: 2.1 CPU-s in 7.4 s (0.28 of a core), 21 µs per webhook`: whether the tool itself was busy.
    public var cpuLine: String {
        String(format: "load tool: %.1f CPU-s in %.1f s (%.2f of a core), %.1f µs per webhook", cpuSeconds, elapsed,
               elapsed > 0 ? cpuSeconds / elapsed : 0, sent > 0 ? cpuSeconds / Double(sent) * 1e6 : 0)
    }

    /// `p50 … ms, p90 … ms, p99 … ms, max … ms` of a histogram in microseconds.
    public static func latencyLine(_ latency: Histogram<UInt64>) -> String {
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
    ///
    /// Every webhook is rendered, signed and encoded first; then the clock starts and the requests go out
    /// over keep-alive connections (``LoadOptions/connections``) on SwiftNIO event loops.
    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> LoadReport {
        guard let endpoint = LoadEndpoint(url: sender.targets.target) else {
            throw EmulatorError("the load tool sends plain HTTP/1.1: \(sender.targets.target) is not an http:// URL")
        }
        let preparing = ContinuousClock.now
        let count = options.closedLoopEvents ?? Int((options.rate * options.duration).rounded())
        let plan = try makePlan(count: max(0, count))
        let preparation = ContinuousClock.now - preparing
        let pacing: LoadPacing = options.closedLoopEvents == nil ? .open(rate: options.rate) : .closed
        let engine = LoadEngine(
            plan: plan, endpoint: endpoint, pacing: pacing, threads: options.threads, timeout: options.timeout,
            late: options.lateThreshold)
        let reporter = Task {
            var last = 0
            var seconds = 0
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                seconds += 1
                let sent = engine.sent.load(ordering: .relaxed)
                progress(String(format: "t=%3ds sent %d (%d/s) ok %d failed %d of %d", seconds, sent, sent - last,
                                engine.acknowledged.load(ordering: .relaxed), engine.failed.load(ordering: .relaxed),
                                plan.events.count))
                last = sent
            }
        }
        defer { reporter.cancel() }
        let (figures, start) = try await engine.run(
            connections: max(1, options.connections ?? sender.client.configuration.maxConcurrentRequests))
        var total = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        var kinds: [LoadReport.Kind] = []
        for (index, name) in plan.kinds.enumerated() {
            total.add(figures.latency[index])
            kinds.append(LoadReport.Kind(
                name: name, acknowledged: figures.acknowledged[index], failed: figures.failed[index], latency: figures.latency[index]))
        }
        kinds.sort { ($0.acknowledged + $0.failed, $1.name) > ($1.acknowledged + $1.failed, $0.name) }
        let acknowledged = figures.acknowledged.reduce(0, +)
        let failed = figures.failed.reduce(0, +)
        var report = LoadReport(
            sent: engine.sent.load(ordering: .relaxed), acknowledged: acknowledged, failed: failed,
            elapsed: Double(figures.lastCompletion > start ? figures.lastCompletion - start : 0) / 1e9,
            latency: total, expected: plan.expected)
        report.kinds = kinds
        report.openLoopRate = options.closedLoopEvents == nil ? options.rate : nil
        report.behindSchedule = figures.behindSchedule
        report.maxLagMicroseconds = figures.maxLagNanoseconds / 1000
        report.runID = plan.runID
        report.distinct = plan.distinct
        report.duplicatesSent = plan.duplicated
        report.cpuSeconds = figures.cpuSeconds
        report.serviceLatency = options.closedLoopEvents == nil ? figures.service : nil
        report.preparation = Double(preparation.components.seconds) + Double(preparation.components.attoseconds) / 1e18
        return report
    }

    /// The first conversation id of this run: seconds since the epoch (mod 10⁶) × 10⁷.
    let runBase = (Int(Date().timeIntervalSince1970) % 1_000_000) * 10_000_000

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

/// A conversation's webhooks still to send.
struct Conversation {
    var steps: [RenderedStep]
}
