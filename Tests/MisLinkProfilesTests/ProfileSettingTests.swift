import Foundation
import MisLinkSettings
import MisLinkTestSupport
import Testing

@testable import MisLinkProfiles

/// `mis.profile`: the profile the worker will use, from the config file or MISLINK_MIS_PROFILE.
@Suite("The mis.profile setting")
struct ProfileSettingTests {
    @Test func itDefaultsToTheReferenceProfileWhichResolves() throws {
        let settings = try MisLinkSettings.load(environment: [:])
        #expect(settings.mis.profile == "reference")
        #expect(settings.mis.profile == MISProfile.defaultName)
        let folder = try MISProfile.resolve(settings.mis.profile, environment: [:])
        #expect(try MISProfile(directory: folder).name == "reference")
    }

    @Test func theEnvironmentAndTheConfigFileSetIt() throws {
        #expect(try MisLinkSettings.load(environment: ["MISLINK_MIS_PROFILE": "medbase"]).mis.profile == "medbase")
        let file = "\(ClinicDatabase.directory)/settings-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(#"{"mis": {"profile": "/etc/mislink/profiles/clinic"}}"#.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try MisLinkSettings.load(file: file, environment: [:]).mis.profile == "/etc/mislink/profiles/clinic")
        // The environment wins over the file, as for every setting.
        #expect(try MisLinkSettings.load(file: file, environment: ["MISLINK_MIS_PROFILE": "reference"]).mis.profile == "reference")
        try Data(#"{"mis": {"profil": "x"}}"#.utf8).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: SettingsError.self) { try MisLinkSettings.load(file: file, environment: [:]) }
        #expect(error?.description.contains("unknown setting \"mis.profil\"") == true)
    }
}
