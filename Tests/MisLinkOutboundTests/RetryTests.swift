import Firebird
import Foundation
import MisLinkEmulator
import Testing

@testable import MisLinkOutbound

/// 503 and 429 are passing: the row goes back to `pending` with a later NEXT_ATTEMPT_AT and is sent
/// once the platform recovers; attempts are capped.
@Suite(.serialized) struct RetryTests {
    @Test func fiveHundredThreeThenFourTwentyNineThenSuccessIsRetriedWithBackoff() async throws {
        try await OutboundHarness.with("ob-retry") { h in
            h.chat.failNextMessagePosts([503, 429])
            let id = try await h.insertMessage(body: "Повтор")
            // A backoff base of 2 s: long enough that "not due yet" holds on a busy machine.
            let dispatcher = h.dispatcher(
                maxAttempts: 5,
                tuning: OutboundDispatcher.Tuning(retryBaseDelay: .seconds(2), commandRetryDelay: .milliseconds(100)))

            let firstStarted = ContinuousClock.now
            #expect(try await dispatcher.drainOnce() == 1)
            let first = try await h.outbox(id)
            #expect(try first.text("STATUS") == "pending")
            #expect(try first.int("ATTEMPTS") == 1)
            #expect(try first.text("RESULT_CODE") == "503")
            #expect(try first.int("LATER") == 1, "NEXT_ATTEMPT_AT was moved into the future")
            // The shortest backoff is 1 s (base 2 s, equal jitter) from the moment the first attempt was
            // written: a drain that ends within it must find nothing due. On a machine so loaded that
            // it ends later, the row may rightly be due again, and only LATER above says anything.
            let again = try await dispatcher.drainOnce()
            if ContinuousClock.now - firstStarted < .milliseconds(950) {
                #expect(again == 0, "not due again before its backoff")
            }

            let done = try await h.eventually(within: 15) {
                _ = try await dispatcher.drainOnce()
                return try await h.outbox(id).text("STATUS") == "sent"
            }
            #expect(done)
            let row = try await h.outbox(id)
            #expect(try row.int("ATTEMPTS") == 3)
            #expect(try row.text("ERROR") == nil)
            let posts = h.chat.messagePosts
            #expect(posts.map(\.status) == [503, 429, 200])
            #expect(Set(posts.compactMap(\.idempotencyKey)) == ["outbox:\(id)"], "every attempt carries the same key")
            #expect(h.chat.sent.count == 1)
            if posts.count == 3 {
                // Backoff base 2 s with equal jitter: ≥ 1 s after the first failure, ≥ 2 s after the second.
                let gap1 = posts[1].receivedAt.timeIntervalSince(posts[0].receivedAt)
                let gap2 = posts[2].receivedAt.timeIntervalSince(posts[1].receivedAt)
                #expect(gap1 >= 0.99, "first backoff \(gap1) s")
                #expect(gap2 >= 1.99, "second backoff \(gap2) s")
            }
        }
    }

    @Test func aRowIsFailedWhenItsAttemptsAreUsedUp() async throws {
        try await OutboundHarness.with("ob-giveup") { h in
            h.chat.failNextMessagePosts([503, 503, 503, 503])
            let id = try await h.insertMessage(body: "Не дойдёт")
            let dispatcher = h.dispatcher(maxAttempts: 3)
            let finished = try await h.eventually(within: 15) {
                _ = try await dispatcher.drainOnce()
                return try await h.outbox(id).text("STATUS") == "failed"
            }
            #expect(finished)
            let row = try await h.outbox(id)
            #expect(try row.int("ATTEMPTS") == 3)
            #expect(try row.text("RESULT_CODE") == "503")
            #expect(try row.text("ERROR")?.hasPrefix("gave up after 3 attempts") == true)
            #expect(h.chat.messagePosts.count == 3)
            #expect(h.chat.sent.isEmpty)
        }
    }

    @Test func aClientErrorIsNotRetried() async throws {
        try await OutboundHarness.with("ob-4xx") { h in
            h.chat.failNextMessagePosts([422])
            let id = try await h.insertMessage(body: "Плохой запрос")
            #expect(try await h.dispatcher().drainOnce() == 1)
            let row = try await h.outbox(id)
            #expect(try row.text("STATUS") == "failed")
            #expect(try row.text("RESULT_CODE") == "422")
            #expect(h.chat.messagePosts.count == 1)
        }
    }
}
