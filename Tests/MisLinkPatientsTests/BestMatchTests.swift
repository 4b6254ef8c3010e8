import Foundation
import MisLinkProfiles
@testable import MisLinkPatients
import MisLinkTestSupport
import Testing

/// The best match among patients sharing a number follows the profile's phone columns in the order
/// `profile.json` lists them, not the reference schema's column names.
@Suite("Best match: the profile's phone columns by preference")
struct BestMatchTests {
    static func profile(_ name: String) throws -> MISProfile {
        try MISProfile(directory: ClinicDatabase.repository.appendingPathComponent("SQL/profiles/\(name)"))
    }

    static func candidate(_ id: Int, _ column: String, visit: String? = nil) -> Identification.Candidate {
        .init(id: id, fullName: "Пациент \(id)", birthDate: nil, matchedColumn: column, lastVisit: visit)
    }

    @Test func theColumnsComeFromTheManifestInOrder() throws {
        #expect(try Self.profile("reference").manifest.phoneColumnsByPreference == [
            "PHONE_MOBILE", "PATIENTS.PHONE_MOBILE", "PHONE_HOME", "PATIENTS.PHONE_HOME", "PHONE_WORK", "PATIENTS.PHONE_WORK",
        ])
        #expect(try Self.profile("medbase").manifest.phoneColumnsByPreference == [
            "TEL_MOB", "KLIENTY.TEL_MOB", "TEL_DOM", "KLIENTY.TEL_DOM", "TEL_RAB", "KLIENTY.TEL_RAB", "KONTAKTY.ZNACHENIE",
        ])
    }

    @Test func onMedbaseAMobileBeatsAHomePhoneAndAContactWhateverTheVisits() throws {
        let columns = try Self.profile("medbase").manifest.phoneColumnsByPreference
        let ranked = PatientIdentifier.ranked([
            Self.candidate(3, "KONTAKTY.ZNACHENIE", visit: "2026-12-01 10:00:00"),
            Self.candidate(2, "TEL_DOM", visit: "2026-11-30 10:00:00"),
            Self.candidate(1, "TEL_MOB"),
            Self.candidate(4, "TEL_MOB", visit: "2025-01-01 09:00:00"),
            Self.candidate(2, "KONTAKTY.ZNACHENIE"),  // the same patient in a worse column counts once, at its best
        ], columns: columns)
        #expect(ranked.map(\.id) == [4, 1, 2, 3])
        #expect(ranked.first { $0.id == 2 }?.matchedColumn == "TEL_DOM")
    }

    @Test func anUnknownColumnCountsLast() throws {
        let columns = try Self.profile("reference").manifest.phoneColumnsByPreference
        let ranked = PatientIdentifier.ranked(
            [Self.candidate(1, "FAX", visit: "2026-12-01 10:00:00"), Self.candidate(2, "PHONE_WORK")], columns: columns)
        #expect(ranked.map(\.id) == [2, 1])
    }
}
