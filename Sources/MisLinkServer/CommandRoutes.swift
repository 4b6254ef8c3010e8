import Firebird
import Foundation
import Hummingbird

/// PBX commands and bookings for web MIS screens, the same as the rows desktop screens insert:
///
/// - `POST /api/v1/commands` inserts a `MISLINK_COMMANDS` row (click-to-call, transfer, hangup, start
///   recording); its trigger posts `MISLINK_COMMAND`, the outbound dispatcher sends it, and
///   `GET /api/v1/commands/{id}` shows how it went (the PBX's result arrives by `command_id`).
/// - `POST /api/v1/appeals/{id}/booking` books a visit from an appeal: a `SCHEDULE` row carrying the
///   appeal id, so the MIS's own trigger records the booking on the appeal and queues the patient's
///   confirmation, exactly as when the desktop MIS books it.
struct CommandRoutes {
    let pool: FirebirdPool

    struct NewCommand: Codable {
        /// `call`, `transfer`, `hangup`, `record`.
        var kind: String
        /// The operator (STAFF.ID) on whose behalf: their extension dials, or their call is acted on.
        var staffId: Int
        /// A number in any format, an extension or a group: what to call or where to transfer.
        var target: String?
        /// MISLINK_CALLS.ID for transfer, hangup and record.
        var callId: Int64?
        var patientId: Int?
        var appealId: Int?
        /// `blind` (default) or `consultative`, for a transfer.
        var method: String?
    }

    struct Command: Codable, ResponseEncodable {
        var id: Int64
        var kind: String
        var staffId: Int
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
        var patientId: Int?
        var doctorId: Int
        var serviceId: Int?
        /// Clinic wall-clock time, as SCHEDULE.START_AT holds it: `2026-11-28T10:30:00` (no zone).
        var startAt: String
        /// Length of the visit; defaults to the service's DURATION_MIN, else 30.
        var minutes: Int?
    }

    struct Booking: Codable, ResponseEncodable {
        var scheduleId: Int
        var appealId: Int
        var patientId: Int
        var startAt: String
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.post("commands") { request, _ in
            let command = try JSONCoding.decoder.decode(NewCommand.self, from: try await request.body(limit: 16 * 1024))
            return try Response.json(try await create(command), status: .created)
        }
        group.get("commands/:id") { _, context in
            guard let id = context.parameters.get("id").flatMap(Int64.init) else {
                throw HTTPError(.badRequest, message: "the command id must be an integer")
            }
            return try await read(id)
        }
        group.post("appeals/:id/booking") { request, context in
            guard let appeal = context.parameters.get("id").flatMap(Int32.init) else {
                throw HTTPError(.badRequest, message: "the appeal id must be an integer")
            }
            let booking = try JSONCoding.decoder.decode(NewBooking.self, from: try await request.body(limit: 16 * 1024))
            return try Response.json(try await book(appeal, booking), status: .created)
        }
    }

