import Firebird
import Foundation
import MisLinkStore
import Testing

/// The console's store: sessions (found, touched, ended, purged), the sign-in lock-out on the database's
/// clock, and the audit trail.
@Suite("Store: console sessions, lock-out and audit")
struct SessionStoreTests {
    static let hash = String(repeating: "ab", count: 32)

    static func new(_ hash: String = Self.hash) -> Sessions.New {
        Sessions.New(tokenHash: hash, staffId: 77_000_000_000_001, login: "Иванова", staffName: "Иванова Анна 🙂",
                     role: .operator_, csrfToken: "csrf-1", origin: .password, clientAddress: "127.0.0.1")
    }

    @Test func aSessionIsFoundTouchedAndEnded() async throws {
        try await StoreFixture.with("store-sessions") { f in
            try await f.db.withTransaction { try Sessions.insert(Self.new(), in: $0) }
            let found = try #require(try await f.db.withTransaction(.read) { try Sessions.find(tokenHash: Self.hash, in: $0) })
            #expect(found.staffId == 77_000_000_000_001 && found.login == "Иванова" && found.staffName == "Иванова Анна 🙂")
            #expect(found.role == .operator_ && found.origin == .password && found.csrfToken == "csrf-1" && found.endedAt == nil)
            #expect(abs(found.databaseNow.timeIntervalSince(found.lastSeenAt)) < 5)
            #expect(try await f.db.withTransaction(.read) { try Sessions.find(tokenHash: String(repeating: "0", count: 64), in: $0) } == nil)

            // Touching moves LAST_SEEN_AT to the database's now.
            try await f.execute("UPDATE MISLINK_SESSIONS SET LAST_SEEN_AT = DATEADD(-10 MINUTE TO LAST_SEEN_AT)")
            let idle = try #require(try await f.db.withTransaction(.read) { try Sessions.find(tokenHash: Self.hash, in: $0) })
            #expect(idle.databaseNow.timeIntervalSince(idle.lastSeenAt) > 590)
            try await f.db.withTransaction { try Sessions.touch(tokenHash: Self.hash, in: $0) }
            let touched = try #require(try await f.db.withTransaction(.read) { try Sessions.find(tokenHash: Self.hash, in: $0) })
            #expect(touched.databaseNow.timeIntervalSince(touched.lastSeenAt) < 5)

            #expect(try await f.db.withTransaction { try Sessions.end(tokenHash: Self.hash, in: $0) })
            #expect(try await f.db.withTransaction { try Sessions.end(tokenHash: Self.hash, in: $0) } == false)
            let ended = try #require(try await f.db.withTransaction(.read) { try Sessions.find(tokenHash: Self.hash, in: $0) })
            #expect(ended.endedAt != nil)

            // Purged once ended or idle for longer than asked; a recent one stays.
            try await f.db.withTransaction { try Sessions.insert(Self.new(String(repeating: "cd", count: 32)), in: $0) }
            #expect(try await f.db.withTransaction { try Sessions.purge(olderThanMinutes: 60, in: $0) } == 0)
            try await f.execute("UPDATE MISLINK_SESSIONS SET ENDED_AT = DATEADD(-2 HOUR TO ENDED_AT) WHERE ENDED_AT IS NOT NULL")
            #expect(try await f.db.withTransaction { try Sessions.purge(olderThanMinutes: 60, in: $0) } == 1)
            #expect(try await f.db.withTransaction(.read) { try Sessions.find(tokenHash: String(repeating: "cd", count: 32), in: $0) } != nil)
        }
    }

    @Test func failuresLockALoginWithinTheWindowAndTheLockPasses() async throws {
        try await StoreFixture.with("store-lockout") { f in
            func fail() async throws -> Bool {
                try await f.db.withTransaction { try SignInFailures.recordFailure(loginKey: "ivanova", maxFailures: 3, windowMinutes: 15, in: $0) }
            }
            #expect(try await fail() == false)
            #expect(try await fail() == false)
            #expect(try await fail())
            let left = try #require(try await f.db.withTransaction(.read) { try SignInFailures.lockedSeconds(loginKey: "ivanova", in: $0) })
            #expect((14 * 60...15 * 60 + 1).contains(left))
            #expect(try await f.db.withTransaction(.read) { try SignInFailures.lockedSeconds(loginKey: "petrova", in: $0) } == nil)

            // The lock passes; the next failure starts a new count.
            try await f.execute("UPDATE MISLINK_SIGN_IN_FAILURES SET LOCKED_UNTIL = DATEADD(-1 SECOND TO MISLINK_UTC_NOW())")
            #expect(try await f.db.withTransaction(.read) { try SignInFailures.lockedSeconds(loginKey: "ivanova", in: $0) } == nil)
            #expect(try await fail() == false)
            let count = try await f.db.withTransaction(.read) {
                try $0.attachment.queryValue("SELECT FAILURES FROM MISLINK_SIGN_IN_FAILURES WHERE LOGIN_KEY = 'ivanova'", as: Int.self, in: $0)
            }
            #expect(count == 1)

            // Failures older than the window do not count, and are purged.
            try await f.execute("UPDATE MISLINK_SIGN_IN_FAILURES SET FAILURES = 2, FIRST_FAILURE_AT = DATEADD(-16 MINUTE TO MISLINK_UTC_NOW())")
            #expect(try await f.db.withTransaction { try SignInFailures.purge(olderThanMinutes: 20, in: $0) } == 0)
            #expect(try await f.db.withTransaction { try SignInFailures.purge(olderThanMinutes: 15, in: $0) } == 1)
            #expect(try await fail() == false)
            try await f.db.withTransaction { try SignInFailures.clear(loginKey: "ivanova", in: $0) }
            #expect(try await f.db.withTransaction(.read) {
                try $0.attachment.queryValue("SELECT COUNT(*) FROM MISLINK_SIGN_IN_FAILURES", as: Int.self, in: $0)
            } == 0)
        }
    }

    @Test func theAuditTrailKeepsWhoDidWhat() async throws {
        try await StoreFixture.with("store-audit") { f in
            try await f.db.withTransaction { tx in
                try Audit.record(AuditEntry(staffId: 7, login: "ivanova", action: .callStatus, objectKind: "call", objectId: 17,
                                            details: String(repeating: "ж", count: 1500), clientAddress: "10.0.0.1"), in: tx)
                try Audit.record(AuditEntry(staffId: nil, login: "nobody", action: .signInFailed, clientAddress: "10.0.0.2"), in: tx)
                try Audit.record(AuditEntry(staffId: 8, login: "petrova", action: "card_dismiss", objectKind: "card", objectId: 3), in: tx)
            }
            let all = try await f.db.withTransaction(.read) { try Audit.list(.init(), limit: 10, in: $0) }
            #expect(all.map(\.action) == ["card_dismiss", .signInFailed, .callStatus])
            let call = try #require(all.last)
            #expect(call.staffId == 7 && call.objectKind == "call" && call.objectId == 17 && call.clientAddr == "10.0.0.1")
            #expect(call.details?.unicodeScalars.count == 1000)
            #expect(try await f.db.withTransaction(.read) { try Audit.list(.init(staffId: 8), limit: 10, in: $0) }.map(\.objectId) == [3])
            #expect(try await f.db.withTransaction(.read) {
                try Audit.list(.init(objectKind: "call", objectId: 17), limit: 10, in: $0)
            }.count == 1)
            // The action column takes lowercase names only.
            await #expect(throws: FirebirdError.self) {
                try await f.db.withTransaction { try Audit.record(AuditEntry(staffId: 1, login: "x", action: "Sign In"), in: $0) }
            }
        }
    }
}
