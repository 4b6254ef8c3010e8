import Firebird
import Foundation
import Testing

@testable import MisLinkProfiles

/// The reference profile's statements do what CONTRACT.md says, run on a migrated reference database
/// in a transaction that is rolled back.
@Suite("The reference profile's statements")
struct ReferenceStatementsTests {
    let profile: MISProfile

    init() throws { profile = try MISProfile(directory: ProfileFixture.reference) }

    func rows(_ name: String, _ values: [String: FirebirdValue] = [:], in transaction: Transaction) throws -> [Row] {
        try transaction.attachment.query(try profile.statement(name).query(values), in: transaction)
    }

    func execute(_ name: String, _ values: [String: FirebirdValue], in transaction: Transaction) throws -> Int {
        try transaction.attachment.execute(try profile.statement(name).query(values), in: transaction)
    }

    /// `2030-01-07 10:00:00` as a timestamp.
    static func stamp(_ text: String) -> FirebirdTimestamp {
        let n = text.split(whereSeparator: { "- :".contains($0) }).map { Int($0)! }
        return FirebirdTimestamp(year: n[0], month: n[1], day: n[2], hour: n[3], minute: n[4], second: n.count > 5 ? n[5] : 0)
    }

    static func at(_ text: String) -> FirebirdValue { .timestamp(stamp(text)) }

    @Test func callersAndStaffAreFoundAsTheWorkerFindsThem() throws {
        let attachment = try ProfileFixture.attach()
        defer { try? attachment.close() }
        let tx = try attachment.beginTransaction()
        defer { try? tx.rollback() }
        let doctor = try attachment.query(
            "INSERT INTO STAFF (FULL_NAME, ROLE, DEPARTMENT_ID, SIP_EXTENSION, CHAT_LOGIN) VALUES ('Петрова Елена Ивановна', 'doctor', 2, '7101', 'Petrova') RETURNING ID",
            in: tx)[0].decode(Int.self, at: 0)
        let patient = try attachment.query(
            """
            INSERT INTO PATIENTS (LAST_NAME, FIRST_NAME, MIDDLE_NAME, BIRTH_DATE, PHONE_HOME, PHONE_MOBILE, CONSENT_SMS)
            VALUES ('Иванова', 'Анна', 'Сергеевна', DATE '1980-03-14', '8 (917) 123-45-67', '+7 917 765-43-21', 1) RETURNING ID
            """, in: tx)[0].decode(Int.self, at: 0)

        let found = try rows("identify_candidates", ["phone_key": .text("79171234567")], in: tx)
        #expect(found.count == 1)
        #expect(try found.first?.decode(Int.self, column: "PATIENT_ID") == patient)
        #expect(try found.first?.decode(String.self, column: "FULL_NAME") == "Иванова Анна Сергеевна")
        #expect(try found.first?.decode(String.self, column: "SOURCE_COLUMN").trimmingCharacters(in: .whitespaces) == "PHONE_HOME")
        #expect(try found.first?.decode(FirebirdTimestamp?.self, column: "LAST_VISIT_AT") == nil)

        let name = try rows("patient_message_name", ["patient_id": .integer(Int32(patient))], in: tx)
        #expect(try name.first?.decode(String.self, column: "NAME") == "Анна Сергеевна")
        #expect(try rows("patient_message_name", ["patient_id": .integer(-1)], in: tx).isEmpty)

        // The mobile number comes first although the home number was typed first.
        let recipient = try #require(try rows("mailing_recipients", ["patient_id": .integer(Int32(patient))], in: tx).first)
        #expect(try recipient.decode(String?.self, column: "PHONE_KEY") == "79177654321")
        #expect(try recipient.decode(Int.self, column: "CONSENT_SMS") == 1)
        #expect(try recipient.decode(Int.self, column: "CONSENT_MESSENGERS") == 0)
        #expect(try recipient.decode(Int.self, column: "IS_DELETED") == 0)

        let extensions = try rows("staff_extensions", in: tx).map { try ($0.decode(Int.self, column: "STAFF_ID"), $0.decode(String.self, column: "EXTENSION")) }
        #expect(extensions.contains { $0 == (doctor, "7101") })
        let logins = try rows("staff_chat_logins", in: tx).map { try ($0.decode(Int.self, column: "STAFF_ID"), $0.decode(String.self, column: "CHAT_LOGIN")) }
        #expect(logins.contains { $0 == (doctor, "Petrova") })
        let employee = try #require(try rows("staff_get", ["staff_id": .integer(Int32(doctor))], in: tx).first)
        #expect(try employee.decode(String.self, column: "FULL_NAME") == "Петрова Елена Ивановна")
        #expect(try employee.decode(String?.self, column: "EXTENSION") == "7101")
        #expect(try employee.decode(Int.self, column: "IS_ACTIVE") == 1)
    }

