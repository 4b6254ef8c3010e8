import Foundation

/// A Firebird 4+ TIMESTAMP WITH TIME ZONE: an instant (stored as UTC) and the zone it was given in.
///
/// Two values are equal when they store the same UTC instant in the same zone; ``local`` is what
/// clocks in the zone showed.
public struct FirebirdTimestampTZ: Hashable, Sendable, CustomStringConvertible {
    /// The instant as UTC wall-clock time, as Firebird stores it.
    public var utc: FirebirdTimestamp
    /// The zone.
    public var zone: FirebirdTimeZone
    /// The zone's offset from UTC at this instant, in minutes: the server's own when it sent the
    /// extended form, else computed here (exact for offsets, the system's tz database for regions).
    public var offsetMinutes: Int

    /// A value from its UTC instant and zone.
    public init(utc: FirebirdTimestamp, zone: FirebirdTimeZone) {
        self.init(utc: utc, zone: zone, offsetMinutes: zone.offsetMinutes(atUTC: utc))
    }

    /// A value from its UTC instant, zone and the offset the server reported.
    init(utc: FirebirdTimestamp, zone: FirebirdTimeZone, offsetMinutes: Int) {
        self.utc = utc
        self.zone = zone
        self.offsetMinutes = offsetMinutes
    }

    /// A value from the wall-clock time clocks in `zone` show (a skipped or repeated local time
    /// resolves as Foundation's `TimeZone` does).
    public init(local: FirebirdTimestamp, zone: FirebirdTimeZone) {
        let offset = zone.offsetMinutes ?? zone.timeZone.map {
            $0.secondsFromGMT(for: local.date(in: $0)) / 60
        } ?? 0
        self.init(utc: local.adding(minutes: -offset), zone: zone, offsetMinutes: offset)
    }

    /// The wall-clock time in ``zone``.
    public var local: FirebirdTimestamp { utc.adding(minutes: offsetMinutes) }

    /// The instant.
    public var date: Date { utc.date(in: TimeZone(secondsFromGMT: 0)!) }

    /// `2026-12-07 10:00:00.0000 Europe/Moscow`: the local time and the zone, as Firebird prints it.
    public var description: String { "\(local) \(zone)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.utc == rhs.utc && lhs.zone == rhs.zone }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(utc)
        hasher.combine(zone)
    }
}

/// A Firebird 4+ TIME WITH TIME ZONE: a time of day stored as UTC and its zone.
///
/// For a region, Firebird takes the offset on 2020-01-01 (`TimeZoneUtil::TIME_TZ_BASE_DATE`), so
/// `10:00 Europe/Moscow` is always 07:00 UTC.
public struct FirebirdTimeTZ: Hashable, Sendable, CustomStringConvertible {
    /// The time of day in UTC, as Firebird stores it.
    public var utc: FirebirdTime
    /// The zone.
    public var zone: FirebirdTimeZone
    /// The zone's offset in minutes, as the server reported it or as computed here.
    public var offsetMinutes: Int

    /// ISC_DATE of 2020-01-01, the day Firebird converts region times on.
    static let baseDate = FirebirdDate(iscDate: 58849)

    /// A value from its UTC time and zone.
    public init(utc: FirebirdTime, zone: FirebirdTimeZone) {
        self.init(utc: utc, zone: zone, offsetMinutes: zone.offsetMinutes(atUTC: FirebirdTimestamp(date: Self.baseDate, time: utc)))
    }

    init(utc: FirebirdTime, zone: FirebirdTimeZone, offsetMinutes: Int) {
        self.utc = utc
        self.zone = zone
        self.offsetMinutes = offsetMinutes
    }

    /// A value from the time of day clocks in `zone` show.
    public init(local: FirebirdTime, zone: FirebirdTimeZone) {
        let stamp = FirebirdTimestampTZ(local: FirebirdTimestamp(date: Self.baseDate, time: local), zone: zone)
        self.init(utc: stamp.utc.time, zone: zone, offsetMinutes: stamp.offsetMinutes)
    }

    /// The time of day in ``zone``.
    public var local: FirebirdTime { FirebirdTimestamp(date: Self.baseDate, time: utc).adding(minutes: offsetMinutes).time }

    /// `10:00:00.0000 Europe/Moscow`.
    public var description: String { "\(local) \(zone)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.utc == rhs.utc && lhs.zone == rhs.zone }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(utc)
        hasher.combine(zone)
    }
}

extension FirebirdTimestamp {
    /// The wall-clock time `minutes` later (earlier when negative).
    func adding(minutes: Int) -> FirebirdTimestamp {
        let dayFractions: Int64 = 864_000_000
        let total = Int64(date.iscDate) * dayFractions + Int64(time.fractions) + Int64(minutes) * 600_000
        let days = total >= 0 ? total / dayFractions : (total - dayFractions + 1) / dayFractions
        return FirebirdTimestamp(
            date: FirebirdDate(iscDate: Int32(clamping: days)), time: FirebirdTime(iscTime: UInt32(truncatingIfNeeded: total - days * dayFractions)))
    }
}

/// The WITH TIME ZONE values encode as Firebird prints them, the local time and the zone
/// (`2026-12-07 10:00:00.0000 Europe/Moscow`); decoding takes the local time in that zone, so a
/// local time a region shows twice (when clocks go back) decodes to the first of the two instants.
extension FirebirdTimestampTZ: TextCodable {
    public init?(parsing text: String) {
        guard let (wallClock, zone) = FirebirdTimeZone.splitting(text), let local = FirebirdTimestamp(wallClock) else { return nil }
        self.init(local: local, zone: zone)
    }
}

extension FirebirdTimeTZ: TextCodable {
    public init?(parsing text: String) {
        guard let (wallClock, zone) = FirebirdTimeZone.splitting(text), let local = FirebirdTime(wallClock) else { return nil }
        self.init(local: local, zone: zone)
    }
}

extension FirebirdTimeZone {
    /// `10:00 Europe/Moscow` → (`10:00`, Europe/Moscow): the text before the last space and the zone it names.
    fileprivate static func splitting(_ text: String) -> (Substring, FirebirdTimeZone)? {
        guard let space = text.lastIndex(of: " "), let zone = FirebirdTimeZone(name: String(text[text.index(after: space)...]))
        else { return nil }
        return (text[..<space], zone)
    }
}
