import Foundation

/// One table of the report: what the CSV files hold and what the HTML shows under each chart.
public struct ReportTable: Sendable, Equatable {
    /// A value in a cell.
    public enum Cell: Sendable, Equatable {
        case text(String)
        case int(Int)
        /// A number with one decimal (a percentage); Excel's Russian locale wants a decimal comma.
        case decimal(Double)
        case empty

        /// The cell as text, with `decimalSeparator` in decimals.
        public func text(decimalSeparator: String = ".") -> String {
            switch self {
            case .text(let value): value
            case .int(let value): String(value)
            case .decimal(let value): String(format: "%.1f", value).replacingOccurrences(of: ".", with: decimalSeparator)
            case .empty: ""
            }
        }
    }

    /// File name stem and HTML id, e.g. `calls_by_operator`.
    public var id: String
    /// Heading.
    public var title: String
    /// Column names (snake_case, the CSV header).
    public var columns: [String]
    public var rows: [[Cell]]
}

extension AppealsReport {
    /// Every table of the report, in the order the HTML shows them.
    public var tables: [ReportTable] {
        [appealsByChannel, appealsByOperator, appealsByDay, appealsHeatmap, callsByOperator, chatsByOperator, chatsByChannel]
    }

    static let outcomeColumns = ["appeals", "booked", "cancelled", "completed_without_booking", "still_open", "booked_percent"]

    static func outcomeCells(_ o: OutcomeCounts) -> [ReportTable.Cell] {
        [.int(o.total), .int(o.booked), .int(o.cancelled), .int(o.completed), .int(o.stillOpen),
         o.total > 0 ? .decimal(Double(o.booked) * 100 / Double(o.total)) : .empty]
    }

    static func optional(_ value: Int?) -> ReportTable.Cell { value.map { .int($0) } ?? .empty }

    var appealsByChannel: ReportTable {
        ReportTable(
            id: "appeals_by_channel", title: "Appeals by channel and outcome", columns: ["channel"] + Self.outcomeColumns,
            rows: appeals.byChannel.map { [.text($0.channel)] + Self.outcomeCells($0.outcomes) }
                + [[.text("all")] + Self.outcomeCells(appeals.total)])
    }

    var appealsByOperator: ReportTable {
        ReportTable(
            id: "appeals_by_operator", title: "Appeals by operator and outcome",
            columns: ["operator_id", "operator"] + Self.outcomeColumns,
            rows: appeals.byOperator.map { [Self.optional($0.operatorId), .text($0.operatorName)] + Self.outcomeCells($0.outcomes) }
                + [[.empty, .text("all")] + Self.outcomeCells(appeals.total)])
    }

    var appealsByDay: ReportTable {
        ReportTable(id: "appeals_by_day", title: "Appeals by day", columns: ["date", "appeals"],
                    rows: appeals.byDay.map { [.text($0.date), .int($0.appeals)] })
    }

    /// Monday first, as the heat map rows.
    public static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    var appealsHeatmap: ReportTable {
        ReportTable(
            id: "appeals_by_weekday_hour", title: "Appeals by weekday and hour (clinic time)",
            columns: ["weekday"] + (0..<24).map { String(format: "h%02d", $0) } + ["total"],
            rows: appeals.heatmap.enumerated().map { day, hours in
                [.text(Self.weekdays[day])] + hours.map { .int($0) } + [.int(hours.reduce(0, +))]
            })
    }

    static func callCells(_ s: CallStats) -> [ReportTable.Cell] {
        [.int(s.total), .int(s.inbound), .int(s.inboundAnswered), .int(s.missed), .int(s.abandoned), .int(s.outbound),
         .int(s.outboundAnswered), .int(s.notReached), .int(s.failed), optional(s.answerP50Sec), optional(s.answerP90Sec),
         .int(s.talkSec), optional(s.talkP50Sec), optional(s.talkP90Sec), .int(s.missedCalledBack),
         optional(s.callbackP50Sec), optional(s.callbackP90Sec), .int(s.missedRemaining)]
    }

    var callsByOperator: ReportTable {
        ReportTable(
            id: "calls_by_operator", title: "Calls by operator",
            columns: ["operator_id", "operator", "calls", "inbound", "inbound_answered", "missed", "abandoned_in_ivr", "outbound",
                      "outbound_answered", "not_reached", "failed", "answer_p50_sec", "answer_p90_sec", "talk_total_sec",
                      "talk_p50_sec", "talk_p90_sec", "missed_called_back", "callback_p50_sec", "callback_p90_sec",
                      "missed_remaining"],
            rows: calls.byOperator.map { [Self.optional($0.operatorId), .text($0.operatorName)] + Self.callCells($0) }
                + [[.empty, .text("all")] + Self.callCells(calls.overall)])
    }

    static func chatCells(_ s: ChatStats, peak: Bool) -> [ReportTable.Cell] {
        [.int(s.threads), .int(s.responded), optional(s.firstResponseP50Sec), optional(s.firstResponseP90Sec),
         .int(s.firstResponseUnderOneMinute), .int(s.firstResponseOneToFiveMinutes), .int(s.firstResponseFiveToFifteenMinutes), .int(s.firstResponseFifteenToSixtyMinutes),
         .int(s.firstResponseOverOneHour), .int(s.notResponded), .int(s.closed), optional(s.resolutionP50Sec),
         optional(s.resolutionP90Sec), .int(s.transferred), .int(s.released)] + (peak ? [optional(s.peakConcurrent)] : [])
    }

    static let chatColumns = ["threads", "responded", "first_response_p50_sec", "first_response_p90_sec", "first_response_under_1m",
                              "first_response_1_5m", "first_response_5_15m", "first_response_15_60m", "first_response_over_1h",
                              "not_responded", "closed", "resolution_p50_sec", "resolution_p90_sec", "transferred",
                              "released_unfinished"]

    var chatsByOperator: ReportTable {
        ReportTable(
            id: "chats_by_operator", title: "Chats by operator",
            columns: ["operator_id", "operator"] + Self.chatColumns + ["peak_concurrent"],
            rows: chats.byOperator.map { [Self.optional($0.operatorId), .text($0.label)] + Self.chatCells($0, peak: true) }
                + [[.empty, .text("all")] + Self.chatCells(chats.overall, peak: false) + [.empty]])
    }

    var chatsByChannel: ReportTable {
        let columns = ["threads", "responded", "first_response_under_1m", "first_response_1_5m", "first_response_5_15m",
                       "first_response_15_60m", "first_response_over_1h", "not_responded", "closed", "transferred",
                       "released_unfinished"]
        func cells(_ s: ChatStats) -> [ReportTable.Cell] {
            [.int(s.threads), .int(s.responded), .int(s.firstResponseUnderOneMinute), .int(s.firstResponseOneToFiveMinutes),
             .int(s.firstResponseFiveToFifteenMinutes), .int(s.firstResponseFifteenToSixtyMinutes), .int(s.firstResponseOverOneHour), .int(s.notResponded),
             .int(s.closed), .int(s.transferred), .int(s.released)]
        }
        return ReportTable(
            id: "chats_by_channel", title: "Chats by channel", columns: ["channel"] + columns,
            rows: chats.byChannel.map { [.text($0.label)] + cells($0) } + [[.text("all")] + cells(chats.overall)])
    }
}
