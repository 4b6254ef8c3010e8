import Firebird
import Foundation
import MisLinkPatients

extension ReportFigures {
    /// The figures of the facts in the UTC range of `values` (`from_utc`, `to_utc`, with the filters
    /// `operator` and `channel`, NULL for all): the queries `appeals_by_hour` (or `_in_zone` where `zoned`),
    /// `calls_by_operator`, `call_values`, `chats_by_operator` and `chat_values`, run in `transaction`.
    static func read(_ values: [String: FirebirdValue], zoned: Bool, queries: NamedQueriesRunner,
                     in transaction: Transaction) throws -> ReportFigures {
        var figures = ReportFigures()
        try figures.readAppeals(try queries.appealsByHour(values, zoned: zoned, in: transaction))
        try figures.readCalls(try queries.run("calls_by_operator", values, in: transaction))
        try figures.readCallValues(try queries.run("call_values", values, in: transaction))
        try figures.readChats(try queries.run("chats_by_operator", values, in: transaction))
        try figures.readChatValues(try queries.run("chat_values", values, in: transaction))
        try figures.readHolds(try queries.run("chat_holds", values, in: transaction), from: values)
        return figures
    }

    mutating func readAppeals(_ rows: [Row]) throws {
        guard let columns = rows.first?.columns else { return }
        let c = try ColumnIndexes(columns, ["CHANNEL", "OPERATOR_ID", "LOCAL_DATE", "LOCAL_HOUR", "TOTAL", "BOOKED", "CANCELLED",
                                            "COMPLETED", "STILL_OPEN"])
        for row in rows {
            let channel = try row.decode(String.self, at: c[0]).trimmingCharacters(in: .whitespaces)
            let id = try row.decode(Int?.self, at: c[1])
            let date = try row.decode(FirebirdDate.self, at: c[2])
            let counts = OutcomeCounts(list: try (4...8).map { try row.decode(Int.self, at: c[$0]) })
            let key = AppealKey(channel: channel, operatorId: id)
            appeals[key] = (appeals[key] ?? OutcomeCounts()) + counts
            let hour = AppealHourKey(channel: channel, operatorId: id, date: LocalDay(year: date.year, month: date.month, day: date.day),
                                     hour: try row.decode(Int.self, at: c[3]))
            appealHours[hour, default: 0] += counts.total
        }
    }

    mutating func readCalls(_ rows: [Row]) throws {
        for row in rows {
            let key = CallKey(operatorId: try row.decode(Int?.self, at: 0),
                              direction: try row.decode(String.self, at: 1).trimmingCharacters(in: .whitespaces))
            calls[key] = Self.sum(calls[key], try (2..<(2 + Self.callCounts)).map { try row.decode(Int.self, at: $0) })
        }
    }

    mutating func readChats(_ rows: [Row]) throws {
        for row in rows {
            let key = ChatKey(operatorId: try row.decode(Int?.self, at: 0),
                              channel: try row.decode(String.self, at: 1).trimmingCharacters(in: .whitespaces))
            chats[key] = Self.sum(chats[key], try (2..<(2 + Self.chatCounts)).map { try row.decode(Int.self, at: $0) })
        }
    }

    mutating func readCallValues(_ rows: [Row]) throws {
        guard let columns = rows.first?.columns else { return }
        let c = try ColumnIndexes(columns, ["KIND", "GRP", "VAL", "CNT"])
        for row in rows {
            let key = ValueKey(kind: try row.decode(String.self, at: c[0]).trimmingCharacters(in: .whitespaces), channel: "",
                               group: try row.decode(Int.self, at: c[1]))
            values[key, default: [:]][try row.decode(Int.self, at: c[2]), default: 0] += try row.decode(Int.self, at: c[3])
        }
    }

    mutating func readChatValues(_ rows: [Row]) throws {
        guard let columns = rows.first?.columns else { return }
        let c = try ColumnIndexes(columns, ["KIND", "CHANNEL", "GRP", "VAL", "CNT"])
        for row in rows {
            let key = ValueKey(kind: try row.decode(String.self, at: c[0]).trimmingCharacters(in: .whitespaces),
                               channel: try row.decode(String.self, at: c[1]).trimmingCharacters(in: .whitespaces),
                               group: try row.decode(Int.self, at: c[2]))
            values[key, default: [:]][try row.decode(Int.self, at: c[3]), default: 0] += try row.decode(Int.self, at: c[4])
        }
    }
}

extension ReportFigures {
    /// `chat_holds`' rows, whose instants count from 00:00 UTC of `values`' `from_utc` date.
    mutating func readHolds(_ rows: [Row], from values: [String: FirebirdValue]) throws {
        guard let columns = rows.first?.columns else { return }
        guard case .timestamp(let from)? = values["from_utc"] else { throw ReportError.badQuery("chat_holds needs from_utc") }
        let base = Self.units(ofMidnightOf: from.date)
        let c = try ColumnIndexes(columns, ["OPERATOR_ID", "CHANNEL", "AT_UNITS", "DELTA", "CNT"])
        for row in rows {
            let key = HoldKey(channel: try row.decode(String.self, at: c[1]).trimmingCharacters(in: .whitespaces),
                              operatorId: try row.decode(Int.self, at: c[0]))
            let point = HoldPoint(at: base + (try row.decode(Int64.self, at: c[2])), delta: try row.decode(Int.self, at: c[3]))
            holds[key, default: [:]][point, default: 0] += try row.decode(Int.self, at: c[4])
        }
    }

    /// 00:00 UTC of `date` in 1/10000 s since 1970.
    static func units(ofMidnightOf date: FirebirdDate) -> Int64 {
        // Day 40587 of Firebird's dates (from 17 Nov 1858) is 1 Jan 1970.
        (Int64(date.iscDate) - 40_587) * 864_000_000
    }
}

/// The positions of named columns in a result, looked up once for all its rows.
struct ColumnIndexes {
    private let indexes: [Int]

    init(_ columns: RowColumns, _ names: [String]) throws {
        indexes = try names.map { name in
            guard let index = columns.index(of: name) else {
                throw ReportError.badQuery("no column named \(name) in \(columns.names)")
            }
            return index
        }
    }

    subscript(_ position: Int) -> Int { indexes[position] }
}

/// Runs the named queries of `report-appeals.sql` in a transaction.
struct NamedQueriesRunner: Sendable {
    let queries: NamedQueries

    func run(_ name: String, _ values: [String: FirebirdValue], in transaction: Transaction) throws -> [Row] {
        try transaction.attachment.query(try queries.query(name)(values), in: transaction)
    }

    /// `appeals_by_hour`, or on Firebird 4+ with a zone `appeals_by_hour_in_zone` (the session's zone is UTC
    /// for the query, so the UTC columns convert exactly, then back to the attachment's own).
    func appealsByHour(_ values: [String: FirebirdValue], zoned: Bool, in transaction: Transaction) throws -> [Row] {
        guard zoned else { return try run("appeals_by_hour", values, in: transaction) }
        _ = try transaction.attachment.execute("SET TIME ZONE 'UTC'", in: transaction)
        defer { _ = try? transaction.attachment.execute("SET TIME ZONE LOCAL", in: transaction) }
        return try run("appeals_by_hour_in_zone", values, in: transaction)
    }
}
