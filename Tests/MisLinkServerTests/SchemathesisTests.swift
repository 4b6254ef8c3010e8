import Foundation
import MisLinkTestSupport
import Testing

/// Schemathesis (PyPI, 4.x) generates requests from `openapi.json`, valid and invalid, against a live worker
/// on a test database: no answer may be a 5xx, every answer must be one the document gives (status and
/// body), and the worker must still answer at the end. The seed and the number of examples are fixed, so a
/// run is repeatable and bounded (about a minute on two cores).
///
/// The webhook paths are left out: they are signed (every generated request is a 401) and fuzzed by their
/// own tests. So is the PBX's statistics (`/api/v1/pbx/stats`): the test worker has no PBX, so every valid
/// period is the documented 502 ("could not be reached"), which the server-error check counts as a failure;
/// PBXStatsTests covers it against the fake PBX.
@Suite("Schemathesis over openapi.json against a live worker")
struct SchemathesisTests {
    /// The `schemathesis` binary of the virtual environment `scripts/test` makes (`.venv-tests`).
    static let binary = ProcessInfo.processInfo.environment["MISLINK_SCHEMATHESIS"].flatMap { $0.isEmpty ? nil : $0 }
    /// Examples per operation: `MISLINK_SCHEMATHESIS_EXAMPLES` for a longer run by hand. Defaults to 60.
    static let examples = ProcessInfo.processInfo.environment["MISLINK_SCHEMATHESIS_EXAMPLES"].flatMap { Int($0) }.map(String.init) ?? "60"

    // Skipped, with this reason shown, where schemathesis is not installed (a plain `swift test`);
    // scripts/test installs it and sets MISLINK_SCHEMATHESIS.
    @Test(.enabled(if: binary != nil, "MISLINK_SCHEMATHESIS is not set: scripts/test installs schemathesis in .venv-tests and sets it"),
          .timeLimit(.minutes(10)))
    func generatedRequestsGetDocumentedAnswers() async throws {
        let harness = try await WorkerHarness.start(label: "schemathesis")
        defer { Task { await harness.stop() } }
        // A few rows, so that ids the fuzzer tries can hit something.
        try await harness.execute(RESTInputTests.clinic + [
            "INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STARTED_AT) VALUES (1, 'S1', 'in', '2026-11-27 10:00:00')",
        ])
        let document = ClinicDatabase.repository.appendingPathComponent("Sources/MisLinkServer/openapi.json").path
        let output = "\(ClinicDatabase.directory)/schemathesis-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let arguments = [
            "run", document, "--url", harness.worker.baseURL,
            "--header", "Authorization: Bearer \(WorkerHarness.token)",
            "--checks", "not_a_server_error,status_code_conformance,response_schema_conformance",
            "--exclude-path-regex", "^/(mango|chatwoot|edna)/|^/api/v1/pbx/",
            "--seed", "15", "--max-examples", Self.examples, "--phases", "examples,coverage,fuzzing",
            "--workers", "1", "--request-timeout", "30", "--suppress-health-check", "all",
            "--report", "junit", "--report-dir", output, "--no-color",
        ]
        let started = ContinuousClock.now
        let (status, log) = try await Self.run(try #require(Self.binary), arguments, logTo: "\(output)/schemathesis.log")
        let elapsed = ContinuousClock.now - started
        print("schemathesis: exit \(status) after \(elapsed); log in \(output)/schemathesis.log")
        #expect(status == 0, "schemathesis found failures (exit \(status)):\n\(log.suffix(20_000))")
        #expect(try await harness.api("/api/v1/status").status == 200, "the worker no longer answers after the run")
        #expect(try await harness.api("/health", token: nil).status == 200)
    }

    /// Runs a program, its output (both streams) to `logTo`; its exit status and the log.
    static func run(_ executable: String, _ arguments: [String], logTo path: String) async throws -> (Int32, String) {
        FileManager.default.createFile(atPath: path, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try log.close()
        return (status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }
}
