import Firebird
import Foundation

/// The SQL of MisLink's report-day tables (Migrations/V020__report_days.sql): `MISLINK_REPORT_DAYS`,
/// `MISLINK_REPORT_DAY_STATE` and `MISLINK_REPORT_CHANGES`, run in the caller's transaction.
struct ReportDaysStore {
    let transaction: Transaction
    private var attachment: FirebirdAttachment { transaction.attachment }

    /// Whether the database has the tables (V020 applied).
    func exists() throws -> Bool {
        let rows = try attachment.query(
            "SELECT COUNT(*) AS N FROM RDB$RELATIONS WHERE RDB$RELATION_NAME = 'MISLINK_REPORT_DAY_STATE'", in: transaction)
        return try rows[0].decode(Int.self, column: "N") == 1
    }

    /// The built days from `from` to `to` and the clock each was counted by.
    func builtDays(from: LocalDay, to: LocalDay) throws -> [LocalDay: String] {
        let rows = try attachment.query(
            """
            SELECT S.LOCAL_DAY, S.CLOCK FROM MISLINK_REPORT_DAY_STATE S
             WHERE S.LOCAL_DAY >= \(from.firebirdDate) AND S.LOCAL_DAY <= \(to.firebirdDate)
            """, in: transaction)
        var days: [LocalDay: String] = [:]
        for row in rows {
            let date = try row.decode(FirebirdDate.self, column: "LOCAL_DAY")
            days[LocalDay(year: date.year, month: date.month, day: date.day)] = try row.decode(String.self, column: "CLOCK")
        }
        return days
    }

    /// When each built day from `from` to `to` was counted.
    func builtTimes(from: LocalDay, to: LocalDay) throws -> [LocalDay: Date] {
        let rows = try attachment.query(
            """
            SELECT S.LOCAL_DAY, S.BUILT_AT FROM MISLINK_REPORT_DAY_STATE S
             WHERE S.LOCAL_DAY >= \(from.firebirdDate) AND S.LOCAL_DAY <= \(to.firebirdDate)
            """, in: transaction)
        var days: [LocalDay: Date] = [:]
        let utc = TimeZone(identifier: "UTC")!
        for row in rows {
            let date = try row.decode(FirebirdDate.self, column: "LOCAL_DAY")
            days[LocalDay(year: date.year, month: date.month, day: date.day)] = try row.decode(FirebirdTimestamp.self, column: "BUILT_AT").date(in: utc)
        }
        return days
    }

    /// The hours (UTC, as instants) that hold a change mark in [`from`, `to`), or all of them.
    func markedHours(from: Date? = nil, to: Date? = nil) throws -> [Date] {
        let epoch = FirebirdTimestamp(year: 2000, month: 1, day: 1)
        let utc = TimeZone(identifier: "UTC")!
        let low = from.map { FirebirdTimestamp($0, in: utc) } ?? FirebirdTimestamp(year: 1, month: 1, day: 1)
        let high = to.map { FirebirdTimestamp($0, in: utc) } ?? FirebirdTimestamp(year: 9999, month: 12, day: 31)
        let rows = try attachment.query(
            """
            SELECT DISTINCT DATEDIFF(HOUR, \(epoch), C.FACT_AT) AS H FROM MISLINK_REPORT_CHANGES C
             WHERE C.FACT_AT >= \(low) AND C.FACT_AT < \(high)
            """, in: transaction)
        let start = epoch.date(in: utc)
        return try rows.map { start.addingTimeInterval(TimeInterval(try $0.decode(Int.self, column: "H") * 3600)) }
    }

