import Foundation
import MisLinkSettings
import Testing

/// The `console` settings: defaults, `MISLINK_CONSOLE_*` overrides (a boolean from text), range checks, and
/// the embedding secret kept out of printed settings.
@Suite("Settings: console")
struct ConsoleSettingsTests {
    @Test func defaultsAndEnvironmentOverrides() throws {
        let defaults = try MisLinkSettings.load(environment: [:]).console
        #expect(defaults == MisLinkSettings.Console())
        #expect(defaults.idleMinutes == 30 && defaults.maxFailures == 5 && defaults.lockoutMinutes == 15)
        #expect(!defaults.secureCookies && defaults.embedSecret.isEmpty && defaults.signInDSN == nil && defaults.language == "ru")

        let settings = try MisLinkSettings.load(environment: [
            "MISLINK_CONSOLE_IDLE_MINUTES": "10", "MISLINK_CONSOLE_SECURE_COOKIES": "true",
            "MISLINK_CONSOLE_EMBED_ORIGINS": "https://mis.clinic.ru, http://10.0.0.5:8080",
            "MISLINK_CONSOLE_EMBED_SECRET": "s3cret-embed", "MISLINK_CONSOLE_SIGN_IN_DSN": "mis-server:/srv/clinic.fdb",
            "MISLINK_CONSOLE_PATIENT_URL_TEMPLATE": "https://mis.clinic.ru/patients/{patient_id}", "MISLINK_CONSOLE_LANGUAGE": "en",
        ])
        #expect(settings.console.idleMinutes == 10 && settings.console.secureCookies)
        #expect(settings.console.embedOrigins == ["https://mis.clinic.ru", "http://10.0.0.5:8080"])
        #expect(settings.console.signInDSN == "mis-server:/srv/clinic.fdb" && settings.console.language == "en")
        #expect(settings.console.patientURLTemplate.hasSuffix("{patient_id}"))
        #expect(!settings.redactedDescription.contains("s3cret-embed") && settings.secretValues.contains("s3cret-embed"))
    }

    @Test func valuesThatWouldSwitchAProtectionOffAreRefused() {
        for (name, value) in [("MISLINK_CONSOLE_SECURE_COOKIES", "maybe"), ("MISLINK_CONSOLE_IDLE_MINUTES", "0"),
                              ("MISLINK_CONSOLE_MAX_FAILURES", "0"), ("MISLINK_CONSOLE_LANGUAGE", "de"),
                              ("MISLINK_CONSOLE_EMBED_ORIGINS", "https://mis.clinic.ru/page")] {
            #expect(throws: SettingsError.self, "\(name)=\(value)") { try MisLinkSettings.load(environment: [name: value]) }
        }
    }
}
