@testable import Firebird
import Foundation
import Testing

@Suite("Firebird 4+ values without a server: 128-bit decimals, DECFLOAT encodings, time zones")
struct ExtendedValueUnitTests {
    @Test func thirtyEightDigitDecimals() {
        let max = FirebirdDecimal("9999999999999999999999999999999999.9999")!
        #expect(max.significand == FirebirdDecimal.maxSignificand && max.scale == -4)
        #expect(max.description == "9999999999999999999999999999999999.9999")
        #expect(max.unscaled64 == nil)
        #expect(FirebirdDecimal("-170141183460469231731687303715884105728")?.significand == .min)
        #expect(FirebirdDecimal("170141183460469231731687303715884105728") == nil)
        #expect(FirebirdDecimal("-0.00000000000000000000000000000000000001")?.description == "-0.00000000000000000000000000000000000001")
        #expect(FirebirdDecimal("12345678901234567890.12345")!.rescaled(to: -2)?.description == "12345678901234567890.12")
        #expect(FirebirdDecimal(significand: 5, scale: -1).rescaled(to: 0)?.description == "1")
        #expect(FirebirdDecimal(significand: -15, scale: -1).rescaled(to: 0)?.description == "-2")
        #expect(FirebirdDecimal("1.10")! == FirebirdDecimal("1.1")!)
        #expect(FirebirdDecimal("1.10")!.hashValue == FirebirdDecimal("1.1")!.hashValue)
        #expect(FirebirdDecimal("12345678901234567890123456789012345678")!.decimal.description == "12345678901234567890123456789012345678")
        // The 64-bit view of a value that does not fit clamps; unscaled64 says so.
        #expect(max.unscaled == .max)
    }

