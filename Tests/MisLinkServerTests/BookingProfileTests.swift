import Firebird
import Foundation
import MisLinkHTTP
@testable import MisLinkServer
import MisLinkTestSupport
import Testing

/// `POST /api/v1/appeals/{id}/booking` books through the MIS profile's `book_visit`: here a copy of the
/// reference profile whose `book_visit` calls a clinic procedure that refuses a taken slot. The MIS's
/// refusal reaches the operator as a 409 with the exception's own text, and nothing is booked.
@Suite("Booking through the MIS profile: the MIS's refusal is a 409 with its text")
struct BookingProfileTests {
    /// The clinic's own words, as its procedure raises them.
    static let refusal = "Врач Орлов П. А. занят в это время, выберите другое"

    static let procedure = [
        "CREATE EXCEPTION MIS_SLOT_TAKEN 'the slot is taken'",
        """
        CREATE PROCEDURE MIS_BOOK (PATIENT_ID INTEGER, DOCTOR_ID INTEGER, SERVICE_ID INTEGER, START_AT TIMESTAMP,
                                   MINUTES INTEGER, APPEAL_ID INTEGER)
        RETURNS (VISIT_ID INTEGER) AS
        BEGIN
            IF (EXISTS (SELECT 1 FROM SCHEDULE S
                         WHERE S.DOCTOR_ID = :DOCTOR_ID AND S.STATUS = 'booked' AND S.START_AT = :START_AT)) THEN
                EXCEPTION MIS_SLOT_TAKEN '\(refusal)';
            INSERT INTO SCHEDULE (PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS, APPEAL_ID)
            VALUES (:PATIENT_ID, :DOCTOR_ID, :SERVICE_ID, :START_AT, DATEADD(MINUTE, COALESCE(:MINUTES, 30), :START_AT),
                    'booked', :APPEAL_ID)
            RETURNING ID INTO :VISIT_ID;
            SUSPEND;
        END
        """,
    ]

