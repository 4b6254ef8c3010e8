import Foundation
import MisLinkServer
import MisLinkTestSupport
import Testing

/// The worker checks its MIS profile against the database at start and refuses one that does not fit,
/// naming the statement (the same check as `mislink mis check`).
@Suite("The worker's MIS profile check at start")
struct ProfileStartTests {
    @Test func aProfileThatDoesNotFitStopsTheStartNamingTheStatement() async throws {
        let source = ClinicDatabase.repository.appendingPathComponent("SQL/profiles/reference")
        let copy = URL(fileURLWithPath: "\(ClinicDatabase.directory)/profile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: source, to: copy)
        let statements = copy.appendingPathComponent("statements.sql")
        let text = try String(contentsOf: statements, encoding: .utf8)
        // The last visit's service comes back under another name than the contract's SERVICE_NAME.
        let broken = text.replacingOccurrences(of: "AS SERVICE_NAME", with: "AS SERVICE_TITLE")
        #expect(broken != text, "the reference profile names SERVICE_NAME")
        try broken.write(to: statements, atomically: true, encoding: .utf8)
        do {
            let harness = try await WorkerHarness.start(label: "badprofile", configure: { $0.mis.profile = copy.path })
            await harness.stop()
            Issue.record("the worker started with a profile that does not fit")
        } catch let error as WorkerError {
            #expect(error.description.contains("last_visit") && error.description.contains("SERVICE_NAME"), "\(error)")
            #expect(error.description.contains("statements.sql:"), "the file and line are named: \(error)")
        }
        // The shipped reference profile fits: every other test's worker starts with it.
        let harness = try await WorkerHarness.start(label: "goodprofile")
        #expect(harness.settings.mis.profile == "reference")
        await harness.stop()
    }
}
