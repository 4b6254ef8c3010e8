import Firebird
import MisLinkIntake
import MisLinkProfiles

/// The MIS profile's statements the REST API runs (SQL/profiles/CONTRACT.md), each inside the caller's
/// transaction, with the columns read by their contract aliases. Appeals go through the profile's
/// ``AppealBook`` (the MIS's `appeal_*` statements, or MisLink's own `MISLINK_APPEALS` rows when the MIS
/// has no appeals table). Every MIS id is an `Int64`.
struct MISStatements: Sendable {
    let profile: MISProfile
    let appeals: any AppealBook

    init(profile: MISProfile) {
        self.profile = profile
        appeals = profile.appealBook
    }

    /// What `book_visit` is given. Ids are the request's, already range-checked.
    struct Visit: Sendable {
        var patientId: Int64
        var doctorId: Int64
        var serviceId: Int64?
        /// Clinic wall-clock time.
        var startAt: FirebirdTimestamp
        /// Nil: the service's own length.
        var minutes: Int32?
        var appealId: Int64
        /// The console session's employee; nil for a machine client (who books is not known).
        var operatorId: Int64?
    }

    /// Whether `staff_get` knows the employee.
    func staffExists(_ id: Int64, in transaction: Transaction) throws -> Bool {
        try !rows("staff_get", ["staff_id": .bigint(id)], in: transaction).isEmpty
    }

    /// Whether `patient_message_name` knows the patient (it gives no row for an unknown id).
    func patientExists(_ id: Int64, in transaction: Transaction) throws -> Bool {
        try !rows("patient_message_name", ["patient_id": .bigint(id)], in: transaction).isEmpty
    }

    /// Whether `service_get` knows the service.
    func serviceExists(_ id: Int64, in transaction: Transaction) throws -> Bool {
        try !rows("service_get", ["service_id": .bigint(id)], in: transaction).isEmpty
    }

    /// The appeal, or nil when there is none (or its id does not fit the column that keys appeals).
    func appeal(_ id: Int64, in transaction: Transaction) throws -> Appeal? {
        do {
            return try appeals.get(id, in: AppealTransaction(profile: profile, transaction: transaction))
        } catch let error as FirebirdError where error.isNumericOverflow {
            return nil
        }
    }

    /// Cancels an open appeal (the caller reads ``appeal(_:in:)`` after it).
    /// - Throws: ``MISRefusal`` when the MIS raises an exception.
    func cancelAppeal(_ id: Int64, reason: String?, in transaction: Transaction) throws {
        do {
            try appeals.cancel(id, reason: reason, in: AppealTransaction(profile: profile, transaction: transaction))
        } catch let error as FirebirdError {
            throw MISRefusal(error, statement: "appeal_cancel") ?? error
        }
    }

    /// Books the visit through `book_visit`; its `VISIT_ID`.
    /// - Throws: ``MISRefusal`` when the MIS raises an exception (a slot taken, a doctor absent).
    func bookVisit(_ visit: Visit, in transaction: Transaction) throws -> Int64 {
        let rows = try rows("book_visit", [
            "patient_id": .bigint(visit.patientId), "doctor_id": .bigint(visit.doctorId),
            "service_id": visit.serviceId.map { .bigint($0) } ?? .null, "start_at": .timestamp(visit.startAt),
            "minutes": visit.minutes.map { .integer($0) } ?? .null, "appeal_id": .bigint(visit.appealId),
            "operator_id": visit.operatorId.map { .bigint($0) } ?? .null,
        ], in: transaction, refusable: true)
        guard let id = try rows.first?.decode(Int64?.self, column: "VISIT_ID") else {
            throw FirebirdError(code: .server, message: "book_visit of the MIS profile \(profile.name) gave no VISIT_ID")
        }
        return id
    }

    /// The rows of the statement `name` with `values` bound. With `refusable`, an exception the MIS
    /// raises becomes a ``MISRefusal``; without, an id past what the MIS's key column holds (a BIGINT code
    /// asked of an INTEGER key) finds no row.
    private func rows(_ name: String, _ values: [String: FirebirdValue], in transaction: Transaction,
                      refusable: Bool = false) throws -> [Row] {
        let statement = try profile.statement(name)
        guard refusable else { return try statement.lookup(values, in: transaction) }
        do {
            return try transaction.attachment.query(try statement.query(values), in: transaction)
        } catch let error as FirebirdError {
            throw MISRefusal(error, statement: name) ?? error
        }
    }
}
