import Firebird
import Foundation
import MisLinkHTTP
import MisLinkSettings
import MisLinkTestSupport
import Testing

@testable import MisLinkServer

/// The operator console's sign-in: passwords checked against the MIS's hash, the lock-out and its end,
/// idle expiry, sign-out, CSRF for cookie sessions, the MIS's embedding tokens, CORS, what an operator may
/// not do, and the audit trail; bearer clients as before.
@Suite("Console: sign-in, sessions, CSRF, roles, audit", .serialized)
struct ConsoleAuthTests {
    /// `demo` with the salt `00112233`, as the MIS stores it.
    static let demoHash = "sha256:00112233:63764c76c55d799d4b224aa41d8b95118c4d53c436d6e613d5b2dd530aced6d9"

    static let clinic = [
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN, PASSWORD_HASH, SIP_EXTENSION) VALUES (901, 'Иванова Анна Сергеевна', 'operator', 'ivanova', '\(demoHash)', '101')",
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN, PASSWORD_HASH, SIP_EXTENSION) VALUES (902, 'Петрова Ольга', 'operator', 'petrova', '\(demoHash)', '102')",
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN, PASSWORD_HASH) VALUES (903, 'Старший Смены', 'admin', 'chief', '\(demoHash)')",
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN, PASSWORD_HASH, IS_ACTIVE) VALUES (904, 'Уволенный', 'operator', 'gone', '\(demoHash)', 0)",
        "INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STARTED_AT) VALUES (77, 'T77', 'in', '2026-11-27 09:00:00')",
        """
        INSERT INTO MISLINK_CHAT_THREADS (ID, PROVIDER, EXTERNAL_ID, CHANNEL, STATUS, OPERATOR_ID, OPENED_AT, CREATED_AT, UPDATED_AT)
        VALUES (11, 'chatwoot', 'c-11', 'telegram', 'assigned', 901, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
        """,
        """
        INSERT INTO MISLINK_CHAT_THREADS (ID, PROVIDER, EXTERNAL_ID, CHANNEL, STATUS, OPERATOR_ID, OPENED_AT, CREATED_AT, UPDATED_AT)
        VALUES (12, 'chatwoot', 'c-12', 'telegram', 'assigned', 902, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
        """,
    ]

    static let origin = "https://mis.clinic.example"
    static let embedSecret = "embed-secret-for-tests"

    static func start(_ label: String, configure: (inout MisLinkSettings) -> Void = { _ in }) async throws -> WorkerHarness {
        let harness = try await WorkerHarness.start(label: label, configure: { settings in
            settings.console.embedSecret = embedSecret
            settings.console.embedOrigins = [origin]
            settings.console.maxFailures = 3
            configure(&settings)
        })
        try await harness.execute(clinic)
        return harness
    }

    @Test func theRightPasswordOpensASessionAndTheWrongOneIsRefused() async throws {
        let harness = try await Self.start("console-sign-in")
        defer { Task { await harness.stop() } }
        let console = ConsoleClient(harness: harness)

        let wrong = try await console.signIn("ivanova", "nope")
        #expect(wrong.status == 401 && wrong.json["error"] as? String == "Неверный логин или пароль")
        expectDocumented("POST", "/api/v1/session", wrong)
        #expect(try await console.signIn("nobody", "demo").status == 401)
        #expect(try await console.signIn("gone", "demo").status == 403, "an inactive employee")

        let right = try await console.signIn("IVANOVA", "demo")
        #expect(right.status == 200)
        expectDocumented("POST", "/api/v1/session", right)
        let cookie = try #require(right.header("Set-Cookie"))
        #expect(cookie.hasPrefix("mislink_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict")
                && cookie.contains("Path=/") && !cookie.contains("Secure"))
        let employee = try #require(right.json["operator"] as? [String: Any])
        #expect(employee["id"] as? Int == 901 && employee["name"] as? String == "Иванова Анна Сергеевна")
        #expect(employee["role"] as? String == "operator" && right.json["idle_minutes"] as? Int == 30)
        let session = try console.session(from: right)

        let me = try await session.send("GET", "/api/v1/session")
        #expect(me.status == 200 && (me.json["operator"] as? [String: Any])?["login"] as? String == "IVANOVA")
        expectDocumented("GET", "/api/v1/session", me)
        #expect(try await session.send("GET", "/api/v1/calls").status == 200, "the call log is an operator's")

        // The chief signs in as a supervisor; the password and the token are never stored.
        let chief = try await console.signIn("chief", "demo")
        #expect((chief.json["operator"] as? [String: Any])?["role"] as? String == "supervisor")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_SESSIONS WHERE ROLE = 'supervisor' AND ORIGIN = 'password'") == 1)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_SESSIONS WHERE TOKEN_HASH = ?", [.text(session.token)]) == 0)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'sign_in_failed'") == 2, "the wrong password and the unknown login")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'sign_in' AND STAFF_ID = 901") == 1)
    }

    @Test func repeatedFailuresLockTheLoginUntilTheLockPasses() async throws {
        let harness = try await Self.start("console-lockout")
        defer { Task { await harness.stop() } }
        let console = ConsoleClient(harness: harness)
        for _ in 1...3 { #expect(try await console.signIn("petrova", "wrong").status == 401) }
        let locked = try await console.signIn("Petrova", "demo")
        #expect(locked.status == 429, "the right password is not even looked at while locked")
        let retry = try #require(locked.header("Retry-After").flatMap(Int.init))
        #expect((14 * 60...15 * 60 + 1).contains(retry))
        #expect((locked.json["error"] as? String)?.hasPrefix("Слишком много неудачных попыток входа") == true)
        expectDocumented("POST", "/api/v1/session", locked)
        #expect(try await console.signIn("ivanova", "demo").status == 200, "another login is not locked")

        try await harness.execute(["UPDATE MISLINK_SIGN_IN_FAILURES SET LOCKED_UNTIL = DATEADD(-1 SECOND TO MISLINK_UTC_NOW())"])
        #expect(try await console.signIn("petrova", "demo").status == 200)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_SIGN_IN_FAILURES") == 0, "a sign-in forgets the failures")
    }

    @Test func anIdleSessionExpiresAndASignedOutOneIsOver() async throws {
        let harness = try await Self.start("console-idle")
        defer { Task { await harness.stop() } }
        let console = ConsoleClient(harness: harness)
        let session = try console.session(from: try await console.signIn("ivanova", "demo"))
        #expect(try await session.send("GET", "/api/v1/session").status == 200)

        // Seen 10 minutes ago: still live, and touched.
        try await harness.execute(["UPDATE MISLINK_SESSIONS SET LAST_SEEN_AT = DATEADD(-10 MINUTE TO LAST_SEEN_AT)"])
        #expect(try await session.send("GET", "/api/v1/session").status == 200)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_SESSIONS WHERE LAST_SEEN_AT > DATEADD(-1 MINUTE TO MISLINK_UTC_NOW())") == 1)
        // Seen 31 minutes ago: over.
        try await harness.execute(["UPDATE MISLINK_SESSIONS SET LAST_SEEN_AT = DATEADD(-31 MINUTE TO LAST_SEEN_AT)"])
        let idle = try await session.send("GET", "/api/v1/session")
        #expect(idle.status == 401 && idle.json["error"] as? String == "сеанс завершён: войдите снова")

        let again = try console.session(from: try await console.signIn("ivanova", "demo"))
        let out = try await again.send("DELETE", "/api/v1/session")
        #expect(out.status == 204 && out.header("Set-Cookie")?.contains("Max-Age=0") == true)
        expectDocumented("DELETE", "/api/v1/session", out)
        #expect(try await again.send("GET", "/api/v1/session").status == 401)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'sign_out' AND STAFF_ID = 901") == 1)
    }

    @Test func aCookieSessionChangesNothingWithoutItsCSRFToken() async throws {
        let harness = try await Self.start("console-csrf")
        defer { Task { await harness.stop() } }
        let console = ConsoleClient(harness: harness)
        let session = try console.session(from: try await console.signIn("ivanova", "demo"))
        let patch = #"{"status":"spam"}"#
        let bare = try await session.send("PATCH", "/api/v1/calls/77", patch, csrf: false)
        #expect(bare.status == 403 && (bare.json["error"] as? String)?.hasPrefix("Нет CSRF-токена") == true)
        expectDocumented("PATCH", "/api/v1/calls/77", bare)
        #expect(try await session.send("PATCH", "/api/v1/calls/77", patch, csrfValue: "forged").status == 403)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE STATUS = 'spam'") == 0)
        #expect(try await session.send("PATCH", "/api/v1/calls/77", patch).status == 200)
        // Through the header the header itself is the proof: no CSRF token needed.
        let viaHeader = try await session.send("PATCH", "/api/v1/calls/77", #"{"comment":"перезвонить"}"#, csrf: false, asHeader: true)
        #expect(viaHeader.status == 200)
        // GET needs none; a session token in the query is only for the stream.
        #expect(try await session.send("GET", "/api/v1/calls", csrf: false).status == 200)
        let query = try await harness.client.execute(.get("\(harness.worker.baseURL)/api/v1/calls?session=\(session.token)"))
        #expect(query.status == 401)
    }

    @Test func commentsStatusesAndRecordingsAreAuditedWithTheOperator() async throws {
        let folder = "\(ClinicDatabase.directory)/console-rec-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: "\(folder)/2026/11", withIntermediateDirectories: true)
        try Data("mp3".utf8).write(to: URL(fileURLWithPath: "\(folder)/2026/11/r.mp3"))
        let harness = try await Self.start("console-audit") { $0.recordings.directory = folder }
        defer { Task { await harness.stop() } }
        try await harness.execute(["""
            INSERT INTO MISLINK_CALL_RECORDINGS (ID, CALL_ID, PBX_RECORDING_ID, STATE, FILE_PATH, CREATED_AT, UPDATED_AT)
            VALUES (5, 77, 'rec-5', 'stored', '2026/11/r.mp3', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
            """])
        let console = ConsoleClient(harness: harness)
        let session = try console.session(from: try await console.signIn("ivanova", "demo"))
        #expect(try await session.send("PATCH", "/api/v1/calls/77", #"{"comment":"перезвонить после 18","status":"to_call_back"}"#).status == 200)
        let rows = try await harness.query(
            "SELECT ACTION, STAFF_ID, LOGIN, OBJECT_KIND, OBJECT_ID, DETAILS FROM MISLINK_AUDIT WHERE OBJECT_KIND = 'call' ORDER BY ACTION")
        #expect(try rows.map { try $0.decode(String.self, column: "ACTION") } == ["call_comment", "call_status"])
        #expect(try rows.allSatisfy { try $0.decode(Int64.self, column: "STAFF_ID") == 901 && $0.decode(Int64.self, column: "OBJECT_ID") == 77 })
        #expect(try rows[1].decode(String.self, column: "DETAILS") == "to_call_back")

        let played = try await session.send("GET", "/api/v1/calls/77/recordings/1?action=play")
        #expect(played.status == 200 && played.text == "mp3")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_RECORDING_ACCESS WHERE LISTENER_STAFF_ID = 901 AND ACTION = 'play'") == 1)
        #expect(try await harness.count(
            "SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'recording_play' AND STAFF_ID = 901 AND OBJECT_ID = 5") == 1)

        // A bearer client changes and plays as before, unaudited, with no listener.
        #expect(try await RESTInputTests().send(harness, "PATCH", "/api/v1/calls/77", #"{"status":"spam"}"#).status == 200)
        #expect(try await harness.api("/api/v1/calls/77/recordings/1").status == 200)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_RECORDING_ACCESS WHERE LISTENER_STAFF_ID IS NULL") == 1)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE DETAILS = 'spam'") == 0)
    }

    @Test func anOperatorIsKeptToTheirOwnThreadsAndOutOfSupervisorRoutes() async throws {
        let harness = try await Self.start("console-roles")
        defer { Task { await harness.stop() } }
        let console = ConsoleClient(harness: harness)
        let ivanova = try console.session(from: try await console.signIn("ivanova", "demo"))
        for path in ["/api/v1/status", "/api/v1/inbox", "/api/v1/quarantine", "/api/v1/mailings",
                     "/api/v1/reports/appeals?from=2026-11-01&to=2026-11-30"] {
            let refused = try await ivanova.send("GET", path)
            #expect(refused.status == 403, "\(path): \(refused.status)")
            #expect(refused.json["error"] as? String == "это доступно только старшему смены (супервизору)")
        }
        expectDocumented("GET", "/api/v1/status", try await ivanova.send("GET", "/api/v1/status"))
        #expect(try await ivanova.send("PUT", "/api/v1/templates/hello", #"{"body":"Здравствуйте"}"#).status == 403)
        #expect(try await ivanova.send("GET", "/api/v1/templates").status == 200)

        // Threads: forced to her own, another's refused, hers readable.
        let threads = try await ivanova.send("GET", "/api/v1/threads?operator=902")
        #expect(threads.status == 200)
        #expect((threads.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [11])
        let other = try await ivanova.send("GET", "/api/v1/threads/12/messages")
        #expect(other.status == 403 && other.json["error"] as? String == "диалог назначен другому оператору")
        expectDocumented("GET", "/api/v1/threads/12/messages", other)
        #expect(try await ivanova.send("POST", "/api/v1/threads/12/messages", #"{"text":"Добрый день"}"#).status == 403)
        #expect(try await ivanova.send("GET", "/api/v1/threads/11/messages").status == 200)
        // She sends as herself; naming someone else is refused.
        #expect(try await ivanova.send("POST", "/api/v1/threads/11/messages", #"{"text":"Добрый день","staff_id":902}"#).status == 403)
        #expect(try await ivanova.send("POST", "/api/v1/threads/11/messages", #"{"text":"Добрый день"}"#).status == 202)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE STAFF_ID = 901") == 1)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'message' AND OBJECT_ID = 11") == 1)
        // Commands on her own behalf.
        #expect(try await ivanova.send("POST", "/api/v1/commands", #"{"kind":"call","staff_id":902,"target":"89161234567"}"#).status == 403)
        let command = try await ivanova.send("POST", "/api/v1/commands", #"{"kind":"call","target":"89161234567"}"#)
        #expect(command.status == 201 && command.json["staff_id"] as? Int == 901)

        // The supervisor sees everyone's.
        let chief = try console.session(from: try await console.signIn("chief", "demo"))
        #expect(try await chief.send("GET", "/api/v1/threads/12/messages").status == 200)
        #expect(try await chief.send("GET", "/api/v1/status").status == 200)
        let all = try await chief.send("GET", "/api/v1/threads?operator=902")
        #expect((all.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [12])
        #expect(try await chief.send("PUT", "/api/v1/templates/hello", #"{"body":"Здравствуйте"}"#).status == 201)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_AUDIT WHERE ACTION = 'template_put' AND STAFF_ID = 903") == 1)
        // And a bearer client keeps full access.
        #expect(try await harness.api("/api/v1/status").status == 200)
        #expect(try await harness.api("/api/v1/threads/12/messages").status == 200)
    }

    @Test func theMISEmbedsTheCardWithASignedToken() async throws {
        let harness = try await Self.start("console-embed")
        defer { Task { await harness.stop() } }
        let console = ConsoleClient(harness: harness)
        let now = Int64(Date().timeIntervalSince1970)
        let good = EmbedToken.sign(login: "ivanova", issuedAt: now, expiresAt: now + 120, secret: Self.embedSecret)
        let opened = try await console.embed(good)
        #expect(opened.status == 200 && opened.header("Set-Cookie") == nil)
        expectDocumented("POST", "/api/v1/session/embed", opened)
        let token = try #require(opened.json["session"] as? String)
        let viaHeader = try await harness.client.execute(
            .get("\(harness.worker.baseURL)/api/v1/session", headers: [("X-MisLink-Session", token)]))
        #expect(viaHeader.status == 200)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_SESSIONS WHERE ORIGIN = 'embed' AND STAFF_ID = 901") == 1)

        let tampered = EmbedToken.sign(login: "ivanova", issuedAt: now, expiresAt: now + 120, secret: "another secret")
        let expired = EmbedToken.sign(login: "ivanova", issuedAt: now - 200, expiresAt: now - 10, secret: Self.embedSecret)
        let tooLong = EmbedToken.sign(login: "ivanova", issuedAt: now, expiresAt: now + 3600, secret: Self.embedSecret)
        let unknown = EmbedToken.sign(login: "nobody", issuedAt: now, expiresAt: now + 60, secret: Self.embedSecret)
        for (name, token) in [("bad signature", tampered), ("expired", expired), ("too long-lived", tooLong), ("unknown login", unknown),
                              ("malformed", "not-a-token")] {
            let refused = try await console.embed(token)
            #expect(refused.status == 401, "\(name): \(refused.status)")
            expectDocumented("POST", "/api/v1/session/embed", refused)
        }
        #expect(throws: EmbedToken.Refusal.tooLongLived) {
            try EmbedToken.verify(tooLong, secret: Self.embedSecret)
        }
        #expect(throws: EmbedToken.Refusal.badSignature) {
            try EmbedToken.verify(tampered, secret: Self.embedSecret)
        }
    }

    @Test func theEmbeddingOriginGetsCORSAndItsPreflight() async throws {
        let harness = try await Self.start("console-cors")
        defer { Task { await harness.stop() } }
        let preflight = try await harness.client.execute(HTTPClientRequest(
            method: "OPTIONS", url: "\(harness.worker.baseURL)/api/v1/cards",
            headers: [("Origin", Self.origin), ("Access-Control-Request-Method", "POST"),
                      ("Access-Control-Request-Headers", "content-type, x-mislink-session")]))
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == Self.origin)
        #expect(preflight.header("Access-Control-Allow-Headers") == "Content-Type, X-MisLink-Session, X-CSRF-Token")
        #expect(preflight.header("Access-Control-Allow-Methods")?.contains("PATCH") == true)
        // Every answer under /api/v1 carries it, a refusal too; another origin gets nothing.
        let refused = try await harness.client.execute(.get("\(harness.worker.baseURL)/api/v1/calls", headers: [("Origin", Self.origin)]))
        #expect(refused.status == 401 && refused.header("Access-Control-Allow-Origin") == Self.origin)
        let stranger = try await harness.client.execute(HTTPClientRequest(
            method: "OPTIONS", url: "\(harness.worker.baseURL)/api/v1/session/embed", headers: [("Origin", "https://evil.example")]))
        #expect(stranger.status == 204 && stranger.header("Access-Control-Allow-Origin") == nil)
    }

    @Test func bearerClientsAreUnchanged() async throws {
        let harness = try await Self.start("console-bearer")
        defer { Task { await harness.stop() } }
        #expect(try await harness.api("/api/v1/status").status == 200)
        let missing = try await harness.api("/api/v1/status", token: nil)
        #expect(missing.status == 401)
        expectDocumented("GET", "/api/v1/status", missing)
        #expect(try await harness.api("/api/v1/status", token: "wrong").status == 401)
        #expect(try await harness.api("/api/v1/session").status == 401, "a bearer token is no console session")
        #expect(try await harness.api("/api/v1/openapi.json", token: nil).status == 200)
    }

    @Test func withoutTheStatementSignInIsOff() async throws {
        let harness = try await WorkerHarness.start(label: "console-off", profile: "medbase")
        defer { Task { await harness.stop() } }
        // МедБаза's demo login has the password demo; a wrong one is refused the same way.
        let console = ConsoleClient(harness: harness)
        let smirnova = try await console.signIn("smirnova", "demo")
        #expect(smirnova.status == 200 && (smirnova.json["operator"] as? [String: Any])?["role"] as? String == "supervisor")
        let kuznetsov = try await console.signIn("KUZNETSOV", "demo")
        #expect((kuznetsov.json["operator"] as? [String: Any])?["id"] as? Int == 77_000_000_000_002)
        #expect(try await console.signIn("petrov", "demo").status == 401, "a login without a password hash")
    }

    @Test func theFirebirdMethodAsksTheServer() async throws {
        // A Firebird user of the test server stands for an employee whose MIS logins are database users.
        let user = "MLOP\(UInt32.random(in: 10_000...99_999))"
        let profile = try IntakeProfileTests.referenceCopy("firebird-sign-in", manifest: { text in
            #expect(text.contains(#""method": "password_hash""#))
            return text.replacingOccurrences(of: #""method": "password_hash""#, with: #""method": "firebird""#)
        })
        let harness = try await WorkerHarness.start(label: "console-firebird", dsn: { "localhost:\($0)" }, configure: { settings in
            settings.mis.profile = profile
        })
        defer { Task { await harness.stop() } }
        try await harness.execute([
            "CREATE USER \(user) PASSWORD 'Fb-pass1'",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, MIS_LOGIN) VALUES (905, 'Фаербердова Ирина', 'operator', '\(user)')",
        ])
        defer { Task { try? await harness.execute(["DROP USER \(user)"]) } }
        let console = ConsoleClient(harness: harness)
        #expect(try await console.signIn(user, "wrong-pass").status == 401)
        let right = try await console.signIn(user, "Fb-pass1")
        #expect(right.status == 200 && (right.json["operator"] as? [String: Any])?["id"] as? Int == 905)
    }
}

