import Firebird
import Foundation
import Hummingbird
import MisLinkIntake
import Prometheus

/// `GET /health` (the process answers), `GET /ready` (the database answers a ping and the intake is
/// writing to it rather than to the spool; reports the backlog)
/// and `GET /metrics` (Prometheus text format: the process's swift-metrics registry, its request and API
/// histograms, and this worker's figures read when scraped, ``WorkerMetrics``; README's "Metrics" lists them).
struct HealthRoutes {
    let pool: FirebirdPool
    let intake: IntakePipeline
    let registry: PrometheusCollectorRegistry
    let metrics: WorkerMetrics

    struct Health: Codable, ResponseEncodable {
        var status: String
    }

    struct Readiness: Codable, ResponseEncodable {
        var ready: Bool
        /// `up` when the database answers a ping, else `down`.
        var database: String
        /// `writing` (directly), `replaying` (the spool, the database up) or `spooling` (the database down).
        var intake: String
        var spoolBacklog: Int
        var spoolBytes: Int64
        var pending: Int
        var error: String?
    }

    func add(to router: Router<WorkerRequestContext>) {
        router.get("health") { _, _ in Health(status: "ok") }
        router.get("ready") { _, _ in
            // "database" is what a ping says, nothing else: a poison event or a spool backlog never
            // makes the database look down. Ready means the database answers and the intake writes to it.
            let status = intake.status
            var database = "up"
            var error: String?
            do {
                try await withDeadline(.seconds(3)) { try await pool.withConnection { try await $0.ping() } }
            } catch let failure {
                database = "down"
                error = String(describing: failure).prefix(300).description
            }
            let intakeState = status.databaseAvailable && status.spoolBacklog == 0 ? "writing"
                : (status.databaseAvailable ? "replaying" : "spooling")
            let ready = database == "up" && status.databaseAvailable
            if ready == false, error == nil {
                error = "the intake has not written to the database since its last failure; events are spooled"
            }
            let readiness = Readiness(ready: ready, database: database, intake: intakeState, spoolBacklog: status.spoolBacklog,
                                      spoolBytes: status.spoolBytes, pending: status.pending, error: error)
            return try Response.json(readiness, status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            var text = PrometheusText()
            HTTPRequestMetrics.shared.emit(into: &text)
            ExternalAPIMetrics.shared.emit(into: &text)
            await metrics.emit(into: &text)
            var buffer = ByteBuffer(bytes: registry.emitToBuffer())
            buffer.writeString(text.text)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: buffer))
        }
    }
}

/// Runs `body`, giving up with ``DeadlineExceeded`` after `timeout`.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A deadline passed.
struct DeadlineExceeded: Error, CustomStringConvertible {
    var description: String { "no answer in time" }
}
