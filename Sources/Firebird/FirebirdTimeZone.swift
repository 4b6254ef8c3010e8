import Foundation

/// The zone of a Firebird 4+ TIME WITH TIME ZONE or TIMESTAMP WITH TIME ZONE value: a region
/// (`Europe/Moscow`) or a fixed offset (`+03:00`), as the engine's 16-bit zone id encodes it.
///
/// Ids 0…2878 are offsets of −23:59…+23:59 (the id is the offset in minutes plus 1439, Firebird's
/// `TimeZoneUtil::makeFromOffset`); ids from 65535 down are regions, in the order of Firebird's
/// `TimeZones.h` (``regionNames``).
public struct FirebirdTimeZone: Hashable, Sendable, CustomStringConvertible {
    /// The id Firebird stores.
    public let id: UInt16

    /// The zone with a stored id, or nil for an id that is neither an offset nor a known region.
    public init?(id: UInt16) {
        guard id <= Self.offsetBound * 2 || Int(UInt16.max - id) < Self.regionNames.count else { return nil }
        self.id = id
    }

    /// A zone as the server sent it, even a region newer than ``regionNames``.
    init(stored id: UInt16) { self.id = id }

    /// A fixed offset from UTC in minutes, −1439…+1439; nil outside.
    public init?(offsetMinutes: Int) {
        guard abs(offsetMinutes) <= Int(Self.offsetBound) else { return nil }
        self.init(stored: UInt16(truncatingIfNeeded: offsetMinutes + Int(Self.offsetBound)))
    }

    /// A region by its name (`Europe/Moscow`, `GMT`, case-insensitive as in Firebird) or an offset
    /// written `+03:00` / `-05:30`; nil for a name Firebird does not know.
    public init?(name: String) {
        if let first = name.first, first == "+" || first == "-" {
            let parts = name.dropFirst().split(separator: ":")
            guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours),
                (0..<60).contains(minutes)
            else { return nil }
            self.init(offsetMinutes: (first == "-" ? -1 : 1) * (hours * 60 + minutes))
            return
        }
        guard let index = Self.regionIndex[name.lowercased()] else { return nil }
        self.init(stored: UInt16.max - UInt16(truncatingIfNeeded: index))
    }

    /// UTC (Firebird's `GMT` region, id 65535).
    public static let gmt = FirebirdTimeZone(id: UInt16.max)!

    /// The largest offset in minutes, and the id of offset zero (`ONE_DAY` in `TimeZoneUtil.cpp`).
    static let offsetBound: UInt16 = 24 * 60 - 1

    private static let regionIndex: [String: Int] = Dictionary(
        regionNames.enumerated().map { ($0.element.lowercased(), $0.offset) }, uniquingKeysWith: { first, _ in first })

    /// True for a region, false for a fixed offset.
    public var isRegion: Bool { id > Self.offsetBound * 2 }

    /// The offset in minutes of a fixed-offset zone; nil for a region.
    public var offsetMinutes: Int? { isRegion ? nil : Int(id) - Int(Self.offsetBound) }

    /// The region name, or the offset as `+03:00` (how Firebird prints the zone).
    public var name: String {
        guard let offset = offsetMinutes else {
            let index = Int(UInt16.max - id)
            return index < Self.regionNames.count ? Self.regionNames[index] : "time zone id \(id)"
        }
        return String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
    }

    public var description: String { name }

    /// The zone as a Foundation `TimeZone` (the region from the system's tz database), nil when the
    /// system does not know the region.
    public var timeZone: TimeZone? {
        if let offset = offsetMinutes { return TimeZone(secondsFromGMT: offset * 60) }
        return TimeZone(identifier: name)
    }

    /// The offset from UTC in minutes at the UTC wall-clock time `utc`: exact for offsets, from the
    /// system's tz database for regions (0 for a region the system does not know).
    func offsetMinutes(atUTC utc: FirebirdTimestamp) -> Int {
        if let offset = offsetMinutes { return offset }
        guard let zone = timeZone else { return 0 }
        return zone.secondsFromGMT(for: utc.date(in: TimeZone(secondsFromGMT: 0)!)) / 60
    }
}
