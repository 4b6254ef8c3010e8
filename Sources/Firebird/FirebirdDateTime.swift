import Foundation

/// A Firebird DATE: a calendar day with no time zone.
public struct FirebirdDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Creates a date from its parts (proleptic Gregorian calendar, as Firebird uses).
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
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
    public var iscDate: Int32 {
        var month = self.month
        var year = self.year
        if month > 2 { month -= 3 } else { month += 9; year -= 1 }
        let century = year / 100
        let yearOfCentury = year - 100 * century
        return Int32(
            (146097 * century) / 4 + (1461 * yearOfCentury) / 4 + (153 * month + 2) / 5 + day + 1721119 - 2400001)
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
    public init(hour: Int, minute: Int, second: Int, fraction: Int = 0) {
        fractions = UInt32(((hour * 60 + minute) * 60 + second) * 10_000 + fraction)
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

    /// The wall-clock time that `instant` shows in `timeZone`.
    public init(_ instant: Date, in timeZone: TimeZone) {
        let seconds = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        let wholeSeconds = Int64((seconds).rounded(.down))
        let fraction = Int(((seconds - Double(wholeSeconds)) * 10_000).rounded(.down))
        let days = wholeSeconds >= 0 ? wholeSeconds / 86_400 : (wholeSeconds - 86_399) / 86_400
        let secondOfDay = Int(wholeSeconds - days * 86_400)
        // 1970-01-01 is ISC_DATE 40587.
        self.init(
            date: FirebirdDate(iscDate: Int32(40587 + days)),
            time: FirebirdTime(iscTime: UInt32(secondOfDay * 10_000 + min(fraction, 9_999))))
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
