import Foundation

/// Turns a period's ``ReportFigures`` (already filtered), the MIS's own appeals and the operators' peak
/// concurrency into the report's sections: sums of counts, and percentiles found in the histograms.
/// Rows are labelled with ``OperatorNames/label(_:)`` of no names until ``AppealsReport/named(_:)``.
struct ReportAssembly {
    var figures: ReportFigures
    /// The report's first and last day: every day of it appears in `byDay`.
    var from: LocalDay
    var to: LocalDay

    private func label(_ id: Int?) -> String { OperatorNames().label(id) }

    /// The appeals section: the appeals MisLink made and those the MIS made on its own (both in the figures).
    func appeals() -> AppealSection {
        var section = AppealSection()
        var channels: [String: OutcomeCounts] = [:]
        var operators: [Int?: OutcomeCounts] = [:]
        var perDay: [LocalDay: Int] = [:]
        for (key, counts) in [figures.appeals, figures.ownAppeals].joined() {
            channels[key.channel] = (channels[key.channel] ?? OutcomeCounts()) + counts
            operators[key.operatorId] = (operators[key.operatorId] ?? OutcomeCounts()) + counts
            section.total = section.total + counts
        }
        let order = ReportRequest.channels
        section.byChannel = channels.map { AppealSection.ByChannel(channel: $0.key, outcomes: $0.value) }
            .sorted { (order.firstIndex(of: $0.channel) ?? 99, $0.channel) < (order.firstIndex(of: $1.channel) ?? 99, $1.channel) }
        section.byOperator = operators.map { AppealSection.ByOperator(operatorId: $0.key, operatorName: label($0.key), outcomes: $0.value) }
            .sorted { ($1.outcomes.total, $0.operatorId ?? Int.max) < ($0.outcomes.total, $1.operatorId ?? Int.max) }
        // Summed by day and hour first: a year has hundreds of thousands of (channel, operator, hour) entries
        // and a few hundred days, each named and given its weekday once.
        var perDayHour: [LocalDay: [Int]] = [:]
        for (key, count) in [figures.appealHours, figures.ownAppealHours].joined() {
            perDayHour[key.date, default: Array(repeating: 0, count: 24)][key.hour] += count
        }
        for (date, hours) in perDayHour {
            perDay[date] = hours.reduce(0, +)
            let weekday = MISAppeals.weekday(.init(year: date.year, month: date.month, day: date.day))
            for (hour, count) in hours.enumerated() { section.heatmap[(weekday + 6) % 7][hour] += count }
        }
        var day = from
        while day <= to {
            section.byDay.append(.init(date: day.text, appeals: perDay[day] ?? 0))
            day = day.next
        }
        return section
    }

    /// The calls section.
    func calls() -> CallSection {
        var section = CallSection()
        var operators: [Int?: CallStats] = [:]
        for (key, counts) in figures.calls {
            let id = key.operatorId
            for group in [id, -1] as [Int?] {
                var stats = group == -1 ? section.overall : operators[id] ?? CallStats(operatorId: id, operatorName: label(id))
                stats.total += counts[0]
                if key.direction == "in" {
                    stats.inbound += counts[0]
                    stats.inboundAnswered += counts[1]
                } else {
                    stats.outbound += counts[0]
                    stats.outboundAnswered += counts[1]
                }
                stats.missed += counts[2]
                stats.abandoned += counts[3]
                stats.notReached += counts[4]
                stats.failed += counts[5]
                stats.talkSec += counts[6]
                stats.missedCalledBack += counts[7]
                stats.missedRemaining += counts[8]
                if group == -1 { section.overall = stats } else { operators[id] = stats }
            }
        }
        for result in percentiles(of: ["answer", "talk", "callback"]) {
            var stats = operators[result.id] ?? CallStats(operatorId: result.id, operatorName: label(result.id))
            switch result.kind {
            case "answer":
                (stats.answerP50Sec, stats.answerP90Sec) = result.mine
                (section.overall.answerP50Sec, section.overall.answerP90Sec) = result.all
            case "talk":
                (stats.talkP50Sec, stats.talkP90Sec) = result.mine
                (section.overall.talkP50Sec, section.overall.talkP90Sec) = result.all
            default:
                (stats.callbackP50Sec, stats.callbackP90Sec) = result.mine
                (section.overall.callbackP50Sec, section.overall.callbackP90Sec) = result.all
            }
            operators[result.id] = stats
        }
        section.byOperator = operators.values.sorted { ($1.total, $0.operatorId ?? Int.max) < ($0.total, $1.operatorId ?? Int.max) }
        return section
    }

