import Foundation

/// The appeals analysis report: volumes, calls, chats and outcomes for a period, as computed by
/// `SQL/report-appeals.sql`. The JSON of the API and of `--format json` is this value (snake_case).
public struct AppealsReport: Codable, Sendable, Equatable {
    /// The period and the filters the numbers are for.
    public var parameters: ReportParameters
    /// When it was made (UTC).
    public var generatedAt: Date
    /// Appeals created in the period.
    public var appeals: AppealSection
    /// Calls started in the period (inbound and outbound).
    public var calls: CallSection
    /// Chat threads opened in the period.
    public var chats: ChatSection

    /// True when nothing at all happened in the period.
    public var isEmpty: Bool { appeals.total.total == 0 && calls.overall.total == 0 && chats.overall.threads == 0 }
}

/// What the report was asked for, printed on every format.
public struct ReportParameters: Codable, Sendable, Equatable {
    /// First clinic-local day (YYYY-MM-DD), inclusive.
    public var from: String
    /// Last clinic-local day (YYYY-MM-DD), inclusive.
    public var to: String
    /// Start of the period in UTC.
    public var fromUtc: Date
    /// End of the period in UTC (exclusive).
    public var toUtc: Date
    /// `clinic.utc_offset_minutes`: the clinic's clock is this many minutes ahead of UTC.
    public var clinicUtcOffsetMinutes: Int
    /// The zone as text, e.g. `UTC+03:00`.
    public var timeZone: String
    /// Only this operator (the MIS's employee id), or nil for all.
    public var operatorId: Int?
    /// The operator's name, when filtered by operator.
    public var operatorName: String?
    /// Only this channel, or nil for all.
    public var channel: String?
}

/// Appeals by outcome (the rule is in `SQL/report-appeals.sql`).
public struct OutcomeCounts: Codable, Sendable, Equatable {
    public var total = 0
    public var booked = 0
    public var cancelled = 0
    /// Closed without a booking.
    public var completed = 0
    /// Still open, no booking.
    public var stillOpen = 0

    public init() {}

    static func + (a: OutcomeCounts, b: OutcomeCounts) -> OutcomeCounts {
        var sum = OutcomeCounts()
        sum.total = a.total + b.total
        sum.booked = a.booked + b.booked
        sum.cancelled = a.cancelled + b.cancelled
        sum.completed = a.completed + b.completed
        sum.stillOpen = a.stillOpen + b.stillOpen
        return sum
    }
}

/// Appeals: volumes and outcomes.
public struct AppealSection: Codable, Sendable, Equatable {
    public struct ByChannel: Codable, Sendable, Equatable {
        public var channel: String
        public var outcomes: OutcomeCounts
    }
    public struct ByOperator: Codable, Sendable, Equatable {
        /// The MIS's employee id; nil = appeals without an operator.
        public var operatorId: Int?
        public var operatorName: String
        public var outcomes: OutcomeCounts
    }
    public struct ByDay: Codable, Sendable, Equatable {
        /// Clinic-local date, YYYY-MM-DD.
        public var date: String
        public var appeals: Int
    }

    public var total = OutcomeCounts()
    public var byChannel: [ByChannel] = []
    public var byOperator: [ByOperator] = []
    /// Every day of the period, zeros included.
    public var byDay: [ByDay] = []
    /// Appeals per clinic-local weekday and hour: 7 rows (Monday first) of 24 counts.
    public var heatmap: [[Int]] = Array(repeating: Array(repeating: 0, count: 24), count: 7)
}

/// Calls of one operator, or of everyone.
public struct CallStats: Codable, Sendable, Equatable {
    /// The MIS's employee id; nil in the overall row and for calls without an operator.
    public var operatorId: Int?
    public var operatorName: String
    public var total = 0
    public var inbound = 0
    /// Inbound calls somebody talked on.
    public var inboundAnswered = 0
    public var missed = 0
    /// The caller hung up in the IVR.
    public var abandoned = 0
    public var outbound = 0
    public var outboundAnswered = 0
    /// Outbound calls nobody answered.
    public var notReached = 0
    public var failed = 0
    /// Seconds of conversation over answered calls.
    public var talkSec = 0
    public var talkP50Sec: Int?
    public var talkP90Sec: Int?
    /// Time to answer inbound calls.
    public var answerP50Sec: Int?
    public var answerP90Sec: Int?
    /// Missed calls a later connected call (either direction) called back.
    public var missedCalledBack = 0
    /// Missed calls not called back (yet).
    public var missedRemaining = 0
    /// Time from a missed call to its call-back.
    public var callbackP50Sec: Int?
    public var callbackP90Sec: Int?

    public init(operatorId: Int?, operatorName: String) {
        self.operatorId = operatorId
        self.operatorName = operatorName
    }
}

/// Calls per operator and overall.
public struct CallSection: Codable, Sendable, Equatable {
    public var overall = CallStats(operatorId: nil, operatorName: "all operators")
    public var byOperator: [CallStats] = []
}

/// Chat threads of one operator, of one channel, or of everyone.
public struct ChatStats: Codable, Sendable, Equatable {
    /// The MIS's employee id in the per-operator rows.
    public var operatorId: Int?
    /// What the row is: an operator's name, a channel, or "all".
    public var label: String
    public var threads = 0
    /// Threads an operator answered.
    public var responded = 0
    public var notResponded = 0
    /// First response within a minute.
    public var firstResponseUnderOneMinute = 0
    public var firstResponseOneToFiveMinutes = 0
    public var firstResponseFiveToFifteenMinutes = 0
    public var firstResponseFifteenToSixtyMinutes = 0
    public var firstResponseOverOneHour = 0
    public var firstResponseP50Sec: Int?
    public var firstResponseP90Sec: Int?
    public var closed = 0
    /// Opening to closing, closed threads.
    public var resolutionP50Sec: Int?
    public var resolutionP90Sec: Int?
    /// Threads transferred to another operator at least once.
    public var transferred = 0
    /// Threads that left a queue unfinished at least once.
    public var released = 0
    /// Most threads the operator held at once (per-operator rows only).
    public var peakConcurrent: Int?

    public init(operatorId: Int? = nil, label: String) {
        self.operatorId = operatorId
        self.label = label
    }

    mutating func add(_ other: ChatStats) {
        threads += other.threads
        responded += other.responded
        notResponded += other.notResponded
        firstResponseUnderOneMinute += other.firstResponseUnderOneMinute
        firstResponseOneToFiveMinutes += other.firstResponseOneToFiveMinutes
        firstResponseFiveToFifteenMinutes += other.firstResponseFiveToFifteenMinutes
        firstResponseFifteenToSixtyMinutes += other.firstResponseFifteenToSixtyMinutes
        firstResponseOverOneHour += other.firstResponseOverOneHour
        closed += other.closed
        transferred += other.transferred
        released += other.released
    }
}

/// Chats per operator, per channel and overall.
public struct ChatSection: Codable, Sendable, Equatable {
    public var overall = ChatStats(label: "all")
    public var byOperator: [ChatStats] = []
    public var byChannel: [ChatStats] = []
}
