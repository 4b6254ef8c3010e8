import Foundation

/// What a report is asked for: clinic-local days (both inclusive) and optional filters.
public struct ReportRequest: Sendable, Equatable {
    /// The channels an appeal can have (`MISLINK_APPEALS.CHANNEL`).
    public static let channels = ["phone", "whatsapp", "telegram", "vk", "viber", "webchat", "email", "sms", "visit", "other"]

    /// First day, inclusive.
    public var from: LocalDay
    /// Last day, inclusive.
    public var to: LocalDay
    /// Only this operator (the MIS's employee id, a 64-bit key: МедБаза's are 14 digits). Defaults to all.
    public var operatorId: Int?
    /// Only this channel (one of ``channels``). Defaults to all.
    public var channel: String?

    /// Checks the period and the filters.
    /// - Throws: ``ReportError`` when `from` is after `to` or the channel is unknown.
    public init(from: LocalDay, to: LocalDay, operatorId: Int? = nil, channel: String? = nil) throws {
        guard from <= to else { throw ReportError.periodReversed(from: from.text, to: to.text) }
        if let channel, !Self.channels.contains(channel) { throw ReportError.unknownChannel(channel) }
        if let operatorId, operatorId < 1 { throw ReportError.badOperator(String(operatorId)) }
        self.from = from
        self.to = to
        self.operatorId = operatorId
        self.channel = channel
    }

    /// Parses the texts a user typed (`--from 2026-11-01 --to 2026-11-30 --operator 7 --channel phone`).
    public init(from: String, to: String, operator: String? = nil, channel: String? = nil) throws {
        guard let start = LocalDay(from) else { throw ReportError.badDate(option: "from", value: from) }
        guard let end = LocalDay(to) else { throw ReportError.badDate(option: "to", value: to) }
        var id: Int?
        if let text = `operator`, !text.isEmpty {
            guard let value = Int(text) else { throw ReportError.badOperator(text) }
            id = value
        }
        try self.init(from: start, to: end, operatorId: id, channel: channel.flatMap { $0.isEmpty ? nil : $0.lowercased() })
    }
}

/// A calendar day in the clinic's zone.
public struct LocalDay: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    /// `YYYY-MM-DD`; nil unless it is a real date.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
        guard let back = Self.calendar.date(from: DateComponents(year: y, month: m, day: d)),
              Self.calendar.component(.day, from: back) == d, (1...12).contains(m) else { return nil }
    }

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `YYYY-MM-DD`.
    public var text: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// The instant this day starts, for a clock `offsetMinutes` ahead of UTC.
    public func start(offsetMinutes: Int) -> Date {
        let midnight = Self.calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return midnight.addingTimeInterval(TimeInterval(-offsetMinutes * 60))
    }

    /// The instant this day starts in `zone` (its offset on that day, daylight saving included).
    public func start(in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// The next day.
    public var next: LocalDay {
        let date = Self.calendar.date(byAdding: .day, value: 1, to: start(offsetMinutes: 0))!
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        return LocalDay(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    public static func < (a: LocalDay, b: LocalDay) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

/// Why a report cannot be made.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    case periodReversed(from: String, to: String)
    case badDate(option: String, value: String)
    case unknownChannel(String)
    case badOperator(String)
    case periodTooLong(days: Int, limit: Int)
    case sqlNotFound(String)
    /// A query of the report's SQL does not return what the report reads.
    case badQuery(String)

    public var description: String {
        switch self {
        case .periodReversed(let from, let to):
            "the period is reversed: --from \(from) is after --to \(to) (both days are included; give the earlier one first)"
        case .badDate(let option, let value):
            "--\(option): \"\(value)\" is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01"
        case .unknownChannel(let channel):
            "--channel: \"\(channel)\" is not a channel; use one of \(ReportRequest.channels.joined(separator: ", "))"
        case .badOperator(let text):
            "--operator: \"\(text)\" is not a staff id (the MIS's employee id, a positive integer)"
        case .periodTooLong(let days, let limit):
            "the period has \(days) days; a report covers at most \(limit)"
        case .sqlNotFound(let file):
            "cannot find \(file): install it with MisLink (share/mislink/sql/) or set MISLINK_SQL to the folder holding it"
        case .badQuery(let detail):
            "the report's SQL: \(detail)"
        }
    }
}
