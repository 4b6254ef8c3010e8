import Foundation

/// What a report is made of: the grouped rows of the report's queries (`SQL/report-appeals.sql`) for a
/// stretch of time, in a form that adds up. A period's figures are the sum of its days' figures, whether
/// a day's come from the facts or from `MISLINK_REPORT_DAYS`; ``ReportAssembly`` turns them into the
/// report's sections (totals, percentiles) the same way either way.
struct ReportFigures: Sendable, Equatable {
    struct AppealKey: Hashable, Sendable {
        var channel: String
        var operatorId: Int?
    }

    struct AppealHourKey: Hashable, Sendable {
        var channel: String
        var operatorId: Int?
        /// Clinic-local date and hour (the clock of the query that counted it).
        var date: LocalDay
        var hour: Int
    }

    struct CallKey: Hashable, Sendable {
        var operatorId: Int?
        /// `in` or `out`.
        var direction: String
    }

    struct ChatKey: Hashable, Sendable {
        var operatorId: Int?
        var channel: String
    }

    /// A histogram's key: measure (`answer`, `talk`, `callback`, `first_response`, `resolution`), the
    /// thread's channel for the chats' measures (empty for calls), and the operator (0 = none, as `GRP`).
    struct ValueKey: Hashable, Sendable {
        var kind: String
        var channel: String
        var group: Int
    }

    /// Whose holds, of threads of which channel (``chat_holds``).
    struct HoldKey: Hashable, Sendable {
        var channel: String
        var operatorId: Int
    }

    /// A hold's start (+1) or end (-1) at an instant, in 1/10000 s since 1970 (UTC).
    struct HoldPoint: Hashable, Sendable {
        var at: Int64
        var delta: Int
    }

    /// Appeals MisLink made, by outcome, per channel and operator.
    var appeals: [AppealKey: OutcomeCounts] = [:]
    /// Appeals MisLink made per channel, operator, local date and hour.
    var appealHours: [AppealHourKey: Int] = [:]
    /// The appeals the MIS made on its own (the profile's `report_mis_appeals`), as ``appeals`` and
    /// ``appealHours`` count MisLink's; their hours are the profile's clinic time.
    var ownAppeals: [AppealKey: OutcomeCounts] = [:]
    var ownAppealHours: [AppealHourKey: Int] = [:]
    /// Calls per operator and direction: the nine counts of `calls_by_operator`, in its order.
    var calls: [CallKey: [Int]] = [:]
    /// Threads per operator and channel: the eleven counts of `chats_by_operator`, in its order.
    var chats: [ChatKey: [Int]] = [:]
    /// Histograms: value → how many.
    var values: [ValueKey: [Int: Int]] = [:]
    /// Chat holds' starts and ends: how many at each point.
    var holds: [HoldKey: [HoldPoint: Int]] = [:]

    static let callCounts = 9
    static let chatCounts = 11

    var isEmpty: Bool { appeals.isEmpty && appealHours.isEmpty && ownAppeals.isEmpty && calls.isEmpty && chats.isEmpty && values.isEmpty && holds.isEmpty }

    /// Adds `other` in.
    mutating func add(_ other: ReportFigures) {
        for (key, counts) in other.appeals { appeals[key] = (appeals[key] ?? OutcomeCounts()) + counts }
        for (key, count) in other.appealHours { appealHours[key, default: 0] += count }
        for (key, counts) in other.ownAppeals { ownAppeals[key] = (ownAppeals[key] ?? OutcomeCounts()) + counts }
        for (key, count) in other.ownAppealHours { ownAppealHours[key, default: 0] += count }
        for (key, counts) in other.calls { calls[key] = Self.sum(calls[key], counts) }
        for (key, counts) in other.chats { chats[key] = Self.sum(chats[key], counts) }
        for (key, histogram) in other.values {
            if values[key] == nil {
                values[key] = histogram
            } else {
                values[key]!.merge(histogram, uniquingKeysWith: +)
            }
        }
        for (key, points) in other.holds {
            if holds[key] == nil {
                holds[key] = points
            } else {
                holds[key]!.merge(points, uniquingKeysWith: +)
            }
        }
    }

    /// Only what passes the report's filters: one operator (the MIS's employee id), one channel (calls
    /// are the channel `phone`), as the queries' `:operator` and `:channel` keep.
    func filtered(operatorId: Int?, channel: String?) -> ReportFigures {
        guard operatorId != nil || channel != nil else { return self }
        func keeps(_ id: Int?) -> Bool { operatorId == nil || id == operatorId }
        let callsPass = channel == nil || channel == "phone"
        var result = ReportFigures()
        result.appeals = appeals.filter { keeps($0.key.operatorId) && (channel == nil || $0.key.channel == channel) }
        result.appealHours = appealHours.filter { keeps($0.key.operatorId) && (channel == nil || $0.key.channel == channel) }
        result.ownAppeals = ownAppeals.filter { keeps($0.key.operatorId) && (channel == nil || $0.key.channel == channel) }
        result.ownAppealHours = ownAppealHours.filter { keeps($0.key.operatorId) && (channel == nil || $0.key.channel == channel) }
        result.calls = callsPass ? calls.filter { keeps($0.key.operatorId) } : [:]
        result.chats = chats.filter { keeps($0.key.operatorId) && (channel == nil || $0.key.channel == channel) }
        result.values = values.filter { entry in
            let key = entry.key
            let id = key.group == 0 ? nil : key.group
            if key.channel.isEmpty { return callsPass && keeps(id) }
            return keeps(id) && (channel == nil || key.channel == channel)
        }
        result.holds = holds.filter { keeps($0.key.operatorId) && (channel == nil || $0.key.channel == channel) }
        return result
    }

    /// Counts the MIS's own appeals in (outcomes by the report's rule, hours by their clinic time).
    mutating func addOwn(_ own: MISAppeals.Own) {
        for appeal in own.appeals {
            let key = AppealKey(channel: appeal.channel, operatorId: appeal.operatorId)
            ownAppeals[key] = (ownAppeals[key] ?? OutcomeCounts()) + MISAppeals.outcome(appeal, booked: own.booked.contains(appeal.id))
            let date = appeal.createdAt.date
            let hour = AppealHourKey(channel: appeal.channel, operatorId: appeal.operatorId,
                                     date: LocalDay(year: date.year, month: date.month, day: date.day), hour: appeal.createdAt.time.hour)
            ownAppealHours[hour, default: 0] += 1
        }
    }

    static func sum(_ a: [Int]?, _ b: [Int]) -> [Int] {
        guard let a else { return b }
        return zip(a, b).map { $0 + $1 }
    }
}

extension OutcomeCounts {
    /// total, booked, cancelled, completed, still open: the order of the queries' columns and of the stored figures.
    var list: [Int] { [total, booked, cancelled, completed, stillOpen] }

    init(list: [Int]) {
        self.init()
        total = list[0]
        booked = list[1]
        cancelled = list[2]
        completed = list[3]
        stillOpen = list[4]
    }
}
