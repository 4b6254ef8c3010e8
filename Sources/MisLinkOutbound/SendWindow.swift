import Foundation

/// The daily hours, in the clinic's time zone, within which a mailing's messages may go out, such as
/// 09:00–21:00. An end before the start is a window over midnight (22:00–06:00); `24:00` is midnight.
///
/// ```swift
/// let window = try SendWindow(start: "09:00", end: "21:00")
/// let due = window.nextOpening(atOrAfter: Date(), in: clinicZone)  // now, or the next 09:00
/// ```
public struct SendWindow: Sendable, Equatable, CustomStringConvertible {
    /// Minutes after midnight the window opens (0…1439).
    public let startMinute: Int
    /// Minutes after midnight it closes (1…1440).
    public let endMinute: Int

    /// A window from two clinic times `HH:MM`.
    /// - Throws: ``SendWindowError`` naming the value that is not a time, or a window of no length.
    public init(start: String, end: String) throws {
        guard let startMinute = Self.minutes(start), startMinute < 1440 else {
            throw SendWindowError("window start \"\(start)\" is not a time HH:MM from 00:00 to 23:59")
        }
        guard let endMinute = Self.minutes(end), endMinute > 0 else {
            throw SendWindowError("window end \"\(end)\" is not a time HH:MM from 00:01 to 24:00")
        }
        guard startMinute != endMinute else {
            throw SendWindowError("the window \(start)–\(end) has no length (for all day use 00:00–24:00)")
        }
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// `HH:MM–HH:MM`.
    public var description: String { "\(Self.text(startMinute))–\(Self.text(endMinute))" }
    /// The opening time as `HH:MM`.
    public var startText: String { Self.text(startMinute) }
    /// The closing time as `HH:MM`.
    public var endText: String { Self.text(endMinute) }

    /// Whether a clinic wall-clock minute of the day lies within the window.
    public func contains(minuteOfDay minute: Int) -> Bool {
        startMinute < endMinute
            ? (minute >= startMinute && minute < endMinute)
            : (minute >= startMinute || minute < endMinute % 1440)
    }

    /// Whether `date` falls within the window in `zone`.
    public func contains(_ date: Date, in zone: TimeZone) -> Bool {
        contains(minuteOfDay: Self.minuteOfDay(date, in: zone))
    }

    /// `date` itself when it is within the window, else the next time the window opens.
    public func nextOpening(atOrAfter date: Date, in zone: TimeZone) -> Date {
        if contains(date, in: zone) { return date }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let day = calendar.startOfDay(for: date)
        let hour = startMinute / 60, minute = startMinute % 60
        // The opening today, else tomorrow's (a day may be 23 or 25 hours long where clocks change).
        for offset in 0...2 {
            guard let base = calendar.date(byAdding: .day, value: offset, to: day),
                  let opening = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: base)
            else { continue }
            if opening > date { return opening }
        }
        return date.addingTimeInterval(86_400)
    }

    static func minuteOfDay(_ date: Date, in zone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// `HH:MM` (or `H:MM`) as minutes after midnight; `24:00` is 1440.
    static func minutes(_ text: String) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...59).contains(minute), (0...24).contains(hour)
        else { return nil }
        let total = hour * 60 + minute
        return total <= 1440 ? total : nil
    }

    static func text(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}

/// A send window that cannot be used, with what is wrong with it.
public struct SendWindowError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
