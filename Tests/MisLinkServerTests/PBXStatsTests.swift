import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkTestSupport
import Testing

/// `GET /api/v1/pbx/stats`: the PBX's own statistics through the worker, over real HTTP against the fake
/// PBX, with the parties named from the MIS (employees, patients) and the PBX's user list.
@Suite("PBX statistics with names", .serialized)
struct PBXStatsTests {
    static let clinic = [
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN, PASSWORD_HASH, SIP_EXTENSION) VALUES (901, 'Иванова Анна Сергеевна', 'operator', 'ivanova', '\(ConsoleAuthTests.demoHash)', '101')",
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (902, 'Петров Олег Ильич', 'operator', '102')",
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN, PASSWORD_HASH) VALUES (905, 'Старший Смены', 'admin', 'chief', '\(ConsoleAuthTests.demoHash)')",
        "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE) VALUES (9010, 'Смирнова', 'Елена', 'Павловна', '8 (916) 123-45-67')",
        "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_HOME) VALUES (9011, 'Смирнов', 'Иван', 'Петрович', '+7 916 123 45 67')",
    ]

    /// The PBX's users: the demo's 101–103 and 104, whom the MIS does not know.
    static let users = FakePBXConfiguration.demoUsers + [
        MangoUser(general: .init(name: "Козлова Ирина", login: "kozlova", sips: ["sip:kozlova@vpbx400000000.mangosip.ru"]),
                  telephony: .init(extension: "104")),
    ]

    /// The fake PBX (reports ready after `statsDelay`, kept `statsKeep`) and a worker that asks it. 3 s: the first
    /// poll comes right after `stats/request`, so it is answered 204 even on a machine so loaded that the two
    /// requests are a second apart.
    static func start(_ label: String, statsDelay: Duration = .seconds(3), statsKeep: Duration = .seconds(600)) async throws
        -> (FakePBX, RunningServer, WorkerHarness)
    {
        let pbx = FakePBX(configuration: FakePBXConfiguration(
            credentials: WorkerHarness.credentials, statsDelay: statsDelay, statsKeep: statsKeep, users: users))
        let pbxServer = try await RunningServer.start(router: pbx.router())
        let harness = try await WorkerHarness.start(label: label, configure: { $0.mango.baseURL = pbxServer.baseURL + "/vpbx" })
        try await harness.execute(clinic)
        return (pbx, pbxServer, harness)
    }

    /// Yesterday and today in the clinic's time zone, `YYYY-MM-DD`.
    static func days(_ harness: WorkerHarness) throws -> (String, String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try harness.settings.timeZone
        let format = { (date: Date) -> String in
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }
        return (format(Date().addingTimeInterval(-86_400)), format(Date()))
    }

    @Test func theReportComesWithOperatorsAndPatientsNamed() async throws {
        let (pbx, pbxServer, harness) = try await Self.start("pbx-stats")
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        let t = Int(Date().timeIntervalSince1970) - 900
        // Смирнова's mobile reached 101 and talked; an unknown number reached 104 (the PBX's user only);
        // 102 dialled Смирнова back.
        try await ReconcileTests.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: "st-in", legs: [
            callEvent(entry: "st-in", call: "st-in-1", seq: 1, state: "Appeared", timestamp: t, from: "79161234567", toExtension: "101"),
            callEvent(entry: "st-in", call: "st-in-1", seq: 2, state: "Connected", timestamp: t + 5, from: "79161234567", toExtension: "101"),
        ])
        try await ReconcileTests.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: "st-104", legs: [
            callEvent(entry: "st-104", call: "st-104-1", seq: 1, state: "Appeared", timestamp: t + 100, from: "79035550000", toExtension: "104"),
        ])
        let outbound = { (seq: Int, state: String, at: Int) in
            """
            {"entry_id":"st-out","call_id":"st-out-1","timestamp":\(at),"seq":\(seq),"call_state":"\(state)","location":"abonent",\
            "from":{"extension":"102","number":"sip:petrov@vpbx400000000.mangosip.ru"},"to":{"number":"79161234567"}}
            """
        }
        try await ReconcileTests.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: "st-out",
                                             legs: [outbound(1, "Appeared", t + 200), outbound(2, "Connected", t + 210)])

        let (yesterday, today) = try Self.days(harness)
        let path = "/api/v1/pbx/stats?from=\(yesterday)&to=\(today)"
        let started = ContinuousClock.now
        let answer = try await harness.api(path)
        #expect(answer.status == 200, "\(answer.text)")
        expectDocumented("GET", path, answer)
        let page = try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
        // The report was not ready at the first poll (204); the next came 5 s later, the PBX's pace.
        #expect((page["not_ready_polls"] as? Int ?? 0) >= 1)
        #expect(ContinuousClock.now - started >= .seconds(5))
        #expect(page["pbx_users_read"] as? Bool == true)
        let calls = try #require(page["calls"] as? [[String: Any]])
        #expect(calls.map { $0["entry_id"] as? String } == ["st-in", "st-104", "st-out"])
        let party = { (call: Int, side: String) in calls[call][side] as? [String: Any] ?? [:] }

        // The patient by the number (the mobile beats the home phone, one more shares it), the operator by extension.
        #expect(calls[0]["direction"] as? String == "in" && calls[0]["result"] as? String == "answered")
        #expect(party(0, "from")["name"] as? String == "Смирнова Елена Павловна")
        #expect(party(0, "from")["name_source"] as? String == "mis_patient")
        #expect(party(0, "from")["patient_id"] as? Int == 9010 && party(0, "from")["patient_others"] as? Int == 1)
        #expect(party(0, "to")["name"] as? String == "Иванова Анна Сергеевна")
        #expect(party(0, "to")["name_source"] as? String == "mis_staff" && party(0, "to")["staff_id"] as? Int == 901)

        // 104 is only in the PBX's user list; the unknown caller stays unnamed.
        #expect(calls[1]["result"] as? String == "missed")
        #expect(party(1, "to")["name"] as? String == "Козлова Ирина" && party(1, "to")["name_source"] as? String == "pbx_users")
        #expect(party(1, "from")["name"] == nil && party(1, "from")["number"] as? String == "79035550000")

        // The outbound call: the employee by extension, the client by number.
        #expect(calls[2]["direction"] as? String == "out")
        #expect(party(2, "from")["name"] as? String == "Петров Олег Ильич" && party(2, "from")["staff_id"] as? Int == 902)
        #expect(party(2, "to")["name"] as? String == "Смирнова Елена Павловна")

        // The worker asked for entry_id and polled at most once per 5 s.
        let received = pbx.receivedCommands
        let request = try #require(received.first { $0.path == "stats/request" })
        #expect(request.json.contains("entry_id"))
        #expect(received.filter { $0.path == "stats/result" }.count == (page["not_ready_polls"] as? Int ?? 0) + 1)
    }

    @Test func aPeriodThePBXCannotReportIsRefusedClearly() async throws {
        let (pbx, pbxServer, harness) = try await Self.start("pbx-stats-bad", statsKeep: .zero)
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        for (query, words) in [
            ("from=2026-11-01", "нужны from и to"),
            ("from=2026-11-01&to=2026-12-02", "от 1 до 31 дней"),
            ("from=2026-11-10&to=2026-11-09", "от 1 до 31 дней"),
            ("from=2026-02-30&to=2026-03-01", "не дата"),
        ] {
            let refused = try await harness.api("/api/v1/pbx/stats?\(query)")
            #expect(refused.status == 400 && refused.text.contains(words), "\(query): \(refused.text)")
            expectDocumented("GET", "/api/v1/pbx/stats", refused)
        }
        #expect(pbx.receivedCommands.allSatisfy { !$0.path.hasPrefix("stats/") }, "nothing the PBX would refuse was sent")

        // The PBX forgets the report's key (404) before the second poll: a 502 that says so.
        let (yesterday, today) = try Self.days(harness)
        let forgotten = try await harness.api("/api/v1/pbx/stats?from=\(yesterday)&to=\(today)")
        #expect(forgotten.status == 502 && forgotten.text.contains("404"), "\(forgotten.text)")
        expectDocumented("GET", "/api/v1/pbx/stats", forgotten)
    }

    @Test func onlySupervisorsSeeThePBXsStatistics() async throws {
        let (pbx, pbxServer, harness) = try await Self.start("pbx-stats-role")
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        let console = ConsoleClient(harness: harness)
        let (yesterday, today) = try Self.days(harness)
        let path = "/api/v1/pbx/stats?from=\(yesterday)&to=\(today)"

        let operatorSession = try console.session(from: try await console.signIn("ivanova", "demo"))
        let refused = try await operatorSession.send("GET", path)
        #expect(refused.status == 403)
        expectDocumented("GET", path, refused)
        #expect(pbx.receivedCommands.allSatisfy { $0.path != "stats/request" }, "an operator's request never reaches the PBX")

        let chief = try console.session(from: try await console.signIn("chief", "demo"))
        let allowed = try await chief.send("GET", path)
        #expect(allowed.status == 200, "\(allowed.text)")
        expectDocumented("GET", path, allowed)
    }
}
