import Foundation

/// A Firebird DATE: a calendar day with no time zone.
public struct FirebirdDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Creates a date from its parts (proleptic Gregorian calendar, as Firebird uses).
    ///
    /// The parts are not checked: use ``init(exactly:month:day:)`` for parts from outside.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Creates a date from its parts, or nil when they name no day Firebird can store (a month
    /// outside 1…12, a day its month does not have, a year outside 1…9999).
    public init?(exactly year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Self.days(inMonth: month, of: year)).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The first day Firebird stores: 0001-01-01.
    public static let min = FirebirdDate(year: 1, month: 1, day: 1)
    /// The last day Firebird stores: 9999-12-31.
    public static let max = FirebirdDate(year: 9999, month: 12, day: 31)

    /// Whether Firebird can store this date: a real day between ``min`` and ``max``.
    public var isInFirebirdRange: Bool { FirebirdDate(exactly: year, month: month, day: day) != nil }

    /// Days in a month of the proleptic Gregorian calendar.
    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Decodes `ISC_DATE`: days since 1858-11-17 (Firebird's `gds__decode_date`).
    public init(iscDate: Int32) {
        var nday = Int(iscDate) + 678882
        let century = (4 * nday - 1) / 146097
        nday = 4 * nday - 1 - 146097 * century
        var day = nday / 4
        nday = (4 * day + 3) / 1461
        day = 4 * day + 3 - 1461 * nday
        day = (day + 4) / 4
        var month = (5 * day - 3) / 153
        day = 5 * day - 3 - 153 * month
        day = (day + 5) / 5
        var year = 100 * century + nday
        if month < 10 { month += 3 } else { month -= 9; year += 1 }
        self.init(year: year, month: month, day: day)
    }

    /// Encodes as `ISC_DATE` (Firebird's `gds__encode_date`).
    ///
    /// Never traps: parts far outside Firebird's range (see ``isInFirebirdRange``) give a day number
    /// Firebird refuses, clamped to `Int32`.
    public var iscDate: Int32 {
        // Bounded first, so the arithmetic below cannot overflow whatever the parts hold.
        var month = Swift.min(Swift.max(self.month, -1_000_000), 1_000_000)
        var year = Swift.min(Swift.max(self.year, -10_000_000), 10_000_000)
        let day = Swift.min(Swift.max(self.day, -1_000_000_000), 1_000_000_000)
        if month > 2 { month -= 3 } else { month += 9; year -= 1 }
        let century = year / 100
        let yearOfCentury = year - 100 * century
        return Int32(
            clamping: (146097 * century) / 4 + (1461 * yearOfCentury) / 4 + (153 * month + 2) / 5 + day + 1721119 - 2400001)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (lhs: FirebirdDate, rhs: FirebirdDate) -> Bool { lhs.iscDate < rhs.iscDate }
}

/// A Firebird TIME: a wall-clock time of day with 1/10,000 s precision and no time zone.
public struct FirebirdTime: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Ten-thousandths of a second since midnight, as `ISC_TIME` stores them.
    public var fractions: UInt32

    /// Creates a time from ten-thousandths of a second since midnight.
    public init(iscTime: UInt32) { fractions = iscTime }

    /// Creates a time from its parts; `fraction` is in 1/10,000 s.
    ///
    /// The parts are not checked (a total below zero or past `UInt32` is clamped, never a trap): use
    /// ``init(exactly:minute:second:fraction:)`` for parts from outside.
    public init(hour: Int, minute: Int, second: Int, fraction: Int = 0) {
        let (h, m, s) = (Swift.min(Swift.max(hour, -1_000_000), 1_000_000), Swift.min(Swift.max(minute, -1_000_000), 1_000_000),
                         Swift.min(Swift.max(second, -1_000_000), 1_000_000))
        let f = Swift.min(Swift.max(fraction, -1_000_000_000), 1_000_000_000)
        fractions = UInt32(clamping: ((h * 60 + m) * 60 + s) * 10_000 + f)
    }

    /// Creates a time from its parts, or nil unless `hour` is 0…23, `minute` and `second` 0…59 and
    /// `fraction` 0…9999.
    public init?(exactly hour: Int, minute: Int, second: Int, fraction: Int = 0) {
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second), (0..<10_000).contains(fraction)
        else { return nil }
        self.init(hour: hour, minute: minute, second: second, fraction: fraction)
    }

    public var hour: Int { Int(fractions / 36_000_000) }
    public var minute: Int { Int(fractions / 600_000 % 60) }
    public var second: Int { Int(fractions / 10_000 % 60) }
    /// Ten-thousandths of a second within the second.
    public var fraction: Int { Int(fractions % 10_000) }

    /// `HH:MM:SS.ffff`.
    public var description: String {
        String(format: "%02d:%02d:%02d.%04d", hour, minute, second, fraction)
    }

    public static func < (lhs: FirebirdTime, rhs: FirebirdTime) -> Bool { lhs.fractions < rhs.fractions }
}

