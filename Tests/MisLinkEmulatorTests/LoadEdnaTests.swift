import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

@Suite struct LoadEdnaTests {
    func load(chatShare: Double, ednaShare: Double, fixture: ScenarioFixture) async throws -> LoadReport {
        let sender = WebhookSender(
            client: HTTPClient(configuration: .init(maxConcurrentRequests: 4)), credentials: testCredentials,
            targets: WebhookTargets(target: fixture.server.baseURL))
        return try await LoadGenerator(
            sender: sender, options: LoadOptions(rate: 200, duration: 1, concurrent: 10, chatShare: chatShare, ednaShare: ednaShare)
        ).run()
    }

    @Test func ednaThreadsAreLoadedAndExpected() async throws {
        let fixture = try await ScenarioFixture.start()
        let report = try await load(chatShare: 1, ednaShare: 0.5, fixture: fixture)
        #expect(report.failed == 0 && report.acknowledged == report.sent, "\(report.sent) sent, \(report.failed) failed")
        let received = await fixture.recorder.wait(for: report.sent, timeout: .seconds(10))
        let edna = report.expected.filter { $0.platform == "edna" }
        let chatwoot = report.expected.filter { $0.platform == "chatwoot" }
        #expect(!edna.isEmpty && !chatwoot.isEmpty && report.expected.allSatisfy { $0.kind == "thread" })
        #expect(edna.allSatisfy { $0.finalState == "open" })
        let messages = try received.filter { $0.path == "edna/webhook" }
            .map { try JSONDecoder().decode(EdnaBotWebhook.self, from: Data($0.body.utf8)) }
        #expect(messages.allSatisfy { $0.action == "MESSAGE" })
        // Every edna thread expected got its messages, and every message belongs to an expected thread.
        #expect(Set(messages.compactMap(\.sessionId)) == Set(edna.map(\.id)))
        #expect(report.objectsLine.contains("edna threads \(edna.count)"))
        #expect(report.objectsLine.contains("chatwoot threads \(chatwoot.count)"))
        await fixture.server.stop()
    }

    @Test func ednaShareZeroAndOne() async throws {
        let fixture = try await ScenarioFixture.start()
        let onlyEdna = try await load(chatShare: 1, ednaShare: 1, fixture: fixture)
        #expect(!onlyEdna.expected.isEmpty && onlyEdna.expected.allSatisfy { $0.platform == "edna" })
        let noEdna = try await load(chatShare: 1, ednaShare: 0, fixture: fixture)
        #expect(!noEdna.expected.isEmpty && noEdna.expected.allSatisfy { $0.platform == "chatwoot" })
        await fixture.server.stop()
    }
}
