import Firebird
import Foundation
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkProfiles
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import Testing

/// The operator console's live cards and its endpoints, end to end: signed Mango webhooks in, the card on
/// the stream of the operator whose extension rings, withdrawn when a colleague answers; the caller chosen
/// among the patients sharing the number; dismissing, calling back, the call log's names and filters, the
/// booking lists; a card written by another worker on the database.
@Suite("Console: live cards, the stream, card actions, names", .serialized)
struct OperatorConsoleTests {
    static let patientURL = "https://mis.example/patients/{patient_id}"

    /// TelephonyTests' clinic (operators 901–903 at 101–103, doctor 904, the Smirnovs sharing a number),
    /// with MIS logins for 901 and 902 and a supervisor, all with the password `demo`.
    static func start(_ label: String, dsn: (String) -> String = { $0 }) async throws -> WorkerHarness {
        let harness = try await WorkerHarness.start(label: label, dsn: dsn, configure: { $0.console.patientURLTemplate = patientURL })
        try await TelephonyTests.clinic(harness)
        let hash = ConsoleAuthTests.demoHash
        try await harness.execute([
            "UPDATE STAFF SET MIS_LOGIN = 'ivanova', PASSWORD_HASH = '\(hash)' WHERE ID = 901",
            "UPDATE STAFF SET MIS_LOGIN = 'petrov', PASSWORD_HASH = '\(hash)' WHERE ID = 902",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN, PASSWORD_HASH) VALUES (905, 'Старшая Смены', 'admin', 'chief', '\(hash)')",
        ])
        return harness
    }

    static func session(_ harness: WorkerHarness, _ login: String) async throws -> ConsoleClient.Session {
        let console = ConsoleClient(harness: harness)
        let answer = try await console.signIn(login, "demo")
        #expect(answer.status == 200, "\(login): \(answer.text)")
        return try console.session(from: answer)
    }

    /// The stream of a session (its token in the query, as an `EventSource` sends it), `retry:` received.
    static func stream(_ harness: WorkerHarness, _ session: ConsoleClient.Session, query: String = "",
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> EventStreamClient {
        let client = try EventStreamClient(port: harness.worker.port, path: "/api/v1/operator/stream?session=\(session.token)\(query)")
        #expect(await client.waitForStatus() == 200, sourceLocation: sourceLocation)
        #expect(await client.next("retry") != nil, "no retry: line", sourceLocation: sourceLocation)
        return client
    }

    static func ring(_ harness: WorkerHarness, entry: String, extensions: [String], at t: Int) async throws {
        for ext in extensions {
            let json = callEvent(entry: entry, call: "\(entry)-\(ext)", seq: 1, state: "Appeared", timestamp: t, toExtension: ext)
            #expect(try await harness.mango("events/call", json: json).status == 200)
        }
    }

    static func event(_ harness: WorkerHarness, entry: String, ext: String, seq: Int, state: String, at t: Int) async throws {
        let json = callEvent(entry: entry, call: "\(entry)-\(ext)", seq: seq, state: state, timestamp: t, toExtension: ext)
        #expect(try await harness.mango("events/call", json: json).status == 200)
    }

    static func card(_ event: EventStreamClient.Event?) -> [String: Any] { event?.json ?? [:] }

    @Test func aRingingCallReachesTheStreamOfTheOperatorWhoseExtensionRingsAndIsWithdrawnWhenAColleagueAnswers() async throws {
        let harness = try await Self.start("console-cards")
        defer { Task { await harness.stop() } }
        let ivanova = try await Self.session(harness, "ivanova")
        let petrov = try await Self.session(harness, "petrov")
        let mine = try await Self.stream(harness, ivanova)
        let theirs = try await Self.stream(harness, petrov)
        let chief = try await Self.stream(harness, try await Self.session(harness, "chief"), query: "&operator=all")

        let t = 1_790_000_000
        try await Self.ring(harness, entry: "S1", extensions: ["101", "102"], at: t)
        let shown = Self.card(await mine.next("card") { $0.json["state"] as? String == "shown" })
        #expect(shown["staff_id"] as? Int == 901)
        #expect(shown["direction"] as? String == "in")
        #expect(shown["phone_number"] as? String == "79161234567")
        let patient = shown["patient"] as? [String: Any] ?? [:]
        #expect(patient["id"] as? Int == 9010)
        #expect(patient["name"] as? String == "Смирнова Елена Павловна")
        #expect(shown["others"] as? Int == 1)
        let candidates = shown["candidates"] as? [[String: Any]] ?? []
        #expect(candidates.map { $0["id"] as? Int } == [9010, 9011])  // the mobile first
        #expect(candidates.first?["source_column"] as? String == "PHONE_MOBILE")
        #expect(candidates.first?["last_visit_at"] as? String == "2025-03-14T09:30:00")
        let lastVisit = shown["last_visit"] as? [String: Any] ?? [:]
        #expect(lastVisit["at"] as? String == "2025-03-14T09:30:00")
        #expect(lastVisit["service"] as? String == "Приём терапевта повторный")
        #expect(shown["patient_url"] as? String == "https://mis.example/patients/9010")
        #expect((shown["shown_at"] as? String)?.hasSuffix("Z") == true)
        #expect(shown.keys.contains("answered_at") && shown["answered_at"] is NSNull)
        let cardID = try #require(shown["id"] as? Int)
        let theirCard = Self.card(await theirs.next("card"))
        #expect(theirCard["staff_id"] as? Int == 902)
        #expect(theirCard["call_id"] as? Int == shown["call_id"] as? Int)
        #expect(await chief.next("card") { $0.json["staff_id"] as? Int == 901 } != nil)
        #expect(await chief.next("card") { $0.json["staff_id"] as? Int == 902 } != nil || chief.all.contains { $0.json["staff_id"] as? Int == 902 })

        // GET /api/v1/cards: the operator's open cards; another operator's are refused.
        let open = try await ivanova.send("GET", "/api/v1/cards")
        #expect(open.status == 200)
        expectDocumented("GET", "/api/v1/cards", open)
        #expect((open.json["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [cardID])
        #expect(try await ivanova.send("GET", "/api/v1/cards?operator=902").status == 403)
        let everyone = try await harness.api("/api/v1/cards?operator=all")
        #expect((everyone.json["items"] as? [[String: Any]])?.count == 2)

        // 102 answers: the card of 101 is withdrawn, 102's is answered here.
        try await Self.event(harness, entry: "S1", ext: "102", seq: 2, state: "Connected", at: t + 5)
        let withdrawn = Self.card(await mine.next("card") { $0.json["id"] as? Int == cardID && $0.json["state"] as? String != "shown" })
        #expect(withdrawn["state"] as? String == "answered_elsewhere")
        let answered = Self.card(await theirs.next("card") { $0.json["state"] as? String == "answered_here" })
        #expect(answered["appeal_id"] is Int)
        #expect(mine.all.filter { $0.name == "card" }.allSatisfy { $0.json["staff_id"] as? Int == 901 }, "another operator's card on the stream")
        #expect((try await ivanova.send("GET", "/api/v1/cards").json["items"] as? [[String: Any]])?.isEmpty == true)

        // The call ends: 102's card leaves the screen.
        try await Self.event(harness, entry: "S1", ext: "102", seq: 3, state: "Disconnected", at: t + 60)
        let over = Self.card(await theirs.next("card") { $0.json["state"] as? String == "closed" })
        #expect(over["id"] as? Int == answered["id"] as? Int)
        #expect(over["closed_at"] is String)
    }

    @Test func theOperatorChoosesTheCallerAmongTheCandidatesAndDismissesTheCard() async throws {
        let harness = try await Self.start("console-choice")
        defer { Task { await harness.stop() } }
        let petrov = try await Self.session(harness, "petrov")
        let ivanova = try await Self.session(harness, "ivanova")
        let stream = try await Self.stream(harness, petrov)
        let t = 1_790_000_000
        try await Self.ring(harness, entry: "C1", extensions: ["102"], at: t)
        try await Self.event(harness, entry: "C1", ext: "102", seq: 2, state: "Connected", at: t + 3)
        let answered = Self.card(await stream.next("card") { $0.json["state"] as? String == "answered_here" && $0.json["appeal_id"] is Int })
        let cardID = try #require(answered["id"] as? Int)
        let appealID = try #require(answered["appeal_id"] as? Int)
        let callID = try #require(answered["call_id"] as? Int)

        // Only one of the card's candidates; only the card's own operator.
        #expect(try await petrov.send("POST", "/api/v1/cards/\(cardID)/patient", #"{"patient_id":9999}"#).status == 400)
        #expect(try await ivanova.send("POST", "/api/v1/cards/\(cardID)/patient", #"{"patient_id":9011}"#).status == 403)
        let chosen = try await petrov.send("POST", "/api/v1/cards/\(cardID)/patient", #"{"patient_id":9011}"#)
        #expect(chosen.status == 200, "\(chosen.text)")
        expectDocumented("POST", "/api/v1/cards/\(cardID)/patient", chosen)
        let patient = chosen.json["patient"] as? [String: Any] ?? [:]
        #expect(patient["id"] as? Int == 9011 && patient["name"] as? String == "Смирнов Иван Петрович")
        #expect(chosen.json["patient_url"] as? String == "https://mis.example/patients/9011")
        #expect(chosen.json["last_visit"] is NSNull)  // he has no visit
        let pushed = Self.card(await stream.next("card") { ($0.json["patient"] as? [String: Any])?["id"] as? Int == 9011 })
        #expect(pushed["id"] as? Int == cardID)

        let call = try await harness.query("SELECT PATIENT_ID, PATIENT_MATCH FROM MISLINK_CALLS WHERE ID = ?", [.bigint(Int64(callID))])
        #expect(try call[0].decode(Int?.self, at: 0) == 9011 && call[0].decode(String?.self, at: 1) == "operator")
        #expect(try await harness.count("SELECT PATIENT_ID FROM APPEALS WHERE ID = ?", [.bigint(Int64(appealID))]) == 9011)
        #expect(try await harness.count("SELECT PATIENT_ID FROM MISLINK_APPEALS WHERE APPEAL_ID = ?", [.bigint(Int64(appealID))]) == 9011)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'call_patient_chosen' AND STAFF_ID = 902") == 1)

        // The appeal's chain, with the employees' names.
        let events = try await petrov.send("GET", "/api/v1/appeals/\(appealID)/events")
        #expect(events.status == 200)
        expectDocumented("GET", "/api/v1/appeals/\(appealID)/events", events)
        let chain = events.json["items"] as? [[String: Any]] ?? []
        #expect(chain.map { $0["kind"] as? String } == ["created", "patient_set"])
        #expect(chain.last?["staff_name"] as? String == "Петров Олег Ильич")
        #expect(chain.last?["details"] as? String == "patient 9011")
        #expect(try await petrov.send("GET", "/api/v1/appeals/987654/events").status == 404)

        // Dismissed: closed on the stream and off the open cards, audited.
        #expect(try await ivanova.send("POST", "/api/v1/cards/\(cardID)/dismiss").status == 403)
        let dismissed = try await petrov.send("POST", "/api/v1/cards/\(cardID)/dismiss")
        #expect(dismissed.status == 200)
        expectDocumented("POST", "/api/v1/cards/\(cardID)/dismiss", dismissed)
        #expect(dismissed.json["state"] as? String == "closed")
        #expect(await stream.next("card") { $0.json["state"] as? String == "closed" } != nil)
        #expect((try await petrov.send("GET", "/api/v1/cards").json["items"] as? [[String: Any]])?.isEmpty == true)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'card_dismiss'") == 1)
        #expect(try await petrov.send("POST", "/api/v1/cards/999999/dismiss").status == 404)
    }

    @Test func callBackCallLogNamesAndFilters() async throws {
        let harness = try await Self.start("console-log")
        defer { Task { await harness.stop() } }
        let ivanova = try await Self.session(harness, "ivanova")
        let missed = try await harness.playMango("inbound-missed-ring-all", run: "m1")
        let missedID = try await harness.count("SELECT ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(missed)])
        let waiting = try await harness.api("/api/v1/calls?to_call_back=true")
        #expect((waiting.json["items"] as? [[String: Any]])?.map { $0["to_call_back"] as? Bool } == [true])
        let t = 1_790_100_000
        try await Self.ring(harness, entry: "L1", extensions: ["102"], at: t)
        try await Self.event(harness, entry: "L1", ext: "102", seq: 2, state: "Connected", at: t + 2)

        // A call back is a `call` command from the operator's extension to the client's number.
        let callback = try await ivanova.send("POST", "/api/v1/calls/\(missedID)/callback")
        #expect(callback.status == 201, "\(callback.text)")
        expectDocumented("POST", "/api/v1/calls/\(missedID)/callback", callback)
        #expect(callback.json["kind"] as? String == "call" && callback.json["staff_id"] as? Int == 901)
        #expect(callback.json["target"] as? String == "79161234567")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'command' AND STAFF_ID = 901") == 1)
        #expect(try await ivanova.send("POST", "/api/v1/calls/999999/callback").status == 404)

        // Names beside the ids; the name filters.
        let page = try await harness.api("/api/v1/calls?patient_name=%D1%81%D0%BC%D0%B8%D1%80%D0%BD%D0%BE%D0%B2%D0%B0")  // смирнова
        #expect(page.status == 200, "\(page.text)")
        expectDocumented("GET", "/api/v1/calls", page)
        let items = page.json["items"] as? [[String: Any]] ?? []
        #expect(items.count == 2)
        #expect(items.allSatisfy { $0["patient_name"] as? String == "Смирнова Елена Павловна" })
        let missedItem = items.first { $0["id"] as? Int == missedID } ?? [:]
        #expect(missedItem["to_call_back"] as? Bool == false)  // the later call from the number connected: called back
        #expect(missedItem["operator_name"] as? String == "Иванова Анна Сергеевна")
        #expect(missedItem["recordings"] as? Int == 0)
        let answered = items.first { $0["id"] as? Int != missedID } ?? [:]
        #expect(answered["operator_name"] as? String == "Петров Олег Ильич" && answered["answered_by_name"] as? String == "Петров Олег Ильич")
        #expect(answered["to_call_back"] as? Bool == false)
        let byOperator = try await harness.api("/api/v1/calls?operator_name=%D0%BF%D0%B5%D1%82%D1%80%D0%BE%D0%B2")  // петров
        #expect((byOperator.json["items"] as? [[String: Any]])?.map { $0["operator_id"] as? Int } == [902])
        let nobody = try await harness.api("/api/v1/calls?patient_name=Nobody")
        #expect((nobody.json["items"] as? [[String: Any]])?.isEmpty == true)

        // The threads list names the operator and the patient too.
        try await harness.execute(["""
            INSERT INTO MISLINK_CHAT_THREADS (ID, PROVIDER, EXTERNAL_ID, CHANNEL, STATUS, OPERATOR_ID, PATIENT_ID, OPENED_AT, CREATED_AT,
                UPDATED_AT)
            VALUES (21, 'chatwoot', 'c-21', 'telegram', 'assigned', 901, 9010, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
            """])
        let threads = try await ivanova.send("GET", "/api/v1/threads")
        expectDocumented("GET", "/api/v1/threads", threads)
        let thread = (threads.json["items"] as? [[String: Any]])?.first ?? [:]
        #expect(thread["operator_name"] as? String == "Иванова Анна Сергеевна" && thread["patient_name"] as? String == "Смирнова Елена Павловна")
    }

    @Test func configBookingListsAndWhoMayStream() async throws {
        let harness = try await Self.start("console-config")
        defer { Task { await harness.stop() } }
        let ivanova = try await Self.session(harness, "ivanova")
        let config = try await ivanova.send("GET", "/api/v1/console/config")
        #expect(config.status == 200)
        expectDocumented("GET", "/api/v1/console/config", config)
        #expect(config.json["patient_url_template"] as? String == Self.patientURL)
        #expect((config.json["operator"] as? [String: Any])?["id"] as? Int == 901)
        #expect((config.json["operator"] as? [String: Any])?["role"] as? String == "operator")
        #expect(config.json["chat_capacity"] as? Int == 5)

        let doctors = try await ivanova.send("GET", "/api/v1/doctors")
        expectDocumented("GET", "/api/v1/doctors", doctors)
        let orlov = (doctors.json["items"] as? [[String: Any]])?.first { $0["id"] as? Int == 904 }
        #expect(orlov?["name"] as? String == "Орлов Пётр Андреевич" && orlov?["specialty"] as? String == "терапевт")
        let services = try await ivanova.send("GET", "/api/v1/services")
        expectDocumented("GET", "/api/v1/services", services)
        #expect((services.json["items"] as? [[String: Any]])?.contains { $0["id"] as? Int == 9050 && $0["minutes"] as? Int == 30 } == true)
        let slots = try await ivanova.send("GET", "/api/v1/slots?doctor=904&from=2030-03-14&to=2030-03-14")
        #expect(slots.status == 200, "\(slots.text)")
        expectDocumented("GET", "/api/v1/slots", slots)
        let first = (slots.json["items"] as? [[String: Any]])?.first ?? [:]
        #expect(first["doctor_id"] as? Int == 904 && first["start_at"] as? String == "2030-03-14T09:00:00" && first["minutes"] as? Int == 30)
        #expect(try await ivanova.send("GET", "/api/v1/slots?from=2030-03-14&to=2030-01-01").status == 400)
        #expect(try await ivanova.send("GET", "/api/v1/slots?from=14.03.2030").status == 400)

        // A bearer token has no stream, and is told so at once; an operator streams only their own cards.
        let bearer = try EventStreamClient(port: harness.worker.port, path: "/api/v1/operator/stream",
                                           headers: [("Authorization", "Bearer \(WorkerHarness.token)")])
        // A 403, not a stream's 200: the status is the property. How long it takes is the machine's load, not
        // the server's doing (3.8 s once, and over 10 s in a CI-like run with every suite at once).
        #expect(await bearer.waitForStatus(seconds: 60) == 403)
        let other = try EventStreamClient(port: harness.worker.port, path: "/api/v1/operator/stream?session=\(ivanova.token)&operator=902")
        #expect(await other.waitForStatus() == 403)
        let unsigned = try EventStreamClient(port: harness.worker.port, path: "/api/v1/operator/stream")
        #expect(await unsigned.waitForStatus() == 401)
    }

    @Test func anOpenStreamEndsOnDisconnectAndDoesNotHoldUpTheWorkersStop() async throws {
        let harness = try await Self.start("console-stop")
        let ivanova = try await Self.session(harness, "ivanova")
        let gone = try await Self.stream(harness, ivanova)
        gone.disconnect()
        let stays = try await Self.stream(harness, ivanova)
        let clock = ContinuousClock()
        let started = clock.now
        await harness.stop()
        #expect(clock.now - started < .seconds(10), "the stop waited on the open stream")
        #expect(await stays.waitForEnd(seconds: 5), "the stream did not end at the stop")
    }

    @Test func overTheServerTheCardArrivesByItsEvent() async throws {
        let harness = try await Self.start("console-server", dsn: { "localhost:\($0)" })
        defer { Task { await harness.stop() } }
        let stream = try await Self.stream(harness, try await Self.session(harness, "ivanova"))
        let clock = ContinuousClock()
        // Five calls, each on the stream within 3.5 s: by the event. Were the cards found by the re-read every
        // 5 s instead, each would wait 0-5 s for it, and five in a row under 3.5 s would be a 17 % chance. The
        // bound leaves room for a loaded machine (2.1 s seen with every suite running at once).
        for n in 1...5 {
            let sent = clock.now
            try await Self.ring(harness, entry: "V\(n)", extensions: ["101"], at: 1_790_300_000 + n * 60)
            let card = Self.card(await stream.next("card") { $0.json["state"] as? String == "shown" })
            #expect(card["staff_id"] as? Int == 901)
            #expect(clock.now - sent < .milliseconds(3500), "call \(n): \(clock.now - sent)")
            try await Self.event(harness, entry: "V\(n)", ext: "101", seq: 2, state: "Disconnected", at: 1_790_300_010 + n * 60)
        }
    }

    /// МедБаза's FIO is CHARACTER SET NONE: its patients_by_name finds a name as typed and with its first
    /// letter upper case, by the bytes of WIN1251.
    @Test func medbaseFindsPatientsByNameAsTypedAndCapitalised() async throws {
        let harness = try await WorkerHarness.start(label: "console-medbase-names", profile: "medbase")
        defer { Task { await harness.stop() } }
        let profile = try MISProfile(directory: try MISProfile.resolve("medbase"))
        func found(_ name: String) async throws -> [String] {
            let query = try profile.statement("patients_by_name").query(["name": .text(name)])
            return try await harness.query(query.sql, query.bindings).map { try $0.decode(String.self, column: "FULL_NAME") }.sorted()
        }
        #expect(try await found("иванова") == ["Иванова Анна Сергеевна", "Иванова Мария Петровна"])
        #expect(try await found("Иванов").count == 3)
        #expect(try await found("Иванова Анна") == ["Иванова Анна Сергеевна"])
        #expect(try await found("Петрова Нет").isEmpty)
        let page = try await harness.api("/api/v1/calls?patient_name=%D0%B8%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%D0%B0")
        #expect(page.status == 200, "\(page.text)")
        let doctors = try await harness.api("/api/v1/doctors")
        #expect((doctors.json["items"] as? [[String: Any]])?.isEmpty == false)
    }

    @Test func aCardWrittenByAnotherWorkerOnTheDatabaseReachesTheStream() async throws {
        let harness = try await Self.start("console-two")
        defer { Task { await harness.stop() } }
        var settings = harness.settings
        settings.intake.spoolDirectory = "\(ClinicDatabase.directory)/spool-\(UUID().uuidString.prefix(8))"
        var second = Worker(settings: settings)
        second.fixUTCOffset = true
        let other = try await second.start()
        defer { Task { await other.stop() } }
        let stream = try await Self.stream(harness, try await Self.session(harness, "ivanova"))
        let json = callEvent(entry: "W2", call: "W2-101", seq: 1, state: "Appeared", timestamp: 1_790_200_000, toExtension: "101")
        let sent = try await harness.client.execute(.form("\(other.baseURL)/mango/events/call",
                                                          fields: MangoSignedForm(json: json, credentials: WorkerHarness.credentials).fields))
        #expect(sent.status == 200)
        let card = Self.card(await stream.next("card"))
        #expect(card["staff_id"] as? Int == 901 && card["state"] as? String == "shown")
        let call = try await harness.count("SELECT ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'W2'")
        #expect(card["call_id"] as? Int == call)
    }
}
