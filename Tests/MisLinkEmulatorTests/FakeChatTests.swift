import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

@Suite struct FakeChatTests {
    @Test func ednaLoginThreadsAndOutgoingWithExpiringToken() async throws {
        let chat = FakeChat(configuration: FakeChatConfiguration(ednaTokenLifetime: .seconds(3)))
        let server = try await RunningServer.start(router: chat.router())
        let client = HTTPClient()
        chat.setThread(.object(["id": .int(77), "status": .string("ASSIGNED"), "clientId": .int(9001),
                                "clientExternalId": .string("ext-1"), "currentAgentLogin": .string("ivanova")]))
        let unauthorized = try await client.execute(.get("\(server.baseURL)/api/v1/threads/77"))
        #expect(unauthorized.status == 401)
        let bad = try await client.execute(.json("\(server.baseURL)/api/auth/login", body: Data(#"{"login":"integrator","password":"x"}"#.utf8)))
        #expect(bad.status == 401)
        let login = try await client.execute(.json("\(server.baseURL)/api/auth/login",
                                                    body: Data(#"{"login":"integrator","password":"secret"}"#.utf8)))
        let token = try JSONDecoder().decode(EdnaLoginResponse.self, from: login.body)
        #expect(token.token.hasPrefix("Bearer "))
        let thread = try await client.execute(.get("\(server.baseURL)/api/v1/threads/77", headers: [("Authorization", token.authorization)]))
        let decoded = try JSONDecoder().decode(EdnaThread.self, from: thread.body)
        #expect(decoded.status == .assigned && decoded.ednaClientId == 9001 && decoded.externalClientId == "ext-1")
        let message = try JSONEncoder().encode(EdnaOutgoingMessage(text: "Запись подтверждена 🦷", threadId: 77))
        let sent = try await client.execute(.json("\(server.baseURL)/api/v1/messages/outgoing", body: message,
                                                   headers: [("Authorization", token.authorization)]))
        #expect(sent.status == 200)
        #expect(chat.sent.count == 1 && chat.sent[0].body.contains("🦷"))
        try await Task.sleep(for: .milliseconds(3500))
        let expired = try await client.execute(.get("\(server.baseURL)/api/v1/threads/77", headers: [("Authorization", token.authorization)]))
        #expect(expired.status == 401)
        await server.stop()
    }

    @Test func chatwootMessagesAreRecorded() async throws {
        let chat = FakeChat()
        let server = try await RunningServer.start(router: chat.router())
        let client = HTTPClient()
        let url = "\(server.baseURL)/api/v1/accounts/1/conversations/12/messages"
        let body = try JSONEncoder().encode(ChatwootOutgoingMessage(content: "Ждём вас завтра 😊"))
        let denied = try await client.execute(.json(url, body: body, headers: [("api_access_token", "wrong")]))
        #expect(denied.status == 401)
        let ok = try await client.execute(.json(url, body: body, headers: [("api_access_token", "chatwoot-token")]))
        let message = try JSONDecoder().decode(ChatwootMessage.self, from: ok.body)
        #expect(message.conversationId == 12 && message.messageType == "outgoing" && message.content == "Ждём вас завтра 😊")
        #expect(chat.sent.map(\.platform) == ["chatwoot"])
        await server.stop()
    }

    /// A scenario played with the fake chat as its admin URL tells it the Chatwoot conversations: a reply into
    /// the e-mail inbox's conversation is mailed to the contact, one into a WhatsApp conversation is not.
    @Test func aReplyInAChatwootEmailConversationIsMailedToTheContact() async throws {
        let chat = FakeChat()
        let chatServer = try await RunningServer.start(router: chat.router())
        let fixture = try await ScenarioFixture.start()
        _ = try await fixture.play("chatwoot-email-thread", ednaAdmin: chatServer.baseURL)
        _ = try await fixture.play("chatwoot-closed-by-operator", ednaAdmin: chatServer.baseURL)
        let body = try JSONEncoder().encode(ChatwootOutgoingMessage(content: "Результаты готовы"))
        for conversation in [450, 420] {
            let answer = try await fixture.client.execute(.json(
                "\(chatServer.baseURL)/api/v1/accounts/1/conversations/\(conversation)/messages", body: body,
                headers: [("api_access_token", "chatwoot-token")]))
            #expect(answer.status == 200)
        }
        #expect(chat.sent.map(\.channel) == ["Channel::Email", "Channel::Whatsapp"])
        #expect(chat.sent.map(\.emailedTo) == ["smirnova.elena@example.ru", nil])
        await chatServer.stop()
        await fixture.server.stop()
    }

    /// A platform that drops connections: the request is cut with no answer and not handled; the
    /// worker's client sees an error, never a complete answer.
    @Test func droppedConnectionsGetNoAnswerAndAreNotHandled() async throws {
        let chat = FakeChat()
        let server = try await RunningServer.start(router: chat.router())
        let client = HTTPClient()
        let url = "\(server.baseURL)/api/v1/accounts/1/conversations/12/messages"
        let body = try JSONEncoder().encode(ChatwootOutgoingMessage(content: "cut"))
        chat.dropConnections(fraction: 1)
        var failures = 0
        for _ in 0..<3 {
            do {
                let answer = try await client.execute(.json(url, body: body, headers: [("api_access_token", "chatwoot-token")]))
                #expect((try? JSONDecoder().decode(ChatwootMessage.self, from: answer.body)) == nil, "a complete answer came: \(answer.status)")
            } catch {
                failures += 1
            }
        }
        #expect(failures == 3)
        #expect(chat.droppedConnections == 3 && chat.sent.isEmpty)
        chat.dropConnections(fraction: 0)
        let ok = try await client.execute(.json(url, body: body, headers: [("api_access_token", "chatwoot-token")]))
        #expect(ok.status == 200 && chat.sent.count == 1)
        await server.stop()
    }

    /// An agent typing in edna's own screen: the thread goes ASSIGNED → WAITING with nothing unanswered at the
    /// reply's time, and the configured TRAINING webhook gets the message (a client's message too, with its
    /// MESSAGE id); without a TRAINING webhook nothing is posted.
    @Test func anAgentReplyInEdnaChangesTheThreadAndPostsTraining() async throws {
        let chat = FakeChat()
        let server = try await RunningServer.start(router: chat.router())
        let recorder = WebhookRecorder(credentials: MangoCredentials(apiKey: "k", apiSalt: "s"))
        let bot = try await RunningServer.start(router: recorder.router())
        let client = HTTPClient()
        chat.setThread(try JSONValue.parse(
            #"{"id":77,"status":"ASSIGNED","stateChangeTime":"2026-09-21T14:13:30Z","unanswered":1,"clientId":9001,"clientExternalId":"ext-1","currentAgentLogin":"ivanova","currentAgent":11}"#))
        let quiet = try await chat.agentWrites(thread: 77, text: "Без вебхука", at: Date(timeIntervalSince1970: 1_790_000_020))
        #expect(quiet.training == nil && quiet.trainingStatus == nil && chat.trainingWebhooks.isEmpty)

        chat.setThread(try JSONValue.parse(
            #"{"id":77,"status":"ASSIGNED","stateChangeTime":"2026-09-21T14:13:30Z","unanswered":1,"clientId":9001,"clientExternalId":"ext-1","currentAgentLogin":"ivanova","currentAgent":11}"#))
        let configured = try await client.execute(.json("\(server.baseURL)/emulator/training-webhook", method: "PUT",
                                                         body: Data(#"{"url":"\#(bot.baseURL)/bot/training"}"#.utf8)))
        #expect(configured.status == 204)
        let reply = try await client.execute(.json("\(server.baseURL)/emulator/threads/77/agent-messages",
                                                    body: Data(#"{"text":"Запись на завтра, 10:00"}"#.utf8)))
        #expect(reply.status == 200)
        let answer = try JSONValue.parse(String(decoding: reply.body, as: UTF8.self))
        #expect(answer["thread"]?["status"]?.stringValue == "WAITING" && answer["thread"]?["unanswered"]?.intValue == 0)
        #expect(answer["thread"]?["stateChangeTime"]?.stringValue != "2026-09-21T14:13:30Z")
        #expect(answer["training_status"]?.intValue == 200)
        let posted = try #require(await recorder.wait(for: 1).first)
        #expect(posted.path == "bot/training")
        let training = try JSONDecoder().decode(EdnaBotWebhook.self, from: Data(posted.body.utf8))
        #expect(training.action == "TRAINING" && training.author == .agent && training.agentLogin == "ivanova")
        #expect(training.sessionId == "77" && training.threadsClientId == 9001 && training.clientId == "ext-1")
        #expect(training.questionId == answer["id"]?.stringValue && training.text == "Запись на завтра, 10:00")

        // The client writes back (told as the scenario runner tells it): counted, REASSIGNED (with replies), and copied.
        let message = #"{"action":"MESSAGE","text":"Спасибо","threadsClientId":9001,"sessionId":"77","questionId":"q-9","receivedAt":"2026-09-21T14:20:00Z"}"#
        #expect(try await client.execute(.json("\(server.baseURL)/emulator/edna", body: Data(message.utf8))).status == 204)
        let copy = try JSONDecoder().decode(EdnaBotWebhook.self, from: Data(try #require(await recorder.wait(for: 2).last).body.utf8))
        #expect(copy.action == "TRAINING" && copy.author == .client && copy.questionId == "q-9")
        let login = try JSONDecoder().decode(EdnaLoginResponse.self, from: try await client.execute(.json(
            "\(server.baseURL)/api/auth/login", body: Data(#"{"login":"integrator","password":"secret"}"#.utf8))).body)
        let served = try await client.execute(.get("\(server.baseURL)/api/v1/threads/77", headers: [("Authorization", login.authorization)]))
        let thread = try JSONDecoder().decode(EdnaThread.self, from: served.body)
        #expect(thread.status == .reassigned && thread.unanswered == 1 && thread.stateChangeTime == "2026-09-21T14:20:00Z")
        // Nobody can write in a closed thread.
        chat.setThread(try JSONValue.parse(#"{"id":78,"status":"CLOSED","closeReason":"OPERATOR_CLOSED"}"#))
        let refused = try await client.execute(.json("\(server.baseURL)/emulator/threads/78/agent-messages",
                                                      body: Data(#"{"text":"x","login":"ivanova"}"#.utf8)))
        #expect(refused.status == 409)
        await bot.stop()
        await server.stop()
    }
}
