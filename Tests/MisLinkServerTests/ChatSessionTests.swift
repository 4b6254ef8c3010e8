import Foundation
import MisLinkEmulator
import MisLinkHTTP
import MisLinkTestSupport
import Testing

/// The operator's session in the chat center (`/api/v1/operator/chat-session`): signed in with the chat
/// login and password the MIS keeps (`STAFF.CHAT_LOGIN`, `STAFF.CHAT_PASSWORD` through the reference
/// profile's `staff_chat_credentials`), over real HTTP against the fake edna and Chatwoot, and shown as
/// offline, ready or active.
@Suite("Operator status in the chat center", .serialized)
struct ChatSessionTests {
    /// ivanova and petrov can sign in to the console ("demo"); the chat center knows ivanova's chat password.
    static let agents = ["ivanova": "chat-ivanova", "petrov@clinic.example": "chat-petrov"]

    static func start(_ label: String, platform: String, signInOperators: Bool = true) async throws -> ChatFixture {
        let fixture = try await ChatFixture.start(label, chat: FakeChatConfiguration(agents: agents)) { settings in
            settings.chat.platform = platform
            settings.chat.signInOperators = signInOperators
        }
        try await fixture.harness.execute([
            "UPDATE STAFF SET MIS_LOGIN = 'ivanova', PASSWORD_HASH = '\(ConsoleAuthTests.demoHash)', CHAT_PASSWORD = 'chat-ivanova' WHERE ID = 901",
            // petrov's chat login is his Chatwoot e-mail; the MIS keeps an old password.
            "UPDATE STAFF SET MIS_LOGIN = 'petrov', PASSWORD_HASH = '\(ConsoleAuthTests.demoHash)', CHAT_LOGIN = 'petrov@clinic.example', CHAT_PASSWORD = 'old-password' WHERE ID = 902",
            // sidorova has a chat login but the MIS keeps no chat password.
            "UPDATE STAFF SET MIS_LOGIN = 'sidorova', PASSWORD_HASH = '\(ConsoleAuthTests.demoHash)' WHERE ID = 903",
        ])
        return fixture
    }

    /// Polls the session's chat status until `wanted` (the console's sign-in signs in in the background).
    static func status(_ session: ConsoleClient.Session, until wanted: String? = nil) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let answer = try await session.send("GET", "/api/v1/operator/chat-session")
            #expect(answer.status == 200, "\(answer.text)")
            expectDocumented("GET", "/api/v1/operator/chat-session", answer)
            if wanted == nil || answer.json["status"] as? String == wanted || ContinuousClock.now > deadline { return answer.json }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func ednaOperatorIsSignedInWithTheConsoleAndGoesFromReadyToActive() async throws {
        let f = try await Self.start("chat-session-edna", platform: "edna")
        defer { Task { await f.stop() } }
        let session = try await OperatorConsoleTests.session(f.harness, "ivanova")

        // Signed in to edna with the MIS's chat credentials as the console opened: an OPERATOR session.
        let ready = try await Self.status(session, until: "ready")
        #expect(ready["status"] as? String == "ready" && ready["platform"] as? String == "edna")
        #expect(ready["chat_login"] as? String == "ivanova" && ready["threads"] as? Int == 0 && ready["can_sign_in"] as? Bool == true)
        #expect(f.chat.agentStatuses["ivanova"] == FakeAgentStatus(platform: "edna", signedIn: true, availability: nil, signIns: 1))

        // A thread reaches her queue: active, with the load against capacity.
        try await f.play("edna-known-patient-whatsapp")
        let active = try await Self.status(session, until: "active")
        #expect(active["status"] as? String == "active" && active["threads"] as? Int == 1 && active["capacity"] as? Int == 5)

        // Signing out of the chat center leaves the console session; signing in again is the button.
        let out = try await session.send("DELETE", "/api/v1/operator/chat-session")
        #expect(out.status == 200 && out.json["status"] as? String == "offline", "\(out.text)")
        expectDocumented("DELETE", "/api/v1/operator/chat-session", out)
        let again = try await session.send("POST", "/api/v1/operator/chat-session")
        #expect(again.status == 200 && again.json["status"] as? String == "active", "\(again.text)")
        expectDocumented("POST", "/api/v1/operator/chat-session", again)
        #expect(f.chat.agentStatuses["ivanova"]?.signIns == 2)

        // Signing out of the console signs out of the chat center too; all of it is audited.
        #expect(try await session.send("DELETE", "/api/v1/session").status == 204)
        let supervisorView = try await f.harness.api("/api/v1/operator/chat-session?operator=901")
        #expect(supervisorView.status == 200 && supervisorView.json["status"] as? String == "offline", "\(supervisorView.text)")
        let actions = try await f.harness.query(
            "SELECT ACTION FROM MISLINK_AUDIT WHERE STAFF_ID = 901 AND OBJECT_KIND = 'chat_session' ORDER BY ID").map { try $0.decode(String.self, at: 0) }
        #expect(actions == ["chat_sign_in", "chat_sign_out", "chat_sign_in", "chat_sign_out"])
    }

