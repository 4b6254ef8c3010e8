import Firebird
import Foundation
import Hummingbird
import MisLinkEmulator
import MisLinkSettings
import MisLinkStore
import Testing

@testable import MisLinkOutbound

/// What used to stop sending for good: a provider id longer than its column, a row or command taken
/// again and again without a result, and a `worker_name` longer than `CLAIMED_BY`.
@Suite(.serialized) struct LimitTests {
    /// 300 characters, with a few that ASCII columns cannot hold.
    static let longID = "msg-ü-" + String(repeating: "0123456789abcdef", count: 19) + "-ñ-" + String(repeating: "z", count: 200)

    @Test func aProviderIdLongerThanItsColumnIsStoredCutAndTheRowIsNotSentAgain() async throws {
        try await OutboundHarness.with("ob-long-id") { h in
            // A Chatwoot stand-in that answers every post with a 300-character string id.
            let posts = Counted()
            let router = Router()
            router.post("api/v1/accounts/:account/conversations/:conversation/messages") { _, _ in
                posts.increment()
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"id":"\#(Self.longID)","content":"ok","message_type":"outgoing"}"#)))
            }
            let provider = try await RunningServer.start(router: router)
            defer { Task { await provider.stop() } }
            var settings = h.settings(worker: "worker-a", claimSeconds: 1)
            settings.chat.chatwoot.baseURL = provider.baseURL
            let dispatcher = OutboundDispatcher(
                settings: settings, profile: OutboundHarness.profile, firebird: h.firebird, httpClient: h.http, logger: .init(label: "test.long-id"), pbxClient: h.http)

            let id = try await h.insertMessage(body: "Длинный id", staffId: 11)
            #expect(try await dispatcher.drainOnce() == 1)
            let key = String(String.UnicodeScalarView(Self.longID.unicodeScalars.filter { $0.isASCII }.prefix(128)))
            let row = try await h.outbox(id)
            let error = try row.text("ERROR")
            #expect(try row.text("STATUS") == "sent", "\(String(describing: error))")
            #expect(try row.text("PROVIDER_MESSAGE_ID") == key)
            // The message joined its thread under the same key the intake gives the platform's echo of it
            // (printable ASCII, first 128), so the echo adds nothing.
            let joined = try await h.db.query(
                "SELECT EXTERNAL_ID, OUTBOX_ID FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = \(OutboundHarness.chatwootThread)")
            #expect(joined.count == 1)
            #expect(try joined.first?.decode(String.self, at: 0) == key && joined.first?.decode(Int64.self, at: 1) == id)

            // Past the one-second lease nothing is due again: the row is not sent a second time.
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await dispatcher.drainOnce() == 0)
            #expect(posts.value == 1)
        }
    }

    @Test func aRowClaimedMoreThanMaxAttemptsTimesIsFailedWithoutASend() async throws {
        try await OutboundHarness.with("ob-cap-outbox") { h in
            // Its last worker died mid-send for the eighth time (max_attempts is 8).
            let id = try await h.insertMessage(
                body: "Опять", extra: ", STATUS, CLAIMED_BY, CLAIMED_UNTIL, ATTEMPTS",
                extraValues: ", 'sending', 'dead-worker', DATEADD(-5 SECOND TO MISLINK_UTC_NOW()), 8")
            #expect(try await h.dispatcher(worker: "worker-a", maxAttempts: 8).drainOnce() == 1)
            #expect(h.chat.sent.isEmpty)
            let row = try await h.outbox(id)
            #expect(try row.text("STATUS") == "failed")
            let error = try row.text("ERROR")
            #expect(error?.contains("claimed 9 times without a result") == true, "\(String(describing: error))")
        }
    }

    @Test func aCommandClaimedMoreThanMaxAttemptsTimesIsFailedWithItsReason() async throws {
        try await OutboundHarness.with("ob-cap-command") { h in
            try await h.execute(
                """
                INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, TARGET, STATUS, CLAIMED_BY, CLAIMED_UNTIL, ATTEMPTS)
                VALUES ('call', 11, '89171234567', 'processing', 'dead-worker', DATEADD(-5 SECOND TO MISLINK_UTC_NOW()), 3)
                """)
            try await h.execute(
                """
                INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, THREAD_ID, PAYLOAD, STATUS, CLAIMED_BY, CLAIMED_UNTIL, ATTEMPTS)
                VALUES ('message', 11, 1, 'Текст', 'processing', 'dead-worker', DATEADD(-5 SECOND TO MISLINK_UTC_NOW()), 3)
                """)
            // Below the cap a taken-over command is still carried out (and counted).
            let fresh = try await h.insertCommand(kind: "call", target: "89171234567")
            #expect(try await h.dispatcher(worker: "worker-a", maxAttempts: 3).drainOnce() == 3)

            let rows = try await h.db.query(
                "SELECT ID, STATUS, RESULT, ATTEMPTS, DONE_AT FROM MISLINK_COMMANDS ORDER BY ID")
            #expect(rows.count == 3)
            for row in rows.prefix(2) {
                #expect(try row.decode(String.self, at: 1) == "failed")
                let result = try row.decode(String?.self, at: 2)
                #expect(result?.contains("4 раз без результата") == true, "\(String(describing: result))")
                #expect(try row.decode(Int.self, at: 3) == 4)
                #expect(try row.decode(FirebirdTimestamp?.self, at: 4) != nil)
            }
            #expect(try rows[2].decode(Int64.self, at: 0) == fresh && rows[2].decode(String.self, at: 1) == "sent")
            #expect(try rows[2].decode(Int.self, at: 3) == 1)
            #expect(h.pbx.receivedCommands.count == 1, "only the fresh command reached the PBX")
            #expect(try await h.db.query("SELECT COUNT(*) FROM MISLINK_OUTBOX")[0].decode(Int.self, at: 0) == 0,
                    "the capped message command queued nothing")
        }
    }

    @Test func workerNamesLongerThanClaimedByStillClaimAndStayApart() async throws {
        let base = "клиника-центр-" + String(repeating: "🩺", count: 60) + "-worker-node-"
        let (first, second) = (base + "one", base + "two")
        let (a, b) = (ClaimName.fitting(first), ClaimName.fitting(second))
        #expect(first.unicodeScalars.count == 90)
        #expect(a.unicodeScalars.count == 63 && b.unicodeScalars.count == 63)
        #expect(a.hasPrefix("клиника-центр-🩺") && a.contains("~"))
        let fits = String(repeating: "я", count: 63)
        #expect(ClaimName.fitting(fits) == fits)
        #expect(a != b, "long names that share a beginning claim as different workers")
        #expect(ClaimName.fitting("worker-a") == "worker-a" && ClaimName.fitting(first) == a)

        try await OutboundHarness.with("ob-long-worker") { h in
            let id = try await h.insertMessage(body: "Длинное имя")
            let command = try await h.insertCommand(kind: "call", target: "89171234567")
            #expect(try await h.dispatcher(worker: first).drainOnce() == 2)
            let row = try await h.outbox(id)
            #expect(try row.text("STATUS") == "sent" && row.text("CLAIMED_BY") == a)
            #expect(try await h.command(command).text("STATUS") == "sent")
            #expect(try await h.command(command).text("CLAIMED_BY") == a)
            #expect(h.chat.sent.count == 1 && h.pbx.receivedCommands.count == 1)
        }
    }
}

/// A counter the fake provider's handler bumps from the server's threads.
final class Counted: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
