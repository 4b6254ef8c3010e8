import Firebird
import Foundation
import MisLinkEmulator
import MisLinkHTTP
import MisLinkProfiles
import MisLinkServer
import MisLinkTestSupport
import Testing

/// A worker over a new database of `world`'s MIS (its schema, demo data, MisLink's migrations and the
/// profile's), with the fake chat platforms.
struct EveryProfileFixture {
    let world: ProfileWorld
    let harness: WorkerHarness
    let chat: FakeChat
    let chatServer: RunningServer

    static func start(_ world: ProfileWorld, _ label: String) async throws -> EveryProfileFixture {
        let chat = FakeChat()
        let chatServer = try await RunningServer.start(router: chat.router())
        let harness = try await WorkerHarness.start(label: "\(label)-\(world.profile)", profile: world.profile, configure: { settings in
            settings.useFakeChat(chat, at: chatServer.baseURL)
            settings.chat.agents = world.agents
        })
        if !world.setup.isEmpty { try await harness.execute(world.setup) }
        return EveryProfileFixture(world: world, harness: harness, chat: chat, chatServer: chatServer)
    }

    func stop() async {
        await harness.stop()
        await chatServer.stop()
    }

    /// Sends the chat steps of a shipped scenario to the worker's webhooks.
    func playChat(_ name: String, run: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for step in try ScenarioLibrary().load(name).render(variables: ["run": run], start: 1_790_000_000) {
            guard case .chat(let platform, let json) = step else { continue }
            let delivery = await harness.sender.sendChat(platform: platform, json: json.compactText)
            #expect(delivery.status == 200, "\(name): \(delivery.error ?? "")", sourceLocation: sourceLocation)
        }
    }