    static let clinic = [
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (901, 'Иванова Анна Сергеевна', 'operator', '101')",
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SPECIALTY) VALUES (904, 'Орлов Пётр Андреевич', 'doctor', 'терапевт')",
        "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, PHONE_MOBILE) VALUES (9010, 'Смирнова', 'Елена', '8 (916) 123-45-67')",
        "INSERT INTO APPEALS (ID, CHANNEL, PATIENT_ID, OPERATOR_ID, STATUS) VALUES (71, 'phone', 9010, 901, 'open')",
        // 10:30 is taken already.
        """
        INSERT INTO SCHEDULE (PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS)
        VALUES (9010, 904, '2030-03-14 10:30:00', '2030-03-14 11:00:00', 'booked')
        """,
    ]

    /// A copy of the reference profile whose `book_visit` selects from MIS_BOOK.
    static func procedureProfile() throws -> URL {
        let source = ClinicDatabase.repository.appendingPathComponent("SQL/profiles/reference")
        let copy = URL(fileURLWithPath: "\(ClinicDatabase.directory)/profile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: source, to: copy)
        let statements = copy.appendingPathComponent("statements.sql")
        let text = try String(contentsOf: statements, encoding: .utf8)
        guard let start = text.range(of: "-- name: book_visit\n"), let end = text.range(of: "-- name: cancel_visit\n") else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let procedure = """
            -- name: book_visit
            -- Books through the clinic's procedure, which refuses a taken slot (:operator_id is not used).
            SELECT B.VISIT_ID AS VISIT_ID
              FROM MIS_BOOK(:patient_id, :doctor_id, :service_id, :start_at, :minutes, :appeal_id) B;


            """
        try text.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: procedure)
            .write(to: statements, atomically: true, encoding: .utf8)
        return copy
    }

    func book(_ harness: WorkerHarness, appeal: Int, _ json: String) async throws -> HTTPClientResponse {
        try await harness.client.execute(.json(
            "\(harness.worker.baseURL)/api/v1/appeals/\(appeal)/booking", body: Data(json.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
    }

    @Test func aBookingTheMISRefusesIsAConflictWithItsMessage() async throws {
        // The procedure must exist before a worker checks a profile that calls it.
        let setup = try await WorkerHarness.start(label: "mis-book")
        try await setup.execute(Self.procedure)
        try await setup.execute(Self.clinic)
        await setup.stop()
        let profile = try Self.procedureProfile()
        let harness = try await WorkerHarness.start(label: "mis-book-proc", dsn: { _ in setup.settings.database.dsn },
                                                    configure: { $0.mis.profile = profile.path })
        defer { Task { await harness.stop() } }

        let refused = try await book(harness, appeal: 71, #"{"doctor_id":904,"start_at":"2030-03-14T10:30:00"}"#)
        #expect(refused.status == 409, "\(refused.text)")
        expectDocumented("POST", "/api/v1/appeals/71/booking", refused)
        let error = (try? JSONSerialization.jsonObject(with: refused.body) as? [String: Any])?["error"] as? String
        #expect(error == Self.refusal, "only the MIS's text, not Firebird's lines: \(refused.text)")
        #expect(try await harness.count("SELECT COUNT(*) FROM SCHEDULE WHERE APPEAL_ID = 71") == 0)
        #expect(try await harness.query("SELECT TRIM(STATUS) FROM APPEALS WHERE ID = 71")[0].decode(String.self, at: 0) == "open")

        // A free slot is booked by the same procedure; the appeal's patient is the visit's.
        let booked = try await book(harness, appeal: 71, #"{"doctor_id":904,"start_at":"2030-03-14T11:00:00","minutes":45}"#)
        #expect(booked.status == 201, "\(booked.text)")
        expectDocumented("POST", "/api/v1/appeals/71/booking", booked)
        let visit = try await harness.query("SELECT ID, PATIENT_ID, END_AT FROM SCHEDULE WHERE APPEAL_ID = 71")
        #expect(try visit.count == 1 && visit[0].decode(Int.self, at: 1) == 9010)
        #expect(try visit.first?.decode(FirebirdTimestamp.self, at: 2).description.hasPrefix("2030-03-14 11:45") == true)
        let answer = try JSONSerialization.jsonObject(with: booked.body) as? [String: Any]
        #expect(answer?["schedule_id"] as? Int == (try visit.first?.decode(Int.self, at: 0)))
        #expect(answer?["patient_id"] as? Int == 9010)

        // An appeal the MIS made on its own stays open after a booking (V009 closes only MisLink's): it is
        // cancelled through appeal_cancel once, then refused; an unknown one is not found.
        let cancelled = try await cancel(harness, appeal: 71)
        #expect(cancelled.status == 200 && cancelled.text.contains(#""status":"cancelled""#), "\(cancelled.text)")
        expectDocumented("POST", "/api/v1/appeals/71/cancel", cancelled)
        let again = try await cancel(harness, appeal: 71)
        #expect(again.status == 409 && again.text.contains("не открыто (cancelled)"), "\(again.text)")
        expectDocumented("POST", "/api/v1/appeals/71/cancel", again)
        let unknown = try await cancel(harness, appeal: 72)
        #expect(unknown.status == 404, "\(unknown.text)")
        expectDocumented("POST", "/api/v1/appeals/72/cancel", unknown)
    }

    @Test func onlyTheExceptionsTextIsKept() {
        #expect(MISRefusal.text(of: "exception 3\n-SLOT_TAKEN\n-busy at 10:30\n-At procedure 'MIS_BOOK' line: 4, col: 5") == "busy at 10:30")
        // A text of two lines, raised from a trigger the procedure fired.
        #expect(MISRefusal.text(of: "exception 3\n-SLOT_TAKEN\n-busy\n-choose another\n-At trigger 'T' line: 2, col: 1\nAt procedure 'P' line: 4, col: 5")
                == "busy\nchoose another")
        // Only the name: the name is all there is to say.
        #expect(MISRefusal.text(of: "exception 3\n-SLOT_TAKEN") == "SLOT_TAKEN")
        #expect(MISRefusal.text(of: "violation of FOREIGN KEY constraint") == nil)
    }

    func cancel(_ harness: WorkerHarness, appeal: Int) async throws -> HTTPClientResponse {
        try await harness.client.execute(.json(
            "\(harness.worker.baseURL)/api/v1/appeals/\(appeal)/cancel", body: Data("{}".utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
    }
}
