import Firebird
import Foundation
import Testing

@Suite("Values without a server")
struct ValueUnitTests {
    @Test(arguments: [
        ("12.3456", 123_456, -4), ("-0.05", -5, -2), ("7", 7, 0), ("+1.", 1, 0), (".5", 5, -1),
        ("-99999999999999.9999", -999_999_999_999_999_999, -4),
    ])
    func parsesDecimalsExactly(text: String, unscaled: Int64, scale: Int) {
        #expect(FirebirdDecimal(text) == FirebirdDecimal(unscaled: unscaled, scale: scale))
    }

    @Test func rejectsBadDecimals() {
        for text in ["", "-", "1.2.3", "1e5", "abc", "1" + String(repeating: "0", count: 39)] { #expect(FirebirdDecimal(text) == nil, "\(text)") }
    }

    @Test func rescalesWithFirebirdRounding() {
        #expect(FirebirdDecimal("1.23456")!.rescaled(to: -4)?.description == "1.2346")
        #expect(FirebirdDecimal("-1.23455")!.rescaled(to: -4)?.description == "-1.2346")
        #expect(FirebirdDecimal("2.5")!.rescaled(to: -3)?.description == "2.500")
        #expect(FirebirdDecimal(significand: .max, scale: 0).rescaled(to: -1) == nil)
        #expect(FirebirdDecimal(unscaled: .max, scale: 0).rescaled(to: -1)?.description == "9223372036854775807.0")
        #expect(FirebirdDecimal(unscaled: -5, scale: -3).description == "-0.005")
        #expect(FirebirdDecimal("12.30")!.decimal == Decimal(string: "12.3"))
    }

    @Test func datesMatchFirebirdsEpoch() {
        #expect(FirebirdDate(iscDate: 0) == FirebirdDate(year: 1858, month: 11, day: 17))
        #expect(FirebirdDate(year: 1970, month: 1, day: 1).iscDate == 40587)
        for day in stride(from: -678_575, through: 2_973_483, by: 997) {  // 0001-01-01 … 9999-12-31
            #expect(FirebirdDate(iscDate: Int32(day)).iscDate == Int32(day))
        }
        #expect(FirebirdDate(year: 2024, month: 2, day: 29).description == "2024-02-29")
        #expect(FirebirdTime(hour: 9, minute: 5, second: 7, fraction: 12).description == "09:05:07.0012")
    }

    @Test func timestampsConvertOnlyAtTheEdgesWithAZone() {
        let moscow = TimeZone(identifier: "Europe/Moscow")!
        let stamp = FirebirdTimestamp(year: 2026, month: 11, day: 27, hour: 9, minute: 30)
        let instant = stamp.date(in: moscow)
        #expect(instant.timeIntervalSince1970 == 1_795_761_000)  // 06:30 UTC
        #expect(FirebirdTimestamp(instant, in: moscow) == stamp)
        #expect(FirebirdTimestamp(instant, in: TimeZone(identifier: "UTC")!).time.hour == 6)
        #expect(FirebirdTimestamp("2026-11-27T09:30:00") == stamp)
    }

    @Test func win1251EncodesRussianAndRefusesEmoji() {
        let text = "Ёжик в тумане №5 — «да»"
        let bytes = FirebirdCharset.win1251.encode(text)!
        #expect(bytes.count == text.count)
        #expect(bytes.withUnsafeBytes { FirebirdCharset.win1251.decode($0) } == text)
        #expect(FirebirdCharset.win1251.encode("😀") == nil)
    }

    @Test func dsnParsing() {
        #expect(FirebirdDSN("/var/db/a.fdb").isEmbedded)
        let remote = FirebirdDSN("db.clinic.local/3051:/srv/mis.fdb")
        #expect(remote.host == "db.clinic.local" && remote.port == 3051 && remote.path == "/srv/mis.fdb")
        #expect(FirebirdDSN("localhost:mis").description == "localhost:mis")
        #expect(FirebirdDSN("C:\\db\\mis.fdb").isEmbedded)
    }

    @Test func errorsRedactArguments() {
        let error = FirebirdError(
            code: .uniqueViolation, message: "violation of PRIMARY or UNIQUE KEY", gdsCodes: [335_544_665],
            sqlCode: -803, sqlState: "23000", sql: "INSERT INTO P (PHONE) VALUES (?)", arguments: [.text("+79171234567")])
        #expect(!error.description.contains("79171234567"))
        #expect(error.description.contains("1 argument(s) redacted"))
        #expect(error.debugDescription.contains("79171234567"))
        #expect(FirebirdError.Code.uniqueViolation ~= error)
    }
}
