import Firebird
import Foundation
import Logging
import MisLinkOutbound
import MisLinkEmulator
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import Testing

/// A worker with the fake chat platforms: Chatwoot webhooks go to it over HTTP, edna threads are set
/// on the fake Chat Center and polled (by a poller driven step by step, so no state is skipped).
struct ChatFixture {
    let harness: WorkerHarness
    let chat: FakeChat
    let chatServer: RunningServer
    let poller: EdnaThreadPoller

    /// - Parameter profile: the MIS profile (`mis.profile`); nil for the worker's default, the reference.
    static func start(_ label: String, capacity: Int = 5, profile: String? = nil,
                      chat chatConfiguration: FakeChatConfiguration = FakeChatConfiguration(),
                      configure: (inout MisLinkSettings) -> Void = { _ in }) async throws -> ChatFixture {
        let chat = FakeChat(configuration: chatConfiguration)
        let chatServer = try await RunningServer.start(router: chat.router())
        let harness = try await WorkerHarness.start(label: label, configure: { settings in
            settings.chat.edna.baseURL = chatServer.baseURL
            settings.chat.chatwoot.baseURL = chatServer.baseURL
            settings.chat.chatwoot.apiToken = chat.configuration.chatwootToken
            settings.chat.edna.login = chat.configuration.ednaLogin
            settings.chat.edna.password = chat.configuration.ednaPassword
            settings.chat.edna.pollSeconds = 0  // the test polls itself, after every step
            settings.chat.agents = ["chatwoot:11=ivanova", "chatwoot:12=petrov", "chatwoot:13=sidorova"]
            settings.chat.capacity = capacity
            if let profile { settings.mis.profile = profile }
            configure(&settings)
        })
        try await harness.execute([
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, CHAT_LOGIN) VALUES (901, 'Иванова Анна Сергеевна', 'operator', 'ivanova')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, CHAT_LOGIN) VALUES (902, 'Петров Олег Ильич', 'operator', 'petrov')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, CHAT_LOGIN) VALUES (903, 'Сидорова Мария Петровна', 'operator', 'sidorova')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SPECIALTY) VALUES (904, 'Орлов Пётр Андреевич', 'doctor', 'терапевт')",
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE) VALUES (9010, 'Смирнова', 'Елена', 'Павловна', '8 (916) 123-45-67')",
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_HOME) VALUES (9011, 'Смирнов', 'Иван', 'Петрович', '+7 916 123 45 67')",
        ])
        let poller = EdnaThreadPoller(
            pool: FirebirdPool(configuration: FirebirdConfiguration(database: harness.settings.database.dsn)),
            intake: harness.worker.intake, settings: harness.settings.chat.edna, client: harness.client)
        return ChatFixture(harness: harness, chat: chat, chatServer: chatServer, poller: poller)
    }

    func stop() async {
        await harness.stop()
        await chatServer.stop()
    }

    /// Plays a scenario; `after` runs after each step with its index.
    func play(_ name: String, variables: [String: String] = [:], start: Int = 1_790_000_000,
              after: (Int) async throws -> Void = { _ in }) async throws {
        let steps = try ScenarioLibrary().load(name).render(variables: ["run": name].merging(variables) { $1 }, start: start)
        for (index, step) in steps.enumerated() {
            switch step {
            case .chat(let platform, let json):
                if platform == .chatwoot { chat.learn(chatwoot: json) }  // as the emulator's runner tells the fake
                let delivery = await harness.sender.sendChat(platform: platform, json: json.compactText)
                #expect(delivery.status == 200, "\(name) step \(index): \(delivery.error ?? "")")
                if platform == .edna { await chat.clientWrote(json) }  // as the emulator's runner tells the fake
            case .ednaThread(let json):
                chat.setThread(json)
            default:
                continue
            }
            try await poller.pollOnce()
            try await after(index)
        }
    }

    /// The thread's row id and its appeal.
    func thread(_ provider: String, _ externalID: String) async throws -> (id: Int64, appeal: Int) {
        let rows = try await harness.query(
            "SELECT ID, APPEAL_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = ? AND EXTERNAL_ID = ?", [.text(provider), .text(externalID)])
        let row = try #require(rows.first, "thread \(provider):\(externalID)")
        return (try row.decode(Int64.self, at: 0), try row.decode(Int.self, at: 1))
    }

    /// The appeal's chain: `type:from>to` (0 for none), oldest first.
    func chain(_ appeal: Int) async throws -> [String] {
        try await harness.query(
            "SELECT TRIM(EVENT_TYPE), COALESCE(FROM_STAFF_ID, 0), COALESCE(TO_STAFF_ID, STAFF_ID, 0) FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? ORDER BY ID",
            [.bigint(Int64(appeal))]).map { "\(try $0.decode(String.self, at: 0)):\(try $0.decode(Int.self, at: 1))>\(try $0.decode(Int.self, at: 2))" }
    }

    /// `APPEALS.STATUS`, `APPEALS.OPERATOR_ID`, `MISLINK_APPEALS.IS_DETACHED`, `LAST_OPERATOR_ID`.
    func appeal(_ id: Int) async throws -> (status: String, operatorID: Int?, detached: Bool, last: Int?) {
        let row = try await harness.query(
            """
            SELECT TRIM(A.STATUS), A.OPERATOR_ID, M.IS_DETACHED, M.LAST_OPERATOR_ID
              FROM APPEALS A JOIN MISLINK_APPEALS M ON M.APPEAL_ID = A.ID WHERE A.ID = ?
            """, [.bigint(Int64(id))])[0]
        return (try row.decode(String.self, at: 0), try row.decode(Int?.self, at: 1), try row.decode(Int.self, at: 2) == 1,
                try row.decode(Int?.self, at: 3))
    }

    /// The URL of the worker's edna webhook, as an installation's Bot Connect `TRAINING` webhook is set to it.
    var ednaWebhookURL: String { "\(harness.worker.baseURL)/edna/webhook/\(WorkerHarness.secret)" }

    /// A POST of JSON to the REST API with the token.
    func post(_ path: String, _ json: String) async throws -> HTTPClientResponse {
        try await harness.client.execute(.json(
            "\(harness.worker.baseURL)\(path)", body: Data(json.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
    }
}

@Suite("Chat: each thread an appeal, kept across operators, completed by booking or cancelling")
struct ChatTests {
    @Test func chatwootThreadClosedByTheOperatorStaysOpenUntilBooked() async throws {
        let fixture = try await ChatFixture.start("chat-closed")
        defer { Task { await fixture.stop() } }
        try await fixture.play("chatwoot-closed-by-operator")
        let (thread, appeal) = try await fixture.thread("chatwoot", "420")
        let row = try await fixture.harness.query(
            "SELECT STATUS, CLOSE_REASON, PATIENT_ID, PATIENT_OTHERS, FIRST_RESPONSE_AT, CHANNEL FROM MISLINK_CHAT_THREADS WHERE ID = ?",
            [.bigint(thread)])[0]
        #expect(try row.decode(String.self, at: 0) == "closed" && row.decode(String?.self, at: 1) == "OPERATOR_CLOSED")
        #expect(try row.decode(Int?.self, at: 2) == 9010 && row.decode(Int.self, at: 3) == 1)  // the mobile wins; one more shares it
        #expect(try row.decode(FirebirdTimestamp?.self, at: 4) != nil && row.decode(String.self, at: 5) == "whatsapp")
        let messages = try await fixture.harness.query(
            "SELECT DIRECTION, OPERATOR_ID FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ? ORDER BY SENT_AT, ID", [.bigint(thread)])
        #expect(try messages.map { try $0.decode(String.self, at: 0) } == ["in", "out"])
        #expect(try messages[1].decode(Int?.self, at: 1) == 901)

        // Rule 4: finished, the appeal stays open for the operator who had it.
        #expect(try await fixture.appeal(appeal) == ("open", 901, false, 901))
        #expect(try await fixture.chain(appeal) == ["created:0>0", "assigned:0>901", "closed:0>901"])
        let mis = try await fixture.harness.query(
            "SELECT TRIM(A.CHANNEL), A.PATIENT_ID, TRIM(M.CHANNEL), TRIM(M.SOURCE), M.PATIENT_DISPLAY FROM APPEALS A JOIN MISLINK_APPEALS M ON M.APPEAL_ID = A.ID WHERE A.ID = ?",
            [.bigint(Int64(appeal))])[0]
        #expect(try mis.decode(String.self, at: 0) == "whatsapp" && mis.decode(Int?.self, at: 1) == 9010)
        #expect(try mis.decode(String.self, at: 2) == "whatsapp" && mis.decode(String.self, at: 3) == "chat")
        #expect(try mis.decode(String?.self, at: 4)?.contains("и ещё 1") == true)
        // MisLink's side row of the MIS's appeal keeps what MisLink set, so its lists need not read APPEALS.
        let side = try await fixture.harness.query(
            "SELECT IS_OWN, STATUS, OPERATOR_ID, PATIENT_ID FROM MISLINK_APPEALS WHERE APPEAL_ID = ?", [.bigint(Int64(appeal))])[0]
        #expect(try side.decode(Int.self, at: 0) == 0 && side.decode(String?.self, at: 1) == "open")
        #expect(try side.decode(Int64?.self, at: 2) == 901 && side.decode(Int64?.self, at: 3) == 9010)

        // The operator books from the appeal, as the MIS does: the booking completes it.
        try await fixture.harness.execute([
            "INSERT INTO SCHEDULE (PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS, APPEAL_ID, CREATED_BY) VALUES (9010, 904, DATEADD(DAY, 2, CURRENT_TIMESTAMP), DATEADD(MINUTE, 30, DATEADD(DAY, 2, CURRENT_TIMESTAMP)), 'booked', \(appeal), 901)",
        ])
        #expect(try await fixture.appeal(appeal).status == "closed")
        #expect(try await fixture.harness.query("SELECT TRIM(RESULT) FROM APPEALS WHERE ID = ?", [.bigint(Int64(appeal))])[0]
            .decode(String?.self, at: 0) == "booked")
        let booked = try await fixture.chain(appeal)
        #expect(booked.suffix(2) == ["booked:0>901", "closed:0>901"], "\(booked)")
    }

    @Test func aThreadReleasedUnfinishedGivesTheSameAppealToTheNextOperator() async throws {
        let fixture = try await ChatFixture.start("chat-released")
        defer { Task { await fixture.stop() } }
        for (provider, scenario, thread) in [("chatwoot", "chatwoot-released-then-picked-up", "410"),
                                             ("edna", "edna-released-then-picked-up", "7003")] {
            try await fixture.play(scenario) { step in
                guard step == 3 else { return }
                // Left ivanova's queue unfinished: the appeal waits, detached, remembering her.
                let (_, appeal) = try await fixture.thread(provider, thread)
                #expect(try await fixture.appeal(appeal) == ("open", nil, true, 901), "\(scenario)")
                let status = try await fixture.harness.query("SELECT STATUS FROM MISLINK_CHAT_THREADS WHERE PROVIDER = ? AND EXTERNAL_ID = ?",
                                                             [.text(provider), .text(thread)])
                #expect(try status[0].decode(String.self, at: 0) == "released", "\(scenario)")
            }
            let (_, appeal) = try await fixture.thread(provider, thread)
            #expect(try await fixture.appeal(appeal) == ("open", 902, false, 902), "\(scenario)")
            #expect(try await fixture.chain(appeal) == ["created:0>0", "assigned:0>901", "released:901>901", "reopened:901>902"], "\(scenario)")
        }
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_APPEALS WHERE SOURCE = 'chat'") == 2)
    }

    @Test func ednaThreadsArePolledIdentifiedClosedAndCancelled() async throws {
        let fixture = try await ChatFixture.start("chat-edna")
        defer { Task { await fixture.stop() } }
        try await fixture.play("edna-known-patient-whatsapp")
        let (known, knownAppeal) = try await fixture.thread("edna", "7001")
        let row = try await fixture.harness.query(
            "SELECT STATUS, OPERATOR_ID, PATIENT_ID, PATIENT_OTHERS, CHANNEL, CLIENT_ID FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(known)])[0]
        #expect(try row.decode(String.self, at: 0) == "assigned" && row.decode(Int?.self, at: 1) == 901)
        #expect(try row.decode(Int?.self, at: 2) == 9010 && row.decode(Int.self, at: 3) == 1 && row.decode(String.self, at: 4) == "whatsapp")
        #expect(try row.decode(String?.self, at: 5) == "9001")  // edna's internal threadsClientId, not the external clientId
        #expect(try await fixture.appeal(knownAppeal) == ("open", 901, false, 901))
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ?", [.bigint(known)]) == 2)

        try await fixture.play("edna-closed-by-client-timeout")
        let (closed, appeal) = try await fixture.thread("edna", "7004")
        let state = try await fixture.harness.query("SELECT STATUS, CLOSE_REASON FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(closed)])[0]
        // edna's thread object gives no close reason (its reports do): closed as CLOSED, not a reason the fake made up.
        #expect(try state.decode(String.self, at: 0) == "closed" && state.decode(String?.self, at: 1) == "CLOSED")
        #expect(try await fixture.appeal(appeal) == ("open", 901, false, 901))
        // A closed thread is polled no more: a later state at the platform does not reopen it here.
        fixture.chat.setThread(try JSONValue.parse(#"{"id": 7004, "status": "ASSIGNED", "currentAgentLogin": "petrov", "stateChangeTime": "2030-01-01T00:00:00Z"}"#))
        try await fixture.poller.pollOnce()
        #expect(try await fixture.harness.query("SELECT STATUS FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(closed)])[0]
            .decode(String.self, at: 0) == "closed")

        // The operator cancels the appeal through the API.
        let cancelled = try await fixture.post("/api/v1/appeals/\(appeal)/cancel", #"{"reason":"передумал 🙂"}"#)
        #expect(cancelled.status == 200)
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/cancel", cancelled)
        #expect(try await fixture.appeal(appeal).status == "cancelled")
        #expect(try await fixture.chain(appeal).last == "cancelled:0>901")
        let again = try await fixture.post("/api/v1/appeals/\(appeal)/cancel", "{}")
        #expect(again.status == 409)
        expectDocumented("POST", "/api/v1/appeals/\(appeal)/cancel", again)
    }

    @Test func oneOperatorHoldsSeveralAppealsAndCapacityIsMarked() async throws {
        let fixture = try await ChatFixture.start("chat-three", capacity: 2)
        defer { Task { await fixture.stop() } }
        try await fixture.play("chatwoot-three-concurrent-threads")
        var appeals: [Int] = []
        for conversation in ["401", "402", "403"] { appeals.append(try await fixture.thread("chatwoot", conversation).appeal) }
        #expect(Set(appeals).count == 3)
        for appeal in appeals { #expect(try await fixture.appeal(appeal) == ("open", 901, false, 901)) }
        let details = try await fixture.harness.query(
            "SELECT DETAIL FROM MISLINK_APPEAL_EVENTS WHERE EVENT_TYPE = 'assigned' ORDER BY ID").map { try $0.decode(String?.self, at: 0) }
        #expect(details == [nil, nil, "over capacity (3/2)"])

        let page = try await fixture.harness.api("/api/v1/threads?operator=901&status=assigned&limit=2")
        #expect(page.status == 200)
        expectDocumented("GET", "/api/v1/threads", page)
        let body = try JSONSerialization.jsonObject(with: page.body) as? [String: Any]
        #expect((body?["items"] as? [Any])?.count == 2)
        #expect((body?["load"] as? [String: Any])?["assigned"] as? Int == 3)
        #expect((body?["load"] as? [String: Any])?["capacity"] as? Int == 2)
        let cursor = try #require(body?["next_cursor"] as? String)
        let rest = try await fixture.harness.api("/api/v1/threads?operator=901&status=assigned&limit=2&cursor=\(cursor)")
        let restBody = try JSONSerialization.jsonObject(with: rest.body) as? [String: Any]
        #expect((restBody?["items"] as? [Any])?.count == 1 && restBody?["next_cursor"] == nil)
        let bad = try await fixture.harness.api("/api/v1/threads?status=lost")
        #expect(bad.status == 400)
        expectDocumented("GET", "/api/v1/threads", bad)
    }

    @Test func emojiSurviveInMisLinkAndGetADefinedReplacementInWIN1251Columns() async throws {
        let fixture = try await ChatFixture.start("chat-emoji")
        defer { Task { await fixture.stop() } }
        let scenario = try ScenarioLibrary().load("chatwoot-emoji-messages")
        try await fixture.play("chatwoot-emoji-messages", variables: ["client_name": "Елена 🌸 Смирнова"])
        let texts: [String] = try scenario.render(variables: ["run": "chatwoot-emoji-messages"], start: 1_790_000_000).compactMap { step in
            guard case .chat(_, let json) = step, json["event"]?.stringValue == "message_created" else { return nil }
            return json["content"]?.stringValue
        }
        let (thread, appeal) = try await fixture.thread("chatwoot", "430")
        let bodies = try await fixture.harness.query(
            "SELECT BODY FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ? ORDER BY SENT_AT, ID", [.bigint(thread)])
            .map { try $0.decode(String?.self, at: 0) }
        #expect(bodies == texts && texts.count == 3)
        let names = try await fixture.harness.query(
            "SELECT A.CONTACT_NAME, M.CONTACT_NAME, T.CONTACT_NAME FROM APPEALS A JOIN MISLINK_APPEALS M ON M.APPEAL_ID = A.ID JOIN MISLINK_CHAT_THREADS T ON T.ID = M.THREAD_ID WHERE A.ID = ?",
            [.bigint(Int64(appeal))])[0]
        #expect(try names.decode(String?.self, at: 0) == "Елена ? Смирнова")  // WIN1251: one '?' per character it cannot hold
        #expect(try names.decode(String?.self, at: 1) == "Елена 🌸 Смирнова" && names.decode(String?.self, at: 2) == "Елена 🌸 Смирнова")

        let listed = try await fixture.harness.api("/api/v1/threads/\(thread)/messages")
        #expect(listed.status == 200)
        expectDocumented("GET", "/api/v1/threads/\(thread)/messages", listed)
        let items = (try JSONSerialization.jsonObject(with: listed.body) as? [String: Any])?["items"] as? [[String: Any]]
        #expect(items?.map { $0["body"] as? String } == texts)

        let queued = try await fixture.post("/api/v1/threads/\(thread)/messages", #"{"text":"Ждём вас 👋","staff_id":902}"#)
        #expect(queued.status == 202, "\(String(decoding: queued.body, as: UTF8.self))")
        expectDocumented("POST", "/api/v1/threads/\(thread)/messages", queued)
        let outbox = try await fixture.harness.query("SELECT BODY, THREAD_ID, STAFF_ID, TRIM(SOURCE) FROM MISLINK_OUTBOX WHERE THREAD_ID = ?", [.bigint(thread)])
        #expect(try outbox.count == 1 && outbox[0].decode(String?.self, at: 0) == "Ждём вас 👋" && outbox[0].decode(Int?.self, at: 2) == 902)
        // The outbound dispatcher sends it into the conversation; it joins the thread's messages, and
        // Chatwoot's echo of it (message_created, outgoing, the same id) adds nothing.
        let dispatcher = OutboundDispatcher(
            settings: fixture.harness.settings, profile: try Worker(settings: fixture.harness.settings).loadProfile(),
            firebird: FirebirdConfiguration(database: fixture.harness.settings.database.dsn),
            httpClient: fixture.harness.client, logger: Logger(label: "test.outbound"))
        #expect(try await dispatcher.drainOnce() == 1)
        #expect(fixture.chat.sent.map(\.body).contains { $0.contains("Ждём вас 👋") })
        let sentID = try #require(try await fixture.harness.query("SELECT PROVIDER_MESSAGE_ID FROM MISLINK_OUTBOX WHERE THREAD_ID = ?", [.bigint(thread)])[0]
            .decode(String?.self, at: 0))
        let echo = """
            {"event":"message_created","id":\(sentID),"content":"Ждём вас 👋","created_at":"1790000900","message_type":"outgoing",\
            "content_type":"text","private":false,"sender":{"id":12,"name":"Петров Олег","type":"user"},\
            "conversation":{"id":430,"inbox_id":1,"status":"open","channel":"Channel::Telegram"}}
            """
        #expect(await fixture.harness.sender.sendChat(platform: .chatwoot, json: echo).status == 200)
        let out = try await fixture.harness.query(
            "SELECT AUTHOR_TYPE, OPERATOR_ID, BODY, EXTERNAL_ID, OUTBOX_ID FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ? AND BODY = 'Ждём вас 👋'",
            [.bigint(thread)])
        #expect(out.count == 1)
        #expect(try out.first?.decode(String.self, at: 0) == "operator" && out.first?.decode(Int?.self, at: 1) == 902)
        #expect(try out.first?.decode(String.self, at: 3) == sentID && out.first?.decode(Int64?.self, at: 4) != nil)

        let empty = try await fixture.post("/api/v1/threads/\(thread)/messages", "{}")
        #expect(empty.status == 400)
        let missing = try await fixture.harness.api("/api/v1/threads/999999/messages")
        #expect(missing.status == 404)
        expectDocumented("GET", "/api/v1/threads/999999/messages", missing)
    }

    /// Every chat scenario of both platforms, then every webhook again and every edna state polled again:
    /// one appeal per thread, and nothing changes.
    @Test func repeatedEventsChangeNothing() async throws {
        let fixture = try await ChatFixture.start("chat-repeat")
        defer { Task { await fixture.stop() } }
        let scenarios: [(String, [String: String])] = [
            ("chatwoot-closed-by-operator", [:]), ("chatwoot-emoji-messages", [:]), ("chatwoot-released-then-picked-up", [:]),
            ("chatwoot-three-concurrent-threads", [:]), ("edna-closed-by-client-timeout", [:]), ("edna-known-patient-whatsapp", [:]),
            ("edna-new-thread-messages", ["thread": "7006"]), ("edna-released-then-picked-up", [:]),
            ("edna-unknown-client-telegram", ["thread": "7005", "edna_client": "9005"]),
        ]
        func snapshot() async throws -> [String] {
            try await fixture.harness.query(
                """
                SELECT T.PROVIDER || ':' || T.EXTERNAL_ID || ' ' || T.STATUS || ' op=' || COALESCE(T.OPERATOR_ID, 0)
                       || ' appeal=' || TRIM(A.STATUS) || '/' || COALESCE(A.OPERATOR_ID, 0) || '/' || M.IS_DETACHED
                       || ' messages=' || (SELECT COUNT(*) FROM MISLINK_CHAT_MESSAGES G WHERE G.THREAD_ID = T.ID)
                       || ' chain=' || (SELECT COUNT(*) FROM MISLINK_APPEAL_EVENTS E WHERE E.APPEAL_ID = T.APPEAL_ID)
                  FROM MISLINK_CHAT_THREADS T JOIN APPEALS A ON A.ID = T.APPEAL_ID JOIN MISLINK_APPEALS M ON M.APPEAL_ID = A.ID
                 ORDER BY T.PROVIDER, T.EXTERNAL_ID
                """).map { try $0.decode(String.self, at: 0) }
        }
        for (name, variables) in scenarios { try await fixture.play(name, variables: variables) }
        // The Telegram client who shared no contact: nobody identified, the appeal on the messenger's channel.
        let (unknown, unknownAppeal) = try await fixture.thread("edna", "7005")
        let telegram = try await fixture.harness.query(
            "SELECT T.CHANNEL, T.PATIENT_ID, TRIM(A.CHANNEL), A.PATIENT_ID FROM MISLINK_CHAT_THREADS T JOIN APPEALS A ON A.ID = T.APPEAL_ID WHERE T.ID = ?",
            [.bigint(unknown)])[0]
        #expect(try telegram.decode(String.self, at: 0) == "telegram" && telegram.decode(Int?.self, at: 1) == nil)
        #expect(try telegram.decode(String.self, at: 2) == "telegram" && telegram.decode(Int?.self, at: 3) == nil)
        #expect(try await fixture.appeal(unknownAppeal) == ("open", 902, false, 902))
        let first = try await snapshot()
        #expect(first.count == 11, "\(first)")
        for (name, variables) in scenarios { try await fixture.play(name, variables: variables) }
        #expect(try await snapshot() == first)
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_APPEALS WHERE SOURCE = 'chat'") == 11)
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS = 'failed'") == 0)
    }
}
