import Firebird
import Foundation
import MisLinkStore
import MisLinkTestSupport
import Testing

/// The engine the tests' embedded databases run on (Debian's Firebird 3, or Firebird 5 under `scripts/test-fb5`).
enum StoreTestEngine {
    static let server: FirebirdServerInfo? = {
        let path = "\(ClinicDatabase.directory)/store-engine-\(UUID().uuidString.prefix(8)).fdb"
        guard let attachment = try? FirebirdAttachment.create(FirebirdConfiguration(database: path)) else { return nil }
        defer { try? attachment.drop() }
        return try? attachment.serverInfo()
    }()

    static var hasSkipLocked: Bool { server?.hasSkipLocked ?? false }
    static var lacksSkipLocked: Bool { server.map { !$0.hasSkipLocked } ?? false }
}

/// Two claimers on separate attachments to one embedded database, the first holding an open transaction
/// in which it has claimed a row of each claim table.
struct HeldClaimFixture {
    let a: FirebirdAttachment
    let b: FirebirdAttachment
    let configuration: FirebirdConfiguration
    let messages: [Int64]
    let commands: [Int64]
    /// Worker A's open claim transaction; it holds `messages[0]` and `commands[0]`.
    let held: Transaction

    static func make(_ label: String) throws -> HeldClaimFixture {
        let configuration = FirebirdConfiguration(database: try ClinicDatabase.createMigrated(label))
        let a = try FirebirdAttachment.open(configuration), b = try FirebirdAttachment.open(configuration)
        let (messages, commands) = try a.inTransaction { tx in
            let messages = try (0..<3).map { n in
                try a.query(
                    """
                    INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, BODY)
                    VALUES ('message', 'sms', '79171234567', '79171234567', \("Сообщение \(n)")) RETURNING ID
                    """, in: tx)[0].decode(Int64.self, column: "ID")
            }
            let commands = try (0..<3).map { _ in
                try a.query("INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, TARGET) VALUES ('call', 11, '89171234567') RETURNING ID",
                            in: tx)[0].decode(Int64.self, column: "ID")
            }
            return (messages, commands)
        }
        let held = try a.beginTransaction(.claim)
        let now = try DatabaseClock.now(in: held)
        let until = DatabaseClock.adding(.seconds(60), to: now)
        guard try Leases.claim(.outbox, id: messages[0], by: "worker-a", until: until, now: now, in: held),
              try Leases.claim(.commands, id: commands[0], by: "worker-a", until: until, now: now, in: held)
        else { throw FirebirdError(code: .misuse, message: "worker A could not claim its rows") }
        return HeldClaimFixture(a: a, b: b, configuration: configuration, messages: messages, commands: commands, held: held)
    }

    func close() {
        try? held.rollback()
        try? a.close()
        try? b.close()
    }

    /// Worker B's claims of `ids` in one transaction with `options`, in order; the seconds they took.
    func claimAsB(_ table: ClaimTable, _ ids: [Int64], options: TransactionOptions) throws -> (taken: [Bool], seconds: Double) {
        let started = ContinuousClock.now
        let taken = try b.inTransaction(options) { tx in
            let now = try DatabaseClock.now(in: tx)
            #expect(Set(try Leases.dueIDs(table, limit: 10, now: now, in: tx)) == Set(ids).union([table == .outbox ? messages[0] : commands[0]]),
                    "A's claim is uncommitted, so B still lists its row as due")
            return try ids.map { id in
                try Leases.claim(table, id: id, by: "worker-b", until: DatabaseClock.adding(.seconds(60), to: now), now: now, in: tx)
            }
        }
        let elapsed = (ContinuousClock.now - started).components
        return (taken, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }
}

