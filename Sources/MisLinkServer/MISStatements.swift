import Firebird
import MisLinkProfiles

/// The MIS profile's statements the REST API runs (SQL/profiles/CONTRACT.md), each inside the caller's
/// transaction, with the columns read by their contract aliases.
struct MISStatements: Sendable {
    let profile: MISProfile

    /// An appeal as `appeal_get` returns it.
    struct Appeal: Decodable, Sendable {
        var appealId: Int64
        /// `open`, `closed` or `cancelled`.
        var status: String
        var result: String?
        var operatorId: Int64?
        var patientId: Int64?

        var isOpen: Bool { status.trimmingCharacters(in: .whitespaces) == "open" }
    }

    /// What `book_visit` is given. Ids are the request's, already range-checked.
    struct Visit: Sendable {
        var patientId: Int64
        var doctorId: Int32
        var serviceId: Int32?
        /// Clinic wall-clock time.
        var startAt: FirebirdTimestamp
        /// Nil: the service's own length.
        var minutes: Int32?
        var appealId: Int32
        /// Nil: nobody known (the REST API does not say who books).
        var operatorId: Int64?
    }

    /// Whether `staff_get` knows the employee.
    func staffExists(_ id: Int32, in transaction: Transaction) throws -> Bool {
        try !rows("staff_get", ["staff_id": .integer(id)], in: transaction).isEmpty
    }

    /// Whether `patient_message_name` knows the patient (it gives no row for an unknown id).
    func patientExists(_ id: Int32, in transaction: Transaction) throws -> Bool {
        try !rows("patient_message_name", ["patient_id": .integer(id)], in: transaction).isEmpty
    }

    /// Whether `service_get` knows the service.
    func serviceExists(_ id: Int32, in transaction: Transaction) throws -> Bool {
        try !rows("service_get", ["service_id": .integer(id)], in: transaction).isEmpty
    }

    /// The appeal, or nil when `appeal_get` gives no row.
    func appeal(_ id: Int32, in transaction: Transaction) throws -> Appeal? {
        try rows("appeal_get", ["appeal_id": .integer(id)], in: transaction).first?.decode(Appeal.self)
    }

    /// Runs `appeal_cancel` (the caller reads ``appeal(_:in:)`` after it).
    /// - Throws: ``MISRefusal`` when the MIS raises an exception.
    func cancelAppeal(_ id: Int32, reason: FirebirdValue, in transaction: Transaction) throws {
        _ = try rows("appeal_cancel", ["appeal_id": .integer(id), "reason": reason], in: transaction, refusable: true)
    }

    /// Books the visit through `book_visit`; its `VISIT_ID`.
    /// - Throws: ``MISRefusal`` when the MIS raises an exception (a slot taken, a doctor absent).
    func bookVisit(_ visit: Visit, in transaction: Transaction) throws -> Int64 {
        let rows = try rows("book_visit", [
            "patient_id": .bigint(visit.patientId), "doctor_id": .integer(visit.doctorId),
            "service_id": visit.serviceId.map { .integer($0) } ?? .null, "start_at": .timestamp(visit.startAt),
            "minutes": visit.minutes.map { .integer($0) } ?? .null, "appeal_id": .integer(visit.appealId),
            "operator_id": visit.operatorId.map { .bigint($0) } ?? .null,
        ], in: transaction, refusable: true)
        guard let id = try rows.first?.decode(Int64?.self, column: "VISIT_ID") else {
            throw FirebirdError(code: .server, message: "book_visit of the MIS profile \(profile.name) gave no VISIT_ID")
        }
        return id
    }

    /// The rows of the statement `name` with `values` bound. With `refusable`, an exception the MIS
    /// raises becomes a ``MISRefusal``.
    private func rows(_ name: String, _ values: [String: FirebirdValue], in transaction: Transaction,
                      refusable: Bool = false) throws -> [Row] {
        let query = try profile.statement(name).query(values)
        do {
            return try transaction.attachment.query(query, in: transaction)
        } catch let error as FirebirdError where refusable {
            throw MISRefusal(error, statement: name) ?? error
        }
    }
}
