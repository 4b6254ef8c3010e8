import Firebird
import Foundation
import MisLinkStore
import Testing

/// The one lease-claim (``Leases``) on a real database: each row goes to one claimer, a lapsed lease is
/// taken over and the old claim loses every write, and `ATTEMPTS` counts claims.
@Suite(.serialized) struct LeaseClaimTests {
    @Test func twoClaimersRacingForTheSameRowsTakeEachRowOnce() async throws {
        try await StoreFixture.with("store-lease-race") { f in
            var ids: [Int64] = []
            for n in 0..<12 { ids.append(try await f.insertMessage(body: "Сообщение \(n)")) }
            let other = try await f.connect()
            let a = Leases(database: f.db, worker: "worker-a", duration: .seconds(60))
            let b = Leases(database: other, worker: "worker-b", duration: .seconds(60))
            #expect(Set(try await a.dueIDs(.outbox, limit: 100)) == Set(ids))

            // Both list the same IDs and try every one of them at the same time, in opposite orders.
            let forward = ids, backward = Array(ids.reversed())
            async let takenByA = Self.claimAll(forward, with: a)
            async let takenByB = Self.claimAll(backward, with: b)
            let (rowsA, rowsB) = try await (takenByA, takenByB)
            try? await other.close()

            #expect(Set(rowsA.map(\.id)).isDisjoint(with: rowsB.map(\.id)), "no row may be claimed by both")
            #expect(Set(rowsA.map(\.id)).union(rowsB.map(\.id)) == Set(ids), "every due row is claimed by one of them")
            for row in rowsA + rowsB { #expect(row.attempts == 1 && row.kind == .message && row.source == .mis) }
            for row in rowsA {
                let stored = try await f.claimColumns("MISLINK_OUTBOX", row.id)
                #expect(try stored.decode(String.self, column: "STATUS") == "sending")
                #expect(try stored.decode(String.self, column: "CLAIMED_BY") == "worker-a")
            }
            #expect(try await a.dueIDs(.outbox, limit: 100).isEmpty, "claimed rows are not due while their lease lasts")
        }
    }

    static func claimAll(_ ids: [Int64], with leases: Leases) async throws -> [OutboxRow] {
        var taken: [OutboxRow] = []
        for id in ids {
            if let row = try await leases.claim(.outbox, id: id, read: { tx, now in try OutboxRow.read(id, now: now, in: tx) }) {
                taken.append(row)
            }
        }
        return taken
    }

    @Test func aLapsedLeaseIsTakenOverAndTheOldClaimCanNeitherRenewNorWrite() async throws {
        try await StoreFixture.with("store-lease-expiry") { f in
            let id = try await f.insertMessage()
            let a = Leases(database: f.db, worker: "worker-a", duration: .seconds(60))
            let b = Leases(database: f.db, worker: "worker-b", duration: .seconds(60))
            let read: @Sendable (Transaction, FirebirdTimestamp) throws -> OutboxRow? = { tx, now in try OutboxRow.read(id, now: now, in: tx) }

            let first = try #require(try await a.claim(.outbox, id: id, read: read))
            #expect(try await a.renew(first.claim(by: a.worker)))
            #expect(try await b.claim(.outbox, id: id, read: read) == nil, "a live lease keeps the row")

            try await f.execute("UPDATE MISLINK_OUTBOX SET CLAIMED_UNTIL = DATEADD(-1 SECOND TO MISLINK_UTC_NOW()) WHERE ID = \(id)")
            #expect(try await a.renew(first.claim(by: a.worker)) == false, "a lapsed lease is not renewed")
            #expect(try await a.dueIDs(.outbox, limit: 10) == [id], "a lapsed lease makes the row due again")

            let second = try #require(try await b.claim(.outbox, id: id, read: read))
            #expect(second.attempts == 2)
            let stored = try await f.claimColumns("MISLINK_OUTBOX", id)
            #expect(try stored.decode(String.self, column: "CLAIMED_BY") == "worker-b")

            // The old claim's write-back changes nothing; the new one's is written.
            let stale = try await f.db.withTransaction(.writeBack) { tx in
                try Outbox.record(.failed(resultCode: "500", error: "stale"), for: first.claim(by: "worker-a"),
                                  now: try DatabaseClock.now(in: tx), in: tx)
            }
            #expect(stale == false)
            let fresh = try await f.db.withTransaction(.writeBack) { tx in
                try Outbox.record(.sent(providerId: "m-1", resultCode: "200"), for: second.claim(by: "worker-b"),
                                  now: try DatabaseClock.now(in: tx), in: tx)
            }
            #expect(fresh)
            let sent = try await f.db.withTransaction(.readOnly) { tx in
                try tx.attachment.query("SELECT STATUS, PROVIDER_MESSAGE_ID, RESULT_CODE, CLAIMED_UNTIL FROM MISLINK_OUTBOX WHERE ID = \(id)", in: tx)[0]
            }
            #expect(try sent.decode(OutboxStatus.self, column: "STATUS") == .sent)
            #expect(try sent.decode(String.self, column: "PROVIDER_MESSAGE_ID") == "m-1")
            #expect(try sent.decode(FirebirdTimestamp?.self, column: "CLAIMED_UNTIL") == nil)
        }
    }

    @Test func everyClaimAddsAnAttemptAndAReleaseTakesItBack() async throws {
        try await StoreFixture.with("store-lease-attempts") { f in
            let id = try await f.insertCommand()
            let leases = Leases(database: f.db, worker: "worker-a", duration: .seconds(60))
            let read: @Sendable (Transaction, FirebirdTimestamp) throws -> CommandRow? = { tx, now in try CommandRow.read(id, now: now, in: tx) }

            let first = try #require(try await leases.claim(.commands, id: id, read: read))
            #expect(first.attempts == 1 && first.pbxCommandId == "mislink-cmd-\(id)")
            try await leases.release(first.claim(by: leases.worker))
            var stored = try await f.claimColumns("MISLINK_COMMANDS", id)
            #expect(try stored.decode(CommandStatus.self, column: "STATUS") == .new && stored.decode(Int.self, column: "ATTEMPTS") == 0)

            let second = try #require(try await leases.claim(.commands, id: id, read: read))
            #expect(second.attempts == 1)
            try await f.execute("UPDATE MISLINK_COMMANDS SET CLAIMED_UNTIL = DATEADD(-1 SECOND TO MISLINK_UTC_NOW()) WHERE ID = \(id)")
            // The same worker name claims again (a restarted worker): the attempt count tells the claims apart.
            let third = try #require(try await leases.claim(.commands, id: id, read: read))
            #expect(third.attempts == 2)
            try await leases.release(second.claim(by: leases.worker))
            stored = try await f.claimColumns("MISLINK_COMMANDS", id)
            #expect(try stored.decode(CommandStatus.self, column: "STATUS") == .processing, "an older claim cannot release a newer one")
            #expect(try stored.decode(Int.self, column: "ATTEMPTS") == 2)
            #expect(try await leases.renew(second.claim(by: leases.worker)) == false)
            #expect(try await leases.renew(third.claim(by: leases.worker)))
        }
    }

    @Test func onlyDueRowsAreListed() async throws {
        try await StoreFixture.with("store-lease-due") { f in
            let due = try await f.insertMessage(body: "due")
            let later = try await f.insertMessage(body: "later")
            let claimed = try await f.insertMessage(body: "claimed")
            let lapsed = try await f.insertMessage(body: "lapsed")
            let sent = try await f.insertMessage(body: "sent")
            try await f.execute("UPDATE MISLINK_OUTBOX SET NEXT_ATTEMPT_AT = DATEADD(1 HOUR TO MISLINK_UTC_NOW()) WHERE ID = \(later)")
            try await f.execute(
                "UPDATE MISLINK_OUTBOX SET STATUS = 'sending', CLAIMED_BY = 'x', CLAIMED_UNTIL = DATEADD(1 MINUTE TO MISLINK_UTC_NOW()) WHERE ID = \(claimed)")
            try await f.execute(
                "UPDATE MISLINK_OUTBOX SET STATUS = 'sending', CLAIMED_BY = 'x', CLAIMED_UNTIL = DATEADD(-1 MINUTE TO MISLINK_UTC_NOW()) WHERE ID = \(lapsed)")
            try await f.execute("UPDATE MISLINK_OUTBOX SET STATUS = 'sent' WHERE ID = \(sent)")
            let leases = Leases(database: f.db, worker: "worker-a", duration: .seconds(60))
            #expect(Set(try await leases.dueIDs(.outbox, limit: 10)) == [due, lapsed])
            #expect(try await leases.dueIDs(.outbox, limit: 1).count == 1)
        }
    }
}
