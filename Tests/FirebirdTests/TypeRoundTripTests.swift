import Firebird
import Foundation
import Testing

@Suite("Every Firebird 3 type round-trips, with NULL and extremes (embedded)")
struct TypeRoundTripTests {
    static let table = """
        CREATE TABLE ALL_TYPES (
            ID INTEGER NOT NULL PRIMARY KEY,
            SMALL SMALLINT, INT_ INTEGER, BIG BIGINT,
            NUM NUMERIC(18,4), DEC_ DECIMAL(9,2), NUM4 NUMERIC(4,1),
            FLT FLOAT, DBL DOUBLE PRECISION,
            CH CHAR(5), VC VARCHAR(50), VC_NONE VARCHAR(20) CHARACTER SET NONE, VC_OCT VARCHAR(8) CHARACTER SET OCTETS,
            D DATE, T TIME, TS TIMESTAMP, B BOOLEAN,
            BT BLOB SUB_TYPE TEXT, BB BLOB SUB_TYPE BINARY
        )
        """

    static let columns = "ID, SMALL, INT_, BIG, NUM, DEC_, NUM4, FLT, DBL, CH, VC, VC_NONE, VC_OCT, D, T, TS, B, BT, BB"

    func roundTrip(_ values: [FirebirdValue]) throws -> [FirebirdValue] {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(db, Self.table)
            return try db.inTransaction { tx in
                let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
                let insert = try db.prepare("INSERT INTO ALL_TYPES (\(Self.columns)) VALUES (\(placeholders))", in: tx)
                try insert.execute(values, in: tx)
                #expect(try insert.rowCounts().inserted == 1)
                let rows = try db.query(FirebirdQuery(unsafeSQL: "SELECT \(Self.columns) FROM ALL_TYPES"), in: tx)
                #expect(rows.count == 1)
                return rows.first.map { Array($0.values) } ?? []
            }
        }
    }

    @Test func extremesRoundTrip() throws {
        let megabyte = (0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let longText = String(repeating: "Пациент 😀 ", count: 40_000)
        let values: [FirebirdValue] = [
            .integer(1), .smallint(.min), .integer(.max), .bigint(.min),
            .decimal(FirebirdDecimal("99999999999999.9999")!), .decimal(FirebirdDecimal("-1234567.89")!),
            .decimal(FirebirdDecimal("-999.9")!),
            .float(1.5), .double(-2.2250738585072014e-308),
            .text("абв"), .text("Иванова Анна Петровна 😀"), .text("Щука"), .bytes([0, 1, 2, 255]),
            .date(FirebirdDate(year: 1858, month: 11, day: 17)), .time(FirebirdTime(hour: 23, minute: 59, second: 59, fraction: 9999)),
            .timestamp(FirebirdTimestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, fraction: 9999)),
            .boolean(true), .text(longText), .bytes(megabyte),
        ]
        let back = try roundTrip(values)
        #expect(back.count == values.count)
        for (index, (sent, received)) in zip(values, back).enumerated() {
            #expect(sent == received, "column \(index)")
        }
        // CHAR(5) comes back without its padding.
        #expect(back[9] == .text("абв"))
    }

    @Test func bigintMaxAndSmallintMax() throws {
        var values = [FirebirdValue](repeating: .null, count: 19)
        values[0] = .integer(2)
        values[1] = .smallint(.max)
        values[2] = .integer(.min)
        values[3] = .bigint(.max)
        values[4] = .decimal(FirebirdDecimal("-99999999999999.9999")!)
        let back = try roundTrip(values)
        #expect(back[1] == .smallint(.max))
        #expect(back[2] == .integer(.min))
        #expect(back[3] == .bigint(.max))
        #expect(back[4] == .decimal(FirebirdDecimal(unscaled: -999_999_999_999_999_999, scale: -4)))
    }

    @Test func nullInEveryColumn() throws {
        var values = [FirebirdValue](repeating: .null, count: 19)
        values[0] = .integer(3)
        let back = try roundTrip(values)
        #expect(back.dropFirst().allSatisfy { $0.isNull })
    }

    @Test func numericIsExactNeverThroughDouble() throws {
        // 0.1 + 0.2 style values and 18 significant digits: a Double would change them.
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(db, "CREATE TABLE N (V NUMERIC(18,4))")
            try db.inTransaction { tx in
                let insert = try db.prepare("INSERT INTO N (V) VALUES (?)", in: tx)
                let inputs: [FirebirdValue] = [
                    .decimal(FirebirdDecimal("12345678901234.5678")!), .text("0.1"), Decimal(string: "0.2")!.firebirdValue,
                    .integer(7), .decimal(FirebirdDecimal("1.23456")!),
                ]
                for value in inputs { try insert.execute([value], in: tx) }
                let sum = try db.queryValue("SELECT SUM(V) FROM N", as: FirebirdDecimal.self, in: tx)
                #expect(sum?.description == "12345678901243.1024")
                let values = try db.query("SELECT V FROM N ORDER BY V", in: tx).map { try $0.decode(Decimal.self, at: 0) }
                #expect(values.map(\.description) == ["0.1", "0.2", "1.2346", "7", "12345678901234.5678"])
            }
        }
    }

    @Test func decodableRecordsAndEncodableParameters() throws {
        struct Patient: Decodable, Equatable {
            var id: Int
            var fullName: String
            var birthDate: FirebirdDate?
            var balance: Decimal
        }
        enum Channel: String, Encodable { case whatsapp }
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(
                db, "CREATE TABLE P (ID INTEGER, FULL_NAME VARCHAR(100), BIRTH_DATE DATE, BALANCE NUMERIC(12,2), CHANNEL VARCHAR(16))")
            try db.inTransaction { tx in
                let channel = try FirebirdValue(encoding: Channel.whatsapp)
                try db.execute(
                    "INSERT INTO P VALUES (\(1), \("Петров Пётр"), \(FirebirdDate(year: 1980, month: 2, day: 29)), \(Decimal(string: "10.50")!), \(channel))",
                    in: tx)
                try db.execute("INSERT INTO P VALUES (\(2), \("Ли"), \(nil as FirebirdDate?), \(0), \(channel))", in: tx)
                let patients = try db.query("SELECT * FROM P ORDER BY ID", as: Patient.self, in: tx)
                #expect(
                    patients == [
                        Patient(id: 1, fullName: "Петров Пётр", birthDate: FirebirdDate(year: 1980, month: 2, day: 29), balance: Decimal(string: "10.5")!),
                        Patient(id: 2, fullName: "Ли", birthDate: nil, balance: 0),
                    ])
                #expect(try db.queryValue("SELECT CHANNEL FROM P WHERE ID = \(2)", as: String.self, in: tx) == "whatsapp")
            }
        }
    }
}