    /// Every stored row from `from` to `to` whose day `keep` accepts, handed to `body` as it is fetched.
    func forEachRow(from: LocalDay, to: LocalDay, keep: (LocalDay) -> Bool, _ body: (LocalDay, ReportDayRow) -> Void) throws {
        let statement = try attachment.prepare(
            """
            SELECT D.LOCAL_DAY, D.SECTION, D.MEASURE, D.CHANNEL, D.OPERATOR_ID, D.FIGURES FROM MISLINK_REPORT_DAYS D
             WHERE D.LOCAL_DAY >= ? AND D.LOCAL_DAY <= ?
            """, in: transaction)
        try statement.execute([.date(from.firebirdDate), .date(to.firebirdDate)], in: transaction)
        var lastNumber = Int.min
        var lastDay = from
        var kept = false
        while try statement.fetch() {
            guard case .date(let date) = statement.value(0) else { continue }
            let number = Int(date.iscDate)
            if number != lastNumber {
                lastNumber = number
                lastDay = LocalDay(number: number)
                kept = keep(lastDay)
            }
            guard kept else { continue }
            body(lastDay, ReportDayRow(section: statement.string(1) ?? "", measure: statement.string(2) ?? "",
                                       channel: statement.string(3) ?? "", operatorId: statement.int64(4).map { Int($0) },
                                       figures: statement.string(5) ?? ""))
        }
        try statement.closeCursor()
    }

    /// Replaces `day`'s rows with `rows` and records it as built by `clock` now.
    func replace(_ day: LocalDay, rows: [ReportDayRow], clock: String, builtAt: Date) throws {
        _ = try attachment.execute("DELETE FROM MISLINK_REPORT_DAYS D WHERE D.LOCAL_DAY = \(day.firebirdDate)", in: transaction)
        if !rows.isEmpty {
            let insert = try attachment.prepare(
                "INSERT INTO MISLINK_REPORT_DAYS (LOCAL_DAY, SECTION, MEASURE, CHANNEL, OPERATOR_ID, FIGURES) VALUES (?, ?, ?, ?, ?, ?)",
                in: transaction)
            for row in rows {
                try insert.execute([.date(day.firebirdDate), .text(row.section), .text(row.measure), .text(row.channel),
                                    row.operatorId.map { .bigint(Int64($0)) } ?? .null, .text(row.figures)], in: transaction)
            }
        }
        let at = FirebirdTimestamp(builtAt, in: TimeZone(identifier: "UTC")!)
        _ = try attachment.execute(
            """
            UPDATE OR INSERT INTO MISLINK_REPORT_DAY_STATE (LOCAL_DAY, CLOCK, BUILT_AT)
            VALUES (\(day.firebirdDate), \(clock), \(at)) MATCHING (LOCAL_DAY)
            """, in: transaction)
    }

    /// Deletes the change marks in [`from`, `to`) this transaction sees (marks committed after it started
    /// stay: their days are counted again next time).
    func deleteMarks(from: Date, to: Date) throws {
        let utc = TimeZone(identifier: "UTC")!
        _ = try attachment.execute(
            """
            DELETE FROM MISLINK_REPORT_CHANGES C
             WHERE C.FACT_AT >= \(FirebirdTimestamp(from, in: utc)) AND C.FACT_AT < \(FirebirdTimestamp(to, in: utc))
            """, in: transaction)
    }

    /// The earliest instant any fact the report counts is at, or nil without facts.
    func firstFact() throws -> Date? {
        let rows = try attachment.query(
            """
            SELECT MIN(X.FACT_AT) AS FIRST_AT FROM (
                SELECT MIN(M.CREATED_AT) AS FACT_AT FROM MISLINK_APPEALS M UNION ALL
                SELECT MIN(C.STARTED_AT) FROM MISLINK_CALLS C UNION ALL
                SELECT MIN(T.OPENED_AT) FROM MISLINK_CHAT_THREADS T) X
            """, in: transaction)
        return try rows[0].decode(FirebirdTimestamp?.self, column: "FIRST_AT")?.date(in: TimeZone(identifier: "UTC")!)
    }
}

extension LocalDay {
    var firebirdDate: FirebirdDate { FirebirdDate(year: year, month: month, day: day) }
}
