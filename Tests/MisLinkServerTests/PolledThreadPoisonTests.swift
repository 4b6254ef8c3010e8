import Firebird
import Foundation
import MisLinkEmulator
import MisLinkTestSupport
import Testing

/// A polled edna thread MisLink cannot read is kept once in the quarantine and skipped; the threads
/// after it are still polled (it used to end every poll at that thread).
@Suite("Polled edna threads: one unreadable thread stops none")
struct PolledThreadPoisonTests {
    @Test func unreadableThreadIsQuarantinedOnceAndTheOthersArePolled() async throws {
        let fixture = try await ChatFixture.start("poll-poison")
        defer { Task { await fixture.stop() } }
        try await fixture.play("edna-new-thread-messages", variables: ["run": "pp1", "thread": "7101", "edna_client": "9101"])
        try await fixture.play("edna-new-thread-messages", variables: ["run": "pp2", "thread": "7102", "edna_client": "9102"])
        // Thread 7101 comes back with a time no calendar has; 7102 is assigned meanwhile.
        fixture.chat.setThread(try JSONValue.parse(
            #"{"id": 7101, "status": "ASSIGNED", "currentAgentLogin": "ivanova", "stateChangeTime": "1e300"}"#))
        fixture.chat.setThread(try JSONValue.parse(
            #"{"id": 7102, "status": "ASSIGNED", "currentAgentLogin": "ivanova", "currentAgent": 11, "stateChangeTime": "2030-01-01T00:00:00Z", "clientId": 9102}"#))
        try await fixture.poller.pollOnce()
        try await fixture.poller.pollOnce()
        let (assigned, _) = try await fixture.thread("edna", "7102")
        #expect(try await fixture.harness.query("SELECT STATUS FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(assigned)])[0]
            .decode(String.self, at: 0) == "assigned")
        let kept = try await fixture.harness.query("SELECT SOURCE, STAGE, REASON, PAYLOAD FROM MISLINK_QUARANTINE")
        #expect(kept.count == 1, "kept once, not once per poll")
        #expect(try kept.first?.decode(String?.self, column: "STAGE") == "decode")
        #expect(try kept.first?.decode(String?.self, column: "REASON")?.contains("7101") == true)
        #expect(try kept.first.map { String(decoding: try $0.decode([UInt8].self, column: "PAYLOAD"), as: UTF8.self) }?.contains("1e300") == true)
    }
}
