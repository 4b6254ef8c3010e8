import Foundation
import MisLinkTestSupport
import Testing
@testable import MisLinkReport

/// `mislink report appeals --profile …` as a clinic runs it: the built binary over a МедБаза database
/// of its own (no `mislink` process shares a database with this one).
@Suite("mislink report appeals on the command line", .serialized)
struct ReportCommandLineTests {
    /// The `mislink` built beside the tests (`swift build --build-tests` builds it).
    static let binary = ClinicDatabase.repository.appendingPathComponent(".build/debug/mislink").path

    static func mislink(_ arguments: [String]) throws -> (status: Int32, output: Data, errors: String) {
        let run = try MislinkCommand.run(arguments)
        return (run.status, run.output, run.errors)
    }

    @Test func theReportReadsTheMISThroughTheProfileItIsGiven() async throws {
        let path = try await MedbaseReportData.create("report-cli")
        defer { ClinicDatabase.drop(path) }
        let period = ["--database", path, "--from", "2026-11-02", "--to", "2026-11-08", "--format", "json"]
        let run = try Self.mislink(["report", "appeals", "--profile", "medbase"] + period)
        #expect(run.status == 0, "\(run.errors)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        let report = try decoder.decode(AppealsReport.self, from: run.output)
        #expect(report.appeals == MedbaseReportData.expected(try ReportRequest(from: "2026-11-02", to: "2026-11-08")))
        #expect(report.appeals.byOperator.contains { $0.operatorName == "Кузнецов Дмитрий Андреевич" })

        // The reference profile reads APPEALS (report_mis_appeals) and STAFF, which МедБаза does not have:
        // the report fails on the first, so what it read above came through the profile given.
        let reference = try Self.mislink(["report", "appeals", "--profile", "reference"] + period)
        #expect(reference.status != 0)
        #expect(reference.errors.contains("Table unknown") && reference.errors.contains("APPEALS"), "\(reference.errors)")
    }
}
