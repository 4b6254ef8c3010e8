import ArgumentParser
import Firebird
import FirebirdMigrations
import Foundation
import Logging
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings

/// `mislink-bench calls`: the call-log API over a large log. Fills `MISLINK_CALLS` with `--calls`
/// calls spread over a year (PSQL, in the database), starts the worker on it, and times pages of
/// `GET /api/v1/calls` over real HTTP for the screens' usual filters, first pages and deep ones.
struct CallLogBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls", abstract: "GET /api/v1/calls page times over a large call log.")

    @Option(help: "Calls in the log.") var calls = 1_000_000
    @Option(help: "Requests per query shape.") var requests = 200
    @Option(help: "Folder for the temporary database.") var directory = "/tmp"

    func run() async throws {
        let bench = try await BenchWorker.prepare("calls", directory: directory, patients: 20_000)
        defer { bench.cleanUp() }
        let worker = bench.worker

        let clock = ContinuousClock()
        let started = clock.now
        let connection = try await FirebirdConnection.connect(worker.databaseConfiguration)
        let chunk = 50_000
        for first in stride(from: 0, to: calls, by: chunk) {
            let count = min(chunk, calls - first)
            try await connection.execute(FirebirdQuery(unsafeSQL: """
                EXECUTE BLOCK AS
                DECLARE I INTEGER = \(first);
                DECLARE R INTEGER;
                BEGIN
                  WHILE (I < \(first + count)) DO BEGIN
                    R = MOD(I * 7919, 100);
                    INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, RESULT, FROM_NUMBER, PHONE_KEY, PATIENT_ID,
                        OPERATOR_ID, STARTED_AT, ENDED_AT, TALK_SEC, CREATED_AT, UPDATED_AT)
                    VALUES ('bench-' || :I, IIF(:R < 70, 'in', IIF(:R < 95, 'out', 'internal')), 'ended',
                        IIF(:R < 55, 'answered', IIF(:R < 70, 'missed', 'answered')),
                        '7916' || LPAD(MOD(:I, 200000), 7, '0'), '7916' || LPAD(MOD(:I, 200000), 7, '0'),
                        IIF(MOD(:I, 3) = 0, NULL, MOD(:I, 20000) + 1), MOD(:I, 40) + 1,
                        DATEADD(SECOND, -MOD(:I * 31, 31536000), TIMESTAMP '2026-11-27 00:00:00'),
                        DATEADD(SECOND, 60 - MOD(:I * 31, 31536000), TIMESTAMP '2026-11-27 00:00:00'), 60,
                        CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
                    I = I + 1;
                  END
                END
                """))
            FileHandle.standardError.write(Data("  \(first + count) calls\n".utf8))
        }
        try await connection.close()
        print("calls \(calls)")
        print(String(format: "fill_s %.1f", Double((clock.now - started).components.seconds)))

        let running = try await worker.start()
        let client = HTTPClient(configuration: .init(maxConcurrentRequests: 1))
        let token = MisLinkSettings.demoSecrets.apiToken
        let shapes = [
            ("first_page", "/api/v1/calls?limit=50"),
            ("missed_inbound", "/api/v1/calls?type=in&result=missed&limit=50"),
            ("by_phone", "/api/v1/calls?phone=8%20(916)%20000-12-34&limit=50"),
            ("by_operator", "/api/v1/calls?operator=7&limit=50"),
            ("by_patient", "/api/v1/calls?patient=1234&limit=50"),
            ("one_day", "/api/v1/calls?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z&limit=50"),
        ]
        for (name, path) in shapes {
            var samples: [Double] = []
            for _ in 0..<requests {
                let t0 = clock.now
                let answer = try await client.execute(.get(running.baseURL + path, headers: [(name: "Authorization", value: "Bearer \(token)")]))
                guard answer.status == 200 else { throw ValidationError("\(path) answered \(answer.status)") }
                let elapsed = clock.now - t0
                samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            }
            samples.sort()
            print(String(format: "%@_ms p50 %.2f p99 %.2f max %.2f", name, samples[samples.count / 2],
                         samples[min(samples.count - 1, samples.count * 99 / 100)], samples.last!))
        }
        // Deep paging: follow next_cursor 200 pages into the log.
        var cursor: String?
        var deep: [Double] = []
        for _ in 0..<200 {
            let t0 = clock.now
            let answer = try await client.execute(.get(
                running.baseURL + "/api/v1/calls?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""),
                headers: [(name: "Authorization", value: "Bearer \(token)")]))
            let elapsed = clock.now - t0
            deep.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            cursor = (try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["next_cursor"] as? String
            if cursor == nil { break }
        }
        deep.sort()
        print(String(format: "paging_ms p50 %.2f p99 %.2f max %.2f", deep[deep.count / 2], deep[min(deep.count - 1, deep.count * 99 / 100)], deep.last!))
        await running.stop()
    }
}
