import Firebird
import Foundation
import MisLinkHTTP
@testable import MisLinkIntake
import MisLinkTestSupport
import Testing

/// Poison events: what the intake cannot store or apply is quarantined or left for a retry, and never
/// wedges the intake or fails a neighbour.
@Suite("Poison events, quarantine and retries")
struct PoisonEventTests {
    /// A Chatwoot body whose `event` is empty: once answered `spooled` and from then on every event was
    /// spooled and never applied, and /ready said the database was down.
    @Test func emptyChatwootEventIsQuarantinedAndWedgesNothing() async throws {
        let harness = try await WorkerHarness.start(label: "poison")
        defer { Task { await harness.stop() } }
        let poison = #"{"event":"","id":77,"inbox_id":1,"status":"open"}"#
        let answer = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/chatwoot/webhook/\(WorkerHarness.secret)", body: Data(poison.utf8)))
        #expect(answer.status == 200)
        #expect(answer.text.contains("\"quarantined\""), "\(answer.text)")
        expectDocumented("POST", "/chatwoot/webhook/x", answer)

        // Later events of both platforms are applied, not spooled.
        let call = try await harness.mango("events/call", json: callEvent(entry: "P1", call: "PC1", seq: 1, state: "Appeared", timestamp: 1_790_000_000))
        #expect(call.status == 200 && call.text.contains("\"applied\""), "\(call.text)")
        let chat = #"{"event":"conversation_created","id":501,"inbox_id":1,"status":"open","created_at":1790000000,"meta":{"sender":{"id":9,"name":"Анна","phone_number":"+79161234567"}},"messages":[]}"#
        let chatAnswer = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/chatwoot/webhook/\(WorkerHarness.secret)", body: Data(chat.utf8)))
        #expect(chatAnswer.status == 200 && !chatAnswer.text.contains("spooled"), "\(chatAnswer.text)")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'P1'") == 1)

        // /ready says the database is up and the intake writes to it.
        let ready = try await harness.api("/ready", token: nil)
        #expect(ready.status == 200, "\(ready.text)")
        #expect(ready.text.contains("\"database\":\"up\"") && ready.text.contains("\"intake\":\"writing\""), "\(ready.text)")
        expectDocumented("GET", "/ready", ready)

        // The poison is kept whole, listed by the API, counted in /metrics.
        let rows = try await harness.query("SELECT SOURCE, FORM, STAGE, PAYLOAD, REASON FROM MISLINK_QUARANTINE")
        #expect(rows.count == 1)
        #expect(try rows.first?.decode(String?.self, column: "SOURCE") == "chatwoot")
        #expect(try rows.first?.decode([UInt8]?.self, column: "PAYLOAD") == Array(poison.utf8))
        let listed = try await harness.api("/api/v1/quarantine")
        #expect(listed.status == 200)
        #expect(listed.text.contains("inbox_id"), "the raw payload is listed: \(listed.text)")
        expectDocumented("GET", "/api/v1/quarantine", listed)
        let metrics = try await harness.api("/metrics", token: nil)
        #expect(metrics.text.contains("outcome=\"quarantined\""), "\(metrics.text.prefix(2000))")

        // A retry after no fix keeps it held, with the error, and stores nothing twice.
        let retry = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/api/v1/quarantine/retry", body: Data("{}".utf8),
                  headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(retry.status == 200 && retry.text.contains("\"still_held\":1"), "\(retry.text)")
        expectDocumented("POST", "/api/v1/quarantine/retry", retry)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_QUARANTINE WHERE RELEASED_AT IS NULL AND RETRIES = 1") == 1)
    }

