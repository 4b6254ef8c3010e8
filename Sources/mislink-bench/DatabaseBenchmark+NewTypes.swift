import ArgumentParser
import Firebird
import Foundation

/// The Firebird 4+ part of `mislink-bench db`: on an engine that has them, insert `rows` rows of
/// INT128, NUMERIC(38,4), DECFLOAT(16), DECFLOAT(34) and TIMESTAMP WITH TIME ZONE (a region) through one
/// prepared statement, then fetch them all as ``FirebirdValue``s (the 128-bit integer, the DPD
/// decoding and the zone lookup on every row). Skipped, with the engine named, on Firebird 3.
extension DatabaseBenchmark {
    struct NewTypeFigures {
        var server: FirebirdServerInfo
        var insert: Double?
        var fetch: Double?
    }

    func runNewTypes() throws -> NewTypeFigures {
        let db = try FirebirdAttachment.create(FirebirdConfiguration(database: "\(directory)/mislink-bench-fb4-\(getpid()).fdb"))
        defer { try? db.drop() }
        let server = try db.serverInfo()
        guard server.hasFirebird4Types else { return NewTypeFigures(server: server) }
        try db.inTransaction { tx in
            try db.executeImmediate(
                "CREATE TABLE NEW_TYPES (ID INTEGER NOT NULL, I128 INT128, N38 NUMERIC(38,4), DF16 DECFLOAT(16), DF34 DECFLOAT(34), TSTZ TIMESTAMP WITH TIME ZONE)",
                in: tx)
        }
        let moscow = FirebirdTimeZone(name: "Europe/Moscow")!
        let base = FirebirdTimestamp(year: 2026, month: 12, day: 7, hour: 9)
        var clock = ContinuousClock.now
        let insertTx = try db.beginTransaction(TransactionOptions(isolation: .snapshot))
        let insert = try db.prepare("INSERT INTO NEW_TYPES (ID, I128, N38, DF16, DF34, TSTZ) VALUES (?, ?, ?, ?, ?, ?)", in: insertTx)
        for i in 1...rows {
            let big = Int128(i) * 1_000_000_000_000_000_000_000
            try insert.execute(
                [.integer(Int32(clamping: i)), .int128(big), .decimal(FirebirdDecimal(significand: big + 1234, scale: -4)),
                 .decfloat(FirebirdDecFloat(coefficient: UInt128(i) * 101, exponent: -2)),
                 .decfloat(FirebirdDecFloat(isNegative: true, coefficient: UInt128(big), exponent: -10)),
                 .timestampTZ(FirebirdTimestampTZ(utc: base, zone: moscow))],
                in: insertTx)
        }
        try insertTx.commit()
        let insertRate = Double(rows) / Self.seconds(since: clock)

        clock = .now
        let fetchTx = try db.beginTransaction(.readOnly)
        let select = try db.prepare("SELECT I128, N38, DF16, DF34, TSTZ FROM NEW_TYPES", in: fetchTx)
        try select.execute(in: fetchTx)
        var fetched = 0
        var checksum = 0
        while try select.fetch() {
            for index in 0..<5 {
                switch select.value(index) {
                case .int128(let v): checksum &+= Int(truncatingIfNeeded: v)
                case .decimal(let v): checksum &+= v.scale
                case .decfloat(let v): checksum &+= v.exponent
                case .timestampTZ(let v): checksum &+= v.offsetMinutes
                default: checksum &-= 1_000_000
                }
            }
            fetched += 1
        }
        try fetchTx.commit()
        let fetchRate = Double(fetched) / Self.seconds(since: clock)
        guard fetched == rows, checksum != 0 else { throw ValidationError("fetched \(fetched) of \(rows) Firebird 4 rows") }
        return NewTypeFigures(server: server, insert: insertRate, fetch: fetchRate)
    }

    func printNewTypes(_ figures: NewTypeFigures) {
        print("engine \(figures.server)")
        guard let insert = figures.insert, let fetch = figures.fetch else {
            print("fb4_types skipped: Firebird \(figures.server.majorMinor) has no INT128, DECFLOAT or time zone types")
            return
        }
        print("fb4_types_insert_rows_per_s \(Int(insert))")
        print("fb4_types_fetch_rows_per_s \(Int(fetch))")
    }
}
