import Firebird
import Foundation
import Hummingbird
import MisLinkProfiles
import MisLinkStore

/// PBX commands and bookings for web MIS screens, the same as the rows desktop screens insert:
///
/// - `POST /api/v1/commands` inserts a `MISLINK_COMMANDS` row (click-to-call, transfer, hangup, start
///   recording); its trigger posts `MISLINK_COMMAND`, the outbound dispatcher sends it, and
///   `GET /api/v1/commands/{id}` shows how it went (the PBX's result arrives by `command_id`).
/// - `POST /api/v1/appeals/{id}/booking` books a visit from an open appeal through the MIS profile's
///   `book_visit`, given the appeal's id (on the reference schema a `SCHEDULE` row carrying it, so the
///   MIS's own trigger records the booking on the appeal and queues the patient's confirmation, exactly as
///   when the desktop MIS books it; МедБаза's procedure keeps it in `VNESH_ID`, and its trigger writes
///   `booked`, which closes MisLink's own appeal). A refusal the MIS raises is a 409 with its text.
struct CommandRoutes {
    let pool: FirebirdPool
    let mis: MISStatements

    init(pool: FirebirdPool, profile: MISProfile) {
        self.pool = pool
        mis = MISStatements(profile: profile)
    }

    struct NewCommand: Codable {
        /// `call`, `transfer`, `hangup`, `record`.
        var kind: String
        /// The operator (the MIS's employee id) on whose behalf: their extension dials, or their call is acted on.
        /// A console session's own employee when left out (and an operator may name no one else).
        var staffId: Int64?
        /// A number in any format, an extension or a group: what to call or where to transfer.
        var target: String?
        /// MISLINK_CALLS.ID for transfer, hangup and record.
        var callId: Int64?
        var patientId: Int64?
        var appealId: Int64?
        /// `blind` (default) or `consultative`, for a transfer.
        var method: String?
    }

    struct Command: Codable, ResponseEncodable {
        var id: Int64
        var kind: String
        var staffId: Int64
        var target: String?
        var callId: Int64?
        var status: String
        var resultCode: String?
        var result: String?
        var pbxCommandId: String?
        var createdAt: Date
        var doneAt: Date?
    }

    struct NewBooking: Codable {
        var patientId: Int64?
        var doctorId: Int64
        var serviceId: Int64?
        /// Clinic wall-clock time, as the MIS keeps visit times: `2026-11-28T10:30:00` (no zone).
        var startAt: String
        /// Length of the visit; defaults to the service's DURATION_MIN, else 30.
        var minutes: Int?
    }

    struct Booking: Codable, ResponseEncodable {
        var scheduleId: Int64
        var appealId: Int64
        var patientId: Int64
        var startAt: String
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.post("commands") { request, context in
            let command = try RequestInput.decode(NewCommand.self, from: try await request.body(limit: 16 * 1024))
            return try Response.json(try await create(command, context: context), status: .created)
        }
        group.get("commands/:id") { _, context in
            let id = try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
            guard let command = try await read(id) else { throw HTTPError(.notFound, message: "no command \(id)") }
            return command
        }
        group.post("appeals/:id/booking") { request, context in
            let appeal = try RequestInput.id(text: context.parameters.get("id") ?? "", "id")
            let booking = try RequestInput.decode(NewBooking.self, from: try await request.body(limit: 16 * 1024))
            return try Response.json(try await book(appeal, booking, context: context), status: .created)
        }
    }

