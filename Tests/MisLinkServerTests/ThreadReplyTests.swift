import Firebird
import Foundation
import Logging
import MisLinkEmulator
import MisLinkOutbound
import MisLinkServer
import Testing

/// An operator's reply into a thread through `POST /api/v1/threads/{id}/messages`, sent by the outbound
/// dispatcher to the fake platforms: a quick reply named by its code, and replies into e-mail threads.
@Suite struct ThreadReplyTests {
    /// Sends what is due through the outbound dispatcher; returns how many rows it handled.
    static func dispatch(_ fixture: ChatFixture) async throws -> Int {
        let settings = fixture.harness.settings
        let dispatcher = OutboundDispatcher(
            settings: settings, profile: try Worker(settings: settings).loadProfile(),
            firebird: FirebirdConfiguration(database: settings.database.dsn), httpClient: fixture.harness.client,
            logger: Logger(label: "test.outbound"))
        return try await dispatcher.drainOnce()
    }

    /// The outbox rows' STATUS and ERROR.
    static func outbox(_ fixture: ChatFixture, thread: Int64) async throws -> [(status: String, error: String?)] {
        try await fixture.harness.query("SELECT STATUS, ERROR FROM MISLINK_OUTBOX WHERE THREAD_ID = ? ORDER BY ID", [.bigint(thread)])
            .map { (try $0.decode(String.self, at: 0), try $0.decode(String?.self, at: 1)) }
    }

    /// The operators' quick replies: `directions` for any channel and its WhatsApp wording.
    static func quickReplies(_ fixture: ChatFixture) async throws {
        try await fixture.harness.execute([
            "INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, KIND, TITLE, BODY, IS_ACTIVE) VALUES ('directions', 'any', 'quick_reply', 'Как добраться', 'Мы на Ленина, 1, вход со двора.', 1)",
            "INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, KIND, TITLE, BODY, IS_ACTIVE) VALUES ('directions', 'whatsapp', 'quick_reply', 'Как добраться', 'Мы на Ленина, 1 📍 вход со двора.', 1)",
            "INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, KIND, TITLE, BODY, IS_ACTIVE) VALUES ('old_hours', 'any', 'quick_reply', 'Часы', 'Работаем до 20:00', 0)",
        ])
    }

    /// A chat fixture with the quick replies, after a Chatwoot scenario; the scenario's thread.
    static func start(_ label: String, playing scenario: String, conversation: String) async throws -> (ChatFixture, Int64) {
        let fixture = try await ChatFixture.start(label)
        try await quickReplies(fixture)
        try await fixture.play(scenario)
        return (fixture, try await fixture.thread("chatwoot", conversation).id)
    }

    @Test func aQuickReplyIsSentByItsCode() async throws {
        let (fixture, thread) = try await Self.start("quick-reply", playing: "chatwoot-closed-by-operator", conversation: "420")
        defer { Task { await fixture.stop() } }

        let queued = try await fixture.post("/api/v1/threads/\(thread)/messages", #"{"template_code":"directions","staff_id":901}"#)
        #expect(queued.status == 202, "\(queued.text)")
        let inactive = try await fixture.post("/api/v1/threads/\(thread)/messages", #"{"template_code":"old_hours","staff_id":901}"#)
        #expect(inactive.status == 202, "\(inactive.text)")
        #expect(try await Self.dispatch(fixture) == 2)

        // The WhatsApp wording wins over the `any` one; the inactive quick reply is not sent.
        let sent = fixture.chat.sent.filter { $0.path.hasSuffix("/conversations/420/messages") }
        #expect(sent.count == 1 && sent.first?.body.contains("Мы на Ленина, 1 📍 вход со двора.") == true, "\(sent.map(\.body))")
        let rows = try await Self.outbox(fixture, thread: thread)
        #expect(rows.map(\.status) == ["sent", "failed"], "\(rows)")
        #expect(rows.last?.error?.contains("old_hours") == true)
    }

    /// A Chatwoot e-mail inbox: the reply (text or quick reply) goes into the conversation, and Chatwoot mails
    /// it to the contact.
    @Test func aReplyIntoAChatwootEmailThreadIsMailedToTheContact() async throws {
        let (fixture, thread) = try await Self.start("email-reply", playing: "chatwoot-email-thread", conversation: "450")
        defer { Task { await fixture.stop() } }
        let row = try await fixture.harness.query("SELECT CHANNEL, CONTACT_HANDLE FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(thread)])
        #expect(try row[0].decode(String.self, at: 0) == "email")

        for body in [#"{"text":"Да, результаты готовы, ждём вас.","staff_id":902}"#, #"{"template_code":"directions","staff_id":902}"#] {
            let queued = try await fixture.post("/api/v1/threads/\(thread)/messages", body)
            #expect(queued.status == 202, "\(queued.text)")
        }
        #expect(try await Self.dispatch(fixture) == 2)
        let rows = try await Self.outbox(fixture, thread: thread)
        #expect(rows.map(\.status) == ["sent", "sent"], "\(rows)")
        let sent = fixture.chat.sent.filter { $0.path.hasSuffix("/conversations/450/messages") }
        #expect(sent.count == 2)
        #expect(sent.allSatisfy { $0.channel == "Channel::Email" && $0.emailedTo == "smirnova.elena@example.ru" })
        // Two dispatchers' claims may send them in either order.
        #expect(sent.contains { $0.body.contains("Да, результаты готовы") })
        #expect(sent.contains { $0.body.contains("Мы на Ленина, 1, вход со двора.") }, "the `any` wording for e-mail")
    }

    /// edna's e-mail channel (`channelType` `EMAIL`): the reply goes through `messages/outgoing` like any other.
    @Test func aReplyIntoAnEdnaEmailThreadGoesOut() async throws {
        let fixture = try await ChatFixture.start("edna-email")
        defer { Task { await fixture.stop() } }
        let message = """
            {"action":"MESSAGE","text":"Пришлите, пожалуйста, справку для бассейна","threadsClientId":9070,"sessionId":"7070",\
            "questionId":"q-7070-1","questionIndex":1,"channelInfo":{"channelType":"EMAIL","authorized":true},\
            "receivedAt":"2026-11-27T10:00:00Z","sender":"ThreadsAPI","segmentationInfo":{},"clientId":"ext-7070",\
            "clientData":{"email":"kuznetsov@example.ru","name":"Кузнецов Павел"}}
            """
        #expect(await fixture.harness.sender.sendChat(platform: .edna, json: message).status == 200)
        let (thread, _) = try await fixture.thread("edna", "7070")
        let queued = try await fixture.post("/api/v1/threads/\(thread)/messages", #"{"text":"Справка готова, заберите в регистратуре.","staff_id":903}"#)
        #expect(queued.status == 202, "\(queued.text)")
        #expect(try await Self.dispatch(fixture) == 1)
        #expect(try await Self.outbox(fixture, thread: thread).map(\.status) == ["sent"])
        let sent = try #require(fixture.chat.sent.last)
        #expect(sent.platform == "edna" && sent.path == "/api/v1/messages/outgoing")
        #expect(sent.body.contains("Справка готова") && sent.body.contains("9070"))
    }
}
