import Foundation
import MisLinkEmulator
import MisLinkHTTP
import MisLinkTestSupport
import Testing

@Suite("REST API, health and metrics, checked against the OpenAPI document")
struct APITests {
    @Test func answersMatchTheDocument() async throws {
        let harness = try await WorkerHarness.start(label: "api")
        defer { Task { await harness.stop() } }
        for seq in 1...3 {
            let json = callEvent(entry: "A1", call: "A1-\(seq)", seq: 1, state: "Appeared", timestamp: 1_790_000_000 + seq)
            #expect(try await harness.mango("events/call", json: json).status == 200)
        }

        for path in ["/health", "/ready", "/api/v1/status", "/api/v1/inbox?limit=2", "/api/v1/inbox?status=processed&source=mango",
                     "/api/v1/openapi.json"] {
            let response = try await harness.api(path)
            #expect(response.status == 200, "\(path): \(response.text)")
            expectDocumented("GET", path, response)
        }
        // Keyset paging walks every row once.
        var seen: [Int] = []
        var next: Int? = nil
        repeat {
            let page = try await harness.api("/api/v1/inbox?limit=2" + (next.map { "&before_id=\($0)" } ?? ""))
            let object = try JSONSerialization.jsonObject(with: page.body) as! [String: Any]
            seen += (object["items"] as! [[String: Any]]).map { $0["id"] as! Int }
            next = object["next_before_id"] as? Int
        } while next != nil
        #expect(seen.count == 3 && Set(seen).count == 3 && seen == seen.sorted(by: >))

        for (path, token) in [("/api/v1/status", nil), ("/api/v1/inbox", "wrong")] as [(String, String?)] {
            let refused = try await harness.api(path, token: token)
            #expect(refused.status == 401)
            expectDocumented("GET", path, refused)
        }
        let badStatus = try await harness.api("/api/v1/inbox?status=nope")
        #expect(badStatus.status == 400)

        let verify = try await harness.client.execute(.json(
            "\(harness.worker.baseURL)/api/v1/emulator/verify",
            body: Data(#"{"objects":[{"kind":"call","id":"A1","platform":"mango","finalState":"answered"},{"kind":"call","id":"nope","platform":"mango","finalState":"missed"}]}"#.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(verify.status == 200)
        expectDocumented("POST", "/api/v1/emulator/verify", verify)
        let counts = try JSONSerialization.jsonObject(with: verify.body) as! [String: Any]
        #expect(counts["lost"] as? Int == 1)
        #expect(counts["wrong_state"] as? Int == 1)  // A1 has no summary yet: no result

        // The validator itself refuses what the document does not allow.
        #expect(throws: OpenAPIViolation.self) {
            try openAPI.validate(method: "GET", path: "/health", status: 200, body: Data(#"{"status":5}"#.utf8))
        }
        #expect(throws: OpenAPIViolation.self) {
            try openAPI.validate(method: "GET", path: "/ready", status: 200, body: Data(#"{"ready":"yes","database":"up","spool_backlog":0,"pending":0}"#.utf8))
        }
        #expect(throws: OpenAPIViolation.self) {
            try openAPI.validate(method: "GET", path: "/api/v1/nothing", status: 200, body: Data("{}".utf8))
        }

        let metrics = try await harness.api("/metrics", token: nil)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("mislink_intake_events_total"))
    }
}