    private func create(_ command: NewCommand) async throws -> Command {
        guard ["call", "transfer", "hangup", "record"].contains(command.kind) else {
            throw HTTPError(.badRequest, message: "kind must be call, transfer, hangup or record")
        }
        if command.kind == "call" || command.kind == "transfer", (command.target ?? "").isEmpty {
            throw HTTPError(.badRequest, message: "\(command.kind) needs a target")
        }
        if command.kind != "call", command.callId == nil {
            throw HTTPError(.badRequest, message: "\(command.kind) needs call_id")
        }
        if let method = command.method, !["blind", "consultative"].contains(method) {
            throw HTTPError(.badRequest, message: "method must be blind or consultative")
        }
        let payload = command.method.map { #"{"method":"\#($0)"}"# }
        let insert = FirebirdQuery(
            unsafeSQL: """
                INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, TARGET, CALL_ID, PATIENT_ID, APPEAL_ID, PAYLOAD, CREATED_BY)
                SELECT ?, S.ID, ?, ?, ?, ?, ?, 'api' FROM STAFF S WHERE S.ID = ?
                RETURNING ID
                """,
            bindings: [.text(command.kind), command.target.map { .text($0) } ?? .null, command.callId.map { .bigint($0) } ?? .null,
                       command.patientId.map { .integer(Int32($0)) } ?? .null, command.appealId.map { .integer(Int32($0)) } ?? .null,
                       payload.map { .text($0) } ?? .null, .integer(Int32(clamping: command.staffId))])
        let rows = try await pool.withTransaction { try $0.attachment.query(insert, in: $0) }
        guard let id = try rows.first?.decode(Int64?.self, at: 0) else {
            throw HTTPError(.badRequest, message: "no employee \(command.staffId)")
        }
        return try await read(id)
    }

    private func read(_ id: Int64) async throws -> Command {
        let rows = try await pool.withConnection {
            try await $0.query(FirebirdQuery(
                unsafeSQL: """
                    SELECT ID, KIND, STAFF_ID, TARGET, CALL_ID, STATUS, RESULT_CODE, RESULT, PBX_COMMAND_ID, CREATED_AT, DONE_AT
                    FROM MISLINK_COMMANDS WHERE ID = ?
                    """, bindings: [.bigint(id)]))
        }
        guard let row = rows.first else { throw HTTPError(.notFound, message: "no command \(id)") }
        return Command(
            id: try row.decode(Int64.self, at: 0), kind: try row.decode(String.self, at: 1), staffId: try row.decode(Int.self, at: 2),
            target: try row.decode(String?.self, at: 3), callId: try row.decode(Int64?.self, at: 4),
            status: try row.decode(String.self, at: 5), resultCode: try row.decode(String?.self, at: 6),
            result: try row.decode(String?.self, at: 7), pbxCommandId: try row.decode(String?.self, at: 8),
            createdAt: try row.decode(FirebirdTimestamp.self, at: 9).date(in: .utc),
            doneAt: try row.decode(FirebirdTimestamp?.self, at: 10)?.date(in: .utc))
    }

    private func book(_ appeal: Int32, _ booking: NewBooking) async throws -> Booking {
        guard let start = Self.wallClock(booking.startAt) else {
            throw HTTPError(.badRequest, message: "start_at must be clinic wall-clock time such as 2026-11-28T10:30:00")
        }
        let query = FirebirdQuery(
            unsafeSQL: """
                INSERT INTO SCHEDULE (PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS, APPEAL_ID)
                SELECT COALESCE(CAST(? AS INTEGER), A.PATIENT_ID), ?, CAST(? AS INTEGER), CAST(? AS TIMESTAMP),
                    DATEADD(MINUTE, COALESCE(CAST(? AS INTEGER),
                        (SELECT V.DURATION_MIN FROM SERVICES V WHERE V.ID = CAST(? AS INTEGER)), 30), CAST(? AS TIMESTAMP)),
                    'booked', A.ID
                FROM APPEALS A WHERE A.ID = ? AND A.STATUS = 'open'
                RETURNING ID, PATIENT_ID
                """,
            bindings: [booking.patientId.map { .integer(Int32($0)) } ?? .null, .integer(Int32(clamping: booking.doctorId)),
                       booking.serviceId.map { .integer(Int32($0)) } ?? .null, .timestamp(start),
                       booking.minutes.map { .integer(Int32(clamping: $0)) } ?? .null,
                       booking.serviceId.map { .integer(Int32($0)) } ?? .null, .timestamp(start), .integer(appeal)])
        let rows = try await pool.withTransaction { transaction -> [Row] in
            let rows = try transaction.attachment.query(query, in: transaction)
            if let id = try rows.first?.decode(Int?.self, at: 0) {
                _ = try transaction.attachment.execute(FirebirdQuery(
                    unsafeSQL: "UPDATE MISLINK_APPEALS SET BOOKED_SCHEDULE_ID = ? WHERE APPEAL_ID = ?",
                    bindings: [.integer(Int32(id)), .integer(appeal)]), in: transaction)
            }
            return rows
        }
        guard let row = rows.first, let id = try row.decode(Int?.self, at: 0) else {
            throw HTTPError(.notFound, message: "no open appeal \(appeal) (a booking needs an open appeal with a patient)")
        }
        return Booking(scheduleId: id, appealId: Int(appeal), patientId: try row.decode(Int.self, at: 1),
                       startAt: String(start.description.prefix(19)))
    }

    /// `YYYY-MM-DDTHH:MM[:SS]` (or with a space) as a wall-clock timestamp.
    static func wallClock(_ text: String) -> FirebirdTimestamp? {
        let parts = text.replacingOccurrences(of: "T", with: " ").split(whereSeparator: { " -:".contains($0) }).compactMap { Int($0) }
        guard parts.count >= 5, (1...12).contains(parts[1]), (1...31).contains(parts[2]), (0...23).contains(parts[3]),
              (0...59).contains(parts[4]) else { return nil }
        return FirebirdTimestamp(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4],
                                 second: parts.count > 5 ? parts[5] : 0)
    }
}
