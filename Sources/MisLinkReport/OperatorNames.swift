import Firebird
import Foundation
import MisLinkProfiles

/// The names of the operators a report mentions, read through the MIS profile's `staff_get` (one
/// prepared statement run per id), so the report needs nothing of the MIS's staff table.
struct OperatorNames: Sendable, Equatable {
    /// Trimmed names by the MIS's employee id; an id the MIS does not know, or one without a name, is absent.
    var names: [Int: String] = [:]

    /// "no operator" for none, the name, else "staff #<id>".
    func label(_ id: Int?) -> String {
        guard let id else { return "no operator" }
        return names[id] ?? "staff #\(id)"
    }

    /// The names of `ids` through `profile`'s `staff_get`, in `transaction`.
    static func read(_ ids: Set<Int>, profile: MISProfile, in transaction: Transaction) throws -> OperatorNames {
        var result = OperatorNames()
        guard !ids.isEmpty else { return result }
        let staffGet = try profile.statement("staff_get")
        let statement = try transaction.attachment.prepare(staffGet.sql, in: transaction)
        for id in ids.sorted() {
            let rows = try staffGet.lookup(["staff_id": .bigint(Int64(id))], with: statement, in: transaction)
            if let name = try rows.first?.decode(String?.self, column: "FULL_NAME")?.trimmingCharacters(in: .whitespaces),
               !name.isEmpty {
                result.names[id] = name
            }
        }
        return result
    }
}

extension AppealsReport {
    /// Every operator id the report mentions (the filter's included).
    var operatorIds: Set<Int> {
        var ids = Set(appeals.byOperator.compactMap(\.operatorId))
        ids.formUnion(calls.byOperator.compactMap(\.operatorId))
        ids.formUnion(chats.byOperator.compactMap(\.operatorId))
        if let id = parameters.operatorId { ids.insert(id) }
        return ids
    }

    /// The report with every operator row (and the filter) labelled from `names`.
    func named(_ names: OperatorNames) -> AppealsReport {
        var report = self
        report.parameters.operatorName = parameters.operatorId.map(names.label)
        for index in report.appeals.byOperator.indices {
            report.appeals.byOperator[index].operatorName = names.label(report.appeals.byOperator[index].operatorId)
        }
        for index in report.calls.byOperator.indices {
            report.calls.byOperator[index].operatorName = names.label(report.calls.byOperator[index].operatorId)
        }
        for index in report.chats.byOperator.indices {
            report.chats.byOperator[index].label = names.label(report.chats.byOperator[index].operatorId)
        }
        return report
    }
}
