import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkTestSupport
import Testing

@Suite("Webhook intake over HTTP into Firebird")
struct IntakeTests {
    @Test func refusedWebhooksStoreNothing() async throws {
        let harness = try await WorkerHarness.start(label: "refuse", maxBodyBytes: 4096)
        defer { Task { await harness.stop() } }
        let event = callEvent(entry: "E1", call: "C1", seq: 1, state: "Appeared", timestamp: 1_790_000_000)

        // A wrong salt, so a wrong signature: 401.
        let badSign = try await harness.mango("events/call", json: event, credentials: MangoCredentials(apiKey: "test-key", apiSalt: "x"))
        #expect(badSign.status == 401)
        expectDocumented("POST", "/mango/events/call", badSign)
        // A wrong key with a matching signature: 401.
        let badKey = try await harness.mango("events/call", json: event, credentials: MangoCredentials(apiKey: "other", apiSalt: "test-salt"))
        #expect(badKey.status == 401)
        // Signed but not JSON, and JSON missing call_id: 400.
        let notJSON = try await harness.mango("events/call", json: "{\"entry_id\": ")
        #expect(notJSON.status == 400)
        expectDocumented("POST", "/mango/events/call", notJSON)
        let missing = try await harness.mango("events/call", json: "{\"entry_id\":\"E1\",\"call_state\":\"Appeared\"}")
        #expect(missing.status == 400)
        #expect(missing.text.contains("call_id"))
        // Larger than intake.max_body_bytes: 413.
        let huge = String(repeating: "x", count: 10_000)
        let oversized = try await harness.mango("events/call", json: "{\"entry_id\":\"\(huge)\"}")
        #expect(oversized.status == 413)
        expectDocumented("POST", "/mango/events/call", oversized)
        // Chat webhooks with a wrong secret path, or a malformed body.
        let chatwoot = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/chatwoot/webhook/wrong", body: Data("{\"event\":\"conversation_created\",\"id\":5}".utf8)))
        #expect(chatwoot.status == 401)
        let chatwootBad = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/chatwoot/webhook/\(WorkerHarness.secret)", body: Data("[1,2".utf8)))
        #expect(chatwootBad.status == 400)
        expectDocumented("POST", "/chatwoot/webhook/x", chatwootBad)
        let edna = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/edna/webhook/\(WorkerHarness.secret)", body: Data("{\"action\":\"MESSAGE\"}".utf8)))
        #expect(edna.status == 400)

        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX") == 0)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS") == 0)
        // The PBX's connection check: any other signed POST under the base answers 200 and stores nothing.
        let ping = try await harness.mango("ping", json: "{}")
        #expect(ping.status == 200)
        #expect(ping.text.contains("ignored"))
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX") == 0)
    }

    @Test func duplicateIsAcknowledgedAndChangesNothing() async throws {
        let harness = try await WorkerHarness.start(label: "dup")
        defer { Task { await harness.stop() } }
        let event = callEvent(entry: "E2", call: "C2", seq: 1, state: "Appeared", timestamp: 1_790_000_000)
        let first = try await harness.mango("events/call", json: event)
        let second = try await harness.mango("events/call", json: event)
        #expect(first.status == 200 && first.text.contains("\"applied\""), "\(first.text)")
        #expect(second.status == 200 && second.text.contains("\"duplicate\""))
        expectDocumented("POST", "/mango/events/call", second)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE DELIVERY_KEY = 'mango:call:C2:1'") == 1)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALL_LEGS WHERE PBX_LEG_ID = 'C2'") == 1)
    }

    @Test func olderLegEventNeverOverwritesNewerState() async throws {
        let harness = try await WorkerHarness.start(label: "order")
        defer { Task { await harness.stop() } }
        let t = 1_790_000_000
        // Disconnected (seq 3) arrives before Connected (seq 2) and Appeared (seq 1).
        for (seq, state) in [(3, "Disconnected"), (2, "Connected"), (1, "Appeared")] {
            let answer = try await harness.mango("events/call", json: callEvent(entry: "E3", call: "C3", seq: seq, state: state, timestamp: t + seq * 10))
            #expect(answer.status == 200)
        }
        let leg = try await harness.query("SELECT STATE, LAST_SEQ, OUTCOME, ANSWERED_AT FROM MISLINK_CALL_LEGS WHERE PBX_LEG_ID = 'C3'")
        #expect(try leg[0].decode(String.self, at: 0) == "ended")
        #expect(try leg[0].decode(Int.self, at: 1) == 3)
        #expect(try leg[0].decode(String.self, at: 2) == "answered")
        // A click-to-call's legs point at the command that made them (command_id mislink-cmd-<ID>).
        let withCommand = #"{"entry_id":"E5","call_id":"C5","timestamp":1790000000,"seq":1,"call_state":"Appeared","location":"abonent","from":{"extension":"101"},"to":{"number":"79161234567"},"command_id":"mislink-cmd-42"}"#
        #expect(try await harness.mango("events/call", json: withCommand).status == 200)
        let linked = try await harness.query("SELECT L.COMMAND_ID, C.COMMAND_ID, C.DIRECTION FROM MISLINK_CALL_LEGS L JOIN MISLINK_CALLS C ON C.ID = L.CALL_ID WHERE L.PBX_LEG_ID = 'C5'")
        #expect(try linked[0].decode(Int64?.self, at: 0) == 42 && linked[0].decode(Int64?.self, at: 1) == 42)
        #expect(try linked[0].decode(String.self, at: 2) == "out")
        // Values the SQL chooses are stored unpadded.
        _ = try await harness.mango("events/call", json: callEvent(entry: "E4", call: "C4", seq: 1, state: "Appeared", timestamp: t))
        _ = try await harness.mango("events/call", json: callEvent(entry: "E4", call: "C4", seq: 2, state: "Connected", timestamp: t + 5))
        _ = try await harness.mango("events/call", json: callEvent(entry: "E4", call: "C4", seq: 3, state: "Disconnected", timestamp: t + 9))
        #expect(try await harness.query("SELECT OUTCOME FROM MISLINK_CALL_LEGS WHERE PBX_LEG_ID = 'C4'")[0].decode(String.self, at: 0) == "answered")
        #expect(try leg[0].decode(FirebirdTimestamp?.self, at: 3) != nil)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE OBJECT_ID = 'E3' AND STATUS = 'skipped'") == 2)
        // The summary judges the call; a late leg event after it does not reopen it.
        let summary = """
            {"entry_id":"E3","call_direction":1,"from":{"number":"79161234567"},"to":{"extension":"101"},\
            "create_time":\(t),"forward_time":\(t + 5),"talk_time":\(t + 20),"end_time":\(t + 30),"entry_result":1}
            """
        #expect(try await harness.mango("events/summary", json: summary).status == 200)
        _ = try await harness.mango("events/call", json: callEvent(entry: "E3", call: "C3b", seq: 1, state: "Appeared", timestamp: t + 40))
        let call = try await harness.query("SELECT STATE, RESULT, TALK_SEC, WAIT_SEC FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'E3'")
        #expect(try call[0].decode(String.self, at: 0) == "ended")
        #expect(try call[0].decode(String.self, at: 1) == "answered")
        #expect(try call[0].decode(Int.self, at: 2) == 10)
        #expect(try call[0].decode(Int.self, at: 3) == 20)
    }

    @Test func loadWithDuplicatesAndReorderingLosesAndDuplicatesNothing() async throws {
        let harness = try await WorkerHarness.start(label: "load")
        defer { Task { await harness.stop() } }
        let generator = LoadGenerator(
            sender: harness.sender,
            options: LoadOptions(rate: 300, duration: 3, concurrent: 40, duplicates: 0.2, reorder: 0.1, chatShare: 0.3))
        let report = try await generator.run()
        #expect(report.failed == 0)
        #expect(report.acknowledged == report.sent)
        let verifier = RESTLoadVerifier(baseURL: harness.worker.baseURL, token: WorkerHarness.token, client: harness.client)
        let result = try await verifier.verify(report.expected)
        #expect(report.expected.count > 10)
        #expect(result.lost == 0)
        #expect(result.duplicated == 0)
        #expect(result.wrongState == 0)
        // Every acknowledged delivery but the deliberate duplicates is in the inbox once.
        let distinct = try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX")
        #expect(distinct > 0 && distinct <= report.acknowledged)
    }

    @Test func chatThreadsFollowAssignmentAndClosing() async throws {
        let harness = try await WorkerHarness.start(label: "chat")
        defer { Task { await harness.stop() } }
        let library = ScenarioLibrary()
        for name in ["chatwoot-released-then-picked-up", "chatwoot-closed-by-operator", "chatwoot-emoji-messages"] {
            let steps = try library.load(name).render(variables: [:], start: 1_790_000_000)
            for step in steps {
                if case .chat(let platform, let json) = step {
                    let delivery = await harness.sender.sendChat(platform: platform, json: json.compactText)
                    #expect(delivery.status == 200, "\(name): \(delivery.error ?? "")")
                }
            }
        }
        let threads = try await harness.query(
            "SELECT EXTERNAL_ID, STATUS, OPERATOR_LOGIN, CHANNEL FROM MISLINK_CHAT_THREADS ORDER BY OPENED_AT, ID")
        #expect(threads.count >= 2)
        let statuses = try Dictionary(threads.map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) },
                                      uniquingKeysWith: { a, _ in a })
        #expect(statuses.values.contains("closed"))
        #expect(statuses.values.contains("assigned"))
        // Emoji reach the UTF8 message bodies intact.
        let bodies = try await harness.query("SELECT BODY FROM MISLINK_CHAT_MESSAGES").compactMap { try $0.decode(String?.self, at: 0) }
        #expect(bodies.contains { $0.unicodeScalars.contains { $0.properties.isEmojiPresentation } })
    }
}