/// Firebird 5: the claim's `UPDATE … SKIP LOCKED` passes over a row another worker's open transaction
/// holds, at once and without an error, even in a transaction that would wait on a lock.
@Suite(.serialized, .enabled(if: StoreTestEngine.hasSkipLocked, "SKIP LOCKED needs Firebird 5; this engine is older (scripts/test-fb5 runs these)"))
struct SkipLockedClaimTests {
    @Test func aRowHeldByAnotherWorkersOpenTransactionIsPassedOverAndTheOthersAreTaken() throws {
        let f = try HeldClaimFixture.make("store-skip-locked")
        defer { f.close() }
        #expect(try Leases.hasSkipLocked(f.a) && Leases.hasSkipLocked(f.b))

        // B's transaction would wait up to 10 s on a lock; SKIP LOCKED means it never does.
        let waiting = TransactionOptions(isolation: .readCommitted, lockResolution: .timeout(seconds: 10))
        for (table, ids) in [(ClaimTable.outbox, f.messages), (.commands, f.commands)] {
            let (taken, seconds) = try f.claimAsB(table, ids, options: waiting)
            #expect(taken == [false, true, true], "\(table): A's row is skipped, the other two are B's")
            #expect(seconds < 2, "\(table): B did not wait on A's row (\(seconds) s)")
        }
        let claimedBy = try f.b.query("SELECT ID, CLAIMED_BY FROM MISLINK_OUTBOX ORDER BY ID")
            .map { try $0.decode(String?.self, column: "CLAIMED_BY") }
        #expect(claimedBy == [nil, "worker-b", "worker-b"], "A's claim is not committed yet; B's two are")

        // A gives up (its transaction rolls back): the row is due again and B takes it.
        try f.held.rollback()
        let retaken = try f.b.inTransaction(.claim) { tx in
            let now = try DatabaseClock.now(in: tx)
            return try Leases.claim(.outbox, id: f.messages[0], by: "worker-b", until: DatabaseClock.adding(.seconds(60), to: now),
                                    now: now, in: tx)
        }
        #expect(retaken)
    }

    /// LeaseClaimTests' race on Firebird 5, whose store fixture attaches through the local Firebird 3 server.
    @Test func twoClaimersRacingForTheSameRowsTakeEachRowOnce() async throws {
        let f = try HeldClaimFixture.make("store-skip-locked-race")
        defer { f.close() }
        try f.held.rollback()
        let first = try await FirebirdConnection.connect(f.configuration), second = try await FirebirdConnection.connect(f.configuration)
        let a = Leases(database: first, worker: "worker-a", duration: .seconds(60))
        let b = Leases(database: second, worker: "worker-b", duration: .seconds(60))
        let ids = try await a.dueIDs(.outbox, limit: 100)
        #expect(Set(ids) == Set(f.messages))
        async let takenByA = LeaseClaimTests.claimAll(ids, with: a)
        async let takenByB = LeaseClaimTests.claimAll(ids.reversed(), with: b)
        let (rowsA, rowsB) = try await (takenByA, takenByB)
        try? await first.close()
        try? await second.close()
        #expect(Set(rowsA.map(\.id)).isDisjoint(with: rowsB.map(\.id)), "no row may be claimed by both")
        #expect(Set(rowsA.map(\.id)).union(rowsB.map(\.id)) == Set(ids), "every due row is claimed by one of them")
        for row in rowsA + rowsB { #expect(row.attempts == 1) }
    }

    @Test func theLeasesOfASecondConnectionGetTheOtherRowsWhileOneIsHeld() async throws {
        let f = try HeldClaimFixture.make("store-skip-locked-leases")
        defer { f.close() }
        let other = try await FirebirdConnection.connect(f.configuration)
        let b = Leases(database: other, worker: "worker-b", duration: .seconds(60))
        var taken: [Int64] = []
        for id in try await b.dueIDs(.outbox, limit: 10) {
            if let row = try await b.claim(.outbox, id: id, read: { tx, now in try OutboxRow.read(id, now: now, in: tx) }) {
                taken.append(row.id)
            }
        }
        try? await other.close()
        #expect(Set(taken) == Set(f.messages.dropFirst()))
    }
}

/// Firebird 3 and 4 have no SKIP LOCKED: the claim keeps its NO WAIT `UPDATE`, and a row another worker's
/// open transaction holds is a lock conflict at once (``Leases/claim(_:id:read:)`` turns it into `nil`).
@Suite(.serialized, .enabled(if: StoreTestEngine.lacksSkipLocked, "this engine has SKIP LOCKED (Firebird 5): SkipLockedClaimTests covers it"))
struct NoWaitClaimTests {
    @Test func aRowHeldByAnotherWorkersOpenTransactionIsALockConflictAtOnce() throws {
        let f = try HeldClaimFixture.make("store-no-wait")
        defer { f.close() }
        #expect(try Leases.hasSkipLocked(f.b) == false)
        let started = ContinuousClock.now
        #expect(throws: FirebirdError.self) {
            try f.b.inTransaction(.claim) { tx in
                let now = try DatabaseClock.now(in: tx)
                _ = try Leases.claim(.outbox, id: f.messages[0], by: "worker-b", until: DatabaseClock.adding(.seconds(60), to: now),
                                     now: now, in: tx)
            }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        let (taken, _) = try f.claimAsB(.outbox, Array(f.messages.dropFirst()), options: .claim)
        #expect(taken == [true, true])
    }
}
