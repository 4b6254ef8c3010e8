import Foundation
import Testing

@testable import MisLinkProfiles

/// CONTRACT.md is what DBAs read and what the engineers of other profiles write to; ProfileContract is
/// what `mislink mis check` enforces. They must say the same.
@Suite("CONTRACT.md and ProfileContract")
struct ContractDocumentTests {
    struct Row: Equatable, CustomStringConvertible {
        var name: String
        var parameters: [ProfileContract.Parameter]
        var columns: [ProfileContract.Column]
        var optional: Bool
        var description: String {
            "\(name)(\(parameters.map { ":\($0.name)\($0.mayBeUnused ? "?" : "")" }.joined(separator: ", "))) -> "
                + columns.map { "\($0.name): \($0.kind)\($0.nullable ? "?" : "")" }.joined(separator: ", ")
                + (optional ? " optional" : "")
        }
    }

    /// The statement rows of CONTRACT.md's tables: `| `name` | parameters | returns | must mean |`.
    static func documentedRows() throws -> [Row] {
        let text = String(decoding: try Data(contentsOf: ProfileFixture.contractDocument), as: UTF8.self)
        var rows: [Row] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, let name = cells[1].firstMatch(of: #/^`([a-z_]+)`/#)?.1 else { continue }
            let parameterMatches = cells[2].matches(of: #/`:([a-z_]+)`/#)
            var parameters: [ProfileContract.Parameter] = []
            for (index, match) in parameterMatches.enumerated() {
                let end = index + 1 < parameterMatches.count ? parameterMatches[index + 1].range.lowerBound : cells[2].endIndex
                let note = cells[2][match.range.upperBound..<end]
                parameters.append(.init(String(match.1), mayBeUnused: note.contains("may be unused")))
            }
            let columns = cells[3].matches(of: #/`([A-Z_]+)`: (integer|text|date|timestamp|time)( \(NULL allowed)?/#).map {
                ProfileContract.Column(String($0.1), ProfileContract.Kind(rawValue: String($0.2))!, nullable: $0.3 != nil)
            }
            rows.append(Row(name: String(name), parameters: parameters, columns: columns,
                            optional: cells[1].contains("optional") || cells[4].hasPrefix("*optional*")))
        }
        return rows
    }

    @Test func everyStatementOfTheDocumentIsInTheContractAsWritten() throws {
        let documented = try Self.documentedRows()
        let enforced = ProfileContract.v1.statements.map {
            Row(name: $0.name, parameters: $0.parameters, columns: $0.columns, optional: $0.optional)
        }
        #expect(documented.count == 27)
        #expect(documented.map(\.name) == enforced.map(\.name))
        for (document, swift) in zip(documented, enforced) {
            #expect(document == swift, "CONTRACT.md says \(document), ProfileContract says \(swift)")
        }
    }

    @Test func theAppealStatementsAreTheOnesUsedOnlyWithAppeals() {
        let appealsOnly = ProfileContract.v1.statements.filter(\.onlyWithAppeals).map(\.name)
        #expect(appealsOnly == ["appeal_create", "appeal_assign", "appeal_set_patient", "appeal_get", "appeal_cancel", "report_mis_appeals",
                               "appeal_change_patient"])
    }

    @Test func theReferenceProfileHasEveryStatementWithTheContractsParameters() throws {
        let profile = try MISProfile(directory: ProfileFixture.reference)
        let report = ProfileCheck().run(profile, on: nil)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.statements.count == ProfileContract.v1.statements.count)
        #expect(report.statements.allSatisfy { $0.status == .present })
        // Every statement says what it does, for the DBA who adapts it.
        #expect(profile.statements.statements.allSatisfy { !$0.comment.isEmpty })
    }

    @Test func withoutADatabaseParametersAreStillChecked() throws {
        let copy = try ProfileCopy()
        defer { copy.remove() }
        let line = try copy.replace("WHERE S.ID = :staff_id", with: "WHERE S.ID = :employee_id")
        let report = ProfileCheck().run(directory: copy.directory, on: nil)
        let nameLine = try copy.line(of: "-- name: staff_get")
        #expect(report.problems.map(\.description) == [
            "statements.sql:\(nameLine): staff_get does not use :staff_id; the contract needs it used",
            "statements.sql:\(line): staff_get uses :employee_id, which MisLink does not give (it gives :staff_id)",
        ])
        #expect(report.statements.first { $0.statement == "staff_get" }?.status == .failed)
        #expect(!report.database)
    }
}
