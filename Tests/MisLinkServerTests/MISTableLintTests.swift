import Foundation
import MisLinkTestSupport
import Testing

/// Issue 16's rule: no statement that reads or writes a MIS table is written in Swift; every one lives in
/// a MIS profile (SQL/profiles/<name>/statements.sql). The tables named here are the reference schema's
/// and МедБаза's; a Swift string that selects from, joins, inserts into or updates one of them in a
/// target the worker or the CLI runs is a defect. Exempt, with their reasons: the Firebird binding's
/// doc comments (examples), `MisLinkDemoData` (it generates the reference schema's own demo data) and
/// `mislink-bench` (benchmarks over the reference demo database).
@Suite("No MIS table in Swift: every statement on the MIS is in a profile")
struct MISTableLintTests {
    static let misTables = [
        "PATIENTS", "STAFF", "SCHEDULE", "APPEALS", "SERVICES", "DEPARTMENTS",
        "KLIENTY", "KONTAKTY", "SOTRUDNIKI", "LOGINY_SOTR", "PRIEMY", "USLUGI", "GRAFIK",
    ]
    static let checkedTargets = [
        "MisLinkIntake", "MisLinkOutbound", "MisLinkServer", "MisLinkPatients", "MisLinkReport", "MisLinkProfiles",
        "MisLinkStore", "mislink",
    ]

    /// `FROM|JOIN|INTO|UPDATE|TABLE <mis table>` anywhere in the file that is not a `//` comment.
    static func offences(in text: String) -> [String] {
        let pattern = #"\b(FROM|JOIN|INTO|UPDATE)\s+("?)(\#(misTables.joined(separator: "|")))\2(\s|$|\))"#
        let regex = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("//") { return nil }
            let range = NSRange(code.startIndex..., in: code)
            return regex.firstMatch(in: code, range: range) == nil ? nil : "\(index + 1): \(code)"
        }
    }

    @Test func theCheckFindsAMISTableInAString() {
        #expect(Self.offences(in: #"let sql = "SELECT ID FROM PATIENTS WHERE X = ?""#).count == 1)
        #expect(Self.offences(in: "  LEFT JOIN APPEALS A ON A.ID = T.APPEAL_ID").count == 1)
        #expect(Self.offences(in: #"try tx.execute("UPDATE PRIEMY SET X = 1")"#).count == 1)
        #expect(Self.offences(in: "// the MIS's APPEALS table: FROM APPEALS is in the profile").isEmpty)
        #expect(Self.offences(in: #"SELECT * FROM MISLINK_APPEALS WHERE STATUS = 'open'"#).isEmpty)
        #expect(Self.offences(in: #"SELECT 1 FROM STAFF_MAP"#).isEmpty)
    }

    @Test func noWorkerOrCLITargetNamesAMISTable() throws {
        var found: [String] = []
        for target in Self.checkedTargets {
            let folder = ClinicDatabase.repository.appendingPathComponent("Sources/\(target)")
            guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                found += Self.offences(in: text).map { "Sources/\(target)/\(file.lastPathComponent):\($0)" }
            }
        }
        #expect(found.isEmpty, "statements on MIS tables belong in the MIS profile:\n\(found.joined(separator: "\n"))")
    }
}
