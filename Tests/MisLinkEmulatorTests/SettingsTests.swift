import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkSettings
import Testing

@Suite struct SettingsTests {
    /// Writes a config file and returns its path.
    func configFile(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mislink-emulator-\(UUID().uuidString).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func configFileAndEnvironmentDriveTheSender() async throws {
        let credentials = MangoCredentials(apiKey: "cfg-key", apiSalt: "env-salt")
        let recorder = WebhookRecorder(credentials: credentials)
        let server = try await RunningServer.start(router: recorder.router())
        let file = try configFile("""
            {"listen": "0.0.0.0:\(server.port)",
             "mango": {"api_key": "cfg-key", "api_salt": "file-salt", "webhook_path": "/pbx-hooks", "timestamp_offset": 10800},
             "chat": {"chatwoot": {"webhook_secret": "file-secret", "api_token": "cw-token"},
                      "edna": {"webhook_secret": "edna-s3", "login": "bot", "password": "pw"}},
             "api": {"tokens": ["t1", "t2"]}}
            """)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let settings = try EmulatorSettings.load(
            file: file, environment: ["MISLINK_MANGO_API_SALT": "env-salt", "MISLINK_CHATWOOT_WEBHOOK_SECRET": "cw-secret"])
        #expect(settings.credentials == credentials)
        #expect(settings.target == "http://127.0.0.1:\(server.port)")
        #expect(settings.mangoBasePath == "/pbx-hooks")
        #expect(settings.chatwootPath == "/chatwoot/webhook/cw-secret" && settings.ednaPath == "/edna/webhook/edna-s3")
        #expect(settings.apiToken == "t1" && settings.chatwootToken == "cw-token")
        #expect(settings.ednaLogin == "bot" && settings.ednaPassword == "pw" && settings.timestampOffset == 10800)

        let sender = WebhookSender(client: HTTPClient(), credentials: settings.credentials, targets: settings.webhookTargets())
        let mango = await sender.sendMango(path: "events/call", json: #"{"entry_id":"E1","call_id":"C1","seq":1}"#)
        let chatwoot = await sender.sendChat(platform: .chatwoot, json: #"{"event":"conversation_created","id":1}"#)
        let edna = await sender.sendChat(platform: .edna, json: #"{"action":"MESSAGE","sessionId":"7"}"#)
        #expect([mango.status, chatwoot.status, edna.status] == [200, 200, 200])
        let received = await recorder.wait(for: 3, timeout: .seconds(10))
        #expect(received.map(\.path) == ["pbx-hooks/events/call", "chatwoot/webhook/cw-secret", "edna/webhook/edna-s3"])
        #expect(received.first?.signatureValid == true)
        #expect(received.first?.form?.apiKey == "cfg-key")
        await server.stop()
    }

    @Test func explicitOptionsWinAndEmptySecretsLeaveThePathAlone() throws {
        let file = try configFile(#"{"listen": "10.1.2.3:9000"}"#)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let settings = try EmulatorSettings.load(environment: ["MISLINK_CONFIG": file, "MISLINK_API_TOKEN": "tok"])
        #expect(settings.target == "http://10.1.2.3:9000" && settings.apiToken == "tok")
        #expect(settings.chatwootPath == "/chatwoot/webhook" && settings.ednaPath == "/edna/webhook")
        #expect(settings.mangoBasePath == "/mango" && settings.chatwootToken == nil && settings.ednaLogin == nil)
        #expect(settings.listenHost == "10.1.2.3" && settings.listenPort == 9000)
        let targets = settings.webhookTargets(target: "http://example:1", chatwootPath: "/cw")
        #expect(targets.target == "http://example:1" && targets.chatwootPath == "/cw" && targets.ednaPath == "/edna/webhook")
    }

    @Test func listenBecomesALoopbackURL() {
        #expect(EmulatorSettings.targetURL(listen: "0.0.0.0:8080") == "http://127.0.0.1:8080")
        #expect(EmulatorSettings.targetURL(listen: ":8081") == "http://127.0.0.1:8081")
        #expect(EmulatorSettings.targetURL(listen: "[::]:8082") == "http://[::1]:8082")
        #expect(EmulatorSettings.targetURL(listen: "mis.local:80") == "http://mis.local:80")
    }

    @Test func aBrokenSettingIsAnError() throws {
        #expect(throws: SettingsError.self) {
            _ = try EmulatorSettings.load(environment: ["MISLINK_MANGO_TIMESTAMP_OFFSET": "soon"])
        }
    }
}
