import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import Testing

@Suite("Telephony: identification, incoming-call cards, operators, called back")
struct TelephonyTests {
    /// Three operators on extensions 101–103 and two patients sharing the scenario caller's mobile,
    /// typed the way registrars type.
    static func clinic(_ harness: WorkerHarness) async throws {
        try await harness.execute([
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (901, 'Иванова Анна Сергеевна', 'operator', '101')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (902, 'Петров Олег Ильич', 'operator', '102')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (903, 'Сидорова Мария Петровна', 'operator', '103')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SPECIALTY) VALUES (904, 'Орлов Пётр Андреевич', 'doctor', 'терапевт')",
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE) VALUES (9010, 'Смирнова', 'Елена', 'Павловна', '8 (916) 123-45-67')",
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_HOME) VALUES (9011, 'Смирнов', 'Иван', 'Петрович', '+7 916 123 45 67')",
            "INSERT INTO SERVICES (ID, CODE, NAME) VALUES (9050, 'T-9050', 'Приём терапевта повторный')",
            // Her last visit (the card shows it), and an older one it must not show.
            "INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS) VALUES (9060, 9010, 904, 9050, '2025-03-14 09:30:00', '2025-03-14 10:00:00', 'visited')",
            "INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS) VALUES (9061, 9010, 904, '2024-01-10 12:00:00', '2024-01-10 12:30:00', 'visited')",
        ])
    }

    func play(_ name: String, _ harness: WorkerHarness, run: String) async throws -> String {
        try await harness.playMango(name, run: run)
    }

    @Test func missedRingAllThenAnsweredCallBack() async throws {
        let harness = try await WorkerHarness.start(label: "tel")
        defer { Task { await harness.stop() } }
        try await Self.clinic(harness)

        let missed = try await play("inbound-missed-ring-all", harness, run: "m1")
        let call = try await harness.query(
            "SELECT ID, RESULT, PATIENT_ID, PATIENT_OTHERS, PATIENT_MATCH, PHONE_KEY, OPERATOR_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?",
            [.text(missed)])
        #expect(try call[0].decode(String.self, at: 1) == "missed")
        #expect(try call[0].decode(Int?.self, at: 2) == 9010)  // the mobile beats the home phone
        #expect(try call[0].decode(Int.self, at: 3) == 1)
        #expect(try call[0].decode(String?.self, at: 4) == "PHONE_MOBILE")
        #expect(try call[0].decode(Int?.self, at: 6) == 901)  // the first operator who missed it answers for it
        let missedID = try call[0].decode(Int64.self, at: 0)
        #expect(try await harness.query("SELECT STATUS FROM MISLINK_CALLS WHERE ID = ?", [.bigint(missedID)])[0]
            .decode(String?.self, at: 0) == "to_call_back")

        let cards = try await harness.query(
            "SELECT STAFF_ID, STATE, PATIENT_ID, PATIENT_OTHERS, PATIENT_DISPLAY, CLOSED_AT FROM MISLINK_CALL_CARDS WHERE CALL_ID = ? ORDER BY STAFF_ID",
            [.bigint(missedID)])
        #expect(try cards.map { try $0.decode(Int.self, at: 0) } == [901, 902, 903])
        #expect(try cards.allSatisfy { try $0.decode(String.self, at: 1) == "closed" && $0.decode(FirebirdTimestamp?.self, at: 5) != nil })
        #expect(try cards[0].decode(Int?.self, at: 2) == 9010 && cards[0].decode(Int.self, at: 3) == 1)
        #expect(try cards[0].decode(String?.self, at: 4)?.hasPrefix("Смирнова Е. П.") == true)
        // The card's last visit: the visit's id, its start in UTC (the clinic runs at the machine's offset) and its service.
        let lastVisit = try await harness.query(
            "SELECT LAST_VISIT_ID, LAST_VISIT_AT, LAST_SERVICE_NAME FROM MISLINK_CALL_CARDS WHERE CALL_ID = ? AND STAFF_ID = 901",
            [.bigint(missedID)])
        #expect(try lastVisit[0].decode(Int?.self, at: 0) == 9060)
        #expect(try lastVisit[0].decode(String?.self, at: 2) == "Приём терапевта повторный")
        let offset = try await harness.query(
            "SELECT CAST(VAL AS INTEGER) FROM MISLINK_SETTINGS WHERE NAME = 'clinic.utc_offset_minutes'")
        let minutes = try offset.first?.decode(Int.self, at: 0) ?? 0
        let visitUTC = FirebirdTimestamp(year: 2025, month: 3, day: 14, hour: 9, minute: 30).date(in: .gmt) - TimeInterval(minutes * 60)
        #expect(try lastVisit[0].decode(FirebirdTimestamp?.self, at: 1)?.date(in: .gmt) == visitUTC)
        let legs = try await harness.query(
            "SELECT STAFF_ID, OUTCOME FROM MISLINK_CALL_LEGS WHERE CALL_ID = ? AND STAFF_ID IS NOT NULL ORDER BY STAFF_ID", [.bigint(missedID)])
        #expect(try legs.map { try $0.decode(String?.self, at: 1) } == ["not_answered", "not_answered", "not_answered"])

        // The same number calls again and is answered by 101: the missed call is called back.
        let answered = try await play("inbound-answered", harness, run: "a1")
        let second = try await harness.query(
            "SELECT ID, RESULT, OPERATOR_ID, ANSWERED_BY_ID, PATIENT_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(answered)])
        #expect(try second[0].decode(String.self, at: 1) == "answered")
        #expect(try second[0].decode(Int?.self, at: 2) == 901 && second[0].decode(Int?.self, at: 3) == 901)
        #expect(try second[0].decode(Int?.self, at: 4) == 9010)
        let answeredCard = try await harness.query(
            "SELECT STATE, ANSWERED_AT FROM MISLINK_CALL_CARDS WHERE CALL_ID = ?", [.bigint(try second[0].decode(Int64.self, at: 0))])
        #expect(try answeredCard.map { try $0.decode(String.self, at: 0) } == ["answered_here"])
        let calledBack = try await harness.query(
            "SELECT CALLED_BACK_BY_ID, STATUS FROM MISLINK_CALLS WHERE ID = ?", [.bigint(missedID)])
        #expect(try calledBack[0].decode(Int64?.self, at: 0) == second[0].decode(Int64.self, at: 0))
        #expect(try calledBack[0].decode(String?.self, at: 1) == "called_back")
        let callbackOf = try await harness.query("SELECT CALLBACK_OF_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(answered)])
        #expect(try callbackOf[0].decode(Int64?.self, at: 0) == missedID)
    }

    @Test func cardsAreWithdrawnWhenAColleagueAnswers() async throws {
        let harness = try await WorkerHarness.start(label: "cards")
        defer { Task { await harness.stop() } }
        try await Self.clinic(harness)
        let t = 1_790_000_000
        for ext in ["101", "102", "103"] {
            let json = callEvent(entry: "R1", call: "R1-\(ext)", seq: 1, state: "Appeared", timestamp: t, toExtension: ext)
            #expect(try await harness.mango("events/call", json: json).status == 200)
        }
        let shown = try await harness.count("SELECT COUNT(*) FROM MISLINK_CALL_CARDS C JOIN MISLINK_CALLS K ON K.ID = C.CALL_ID WHERE K.PBX_CALL_ID = 'R1' AND C.STATE = 'shown'")
        #expect(shown == 3)
        _ = try await harness.mango("events/call", json: callEvent(entry: "R1", call: "R1-102", seq: 2, state: "Connected", timestamp: t + 8, toExtension: "102"))
        let states = try await harness.query(
            "SELECT C.STAFF_ID, C.STATE FROM MISLINK_CALL_CARDS C JOIN MISLINK_CALLS K ON K.ID = C.CALL_ID WHERE K.PBX_CALL_ID = 'R1' ORDER BY C.STAFF_ID")
        #expect(try states.map { try $0.decode(String.self, at: 1) } == ["answered_elsewhere", "answered_here", "answered_elsewhere"])
        let call = try await harness.query("SELECT OPERATOR_ID, STATE, APPEAL_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'R1'")
        #expect(try call[0].decode(Int?.self, at: 0) == 902)
        #expect(try call[0].decode(String.self, at: 1) == "talking")
        // The answer opened one phone appeal for 902 with the identified patient.
        let appealID = try #require(try call[0].decode(Int?.self, at: 2))
        let appeal = try await harness.query("SELECT CHANNEL, DIRECTION, PATIENT_ID, OPERATOR_ID, STATUS FROM APPEALS WHERE ID = ?", [.bigint(Int64(appealID))])
        #expect(try appeal[0].decode(String.self, at: 0) == "phone" && appeal[0].decode(String.self, at: 4) == "open")
        #expect(try appeal[0].decode(Int?.self, at: 2) == 9010 && appeal[0].decode(Int?.self, at: 3) == 902)

        // 902 transfers to 903, who answers: the appeal moves with the call; the chain is kept.
        _ = try await harness.mango("events/call", json: callEvent(entry: "R1", call: "R1-t903", seq: 1, state: "Appeared", timestamp: t + 60, toExtension: "103"))
        _ = try await harness.mango("events/call", json: callEvent(entry: "R1", call: "R1-t903", seq: 2, state: "Connected", timestamp: t + 70, toExtension: "103"))
        _ = try await harness.mango("events/call", json: callEvent(entry: "R1", call: "R1-102", seq: 3, state: "Disconnected", timestamp: t + 70, toExtension: "102"))
        let moved = try await harness.query("SELECT OPERATOR_ID FROM APPEALS WHERE ID = ?", [.bigint(Int64(appealID))])
        #expect(try moved[0].decode(Int?.self, at: 0) == 903)
        let chain = try await harness.query(
            "SELECT EVENT_TYPE, STAFF_ID, FROM_STAFF_ID FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? ORDER BY ID", [.bigint(Int64(appealID))])
        #expect(try chain.map { try $0.decode(String.self, at: 0) } == ["created", "transferred"])
        #expect(try chain[1].decode(Int?.self, at: 2) == 902 && chain[1].decode(Int?.self, at: 1) == 903)
        #expect(try await harness.count("SELECT COUNT(*) FROM APPEALS") == 1)
        let final = try await harness.query("SELECT OPERATOR_ID, ANSWERED_BY_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'R1'")
        #expect(try final[0].decode(Int?.self, at: 0) == 903 && final[0].decode(Int?.self, at: 1) == 902)

        // 903 books the patient from the call through the REST API (as a web MIS screen would).
        let booked = try await harness.client.execute(.json(
            "\(harness.worker.baseURL)/api/v1/appeals/\(appealID)/booking",
            body: Data(#"{"doctor_id":904,"start_at":"2030-03-14T10:30:00"}"#.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(booked.status == 201, "\(booked.text)")
        expectDocumented("POST", "/api/v1/appeals/\(appealID)/booking", booked)
        let visit = try await harness.query("SELECT PATIENT_ID, APPEAL_ID, END_AT FROM SCHEDULE WHERE APPEAL_ID = ?", [.bigint(Int64(appealID))])
        #expect(try visit.count == 1 && visit[0].decode(Int.self, at: 0) == 9010)
        #expect(try visit[0].decode(FirebirdTimestamp.self, at: 2).description.hasPrefix("2030-03-14 11:00"))
        let events = try await harness.query(
            "SELECT EVENT_TYPE FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? ORDER BY ID", [.bigint(Int64(appealID))])
        // The booking completes the appeal (V009): booked, then closed with RESULT 'booked'.
        #expect(try events.map { try $0.decode(String.self, at: 0) } == ["created", "transferred", "booked", "closed"])
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_APPEALS WHERE BOOKED_SCHEDULE_ID IS NOT NULL") == 1)
        #expect(try await harness.count("SELECT COUNT(*) FROM APPEALS WHERE STATUS = 'closed' AND RESULT = 'booked'") == 1)

        // A click-to-call and a transfer requested through the API become MISLINK_COMMANDS rows.
        let callID = try await harness.query("SELECT ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'R1'")[0].decode(Int64.self, at: 0)
        for body in [#"{"kind":"call","staff_id":901,"target":"8 (917) 555-44-33"}"#,
                     #"{"kind":"transfer","staff_id":903,"target":"101","call_id":\#(callID),"method":"consultative"}"#] {
            let created = try await harness.client.execute(.json(
                "\(harness.worker.baseURL)/api/v1/commands", body: Data(body.utf8),
                headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
            #expect(created.status == 201, "\(created.text)")
            expectDocumented("POST", "/api/v1/commands", created)
        }
        let refused = try await harness.client.execute(.json(
            "\(harness.worker.baseURL)/api/v1/commands", body: Data(#"{"kind":"hangup","staff_id":901}"#.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
        #expect(refused.status == 400)
        expectDocumented("POST", "/api/v1/commands", refused)
        let commands = try await harness.query("SELECT KIND, STAFF_ID, TARGET, PAYLOAD FROM MISLINK_COMMANDS ORDER BY ID")
        #expect(try commands.map { try $0.decode(String.self, at: 0) } == ["call", "transfer"])
        #expect(try commands[1].decode(String?.self, at: 3) == #"{"method":"consultative"}"#)
        let unknownCommand = try await harness.api("/api/v1/commands/999999")
        #expect(unknownCommand.status == 404)
    }

    @Test func callLogAPIFiltersPagesAndTakesComments() async throws {
        let harness = try await WorkerHarness.start(label: "calls")
        defer { Task { await harness.stop() } }
        try await Self.clinic(harness)
        _ = try await play("inbound-missed-ring-all", harness, run: "x1")
        _ = try await play("inbound-answered", harness, run: "x2")
        _ = try await play("internal-call", harness, run: "x3")

        let all = try await harness.api("/api/v1/calls?limit=2")
        #expect(all.status == 200)
        expectDocumented("GET", "/api/v1/calls", all)
        var ids: [Int] = []
        var cursor: String? = nil
        repeat {
            let page = try await harness.api("/api/v1/calls?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
            expectDocumented("GET", "/api/v1/calls", page)
            let object = try JSONSerialization.jsonObject(with: page.body) as! [String: Any]
            ids += (object["items"] as! [[String: Any]]).map { $0["id"] as! Int }
            cursor = object["next_cursor"] as? String
        } while cursor != nil
        #expect(ids.count == 3 && Set(ids).count == 3)

        // The caller's number typed another way finds both of their calls; filters combine.
        let byPhone = try await harness.api("/api/v1/calls?phone=8%20(916)%20123-45-67")
        let phoneItems = (try JSONSerialization.jsonObject(with: byPhone.body) as! [String: Any])["items"] as! [[String: Any]]
        #expect(phoneItems.count == 2)
        #expect(phoneItems.allSatisfy { $0["patient_id"] as? Int == 9010 })
        // As a browser's URLSearchParams sends it: spaces as "+", the plus sign as %2B.
        for typed in ["8+(916)+123-45-67", "%2B7+916+123-45-67"] {
            let form = try await harness.api("/api/v1/calls?phone=\(typed)")
            let items = (try JSONSerialization.jsonObject(with: form.body) as? [String: Any])?["items"] as? [[String: Any]]
            #expect(items?.count == 2, "\(typed): \(form.text)")
        }
        let missed = try await harness.api("/api/v1/calls?type=in&result=missed&operator=901")
        let missedItems = (try JSONSerialization.jsonObject(with: missed.body) as! [String: Any])["items"] as! [[String: Any]]
        #expect(missedItems.count == 1)
        #expect(missedItems.first?["status"] as? String == "called_back")
        #expect((missedItems.first?["started_at_local"] as? String)?.count == 19)
        let toCallBack = try await harness.api("/api/v1/calls?to_call_back=true")
        expectDocumented("GET", "/api/v1/calls", toCallBack)
        #expect(((try JSONSerialization.jsonObject(with: toCallBack.body) as! [String: Any])["items"] as! [Any]).isEmpty)
        let bad = try await harness.api("/api/v1/calls?result=lost")
        #expect(bad.status == 400)
        expectDocumented("GET", "/api/v1/calls", bad)

        // A comment and a status from the screen.
        let id = try #require(missedItems.first?["id"] as? Int)
        let patched = try await harness.client.execute(HTTPClientRequest(
            method: "PATCH", url: "\(harness.worker.baseURL)/api/v1/calls/\(id)",
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)"), (name: "Content-Type", value: "application/json")],
            body: Data(#"{"comment":"Перезвонили, записана на 28.11 🙂","status":"spam"}"#.utf8)))
        #expect(patched.status == 200)
        expectDocumented("PATCH", "/api/v1/calls/\(id)", patched)
        let row = try await harness.query("SELECT COMMENT, STATUS FROM MISLINK_CALLS WHERE ID = ?", [.bigint(Int64(id))])
        #expect(try row[0].decode(String?.self, at: 0) == "Перезвонили, записана на 28.11 🙂")
        #expect(try row[0].decode(String?.self, at: 1) == "spam")
        let missing = try await harness.client.execute(HTTPClientRequest(
            method: "PATCH", url: "\(harness.worker.baseURL)/api/v1/calls/999999",
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")], body: Data(#"{"status":"x"}"#.utf8)))
        #expect(missing.status == 404)
        expectDocumented("PATCH", "/api/v1/calls/999999", missing)
    }

    @Test func callsWithoutASummaryAreClosedByTheSweep() async throws {
        // The worker's own sweep waits two hours; this test sweeps by hand once the events are in, so
        // no timing on a busy machine decides the outcome.
        let harness = try await WorkerHarness.start(label: "sweep")
        defer { Task { await harness.stop() } }
        try await Self.clinic(harness)
        let t = 1_790_000_000
        _ = try await harness.mango("events/call", json: callEvent(entry: "S1", call: "S1-a", seq: 1, state: "Appeared", timestamp: t))
        _ = try await harness.mango("events/call", json: callEvent(entry: "S1", call: "S1-a", seq: 2, state: "Connected", timestamp: t + 5))
        _ = try await harness.mango("events/call", json: callEvent(entry: "S2", call: "S2-a", seq: 1, state: "Appeared", timestamp: t))
        let pool = FirebirdPool(configuration: FirebirdConfiguration(database: harness.settings.database.dsn))
        var patient = MisLinkSettings.Telephony()
        patient.stuckCallMinutes = 60
        #expect(try await CallSweeper(pool: pool, settings: patient).sweepOnce() == 0)  // nothing is an hour old
        var eager = MisLinkSettings.Telephony()
        eager.stuckCallMinutes = 0
        #expect(try await CallSweeper(pool: pool, settings: eager).sweepOnce() == 2)
        await pool.shutdown()
        let rows = try await harness.query("SELECT PBX_CALL_ID, STATE, CLOSED_BY, RESULT FROM MISLINK_CALLS ORDER BY PBX_CALL_ID")
        #expect(try rows.map { try $0.decode(String.self, at: 1) } == ["ended", "ended"])
        #expect(try rows.map { try $0.decode(String?.self, at: 2) } == ["sweep", "sweep"])
        #expect(try rows.map { try $0.decode(String?.self, at: 3) } == ["answered", "missed"], "\(rows)")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALL_CARDS WHERE CLOSED_AT IS NULL") == 0)
    }

    @Test func recordingsAreDownloadedStoredAndServedWithAudit() async throws {
        let pbx = FakePBX(configuration: FakePBXConfiguration(credentials: WorkerHarness.credentials))
        let pbxServer = try await RunningServer.start(router: pbx.router())
        let folder = "\(ClinicDatabase.directory)/recordings-\(UUID().uuidString.prefix(8))"
        let harness = try await WorkerHarness.start(label: "rec", configure: { settings in
            settings.mango.baseURL = pbxServer.baseURL + "/vpbx"
            settings.recordings.directory = folder
            settings.recordings.pollSeconds = 0.5
        })
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        try await Self.clinic(harness)
        let entry = try await play("recording-completed-added", harness, run: "rc")
        let callID = try await harness.query("SELECT ID, RECORDING_COUNT FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(entry)])
        let id = try callID[0].decode(Int64.self, at: 0)
        #expect(try callID[0].decode(Int.self, at: 1) == 1)

        var state = ""
        let deadline = ContinuousClock.now + .seconds(20)
        while state != "stored", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
            state = try await harness.query("SELECT STATE FROM MISLINK_CALL_RECORDINGS WHERE CALL_ID = ?", [.bigint(id)])
                .first?.decode(String.self, at: 0) ?? ""
        }
        #expect(state == "stored")
        let stored = try await harness.query("SELECT FILE_PATH, FILE_SIZE, STARTED_AT, COMPLETED_AT FROM MISLINK_CALL_RECORDINGS WHERE CALL_ID = ?", [.bigint(id)])
        let path = try #require(try stored[0].decode(String?.self, at: 0))
        #expect(!path.hasPrefix("/") && FileManager.default.fileExists(atPath: folder + "/" + path))
        let url = try await harness.query("SELECT RECORDING_URL FROM MISLINK_CALLS WHERE ID = ?", [.bigint(id)])
        #expect(try url[0].decode(String?.self, at: 0) == "/api/v1/calls/\(id)/recordings/1")
        #expect(try stored[0].decode(Int.self, at: 1) > 100)
        #expect(try stored[0].decode(FirebirdTimestamp?.self, at: 2) != nil && stored[0].decode(FirebirdTimestamp?.self, at: 3) != nil)

        let file = try await harness.api("/api/v1/calls/\(id)/recordings/1?action=play")
        #expect(file.status == 200)
        #expect(file.body.count == (try stored[0].decode(Int.self, at: 1)))
        #expect(file.headers.contains { $0.name.lowercased() == "content-type" && $0.value.hasPrefix("audio/") })
        let none = try await harness.api("/api/v1/calls/\(id)/recordings/2")
        #expect(none.status == 404)
        expectDocumented("GET", "/api/v1/calls/\(id)/recordings/2", none)
        let refused = try await harness.api("/api/v1/calls/\(id)/recordings/1", token: nil)
        #expect(refused.status == 401)
        let audit = try await harness.query("SELECT ACTION, CALL_ID FROM MISLINK_RECORDING_ACCESS")
        #expect(try audit.map { try $0.decode(String.self, at: 0) } == ["play"])
    }

    @Test func aLegNamingOnlyASIPAddressIsCreditedThroughThePBXUserList() async throws {
        let pbx = FakePBX(configuration: FakePBXConfiguration(credentials: WorkerHarness.credentials))
        let pbxServer = try await RunningServer.start(router: pbx.router())
        let harness = try await WorkerHarness.start(label: "sip", configure: { settings in
            settings.mango.baseURL = pbxServer.baseURL + "/vpbx"
        })
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        try await Self.clinic(harness)
        // The worker reads config/users/request at start; wait until the PBX has answered it.
        let deadline = ContinuousClock.now + .seconds(10)
        while !pbx.receivedCommands.contains(where: { $0.path == "config/users/request" && $0.result == 1000 }),
              ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(200))  // the answer is parsed after the PBX logged it
        // Petrov (102) rings on his softphone: the PBX names only its SIP address (demo users: sip:petrov@…).
        let t = 1_790_000_500
        let sip = "{\"number\":\"sip:Petrov@vpbx400000000.mangosip.ru\"}"
        for (seq, state) in [(1, "Appeared"), (2, "Connected"), (3, "Disconnected")] {
            let json = """
                {"entry_id":"SIP1","call_id":"SIP1-1","timestamp":\(t + seq * 5),"seq":\(seq),"call_state":"\(state)",\
                "location":"abonent","from":{"number":"79161234567"},"to":\(sip)}
                """
            #expect(try await harness.mango("events/call", json: json).status == 200)
        }
        let summary = """
            {"entry_id":"SIP1","call_direction":1,"from":{"number":"79161234567"},"to":\(sip),\
            "create_time":\(t),"forward_time":\(t + 5),"talk_time":\(t + 10),"end_time":\(t + 15),"entry_result":1,"disconnect_reason":1110}
            """
        #expect(try await harness.mango("events/summary", json: summary).status == 200)
        let call = try await harness.query(
            "SELECT RESULT, OPERATOR_ID, OPERATOR_EXTENSION, DIRECTION FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'SIP1'")
        #expect(try call[0].decode(String?.self, at: 0) == "answered")
        #expect(try call[0].decode(Int?.self, at: 1) == 902)
        #expect(try call[0].decode(String?.self, at: 2) == "102")
        #expect(try call[0].decode(String.self, at: 3) == "in")
        let card = try await harness.query("SELECT C.STAFF_ID, C.STATE, C.SIP_EXTENSION FROM MISLINK_CALL_CARDS C JOIN MISLINK_CALLS K ON K.ID = C.CALL_ID WHERE K.PBX_CALL_ID = 'SIP1'")
        #expect(try card.map { try $0.decode(Int.self, at: 0) } == [902])
        #expect(try card[0].decode(String.self, at: 1) == "answered_here")
        #expect(try card[0].decode(String?.self, at: 2) == "102")
    }

    @Test func reconciliationFillsWhatTheWebhooksNeverDelivered() async throws {
        let pbx = FakePBX(configuration: FakePBXConfiguration(credentials: WorkerHarness.credentials, statsDelay: .milliseconds(500)))
        let pbxServer = try await RunningServer.start(router: pbx.router())
        let harness = try await WorkerHarness.start(label: "reconcile")
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        let t = Int(Date().timeIntervalSince1970) - 600
        // The PBX knows a call MisLink never heard of ("lost"), and one whose summary never came ("open").
        for (entry, leg) in [("lost", "lost-1"), ("open", "open-1")] {
            for (seq, state) in [(1, "Appeared"), (2, "Connected")] {
                let json = callEvent(entry: entry, call: leg, seq: seq, state: state, timestamp: t + seq)
                pbx.learn(path: "events/call", json: try JSONValue.parse(json))
                if entry == "open" { #expect(try await harness.mango("events/call", json: json).status == 200) }
            }
        }
        for leg in ["lost-1", "open-1"] {
            let hangup = try MangoJSON.encode(MangoHangupCommand(commandId: "h-\(leg)", callId: leg))
            let answer = try await harness.client.execute(.form(
                "\(pbxServer.baseURL)/vpbx/commands/call/hangup", fields: MangoSignedForm(json: hangup, credentials: WorkerHarness.credentials).fields))
            #expect(answer.status == 200)
        }
        var mango = harness.settings.mango
        mango.baseURL = pbxServer.baseURL + "/vpbx"
        let reconciler = Reconciler(
            configuration: FirebirdConfiguration(database: harness.settings.database.dsn), mango: mango, client: harness.client,
            pollInterval: .milliseconds(200))
        let report = try await reconciler.run(from: Date(timeIntervalSince1970: TimeInterval(t - 60)), to: Date())
        #expect(report.reported == 2)
        #expect(report.inserted == 1 && report.insertedEntries == ["lost"])
        #expect(report.completed == 1)
        let calls = try await harness.query("SELECT PBX_CALL_ID, STATE, RESULT, SOURCE, CLOSED_BY FROM MISLINK_CALLS ORDER BY PBX_CALL_ID")
        #expect(try calls.map { try $0.decode(String.self, at: 0) } == ["lost", "open"])
        #expect(try calls.allSatisfy { try $0.decode(String.self, at: 1) == "ended" && $0.decode(String?.self, at: 2) == "answered" })
        #expect(try calls.map { try $0.decode(String.self, at: 3) } == ["reconcile", "webhook"])
        #expect(try calls.map { try $0.decode(String?.self, at: 4) } == ["reconcile", "reconcile"])
        // A second run finds everything known.
        let again = try await reconciler.run(from: Date(timeIntervalSince1970: TimeInterval(t - 60)), to: Date())
        #expect(again.inserted == 0 && again.completed == 0 && again.known == 2)
    }

    @Test func everyShippedCallScenarioLandsRight() async throws {
        let harness = try await WorkerHarness.start(label: "every")
        defer { Task { await harness.stop() } }
        try await Self.clinic(harness)
        let scenarios: [(name: String, direction: String, result: String, appeal: Bool)] = [
            ("inbound-answered", "in", "answered", true), ("inbound-missed-ring-all", "in", "missed", false),
            ("abandoned-in-ivr", "in", "abandoned", false), ("hidden-caller-id", "in", "answered", true),
            ("internal-call", "internal", "answered", false), ("blind-transfer", "in", "answered", true),
            ("consultative-transfer", "in", "answered", true), ("return-blind", "in", "answered", true),
            ("outbound-callback-answered", "out", "answered", false), ("outbound-callback-not-answered", "out", "not_reached", false),
            ("recording-completed-added", "in", "answered", true),
        ]
        for (index, scenario) in scenarios.enumerated() {
            let entry = try await play(scenario.name, harness, run: "e\(index)")
            let rows = try await harness.query(
                "SELECT DIRECTION, STATE, RESULT, APPEAL_ID, OPERATOR_ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(entry)])
            #expect(rows.count == 1, "\(scenario.name)")
            guard let row = rows.first else { continue }
            #expect(try row.decode(String.self, at: 0) == scenario.direction, "\(scenario.name)")
            #expect(try row.decode(String.self, at: 1) == "ended", "\(scenario.name)")
            #expect(try row.decode(String?.self, at: 2) == scenario.result, "\(scenario.name)")
            #expect(try (row.decode(Int?.self, at: 3) != nil) == scenario.appeal, "\(scenario.name): appeal")
            if scenario.result != "abandoned" {
                #expect(try row.decode(Int?.self, at: 4) != nil, "\(scenario.name): an operator is credited")
            }
        }
        // A click-to-call's first leg rings the operator (to = the operator's extension and SIP address): the
        // client is its `from`, so the call back has the client's phone key (and is matched to missed calls).
        let clickToCall = try await harness.query(
            "SELECT PHONE_KEY FROM MISLINK_CALLS WHERE PBX_CALL_ID STARTING WITH 'e8' OR PBX_CALL_ID STARTING WITH 'e9'")
        #expect(clickToCall.count == 2)
        for row in clickToCall { #expect(try row.decode(String?.self, at: 0) == "79161234567", "\(row)") }
        // Transfers end with the operator who finished the call, and keep the one who answered first.
        let transfers = try await harness.query(
            "SELECT PBX_CALL_ID, ANSWERED_BY_ID, OPERATOR_ID, TRANSFER_COUNT FROM MISLINK_CALLS WHERE PBX_CALL_ID STARTING WITH 'e5' OR PBX_CALL_ID STARTING WITH 'e6'")
        #expect(transfers.count == 2)
        for row in transfers {
            #expect(try row.decode(Int?.self, at: 1) == 901, "\(row)")
            #expect(try row.decode(Int?.self, at: 2) == 902, "\(row)")
        }
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS = 'failed'") == 0)
    }

    /// Every call scenario, then the same scenarios delivered again with each event sent twice and each pair
    /// of neighbouring leg events swapped: the call log, legs, cards, appeals and their chains come out the same.
    @Test func duplicatesAndReorderingChangeNothing() async throws {
        let names = ["inbound-answered", "inbound-missed-ring-all", "abandoned-in-ivr", "hidden-caller-id", "internal-call",
                     "blind-transfer", "consultative-transfer", "return-blind", "outbound-callback-answered",
                     "outbound-callback-not-answered", "recording-completed-added"]
        func snapshot(reordered: Bool) async throws -> [String] {
            let harness = try await WorkerHarness.start(label: reordered ? "reord" : "inorder")
            defer { Task { await harness.stop() } }
            try await Self.clinic(harness)
            for (index, name) in names.enumerated() {
                var steps: [(String, String)] = try ScenarioLibrary().load(name)
                    .render(variables: ["run": "d\(index)"], start: 1_790_000_000 + index * 1_000)
                    .compactMap { step in
                        guard case .mango(let path, let json) = step else { return nil }
                        return (path, json.compactText)
                    }
                if reordered {
                    var i = 0
                    while i + 1 < steps.count {
                        if steps[i].0 == "events/call", steps[i + 1].0 == "events/call" { steps.swapAt(i, i + 1) }
                        i += 2
                    }
                    steps = steps.flatMap { [$0, $0] }
                }
                for (path, json) in steps {
                    let answer = await harness.sender.sendMango(path: path, json: json)
                    #expect(answer.status == 200, "\(name) \(path)")
                }
            }
            var lines: [String] = []
            for row in try await harness.query(
                """
                SELECT PBX_CALL_ID, DIRECTION, STATE, RESULT, STATUS, OPERATOR_ID, ANSWERED_BY_ID, PATIENT_ID, PATIENT_OTHERS,
                       TRANSFER_COUNT, RECORDING_COUNT, CALLBACK_OF_ID IS NOT NULL, CALLED_BACK_BY_ID IS NOT NULL,
                       (SELECT LIST(L.STAFF_ID || ':' || COALESCE(L.OUTCOME, '-'), ',') FROM
                           (SELECT STAFF_ID, OUTCOME FROM MISLINK_CALL_LEGS WHERE CALL_ID = C.ID AND STAFF_ID IS NOT NULL
                            ORDER BY STAFF_ID, OUTCOME) L),
                       (SELECT LIST(K.STAFF_ID || ':' || K.STATE, ',') FROM
                           (SELECT STAFF_ID, STATE FROM MISLINK_CALL_CARDS WHERE CALL_ID = C.ID ORDER BY STAFF_ID) K),
                       (SELECT A.OPERATOR_ID || ':' || COALESCE(A.PATIENT_ID, 0) || ':' || A.CHANNEL || ':' || A.STATUS
                          FROM APPEALS A WHERE A.ID = C.APPEAL_ID),
                       (SELECT LIST(E.EVENT_TYPE || ':' || COALESCE(E.FROM_STAFF_ID, 0) || '>' || COALESCE(E.TO_STAFF_ID, 0), ',') FROM
                           (SELECT EVENT_TYPE, FROM_STAFF_ID, TO_STAFF_ID FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = C.APPEAL_ID
                            ORDER BY ID) E)
                  FROM MISLINK_CALLS C ORDER BY PBX_CALL_ID
                """) {
                lines.append(row.map { "\($0)" }.joined(separator: " | "))
            }
            #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS = 'failed'") == 0)
            return lines
        }
        let inOrder = try await snapshot(reordered: false)
        let shuffled = try await snapshot(reordered: true)
        #expect(inOrder.count == names.count)
        for (a, b) in zip(inOrder, shuffled) { #expect(a == b) }
    }
}
