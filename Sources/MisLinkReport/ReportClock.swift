import Firebird
import Foundation

/// The clinic's clock a report counts by: where its days start (the zone's midnights, else the fixed
/// `clinic.utc_offset_minutes`), and what hour an appeal is in (on Firebird 4+ with a zone the server's
/// `AT TIME ZONE`, else the fixed offset). Days counted into `MISLINK_REPORT_DAYS` by one clock are read
/// only by reports with the same clock (``id``).
struct ReportClock: Sendable, Equatable {
    /// `clinic_time_zone`, or nil for the fixed offset.
    var zone: TimeZone?
    /// `clinic.utc_offset_minutes`.
    var offsetMinutes: Int
    /// The hours are the zone's, converted by the server (Firebird 4 and later with a zone).
    var zonedOnServer: Bool

    /// What `MISLINK_REPORT_DAY_STATE.CLOCK` holds: `offset 180`, `zone Europe/Moscow`, or on Firebird 3
    /// `zone Europe/Moscow hours offset 180`.
    var id: String {
        guard let zone else { return "offset \(offsetMinutes)" }
        return zonedOnServer ? "zone \(zone.identifier)" : "zone \(zone.identifier) hours offset \(offsetMinutes)"
    }

    /// The instant `day` starts.
    func start(_ day: LocalDay) -> Date {
        zone.map { day.start(in: $0) } ?? day.start(offsetMinutes: offsetMinutes)
    }

    /// The day `instant` falls in.
    func day(of instant: Date) -> LocalDay {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone ?? TimeZone(secondsFromGMT: offsetMinutes * 60) ?? .gmt
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDay(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// The UTC range of `from`...`to` as the queries' `from_utc` and `to_utc`, with the clock's
    /// `clinic_offset` (and `clinic_zone` where the server converts), and no filters.
    func values(from: LocalDay, to: LocalDay) -> [String: FirebirdValue] {
        let utc = TimeZone(identifier: "UTC")!
        var values: [String: FirebirdValue] = [
            "from_utc": .timestamp(FirebirdTimestamp(start(from), in: utc)),
            "to_utc": .timestamp(FirebirdTimestamp(start(to.next), in: utc)),
            "clinic_offset": .integer(Int32(clamping: offsetMinutes)),  // minutes east of UTC: within ±14 h
            "operator": .null,
            "channel": .null,
        ]
        if zonedOnServer, let zone { values["clinic_zone"] = .text(zone.identifier) }
        return values
    }
}

extension LocalDay {
    /// Days from 17 Nov 1858 (Firebird's date number).
    var number: Int { Int(FirebirdDate(year: year, month: month, day: day).iscDate) }

    /// The day `number` days from 17 Nov 1858.
    init(number: Int) {
        let date = FirebirdDate(iscDate: Int32(clamping: number))  // a day of the report's period: within 0001–9999
        self.init(year: date.year, month: date.month, day: date.day)
    }
}