    /// Inserts the command after checking it (the call back of a card uses it too); returns it as stored.
    func create(_ command: NewCommand, context: WorkerRequestContext) async throws -> Command {
        guard let kind = CommandKind(rawValue: command.kind), kind != .message else {
            throw HTTPError(.badRequest, message: "kind must be call, transfer, hangup or record")
        }
        guard let staff = try context.actingStaffId(try command.staffId.map { try RequestInput.bigint($0, "staff_id") }) else {
            throw HTTPError(.badRequest, message: "staff_id is required")
        }
        let patient = try command.patientId.map { try RequestInput.bigint($0, "patient_id") }
        let appeal = try command.appealId.map { try RequestInput.bigint($0, "appeal_id") }
        let call = try command.callId.map { try RequestInput.bigint($0, "call_id") }
        let target = try RequestInput.text(command.target, "target", max: 128)  // VARCHAR(128) CHARACTER SET UTF8
        if command.kind == "call" || command.kind == "transfer", (target ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw HTTPError(.badRequest, message: "\(command.kind) needs a target")
        }
        if command.kind != "call", call == nil {
            throw HTTPError(.badRequest, message: "\(command.kind) needs call_id")
        }
        if let method = command.method {
            guard command.kind == "transfer" else { throw HTTPError(.badRequest, message: "method is for a transfer only") }
            guard ["blind", "consultative"].contains(method) else {
                throw HTTPError(.badRequest, message: "method must be blind or consultative")
            }
        }
        let payload = command.method.map { #"{"method":"\#($0)"}"# }
        // The staff member and the call are checked first, so a wrong id is a 400 naming it rather than the
        // database refusing a foreign key.
        let new = RequestedCommand(kind: kind, staffId: staff, target: target, callId: call, patientId: patient, appealId: appeal,
                                   payload: payload)
        let mis = self.mis
        let id = try await pool.withTransaction { transaction -> Int64? in
            guard try mis.staffExists(staff, in: transaction)
            else { throw HTTPError(.badRequest, message: "staff_id: no employee \(staff)") }
            if let call {
                guard try Calls.exists(call, in: transaction) else { throw HTTPError(.badRequest, message: "call_id: no call \(call)") }
            }
            let id = try Commands.insert(new, in: transaction)
            if let audit = context.audit(.command, "command", id, details: kind.rawValue) { try Audit.record(audit, in: transaction) }
            return id
        }
        guard let id, let created = try await read(id) else {
            throw HTTPError(.internalServerError, message: "the command was not stored")
        }
        return created
    }

    private func read(_ id: Int64) async throws -> Command? {
        guard let row = try await pool.withTransaction(.readOnly, { try Commands.command(id, in: $0) }) else { return nil }
        return Command(
            id: row.id, kind: row.kind.rawValue, staffId: row.staffId, target: row.target, callId: row.callId,
            status: row.status.rawValue, resultCode: row.resultCode, result: row.result, pbxCommandId: row.pbxCommandId,
            createdAt: row.createdAt, doneAt: row.doneAt)
    }

    /// The longest visit a booking takes, in minutes (a week).
    static let maxMinutes = 7 * 24 * 60

    /// Books from an open appeal; the patient is the body's, else the appeal's. When the appeal is MisLink's
    /// own and the profile's booking trigger did not enter `booked` in its chain (a profile with
    /// `"booking_changes": "none"`), MisLink enters it, so the booking closes the appeal either way.
    private func book(_ appeal: Int64, _ booking: NewBooking, context: WorkerRequestContext) async throws -> Booking {
        guard let start = Self.wallClock(booking.startAt) else {
            throw HTTPError(.badRequest, message: "start_at must be clinic wall-clock time such as 2026-11-28T10:30:00")
        }
        let patient = try booking.patientId.map { try RequestInput.bigint($0, "patient_id") }
        let doctor = try RequestInput.bigint(booking.doctorId, "doctor_id")
        let service = try booking.serviceId.map { try RequestInput.bigint($0, "service_id") }
        let minutes = try RequestInput.integer(booking.minutes, "minutes", in: 1...Self.maxMinutes)
        // A console session books as its employee (the MIS's own "who booked", where it keeps one).
        let operatorId = try context.actingStaffId(nil)
        let mis = self.mis
        let outcome = try await pool.withTransaction { transaction -> BookingOutcome in
            // Each id the body names is looked up first: a wrong one is a 400 naming it, not a foreign key refused.
            for (field, table, id, exists) in [
                ("doctor_id", "staff", doctor, mis.staffExists), ("patient_id", "patients", patient, mis.patientExists),
                ("service_id", "services", service, mis.serviceExists),
            ] as [(String, String, Int64?, (Int64, Transaction) throws -> Bool)] {
                guard let id else { continue }
                guard try exists(id, transaction) else { return .unknown(field: field, table: table, id: id) }
            }
            guard let found = try mis.appeal(appeal, in: transaction), found.isOpen,
                  let patient = patient ?? found.patientID
            else { return .noOpenAppeal }
            let visit = try mis.bookVisit(
                MISStatements.Visit(patientId: patient, doctorId: doctor, serviceId: service, startAt: start, minutes: minutes,
                                    appealId: appeal, operatorId: operatorId), in: transaction)
            // MisLink's own record of the booking (on the reference schema the SCHEDULE trigger writes it too).
            try Appeals.recordBooking(appeal, visit: visit, in: transaction)
            if mis.appeals.isOwn, try mis.appeal(appeal, in: transaction)?.isOpen == true {
                try Appeals.enterBooked(appeal, visit: visit, in: transaction)
            }
            if let audit = context.audit(.booking, "appeal", appeal, details: "visit \(visit)") { try Audit.record(audit, in: transaction) }
            return .booked(visit: visit, patient: patient)
        }
        switch outcome {
        case .unknown(let field, let table, let id):
            throw HTTPError(.badRequest, message: "\(field): there is no \(table) row \(id)")
        case .noOpenAppeal:
            throw HTTPError(.notFound, message: "no open appeal \(appeal) (a booking needs an open appeal with a patient)")
        case .booked(let visit, let patient):
            return Booking(scheduleId: visit, appealId: appeal, patientId: patient,
                           startAt: String(start.description.prefix(19)))
        }
    }

    /// What a booking's transaction found; a refusal by the MIS is thrown (``MISRefusal``) and rolls it back.
    private enum BookingOutcome: Sendable {
        case unknown(field: String, table: String, id: Int64)
        case noOpenAppeal
        case booked(visit: Int64, patient: Int64)
    }
    /// `YYYY-MM-DDTHH:MM[:SS]` (or with a space) as a wall-clock timestamp: a real calendar day in years
    /// 1 to 9998 (within Firebird's range with the visit's end), nothing else in the text.
    static func wallClock(_ text: String) -> FirebirdTimestamp? {
        let pattern = #/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/#
        guard let match = text.wholeMatch(of: pattern), let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
              let hour = Int(match.4), let minute = Int(match.5) else { return nil }
        let second = match.6.flatMap { Int($0) } ?? 0
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        // Up to 9998, so that the visit's end (a week at most later) is a timestamp too.
        guard (1...9998).contains(year), (1...12).contains(month), (1...days[month - 1]).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        return FirebirdTimestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}
