import ArgumentParser
import CFirebirdBench
import Firebird
import Foundation

/// `mislink-bench db`: the Firebird wrapper against the same workload in plain C (issue #2).
///
/// On an embedded UTF8 database: insert `rows` rows through one prepared statement in one
/// transaction; fetch them all decoding three columns; `lookups` prepared lookups by PHONE_NORM.
/// The C side is `Sources/CFirebirdBench/fbbench.c`; both time the same spans (see fbbench.h).
/// On Firebird 4+ it also times the newer types (`DatabaseBenchmark+NewTypes.swift`).
struct DatabaseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Swift wrapper vs plain C over libfbclient: insert, fetch, lookup.")

    @Option(help: "Rows to insert and fetch.") var rows = 100_000
    @Option(help: "Prepared lookups by PHONE_NORM.") var lookups = 20_000
    @Option(help: "Folder for the temporary database files.") var directory = "/tmp"
    @Option(help: "Runs of each side; the best run is printed.") var runs = 3

    func validate() throws {
        guard (1...9_999_999).contains(rows) else { throw ValidationError("--rows must be 1 … 9999999") }
        guard (1...100_000_000).contains(lookups) else { throw ValidationError("--lookups must be 1 … 100000000") }
        guard runs >= 1 else { throw ValidationError("--runs must be positive") }
    }

    func run() throws {
        var swift = Figures(insert: 0, fetch: 0, lookup: .infinity)
        var c = Figures(insert: 0, fetch: 0, lookup: .infinity)
        for run in 1...runs {
            // Alternate the order so neither side always runs on a warmer cache.
            let order = run % 2 == 1 ? [true, false] : [false, true]
            for isSwift in order {
                let figures = isSwift ? try runSwift() : try runC()
                if isSwift { swift = swift.best(figures) } else { c = c.best(figures) }
            }
        }
        print("insert_rows_per_s \(Int(swift.insert))")
        print("fetch_rows_per_s \(Int(swift.fetch))")
        print(String(format: "lookup_us %.2f", swift.lookup))
        print("c_insert_rows_per_s \(Int(c.insert))")
        print("c_fetch_rows_per_s \(Int(c.fetch))")
        print(String(format: "c_lookup_us %.2f", c.lookup))
        print(String(format: "ratio_insert %.2f", swift.insert / c.insert))
        print(String(format: "ratio_fetch %.2f", swift.fetch / c.fetch))
        print(String(format: "ratio_lookup %.2f", c.lookup / swift.lookup))
        var newTypes = try runNewTypes()
        for _ in 1..<runs where newTypes.server.hasFirebird4Types {
            let next = try runNewTypes()
            newTypes.insert = max(newTypes.insert ?? 0, next.insert ?? 0)
            newTypes.fetch = max(newTypes.fetch ?? 0, next.fetch ?? 0)
        }
        printNewTypes(newTypes)
    }

    struct Figures {
        var insert: Double
        var fetch: Double
        var lookup: Double
        func best(_ other: Figures) -> Figures {
            Figures(insert: max(insert, other.insert), fetch: max(fetch, other.fetch), lookup: min(lookup, other.lookup))
        }
    }

    private func path(_ side: String) -> String {
        "\(directory)/mislink-bench-\(side)-\(getpid())-\(UUID().uuidString.prefix(6)).fdb"
    }

    private func runC() throws -> Figures {
        var result = fbbench_result()
        var error = [CChar](repeating: 0, count: 2048)
        let code = fbbench_run(path("c"), Int32(rows), Int32(exactly: lookups) ?? Int32.max, &result, &error, error.count)
        guard code == 0 else { throw ValidationError("C benchmark failed: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))") }
        return Figures(insert: result.insert_rows_per_s, fetch: result.fetch_rows_per_s, lookup: result.lookup_us)
    }

    private func runSwift() throws -> Figures {
        let db = try FirebirdAttachment.create(FirebirdConfiguration(database: path("swift")))
        defer { try? db.drop() }
        try db.inTransaction { tx in
            try db.executeImmediate(
                "CREATE TABLE BENCH_PATIENTS (ID INTEGER NOT NULL PRIMARY KEY, FULL_NAME VARCHAR(120), PHONE VARCHAR(40), PHONE_NORM VARCHAR(20))",
                in: tx)
        }
        try db.inTransaction { try db.executeImmediate("CREATE INDEX IDX_PATIENTS_PHONE_NORM ON BENCH_PATIENTS (PHONE_NORM)", in: $0) }

        // 1. Insert: transaction start … commit, as in fbbench.c.
        var clock = ContinuousClock.now
        let insertTx = try db.beginTransaction(TransactionOptions(isolation: .snapshot))
        let insert = try db.prepare("INSERT INTO BENCH_PATIENTS (ID, FULL_NAME, PHONE, PHONE_NORM) VALUES (?, ?, ?, ?)", in: insertTx)
        for i in 1...rows {
            try insert.execute([.integer(Int32(i)), .text(Self.fullName(i)), .text(Self.phone(i)), .text(Self.phoneNorm(i))], in: insertTx)
        }
        try insertTx.commit()
        let insertRate = Double(rows) / Self.seconds(since: clock)

        // 2. Fetch every row, decoding the columns into Swift values.
        clock = .now
        let fetchTx = try db.beginTransaction(.readOnly)
        let select = try db.prepare("SELECT ID, FULL_NAME, PHONE, PHONE_NORM FROM BENCH_PATIENTS", in: fetchTx)
        try select.execute(in: fetchTx)
        var fetched = 0
        var checksum = 0
        while try select.fetch() {
            let id = select.int32(0) ?? 0
            let name = select.string(1) ?? ""
            let phone = select.string(2) ?? ""
            let norm = select.string(3) ?? ""
            checksum &+= Int(id) &+ name.utf8.count &+ phone.utf8.count &+ norm.utf8.count
            fetched += 1
        }
        try fetchTx.commit()
        let fetchRate = Double(fetched) / Self.seconds(since: clock)
        guard fetched == rows, checksum > 0 else { throw ValidationError("fetched \(fetched) of \(rows) rows") }

        // 3. Lookups: only the loop is timed.
        let lookupTx = try db.beginTransaction(.readOnly)
        let lookup = try db.prepare("SELECT ID, FULL_NAME FROM BENCH_PATIENTS WHERE PHONE_NORM = ?", in: lookupTx)
        var state: UInt64 = 42
        var hits = 0
        clock = .now
        for _ in 0..<lookups {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let key = Int((state >> 33) % UInt64(rows)) + 1
            try lookup.execute([.text(Self.phoneNorm(key))], in: lookupTx)
            if try lookup.fetch(), lookup.int32(0) == Int32(key), lookup.string(1) != nil { hits += 1 }
            try lookup.closeCursor()
        }
        let lookupMicroseconds = Self.seconds(since: clock) * 1_000_000 / Double(lookups)
        try lookupTx.commit()
        guard hits == lookups else { throw ValidationError("\(hits) of \(lookups) lookups hit") }
        return Figures(insert: insertRate, fetch: fetchRate, lookup: lookupMicroseconds)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// The row formulas of fbbench.h.
    static func fullName(_ i: Int) -> String { "Пациентова Анна Петровна \(i)" }

    static func digits7(_ i: Int) -> String {
        let text = String(i)
        return String(repeating: "0", count: max(0, 7 - text.count)) + text
    }

    static func phone(_ i: Int) -> String {
        let d = Array(digits7(i))
        return "+7 (917) \(String(d[0..<3]))-\(String(d[3..<5]))-\(String(d[5..<7]))"
    }

    static func phoneNorm(_ i: Int) -> String { "7917" + digits7(i) }
}
