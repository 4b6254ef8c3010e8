import Foundation
import MisLinkSettings
import MisLinkTestSupport
import Testing

@Suite("Settings: config file, environment, secrets")
struct SettingsTests {
    private func file(_ json: String) throws -> String {
        let path = "\(ClinicDatabase.directory)/settings-\(UUID().uuidString.prefix(8)).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func fileThenEnvironment() throws {
        let path = try file("""
            {"database": {"dsn": "db:/srv/clinic.fdb", "password": "file-pass"}, "listen": "0.0.0.0:9000",
             "mango": {"api_key": "k1", "api_salt": "s1", "base_url": "https://pbx.example/vpbx"},
             "chat": {"chatwoot": {"account_id": 7}}, "intake": {"max_batch": 64}}
            """)
        let settings = try MisLinkSettings.load(file: path, environment: [
            "MISLINK_MANGO_API_SALT": "s2", "ISC_PASSWORD": "env-pass", "MISLINK_API_TOKEN": "t1, t2",
            "MISLINK_INTAKE_MAX_BATCH": "128", "MISLINK_CHATWOOT_WEBHOOK_SECRET": "w",
        ])
        #expect(settings.database.dsn == "db:/srv/clinic.fdb")
        #expect(settings.database.password == "env-pass")
        #expect(settings.mango.apiKey == "k1" && settings.mango.apiSalt == "s2")
        #expect(settings.mango.baseURL == "https://pbx.example/vpbx")
        #expect(settings.chat.chatwoot.accountId == 7 && settings.chat.chatwoot.webhookSecret == "w")
        #expect(settings.api.tokens == ["t1", "t2"])
        #expect(settings.intake.maxBatch == 128)
        #expect(try settings.listenAddress == ("0.0.0.0", 9000))
        #expect(settings.outbound.maxAttempts == 8)  // untouched default
    }

    @Test func mistakesAreNamed() throws {
        let typo = try file(#"{"mango": {"api_kye": "k"}}"#)
        #expect(throws: SettingsError.self) { try MisLinkSettings.load(file: typo, environment: [:]) }
        do { _ = try MisLinkSettings.load(file: typo, environment: [:]) } catch {
            #expect("\(error)".contains("mango.api_kye"))
        }
        let wrongType = try file(#"{"intake": {"max_batch": "many"}}"#)
        #expect(throws: SettingsError.self) { try MisLinkSettings.load(file: wrongType, environment: [:]) }
        #expect(throws: SettingsError.self) {
            try MisLinkSettings.load(file: nil, environment: ["MISLINK_INTAKE_MAX_BATCH": "lots"])
        }
        var settings = MisLinkSettings()
        settings.listen = "nonsense"
        #expect(throws: SettingsError.self) { _ = try settings.listenAddress }
    }

    @Test func secretsNeverPrinted() throws {
        let settings = try MisLinkSettings.load(file: nil, environment: [
            "ISC_PASSWORD": "db-secret-1", "MISLINK_MANGO_API_SALT": "salt-secret-2", "MISLINK_API_TOKEN": "token-secret-3",
            "MISLINK_MANGO_API_KEY": "visible-key",
        ])
        let text = settings.redactedDescription
        for secret in ["db-secret-1", "salt-secret-2", "token-secret-3"] { #expect(!text.contains(secret)) }
        #expect(text.contains("visible-key"))
        #expect(text.contains("***"))
    }
}
