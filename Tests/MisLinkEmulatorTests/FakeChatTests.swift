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
}
