import Firebird
import Foundation
import MisLinkProfiles

/// The MIS's appeals as the intake writes them: only through the profile's `appeal_*` statements
/// (SQL/profiles/CONTRACT.md, "Appeals"), so no Swift here names a MIS table or column.
///
/// MisLink's own columns (`MISLINK_APPEALS.APPEAL_ID`, `MISLINK_CHAT_THREADS.APPEAL_ID`, the staff ids)
/// are INTEGER: an id the MIS gives that does not fit is an ``ApplyError`` naming the statement, never a trap.
extension ApplyContext {
    /// One appeal as `appeal_get` reads it.
    public struct MISAppeal: Sendable {
        /// `open`, `closed` or `cancelled`.
        public var status: String
        /// The operator who holds it; nil when nobody does (detached).
        public var operatorID: Int32?
    }

    /// Whether the MIS has an appeals table the `appeal_*` statements write (`"appeals"` in profile.json).
    ///
    /// When it has none, MisLink's own appeals are to be the appeals; they are not built yet, so the
    /// intake then stores calls and chat threads without an appeal (the pipeline says so in its log at start).
    public var misHasAppeals: Bool { profile.manifest.appeals }

    /// A new open appeal in the MIS (`appeal_create`); returns its id.
    /// - Parameters:
    ///   - channel: MisLink's channel (`phone`, `whatsapp`, …, `other`); the statement maps it to the MIS's list.
    ///   - direction: `in` or `out`.
    public func createAppeal(channel: String, direction: String, patientID: FirebirdValue, operatorID: Int32?,
                             contactPhone: FirebirdValue, contactName: FirebirdValue) throws -> Int32 {
        try requireAppeals()
        let rows = try misRows("appeal_create", [
            "channel": .text(channel), "direction": .text(direction), "patient_id": patientID,
            "operator_id": operatorID.map { .integer($0) } ?? .null, "contact_phone": contactPhone, "contact_name": contactName,
        ])
        guard let id = try rows.first.flatMap({ try Self.misID($0, "APPEAL_ID", statement: "appeal_create") }) else {
            throw ApplyError("appeal_create gave no APPEAL_ID")
        }
        return id
    }

    /// The appeal's operator becomes `operatorID`; nil detaches it (`appeal_assign`).
    public func assignAppeal(_ appeal: Int32, to operatorID: Int32?) throws {
        try requireAppeals()
        _ = try misRows("appeal_assign", ["appeal_id": .integer(appeal), "operator_id": operatorID.map { .integer($0) } ?? .null])
    }

    /// Fills the appeal's patient and phone where it has none yet (`appeal_set_patient`).
    public func setAppealPatient(_ appeal: Int32, patientID: FirebirdValue, contactPhone: FirebirdValue) throws {
        try requireAppeals()
        _ = try misRows("appeal_set_patient",
                        ["appeal_id": .integer(appeal), "patient_id": patientID, "contact_phone": contactPhone])
    }

    /// The appeal as the MIS has it now (`appeal_get`); nil when the MIS has no such appeal.
    public func misAppeal(_ appeal: Int32) throws -> MISAppeal? {
        try requireAppeals()
        guard let row = try misRows("appeal_get", ["appeal_id": .integer(appeal)]).first else { return nil }
        guard let status = row["STATUS"] else { throw ApplyError("appeal_get returns no STATUS column") }
        return MISAppeal(status: status.stringValue?.trimmingCharacters(in: .whitespaces) ?? "",
                         operatorID: try Self.misID(row, "OPERATOR_ID", statement: "appeal_get"))
    }

    /// The id in column `alias` of a row a profile statement returned: nil for NULL.
    /// - Throws: ``ApplyError`` when the row has no such column, it is not a whole number, or it does not
    ///   fit MisLink's INTEGER columns.
    static func misID(_ row: Row, _ alias: String, statement: String) throws -> Int32? {
        guard let value = row[alias] else { throw ApplyError("\(statement) returns no \(alias) column") }
        if value.isNull { return nil }
        guard let wide = try? Int64(firebirdValue: value) else { throw ApplyError("\(statement): \(alias) is not a whole number") }
        guard let id = Int32(exactly: wide) else {
            throw ApplyError("\(statement): \(alias) \(wide) does not fit MisLink's INTEGER columns")
        }
        return id
    }

    private func requireAppeals() throws {
        guard misHasAppeals else {
            throw ApplyError("the MIS profile \(profile.name) has no appeals table; MisLink's own appeals are not built yet")
        }
    }
}