    /// Every declet the encoder writes decodes back to its three digits (IEEE 754-2008 3.5.2).
    @Test func densePackedDecimalTables() {
        for value in 0..<1000 { #expect(DPD.decode[Int(DPD.encode[value])] == UInt16(value)) }
        // 999 is 0x0FF; 0x3FF is one of the non-canonical declets that also decode to 999.
        #expect(DPD.encode[999] == 0x0FF)
        #expect(DPD.decode[0x3FF] == 999)
        #expect(DPD.encode[5] == 0x005 && DPD.encode[9] == 0x009 && DPD.encode[10] == 0x010)
        #expect(DPD.encode[800] == 0x00C && DPD.encode[123] == 0x0A3)
    }

    /// Bit patterns of IEEE 754 decimal64/decimal128 values, as decNumber writes them.
    @Test(arguments: [
        ("1", 0x2238_0000_0000_0001 as UInt64),
        ("-7.50", 0xA230_0000_0000_03D0),
        ("0", 0x2238_0000_0000_0000),
        ("9.999999999999999E+384", 0x77FC_FF3F_CFF3_FCFF),
        ("1E-398", 0x0000_0000_0000_0001),
        ("Infinity", 0x7800_0000_0000_0000),
        ("-Infinity", 0xF800_0000_0000_0000),
        ("NaN", 0x7C00_0000_0000_0000),
        ("sNaN", 0x7E00_0000_0000_0000),
    ])
    func decimal64Encoding(text: String, bits: UInt64) throws {
        let value = try #require(FirebirdDecFloat(text))
        #expect(value.bits(format: .decimal64) == UInt128(bits))
        let back = FirebirdDecFloat(bits: UInt128(bits), format: .decimal64)
        #expect(back == value)
        #expect(back.description == text)
    }

    @Test func decimal128Encoding() throws {
        let one = try #require(FirebirdDecFloat("1"))
        #expect(one.bits(format: .decimal128) == UInt128(0x2208_0000_0000_0000) << 64 | 1)
        let max = try #require(FirebirdDecFloat("9.999999999999999999999999999999999E+6144"))
        #expect(max.coefficient == UInt128("9999999999999999999999999999999999")!)
        #expect(max.exponent == 6111)
        let bits = try #require(max.bits(format: .decimal128))
        #expect(bits == UInt128(0x77FF_CFF3_FCFF_3FCF) << 64 | UInt128(0xF3FC_FF3F_CFF3_FCFF))
        #expect(FirebirdDecFloat(bits: bits, format: .decimal128) == max)
        let tiny = try #require(FirebirdDecFloat("1E-6176"))
        #expect(tiny.bits(format: .decimal128) == 1)
        #expect(FirebirdDecFloat("1E-6177")?.bits(format: .decimal128) == nil)
        // 17 digits do not fit DECFLOAT(16): sent as DECFLOAT(34) for the server to round.
        #expect(FirebirdDecFloat("12345678901234567")?.bits(format: .decimal64) == nil)
        #expect(FirebirdDecFloat(String(repeating: "9", count: 35)) == nil)
    }

    @Test func decFloatTextKeepsTheCohort() {
        #expect(FirebirdDecFloat("1.50") != FirebirdDecFloat("1.5"))
        #expect(FirebirdDecFloat("1.50")?.description == "1.50")
        #expect(FirebirdDecFloat("-0")?.description == "-0")
        #expect(FirebirdDecFloat("123E+2")?.description == "1.23E+4")
        #expect(FirebirdDecFloat("0.000001")?.description == "0.000001")
        #expect(FirebirdDecFloat("0.0000001")?.description == "1E-7")
        #expect(FirebirdDecFloat("1.50")?.exactDecimal == FirebirdDecimal("1.50"))
        #expect(FirebirdDecFloat("1.2E+3")?.exactDecimal?.description == "1200")
        #expect(FirebirdDecFloat("Infinity")?.exactDecimal == nil)
    }

    @Test func timeZoneIds() throws {
        #expect(FirebirdTimeZone.gmt.name == "GMT" && FirebirdTimeZone.gmt.id == 65535)
        let moscow = try #require(FirebirdTimeZone(name: "europe/moscow"))
        #expect(moscow.name == "Europe/Moscow" && moscow.isRegion)
        #expect(FirebirdTimeZone(name: "+03:00")?.id == UInt16(1439 + 180))
        #expect(FirebirdTimeZone(name: "-05:30")?.offsetMinutes == -330)
        #expect(FirebirdTimeZone(offsetMinutes: 0)?.name == "+00:00")
        #expect(FirebirdTimeZone(offsetMinutes: 1440) == nil)
        #expect(FirebirdTimeZone(name: "Mars/Olympus") == nil)
        #expect(FirebirdTimeZone(id: 3000) == nil)
        // 638 regions in Firebird 5.0.4's TimeZones.h; the last, America/Coyhaique, is id 64898.
        #expect(FirebirdTimeZone.regionNames.count == 638)
        #expect(FirebirdTimeZone(name: "America/Coyhaique")?.id == UInt16(64898))
    }

    @Test func localAndUTC() throws {
        let moscow = try #require(FirebirdTimeZone(name: "Europe/Moscow"))
        let stamp = FirebirdTimestampTZ(local: FirebirdTimestamp(year: 2026, month: 12, day: 7, hour: 1, minute: 30), zone: moscow)
        #expect(stamp.utc == FirebirdTimestamp(year: 2026, month: 12, day: 6, hour: 22, minute: 30))
        #expect(stamp.offsetMinutes == 180)
        #expect(stamp.description == "2026-12-07 01:30:00.0000 Europe/Moscow")
        let newYork = try #require(FirebirdTimeZone(name: "America/New_York"))
        let summer = FirebirdTimestampTZ(utc: FirebirdTimestamp(year: 2026, month: 7, day: 1, hour: 12), zone: newYork)
        #expect(summer.offsetMinutes == -240 && summer.local.time.hour == 8)
        let time = FirebirdTimeTZ(local: FirebirdTime(hour: 10, minute: 0, second: 0), zone: moscow)
        #expect(time.utc == FirebirdTime(hour: 7, minute: 0, second: 0))
        let early = FirebirdTimeTZ(local: FirebirdTime(hour: 1, minute: 0, second: 0), zone: FirebirdTimeZone(name: "+05:00")!)
        #expect(early.utc == FirebirdTime(hour: 20, minute: 0, second: 0))
        #expect(early.local == FirebirdTime(hour: 1, minute: 0, second: 0))
    }

    @Test func codableAsText() throws {
        struct Record: Codable, Equatable {
            var amount: FirebirdDecFloat
            var at: FirebirdTimestampTZ
            var opens: FirebirdTimeTZ
        }
        let moscow = try #require(FirebirdTimeZone(name: "Europe/Moscow"))
        let record = Record(
            amount: FirebirdDecFloat("-1.50E+10")!,
            at: FirebirdTimestampTZ(local: FirebirdTimestamp(year: 2026, month: 12, day: 7, hour: 10), zone: moscow),
            opens: FirebirdTimeTZ(local: FirebirdTime(hour: 8, minute: 30, second: 0), zone: FirebirdTimeZone(name: "+05:00")!))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        #expect(json == #"{"amount":"-1.50E+10","at":"2026-12-07 10:00:00.0000 Europe\/Moscow","opens":"08:30:00.0000 +05:00"}"#)
        #expect(try JSONDecoder().decode(Record.self, from: Data(json.utf8)) == record)
    }
}