/// A browser of the console: signs in, keeps the cookie and the CSRF token, sends them.
struct ConsoleClient {
    let harness: WorkerHarness

    func signIn(_ login: String, _ password: String) async throws -> HTTPClientResponse {
        let body = try JSONSerialization.data(withJSONObject: ["login": login, "password": password])
        return try await harness.client.execute(.json("\(harness.worker.baseURL)/api/v1/session", body: body))
    }

    func embed(_ token: String) async throws -> HTTPClientResponse {
        let body = try JSONSerialization.data(withJSONObject: ["token": token])
        return try await harness.client.execute(.json("\(harness.worker.baseURL)/api/v1/session/embed", body: body))
    }

    /// The session a sign-in answer opened.
    func session(from response: HTTPClientResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> Session {
        let cookie = try #require(response.header("Set-Cookie"), sourceLocation: sourceLocation)
        let token = String(cookie.dropFirst("mislink_session=".count).prefix { $0 != ";" })
        let csrf = try #require(response.json["csrf_token"] as? String, sourceLocation: sourceLocation)
        return Session(harness: harness, token: token, csrf: csrf)
    }

    struct Session {
        let harness: WorkerHarness
        let token: String
        let csrf: String

        /// A request with the cookie (or the token in `X-MisLink-Session`) and, unless told not to, the CSRF token.
        func send(_ method: String, _ path: String, _ json: String? = nil, csrf withCSRF: Bool = true, csrfValue: String? = nil,
                  asHeader: Bool = false) async throws -> HTTPClientResponse {
            var headers = [asHeader ? (name: "X-MisLink-Session", value: token) : (name: "Cookie", value: "mislink_session=\(token)")]
            if withCSRF { headers.append((name: "X-CSRF-Token", value: csrfValue ?? csrf)) }
            let url = "\(harness.worker.baseURL)\(path)"
            if let json { return try await harness.client.execute(.json(url, method: method, body: Data(json.utf8), headers: headers)) }
            return try await harness.client.execute(HTTPClientRequest(method: method, url: url, headers: headers))
        }
    }
}

extension HTTPClientResponse {
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
}
