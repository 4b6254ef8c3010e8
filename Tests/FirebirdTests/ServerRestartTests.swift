import Firebird
import Foundation
import Testing

/// The pool across a real restart of the local server. It stops the server, so `scripts/test` runs
/// it alone, naming the control script in `MISLINK_TEST_SERVER_CONTROL`; other runs skip it.
@Suite("Pool survives a server restart", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["MISLINK_TEST_SERVER_CONTROL"] != nil))
struct ServerRestartTests {
    @Test func poolReplacesAttachmentsAfterRestart() async throws {
        let configuration = TestDatabase.remote("restart")
        let setup = try await FirebirdConnection.create(configuration)
        try await setup.close()
        let pool = FirebirdPool(configuration: configuration, options: .init(maxConnections: 3, pingAfterIdle: .zero))
        let before = try await pool.withConnection { try await $0.query("SELECT 1 FROM RDB$DATABASE").count }
        #expect(before == 1)
        try control("restart")
        // The idle attachment is dead now; the pool must notice and attach again. A server that has
        // just opened its port may still refuse the first attach for a moment: retry for up to 15 s.
        var after: Int?
        var lastError: (any Error)?
        let deadline = ContinuousClock.now + .seconds(15)
        while after == nil, ContinuousClock.now < deadline {
            do {
                after = try await pool.withConnection { try await $0.query("SELECT 2 FROM RDB$DATABASE")[0].decode(Int.self, at: 0) }
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        #expect(after == 2, "\(lastError.map { "\($0)" } ?? "")")
        #expect(await pool.connectionCount == 1)
        await pool.shutdown()
        let cleanup = try FirebirdAttachment.open(configuration)
        try cleanup.drop()
    }

    func control(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MISLINK_TEST_SERVER_CONTROL"]!)
        process.arguments = [command]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
