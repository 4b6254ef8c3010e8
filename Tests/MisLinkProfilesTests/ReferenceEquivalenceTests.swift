import Firebird
import Foundation
import MisLinkTestSupport
import Testing

@testable import MisLinkProfiles

/// The reference profile's caller statements give what the worker ran before MIS profiles (the
/// `identify_candidates` and `last_visit` of SQL/queries.sql, kept below as they were), read by
/// position there and by alias here, on the same rows.
@Suite("The reference profile agrees with SQL/queries.sql")
struct ReferenceEquivalenceTests {
    @Test func identificationAndLastVisitGiveTheSameAnswers() throws {
        let profile = try MISProfile(directory: ProfileFixture.reference)
        let queries = StatementFile(text: Self.beforeProfiles, file: "queries.sql (before profiles)")
        let oldIdentify = try #require(queries["identify_candidates"])
        let oldLastVisit = try #require(queries["last_visit"])
        let attachment = try ProfileFixture.attach()
        defer { try? attachment.close() }
        let tx = try attachment.beginTransaction()
        defer { try? tx.rollback() }

        let doctor = try attachment.query("INSERT INTO STAFF (FULL_NAME, ROLE) VALUES ('Врач', 'doctor') RETURNING ID", in: tx)[0]
            .decode(Int32.self, at: 0)
        // A family sharing a mobile (typed three ways), a patient without first name, one deleted, two numbers in one field.
        let people: [(String, String?, String?, String?, String?, Int)] = [
            ("Кузнецова", "Мария", "Петровна", "8 (916) 555-12-34", nil, 0),
            ("Кузнецов", "Иван", nil, "+7 916 555 12 34", "916-555-12-35", 0),
            ("Кузнецов", nil, nil, nil, "79165551234, 8 916 555-12-36", 0),
            ("Удалённый", "Пётр", "Ильич", "89165551234", nil, 1),
        ]
        var ids: [Int32] = []
        for (last, first, middle, mobile, work, deleted) in people {
            ids.append(try attachment.query(
                """
                INSERT INTO PATIENTS (LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE, PHONE_WORK, IS_DELETED)
                VALUES (\(last), \(first), \(middle), \(mobile), \(work), \(deleted)) RETURNING ID
                """, in: tx)[0].decode(Int32.self, at: 0))
        }
        for (patient, start, status, service) in [(ids[0], "2028-03-01 09:00", "visited", 2), (ids[0], "2028-04-01 09:00", "booked", 3),
                                                  (ids[1], "2028-02-01 09:00", "visited", 1)] {
            _ = try attachment.execute(
                """
                INSERT INTO SCHEDULE (PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS)
                VALUES (\(patient), \(doctor), \(service), CAST(\(start) AS TIMESTAMP), DATEADD(20 MINUTE TO CAST(\(start) AS TIMESTAMP)), \(status))
                """, in: tx)
        }

        struct Candidate: Hashable { var id: Int, name: String, birth: FirebirdDate?, column: String, lastVisit: FirebirdTimestamp? }
        for key in ["79165551234", "79165551235", "79165551236", "79990000000"] {
            // Today: LAST_NAME, FIRST_NAME, MIDDLE_NAME joined by PatientIdentifier, read by position.
            let old = try attachment.query(try oldIdentify.query(["phone_key": .text(key)]), in: tx).map { row in
                Candidate(
                    id: try row.decode(Int.self, at: 0),
                    name: try [row.decode(String?.self, at: 1), row.decode(String?.self, at: 2), row.decode(String?.self, at: 3)]
                        .compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " "),
                    birth: try row.decode(FirebirdDate?.self, at: 4), column: try row.decode(String.self, at: 5),
                    lastVisit: try row.decode(FirebirdTimestamp?.self, at: 6))
            }
            let new = try attachment.query(try profile.statement("identify_candidates").query(["phone_key": .text(key)]), in: tx).map { row in
                Candidate(
                    id: try row.decode(Int.self, column: "PATIENT_ID"), name: try row.decode(String.self, column: "FULL_NAME"),
                    birth: try row.decode(FirebirdDate?.self, column: "BIRTH_DATE"), column: try row.decode(String.self, column: "SOURCE_COLUMN"),
                    lastVisit: try row.decode(FirebirdTimestamp?.self, column: "LAST_VISIT_AT"))
            }
            #expect(Set(new) == Set(old), "phone key \(key)")
            #expect(new.count == old.count, "phone key \(key)")
        }
        // The shared mobile finds the three live Kuznetsovs, not the deleted patient.
        let shared = try attachment.query(try profile.statement("identify_candidates").query(["phone_key": .text("79165551234")]), in: tx)
        #expect(Set(try shared.map { try $0.decode(Int32.self, column: "PATIENT_ID") }) == Set(ids.prefix(3)))

        for patient in ids {
            let old = try attachment.query(try oldLastVisit.query(["patient_id": .integer(patient)]), in: tx).first.map {
                [try $0.decode(FirebirdTimestamp?.self, at: 0).map(\.description), try $0.decode(String?.self, at: 1),
                 try $0.decode(Int?.self, at: 2).map(String.init)]
            }
            let new = try attachment.query(try profile.statement("last_visit").query(["patient_id": .integer(patient)]), in: tx).first.map {
                [try $0.decode(FirebirdTimestamp?.self, column: "START_AT").map(\.description),
                 try $0.decode(String?.self, column: "SERVICE_NAME"), try $0.decode(Int?.self, column: "VISIT_ID").map(String.init)]
            }
            #expect(new == old, "patient \(patient)")
        }
    }

    /// The two queries of SQL/queries.sql as the worker ran them before MIS profiles.
    static let beforeProfiles = """
-- name: identify_candidates
-- Every patient (not deleted) with a stored phone whose key is :phone_key, with the column it was
-- found in and the start of the patient's last visit. One row per (patient, column, ordinal).
SELECT P.ID,
       P.LAST_NAME,
       P.FIRST_NAME,
       P.MIDDLE_NAME,
       P.BIRTH_DATE,
       PP.SOURCE_COLUMN,
       (SELECT MAX(S.START_AT) FROM SCHEDULE S
         WHERE S.PATIENT_ID = P.ID AND S.STATUS = 'visited') AS LAST_VISIT_AT
  FROM MISLINK_PATIENT_PHONES PP
  JOIN PATIENTS P ON P.ID = PP.PATIENT_ID
 WHERE PP.PHONE_KEY = :phone_key
   AND P.IS_DELETED = 0;

-- name: last_visit
-- The patient's last visit (a SCHEDULE row with status 'visited'), the name of its service and its id.
SELECT FIRST 1 S.START_AT, SV.NAME, S.ID
  FROM SCHEDULE S
  LEFT JOIN SERVICES SV ON SV.ID = S.SERVICE_ID
 WHERE S.PATIENT_ID = :patient_id
   AND S.STATUS = 'visited'
 ORDER BY S.START_AT DESC;
"""
}
