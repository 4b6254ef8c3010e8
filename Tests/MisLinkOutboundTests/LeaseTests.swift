import Firebird
import Foundation
import MisLinkEmulator
import Testing

@testable import MisLinkOutbound

/// A claim is checked (and renewed) right before its send: a row or command whose claim was taken
/// over, ran out, or was superseded by a newer claim of the same worker name is not sent, and its
/// newer owner's state is left alone.
@Suite(.serialized) struct LeaseTests {
    /// Another worker's claim, as its `OutboxStore.claim` writes it.
    static func steal(_ table: String, _ id: Int64, by worker: String, in h: OutboundHarness) async throws {
        try await h.execute(
            """
            UPDATE \(unescaped: table) SET CLAIMED_BY = \(worker), CLAIMED_UNTIL = DATEADD(1 MINUTE TO MISLINK_UTC_NOW()),
                   ATTEMPTS = ATTEMPTS + 1
             WHERE ID = \(id)
            """)
    }

    @Test func aRowTakenOverBetweenClaimAndSendIsNotSent() async throws {
        try await OutboundHarness.with("ob-lease-stolen") { h in
            let id = try await h.insertMessage(body: "Один раз")
            let dispatcher = h.dispatcher(worker: "worker-a")
            let row = try #require(try await dispatcher.outbox.claim(id))
            try await Self.steal("MISLINK_OUTBOX", id, by: "worker-b", in: h)

            await dispatcher.process(row)
            #expect(h.chat.sent.isEmpty, "worker-a no longer holds the row and must not send it")
            let after = try await h.outbox(id)
            #expect(try after.text("STATUS") == "sending" && after.text("CLAIMED_BY") == "worker-b" && after.int("ATTEMPTS") == 2)
        }
    }

    @Test func aRowWhoseLeaseRanOutIsNotSentUntilClaimedAgain() async throws {
        try await OutboundHarness.with("ob-lease-expired") { h in
            let id = try await h.insertMessage(body: "После паузы")
            let dispatcher = h.dispatcher(worker: "worker-a")
            let row = try #require(try await dispatcher.outbox.claim(id))
            // The row waited (a full slot, a rate limit) until its lease ran out: it is due for anyone now.
            try await h.execute("UPDATE MISLINK_OUTBOX SET CLAIMED_UNTIL = DATEADD(-1 SECOND TO MISLINK_UTC_NOW()) WHERE ID = \(id)")
            await dispatcher.process(row)
            #expect(h.chat.sent.isEmpty)
            #expect(try await h.outbox(id).text("STATUS") == "sending")

            // A new claim (here by the same worker) sends it, once.
            #expect(try await dispatcher.drainOnce() == 1)
            #expect(h.chat.sent.count == 1)
            let sent = try await h.outbox(id)
            #expect(try sent.text("STATUS") == "sent" && sent.int("ATTEMPTS") == 2)
        }
    }

    /// Two claims under one worker name (a restarted worker, or two configured alike): only the newer sends.
    @Test func anOlderClaimOfTheSameNameNeitherSendsNorWritesBack() async throws {
        try await OutboundHarness.with("ob-lease-same-name") { h in
            let id = try await h.insertMessage(body: "Новый владелец")
            let old = h.dispatcher(worker: "worker-a")
            let new = h.dispatcher(worker: "worker-a")
            let stale = try #require(try await old.outbox.claim(id))
            try await h.execute("UPDATE MISLINK_OUTBOX SET CLAIMED_UNTIL = DATEADD(-1 SECOND TO MISLINK_UTC_NOW()) WHERE ID = \(id)")
            let fresh = try #require(try await new.outbox.claim(id))
            #expect(fresh.attempts == stale.attempts + 1)

            await old.process(stale)
            #expect(h.chat.sent.isEmpty)
            // Even a write-back of the stale claim changes nothing.
            #expect(try await old.outbox.record(stale, .failed(resultCode: "500", error: "stale"), retryAfter: nil) == false)
            await new.process(fresh)
            #expect(h.chat.sent.count == 1)
            #expect(try await h.outbox(id).text("STATUS") == "sent")
        }
    }

    @Test func aCommandTakenOverBeforeItsSendIsNotSent() async throws {
        try await OutboundHarness.with("ob-lease-command") { h in
            let id = try await h.insertCommand(kind: "call", target: "89171234567")
            let dispatcher = h.dispatcher(worker: "worker-a")
            let command = try #require(try await dispatcher.commands.claim(id))
            #expect(command.attempts == 1)
            try await Self.steal("MISLINK_COMMANDS", id, by: "worker-b", in: h)

            await dispatcher.process(command)
            #expect(h.pbx.receivedCommands.isEmpty, "the PBX got no second click-to-call")
            let row = try await h.command(id)
            #expect(try row.text("STATUS") == "processing" && row.text("CLAIMED_BY") == "worker-b")
        }
    }
}
