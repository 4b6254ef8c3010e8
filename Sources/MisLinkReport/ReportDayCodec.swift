import Foundation

/// One row of `MISLINK_REPORT_DAYS` (its day aside).
struct ReportDayRow: Hashable, Sendable {
    /// `appeals`, `calls`, `chats`, `call_values` or `chat_values`.
    var section: String
    /// The histogram's measure; empty for counts.
    var measure: String
    /// The channel, the direction (calls) or empty (call_values).
    var channel: String
    /// The MIS's employee id; nil = none.
    var operatorId: Int?
    /// Space-separated counts, then `value:count` pairs.
    var figures: String
}

/// How a day's ``ReportFigures`` are written into `MISLINK_REPORT_DAYS` rows and read back: the counts of
/// a row in the query's column order, then `value:count` pairs (an appeal row's hours counted from the
/// day's midnight, a histogram's seconds). A histogram longer than the column continues in further rows.
enum ReportDayCodec {
    /// `MISLINK_REPORT_DAYS.FIGURES` holds this many characters.
    static let maxFigures = 4000

    /// The rows of `figures`, the facts of `day`; `dayStart` is when the day starts (holds count from its
    /// date's 00:00 UTC).
    static func rows(of figures: ReportFigures, day: LocalDay, dayStart: Date) -> [ReportDayRow] {
        var rows: [ReportDayRow] = []
        let dayNumber = day.number
        for (section, appeals, appealHours) in [("appeals", figures.appeals, figures.appealHours),
                                                ("mis_appeals", figures.ownAppeals, figures.ownAppealHours)] {
            var hours: [ReportFigures.AppealKey: [(Int, Int)]] = [:]
            for (key, count) in appealHours {
                let index = (key.date.number - dayNumber) * 24 + key.hour
                hours[.init(channel: key.channel, operatorId: key.operatorId), default: []].append((index, count))
            }
            for (key, counts) in appeals {
                let pairs = (hours[key] ?? []).sorted { $0.0 < $1.0 }
                rows.append(ReportDayRow(section: section, measure: "", channel: key.channel, operatorId: key.operatorId,
                                         figures: text(counts.list, pairs)))
            }
        }
        for (key, counts) in figures.calls {
            rows.append(ReportDayRow(section: "calls", measure: "", channel: key.direction, operatorId: key.operatorId,
                                     figures: text(counts, [])))
        }
        for (key, counts) in figures.chats {
            rows.append(ReportDayRow(section: "chats", measure: "", channel: key.channel, operatorId: key.operatorId,
                                     figures: text(counts, [])))
        }
        for (key, histogram) in figures.values {
            let section = key.channel.isEmpty ? "call_values" : "chat_values"
            let pairs = histogram.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }
            for chunk in chunks(pairs) {
                rows.append(ReportDayRow(section: section, measure: key.kind, channel: key.channel,
                                         operatorId: key.group == 0 ? nil : key.group, figures: chunk))
            }
        }
        let base = holdBase(dayStart)
        for (key, points) in figures.holds {
            let pairs = points.sorted { ($0.key.at, $0.key.delta) < ($1.key.at, $1.key.delta) }
                .map { "\($0.key.at - base):\($0.key.delta * $0.value)" }
            for chunk in chunks(pairs) {
                rows.append(ReportDayRow(section: "chat_holds", measure: "", channel: key.channel, operatorId: key.operatorId,
                                         figures: chunk))
            }
        }
        return rows
    }

    /// `pairs` joined by spaces into texts of at most ``maxFigures`` characters.
    static func chunks(_ pairs: [String]) -> [String] {
        var chunks: [String] = []
        var chunk = ""
        for pair in pairs {
            if !chunk.isEmpty, chunk.utf8.count + 1 + pair.utf8.count > maxFigures {
                chunks.append(chunk)
                chunk = ""
            }
            chunk += chunk.isEmpty ? pair : " " + pair
        }
        chunks.append(chunk)
        return chunks
    }

    /// Where a stored day's hold instants count from: 00:00 UTC of the date its start falls on.
    static func holdBase(_ dayStart: Date) -> Int64 {
        Int64((dayStart.timeIntervalSince1970 / 86_400).rounded(.down)) * 864_000_000
    }

    /// Adds a stored row of `day` (starting at `dayStart`) into `figures`.
    static func add(_ row: ReportDayRow, day: LocalDay, dayStart: Date, into figures: inout ReportFigures) {
        var counts: [Int] = []
        switch row.section {
        case "appeals", "mis_appeals":
            let key = ReportFigures.AppealKey(channel: row.channel, operatorId: row.operatorId)
            let dayNumber = day.number
            let own = row.section == "mis_appeals"
            parse(row.figures, count: { counts.append($0) }, pair: { index, count in
                let offset = index >= 0 ? index / 24 : -((-index + 23) / 24)
                let hour = ReportFigures.AppealHourKey(channel: row.channel, operatorId: row.operatorId,
                                                       date: LocalDay(number: dayNumber + offset), hour: index - offset * 24)
                if own { figures.ownAppealHours[hour, default: 0] += count } else { figures.appealHours[hour, default: 0] += count }
            })
            guard counts.count == 5 else { return }
            if own {
                figures.ownAppeals[key] = (figures.ownAppeals[key] ?? OutcomeCounts()) + OutcomeCounts(list: counts)
            } else {
                figures.appeals[key] = (figures.appeals[key] ?? OutcomeCounts()) + OutcomeCounts(list: counts)
            }
        case "calls":
            parse(row.figures, count: { counts.append($0) }, pair: { _, _ in })
            let key = ReportFigures.CallKey(operatorId: row.operatorId, direction: row.channel)
            if counts.count == ReportFigures.callCounts { figures.calls[key] = ReportFigures.sum(figures.calls[key], counts) }
        case "chats":
            parse(row.figures, count: { counts.append($0) }, pair: { _, _ in })
            let key = ReportFigures.ChatKey(operatorId: row.operatorId, channel: row.channel)
            if counts.count == ReportFigures.chatCounts { figures.chats[key] = ReportFigures.sum(figures.chats[key], counts) }
        case "chat_holds":
            guard let id = row.operatorId else { return }
            let key = ReportFigures.HoldKey(channel: row.channel, operatorId: id)
            let base = holdBase(dayStart)
            var points = figures.holds.removeValue(forKey: key) ?? [:]
            parse(row.figures, count: { _ in }, pair: { at, count in
                points[ReportFigures.HoldPoint(at: base + Int64(at), delta: count < 0 ? -1 : 1), default: 0] += abs(count)
            })
            figures.holds[key] = points
        default:
            let key = ReportFigures.ValueKey(kind: row.measure, channel: row.section == "call_values" ? "" : row.channel,
                                             group: row.operatorId ?? 0)
            var histogram = figures.values.removeValue(forKey: key) ?? [:]
            parse(row.figures, count: { _ in }, pair: { value, count in histogram[value, default: 0] += count })
            figures.values[key] = histogram
        }
    }

    static func text(_ counts: [Int], _ pairs: [(Int, Int)]) -> String {
        (counts.map(String.init) + pairs.map { "\($0.0):\($0.1)" }).joined(separator: " ")
    }

    /// Reads `text`'s numbers: a lone number goes to `count`, `a:b` to `pair`.
    static func parse(_ text: String, count: (Int) -> Void, pair: (Int, Int) -> Void) {
        var first: Int?
        var number = 0
        var negative = false
        var digits = false
        func finish() {
            guard digits else { return }
            let value = negative ? -number : number
            if let a = first { pair(a, value); first = nil } else { count(value) }
            number = 0
            negative = false
            digits = false
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                number = number &* 10 &+ Int(byte &- UInt8(ascii: "0"))
                digits = true
            case UInt8(ascii: "-"):
                negative = true
            case UInt8(ascii: ":"):
                first = negative ? -number : number
                number = 0
                negative = false
                digits = false
            default:
                finish()
            }
        }
        finish()
    }
}
