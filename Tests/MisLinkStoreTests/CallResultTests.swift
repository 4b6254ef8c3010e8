import Firebird
import Foundation
import MisLinkStore
import Testing

/// The one rule that decides a call's result, and the intake's call statements that use it.
@Suite struct CallResultTests {
    @Test func theRuleDecidesEveryResult() {
        #expect(CallResult.decide(direction: .inbound, talked: true, reachedSomeone: false) == .answered)
        #expect(CallResult.decide(direction: .outbound, talked: true) == .answered)
        #expect(CallResult.decide(direction: .inbound, talked: false, reachedSomeone: true) == .missed)
        #expect(CallResult.decide(direction: .inbound, talked: false, reachedSomeone: false) == .abandoned)
        #expect(CallResult.decide(direction: .inbound, talked: false) == .missed, "not known whether it reached someone: missed")
        #expect(CallResult.decide(direction: .outbound, talked: false, reachedSomeone: true) == .notReached)
        #expect(CallResult.decide(direction: .internal, talked: false) == .missed)
        #expect(CallResult.notReached.rawValue == "not_reached" && CallDirection.inbound.rawValue == "in")
    }

    @Test func aCallStartsFollowsItsLegsAndEndsWithItsSummary() async throws {
        try await StoreFixture.with("store-call-life") { f in
            let t0 = FirebirdTimestamp(Date(timeIntervalSince1970: 1_790_000_000), in: DatabaseClock.utc)
            let t1 = FirebirdTimestamp(Date(timeIntervalSince1970: 1_790_000_010), in: DatabaseClock.utc)
            let now = FirebirdTimestamp(Date(timeIntervalSince1970: 1_790_000_100), in: DatabaseClock.utc)
            let call = NewCall(
                pbxCallId: "entry-1", direction: .inbound, state: .ringing, fromNumber: "79171234567", fromExtension: nil,
                toNumber: nil, toExtension: "101", lineNumber: "74950000000", acdGroup: nil, startedAt: t0,
                caller: CallerMatch(phoneKey: "9171234567", patientId: 42, patientOthers: 2, patientMatch: "PHONE_MOBILE"),
                commandId: nil)
            let ringing = CallLegEvent(
                pbxLegId: "leg-1", seq: 1, state: .ringing, fromNumber: "79171234567", fromExtension: nil, toNumber: nil,
                toExtension: "101", location: "abonent", acdGroup: nil, transferType: nil, disconnectReason: nil, at: t0,
                connected: false)
            var talking = ringing
            talking.seq = 2
            talking.state = .talking
            talking.connected = true
            talking.at = t1
            let (id, leg, older, newer, found) = try await f.db.withTransaction(.default) { [talking] tx in
                let id = try #require(try Calls.insert(call, now: now, in: tx))
                let leg = try #require(try CallLegs.insert(ringing, call: id, staff: 11, command: nil, now: now, in: tx))
                let newer = try CallLegs.advance(leg, with: talking, now: now, in: tx)
                try Calls.follow(id, state: .talking, answeredAt: t1, acdGroup: nil, transferred: false, now: now, in: tx)
                let older = try CallLegs.advance(leg, with: ringing, now: now, in: tx)
                return (id, leg, older, newer, try Calls.find(pbxCallId: "entry-1", in: tx))
            }
            #expect(newer && !older, "a leg takes a newer seq and refuses an older one")
            #expect(found?.id == id && found?.state == .talking)
            #expect(try await f.db.withTransaction(.read) { try CallLegs.id(pbxLegId: "leg-1", in: $0) } == leg)

            let summary = CallSummary(direction: .inbound, result: .answered, endedAt: t1, answeredAt: t1, waitSec: 10,
                                      talkSec: 0, durationSec: 10, disconnectReason: 1100)
            let ended = try await f.db.withTransaction(.default) { tx in
                (try Calls.end(pbxCallId: "entry-1", with: summary, now: now, in: tx),
                 try Calls.end(pbxCallId: "no-such-entry", with: summary, now: now, in: tx))
            }
            #expect(ended.0 == id && ended.1 == nil)
            let row = try await f.db.withTransaction(.read) { tx in
                try tx.attachment.query(
                    """
                    SELECT STATE, RESULT, CLOSED_BY, PATIENT_ID, PATIENT_OTHERS, PHONE_KEY, ANSWERED_AT, DISCONNECT_REASON
                      FROM MISLINK_CALLS WHERE ID = \(id)
                    """, in: tx)[0]
            }
            #expect(try row.decode(String.self, column: "STATE") == "ended" && row.decode(String.self, column: "RESULT") == "answered")
            #expect(try row.decode(String.self, column: "CLOSED_BY") == "summary" && row.decode(Int64.self, column: "PATIENT_ID") == 42)
            #expect(try row.decode(Int.self, column: "PATIENT_OTHERS") == 2 && row.decode(String.self, column: "PHONE_KEY") == "9171234567")
            #expect(try row.decode(FirebirdTimestamp.self, column: "ANSWERED_AT") == t1)
            #expect(try row.decode(Int.self, column: "DISCONNECT_REASON") == 1100)
        }
    }