/// A Firebird TIMESTAMP: a wall-clock date and time with no time zone.
///
/// Convert to an instant only at the edges, with the clinic's zone: ``date(in:)`` and ``init(_:in:)``.
public struct FirebirdTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var date: FirebirdDate
    public var time: FirebirdTime

    public init(date: FirebirdDate, time: FirebirdTime) {
        self.date = date
        self.time = time
    }

    /// Creates a timestamp from its parts; `fraction` is in 1/10,000 s.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, fraction: Int = 0) {
        self.init(
            date: FirebirdDate(year: year, month: month, day: day),
            time: FirebirdTime(hour: hour, minute: minute, second: second, fraction: fraction))
    }

    /// The first instant Firebird stores: 0001-01-01 00:00:00.0000.
    public static let min = FirebirdTimestamp(date: .min, time: FirebirdTime(iscTime: 0))
    /// The last instant Firebird stores: 9999-12-31 23:59:59.9999.
    public static let max = FirebirdTimestamp(date: .max, time: FirebirdTime(iscTime: 863_999_999))

    /// Wall-clock seconds since 1970-01-01 00:00 of ``min`` and of the last whole second of ``max``.
    static let wallClockSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// The wall-clock time that `instant` shows in `timeZone`, clamped to Firebird's range.
    ///
    /// Never traps: an instant whose wall-clock time in `timeZone` is before ``min`` or after ``max``
    /// gives ``min`` or ``max``, and a non-finite one (`Date(timeIntervalSince1970: .nan)`) gives
    /// ``min``. For instants from outside (webhooks, query strings), use ``init(exactly:in:)`` and
    /// refuse what it refuses.
    public init(_ instant: Date, in timeZone: TimeZone) {
        if let exact = FirebirdTimestamp(exactly: instant, in: timeZone) {
            self = exact
        } else {
            self = instant.timeIntervalSince1970 > 0 ? .max : .min
        }
    }

    /// The wall-clock time that `instant` shows in `timeZone`, or nil when Firebird cannot store it:
    /// not finite, or before 0001-01-01 00:00:00 or after 9999-12-31 23:59:59.9999 in that zone.
    public init?(exactly instant: Date, in timeZone: TimeZone) {
        let utc = instant.timeIntervalSince1970
        // Checked before the zone is asked: no zone is a day or more away from UTC.
        guard utc.isFinite, utc > Self.wallClockSeconds.lowerBound - 86_400, utc < Self.wallClockSeconds.upperBound + 86_400
        else { return nil }
        let seconds = utc + Double(timeZone.secondsFromGMT(for: instant))
        guard seconds >= Self.wallClockSeconds.lowerBound, seconds < Self.wallClockSeconds.upperBound + 1 else { return nil }
        let wholeSeconds = Int64(seconds.rounded(.down))
        let fraction = Int(((seconds - Double(wholeSeconds)) * 10_000).rounded(.down))
        let days = wholeSeconds >= 0 ? wholeSeconds / 86_400 : (wholeSeconds - 86_399) / 86_400
        let secondOfDay = Int(wholeSeconds - days * 86_400)
        // 1970-01-01 is ISC_DATE 40587; the checks above keep both values well inside Int32 and UInt32.
        self.init(
            date: FirebirdDate(iscDate: Int32(40587 + days)),
            time: FirebirdTime(iscTime: UInt32(secondOfDay * 10_000 + Swift.min(Swift.max(fraction, 0), 9_999))))
    }

    /// The instant at which clocks in `timeZone` show this wall-clock time.
    public func date(in timeZone: TimeZone) -> Date {
        let local = Double(Int64(date.iscDate) - 40587) * 86_400 + Double(time.fractions) / 10_000
        var guess = Date(timeIntervalSince1970: local - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local))))
        guess = Date(timeIntervalSince1970: local - Double(timeZone.secondsFromGMT(for: guess)))
        return guess
    }

    /// `YYYY-MM-DD HH:MM:SS.ffff`.
    public var description: String { "\(date) \(time)" }

    public static func < (lhs: FirebirdTimestamp, rhs: FirebirdTimestamp) -> Bool {
        (lhs.date, lhs.time) < (rhs.date, rhs.time)
    }
}