    /// With the database unreachable and the spool at `intake.spool_max_bytes`, a webhook gets a clear
    /// 503 (the sender retries) and nothing past the limit is acknowledged; `/metrics` counts them.
    @Test func fullSpoolAnswers503() async throws {
        let harness = try await WorkerHarness.start(label: "fullspool", dsn: { _ in "localhost:/nonexistent/mislink-none.fdb" },
                                                    configure: { $0.intake.spoolMaxBytes = 3000 })
        defer { Task { await harness.stop() } }
        var outcomes: [String] = []
        var refusal: HTTPClientResponse?
        for n in 1...40 {
            let answer = try await harness.mango("events/call", json: callEvent(
                entry: "S\(n)", call: "SC\(n)", seq: 1, state: "Appeared", timestamp: 1_790_000_000))
            if answer.status == 503 { refusal = answer; break }
            #expect(answer.status == 200)
            outcomes.append(answer.text)
        }
        #expect(!outcomes.isEmpty && outcomes.allSatisfy { $0.contains("\"spooled\"") }, "\(outcomes)")
        let refused = try #require(refusal, "the spool never filled")
        #expect(refused.text.contains("spool is full"), "\(refused.text)")
        let ready = try await harness.api("/ready", token: nil)
        #expect(ready.status == 503 && ready.text.contains("\"database\":\"down\"") && ready.text.contains("\"intake\":\"spooling\""),
                "\(ready.text)")
        expectDocumented("GET", "/ready", ready)
        let metrics = try await harness.api("/metrics", token: nil)
        #expect(metrics.text.contains("mislink_spool_refused_total"), "\(metrics.text.prefix(1500))")
        #expect(metrics.text.contains("mislink_spool_bytes"))
    }

    /// Mango's `result/stat` notice (a statistics report is ready) is accepted and kept, not refused.
    @Test func mangoStatNoticeIsAccepted() async throws {
        let harness = try await WorkerHarness.start(label: "stat")
        defer { Task { await harness.stop() } }
        let notice = try await harness.mango("result/stat", json: #"{"key":"a1b2c3","request_id":"req-7"}"#)
        #expect(notice.status == 200 && notice.text.contains("\"stored\""), "\(notice.text)")
        let again = try await harness.mango("result/stat", json: #"{"key":"a1b2c3","request_id":"req-7"}"#)
        #expect(again.text.contains("\"duplicate\""))
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE DELIVERY_KEY = 'mango:stat:a1b2c3:req-7'") == 1)
    }

    /// A lock timeout inside an applier is not the event's final failure: it is stored `retrying`, and a
    /// retry once the lock is gone applies it.
    @Test func lockTimeoutIsRetriedNotFailed() async throws {
        let harness = try await WorkerHarness.start(label: "locked", configure: { settings in
            settings.intake.lockTimeoutSeconds = 1
            settings.intake.retrySeconds = 3600 // this test drives the retry through the API
        })
        defer { Task { await harness.stop() } }
        let first = try await harness.mango("events/call", json: callEvent(entry: "L1", call: "LC1", seq: 1, state: "Appeared", timestamp: 1_790_000_000))
        #expect(first.text.contains("\"applied\""), "\(first.text)")

        // Another transaction holds the call's row while the next event comes.
        let attachment = try FirebirdAttachment.open(FirebirdConfiguration(database: harness.settings.database.dsn))
        let holder = try attachment.beginTransaction()
        _ = try attachment.execute("UPDATE MISLINK_CALL_LEGS SET LAST_SEQ = LAST_SEQ WHERE PBX_LEG_ID = 'LC1'", in: holder)
        let second = try await harness.mango("events/call", json: callEvent(entry: "L1", call: "LC1", seq: 2, state: "Connected", timestamp: 1_790_000_010))
        #expect(second.status == 200 && second.text.contains("\"retrying\""), "\(second.text)")
        let stored = try await harness.query("SELECT STATUS, ERROR FROM MISLINK_INBOX WHERE DELIVERY_KEY = 'mango:call:LC1:2'")
        #expect(try stored.first?.decode(String.self, column: "STATUS") == "retrying")
        #expect(try stored.first?.decode(String?.self, column: "ERROR")?.contains("lock") == true)

        try holder.rollback()
        try attachment.close()
        let retry = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/api/v1/inbox/retry", body: Data(#"{"status":["retrying"]}"#.utf8),
                  headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(retry.status == 200 && retry.text.contains("\"applied\":1"), "\(retry.text)")
        expectDocumented("POST", "/api/v1/inbox/retry", retry)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE DELIVERY_KEY = 'mango:call:LC1:2' AND STATUS = 'processed'") == 1)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALL_LEGS WHERE PBX_LEG_ID = 'LC1' AND LAST_SEQ = 2") == 1)
        // Run twice, it applies nothing twice.
        let again = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/api/v1/inbox/retry", body: Data(#"{"status":["retrying","failed"]}"#.utf8),
                  headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(again.text.contains("\"examined\":0"), "\(again.text)")
    }

    /// A deterministic applier failure is `failed`; after the fix, `retry --status failed` applies it.
    @Test func failedEventsAreAppliedAfterAFix() async throws {
        let harness = try await WorkerHarness.start(label: "fixlater")
        defer { Task { await harness.stop() } }
        // A clinic trigger that refuses every new call: the event fails deterministically.
        try await harness.execute(["""
            CREATE EXCEPTION MISLINK_TEST_REFUSE 'refused by a test trigger'
            """])
        try await harness.execute(["""
            CREATE TRIGGER MISLINK_TEST_REFUSE_BI FOR MISLINK_CALLS ACTIVE BEFORE INSERT POSITION 99
            AS BEGIN EXCEPTION MISLINK_TEST_REFUSE; END
            """])
        let event = try await harness.mango("events/call", json: callEvent(entry: "F1", call: "FC1", seq: 1, state: "Appeared", timestamp: 1_790_000_000))
        #expect(event.status == 200 && event.text.contains("\"failed\""), "\(event.text)")
        let neighbour = try await harness.mango("result/callback", json: #"{"command_id":"x-1","result":1000}"#)
        #expect(neighbour.status == 200)
        try await harness.execute(["DROP TRIGGER MISLINK_TEST_REFUSE_BI"])

        let retrier = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/api/v1/inbox/retry", body: Data(#"{"status":["failed"]}"#.utf8),
                  headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(retrier.status == 200 && retrier.text.contains("\"applied\":1"), "\(retrier.text)")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'F1'") == 1)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS = 'failed'") == 0)
        // A wrong status is a 400 naming the field.
        let wrong = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/api/v1/inbox/retry", body: Data(#"{"status":["nonsense"]}"#.utf8),
                  headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(wrong.status == 400 && wrong.text.contains("status"))
    }

    /// What a spool holds when the worker starts: poison records, records that no longer decode, and a
    /// record the worker died on three times are quarantined; everything else is applied; the spool
    /// ends empty.
    @Test func replayQuarantinesWhatItCannotApply() async throws {
        let spoolDirectory = "\(ClinicDatabase.directory)/spool-replay-\(UUID().uuidString.prefix(8))"
        let spool = try DurableSpool(directory: URL(fileURLWithPath: spoolDirectory))
        func mangoCall(_ entry: String, _ seq: Int) -> InboundEvent {
            let json = callEvent(entry: entry, call: "\(entry)-c", seq: seq, state: "Appeared", timestamp: 1_790_000_000 + seq)
            return InboundEvent(source: "mango", deliveryKey: "mango:call:\(entry)-c:\(seq)", eventType: "events/call", objectID: entry,
                                payload: json, content: .stored)
        }
        let poison = InboundEvent(source: "chatwoot", deliveryKey: "chatwoot::x", eventType: "", objectID: nil,
                                  payload: #"{"event":""}"#, content: .stored)
        let unparsable = InboundEvent(source: "mango", deliveryKey: "mango:call:bad:1", eventType: "events/call", objectID: nil,
                                      payload: #"{"entry_id": "#, content: .stored)
        try spool.append([mangoCall("R0", 1)]) // the worker "died" on this one three times
        try spool.append([mangoCall("R1", 1), poison, unparsable, mangoCall("R2", 1)])
        spool.seal()
        try spool.save(DurableSpool.Position(segment: try spool.segments()[0], offset: 0, attempts: 3))

        let harness = try await WorkerHarness.start(label: "replay", configure: { $0.intake.spoolDirectory = spoolDirectory })
        defer { Task { await harness.stop() } }
        try await waitUntil { try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID IN ('R1', 'R2')") == 2 }
        try await waitUntil { (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory).filter { $0.hasSuffix(".spool") }.isEmpty) == true }
        let kept = try await harness.query("SELECT FORM, STAGE, REASON FROM MISLINK_QUARANTINE ORDER BY ID")
        #expect(kept.count == 3, "\(kept)")
        #expect(try kept.map { try $0.decode(String.self, column: "FORM") }.sorted() == ["payload", "spool-record", "spool-record"])
        #expect(try kept[0].decode(String?.self, column: "REASON")?.contains("never finished") == true)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'R0'") == 0)
        let ready = try await harness.api("/ready", token: nil)
        #expect(ready.status == 200, "\(ready.text)")
        // The record the worker died on goes through once it is retried.
        let retry = try await harness.client.execute(
            .json("\(harness.worker.baseURL)/api/v1/quarantine/retry", body: Data("{}".utf8),
                  headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(retry.text.contains("\"applied\":1") && retry.text.contains("\"still_held\":2"), "\(retry.text)")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'R0'") == 1)
    }
}

/// Waits up to `seconds` for a condition.
func waitUntil(seconds: Double = 20, _ condition: () async throws -> Bool,
               sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("the condition did not hold within \(seconds) s", sourceLocation: sourceLocation)
}
