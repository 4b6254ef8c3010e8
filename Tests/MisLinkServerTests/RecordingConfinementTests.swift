import Foundation
import MisLinkTestSupport
import Testing

/// `GET /api/v1/calls/{id}/recordings/{n}` serves files inside `recordings.directory` only: a FILE_PATH in
/// the database that is absolute elsewhere, climbs out with `..`, or is a symbolic link out, is a 404.
@Suite("Recordings are served from recordings.directory only")
struct RecordingConfinementTests {
    @Test func pathsLeadingOutAreNotServed() async throws {
        let base = "\(ClinicDatabase.directory)/rec-\(UUID().uuidString.prefix(8))"
        let folder = "\(base)/a/b/recordings"
        try FileManager.default.createDirectory(atPath: "\(folder)/2026/11", withIntermediateDirectories: true)
        try Data("inside".utf8).write(to: URL(fileURLWithPath: "\(folder)/2026/11/ok.mp3"))
        try Data("outside".utf8).write(to: URL(fileURLWithPath: "\(base)/a/x"))  // what ../../x reaches
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/2026/11/link.mp3", withDestinationPath: "/etc/passwd")
        let harness = try await WorkerHarness.start(label: "rec-path", configure: { $0.recordings.directory = folder })
        defer { Task { await harness.stop() } }
        let paths = ["2026/11/ok.mp3", "/etc/passwd", "../../x", "2026/../../../x", "2026/11/link.mp3", "\(folder)/2026/11/ok.mp3"]
        var statements = ["INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STARTED_AT) VALUES (5, 'P5', 'in', '2026-11-27 09:00:00')"]
        for (index, path) in paths.enumerated() {
            statements.append("""
                INSERT INTO MISLINK_CALL_RECORDINGS (ID, CALL_ID, PBX_RECORDING_ID, STATE, FILE_PATH, CREATED_AT, UPDATED_AT)
                VALUES (\(index + 1), 5, 'rec-\(index)', 'stored', '\(path)', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
                """)
        }
        try await harness.execute(statements)

        let inside = try await harness.api("/api/v1/calls/5/recordings/1")
        #expect(inside.status == 200 && inside.text == "inside")
        let absoluteInside = try await harness.api("/api/v1/calls/5/recordings/6")
        #expect(absoluteInside.status == 200 && absoluteInside.text == "inside")
        for n in 2...5 {
            let response = try await harness.api("/api/v1/calls/5/recordings/\(n)")
            #expect(response.status == 404, "\(paths[n - 1]): \(response.status) \(response.text)")
            #expect(response.text.contains("recordings.directory"), "\(paths[n - 1]): \(response.text)")
            #expect(!response.text.contains("root:"), "\(paths[n - 1]) served a file from outside")
            expectDocumented("GET", "/api/v1/calls/5/recordings/\(n)", response)
        }
        // Only what was served is audited.
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_RECORDING_ACCESS") == 2)
    }
}