    /// The chats section.
    func chats() -> ChatSection {
        var section = ChatSection()
        var operators: [Int?: ChatStats] = [:]
        var channels: [String: ChatStats] = [:]
        for (key, c) in figures.chats {
            var stats = ChatStats(label: "")
            stats.threads = c[0]
            stats.responded = c[1]
            stats.firstResponseUnderOneMinute = c[2]
            stats.firstResponseOneToFiveMinutes = c[3]
            stats.firstResponseFiveToFifteenMinutes = c[4]
            stats.firstResponseFifteenToSixtyMinutes = c[5]
            stats.firstResponseOverOneHour = c[6]
            stats.notResponded = c[7]
            stats.closed = c[8]
            stats.transferred = c[9]
            stats.released = c[10]
            operators[key.operatorId, default: ChatStats(operatorId: key.operatorId, label: label(key.operatorId))].add(stats)
            channels[key.channel, default: ChatStats(label: key.channel)].add(stats)
            section.overall.add(stats)
        }
        for result in percentiles(of: ["first_response", "resolution"]) {
            var stats = operators[result.id] ?? ChatStats(operatorId: result.id, label: label(result.id))
            if result.kind == "first_response" {
                (stats.firstResponseP50Sec, stats.firstResponseP90Sec) = result.mine
                (section.overall.firstResponseP50Sec, section.overall.firstResponseP90Sec) = result.all
            } else {
                (stats.resolutionP50Sec, stats.resolutionP90Sec) = result.mine
                (section.overall.resolutionP50Sec, section.overall.resolutionP90Sec) = result.all
            }
            operators[result.id] = stats
        }
        for (id, peak) in peaks() {
            operators[id, default: ChatStats(operatorId: id, label: label(id))].peakConcurrent = max(0, peak)
        }
        section.byOperator = operators.values.sorted { ($1.threads, $0.operatorId ?? Int.max) < ($0.threads, $1.operatorId ?? Int.max) }
        let order = ReportRequest.channels
        section.byChannel = channels.values.sorted {
            (order.firstIndex(of: $0.label) ?? 99, $0.label) < (order.firstIndex(of: $1.label) ?? 99, $1.label)
        }
        return section
    }

    /// Per operator, the highest running sum of their holds' starts and ends in time order (an end before a
    /// start at the same instant), channels merged.
    func peaks() -> [(Int, Int)] {
        // The points of an operator's channels side by side, not merged: the same point twice adds the same
        // as once with both counts, and the peak is reached after both (ends sort before starts).
        var points: [Int: [(at: Int64, delta: Int, count: Int)]] = [:]
        for (key, counts) in figures.holds {
            points[key.operatorId, default: []].append(contentsOf: counts.lazy.map { ($0.key.at, $0.key.delta, $0.value) })
        }
        return points.map { id, points in
            var held = 0
            var peak = Int.min
            for point in points.sorted(by: { ($0.at, $0.delta) < ($1.at, $1.delta) }) {
                held += point.delta * point.count
                peak = max(peak, held)
            }
            return (id, peak)
        }
    }

    struct Percentiles {
        var kind: String
        /// The operator; nil = none.
        var id: Int?
        /// p50 and p90 of the operator's values.
        var mine: (Int?, Int?)
        /// p50 and p90 of all values of the measure.
        var all: (Int?, Int?)
    }

    /// Nearest-rank p50 and p90 of each measure of `kinds`, per operator and over all of them (channels
    /// merged): p50 is the smallest value with at least half of the values at or below it, p90 the
    /// smallest with at least nine tenths.
    func percentiles(of kinds: [String]) -> [Percentiles] {
        var result: [Percentiles] = []
        for kind in kinds {
            var groups: [Int: [Int: Int]] = [:]
            var all: [Int: Int] = [:]
            for (key, histogram) in figures.values where key.kind == kind {
                groups[key.group, default: [:]].merge(histogram, uniquingKeysWith: +)
                all.merge(histogram, uniquingKeysWith: +)
            }
            guard !all.isEmpty else { continue }
            let overall = Self.p50p90(all)
            for (group, histogram) in groups.sorted(by: { $0.key < $1.key }) {
                result.append(Percentiles(kind: kind, id: group == 0 ? nil : group, mine: Self.p50p90(histogram), all: overall))
            }
        }
        return result
    }

    /// Nearest-rank p50 and p90 of a histogram (value → count); nil for an empty one.
    static func p50p90(_ histogram: [Int: Int]) -> (Int?, Int?) {
        let n = histogram.values.reduce(0, +)
        guard n > 0 else { return (nil, nil) }
        var cumulative = 0
        var p50: Int?
        for (value, count) in histogram.sorted(by: { $0.key < $1.key }) {
            cumulative += count
            if p50 == nil, cumulative * 2 >= n { p50 = value }
            if cumulative * 10 >= n * 9 { return (p50, value) }
        }
        return (p50, nil)
    }
}
