import Firebird
import Foundation
import MisLinkEmulator
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import Testing

/// A MIS without an appeals table (profile.json `"appeals": false`): MisLink's own `MISLINK_APPEALS` rows
/// (`IS_OWN = 1`, core V014) are the appeals, and chats, calls, booking and cancelling work as on the
/// reference. The profile is a copy of the reference that says `"appeals": false` and whose `book_visit`
/// leaves `:appeal_id` unused (the reference's SCHEDULE.APPEAL_ID points at APPEALS, which own appeals are
/// not in), so the booking route enters `booked` itself and V014's trigger closes the appeal.
@Suite("Own appeals: MISLINK_APPEALS is the appeal when the MIS has none")
struct OwnAppealTests {
    static func profile() throws -> String {
        try IntakeProfileTests.referenceCopy("own-appeals", manifest: { text in
            #expect(text.contains("\"appeals\": true"))
            return text.replacingOccurrences(of: "\"appeals\": true", with: "\"appeals\": false")
        }, statements: { text in
            let old = ":minutes, :appeal_id, :operator_id) B"
            #expect(text.contains(old))
            return text.replacingOccurrences(of: old, with: ":minutes, CAST(NULL AS INTEGER), :operator_id) B")
        })
    }

    /// The own appeal's row: STATUS, RESULT, OPERATOR_ID, PATIENT_ID, IS_DETACHED, LAST_OPERATOR_ID, IS_OWN.
    static func appeal(_ harness: WorkerHarness, _ id: Int64) async throws
        -> (status: String, result: String?, operatorID: Int64?, patientID: Int64?, detached: Bool, last: Int64?, own: Bool) {
        let row = try #require(try await harness.query(
            """
            SELECT STATUS, RESULT, OPERATOR_ID, PATIENT_ID, IS_DETACHED, LAST_OPERATOR_ID, IS_OWN
              FROM MISLINK_APPEALS WHERE APPEAL_ID = ?
            """, [.bigint(id)]).first, "MISLINK_APPEALS row \(id)")
        return (try row.decode(String.self, at: 0), try row.decode(String?.self, at: 1), try row.decode(Int64?.self, at: 2),
                try row.decode(Int64?.self, at: 3), try row.decode(Int.self, at: 4) == 1, try row.decode(Int64?.self, at: 5),
                try row.decode(Int.self, at: 6) == 1)
    }

    static func threadAppeal(_ fixture: ChatFixture, _ provider: String, _ externalID: String) async throws -> Int64 {
        let rows = try await fixture.harness.query(
            "SELECT APPEAL_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = ? AND EXTERNAL_ID = ?", [.text(provider), .text(externalID)])
        return try #require(try rows.first?.decode(Int64?.self, at: 0), "thread \(provider):\(externalID) has an appeal")
    }

    @Test func aFinishedChatKeepsItsOwnAppealOpenUntilBookingClosesIt() async throws {
        let fixture = try await ChatFixture.start("own-chat-booked", profile: try Self.profile())
        defer { Task { await fixture.stop() } }
        try await fixture.play("chatwoot-closed-by-operator")
        let appeal = try await Self.threadAppeal(fixture, "chatwoot", "420")

        // A new thread created an own appeal with the patient identified; the finished thread leaves it open
        // for the operator who had it.
        let row = try await Self.appeal(fixture.harness, appeal)
        #expect(row.own && row.status == "open" && row.result == nil)
        #expect(row.patientID == 9010 && row.operatorID == 901 && !row.detached && row.last == 901)
        let side = try await fixture.harness.query(
            "SELECT TRIM(CHANNEL), TRIM(SOURCE), PATIENT_DISPLAY, CLOSED_AT FROM MISLINK_APPEALS WHERE APPEAL_ID = ?", [.bigint(appeal)])[0]
        #expect(try side.decode(String.self, at: 0) == "whatsapp" && side.decode(String.self, at: 1) == "chat")
        #expect(try side.decode(String?.self, at: 2)?.contains("и ещё 1") == true)
        #expect(try side.decode(FirebirdTimestamp?.self, at: 3) == nil)
        #expect(try await fixture.chain(Int(appeal)) == ["created:0>0", "assigned:0>901", "closed:0>901"])
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM APPEALS") == 0)  // nothing in the MIS's table

        // The thread list reads the appeal's status from MISLINK_APPEALS.
        let page = try await fixture.harness.api("/api/v1/threads?operator=901")
        #expect(page.status == 200)
        expectDocumented("GET", "/api/v1/threads", page)
        let items = try #require((try JSONSerialization.jsonObject(with: page.body) as? [String: Any])?["items"] as? [[String: Any]])
        #expect(items.count == 1 && (items.first?["appeal_status"] as? String) == "open")
        #expect((items.first?["appeal_id"] as? NSNumber)?.int64Value == appeal)

        // Booking from the appeal through the REST API closes it: booked, then closed with RESULT 'booked'.
        let booked = try await fixture.post("/api/v1/appeals/\(appeal)/booking", #"{"doctor_id":904,"start_at":"2030-03-14T10:30"}"#)
        #expect(booked.status == 201, "\(booked.text)")
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/booking", booked)
        let after = try await Self.appeal(fixture.harness, appeal)
        #expect(after.status == "closed" && after.result == "booked")
        let visit = try await fixture.harness.query("SELECT PATIENT_ID FROM SCHEDULE WHERE DOCTOR_ID = 904")
        #expect(try visit.map { try $0.decode(Int64.self, at: 0) } == [9010])  // the appeal's patient
        #expect(try await fixture.harness.count(
            "SELECT COUNT(*) FROM MISLINK_APPEALS WHERE APPEAL_ID = ? AND BOOKED_SCHEDULE_ID IS NOT NULL AND CLOSED_AT IS NOT NULL",
            [.bigint(appeal)]) == 1)
        let chain = try await fixture.chain(Int(appeal))
        #expect(chain.suffix(2) == ["booked:0>0", "closed:0>901"], "\(chain)")
        // A closed appeal books no more.
        let again = try await fixture.post("/api/v1/appeals/\(appeal)/booking", #"{"doctor_id":904,"start_at":"2030-03-15T10:30"}"#)
        #expect(again.status == 404)
        let listed = try await fixture.harness.api("/api/v1/threads?operator=901")
        let closedItems = (try JSONSerialization.jsonObject(with: listed.body) as? [String: Any])?["items"] as? [[String: Any]]
        #expect((closedItems?.first?["appeal_status"] as? String) == "closed")
    }

    @Test func aReleasedChatKeepsItsOwnAppealDetachedForTheNextOperator() async throws {
        let fixture = try await ChatFixture.start("own-chat-released", profile: try Self.profile())
        defer { Task { await fixture.stop() } }
        try await fixture.play("chatwoot-released-then-picked-up") { step in
            guard step == 3 else { return }
            // Left ivanova's queue unfinished: the appeal waits, detached, remembering her.
            let appeal = try await Self.threadAppeal(fixture, "chatwoot", "410")
            let row = try await Self.appeal(fixture.harness, appeal)
            #expect(row.own && row.status == "open" && row.operatorID == nil && row.detached && row.last == 901)
        }
        let appeal = try await Self.threadAppeal(fixture, "chatwoot", "410")
        let row = try await Self.appeal(fixture.harness, appeal)
        #expect(row.status == "open" && row.operatorID == 902 && !row.detached && row.last == 902)
        #expect(try await fixture.chain(Int(appeal)) == ["created:0>0", "assigned:0>901", "released:901>901", "reopened:901>902"])
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_APPEALS WHERE IS_OWN = 1") == 1)
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS IN ('failed', 'retrying')") == 0)
    }

    @Test func cancellingAnOwnAppealThroughTheAPIEntersTheChain() async throws {
        let fixture = try await ChatFixture.start("own-chat-cancel", profile: try Self.profile())
        defer { Task { await fixture.stop() } }
        try await fixture.play("edna-closed-by-client-timeout")
        let appeal = try await Self.threadAppeal(fixture, "edna", "7004")
        #expect(try await Self.appeal(fixture.harness, appeal).status == "open")

        let cancelled = try await fixture.post("/api/v1/appeals/\(appeal)/cancel", #"{"reason":"передумал 🙂"}"#)
        #expect(cancelled.status == 200, "\(cancelled.text)")
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/cancel", cancelled)
        let body = try JSONSerialization.jsonObject(with: cancelled.body) as? [String: Any]
        #expect((body?["status"] as? String) == "cancelled" && (body?["result"] as? String) == "передумал 🙂")
        let row = try await Self.appeal(fixture.harness, appeal)
        #expect(row.status == "cancelled" && row.result == "передумал 🙂")
        #expect(try await fixture.chain(Int(appeal)).last == "cancelled:0>901")
        let detail = try await fixture.harness.query(
            "SELECT DETAIL FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? AND EVENT_TYPE = 'cancelled'", [.bigint(appeal)])
        #expect(try detail.first?.decode(String?.self, at: 0) == "appeal cancelled: передумал 🙂")

        let again = try await fixture.post("/api/v1/appeals/\(appeal)/cancel", "{}")
        #expect(again.status == 409)
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/cancel", again)
        let missing = try await fixture.post("/api/v1/appeals/987654/cancel", "{}")
        #expect(missing.status == 404)
    }

    @Test func anAnsweredCallOpensAnOwnAppealThatMovesOnTransfer() async throws {
        let profile = try Self.profile()
        let harness = try await WorkerHarness.start(label: "own-call", configure: { $0.mis.profile = profile })
        defer { Task { await harness.stop() } }
        try await TelephonyTests.clinic(harness)
        let t = 1_790_000_000
        _ = try await harness.mango("events/call", json: callEvent(entry: "O1", call: "O1-102", seq: 1, state: "Appeared", timestamp: t, toExtension: "102"))
        _ = try await harness.mango("events/call", json: callEvent(entry: "O1", call: "O1-102", seq: 2, state: "Connected", timestamp: t + 8, toExtension: "102"))
        let call = try await harness.query("SELECT APPEAL_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'O1'")
        let appeal = try #require(try call.first?.decode(Int64?.self, at: 0))
        let row = try await Self.appeal(harness, appeal)
        #expect(row.own && row.status == "open" && row.operatorID == 902 && row.patientID == 9010 && row.last == 902)
        let side = try await harness.query(
            "SELECT TRIM(CHANNEL), TRIM(SOURCE), CONTACT_PHONE, CONTACT_NAME FROM MISLINK_APPEALS WHERE APPEAL_ID = ?", [.bigint(appeal)])[0]
        #expect(try side.decode(String.self, at: 0) == "phone" && side.decode(String.self, at: 1) == "call")
        #expect(try side.decode(String?.self, at: 2) == "79161234567" && side.decode(String?.self, at: 3) == "Смирнова Елена Павловна")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALL_CARDS WHERE APPEAL_ID = ?", [.bigint(appeal)]) == 1)

        // 902 transfers to 903, who answers: the own appeal moves with the call.
        _ = try await harness.mango("events/call", json: callEvent(entry: "O1", call: "O1-t903", seq: 1, state: "Appeared", timestamp: t + 60, toExtension: "103"))
        _ = try await harness.mango("events/call", json: callEvent(entry: "O1", call: "O1-t903", seq: 2, state: "Connected", timestamp: t + 70, toExtension: "103"))
        #expect(try await Self.appeal(harness, appeal).operatorID == 903)
        let chain = try await harness.query(
            "SELECT EVENT_TYPE, STAFF_ID, FROM_STAFF_ID FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? ORDER BY ID", [.bigint(appeal)])
        #expect(try chain.map { try $0.decode(String.self, at: 0) } == ["created", "transferred"])
        #expect(try chain[1].decode(Int64?.self, at: 1) == 903 && chain[1].decode(Int64?.self, at: 2) == 902)
        #expect(try await harness.count("SELECT COUNT(*) FROM APPEALS") == 0)

        // Booking from the call's appeal closes it.
        let booked = try await harness.client.execute(.json(
            "\(harness.worker.baseURL)/api/v1/appeals/\(appeal)/booking", body: Data(#"{"doctor_id":904,"start_at":"2030-03-14T11:00"}"#.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(booked.status == 201, "\(booked.text)")
        let closed = try await Self.appeal(harness, appeal)
        #expect(closed.status == "closed" && closed.result == "booked")
    }
}
