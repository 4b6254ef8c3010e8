import Foundation
import MisLinkTestSupport
import Testing

@testable import MisLinkProfiles

@Suite("profile.json")
struct ManifestTests {
    static let minimal = """
        {
          "contract": 1,
          "patients": {"table": "KLIENTY", "key": "KOD", "name": "FIO",
                       "phones": [{"table": "KLIENTY", "columns": ["TEL"]}]},
          "staff": {"table": "SOTRUDNIKI", "key": "KOD"}
        }
        """

    @Test func theDocumentedDefaultsApply() throws {
        let manifest = try ProfileManifest.read(Data(Self.minimal.utf8))
        #expect(manifest.name == nil)
        #expect(manifest.charset == "WIN1251")
        #expect(manifest.appeals == false)
        #expect(manifest.booking == .insert)
        #expect(manifest.bookingChanges == ProfileManifest.BookingChanges.none)
        #expect(manifest.patients.name == ["FIO"])
        #expect(manifest.patients.phones == [.init(table: "KLIENTY", key: nil, columns: ["TEL"])])
        #expect(manifest.staff.extension == "MISLINK_STAFF_MAP")
        #expect(manifest.staff.sip == "MISLINK_STAFF_MAP")
        #expect(manifest.staff.chatLogin == "MISLINK_STAFF_MAP")
    }

    @Test func theReferenceManifestReadsAsWritten() throws {
        let profile = try MISProfile(directory: ProfileFixture.reference)
        #expect(profile.name == "reference")
        #expect(profile.manifest.appeals)
        #expect(profile.manifest.patients.name == ["LAST_NAME", "FIRST_NAME", "MIDDLE_NAME"])
        #expect(profile.manifest.patients.phones.first?.columns == ["PHONE_MOBILE", "PHONE_HOME", "PHONE_WORK"])
        #expect(profile.manifest.staff.chatLogin == "STAFF.CHAT_LOGIN")
        #expect(profile.manifest.bookingChanges == .trigger)
        #expect(profile.issues.isEmpty)
    }

    @Test func anUnknownKeyIsNamedWithItsLine() {
        let text = Self.minimal.replacingOccurrences(of: #""staff": {"table""#, with: #""staff": {"chatlogin": "X", "table""#)
            .replacingOccurrences(of: #""contract": 1,"#, with: "\"contract\": 1,\n  \"appeal\": true,")
        let error = #expect(throws: ProfileError.self) { try ProfileManifest.read(Data(text.utf8)) }
        let described = error?.issues.map(\.description) ?? []
        #expect(described.contains { $0.hasPrefix("profile.json:3: unknown key \"appeal\" (known here: contract, name,") })
        #expect(described.contains { $0.hasPrefix("profile.json:6: unknown key \"staff.chatlogin\" (known here: table, key,") })
    }

    @Test func anUnknownKeyInsideAListElementIsNamed() {
        let text = Self.minimal.replacingOccurrences(of: #"{"table": "KLIENTY", "columns""#, with: "{\"table\": \"KLIENTY\",\n \"colums\": [], \"columns\"")
        let error = #expect(throws: ProfileError.self) { try ProfileManifest.read(Data(text.utf8)) }
        #expect(error?.issues.map(\.description) == [
            "profile.json:5: unknown key \"patients.phones[0].colums\" (known here: table, key, columns)",
        ])
    }

    @Test func wrongTypesMissingKeysAndBadValuesNameTheirLine() {
        func issues(_ text: String) -> [String] {
            (#expect(throws: ProfileError.self) { try ProfileManifest.read(Data(text.utf8)) })?.issues.map(\.description) ?? []
        }
        #expect(issues(Self.minimal.replacingOccurrences(of: #""contract": 1"#, with: #""contract": "one""#))
            == ["profile.json:2: \"contract\" should be a whole number"])
        #expect(issues(Self.minimal.replacingOccurrences(of: #""key": "KOD", "name": "FIO","#, with: #""name": "FIO","#))
            == ["profile.json:3: \"patients.key\" is missing"])
        #expect(issues(Self.minimal.replacingOccurrences(of: #""contract": 1,"#, with: "\"contract\": 1, \"booking\": \"sql\","))
            == ["profile.json:2: \"booking\" must be insert or procedure"])
        #expect(issues(Self.minimal.replacingOccurrences(of: #""contract": 1"#, with: #""contract": 2"#))
            == ["profile.json:2: the profile is written for contract 2; this MisLink reads contract 1"])
        #expect(issues(Self.minimal.replacingOccurrences(of: #""key": "KOD"}"#, with: #""key": "KOD", "sip": "SIP"}"#))
            == ["profile.json:5: \"staff.sip\" must be TABLE.COLUMN or MISLINK_STAFF_MAP, not \"SIP\""])
        #expect(issues("{\n  \"contract\": 1,\n  \"patients\": \n}").first?.hasPrefix("profile.json") == true)
    }

    @Test func keysStartingWithAnUnderscoreAreComments() throws {
        let text = Self.minimal.replacingOccurrences(of: #""contract": 1,"#, with: #""contract": 1, "_comment": "written by the DBA","#)
        #expect(try ProfileManifest.read(Data(text.utf8)).contract == 1)
    }

    @Test func aProfileIsFoundByNameInTheSourceTreeOrByPath() throws {
        let byName = try MISProfile.resolve("reference", executable: "/nonexistent/bin/mislink", environment: [:])
        #expect(byName.standardizedFileURL == ProfileFixture.reference.standardizedFileURL)
        let copy = try ProfileCopy()
        defer { copy.remove() }
        #expect(try MISProfile.resolve(copy.directory.path).path == copy.directory.path)
        // Installed: <prefix>/bin/mislink finds <prefix>/share/mislink/profiles/<name> first.
        let prefix = URL(fileURLWithPath: "\(ClinicDatabase.directory)/prefix-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: prefix) }
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("share/mislink/profiles"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: copy.directory, to: prefix.appendingPathComponent("share/mislink/profiles/reference"))
        let installed = try MISProfile.resolve("reference", executable: prefix.appendingPathComponent("bin/mislink").path, environment: [:])
        #expect(installed.path == prefix.appendingPathComponent("share/mislink/profiles/reference").path)
        let error = #expect(throws: ProfileError.self) { try MISProfile.resolve("no_such_mis", environment: [:]) }
        #expect(error?.description.contains("no MIS profile of that name") == true)
    }
}