    @Test func theSweepJudgesStuckCallsByTheSameRule() async throws {
        try await StoreFixture.with("store-call-sweep") { f in
            let old = FirebirdTimestamp(Date(timeIntervalSince1970: 1_790_000_000), in: DatabaseClock.utc)
            for (id, direction, answered) in [(Int64(1), "in", false), (2, "out", false), (3, "in", true), (4, "internal", false)] {
                let answeredAt: FirebirdTimestamp? = answered ? old : nil
                try await f.execute(
                    """
                    INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STATE, STARTED_AT, ANSWERED_AT, UPDATED_AT)
                    VALUES (\(id), \("stuck-\(id)"), \(direction), 'talking', \(old), \(answeredAt), \(old))
                    """)
            }
            let closed = try await f.db.withTransaction(.default) { tx in
                try Calls.closeStuck(updatedBefore: Date(timeIntervalSince1970: 1_790_000_600), now: Date(), in: tx)
            }
            #expect(closed == 4)
            let results = try await f.db.withTransaction(.read) { tx in
                try tx.attachment.query("SELECT ID, RESULT, STATE, CLOSED_BY FROM MISLINK_CALLS ORDER BY ID", in: tx).map {
                    (try $0.decode(Int64.self, column: "ID"), try $0.decode(CallResult.self, column: "RESULT"),
                     try $0.decode(CallState.self, column: "STATE"), try $0.decode(CallCloser.self, column: "CLOSED_BY"))
                }
            }
            #expect(results.map(\.1) == [.missed, .notReached, .answered, .missed])
            #expect(results.allSatisfy { $0.2 == .ended && $0.3 == .sweep })
        }
    }

    @Test func aCommandResultEndsTheCommandOnce() async throws {
        try await StoreFixture.with("store-command-result") { f in
            let id = try await f.insertCommand()
            try await f.execute("UPDATE MISLINK_COMMANDS SET STATUS = 'sent', PBX_COMMAND_ID = \("mislink-cmd-\(id)") WHERE ID = \(id)")
            let now = FirebirdTimestamp(Date(), in: DatabaseClock.utc)
            let recorded = try await f.db.withTransaction(.default) { tx in
                (try Commands.recordResult(pbxCommandId: "mislink-cmd-\(id)", code: "1000", success: true, now: now, in: tx),
                 try Commands.recordResult(pbxCommandId: "mislink-cmd-\(id)", code: "3100", success: false, now: now, in: tx),
                 try Commands.recordResult(pbxCommandId: "unknown", code: "1000", success: true, now: now, in: tx))
            }
            #expect(recorded == (true, true, false))
            let row = try await f.db.withTransaction(.read) { try Commands.command(id, in: $0) }
            #expect(row?.status == .done, "a final status stays")
            #expect(row?.resultCode == "3100" && row?.doneAt != nil)
        }
    }

