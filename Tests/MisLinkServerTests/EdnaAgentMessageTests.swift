import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkReport
import MisLinkServer
import MisLinkTestSupport
import Testing

/// edna pushes no agent message (reference B.5): what an operator types in edna's own agent screen
/// reaches MisLink only as Bot Connect's `TRAINING` webhook, when the installation set one up, and
/// otherwise only as the thread's polled status (`WAITING`, `REASSIGNED`, `unanswered` at 0).
@Suite("edna: operators' messages typed in edna, their first response, and close reasons")
struct EdnaAgentMessageTests {
    /// The scenarios' `{iso}`: the first client message, when the thread opens.
    static let start = 1_790_000_000

    /// The thread's seconds from opening to the first response; nil when none is recorded.
    func firstResponse(_ fixture: ChatFixture, _ thread: Int64) async throws -> Int? {
        try await fixture.harness.query(
            "SELECT DATEDIFF(SECOND, OPENED_AT, FIRST_RESPONSE_AT) FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(thread)])[0]
            .decode(Int?.self, at: 0)
    }

    /// The thread's messages: `direction author operator external-id body`, oldest first.
    func messages(_ fixture: ChatFixture, _ thread: Int64) async throws -> [String] {
        try await fixture.harness.query(
            """
            SELECT TRIM(DIRECTION) || ' ' || TRIM(AUTHOR_TYPE) || ' ' || COALESCE(OPERATOR_ID, 0) || ' ' || EXTERNAL_ID || ' ' || BODY
              FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ? ORDER BY SENT_AT, ID
            """, [.bigint(thread)]
        ).map { try $0.decode(String.self, at: 0) }
    }

    /// A worker whose edna installation posts `TRAINING` webhooks to it, after `edna-known-patient-whatsapp`
    /// (thread 7001, assigned to ivanova): the fixture, the thread's row id and its appeal.
    func trainingFixture(_ label: String) async throws -> (ChatFixture, Int64, Int) {
        let fixture = try await ChatFixture.start(label)
        fixture.chat.setTrainingWebhook(url: fixture.ednaWebhookURL)
        try await fixture.play("edna-known-patient-whatsapp")
        let (thread, appeal) = try await fixture.thread("edna", "7001")
        return (fixture, thread, appeal)
    }

    @Test func anAgentMessageTypedInEdnaReachesTheThreadOnceThroughTraining() async throws {
        let (fixture, thread, appeal) = try await trainingFixture("edna-training")
        defer { Task { await fixture.stop() } }
        // The TRAINING copies of the client's two messages (same ids as their MESSAGE webhooks) added nothing.
        #expect(fixture.chat.trainingWebhooks.count == 2)
        #expect(try await messages(fixture, thread).count == 2)
        #expect(try await firstResponse(fixture, thread) == nil)

        let at = Date(timeIntervalSince1970: TimeInterval(Self.start + 75))
        let reply = try await fixture.chat.agentWrites(thread: 7001, text: "Да, завтра в 10:00 есть время 🦷", at: at)
        #expect(reply.trainingStatus == 200)
        #expect(reply.threadAfter?["status"]?.stringValue == "WAITING" && reply.threadAfter?["unanswered"]?.intValue == 0)
        // edna may repeat a webhook: the second copy is acknowledged and changes nothing.
        let training = try #require(reply.training)
        #expect(await fixture.harness.sender.sendChat(platform: .edna, json: training.compactText).status == 200)
        try await fixture.poller.pollOnce()  // WAITING: the answer again, already recorded earlier

        let history = try await messages(fixture, thread)
        #expect(history.count == 3, "\(history)")
        #expect(history.last == "out operator 901 \(reply.id) Да, завтра в 10:00 есть время 🦷")
        #expect(try await firstResponse(fixture, thread) == 75)
        let row = try await fixture.harness.query(
            "SELECT STATUS, OPERATOR_ID, UNANSWERED_COUNT, LAST_MESSAGE_PREVIEW FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(thread)])[0]
        #expect(try row.decode(String.self, at: 0) == "assigned" && row.decode(Int?.self, at: 1) == 901)
        #expect(try row.decode(Int.self, at: 2) == 0 && row.decode(String?.self, at: 3) == "Да, завтра в 10:00 есть время 🦷")
        #expect(try await fixture.appeal(appeal) == ("open", 901, false, 901))

        // The appeals report counts the thread as answered, 75 s after it opened.
        let answer = try await fixture.harness.api("/api/v1/reports/appeals?from=2026-09-20&to=2026-09-22")
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        let chats = try JSONCoding.decoder.decode(AppealsReport.self, from: answer.body).chats.overall
        #expect(chats.threads == 1 && chats.responded == 1 && chats.firstResponseP50Sec == 75)
        #expect(chats.firstResponseOneToFiveMinutes == 1 && chats.notResponded == 0)
    }

    @Test func withoutTrainingThePolledStatusGivesTheFirstResponse() async throws {
        let fixture = try await ChatFixture.start("edna-polled-answer")
        defer { Task { await fixture.stop() } }
        // WAITING: the agent answered and waits for the client.
        try await fixture.play("edna-closed-by-client-timeout")
        let (closed, _) = try await fixture.thread("edna", "7004")
        #expect(try await firstResponse(fixture, closed) == 30)
        // REASSIGNED: in petrov's queue, with replies.
        try await fixture.play("edna-released-then-picked-up")
        let (picked, _) = try await fixture.thread("edna", "7003")
        #expect(try await firstResponse(fixture, picked) == 360)

        // An agent writes in edna's own screen, no TRAINING webhook configured: no message reaches MisLink,
        // the next poll sees WAITING at the reply's time.
        try await fixture.play("edna-known-patient-whatsapp")
        let (known, _) = try await fixture.thread("edna", "7001")
        #expect(try await firstResponse(fixture, known) == nil)  // ASSIGNED with the client's messages unanswered
        let reply = try await fixture.chat.agentWrites(
            thread: 7001, text: "Да, есть время.", at: Date(timeIntervalSince1970: TimeInterval(Self.start + 90)))
        #expect(reply.training == nil && fixture.chat.trainingWebhooks.isEmpty)
        try await fixture.poller.pollOnce()
        #expect(try await firstResponse(fixture, known) == 90)
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ?", [.bigint(known)]) == 2)
        let status = try await fixture.harness.query("SELECT PROVIDER_STATUS, OPERATOR_ID FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(known)])[0]
        #expect(try status.decode(String?.self, at: 0) == "WAITING" && status.decode(Int?.self, at: 1) == 901)
        // The client writes again (REASSIGNED: with replies), the agent answers later: the first response stays.
        try await fixture.chat.clientWrote(JSONValue.parse(
            #"{"action":"MESSAGE","text":"А после обеда?","threadsClientId":9001,"sessionId":"7001","questionId":"late-q","receivedAt":"2026-09-21T14:20:00Z"}"#))
        try await fixture.poller.pollOnce()
        _ = try await fixture.chat.agentWrites(thread: 7001, text: "Тоже можно.", at: Date(timeIntervalSince1970: TimeInterval(Self.start + 900)))
        try await fixture.poller.pollOnce()
        #expect(try await firstResponse(fixture, known) == 90)
    }

    /// edna's `unanswered` falling to 0 after the client's messages, in an agent's queue, tells an answer
    /// even when the status stays `ASSIGNED`; and an agent who writes first opens the thread with that message.
    @Test func unansweredFallingToZeroAndAnAgentWritingFirst() async throws {
        let fixture = try await ChatFixture.start("edna-unanswered")
        defer { Task { await fixture.stop() } }
        try await fixture.play("edna-unknown-client-telegram")  // ASSIGNED to petrov, 1 unanswered
        let (thread, _) = try await fixture.thread("edna", "7002")
        #expect(try await firstResponse(fixture, thread) == nil)
        // Still ASSIGNED (this installation keeps the status), but nothing is unanswered any more.
        fixture.chat.setThread(try JSONValue.parse(
            #"{"id":7002,"status":"ASSIGNED","stateChangeTime":"2026-09-21T14:13:35Z","unanswered":0,"currentAgentLogin":"petrov","clientId":9002}"#))
        try await fixture.poller.pollOnce()
        #expect(try await firstResponse(fixture, thread) == 15)

        // An agent who writes first, in a thread MisLink has not seen (an outgoing thread), opens it with that
        // message: it reaches MisLink only as TRAINING, with the operator behind the login.
        fixture.chat.setTrainingWebhook(url: fixture.ednaWebhookURL)
        fixture.chat.setThread(try JSONValue.parse(
            #"{"id":7010,"status":"ASSIGNED","stateChangeTime":"2026-09-21T14:13:20Z","unanswered":0,"currentAgentLogin":"sidorova","clientId":9010}"#))
        let first = try await fixture.chat.agentWrites(thread: 7010, text: "Здравствуйте! Напоминаем о приёме.",
                                                       at: Date(timeIntervalSince1970: TimeInterval(Self.start + 5)))
        #expect(first.trainingStatus == 200)
        let (outgoing, _) = try await fixture.thread("edna", "7010")
        #expect(try await messages(fixture, outgoing) == ["out operator 903 \(first.id) Здравствуйте! Напоминаем о приёме."])
    }

    /// A reply MisLink sends through edna's API is an agent's message in edna too, so edna's TRAINING copy of
    /// it comes back (here before the API's answer): one row, completed with who asked and its outbox row.
    @Test func theTrainingCopyOfAReplySentThroughMisLinkAddsNothing() async throws {
        let (fixture, thread, _) = try await trainingFixture("edna-training-echo")
        defer { Task { await fixture.stop() } }
        let queued = try await fixture.post("/api/v1/threads/\(thread)/messages", #"{"text":"Ждём вас завтра в 10:00.","staff_id":902}"#)
        #expect(queued.status == 202)
        #expect(try await ThreadReplyTests.dispatch(fixture) == 1)
        let echo = try #require(fixture.chat.trainingWebhooks.last)
        #expect(echo["messageType"]?.stringValue == "AGENT" && echo["text"]?.stringValue == "Ждём вас завтра в 10:00.")
        let rows = try await fixture.harness.query(
            """
            SELECT TRIM(AUTHOR_TYPE), OPERATOR_ID, EXTERNAL_ID, OUTBOX_ID FROM MISLINK_CHAT_MESSAGES
             WHERE THREAD_ID = ? AND DIRECTION = 'out'
            """, [.bigint(thread)])
        #expect(rows.count == 1)
        #expect(try rows.first?.decode(String.self, at: 0) == "operator" && rows.first?.decode(Int?.self, at: 1) == 902)
        #expect(try rows.first?.decode(String.self, at: 2) == echo["questionId"]?.stringValue && rows.first?.decode(Int64?.self, at: 3) != nil)
        #expect(try await fixture.harness.count("SELECT COUNT(*) FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ?", [.bigint(thread)]) == 3)
    }

    @Test func aClosedThreadIsClosedAsCLOSEDWithoutTheFakeField() async throws {
        let fixture = try await ChatFixture.start("edna-close-reason")
        defer { Task { await fixture.stop() } }
        // A thread given with a close reason is served without it: edna's documented thread object has none.
        fixture.chat.setThread(try JSONValue.parse(#"{"id":1,"status":"CLOSED","closeReason":"WAITING_TIMEOUT"}"#))
        let login = try await fixture.harness.client.execute(.json(
            "\(fixture.chatServer.baseURL)/api/auth/login", body: Data(#"{"login":"integrator","password":"secret"}"#.utf8)))
        let token = try JSONDecoder().decode(EdnaLoginResponse.self, from: login.body).authorization
        let served = try await fixture.harness.client.execute(.get("\(fixture.chatServer.baseURL)/api/v1/threads/1",
                                                                   headers: [("Authorization", token)]))
        #expect(!String(decoding: served.body, as: UTF8.self).contains("closeReason"))

        try await fixture.play("edna-closed-by-client-timeout")
        let (closed, appeal) = try await fixture.thread("edna", "7004")
        let row = try await fixture.harness.query(
            "SELECT STATUS, CLOSE_REASON, PROVIDER_STATUS FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(closed)])[0]
        #expect(try row.decode(String.self, at: 0) == "closed" && row.decode(String?.self, at: 1) == "CLOSED")
        #expect(try row.decode(String?.self, at: 2) == "CLOSED")
        #expect(try await fixture.chain(appeal).last == "closed:0>901")
        let detail = try await fixture.harness.query(
            "SELECT DETAIL FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = ? AND EVENT_TYPE = 'closed'", [.bigint(Int64(appeal))])
        #expect(try detail.first?.decode(String?.self, at: 0) == "thread closed: CLOSED")
    }

    /// An installation that does send a close reason in the thread object: it is kept (decoded if present).
    @Test func aCloseReasonAnInstallationSendsIsKept() throws {
        let thread = try JSONDecoder().decode(
            EdnaThread.self, from: Data(#"{"id":"7","status":"CLOSED","stateChangeTime":"2026-09-21T14:13:20Z","closeReason":"OPERATOR_CLOSED"}"#.utf8))
        #expect(thread.closeReason == "OPERATOR_CLOSED")
        let bare = try JSONDecoder().decode(EdnaThread.self, from: Data(#"{"id":7,"status":"CLOSED"}"#.utf8))
        #expect(bare.closeReason == nil)
    }

    /// `TRAINING`'s author fields are not documented: the ones MisLink reads, tolerantly.
    @Test func trainingAuthorsAreReadTolerantly() throws {
        func author(_ json: String) throws -> EdnaBotWebhook.Author {
            try JSONDecoder().decode(EdnaBotWebhook.self, from: Data(json.utf8)).author
        }
        #expect(try author(#"{"action":"TRAINING","threadsClientId":1,"messageType":"AGENT","agentLogin":"ivanova"}"#) == .agent)
        #expect(try author(#"{"action":"TRAINING","threadsClientId":1,"senderType":"operator","operatorLogin":"ivanova"}"#) == .agent)
        #expect(try author(#"{"action":"TRAINING","threadsClientId":"1","operatorLogin":"ivanova"}"#) == .agent)
        #expect(try author(#"{"action":"TRAINING","threadsClientId":1,"messageType":"CLIENT"}"#) == .client)
        #expect(try author(#"{"action":"TRAINING","threadsClientId":1,"sender":"ThreadsAPI"}"#) == .client)
        #expect(try author(#"{"action":"TRAINING","threadsClientId":1,"authorType":"BOT"}"#) == .bot)
        let decoded = try JSONDecoder().decode(EdnaBotWebhook.self, from: Data(
            #"{"action":"TRAINING","threadsClientId":1,"operatorLogin":"petrov","operatorId":"12","operatorName":"Петров"}"#.utf8))
        #expect(decoded.agentLogin == "petrov" && decoded.agentId == 12 && decoded.agentName == "Петров")
    }
}
