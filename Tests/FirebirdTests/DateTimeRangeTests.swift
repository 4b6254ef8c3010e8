import Firebird
import Foundation
import Testing

/// Times and dates from outside (webhooks, query strings, JSON bodies) never trap: out of Firebird's
/// range (0001-01-01 … 9999-12-31) they are refused by the `exactly` initializers and clamped by the
/// documented non-failable one.
@Suite("Dates and times out of Firebird's range")
struct DateTimeRangeTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let moscow = TimeZone(identifier: "Europe/Moscow")!

    /// Epoch seconds a webhook can carry: `1e300`, ±1e20, NaN, infinities, and one second past each end.
    static let outside: [Double] = [1e300, -1e300, 1e20, -1e20, .nan, .infinity, -.infinity, 253_402_300_800, -62_135_596_801]

    @Test(arguments: outside)
    func instantsOutOfRangeAreRefusedNotTrapped(seconds: Double) {
        let instant = Date(timeIntervalSince1970: seconds)
        #expect(FirebirdTimestamp(exactly: instant, in: Self.utc) == nil)
        if !seconds.isFinite || abs(seconds) >= 1e20 {
            #expect(FirebirdTimestamp(exactly: instant, in: Self.moscow) == nil)
        }
        // The non-failable initializer clamps to the nearer end (NaN to the first).
        let clamped = FirebirdTimestamp(instant, in: Self.utc)
        #expect(clamped == (seconds > 0 ? FirebirdTimestamp.max : FirebirdTimestamp.min))
    }

    @Test func theEndsOfTheRangeAreExact() {
        #expect(FirebirdDate.min.iscDate == -678_575 && FirebirdDate.max.iscDate == 2_973_483)
        #expect(FirebirdTimestamp.min.description == "0001-01-01 00:00:00.0000")
        #expect(FirebirdTimestamp.max.description == "9999-12-31 23:59:59.9999")
        let first = Date(timeIntervalSince1970: -62_135_596_800)
        let last = Date(timeIntervalSince1970: 253_402_300_799)
        #expect(FirebirdTimestamp(exactly: first, in: Self.utc) == .min)
        #expect(FirebirdTimestamp(exactly: last, in: Self.utc)?.description == "9999-12-31 23:59:59.0000")
        // In Moscow (UTC+3) the last UTC hours of 9999 are already 10000: refused there, clamped by the other.
        #expect(FirebirdTimestamp(exactly: last, in: Self.moscow) == nil)
        #expect(FirebirdTimestamp(last, in: Self.moscow) == .max)
        #expect(FirebirdTimestamp(exactly: Date(timeIntervalSince1970: 1_795_761_000), in: Self.moscow)?.description
            == "2026-11-27 09:30:00.0000")
    }

    @Test func partsOutOfRangeNeverTrap() {
        #expect(FirebirdDate(exactly: 0, month: 1, day: 1) == nil)
        #expect(FirebirdDate(exactly: 10_000, month: 1, day: 1) == nil)
        #expect(FirebirdDate(exactly: 2023, month: 2, day: 29) == nil)
        #expect(FirebirdDate(exactly: 2024, month: 2, day: 29) != nil)
        #expect(FirebirdDate(exactly: 2024, month: 13, day: 1) == nil)
        #expect(FirebirdTime(exactly: 24, minute: 0, second: 0) == nil)
        #expect(FirebirdTime(exactly: -1, minute: 0, second: 0) == nil)
        #expect(FirebirdTime(exactly: 0, minute: 0, second: 0, fraction: 10_000) == nil)
        // The unchecked initializers clamp instead of trapping.
        #expect(FirebirdDate(year: .max, month: .max, day: .max).iscDate == Int32.max)
        #expect(FirebirdDate(year: .min, month: .min, day: .min).iscDate == Int32.min)
        #expect(!FirebirdDate(year: .max, month: 1, day: 1).isInFirebirdRange)
        #expect(FirebirdTime(hour: -1, minute: 0, second: 0).fractions == 0)
        #expect(FirebirdTime(hour: .max, minute: .max, second: .max, fraction: .max).fractions == UInt32.max)
    }

    @Test(arguments: [
        "0000-01-01", "10000-01-01", "2024-02-30", "2023-02-29", "-5-01-01", "9223372036854775807-01-01", "2024-1e3-01",
        "2024-01-01 -1:00", "2024-01-01 24:00", "2024-01-01 12:60", "2024-01-01 12:00:60", "2024-01-01 12:00:00.-5",
        "2024-01-01 12:00:00.", "2024-01-01 +1:00", "2024-01-01 12:00:00.5.5", "2024-01-01 ١٢:00",
    ])
    func textsOutOfRangeDoNotParse(text: String) {
        #expect(FirebirdTimestamp(text) == nil)
        #expect(FirebirdDate(text) == nil)
    }

    @Test func textsInRangeStillParse() {
        #expect(FirebirdTimestamp("0001-01-01 00:00")?.date == .min)
        #expect(FirebirdTimestamp("9999-12-31T23:59:59.99999") == .max)
        #expect(FirebirdTimestamp("2024-02-29 09:05:07.12")?.description == "2024-02-29 09:05:07.1200")
        #expect(FirebirdTime("9:5")?.description == "09:05:00.0000")
        let decoded = try? JSONDecoder().decode([FirebirdDate].self, from: Data(#"["2024-02-29"]"#.utf8))
        #expect(decoded?.first?.description == "2024-02-29")
        #expect((try? JSONDecoder().decode([FirebirdDate].self, from: Data(#"["99999999999-01-01"]"#.utf8))) == nil)
    }

    /// The ends are what a real Firebird stores and gives back.
    @Test func theEndsRoundTripThroughFirebird() throws {
        try TestDatabase.withDatabase { attachment in
            try TestDatabase.ddl(attachment, "CREATE TABLE T (TS TIMESTAMP, D DATE)")
            try attachment.inTransaction { transaction in
                for stamp in [FirebirdTimestamp.min, FirebirdTimestamp.max] {
                    _ = try attachment.execute(
                        FirebirdQuery(unsafeSQL: "INSERT INTO T (TS, D) VALUES (?, ?)", bindings: [.timestamp(stamp), .date(stamp.date)]),
                        in: transaction)
                }
            }
            let rows = try attachment.query(FirebirdQuery(unsafeSQL: "SELECT TS, D FROM T ORDER BY TS"))
            #expect(try rows.map { try $0.decode(FirebirdTimestamp.self, at: 0) } == [.min, .max])
            #expect(try rows.map { try $0.decode(FirebirdDate.self, at: 1) } == [.min, .max])
        }
    }
}