    @Test func anEventWritesItsCallOnceAndOnlyWhenItChangesIt() async throws {
        try await StoreFixture.with("store-call-change") { f in
            @Sendable func at(_ seconds: Int) -> FirebirdTimestamp {
                FirebirdTimestamp(Date(timeIntervalSince1970: TimeInterval(1_790_000_000 + seconds)), in: DatabaseClock.utc)
            }
            let call = NewCall(
                pbxCallId: "entry-change", direction: .inbound, state: .ringing, fromNumber: "79171234567", fromExtension: nil,
                toNumber: nil, toExtension: "101", lineNumber: nil, acdGroup: nil, startedAt: at(0), caller: .none, commandId: nil)
            let leg = CallLegEvent(
                pbxLegId: "leg-change", seq: 1, state: .talking, fromNumber: "79171234567", fromExtension: nil, toNumber: nil,
                toExtension: "102", location: "abonent", acdGroup: nil, transferType: nil, disconnectReason: nil, at: at(30),
                connected: true)
            let (id, unchanged, credit) = try await f.db.withTransaction(.default) { tx in
                let id = try #require(try Calls.insert(call, now: at(1), in: tx))
                // Nothing new: the row keeps its version and UPDATED_AT.
                try Calls.write(CallChange(state: .ringing), call: id, now: at(2), in: tx)
                try Calls.write(CallChange(), call: id, now: at(2), in: tx)
                let unchanged = try tx.attachment.query("SELECT UPDATED_AT FROM MISLINK_CALLS WHERE ID = \(id)", in: tx)[0]
                    .decode(FirebirdTimestamp.self, column: "UPDATED_AT")
                // A colleague (12) connected at 30 s: 11, connecting at 10 s, answered first but is not the latest.
                _ = try CallLegs.insert(leg, call: id, staff: 12, command: nil, now: at(30), in: tx)
                let credit = try #require(try Calls.answerCredit(id, staff: 11, answeredAt: at(10), in: tx))
                var change = CallChange(state: .talking, answeredAt: at(10))
                change.credit = AnswerCredit(staff: 11, operatorExtension: "101", latest: credit.latest, first: credit.first)
                try Calls.write(change, call: id, now: at(11), in: tx)
                return (id, unchanged, credit)
            }
            #expect(unchanged == at(1), "a change that changes nothing does not write the row")
            #expect(!credit.latest && credit.first)
            let summary = CallSummary(direction: .inbound, result: .missed, endedAt: at(60), answeredAt: nil, waitSec: 60,
                                      talkSec: 0, durationSec: 60, disconnectReason: nil)
            _ = try await f.db.withTransaction(.default) { tx in
                try Calls.end(pbxCallId: "entry-change", with: summary, awaitingCallback: true, missedBy: 13, now: at(61), in: tx)
            }
            let row = try await f.db.withTransaction(.read) { tx in
                try tx.attachment.query(
                    """
                    SELECT STATE, STATUS, ANSWERED_AT, OPERATOR_ID, OPERATOR_EXTENSION, ANSWERED_BY_ID, UPDATED_AT
                      FROM MISLINK_CALLS WHERE ID = \(id)
                    """, in: tx)[0]
            }
            #expect(try row.decode(String.self, column: "STATE") == "ended" && row.decode(String.self, column: "STATUS") == "to_call_back")
            #expect(try row.decode(FirebirdTimestamp.self, column: "ANSWERED_AT") == at(10))
            #expect(try row.decode(Int64?.self, column: "OPERATOR_ID") == 13, "not the latest: 11 is not credited as the operator")
            #expect(try row.decode(Int64?.self, column: "ANSWERED_BY_ID") == 11)
            #expect(try row.decode(FirebirdTimestamp.self, column: "UPDATED_AT") == at(61))
        }
    }
}
