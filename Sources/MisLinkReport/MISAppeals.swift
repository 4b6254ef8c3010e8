import Firebird
import Foundation
import MisLinkProfiles

/// The appeals the MIS made on its own (MisLink keeps no `MISLINK_APPEALS` row for them), read through
/// the profile's optional `report_mis_appeals` and counted here, row by row, by the report's rules.
struct MISAppeals {
    /// One appeal as the profile returns it (by alias).
    struct Appeal: Sendable {
        var id: Int64
        var channel: String
        var operatorId: Int?
        var status: String?
        /// Clinic wall-clock time.
        var createdAt: FirebirdTimestamp
    }

    /// The MIS's own appeals of a report and which of them are booked.
    struct Own: Sendable {
        var appeals: [Appeal] = []
        /// Ids whose chain has a 'booked' event.
        var booked: Set<Int64> = []
    }

    /// The profile's statement, when the profile has one and the MIS has appeals (`"appeals": true`).
    static func statement(in profile: MISProfile) -> ProfileStatement? {
        guard profile.manifest.appeals else { return nil }
        return profile.statements["report_mis_appeals"]
    }

    /// The MIS's own appeals created in the report's period that pass its filters.
    static func read(_ statement: ProfileStatement, request: ReportRequest, in transaction: Transaction) throws -> [Appeal] {
        let from = FirebirdTimestamp(year: request.from.year, month: request.from.month, day: request.from.day)
        let end = request.to.next
        let to = FirebirdTimestamp(year: end.year, month: end.month, day: end.day)
        let rows = try transaction.attachment.query(statement.query(["from": .timestamp(from), "to": .timestamp(to)]),
                                                    in: transaction)
        return try rows.map { row in
            Appeal(id: try row.decode(Int64.self, column: "APPEAL_ID"),
                   channel: try row.decode(String.self, column: "CHANNEL").trimmingCharacters(in: .whitespaces),
                   operatorId: try row.decode(Int?.self, column: "OPERATOR_ID"),
                   status: try row.decode(String?.self, column: "STATUS")?.trimmingCharacters(in: .whitespaces),
                   createdAt: try row.decode(FirebirdTimestamp.self, column: "CREATED_AT"))
        }.filter { appeal in
            (request.operatorId == nil || appeal.operatorId == request.operatorId)
                && (request.channel == nil || appeal.channel == request.channel)
        }
    }

    /// The outcome counts of one appeal (`booked`: its chain has a 'booked' event).
    static func outcome(_ appeal: Appeal, booked: Bool) -> OutcomeCounts {
        var counts = OutcomeCounts()
        counts.total = 1
        switch (booked, appeal.status) {
        case (true, _): counts.booked = 1
        case (false, "cancelled"): counts.cancelled = 1
        case (false, "closed"): counts.completed = 1
        default: counts.stillOpen = 1
        }
        return counts
    }

    /// Firebird's `EXTRACT(WEEKDAY …)` of a date: 0 = Sunday … 6 (day 0 of `iscDate`, 17 Nov 1858, was a Wednesday).
    static func weekday(_ date: FirebirdDate) -> Int {
        ((Int(date.iscDate) + 3) % 7 + 7) % 7
    }
}
