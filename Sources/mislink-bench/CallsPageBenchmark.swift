import ArgumentParser
import Firebird
import Foundation
import MisLinkHTTP
import MisLinkProfiles
import MisLinkServer
import MisLinkSettings

/// `mislink-bench calls-page`: the console's call-log page over a large log. Fills `MISLINK_CALLS` with
/// `--calls` calls over the past year in big PSQL transactions, with the mix a clinic has (in, out and
/// internal; answered, missed, abandoned, not reached; the demo's patients with their own numbers; the
/// demo's operators; missed calls waiting or called back), starts the worker on it, and times
/// `GET /api/v1/calls` through it: the first page, a filtered page (type, result and a month), a phone,
/// a patient's name (a common surname, and one patient's full name), and an operator's name. Prints p50,
/// p99 and max per shape over `--requests` runs after one that warms the cache.
struct CallsPageBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls-page", abstract: "The console's call-log page (names, name filters) over a large log.")

    @Option(help: "Calls in the log.") var calls = 1_000_000
    @Option(help: "Requests per query shape.") var requests = 100
    @Option(help: "Demo patients in the new database.") var patients = 20_000
    @Option(help: "Folder for the temporary database.") var directory = "/tmp"
    @Flag(help: "Keep the database (its path is printed) to look at the plans.") var keep = false

    func run() async throws {
        let bench = try await BenchWorker.prepare("calls-page", directory: directory, patients: patients)
        defer { if !keep { bench.cleanUp() } }
        let worker = bench.worker
        let profile = try MISProfile(directory: try MISProfile.resolve(MISProfile.defaultName))
        let connection = try await FirebirdConnection.connect(worker.databaseConfiguration)
        let people = try await Self.prepareCallers(connection, profile: profile)
        let clock = ContinuousClock()
        let started = clock.now
        let chunk = 100_000
        for first in stride(from: 0, to: calls, by: chunk) {
            try await connection.execute(Self.fill(from: first, count: min(chunk, calls - first), callers: people.callers,
                                                   operators: people.operators.count))
            FileHandle.standardError.write(Data("  \(min(first + chunk, calls)) calls\n".utf8))
        }
        let fill = clock.now - started
        // As a database that has lived (or been restored) has them: the indexes' selectivity of the filled log.
        for index in ["MISLINK_CALLS_STARTED_IX", "MISLINK_CALLS_PHONE_IX", "MISLINK_CALLS_PATIENT_IX", "MISLINK_CALLS_OPERATOR_IX",
                      "MISLINK_CALLS_STATUS_IX"] {
            try await connection.execute(FirebirdQuery(unsafeSQL: "SET STATISTICS INDEX \(index)"))
        }
        try await connection.close()
        print("calls \(calls) patients \(people.callers) operators \(people.operators.count)")
        print(String(format: "fill_s %.1f", CardBenchmark.ms(fill) / 1000))
        if keep { print("database \(worker.settings.database.dsn)") }

        let running = try await worker.start()
        let client = HTTPClient(configuration: .init(maxConcurrentRequests: 1))
        let token = MisLinkSettings.demoSecrets.apiToken
        func percent(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        let shapes = [
            ("first_page", "/api/v1/calls?limit=50"),
            ("filtered", "/api/v1/calls?type=in&result=missed&from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z&limit=50"),
            ("phone", "/api/v1/calls?phone=\(percent("+" + people.phone))&limit=50"),
            ("patient_surname", "/api/v1/calls?patient_name=\(percent(people.surname))&limit=50"),
            ("patient_full_name", "/api/v1/calls?patient_name=\(percent(people.fullName))&limit=50"),
            ("operator_name", "/api/v1/calls?operator_name=\(percent(people.operatorSurname))&limit=50"),
        ]
        for (name, path) in shapes {
            var samples: [Double] = []
            var items = 0
            // One request first, not counted: the pages of the log it reads come into the cache.
            _ = try await client.execute(.get(running.baseURL + path, headers: [(name: "Authorization", value: "Bearer \(token)")]))
            for _ in 0..<requests {
                let t0 = clock.now
                let answer = try await client.execute(.get(running.baseURL + path, headers: [(name: "Authorization", value: "Bearer \(token)")]))
                guard answer.status == 200 else { throw ValidationError("\(path) answered \(answer.status): \(answer.text)") }
                samples.append(CardBenchmark.ms(clock.now - t0))
                items = ((try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["items"] as? [Any])?.count ?? 0
            }
            samples.sort()
            print(String(format: "%@_ms p50 %.2f p99 %.2f max %.2f items %d", name, samples[samples.count / 2],
                         samples[min(samples.count - 1, samples.count * 99 / 100)], samples.last!, items))
        }
        await running.stop()
    }

    /// Who calls: `BENCH_CALLERS` (N, a patient, one of their phone keys) from `MISLINK_PATIENT_PHONES`, and
    /// the operators of the profile's `staff_extensions` in `BENCH_OPERATORS` (N, staff id); the names the
    /// filters look for through `patient_get` and `staff_get`.
    static func prepareCallers(_ connection: FirebirdConnection, profile: MISProfile) async throws
        -> (callers: Int, operators: [Int64], phone: String, surname: String, fullName: String, operatorSurname: String)
    {
        try await connection.withAttachment { db in
            try db.inTransaction {
                try db.executeImmediate(
                    "CREATE TABLE BENCH_CALLERS (N INTEGER NOT NULL PRIMARY KEY, PATIENT_ID BIGINT, PHONE_KEY VARCHAR(20))", in: $0)
                try db.executeImmediate("CREATE TABLE BENCH_OPERATORS (N INTEGER NOT NULL PRIMARY KEY, STAFF_ID BIGINT)", in: $0)
            }
        }
        try await connection.execute("""
            INSERT INTO BENCH_CALLERS (N, PATIENT_ID, PHONE_KEY)
            SELECT ROW_NUMBER() OVER (ORDER BY P.PATIENT_ID) - 1, P.PATIENT_ID, P.PHONE_KEY
              FROM (SELECT PATIENT_ID, MIN(PHONE_KEY) AS PHONE_KEY FROM MISLINK_PATIENT_PHONES GROUP BY PATIENT_ID) P
            """)
        let operators = try await connection.query(try profile.statement("staff_extensions").query([:]))
            .map { try $0.decode(Int64.self, column: "STAFF_ID") }
        let distinct = Array(Set(operators)).sorted()
        guard !distinct.isEmpty else { throw ValidationError("the demo data has no operators with extensions") }
        try await connection.withTransaction { tx in
            for (n, id) in distinct.enumerated() {
                try tx.attachment.execute("INSERT INTO BENCH_OPERATORS (N, STAFF_ID) VALUES (\(n), \(id))", in: tx)
            }
        }
        let count = try await connection.query("SELECT COUNT(*) FROM BENCH_CALLERS")[0].decode(Int.self, at: 0)
        guard count > 0 else { throw ValidationError("the demo data has no patients with phones") }
        let sample = try await connection.query("SELECT PATIENT_ID, PHONE_KEY FROM BENCH_CALLERS WHERE N = \(count / 3)")[0]
        let patient = try sample.decode(Int64.self, column: "PATIENT_ID")
        let name = try await connection.query(try profile.statement("patient_get").query(["patient_id": .bigint(patient)]))
        let fullName = try name.first?.decode(String.self, column: "FULL_NAME") ?? ""
        let staff = try await connection.query(try profile.statement("staff_get").query(["staff_id": .bigint(distinct[0])]))
        let operatorName = try staff.first?.decode(String.self, column: "FULL_NAME") ?? ""
        return (count, distinct, try sample.decode(String.self, column: "PHONE_KEY"),
                String(fullName.split(separator: " ").first ?? ""), fullName, String(operatorName.split(separator: " ").first ?? ""))
    }

    /// `count` calls from the `first`-th, in one EXECUTE BLOCK (one transaction). Each call's numbers come
    /// from a multiplicative hash of its index: direction 70 % in, 25 % out, 5 % internal; an inbound call
    /// answered 75 %, missed 18 %, abandoned 7 % (two thirds of the missed called back later); an outbound
    /// one answered 80 %, else not reached; a patient's own number on 65 % of outside calls; starts over
    /// the year before 2026-11-27, mostly 08:00–20:00.
    static func fill(from first: Int, count: Int, callers: Int, operators: Int) -> FirebirdQuery {
        FirebirdQuery(unsafeSQL: """
            EXECUTE BLOCK AS
            DECLARE I INTEGER = \(first);
            DECLARE H BIGINT;
            DECLARE R INTEGER;
            DECLARE D VARCHAR(8);
            DECLARE RES VARCHAR(12);
            DECLARE P BIGINT;
            DECLARE K VARCHAR(20);
            DECLARE OP BIGINT;
            DECLARE T TIMESTAMP;
            DECLARE TALK INTEGER;
            BEGIN
              WHILE (I < \(first + count)) DO BEGIN
                H = MOD(CAST(I AS BIGINT) * 2654435761, 4294967296);
                R = MOD(H, 100);
                D = IIF(R < 70, 'in', IIF(R < 95, 'out', 'internal'));
                R = MOD(H / 100, 100);
                RES = IIF(D = 'in', IIF(R < 75, 'answered', IIF(R < 93, 'missed', 'abandoned')),
                          IIF(D = 'out', IIF(R < 80, 'answered', 'not_reached'), 'answered'));
                P = NULL;
                K = NULL;
                IF (D <> 'internal') THEN
                BEGIN
                  IF (MOD(H / 10000, 100) < 65) THEN
                    SELECT PATIENT_ID, PHONE_KEY FROM BENCH_CALLERS WHERE N = MOD(CAST(:I AS BIGINT) * 7919, \(callers)) INTO :P, :K;
                  ELSE
                    K = '7999' || LPAD(MOD(H / 1000, 10000000), 7, '0');
                END
                SELECT STAFF_ID FROM BENCH_OPERATORS WHERE N = MOD(:H / 7, \(operators)) INTO :OP;
                T = DATEADD(SECOND, MOD(H / 3, 43200) + 28800,
                      DATEADD(DAY, -MOD(H / 11, 365), TIMESTAMP '2026-11-27 00:00:00'));
                T = DATEADD(MINUTE, -180, T);
                TALK = IIF(RES = 'answered', 30 + MOD(H / 13, 600), 0);
                INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, RESULT, STATUS, FROM_NUMBER, TO_NUMBER, PHONE_KEY,
                    PATIENT_ID, PATIENT_MATCH, OPERATOR_ID, ANSWERED_BY_ID, STARTED_AT, ANSWERED_AT, ENDED_AT, WAIT_SEC,
                    TALK_SEC, DURATION_SEC, CALLED_BACK_AT, CREATED_AT, UPDATED_AT)
                VALUES ('bench-' || :I, :D, 'ended', :RES,
                    IIF(:RES = 'missed', IIF(MOD(:H / 17, 3) = 0, 'to_call_back', 'called_back'), NULL),
                    IIF(:D = 'out', NULL, :K), IIF(:D = 'out', :K, NULL), :K, :P, IIF(:P IS NULL, NULL, 'PHONE_MOBILE'),
                    IIF(:D = 'in' AND :RES = 'abandoned', NULL, :OP), IIF(:RES = 'answered', :OP, NULL), :T,
                    IIF(:RES = 'answered', DATEADD(SECOND, 8, :T), NULL), DATEADD(SECOND, 8 + :TALK, :T), 8, :TALK, 8 + :TALK,
                    IIF(:RES = 'missed' AND MOD(:H / 17, 3) <> 0, DATEADD(HOUR, 1, :T), NULL), :T, :T);
                I = I + 1;
              END
            END
            """)
    }
}
