import Firebird
import Foundation
import MisLinkProfiles

/// The appeals as the intake writes them: through ``appeals`` (the MIS's `appeal_*` statements, or
/// MisLink's own `MISLINK_APPEALS` rows when the MIS has no appeals table), so no Swift here names a MIS
/// table or column. Every MIS id is an `Int64`.
extension ApplyContext {
    /// The appeals of the batch's MIS (see ``AppealBook``).
    public var appeals: any AppealBook { appealBook }

    /// The id in column `alias` of a row a statement returned: nil for NULL.
    /// - Throws: ``ApplyError`` when the row has no such column or it is not a whole number.
    static func misID(_ row: Row, _ alias: String, statement: String) throws -> Int64? {
        guard let value = row[alias] else { throw ApplyError("\(statement) returns no \(alias) column") }
        if value.isNull { return nil }
        guard let id = try? Int64(firebirdValue: value) else { throw ApplyError("\(statement): \(alias) is not a whole number") }
        return id
    }
}
