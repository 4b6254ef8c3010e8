import Firebird
import Foundation
import MisLinkEmulator
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import Testing

/// The intake writes the MIS only through the profile's statements: a copy of the reference profile
/// with one statement changed changes what lands in the MIS, and one without appeals gets MisLink's own.
@Suite("Intake through the MIS profile")
struct IntakeProfileTests {
    /// A copy of the reference profile in a new folder, its two files edited.
    static func referenceCopy(_ label: String, manifest: (String) -> String = { $0 },
                              statements: (String) -> String = { $0 }) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("SQL/profiles/reference")
        let folder = URL(fileURLWithPath: ClinicDatabase.directory)
            .appendingPathComponent("profile-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func copy(_ file: String, _ edit: (String) -> String) throws {
            let text = try String(contentsOf: source.appendingPathComponent(file), encoding: .utf8)
            try edit(text).write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        try copy("profile.json", manifest)
        try copy("statements.sql", statements)
        return folder.path
    }

    /// A worker on the profile in `profile`, with the chat operators of ``ChatFixture`` and a patient.
    static func start(_ label: String, profile: String) async throws -> (WorkerHarness, FakeChat, RunningServer) {
        let chat = FakeChat()
        let chatServer = try await RunningServer.start(router: chat.router())
        let harness = try await WorkerHarness.start(label: label, configure: { settings in
            settings.mis.profile = profile
            settings.chat.chatwoot.baseURL = chatServer.baseURL
            settings.chat.chatwoot.apiToken = chat.configuration.chatwootToken
            settings.chat.edna.baseURL = chatServer.baseURL
            settings.chat.edna.pollSeconds = 0
            settings.chat.agents = ["chatwoot:11=ivanova", "chatwoot:12=petrov", "chatwoot:13=sidorova"]
        })
        try await harness.execute([
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, CHAT_LOGIN) VALUES (901, 'Иванова Анна Сергеевна', 'operator', 'ivanova')",
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE) VALUES (9010, 'Смирнова', 'Елена', 'Павловна', '8 (916) 123-45-67')",
        ])
        return (harness, chat, chatServer)
    }

    static func play(_ name: String, on harness: WorkerHarness) async throws {
        let steps = try ScenarioLibrary().load(name).render(variables: ["run": name], start: 1_790_000_000)
        for (index, step) in steps.enumerated() {
            guard case .chat(let platform, let json) = step else { continue }
            let delivery = await harness.sender.sendChat(platform: platform, json: json.compactText)
            #expect(delivery.status == 200, "\(name) step \(index): \(delivery.error ?? "")")
        }
    }

    @Test func theProfilesAppealCreateMapsTheChannel() async throws {
        let old = "CASE WHEN CAST(:channel AS VARCHAR(16)) IN ('phone', 'whatsapp', 'telegram', 'vk', 'webchat', 'email', 'sms')"
        let profile = try Self.referenceCopy("channel", statements: { text in
            // This MIS files WhatsApp appeals under telegram.
            #expect(text.contains(old))
            return text.replacingOccurrences(
                of: old, with: "CASE WHEN CAST(:channel AS VARCHAR(16)) = 'whatsapp' THEN 'telegram' WHEN CAST(:channel AS VARCHAR(16)) IN ('phone', 'telegram', 'vk', 'webchat', 'email', 'sms')")
        })
        let (harness, _, chatServer) = try await Self.start("profile-channel", profile: profile)
        defer { Task { await harness.stop(); await chatServer.stop() } }
        try await Self.play("chatwoot-closed-by-operator", on: harness)
        let rows = try await harness.query(
            """
            SELECT TRIM(A.CHANNEL), A.PATIENT_ID, A.OPERATOR_ID, TRIM(M.CHANNEL)
              FROM MISLINK_CHAT_THREADS T JOIN APPEALS A ON A.ID = T.APPEAL_ID JOIN MISLINK_APPEALS M ON M.APPEAL_ID = A.ID
             WHERE T.PROVIDER = 'chatwoot' AND T.EXTERNAL_ID = '420'
            """)
        let row = try #require(rows.first)
        #expect(try row.decode(String.self, at: 0) == "telegram")  // the profile's mapping
        #expect(try row.decode(String.self, at: 3) == "whatsapp")  // MisLink keeps the exact channel
        #expect(try row.decode(Int?.self, at: 1) == 9010)
        #expect(try row.decode(Int?.self, at: 2) == 901)  // staff_chat_logins, then appeal_get and appeal_assign
    }

    @Test func withoutAnAppealsTableThreadsGetMisLinksOwnAppeal() async throws {
        let profile = try Self.referenceCopy("no-appeals", manifest: { text in
            #expect(text.contains("\"appeals\": true"))
            return text.replacingOccurrences(of: "\"appeals\": true", with: "\"appeals\": false")
        })
        let (harness, _, chatServer) = try await Self.start("profile-no-appeals", profile: profile)
        defer { Task { await harness.stop(); await chatServer.stop() } }
        try await Self.play("chatwoot-closed-by-operator", on: harness)
        let rows = try await harness.query(
            "SELECT STATUS, APPEAL_ID, PATIENT_ID, OPERATOR_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = 'chatwoot' AND EXTERNAL_ID = '420'")
        let row = try #require(rows.first)
        #expect(try row.decode(String.self, at: 0) == "closed")
        let appeal = try #require(try row.decode(Int64?.self, at: 1))
        #expect(try row.decode(Int64?.self, at: 2) == 9010)
        // The appeal is MisLink's own row, with the patient and the operator who had the thread; the MIS gets none.
        let own = try await harness.query(
            "SELECT IS_OWN, STATUS, PATIENT_ID, OPERATOR_ID FROM MISLINK_APPEALS WHERE APPEAL_ID = ?", [.bigint(appeal)])
        let ownRow = try #require(own.first)
        #expect(try ownRow.decode(Int.self, at: 0) == 1 && ownRow.decode(String.self, at: 1) == "open")
        #expect(try ownRow.decode(Int64?.self, at: 2) == 9010 && ownRow.decode(Int64?.self, at: 3) == 901)
        #expect(try await harness.count("SELECT COUNT(*) FROM APPEALS") == 0)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS IN ('failed', 'retrying')") == 0)
    }

    @Test func aFailingIdentificationQueryIsLoggedAndCountedAndTheThreadStoredUnidentified() async throws {
        // Prepares (the start-up check passes) but fails when it runs: a division by zero.
        let old = "WHERE PP.PHONE_KEY = :phone_key\n   AND P.IS_DELETED = 0;"
        let profile = try Self.referenceCopy("identify-fails", statements: { text in
            #expect(text.contains(old))
            return text.replacingOccurrences(
                of: old, with: "WHERE PP.PHONE_KEY = :phone_key\n   AND P.IS_DELETED = 0\n   AND 1 / (SELECT COUNT(*) FROM RDB$DATABASE WHERE 1 = 0) = 1;")
        })
        let (harness, _, chatServer) = try await Self.start("profile-identify-fails", profile: profile)
        defer { Task { await harness.stop(); await chatServer.stop() } }
        try await Self.play("chatwoot-closed-by-operator", on: harness)
        let rows = try await harness.query(
            "SELECT STATUS, PATIENT_ID, APPEAL_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = 'chatwoot' AND EXTERNAL_ID = '420'")
        let row = try #require(rows.first)
        #expect(try row.decode(String.self, at: 0) == "closed")
        #expect(try row.decode(Int?.self, at: 1) == nil)  // unidentified, but stored and with its appeal
        #expect(try row.decode(Int?.self, at: 2) != nil)
        let metrics = try await harness.api("/metrics", token: nil)
        let line = metrics.text.split(separator: "\n").first { $0.hasPrefix("mislink_identification_failures_total") }
        let count = try #require(line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }, "\(metrics.text.prefix(2000))")
        #expect(count >= 1)
    }
}
