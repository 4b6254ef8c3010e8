import Firebird
import MisLinkProfiles

/// What the outbound side reads from the MIS, through the MIS profile's named statements
/// (`SQL/profiles/CONTRACT.md`): an employee, how a message addresses a patient, a service, a visit,
/// and a mailing's recipients. Each read runs inside a caller's transaction, and every column is read
/// by the alias the contract gives, never by position.
struct MISReads: Sendable {
    let profile: MISProfile

    /// An employee as `staff_get` returns them.
    struct Staff: Sendable, Hashable {
        var fullName: String?
        /// The PBX extension commands ring from and SMS go out from; `nil` when the MIS has none.
        var `extension`: String?
    }

    /// One employee (`staff_get`); `nil` for an unknown id.
    func staff(_ id: Int64, in tx: Transaction) throws -> Staff? {
        try first("staff_get", ["staff_id": .bigint(id)], in: tx).map { row in
            Staff(
                fullName: try row.decode(String?.self, column: "FULL_NAME")?.trimmed.nilIfEmpty,
                extension: try row.decode(String?.self, column: "EXTENSION")?.trimmed.nilIfEmpty)
        }
    }

    /// How a message addresses the patient (`patient_message_name`, `NAME`); `nil` for an unknown id or an empty name.
    func patientMessageName(_ id: Int64, in tx: Transaction) throws -> String? {
        try text("patient_message_name", ["patient_id": .bigint(id)], column: "NAME", in: tx)
    }

    /// A service's name (`service_get`, `NAME`).
    func serviceName(_ id: Int64, in tx: Transaction) throws -> String? {
        try text("service_get", ["service_id": .bigint(id)], column: "NAME", in: tx)
    }

    /// A visit's cabinet (`visit_get`, `CABINET`).
    func visitCabinet(_ id: Int64, in tx: Transaction) throws -> String? {
        try text("visit_get", ["visit_id": .bigint(id)], column: "CABINET", in: tx)
    }

    /// The patients among `ids` that exist, by id (`mailing_recipients`, prepared once and executed per
    /// patient): consents, the deletion mark and the phone key messages go to.
    func recipients(_ ids: [Int64], in tx: Transaction) throws -> [Int64: Recipient] {
        let statement = try profile.statement("mailing_recipients")
        let prepared = try tx.attachment.prepare(statement.sql, in: tx)
        var found: [Int64: Recipient] = [:]
        for id in ids {
            guard let row = try statement.lookup(["patient_id": .bigint(id)], with: prepared, in: tx).first
            else { continue }
            found[id] = Recipient(
                consentSMS: try row.decode(Int.self, column: "CONSENT_SMS"),
                consentMessengers: try row.decode(Int.self, column: "CONSENT_MESSENGERS"),
                deleted: try row.decode(Int.self, column: "IS_DELETED") != 0,
                phoneKey: try row.decode(String?.self, column: "PHONE_KEY"))
        }
        return found
    }

    private func first(_ name: String, _ values: [String: FirebirdValue], in tx: Transaction) throws -> Row? {
        try profile.statement(name).lookup(values, in: tx).first
    }

    private func text(_ name: String, _ values: [String: FirebirdValue], column: String, in tx: Transaction) throws -> String? {
        try first(name, values, in: tx).flatMap { try $0.decode(String?.self, column: column) }?.trimmed.nilIfEmpty
    }
}