    @Test func chatwootAgentGoesOnlineAndARefusedPasswordIsShown() async throws {
        let f = try await Self.start("chat-session-chatwoot", platform: "chatwoot", signInOperators: false)
        defer { Task { await f.stop() } }
        let petrov = try await OperatorConsoleTests.session(f.harness, "petrov")
        // chat.sign_in_operators off: the console's sign-in left the chat center alone.
        let offline = try await Self.status(petrov)
        #expect(offline["status"] as? String == "offline" && offline["can_sign_in"] as? Bool == true && offline["last_error"] as? String == nil)

        // The MIS's chat password is not Chatwoot's: 409 in Russian, and the status says why.
        let refused = try await petrov.send("POST", "/api/v1/operator/chat-session")
        #expect(refused.status == 409, "\(refused.text)")
        expectDocumented("POST", "/api/v1/operator/chat-session", refused)
        #expect((refused.json["error"] as? String)?.contains("чат-центр не принял логин чата petrov@clinic.example") == true, "\(refused.text)")
        let after = try await Self.status(petrov)
        #expect(after["status"] as? String == "offline" && (after["last_error"] as? String)?.contains("HTTP 401") == true)

        // The DBA fixes the password in the MIS: signed in, Chatwoot's availability online.
        try await f.harness.execute(["UPDATE STAFF SET CHAT_PASSWORD = 'chat-petrov' WHERE ID = 902"])
        let signed = try await petrov.send("POST", "/api/v1/operator/chat-session")
        #expect(signed.status == 200 && signed.json["status"] as? String == "ready" && signed.json["availability"] as? String == "online",
                "\(signed.text)")
        #expect(signed.json["last_error"] as? String == nil)
        #expect(f.chat.agentStatuses["petrov@clinic.example"] == FakeAgentStatus(platform: "chatwoot", signedIn: true, availability: "online", signIns: 1))

        // Out: offline at Chatwoot and signed out there.
        #expect(try await petrov.send("DELETE", "/api/v1/operator/chat-session").status == 200)
        #expect(f.chat.agentStatuses["petrov@clinic.example"] == FakeAgentStatus(platform: "chatwoot", signedIn: false, availability: "offline", signIns: 1))
    }

    @Test func withoutCredentialsOrAPlatformTheAnswerSaysWhy() async throws {
        let f = try await Self.start("chat-session-refusals", platform: "edna")
        defer { Task { await f.stop() } }
        // No chat password in the MIS: nothing to sign in with.
        let sidorova = try await OperatorConsoleTests.session(f.harness, "sidorova")
        let status = try await Self.status(sidorova)
        #expect(status["status"] as? String == "offline" && status["can_sign_in"] as? Bool == false)
        let none = try await sidorova.send("POST", "/api/v1/operator/chat-session")
        #expect(none.status == 409 && (none.json["error"] as? String)?.contains("нет логина и пароля чата") == true, "\(none.text)")

        // A bearer token is no employee: it reads a named operator's status, never signs in.
        #expect(try await f.harness.api("/api/v1/operator/chat-session").status == 400)
        let bearerPost = try await f.harness.client.execute(HTTPClientRequest(
            method: "POST", url: "\(f.harness.worker.baseURL)/api/v1/operator/chat-session",
            headers: [("Authorization", "Bearer \(WorkerHarness.token)")]))
        #expect(bearerPost.status == 403)
        // An operator reads only their own.
        #expect(try await sidorova.send("GET", "/api/v1/operator/chat-session?operator=901").status == 403)

        // The chat center down: 502, and the console keeps working.
        await f.chatServer.stop()
        let ivanova = try await OperatorConsoleTests.session(f.harness, "ivanova")
        let down = try await ivanova.send("POST", "/api/v1/operator/chat-session")
        #expect(down.status == 502 && (down.json["error"] as? String)?.contains("чат-центр недоступен") == true, "\(down.text)")
        expectDocumented("POST", "/api/v1/operator/chat-session", down)
    }

    @Test func aProfileWithoutTheStatementTurnsTheSignInOff() async throws {
        let profile = try IntakeProfileTests.referenceCopy("no-chat-credentials", statements: { text in
            let start = try! #require(text.range(of: "-- name: staff_chat_credentials"))
            let end = text.range(of: "-- name:", range: start.upperBound..<text.endIndex)?.lowerBound
                ?? text.range(of: "-- =====", range: start.upperBound..<text.endIndex)!.lowerBound
            return String(text[..<start.lowerBound] + text[end...])
        })
        let f = try await ChatFixture.start("chat-session-off", profile: profile) { $0.chat.platform = "edna" }
        defer { Task { await f.stop() } }
        try await f.harness.execute([
            "UPDATE STAFF SET MIS_LOGIN = 'ivanova', PASSWORD_HASH = '\(ConsoleAuthTests.demoHash)', CHAT_PASSWORD = 'chat-ivanova' WHERE ID = 901",
        ])
        let ivanova = try await OperatorConsoleTests.session(f.harness, "ivanova")
        let off = try await ivanova.send("POST", "/api/v1/operator/chat-session")
        #expect(off.status == 503 && (off.json["error"] as? String)?.contains("staff_chat_credentials") == true, "\(off.text)")
        #expect((try await Self.status(ivanova))["can_sign_in"] as? Bool == false)
        #expect(f.chat.agentStatuses.isEmpty)
    }
}
