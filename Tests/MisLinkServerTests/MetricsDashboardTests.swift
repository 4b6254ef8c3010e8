import Firebird
import Foundation
import Logging
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkOutbound
import MisLinkServer
import MisLinkTestSupport
import Testing

/// `/metrics` against the shipped Grafana dashboard: a worker takes webhooks (new, duplicate, refused),
/// a command goes to the fake PBX through the dispatcher, a card reaches a console stream; then every
/// metric the dashboard's queries name is exported, and the figures moved with the traffic.
@Suite struct MetricsDashboardTests {
    /// The metric names in the dashboard's `expr` strings.
    static func dashboardMetricNames() throws -> Set<String> {
        let url = ClinicDatabase.repository.appendingPathComponent("grafana/mislink-dashboard.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var expressions: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let expr = object["expr"] as? String { expressions.append(expr) }
                object.values.forEach(walk)
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(dashboard["panels"] ?? [])
        let pattern = try NSRegularExpression(pattern: "\\bmislink_[a-z0-9_]+")
        var names = Set<String>()
        for expr in expressions {
            for match in pattern.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                names.insert(String(expr[Range(match.range, in: expr)!]))
            }
        }
        return names
    }

    /// Samples of a scrape: `name{labels}` → value.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space]), default: 0] += value
        }
        return samples
    }

    /// The sample names of a scrape.
    static func names(_ samples: [String: Double]) -> Set<String> {
        Set(samples.keys.map { String($0.prefix { $0 != "{" }) })
    }

    /// The sum of the samples of `name` whose labels contain every one of `labels` (`key="value"`).
    static func value(_ samples: [String: Double], _ name: String, _ labels: [String] = []) -> Double {
        samples.filter { key, _ in
            (key == name || key.hasPrefix(name + "{")) && labels.allSatisfy { key.contains($0) }
        }.values.reduce(0, +)
    }

    @Test func everyMetricTheDashboardQueriesIsExportedAndMovesWithTraffic() async throws {
        let used = try Self.dashboardMetricNames()
        #expect(used.count >= 20, "\(used)")

        // The fake PBX on a port chosen first, so that the worker is started with its base URL (and names it
        // "mango" for the API metrics) and the PBX notifies the worker.
        let pbxPort = LocalPort.free()
        let harness = try await WorkerHarness.start(label: "metrics", configure: {
            $0.mango.baseURL = "http://127.0.0.1:\(pbxPort)/vpbx"
        })
        let pbx = FakePBX(configuration: FakePBXConfiguration(
            credentials: WorkerHarness.credentials, webhooks: WebhookTargets(target: harness.worker.baseURL)))
        let pbxServer = try await RunningServer.start(router: pbx.router(), port: pbxPort)
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        try await TelephonyTests.clinic(harness)
        let before = Self.samples(try await harness.api("/metrics", token: nil).text)

        // Operator 901 (extension 101) signed in with the console's stream open, so that a new card is pushed to someone.
        try await harness.execute(["UPDATE STAFF SET MIS_LOGIN = 'ivanova', PASSWORD_HASH = '\(ConsoleAuthTests.demoHash)' WHERE ID = 901"])
        let stream = try await OperatorConsoleTests.stream(harness, try await OperatorConsoleTests.session(harness, "ivanova"))
        defer { stream.disconnect() }

        // Webhooks: a new event (a card for 101), the same again (a duplicate), a wrong signature, a wrong chat secret.
        let json = callEvent(entry: "MX1", call: "MX1-1", seq: 1, state: "Appeared", timestamp: Int(Date().timeIntervalSince1970))
        #expect(try await harness.mango("events/call", json: json).status == 200)
        #expect(try await harness.mango("events/call", json: json).status == 200)
        let wrong = MangoCredentials(apiKey: WorkerHarness.credentials.apiKey, apiSalt: "not-the-salt")
        #expect(try await harness.mango("events/call", json: json, credentials: wrong).status == 401)
        let refused = try await harness.client.execute(.json("\(harness.worker.baseURL)/chatwoot/webhook/wrong-secret", body: Data("{}".utf8)))
        #expect(refused.status == 401)
        #expect(await stream.next("card") != nil, "no card was pushed for the ringing call")

        // A click-to-call through the REST API, sent to the fake PBX by the dispatcher.
        let created = try await harness.client.execute(.json(
            "\(harness.worker.baseURL)/api/v1/commands", body: Data(#"{"kind":"call","staff_id":901,"target":"79031234567"}"#.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require((try JSONSerialization.jsonObject(with: created.body) as? [String: Any])?["id"] as? Int)
        #expect(try await harness.api("/api/v1/commands/\(id)").status == 200)
        let dispatcher = OutboundDispatcher(
            settings: harness.settings, profile: try Worker(settings: harness.settings).loadProfile(),
            firebird: FirebirdConfiguration(database: harness.settings.database.dsn), httpClient: harness.client,
            logger: Logger(label: "test.outbound"))
        #expect(try await dispatcher.drainOnce() == 1)

        // Scrape until the card's push is counted (the hub reads on the card's event, or within 5 s).
        var after: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            after = Self.samples(try await harness.api("/metrics", token: nil).text)
            let cardsPushed = Self.value(after, "mislink_card_push_latency_seconds_count") - Self.value(before, "mislink_card_push_latency_seconds_count")
            if cardsPushed >= 1 && Self.names(after).isSuperset(of: used) { break }
            try await Task.sleep(for: .milliseconds(250))
        } while ContinuousClock.now < deadline

        let exported = Self.names(after)
        for name in used.sorted() {
            #expect(exported.contains(name), "the dashboard queries \(name), which /metrics does not export")
        }
        func moved(_ name: String, _ labels: [String] = [], by at: Double = 1, sourceLocation: SourceLocation = #_sourceLocation) {
            let delta = Self.value(after, name, labels) - Self.value(before, name, labels)
            #expect(delta >= at, "\(name) \(labels) moved by \(delta)", sourceLocation: sourceLocation)
        }
        // Counts by route pattern, never by the raw path (the command's id is not in any route label).
        moved("mislink_http_requests_total", [#"route="/api/v1/commands""#, #"method="POST""#, #"status="201""#])
        moved("mislink_http_requests_total", [#"route="/api/v1/commands/{id}""#, #"status="200""#])
        #expect(!after.keys.contains { $0.contains("/api/v1/commands/\(id)") })
        moved("mislink_http_request_duration_seconds_count", [#"route="/api/v1/commands""#])
        moved("mislink_webhooks_total", [#"source="mango""#, #"outcome="duplicate""#])
        moved("mislink_webhooks_total", [#"source="mango""#], by: 2)
        moved("mislink_webhooks_rejected_total", [#"source="mango""#, #"reason="unauthorized""#])
        moved("mislink_webhooks_rejected_total", [#"source="chatwoot""#, #"status="401""#])
        moved("mislink_external_api_requests_total", [#"api="mango""#, #"outcome="2xx""#])
        moved("mislink_external_api_request_duration_seconds_count", [#"api="mango""#])
        moved("mislink_outbound_sent_total", [#"kind="command""#])
        moved("mislink_db_pool_wait_seconds_count")
        moved("mislink_card_push_latency_seconds_count")
        #expect(Self.value(after, "mislink_card_subscribers") >= 1)
        #expect(Self.value(after, "mislink_db_pool_max_connections") == Double(max(1, harness.settings.database.poolSize)))
        #expect(Self.value(after, "mislink_intake_database_available") == 1)
        // The p99 of what the worker measured is finite: every request landed in a bucket below +Inf's count.
        let webhookCount = Self.value(after, "mislink_http_request_duration_seconds_count", [#"route="/mango/**""#])
        #expect(webhookCount >= 3)
    }
}
