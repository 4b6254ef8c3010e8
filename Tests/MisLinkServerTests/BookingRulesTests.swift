import Firebird
import Foundation
import MisLinkHTTP
import MisLinkTestSupport
import Testing

/// The MIS's own booking rules on every shipped profile: a slot the doctor already has, or a time in the
/// past, is refused by the MIS (the reference's MISLINK_SCHEDULE_BOOK, МедБаза's ZAPIS_NA_PRIEM) and the
/// operator gets its words as a 409; the booking that went through records the operator who made it.
@Suite("Booking rules of the MIS: double booking and the past refused with the MIS's text")
struct BookingRulesTests {
    /// The operator on extension 101 gets the password `demo`; their MIS login.
    static func signInOperatorA(_ f: EveryProfileFixture) async throws -> ConsoleClient.Session {
        let hash = ConsoleAuthTests.demoHash
        let login: String
        switch f.world.profile {
        case "medbase":
            try await f.harness.execute([
                "UPDATE LOGINY_SOTR SET PAROL_HASH = '\(hash)' WHERE KOD_SOTR = \(f.world.operatorA) AND SISTEMA = 'MIS'",
            ])
            login = "SMIRNOVA"
        default:
            try await f.harness.execute(["UPDATE STAFF SET MIS_LOGIN = 'ivanova', PASSWORD_HASH = '\(hash)' WHERE ID = \(f.world.operatorA)"])
            login = "ivanova"
        }
        let console = ConsoleClient(harness: f.harness)
        let answer = try await console.signIn(login, "demo")
        #expect(answer.status == 200, "\(answer.text)")
        return try console.session(from: answer)
    }

    /// The appeal an answered call from the scenarios' caller opened.
    static func appeal(_ f: EveryProfileFixture, run: String) async throws -> Int64 {
        let entry = try await f.harness.playMango("inbound-answered", run: run)
        return try #require(try await f.harness.query(
            "SELECT APPEAL_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(entry)]).first?.decode(Int64?.self, at: 0),
            "the answered call has an appeal")
    }

    /// Who the MIS recorded as having booked the visit.
    static func bookedBy(_ f: EveryProfileFixture, visit: Int64) async throws -> Int64? {
        let sql = f.world.profile == "medbase"
            ? "SELECT KTO_ZAPISAL FROM PRIEMY WHERE KOD = ?" : "SELECT CREATED_BY FROM SCHEDULE WHERE ID = ?"
        return try await f.harness.query(sql, [.bigint(visit)]).first?.decode(Int64?.self, at: 0)
    }

    static func body(_ f: EveryProfileFixture, at start: FirebirdTimestamp) -> String {
        let at = String(start.description.prefix(19)).replacingOccurrences(of: " ", with: "T")
        return #"{"doctor_id":\#(f.world.doctor),"service_id":\#(f.world.service),"start_at":"\#(at)"}"#
    }

    @Test(arguments: ProfileWorld.all)
    func aTakenSlotAndThePastAreRefusedWithTheMISsWords(_ world: ProfileWorld) async throws {
        let f = try await EveryProfileFixture.start(world, "booking-rules")
        defer { Task { await f.stop() } }
        let session = try await Self.signInOperatorA(f)
        let first = try await Self.appeal(f, run: "r1")
        let slot = try await f.freeSlot()

        // The operator books a free slot: the MIS records them as the one who booked it.
        let booked = try await session.send("POST", "/api/v1/appeals/\(first)/booking", Self.body(f, at: slot))
        #expect(booked.status == 201, "\(booked.text)")
        let visit = try #require((f.json(booked)["schedule_id"] as? NSNumber)?.int64Value, "\(booked.text)")
        #expect(try await Self.bookedBy(f, visit: visit) == world.operatorA)

        // Another caller's appeal asks for the same slot: refused by the MIS, in its own words, nothing booked.
        let second = try await Self.appeal(f, run: "r2")
        let taken = try await session.send("POST", "/api/v1/appeals/\(second)/booking", Self.body(f, at: slot))
        #expect(taken.status == 409 && taken.text.contains("уже занято"), "\(taken.text)")
        expectDocumented("POST", "/api/v1/appeals/\(second)/booking", taken)
        #expect(try await f.appeal(second).status == "open")

        // A time that has passed: yesterday at 10:00.
        let yesterday = Calendar(identifier: .gregorian).startOfDay(for: Date()).addingTimeInterval(-86_400 + 10 * 3600)
        let past = try await session.send("POST", "/api/v1/appeals/\(second)/booking",
                                          Self.body(f, at: FirebirdTimestamp(yesterday, in: .current)))
        #expect(past.status == 409 && past.text.contains("прошедшее время"), "\(past.text)")
        #expect(try await f.appeal(second).status == "open")
    }
}
