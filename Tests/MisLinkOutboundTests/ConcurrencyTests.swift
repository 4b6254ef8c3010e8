import Firebird
import Foundation
import MisLinkEmulator
import Testing

@testable import MisLinkOutbound

/// Several workers against one server database: every row is sent exactly once, claims left by a
/// dead worker are taken over, and events (not the sweep) wake a worker.
@Suite(.serialized) struct ConcurrencyTests {
    /// Two dispatchers run as services on the same database while 400 rows arrive in 20
    /// transactions; the fake platform must record each row exactly once.
    @Test func twoDispatchersSendEveryRowExactlyOnce() async throws {
        try await OutboundHarness.with("ob-two") { h in
            let a = RunningDispatcher(h.dispatcher(worker: "worker-a", sweep: 60))
            let b = RunningDispatcher(h.dispatcher(worker: "worker-b", sweep: 60))
            try await Task.sleep(for: .seconds(1.5))  // both listening
            let total = 400
            for batch in 0..<20 {
                try await h.db.withTransaction { tx in
                    for n in 0..<20 {
                        try tx.attachment.execute(
                            "INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, THREAD_ID, BODY) VALUES ('message', 'whatsapp', 1, \("row \(batch * 20 + n)"))",
                            in: tx)
                    }
                }
            }
            // 240 s: room for the 60 s safety sweep twice, should a wake-up event be late under a full parallel
            // run (two runs of every suite at once left 13 and 26 rows for a sweep after 90 s; alone it takes 6-8 s).
            let allSent = try await h.eventually(within: 240) {
                try await h.db.query("SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE STATUS = 'sent'")[0].decode(Int.self, at: 0) == total
            }
            try await Task.sleep(for: .milliseconds(500))  // anything sent twice would have arrived by now
            try await a.stop()
            try await b.stop()
            #expect(allSent)

            let contents = try h.chat.sent.map { message -> String in
                let object = try JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any]
                return object?["content"] as? String ?? ""
            }
            #expect(contents.count == total, "the platform received \(contents.count) messages for \(total) rows")
            #expect(Set(contents).count == total, "no row was sent twice")
            let byWorker = try await h.db.query(
                "SELECT CLAIMED_BY, COUNT(*), MAX(ATTEMPTS) FROM MISLINK_OUTBOX GROUP BY CLAIMED_BY ORDER BY CLAIMED_BY")
            let counts = Dictionary(uniqueKeysWithValues: try byWorker.map { (try $0.decode(String.self, at: 0), try $0.decode(Int.self, at: 1)) })
            #expect(counts["worker-a", default: 0] > 0 && counts["worker-b", default: 0] > 0, "both workers sent: \(counts)")
            #expect(counts.values.reduce(0, +) == total)
            #expect(try byWorker.allSatisfy { try $0.decode(Int.self, at: 2) == 1 }, "no row needed a second attempt")
        }
    }

    @Test func aClaimLeftByADeadWorkerIsTakenOverButALiveOneIsNot() async throws {
        try await OutboundHarness.with("ob-takeover") { h in
            let dead = try await h.insertMessage(
                body: "От упавшего", extra: ", STATUS, CLAIMED_BY, CLAIMED_UNTIL, ATTEMPTS",
                extraValues: ", 'sending', 'dead-worker', DATEADD(-5 SECOND TO MISLINK_UTC_NOW()), 1")
            let live = try await h.insertMessage(
                body: "Занято", extra: ", STATUS, CLAIMED_BY, CLAIMED_UNTIL, ATTEMPTS",
                extraValues: ", 'sending', 'busy-worker', DATEADD(5 MINUTE TO MISLINK_UTC_NOW()), 1")
            try await h.execute(
                """
                INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, TARGET, STATUS, CLAIMED_BY, CLAIMED_UNTIL)
                VALUES ('call', 11, '89171234567', 'processing', 'dead-worker', DATEADD(-5 SECOND TO MISLINK_UTC_NOW()))
                """)
            #expect(try await h.dispatcher(worker: "worker-new").drainOnce() == 2)

            let taken = try await h.outbox(dead)
            #expect(try taken.text("STATUS") == "sent")
            #expect(try taken.text("CLAIMED_BY") == "worker-new")
            #expect(try taken.int("ATTEMPTS") == 2)
            let held = try await h.outbox(live)
            #expect(try held.text("STATUS") == "sending")
            #expect(try held.text("CLAIMED_BY") == "busy-worker")
            #expect(h.chat.sent.count == 1)
            let command = try await h.db.query("SELECT STATUS, CLAIMED_BY FROM MISLINK_COMMANDS")
            #expect(try command.first?.decode(String.self, at: 0) == "sent")
            #expect(try command.first?.decode(String.self, at: 1) == "worker-new")
            #expect(h.pbx.receivedCommands.count == 1)
        }
    }

    /// The sweep is 60 s; the row and the command must go out within seconds, woken by their events.
    /// Then a graceful shutdown returns.
    @Test func anEventWakesTheDispatcherLongBeforeTheSweep() async throws {
        try await OutboundHarness.with("ob-event") { h in
            let running = RunningDispatcher(h.dispatcher(sweep: 60))
            try await Task.sleep(for: .seconds(2))  // past the start-up drain: only an event can wake it now
            let started = ContinuousClock.now
            let id = try await h.insertMessage(body: "Срочно")
            let command = try await h.insertCommand(kind: "call", target: "89171234567")
            let sent = try await h.eventually(within: 10) {
                let message = try await h.outbox(id).text("STATUS")
                let call = try await h.command(command).text("STATUS")
                return message == "sent" && call == "sent"
            }
            let elapsed = ContinuousClock.now - started
            #expect(sent)
            #expect(elapsed < .seconds(10), "sent after \(elapsed), sweep is 60 s")
            try await running.stop()
        }
    }

    /// Shutdown lets the sends in flight finish and write their results.
    @Test func gracefulShutdownFinishesTheSendsInFlight() async throws {
        try await OutboundHarness.with("ob-shutdown") { h in
            for n in 0..<30 { try await h.insertMessage(body: "row \(n)") }
            let running = RunningDispatcher(h.dispatcher(sweep: 60))
            _ = try await h.eventually(within: 10) { !h.chat.sent.isEmpty }
            try await running.stop()
            let stuck = try await h.db.query("SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE STATUS = 'sending'")[0].decode(Int.self, at: 0)
            #expect(stuck == 0, "no row left claimed after shutdown")
            let sent = try await h.db.query("SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE STATUS = 'sent'")[0].decode(Int.self, at: 0)
            #expect(sent == h.chat.sent.count, "every message the platform got is recorded as sent")
        }
    }
}