    @Test func appealsAndVisitsAreWrittenReadMovedAndCancelled() throws {
        let attachment = try ProfileFixture.attach()
        defer { try? attachment.close() }
        let tx = try attachment.beginTransaction()
        defer { try? tx.rollback() }
        let doctor = try attachment.query(
            "INSERT INTO STAFF (FULL_NAME, ROLE, DEPARTMENT_ID) VALUES ('Сидоров Пётр', 'doctor', 2) RETURNING ID", in: tx)[0]
            .decode(Int32.self, at: 0)
        let patient = try attachment.query("INSERT INTO PATIENTS (LAST_NAME) VALUES ('Смирнов') RETURNING ID", in: tx)[0]
            .decode(Int32.self, at: 0)

        // viber is no APPEALS channel: it becomes webchat, as the worker has always written it.
        let created = try rows("appeal_create", [
            "channel": .text("viber"), "direction": .text("in"), "patient_id": .null, "operator_id": .integer(doctor),
            "contact_phone": .text("+7 917 000-00-00"), "contact_name": .text("Смирнов"),
        ], in: tx)
        let appeal = try #require(try created.first?.decode(Int32.self, column: "APPEAL_ID"))
        #expect(try attachment.query("SELECT CHANNEL FROM APPEALS WHERE ID = \(appeal)", in: tx)[0].decode(String.self, at: 0) == "webchat")
        #expect(try execute("appeal_set_patient", ["appeal_id": .integer(appeal), "patient_id": .integer(patient), "contact_phone": .text("x")], in: tx) == 1)
        #expect(try execute("appeal_assign", ["appeal_id": .integer(appeal), "operator_id": .null], in: tx) == 1)
        var got = try #require(try rows("appeal_get", ["appeal_id": .integer(appeal)], in: tx).first)
        #expect(try got.decode(String.self, column: "STATUS") == "open")
        #expect(try got.decode(Int?.self, column: "PATIENT_ID") == Int(patient))
        #expect(try got.decode(Int?.self, column: "OPERATOR_ID") == nil)

        // A booking for service 1 (30 minutes) at 10:00; the slot is then taken.
        let booked = try rows("book_visit", [
            "patient_id": .integer(patient), "doctor_id": .integer(doctor), "service_id": .integer(1),
            "start_at": Self.at("2030-01-07 10:00:00"), "minutes": .null, "appeal_id": .integer(appeal), "operator_id": .integer(doctor),
        ], in: tx)
        let visit = try #require(try booked.first?.decode(Int32.self, column: "VISIT_ID"))
        var read = try #require(try rows("visit_get", ["visit_id": .integer(visit)], in: tx).first)
        #expect(try read.decode(String.self, column: "STATUS") == "booked")
        #expect(try read.decode(FirebirdTimestamp.self, column: "START_AT") == Self.stamp("2030-01-07 10:00:00"))
        #expect(try attachment.query("SELECT END_AT FROM SCHEDULE WHERE ID = \(visit)", in: tx)[0].decode(FirebirdTimestamp.self, at: 0)
            == Self.stamp("2030-01-07 10:30:00"))
        let slots = try rows("free_slots", [
            "doctor_id": .integer(doctor), "service_id": .null,
            "from": Self.at("2030-01-07 09:00:00"), "to": Self.at("2030-01-07 11:30:00"),
        ], in: tx).map { try $0.decode(FirebirdTimestamp.self, column: "START_AT").description.prefix(16) }
        #expect(slots == ["2030-01-07 09:00", "2030-01-07 09:30", "2030-01-07 10:30", "2030-01-07 11:00"])