    /// MisLink's row of an appeal: status, result, operator, patient, detached, own (1) or the MIS's (0).
    func appeal(_ id: Int64) async throws -> (status: String?, result: String?, operatorID: Int64?, detached: Bool, own: Bool) {
        let row = try #require(try await harness.query(
            "SELECT TRIM(STATUS) AS STATUS, TRIM(RESULT) AS RESULT, OPERATOR_ID, IS_DETACHED, IS_OWN FROM MISLINK_APPEALS WHERE APPEAL_ID = ?",
            [.bigint(id)]).first, "MISLINK_APPEALS row of appeal \(id)")
        return (try row.decode(String?.self, column: "STATUS"), try row.decode(String?.self, column: "RESULT"),
                try row.decode(Int64?.self, column: "OPERATOR_ID"), try row.decode(Int.self, column: "IS_DETACHED") == 1,
                try row.decode(Int.self, column: "IS_OWN") == 1)
    }

    /// The appeal's chain of event types, oldest first.
    func chain(_ id: Int64) async throws -> [String] {
        try await harness.query("SELECT TRIM(EVENT_TYPE) FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? ORDER BY ID", [.bigint(id)])
            .map { try $0.decode(String.self, at: 0) }
    }

    /// Rows of one of the profile's own statements (the MIS read the MIS's way, by alias).
    func profileRows(_ name: String, _ values: [String: FirebirdValue]) async throws -> [Row] {
        let statement = try world.loadProfile().statement(name)
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: harness.settings.database.dsn))
        defer { Task { try? await connection.close() } }
        return try await connection.query(try statement.query(values))
    }

    /// The first free slot of the world's doctor for its service, from the profile's `free_slots`,
    /// a few days ahead (clinic time).
    func freeSlot() async throws -> FirebirdTimestamp {
        let today = Calendar(identifier: .gregorian).startOfDay(for: Date())
        let from = FirebirdTimestamp(today.addingTimeInterval(2 * 86_400), in: .current)
        let to = FirebirdTimestamp(today.addingTimeInterval(12 * 86_400), in: .current)
        let slots = try await profileRows("free_slots", [
            "doctor_id": .bigint(world.doctor), "service_id": .bigint(world.service),
            "from": .timestamp(from), "to": .timestamp(to),
        ])
        let first = try #require(slots.first, "free_slots has no slot for doctor \(world.doctor)")
        return try first.decode(FirebirdTimestamp.self, column: "START_AT")
    }

    /// `POST /api/v1/appeals/{id}/booking` with the world's doctor and service at `start`.
    func book(_ appeal: Int64, at start: FirebirdTimestamp) async throws -> HTTPClientResponse {
        let at = String(start.description.prefix(19)).replacingOccurrences(of: " ", with: "T")
        return try await post("/api/v1/appeals/\(appeal)/booking",
                              #"{"doctor_id":\#(world.doctor),"service_id":\#(world.service),"start_at":"\#(at)"}"#)
    }

    func post(_ path: String, _ json: String) async throws -> HTTPClientResponse {
        try await harness.client.execute(.json(
            "\(harness.worker.baseURL)\(path)", body: Data(json.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
    }

    func json(_ response: HTTPClientResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
    }
}

/// The end-to-end paths on every shipped MIS profile: the reference clinic schema and МедБаза, which
/// differs from it in every dimension issue 16 lists. The same scenarios, the same assertions; only
/// the MIS's ids (``ProfileWorld``) differ.
@Suite("Every MIS profile: telephony, chat, identification, cards, booking, mailings, the report")
struct EveryProfileTests {
    @Test(arguments: ProfileWorld.all)
    func aCallIsIdentifiedCardedAndBookedFrom(_ world: ProfileWorld) async throws {
        let f = try await EveryProfileFixture.start(world, "every-call")
        defer { Task { await f.stop() } }

        // Ringing 101 then answered there: identified, "and N more", a card for the operator who rings.
        let entry = try await f.harness.playMango("inbound-answered", run: "c1")
        let call = try #require(try await f.harness.query(
            "SELECT RESULT, PATIENT_ID, PATIENT_OTHERS, PATIENT_MATCH, OPERATOR_ID, APPEAL_ID, ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?",
            [.text(entry)]).first)
        #expect(try call.decode(String?.self, column: "PATIENT_MATCH") == world.callerColumn)
        #expect(try call.decode(String.self, column: "RESULT") == "answered")
        #expect(try call.decode(Int64?.self, column: "PATIENT_ID") == world.callerPatient)
        #expect(try call.decode(Int.self, column: "PATIENT_OTHERS") == world.callerOthers)
        #expect(try call.decode(Int64?.self, column: "OPERATOR_ID") == world.operatorA)
        let callID = try call.decode(Int64.self, column: "ID")
        let card = try #require(try await f.harness.query(
            "SELECT STAFF_ID, PATIENT_ID, PATIENT_OTHERS, PATIENT_DISPLAY, LAST_VISIT_ID, STATE FROM MISLINK_CALL_CARDS WHERE CALL_ID = ?",
            [.bigint(callID)]).first, "a card for the operator who rang")
        #expect(try card.decode(Int64.self, column: "STAFF_ID") == world.operatorA)
        #expect(try card.decode(Int64?.self, column: "PATIENT_ID") == world.callerPatient)
        let display = try card.decode(String?.self, column: "PATIENT_DISPLAY") ?? "-"
        #expect(display.contains("и ещё \(world.callerOthers)"), "\(display)")
        #expect(try card.decode(Int64?.self, column: "LAST_VISIT_ID") == world.lastVisit)
        #expect(try card.decode(String.self, column: "STATE") == "answered_here")

        // The answer opened an appeal: the MIS's on the reference, MisLink's own on МедБаза.
        let appeal = try #require(try call.decode(Int64?.self, column: "APPEAL_ID"), "the answered call has an appeal")
        let opened = try await f.appeal(appeal)
        #expect(opened.status == "open" && opened.operatorID == world.operatorA)
        #expect(opened.own == (world.profile == "medbase"))

        // Booked from the call through the REST API: the MIS's own way (INSERT or its procedure).
        let slot = try await f.freeSlot()
        let booked = try await f.book(appeal, at: slot)
        #expect(booked.status == 201, "\(booked.text)")
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/booking", booked)
        let visitID = try #require((f.json(booked)["schedule_id"] as? NSNumber)?.int64Value, "\(booked.text)")
        let visit = try #require(try await f.profileRows("visit_get", ["visit_id": .bigint(visitID)]).first)
        #expect(try visit.decode(Int64.self, column: "PATIENT_ID") == world.callerPatient)
        #expect(try visit.decode(Int64.self, column: "DOCTOR_ID") == world.doctor)
        #expect(try visit.decode(String.self, column: "STATUS").trimmingCharacters(in: .whitespaces) == "booked")
        #expect(try visit.decode(FirebirdTimestamp.self, column: "START_AT") == slot)
        // The booking closes the appeal, the chain says so, and the confirmation is queued.
        let closed = try await f.appeal(appeal)
        #expect(closed.status == "closed" && closed.result == "booked", "\(closed)")
        let chain = try await f.chain(appeal)
        #expect(chain.first == "created" && chain.suffix(2) == ["booked", "closed"], "\(chain)")
        #expect(try await f.harness.count(
            "SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE SCHEDULE_ID = ? AND TEMPLATE_CODE = 'booking_confirmed'", [.bigint(visitID)]) == 1)

        // Another caller's appeal asks for the same slot: the MIS's procedure refuses it (МедБаза's
        // ZAPIS_NA_PRIEM, the reference's MISLINK_SCHEDULE_BOOK), and its own words reach the operator as a 409.
        let second = try await f.harness.playMango("inbound-answered", run: "c2")
        let other = try #require(try await f.harness.query(
            "SELECT APPEAL_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(second)]).first?.decode(Int64?.self, at: 0))
        let taken = try await f.book(other, at: slot)
        #expect(taken.status == 409 && taken.text.contains("занято"), "\(taken.text)")
        expectDocumented("POST", "/api/v1/appeals/\(other)/booking", taken)
        #expect(try await f.appeal(other).status == "open")
    }

    @Test(arguments: ProfileWorld.all)
    func aChatThreadKeepsItsAppealAcrossOperatorsUntilCancelled(_ world: ProfileWorld) async throws {
        let f = try await EveryProfileFixture.start(world, "every-chat")
        defer { Task { await f.stop() } }

        // Assigned to agent 11, released unfinished, picked up by agent 12: one appeal throughout.
        try await f.playChat("chatwoot-released-then-picked-up", run: "r1")
        let thread = try #require(try await f.harness.query(
            "SELECT ID, APPEAL_ID, PATIENT_ID, PATIENT_OTHERS, OPERATOR_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = 'chatwoot'").first)
        #expect(try thread.decode(Int64?.self, column: "PATIENT_ID") == world.callerPatient)
        #expect(try thread.decode(Int.self, column: "PATIENT_OTHERS") == world.callerOthers)
        #expect(try thread.decode(Int64?.self, column: "OPERATOR_ID") == world.operatorB)
        let appeal = try #require(try thread.decode(Int64?.self, column: "APPEAL_ID"), "the thread has an appeal")
        let held = try await f.appeal(appeal)
        #expect(held.status == "open" && held.operatorID == world.operatorB && !held.detached, "\(held)")
        #expect(held.own == (world.profile == "medbase"))
        let chain = try await f.chain(appeal)
        #expect(chain.contains("released") && chain.filter { $0 == "created" }.count == 1, "\(chain)")
        #expect(try await f.harness.count("SELECT COUNT(*) FROM MISLINK_APPEALS") == 1)

        // The operator completes it without a booking.
        let cancelled = try await f.post("/api/v1/appeals/\(appeal)/cancel", #"{"reason":"передумал"}"#)
        #expect(cancelled.status == 200, "\(cancelled.text)")
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/cancel", cancelled)
        #expect(try await f.appeal(appeal).status == "cancelled")
        #expect(try await f.chain(appeal).last == "cancelled")
        let again = try await f.post("/api/v1/appeals/\(appeal)/cancel", "{}")
        #expect(again.status == 409, "\(again.text)")

        // The thread list shows it with its appeal's status, without naming a MIS table.
        let list = try await f.harness.api("/api/v1/threads?operator=\(world.operatorB)")
        expectDocumented("GET", "/api/v1/threads", list)
        #expect(list.status == 200, "\(list.text)")
    }

    @Test(arguments: ProfileWorld.all)
    func aFinishedChatStaysOpenUntilBookedAndTheReportCountsIt(_ world: ProfileWorld) async throws {
        let f = try await EveryProfileFixture.start(world, "every-book")
        defer { Task { await f.stop() } }
        try await f.playChat("chatwoot-closed-by-operator", run: "b1")
        let thread = try #require(try await f.harness.query(
            "SELECT STATUS, APPEAL_ID, PATIENT_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = 'chatwoot'").first)
        #expect(try thread.decode(String.self, column: "STATUS") == "closed")
        let appeal = try #require(try thread.decode(Int64?.self, column: "APPEAL_ID"))
        #expect(try await f.appeal(appeal).status == "open")  // finished, not completed

        let booked = try await f.book(appeal, at: try await f.freeSlot())
        #expect(booked.status == 201, "\(booked.text)")
        #expect(try await f.appeal(appeal).status == "closed")

        // A call on the same day: the report has one phone and one chat appeal, one of them booked.
        _ = try await f.harness.playMango("inbound-answered", run: "b2")
        // The scenarios play at 2026-09-21 (epoch 1_790_000_000); the booking is today: a period over both.
        let clinicDay = DateFormatter()
        clinicDay.dateFormat = "yyyy-MM-dd"
        clinicDay.timeZone = .current
        let report = try await f.harness.api(
            "/api/v1/reports/appeals?from=\(clinicDay.string(from: Date(timeIntervalSince1970: 1_789_000_000)))&to=\(clinicDay.string(from: Date().addingTimeInterval(86_400)))")
        #expect(report.status == 200, "\(report.text)")
        expectDocumented("GET", "/api/v1/reports/appeals", report)
        let appeals = f.json(report)["appeals"] as? [String: Any]
        let channels = (appeals?["by_channel"] as? [[String: Any]])?.compactMap { $0["channel"] as? String } ?? []
        #expect(Set(channels) == ["phone", "whatsapp"], "\(report.text.prefix(600))")
        let total = appeals?["total"] as? [String: Any]
        #expect((total?["total"] as? Int) == 2 && (total?["booked"] as? Int) == 1, "\(total ?? [:])")
    }

    @Test(arguments: ProfileWorld.all)
    func aMailingReachesConsentingPatientsOnly(_ world: ProfileWorld) async throws {
        let f = try await EveryProfileFixture.start(world, "every-mail")
        defer { Task { await f.stop() } }
        let ids = (world.mailable + [world.refused]).map(String.init).joined(separator: ",")
        let created = try await f.post("/api/v1/mailings", #"""
            {"title":"Напоминание","kind":"announcement","body":"{patient_name}, клиника работает 31 декабря до 15:00",
             "channel":"messenger","patient_ids":[\#(ids)],"window_start":"00:00","window_end":"23:59"}
            """#)
        #expect(created.status == 201, "\(created.text)")
        expectDocumented("POST", "/api/v1/mailings", created)
        let answer = f.json(created)
        let id = try #require((answer["id"] as? NSNumber)?.int64Value, "\(created.text)")
        #expect((answer["queued"] as? Int) == world.mailable.count && (answer["refused"] as? Int) == 1, "\(created.text)")
        #expect((answer["refused_by_reason"] as? [String: Int])?.keys.contains { $0.contains("consent") } == true, "\(created.text)")
        let queued = try await f.harness.query(
            "SELECT PATIENT_ID FROM MISLINK_OUTBOX WHERE BATCH_ID = ? AND STATUS <> 'cancelled' ORDER BY PATIENT_ID", [.bigint(id)])
            .map { try $0.decode(Int64.self, at: 0) }
        #expect(Set(queued).isSuperset(of: Set(world.mailable)) && !queued.contains(world.refused), "\(queued)")
    }
}
