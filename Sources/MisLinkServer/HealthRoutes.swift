import Firebird
import Foundation
import Hummingbird
import MisLinkIntake
import Prometheus

/// `GET /health` (the process answers), `GET /ready` (the database answers a ping and the intake is
/// writing to it rather than to the spool; reports the backlog)
/// and `GET /metrics` (Prometheus text format).
struct HealthRoutes {
    let pool: FirebirdPool
    let intake: IntakePipeline
    let registry: PrometheusCollectorRegistry

    struct Health: Codable, ResponseEncodable {
        var status: String
    }

    struct Readiness: Codable, ResponseEncodable {
        var ready: Bool
        var database: String
        var spoolBacklog: Int
        var pending: Int
        var error: String?
    }

    func add(to router: Router<WorkerRequestContext>) {
        router.get("health") { _, _ in Health(status: "ok") }
        router.get("ready") { _, _ in
            let status = intake.status
            do {
                try await withDeadline(.seconds(3)) { try await pool.withConnection { try await $0.ping() } }
                guard status.databaseAvailable else { throw IntakeUnavailable(reason: "the intake cannot write to the database; events are spooled") }
                let readiness = Readiness(ready: true, database: "up", spoolBacklog: status.spoolBacklog, pending: status.pending)
                return try Response.json(readiness)
            } catch {
                let readiness = Readiness(ready: false, database: "down", spoolBacklog: status.spoolBacklog,
                                          pending: status.pending, error: String(describing: error).prefix(300).description)
                return try Response.json(readiness, status: .serviceUnavailable)
            }
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
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
