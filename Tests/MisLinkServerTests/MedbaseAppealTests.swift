import Firebird
import Foundation
import MisLinkEmulator
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import Testing

/// The shipped МедБаза profile (`"appeals": false`, 14-digit BIGINT codes, booking through its procedure):
/// MisLink's own appeals carry chats and calls, its booking trigger's `booked` closes them, and every MIS
/// id goes through as an `Int64`.
@Suite("МедБаза: own appeals and 14-digit ids end to end")
struct MedbaseAppealTests {
    /// Operators of the demo data: Смирнова (ext 101, chat o.smirnova) and Кузнецов (ext 102, d.kuznetsov);
    /// the therapist Петров; the service "приём терапевта".
    static let smirnova: Int64 = 77_000_000_000_001
    static let kuznetsov: Int64 = 77_000_000_000_002
    static let therapist: Int64 = 77_000_000_000_003
    static let service: Int64 = 77_000_000_000_001
    /// The caller of these tests, added as a patient with a mobile no demo patient has.
    static let patient: Int64 = 77_000_000_009_010
    static let phone = "79169990011"
    static let variables = ["client": phone]

    /// A worker on a new medbase database with MisLink's and the profile's migrations, and the fake chat.
    static func start(_ label: String) async throws -> ChatFixture {
        let chat = FakeChat()
        let chatServer = try await RunningServer.start(router: chat.router())
        let path = try ClinicDatabase.createMigrated(label, profile: "medbase")
        var settings = WorkerHarness.settings(dsn: path)
        settings.mis.profile = ClinicDatabase.profileDirectory("medbase").path
        settings.chat.edna.baseURL = chatServer.baseURL
        settings.chat.chatwoot.baseURL = chatServer.baseURL
        settings.chat.chatwoot.apiToken = chat.configuration.chatwootToken
        settings.chat.edna.login = chat.configuration.ednaLogin
        settings.chat.edna.password = chat.configuration.ednaPassword
        settings.chat.edna.pollSeconds = 0
        settings.chat.agents = ["chatwoot:11=o.smirnova", "chatwoot:12=d.kuznetsov"]
        var configured = Worker(settings: settings)
        configured.fixUTCOffset = true
        let harness = WorkerHarness(settings: settings, databasePath: path, worker: try await configured.start())
        try await harness.execute([
            "INSERT INTO KLIENTY (KOD, FIO, TEL_MOB, SOGL_SMS) VALUES (\(patient), CAST(_UTF8 'Смирнова Елена Павловна' AS VARCHAR(150) CHARACTER SET WIN1251), '8 (916) 999-00-11', _UTF8 'Д')",
        ])
        let poller = EdnaThreadPoller(
            pool: FirebirdPool(configuration: FirebirdConfiguration(database: settings.database.dsn)),
            intake: harness.worker.intake, settings: settings.chat.edna, client: harness.client)
        return ChatFixture(harness: harness, chat: chat, chatServer: chatServer, poller: poller)
    }

    /// STATUS, RESULT, OPERATOR_ID, PATIENT_ID, IS_DETACHED, LAST_OPERATOR_ID, IS_OWN of the appeal.
    static func appeal(_ harness: WorkerHarness, _ id: Int64) async throws -> OwnAppealRow {
        try await OwnAppealTests.appeal(harness, id)
    }

    /// The appeal's chain: `type:from>to` (0 for none), oldest first, with 64-bit ids.
    static func chain(_ harness: WorkerHarness, _ appeal: Int64) async throws -> [String] {
        try await harness.query(
            "SELECT TRIM(EVENT_TYPE), COALESCE(FROM_STAFF_ID, 0), COALESCE(TO_STAFF_ID, STAFF_ID, 0) FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? ORDER BY ID",
            [.bigint(appeal)]).map { "\(try $0.decode(String.self, at: 0)):\(try $0.decode(Int64.self, at: 1))>\(try $0.decode(Int64.self, at: 2))" }
    }

