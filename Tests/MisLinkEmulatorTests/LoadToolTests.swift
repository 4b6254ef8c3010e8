import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

/// The load tool (`mislink emulate load`) against the in-process receiver (`mislink emulate receive`):
/// counts, not speed.
@Suite struct LoadToolTests {
    func generator(_ receiver: LoadReceiverServer, _ options: LoadOptions, credentials: MangoCredentials = testCredentials)
        -> LoadGenerator
    {
        LoadGenerator(
            sender: WebhookSender(
                client: HTTPClient(configuration: .init(maxConcurrentRequests: 4)), credentials: credentials,
                targets: WebhookTargets(target: receiver.baseURL)),
            options: options)
    }

    @Test func closedLoopDeliversEveryWebhookOnceAndDuplicatesAsConfigured() async throws {
        let receiver = LoadReceiver(credentials: testCredentials)
        let server = try await receiver.start()
        defer { Task { await server.stop() } }
        let report = try await generator(
            server, LoadOptions(concurrent: 50, duplicates: 0.2, reorder: 0.1, closedLoopEvents: 3_000, connections: 8)
        ).run()

        #expect(report.openLoopRate == nil)
        #expect(report.failed == 0)
        #expect(report.acknowledged == report.sent)
        // 3,000 requests (a duplicate is two), then the ones that finish the conversations in progress.
        #expect(report.sent >= 3_000)
        #expect(report.sent == report.distinct + report.duplicatesSent)
        // 20% of 2,500+ drawn at random: far outside 14%…26% only by a broken generator.
        let share = Double(report.duplicatesSent) / Double(report.distinct)
        #expect(share > 0.14 && share < 0.26, "duplicate share \(share)")
        #expect(report.kinds.reduce(0) { $0 + $1.acknowledged } == report.acknowledged)
        #expect(Set(report.kinds.map(\.name)).isSuperset(of: ["events/call", "events/summary"]))

        let check = receiver.check(run: report.runID, events: report.distinct)
        #expect(check.received == report.sent)
        #expect(check.lost == 0)
        #expect(check.duplicated == 0)
        #expect(check.unexpected == 0)
        #expect(check.badSignature == 0)
        #expect(receiver.received.requests == report.sent)

        // The CLI's check over HTTP answers the same.
        let remote = try #require(try await ReceiverLoadCheck(baseURL: server.baseURL).check(report))
        #expect(remote.received == check.received && remote.lost == 0 && remote.duplicated == 0 && remote.unexpected == 0)
        #expect(remote.cpuSeconds != nil && check.cpuSeconds == nil)
    }

    @Test func openLoopKeepsToTheScheduleAtAModestRate() async throws {
        let receiver = LoadReceiver(credentials: testCredentials)
        let server = try await receiver.start()
        defer { Task { await server.stop() } }
        let start = ContinuousClock.now
        let report = try await generator(
            server, LoadOptions(rate: 400, duration: 1.5, concurrent: 20, duplicates: 0.1, connections: 4)
        ).run()
        let wall = ContinuousClock.now - start

        #expect(report.openLoopRate == 400)
        #expect(report.failed == 0 && report.acknowledged == report.sent)
        #expect(report.sent >= 600)
        // The last webhook is due (sent - 1) / 400 s after the start: the run cannot end sooner, whatever the
        // machine; it does not send ahead of the schedule.
        #expect(report.elapsed >= Double(report.sent - 1) / 400 * 0.99, "\(report.sent) sends in \(report.elapsed) s")
        #expect(wall < .seconds(60))
        let check = receiver.check(run: report.runID, events: report.distinct)
        #expect(check.received == report.sent && check.lost == 0 && check.duplicated == 0)
    }

    @Test func theReceiverCountsLostRepeatedAndBadlySignedWebhooks() async throws {
        let receiver = LoadReceiver(credentials: testCredentials)
        let server = try await receiver.start()
        defer { Task { await server.stop() } }
        let client = HTTPClient()
        func post(seq: Int, copies: Int, credentials: MangoCredentials = testCredentials) async throws -> Int {
            let form = MangoSignedForm(json: #"{"entry_id":"E\#(seq)","seq":1}"#, credentials: credentials)
            return try await client.execute(
                .form("\(server.baseURL)/mango/events/call", fields: form.fields,
                      headers: [(LoadGenerator.sequenceHeader, "r1/\(seq)/\(copies)")])).status
        }
        #expect(try await post(seq: 0, copies: 1) == 200)
        #expect(try await post(seq: 1, copies: 2) == 200)
        #expect(try await post(seq: 1, copies: 2) == 200)
        #expect(try await post(seq: 2, copies: 1) == 200)
        #expect(try await post(seq: 2, copies: 1) == 200)  // once too often
        #expect(try await post(seq: 4, copies: 1, credentials: MangoCredentials(apiKey: "test-key", apiSalt: "wrong")) == 401)
        #expect(try await post(seq: 9, copies: 1) == 200)  // beyond the run's 5 webhooks
        let check = receiver.check(run: "r1", events: 5)
        // 3 never came; 4 came badly signed (counted as arrived, and as a bad signature).
        let counts: [Int] = [check.received, check.lost, check.duplicated, check.unexpected, check.badSignature]
        #expect(counts == [7, 1, 1, 1, 1])
        #expect(receiver.check(run: "other", events: 2).lost == 2)
    }
}
