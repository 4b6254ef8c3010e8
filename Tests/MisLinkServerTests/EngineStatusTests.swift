import Firebird
import Foundation
import MisLinkTestSupport
import Testing

/// Issue 18, "know the engine": `GET /api/v1/status` names the Firebird engine and the database's ODS, the
/// same the binding reads (Firebird 3.0 and ODS 12.0 from Debian; 5.0 and 13.1 under scripts/test-fb5).
@Suite("The worker's status names the Firebird engine and the ODS")
struct EngineStatusTests {
    @Test func theStatusNamesTheEngineAndTheODS() async throws {
        let harness = try await WorkerHarness.start(label: "engine")
        defer { Task { await harness.stop() } }
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: harness.settings.database.dsn))
        let server = try await connection.serverInfo()
        try await connection.close()

        let status = try await harness.api("/api/v1/status")
        #expect(status.status == 200, "\(status.text)")
        expectDocumented("GET", "/api/v1/status", status)
        let database = (try JSONSerialization.jsonObject(with: status.body) as? [String: Any])?["database"] as? [String: Any]
        #expect(database?["engine"] as? String == "Firebird \(server.major).\(server.minor).\(server.release)", "\(status.text)")
        #expect(database?["ods"] as? String == server.ods && database?["server_version"] as? String == server.version)
        #expect(server.major >= 3 && server.odsMajor >= 12)
    }
}
