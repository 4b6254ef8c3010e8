import Firebird
import Foundation
import Logging
import MisLinkIntake
import MisLinkStore
import ServiceLifecycle
import Synchronization

/// The figures `/metrics` reads from one worker when it is scraped (the intake's backlog and lag, the
/// pool's use and waits, the cards, the outbox and the commands), beside the process's swift-metrics
/// registry and its atomic request histograms. Nothing here runs per request.
struct WorkerMetrics: Sendable {
    let pool: FirebirdPool
    let intake: IntakePipeline
    let cards: CardHub
    let queues: QueueGauges

    /// This worker's families in the text format.
    func emit(into text: inout PrometheusText) async {
        let status = intake.status
        text.gauge("mislink_spool_backlog_events", help: "Events in the local spool waiting for the database.",
                   [("", Double(status.spoolBacklog))])
        text.gauge("mislink_intake_pending_events", help: "Events submitted to the intake and not yet written.",
                   [("", Double(status.pending))])
        text.gauge("mislink_intake_database_available",
                   help: "1 while the intake writes to the database, 0 while it spools.", [("", status.databaseAvailable ? 1 : 0)])
        text.gauge("mislink_intake_lag_seconds",
                   help: "How long the oldest event not yet written has waited; when none waits, how long the oldest event of the last committed batch waited.",
                   [("", intake.lag.metricsSeconds)])

        let pool = await self.pool.statistics
        text.gauge("mislink_db_pool_connections", help: "Connections of the worker's Firebird pool by state.",
                   [(PrometheusText.labels(["state": "in_use"]), Double(pool.inUse)),
                    (PrometheusText.labels(["state": "idle"]), Double(pool.idle))])
        text.gauge("mislink_db_pool_max_connections", help: "The pool's limit (database.pool_size).", [("", Double(pool.maxConnections))])
        text.gauge("mislink_db_pool_waiters", help: "Leases waiting for a free connection now.", [("", Double(pool.waiters))])
        let waits = pool.waits
        text.family("mislink_db_pool_wait_seconds", "histogram",
                    help: "How long each lease of a pool connection waited for a free one (0 when one was free).")
        let immediate = waits.acquisitions - waits.waited
        text.histogram("mislink_db_pool_wait_seconds", "", bounds: FirebirdPool.WaitStatistics.bounds.map(\.metricsSeconds),
                       cumulative: waits.waitedAtMost.map { $0 + immediate }, count: waits.acquisitions,
                       sum: waits.waitTotal.metricsSeconds)
        text.family("mislink_db_pool_wait_timeouts_total", "counter", help: "Leases that found no free connection in time.")
        text.sample("mislink_db_pool_wait_timeouts_total", "", Double(waits.timeouts))

        text.gauge("mislink_card_subscribers", help: "Console streams (operators and supervisors) receiving live cards.",
                   [("", Double(cards.subscriberCount))])
        text.family("mislink_card_push_latency_seconds", "histogram",
                    help: "From a card's creation (its UPDATED_AT when first read) to its first push to the console streams.")
        text.histogram("mislink_card_push_latency_seconds", "", cards.metrics.latency)

        queues.emit(into: &text)
    }
}

/// The card hub's metrics: the latency of each card's first push.
final class CardMetrics: Sendable {
    let latency = AtomicHistogram(bounds: [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ])
    /// When the hub was made: cards created before (open when the worker started) are not new.
    private let started = Date()

    /// Cards pushed for the first time, written at `writtenAt` (`UPDATED_AT`: a new card's creation, unless
    /// it changed again before the hub read it; `SHOWN_AT` is the PBX's event time, in whole seconds). The
    /// writing worker's clock is assumed to agree with this one's. Cards written before the hub was made are
    /// not counted.
    func pushed(writtenAt: [Date]) {
        let now = Date()
        for written in writtenAt where written >= started {
            latency.record(.milliseconds(Int64(max(0, now.timeIntervalSince(written)) * 1000)))
        }
    }
}

/// The outbox's and the commands' rows still in play, by status and channel, read every
/// ``interval`` (default 15 s) with two indexed `GROUP BY` queries (``QueueCounts``), never per request.
final class QueueGauges: Service, Sendable {
    private let pool: FirebirdPool
    private let interval: Duration
    private let logger: Logger
    private let last = Mutex<(outbox: [QueueCounts.Line], commands: [QueueCounts.Line])?>(nil)

    init(pool: FirebirdPool, interval: Duration = .seconds(15), logger: Logger) {
        self.pool = pool
        self.interval = interval
        self.logger = logger
    }

    /// Reads the counts every `interval` until graceful shutdown.
    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await refresh()
                failing = false
            } catch {
                if !failing { logger.warning("reading the outbox and command counts failed: \(error)") }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }

    /// Reads the counts now.
    func refresh() async throws {
        let counts = try await pool.withTransaction(.readOnly) { tx in
            (outbox: try QueueCounts.outbox(in: tx), commands: try QueueCounts.commands(in: tx))
        }
        last.withLock { $0 = counts }
    }

    func emit(into text: inout PrometheusText) {
        guard let (outbox, commands) = last.withLock({ $0 }) else { return }
        text.gauge("mislink_outbox_rows", help: "Outbox rows still to send (pending, sending) by status and channel.",
                   Self.fill(outbox, statuses: ["pending", "sending"]).map { (Self.labels($0.status, "channel", $0.channel), Double($0.total)) })
        text.gauge("mislink_outbox_retrying_rows", help: "Of the outbox rows still to send, those tried before, by status and channel.",
                   Self.fill(outbox, statuses: ["pending", "sending"]).map { (Self.labels($0.status, "channel", $0.channel), Double($0.retried)) })
        text.gauge("mislink_commands_rows", help: "Commands still in play (new, processing, sent awaiting the PBX) by status and kind.",
                   Self.fill(commands, statuses: ["new", "processing", "sent"]).map { (Self.labels($0.status, "kind", $0.channel), Double($0.total)) })
        text.gauge("mislink_commands_retrying_rows", help: "Of the commands in play, those claimed more than once, by status and kind.",
                   Self.fill(commands, statuses: ["new", "processing", "sent"]).map { (Self.labels($0.status, "kind", $0.channel), Double($0.retried)) })
    }

    private static func labels(_ status: String, _ name: String, _ value: String) -> String {
        "status=\"\(PrometheusText.escape(status))\",\(name)=\"\(PrometheusText.escape(value))\""
    }

    /// The lines read plus a zero line for each status with none, so that an empty queue shows as 0, not as no data.
    private static func fill(_ lines: [QueueCounts.Line], statuses: [String]) -> [QueueCounts.Line] {
        let seen = Set(lines.map(\.status))
        let zeros = statuses.filter { !seen.contains($0) }.map { QueueCounts.Line(status: $0, channel: "", total: 0, retried: 0) }
        return (lines + zeros).sorted { ($0.status, $0.channel) < ($1.status, $1.channel) }
    }
}
