import Foundation
@testable import MisLinkReport

/// The report the fixture must give, computed in Swift from the fixture's own rows, one by one.
extension ReportFixture {
    static func percentile(_ values: [Int], _ p: Double) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[Int((p * Double(sorted.count)).rounded(.up)) - 1]
    }

    /// How the report labels an operator: the name, "staff #<id>" for an id without one, "no operator".
    func name(_ id: Int?) -> String { id.map { names[$0] ?? "staff #\($0)" } ?? "no operator" }

    func expected(_ request: ReportRequest, generatedAt: Date) -> AppealsReport {
        let from = request.from.start(offsetMinutes: Self.clinicOffset)
        let to = request.to.next.start(offsetMinutes: Self.clinicOffset)
        let parameters = ReportParameters(
            from: request.from.text, to: request.to.text, fromUtc: from, toUtc: to, clinicUtcOffsetMinutes: Self.clinicOffset,
            timeZone: "UTC+03:00", operatorId: request.operatorId, operatorName: request.operatorId.map { self.name($0) },
            channel: request.channel)
        return AppealsReport(parameters: parameters, generatedAt: generatedAt,
                             appeals: appealSection(request, from: from, to: to),
                             calls: callSection(request, from: from, to: to),
                             chats: chatSection(request, from: from, to: to))
    }

    func appealSection(_ request: ReportRequest, from: Date, to: Date) -> AppealSection {
        let chosen = appeals.filter { a in
            let channel = a.misOnly && a.channel == "viber" ? "webchat" : a.channel
            return a.utc >= from && a.utc < to && (request.operatorId == nil || a.operatorId == request.operatorId)
                && (request.channel == nil || channel == request.channel)
        }
        var section = AppealSection()
        func counts(_ list: [Appeal]) -> OutcomeCounts {
            var c = OutcomeCounts()
            for a in list {
                c.total += 1
                if a.booking == 1 && !a.misOnly || a.booking == 2 { c.booked += 1 }
                else if a.status == "cancelled" { c.cancelled += 1 }
                else if a.status == "closed" { c.completed += 1 }
                else { c.stillOpen += 1 }
            }
            return c
        }
        section.total = counts(chosen)
        let channelOrder = ReportRequest.channels
        section.byChannel = Dictionary(grouping: chosen) { $0.channel }.map { .init(channel: $0.key, outcomes: counts($0.value)) }
            .sorted { channelOrder.firstIndex(of: $0.channel)! < channelOrder.firstIndex(of: $1.channel)! }
        section.byOperator = Dictionary(grouping: chosen) { $0.operatorId }
            .map { .init(operatorId: $0.key, operatorName: name($0.key), outcomes: counts($0.value)) }
            .sorted { ($1.outcomes.total, $0.operatorId ?? Int.max) < ($0.outcomes.total, $1.operatorId ?? Int.max) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: Self.clinicOffset * 60)!
        var day = request.from
        while day <= request.to {
            let start = day.start(offsetMinutes: Self.clinicOffset)
            let end = day.next.start(offsetMinutes: Self.clinicOffset)
            section.byDay.append(.init(date: day.text, appeals: chosen.filter { $0.utc >= start && $0.utc < end }.count))
            day = day.next
        }
        for a in chosen {
            let weekday = calendar.component(.weekday, from: a.utc)  // 1 = Sunday
            section.heatmap[(weekday + 5) % 7][calendar.component(.hour, from: a.utc)] += 1
        }
        return section
    }

    func callSection(_ request: ReportRequest, from: Date, to: Date) -> CallSection {
        let chosen = calls.filter { c in
            c.utc >= from && c.utc < to && c.direction != "internal"
                && (request.operatorId == nil || c.operatorId == request.operatorId)
                && (request.channel == nil || request.channel == "phone")
        }
        func stats(_ list: [Call], id: Int?, name: String) -> CallStats {
            var s = CallStats(operatorId: id, operatorName: name)
            s.total = list.count
            s.inbound = list.filter { $0.direction == "in" }.count
            s.inboundAnswered = list.filter { $0.direction == "in" && $0.result == "answered" }.count
            s.outbound = list.filter { $0.direction == "out" }.count
            s.outboundAnswered = list.filter { $0.direction == "out" && $0.result == "answered" }.count
            s.missed = list.filter { $0.result == "missed" }.count
            s.abandoned = list.filter { $0.result == "abandoned" }.count
            s.notReached = list.filter { $0.result == "not_reached" }.count
            s.failed = list.filter { $0.result == "failed" }.count
            let answered = list.filter { $0.result == "answered" }
            s.talkSec = answered.reduce(0) { $0 + ($1.talk ?? 0) }
            s.talkP50Sec = Self.percentile(answered.compactMap(\.talk), 0.5)
            s.talkP90Sec = Self.percentile(answered.compactMap(\.talk), 0.9)
            let waits = answered.filter { $0.direction == "in" }.compactMap(\.wait)
            s.answerP50Sec = Self.percentile(waits, 0.5)
            s.answerP90Sec = Self.percentile(waits, 0.9)
            let missed = list.filter { $0.result == "missed" }
            s.missedCalledBack = missed.filter { $0.calledBackAfter != nil }.count
            s.missedRemaining = missed.filter { $0.calledBackAfter == nil }.count
            s.callbackP50Sec = Self.percentile(missed.compactMap(\.calledBackAfter), 0.5)
            s.callbackP90Sec = Self.percentile(missed.compactMap(\.calledBackAfter), 0.9)
            return s
        }
        var section = CallSection()
        section.overall = stats(chosen, id: nil, name: "all operators")
        section.byOperator = Dictionary(grouping: chosen) { $0.operatorId }.map { stats($0.value, id: $0.key, name: name($0.key)) }
            .sorted { ($1.total, $0.operatorId ?? Int.max) < ($0.total, $1.operatorId ?? Int.max) }
        return section
    }

    /// The thread's operator as the report defines it: who holds it, else who held it last.
    static func chatOperator(_ a: Appeal) -> Int? {
        a.thread!.finalOperator ?? a.thread!.events.compactMap { $0.2 }.last ?? a.operatorId
    }

    func chatSection(_ request: ReportRequest, from: Date, to: Date) -> ChatSection {
        let chosen = appeals.filter { a in
            a.thread != nil && a.utc >= from && a.utc < to && (request.channel == nil || a.channel == request.channel)
                && (request.operatorId == nil || Self.chatOperator(a) == request.operatorId)
        }
        func stats(_ list: [Appeal], id: Int?, label: String, percentiles: Bool) -> ChatStats {
            var s = ChatStats(operatorId: id, label: label)
            let threads = list.map { $0.thread! }
            s.threads = threads.count
            let fr = threads.compactMap(\.firstResponse)
            s.responded = fr.count
            s.notResponded = threads.count - fr.count
            s.firstResponseUnderOneMinute = fr.filter { $0 < 60 }.count
            s.firstResponseOneToFiveMinutes = fr.filter { $0 >= 60 && $0 < 300 }.count
            s.firstResponseFiveToFifteenMinutes = fr.filter { $0 >= 300 && $0 < 900 }.count
            s.firstResponseFifteenToSixtyMinutes = fr.filter { $0 >= 900 && $0 < 3600 }.count
            s.firstResponseOverOneHour = fr.filter { $0 >= 3600 }.count
            s.closed = threads.filter { $0.resolution != nil }.count
            s.transferred = threads.filter { $0.events.contains { $0.0 == "transferred" } }.count
            s.released = threads.filter { $0.events.contains { $0.0 == "released" } }.count
            if percentiles {
                s.firstResponseP50Sec = Self.percentile(fr, 0.5)
                s.firstResponseP90Sec = Self.percentile(fr, 0.9)
                s.resolutionP50Sec = Self.percentile(threads.compactMap(\.resolution), 0.5)
                s.resolutionP90Sec = Self.percentile(threads.compactMap(\.resolution), 0.9)
            }
            return s
        }
        var section = ChatSection()
        section.overall = stats(chosen, id: nil, label: "all", percentiles: true)
        var operators = Dictionary(grouping: chosen) { Self.chatOperator($0) }
            .mapValues { stats($0, id: nil, label: "", percentiles: true) }
        for (key, value) in operators { operators[key]!.operatorId = key; operators[key]!.label = name(key); _ = value }
        // Peak holds: +1 at assigned/reopened/transferred-to, -1 at released/transferred-from/closed.
        let periodThreads = appeals.filter { $0.thread != nil && $0.utc >= from && $0.utc < to && (request.channel == nil || $0.channel == request.channel) }
        var changes: [Int: [(Date, Int)]] = [:]
        for a in periodThreads {
            for e in a.thread!.events {
                let at = a.utc.addingTimeInterval(TimeInterval(e.4))
                switch e.0 {
                case "assigned", "reopened": changes[e.2!, default: []].append((at, 1))
                case "transferred":
                    changes[e.2!, default: []].append((at, 1))
                    changes[e.1!, default: []].append((at, -1))
                case "released": changes[e.1!, default: []].append((at, -1))
                case "closed": changes[e.3!, default: []].append((at, -1))
                default: break
                }
            }
        }
        for (op, list) in changes where request.operatorId == nil || op == request.operatorId {
            var held = 0, peak = Int.min
            for change in list.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
                held += change.1
                peak = max(peak, held)
            }
            operators[op, default: ChatStats(operatorId: op, label: name(op))].peakConcurrent = max(0, peak)
        }
        section.byOperator = operators.values.sorted { ($1.threads, $0.operatorId ?? Int.max) < ($0.threads, $1.operatorId ?? Int.max) }
        let order = ReportRequest.channels
        section.byChannel = Dictionary(grouping: chosen) { $0.channel }.map { stats($0.value, id: nil, label: $0.key, percentiles: false) }
            .sorted { order.firstIndex(of: $0.label)! < order.firstIndex(of: $1.label)! }
        return section
    }
}