    /// Ten days ahead (Monday instead of a Sunday), when the therapist works 08–13.
    static func bookingDay(_ harness: WorkerHarness) async throws -> String {
        let row = try #require(try await harness.query(
            "SELECT CURRENT_DATE + 10 + IIF(EXTRACT(WEEKDAY FROM CURRENT_DATE + 10) = 0, 1, 0) FROM RDB$DATABASE").first)
        let day = try row.decode(FirebirdDate.self, at: 0)
        return String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
    }

    @Test func aChatThreadsOwnAppealIsKeptAcrossOperatorsAndClosedByTheProceduresBooking() async throws {
        let fixture = try await Self.start("medbase-chat")
        defer { Task { await fixture.stop() } }
        let s = Self.smirnova, k = Self.kuznetsov
        try await fixture.play("chatwoot-released-then-picked-up", variables: Self.variables) { step in
            guard step == 3 else { return }
            let appeal = try await OwnAppealTests.threadAppeal(fixture, "chatwoot", "410")
            let row = try await Self.appeal(fixture.harness, appeal)
            #expect(row.own && row.status == "open" && row.operatorID == nil && row.detached && row.last == s)
        }
        let appeal = try await OwnAppealTests.threadAppeal(fixture, "chatwoot", "410")
        let row = try await Self.appeal(fixture.harness, appeal)
        #expect(row.own && row.status == "open" && row.operatorID == k && !row.detached && row.last == k)
        #expect(row.patientID == Self.patient)
        #expect(try await Self.chain(fixture.harness, appeal) == ["created:0>0", "assigned:0>\(s)", "released:\(s)>\(s)", "reopened:\(s)>\(k)"])
        let thread = try await fixture.harness.query(
            "SELECT PATIENT_ID, OPERATOR_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = 'chatwoot' AND EXTERNAL_ID = '410'")[0]
        #expect(try thread.decode(Int64?.self, at: 0) == Self.patient && thread.decode(Int64?.self, at: 1) == k)

        // Booking from the appeal: ZAPIS_NA_PRIEM keeps the appeal's id in VNESH_ID, the profile's trigger
        // writes 'booked' and V014's trigger closes the appeal.
        let day = try await Self.bookingDay(fixture.harness)
        let booked = try await fixture.post("/api/v1/appeals/\(appeal)/booking",
                                            #"{"doctor_id":\#(Self.therapist),"service_id":\#(Self.service),"start_at":"\#(day)T10:00"}"#)
        #expect(booked.status == 201, "\(booked.text)")
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/booking", booked)
        let body = try JSONSerialization.jsonObject(with: booked.body) as? [String: Any]
        let visit = try #require((body?["schedule_id"] as? NSNumber)?.int64Value)
        #expect(visit / 1_000_000_000_000 == 77)
        #expect((body?["patient_id"] as? NSNumber)?.int64Value == Self.patient)
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM PRIEMY WHERE KOD = ? AND VNESH_ID = ? AND ISTOCHNIK = 'MISLINK'",
                                                [.bigint(visit), .bigint(appeal)]) == 1)
        let closed = try await Self.appeal(fixture.harness, appeal)
        #expect(closed.status == "closed" && closed.result == "booked")
        let chain = try await Self.chain(fixture.harness, appeal)
        #expect(chain.suffix(2) == ["booked:0>0", "closed:0>\(k)"], "\(chain)")
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? AND EVENT_TYPE = 'booked'",
                                                [.bigint(appeal)]) == 1)  // the trigger's, not a second from MisLink
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS IN ('failed', 'retrying')") == 0)
    }

    @Test func aFinishedThreadsAppealStaysOpenAndIsCancelledThroughTheAPI() async throws {
        let fixture = try await Self.start("medbase-cancel")
        defer { Task { await fixture.stop() } }
        try await fixture.play("chatwoot-closed-by-operator", variables: Self.variables)
        let appeal = try await OwnAppealTests.threadAppeal(fixture, "chatwoot", "420")
        let row = try await Self.appeal(fixture.harness, appeal)
        #expect(row.own && row.status == "open" && row.operatorID == Self.smirnova && row.patientID == Self.patient)
        let page = try await fixture.harness.api("/api/v1/threads?operator=\(Self.smirnova)")
        #expect(page.status == 200, "\(page.text)")
        let items = (try JSONSerialization.jsonObject(with: page.body) as? [String: Any])?["items"] as? [[String: Any]]
        #expect((items?.first?["appeal_status"] as? String) == "open")
        #expect((items?.first?["operator_id"] as? NSNumber)?.int64Value == nil)  // finished: nobody's queue
        #expect((items?.first?["patient_id"] as? NSNumber)?.int64Value == Self.patient)

        let cancelled = try await fixture.post("/api/v1/appeals/\(appeal)/cancel", #"{"reason":"передумал"}"#)
        #expect(cancelled.status == 200, "\(cancelled.text)")
        #expect(try await Self.appeal(fixture.harness, appeal).status == "cancelled")
        #expect(try await Self.chain(fixture.harness, appeal).last == "cancelled:0>\(Self.smirnova)")
    }

    @Test func anAnsweredCallOpensAnOwnAppealWithBigintIds() async throws {
        let fixture = try await Self.start("medbase-call")
        defer { Task { await fixture.stop() } }
        let harness = fixture.harness
        let t = 1_790_000_000
        _ = try await harness.mango("events/call", json: callEvent(entry: "M1", call: "M1-102", seq: 1, state: "Appeared", timestamp: t, from: Self.phone, toExtension: "102"))
        _ = try await harness.mango("events/call", json: callEvent(entry: "M1", call: "M1-102", seq: 2, state: "Connected", timestamp: t + 8, from: Self.phone, toExtension: "102"))
        let call = try await harness.query("SELECT APPEAL_ID, OPERATOR_ID, PATIENT_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'M1'")[0]
        let appeal = try #require(try call.decode(Int64?.self, at: 0))
        #expect(try call.decode(Int64?.self, at: 1) == Self.kuznetsov && call.decode(Int64?.self, at: 2) == Self.patient)
        let card = try await harness.query("SELECT STAFF_ID, PATIENT_ID, APPEAL_ID FROM MISLINK_CALL_CARDS")
        #expect(try card.map { try $0.decode(Int64.self, at: 0) } == [Self.kuznetsov])
        #expect(try card.first?.decode(Int64?.self, at: 2) == appeal)
        let row = try await Self.appeal(harness, appeal)
        #expect(row.own && row.status == "open" && row.operatorID == Self.kuznetsov && row.patientID == Self.patient)
        #expect(try await Self.chain(harness, appeal) == ["created:0>\(Self.kuznetsov)"])
    }
}

/// An appeal's row as ``OwnAppealTests/appeal(_:_:)`` reads it.
typealias OwnAppealRow = (status: String, result: String?, operatorID: Int64?, patientID: Int64?, detached: Bool, last: Int64?, own: Bool)
