import Firebird
import Foundation
import Testing

/// Rows read by column name: the exact alias, any case, a camelCase Swift name for a SNAKE_CASE column,
/// a quoted mixed-case alias and a Cyrillic one (the ASCII fast path must give what Unicode's rules give).
@Suite("Columns found by name (embedded)")
struct ColumnLookupTests {
    struct Decoded: Decodable, Equatable {
        var staffId: Int
        var fullName: String
        var appealID: Int?
    }

    @Test func namesAreFoundInEveryCaseAndSpelling() throws {
        try TestDatabase.withDatabase { db in
            try db.inTransaction { tx in
                let rows = try db.query(FirebirdQuery(unsafeSQL: """
                    SELECT 7 AS STAFF_ID, 'Иванова' AS FULL_NAME, 3 AS APPEAL_I_D, 1 AS "MixedCase", 2 AS "Статус", 5 AS "статус2"
                      FROM RDB$DATABASE
                    """), in: tx)
                let row = try #require(rows.first)
                #expect(row["STAFF_ID"] == .integer(7) && row["staff_id"] == .integer(7) && row["Staff_Id"] == .integer(7))
                #expect(row["staffId"] == .integer(7), "camelCase finds SNAKE_CASE")
                #expect(row["appealID"] == .integer(3), "every capital gets its underscore, as before")
                #expect(row["mixedcase"] == .integer(1) && row["MIXEDCASE"] == .integer(1) && row["MixedCase"] == .integer(1))
                #expect(row["статус"] == .integer(2) && row["СТАТУС"] == .integer(2), "Cyrillic by Unicode's case mapping")
                #expect(row["Статус2"] == .integer(5))
                #expect(row["NO_SUCH"] == nil && row["noSuch"] == nil && row[""] == nil)
                #expect(try row.decode(String.self, column: "full_name") == "Иванова")
                #expect(try row.decode(Decoded.self) == Decoded(staffId: 7, fullName: "Иванова", appealID: 3))

                let statement = try db.prepare("SELECT 1 AS FIRST_ONE, 2 AS \"second\" FROM RDB$DATABASE", in: tx)
                #expect(statement.columnIndex(named: "FIRST_ONE") == 0 && statement.columnIndex(named: "first_one") == 0)
                #expect(statement.columnIndex(named: "Second") == 1 && statement.columnIndex(named: "third") == nil)
            }
        }
    }
}