        #expect(try execute("move_visit", ["visit_id": .integer(visit), "start_at": Self.at("2030-01-07 11:00:00"), "operator_id": .null], in: tx) == 1)
        #expect(try attachment.query("SELECT START_AT, END_AT FROM SCHEDULE WHERE ID = \(visit)", in: tx)
            .map { [try $0.decode(FirebirdTimestamp.self, at: 0), try $0.decode(FirebirdTimestamp.self, at: 1)] }
            == [[Self.stamp("2030-01-07 11:00:00"), Self.stamp("2030-01-07 11:30:00")]])
        #expect(try execute("cancel_visit", ["visit_id": .integer(visit), "operator_id": .null], in: tx) == 1)
        read = try #require(try rows("visit_get", ["visit_id": .integer(visit)], in: tx).first)
        #expect(try read.decode(String.self, column: "STATUS") == "cancelled")
        #expect(try execute("cancel_visit", ["visit_id": .integer(visit), "operator_id": .null], in: tx) == 0)

        #expect(try execute("appeal_cancel", ["appeal_id": .integer(appeal), "reason": .text("передумал")], in: tx) == 1)
        got = try #require(try rows("appeal_get", ["appeal_id": .integer(appeal)], in: tx).first)
        #expect(try got.decode(String.self, column: "STATUS") == "cancelled")
        #expect(try got.decode(String?.self, column: "RESULT") == "передумал")
        #expect(try execute("appeal_cancel", ["appeal_id": .integer(appeal), "reason": .null], in: tx) == 0)

        let service = try #require(try rows("service_get", ["service_id": .integer(1)], in: tx).first)
        #expect(try service.decode(Int?.self, column: "MINUTES") == 30)
    }

    @Test func lastVisitIsTheNewestAttendedOne() throws {
        let attachment = try ProfileFixture.attach()
        defer { try? attachment.close() }
        let tx = try attachment.beginTransaction()
        defer { try? tx.rollback() }
        let doctor = try attachment.query("INSERT INTO STAFF (FULL_NAME, ROLE) VALUES ('Врач', 'doctor') RETURNING ID", in: tx)[0]
            .decode(Int32.self, at: 0)
        let patient = try attachment.query("INSERT INTO PATIENTS (LAST_NAME) VALUES ('Орлов') RETURNING ID", in: tx)[0]
            .decode(Int32.self, at: 0)
        for (start, status, service) in [("2029-05-01 10:00", "visited", 4), ("2029-06-01 10:00", "visited", 5), ("2029-07-01 10:00", "booked", 1)] {
            _ = try attachment.execute(
                """
                INSERT INTO SCHEDULE (PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS)
                VALUES (\(patient), \(doctor), \(service), CAST(\(start) AS TIMESTAMP), DATEADD(30 MINUTE TO CAST(\(start) AS TIMESTAMP)), \(status))
                """, in: tx)
        }
        let last = try #require(try rows("last_visit", ["patient_id": .integer(patient)], in: tx).first)
        #expect(try last.decode(FirebirdTimestamp.self, column: "START_AT") == Self.stamp("2029-06-01 10:00:00"))
        #expect(try last.decode(String?.self, column: "SERVICE_NAME") == "Регистрация электрокардиограммы")
    }
}
