import Firebird
import Foundation

/// The operator console's SQL of a call's patient and its appeal: the operator picks the caller among the
/// patients who share the number.
extension Calls {
    /// The call's patient becomes `patient`, chosen by an operator (`PATIENT_MATCH = 'operator'`). Returns
    /// false when there is no such call.
    public static func choosePatient(_ call: Int64, patient: Int64, in tx: some StoreTransaction) throws -> Bool {
        try tx.execute(
            "UPDATE MISLINK_CALLS SET PATIENT_ID = \(patient), PATIENT_MATCH = 'operator' WHERE ID = \(call)") == 1
    }
}

/// One step of an appeal's chain (`MISLINK_APPEAL_EVENTS`), read by column name. Times are UTC.
public struct AppealEventRecord: Sendable, Hashable, Decodable {
    public var id: Int64
    /// `created`, `assigned`, `transferred`, `patient_set`, `booked`, `cancelled`, …
    public var eventType: String
    /// `operator`, `client`, `system`, `mis`.
    public var actor: String
    public var staffId: Int64?
    public var fromStaffId: Int64?
    public var toStaffId: Int64?
    public var callId: Int64?
    public var threadId: Int64?
    public var scheduleId: Int64?
    public var detail: String?
    public var eventAt: Date
}

extension Appeals {
    /// The patient an operator chose replaces the one the appeal's row has (an own appeal's, or the side
    /// row of the MIS's appeal): `PATIENT_ID`, the name it shows (`contactName` 150 characters,
    /// `display` 200).
    public static func changePatient(_ appeal: Int64, patient: Int64, contactName: String?, display: String?,
                                     in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_APPEALS SET PATIENT_ID = \(patient), CONTACT_NAME = COALESCE(\(contactName), CONTACT_NAME),
                PATIENT_DISPLAY = COALESCE(\(display), PATIENT_DISPLAY), UPDATED_AT = MISLINK_UTC_NOW()
             WHERE APPEAL_ID = \(appeal)
            """)
    }

    /// Enters in the appeal's chain that operator `staff` set its patient (`patient_set`, for the call;
    /// `detail` at most 1000 characters).
    public static func enterPatientSet(_ appeal: Int64, staff: Int64?, call: Int64?, detail: String,
                                       in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, CALL_ID, DETAIL, EVENT_AT, CREATED_AT)
            VALUES (\(appeal), 'patient_set', 'operator', \(staff), \(call), \(detail), MISLINK_UTC_NOW(), MISLINK_UTC_NOW())
            """)
    }

    /// The appeal's chain, oldest first (at most 1000 steps).
    public static func events(of appeal: Int64, in tx: some StoreTransaction) throws -> [AppealEventRecord] {
        try tx.rows(
            """
            SELECT FIRST 1000 ID, EVENT_TYPE, ACTOR, STAFF_ID, FROM_STAFF_ID, TO_STAFF_ID, CALL_ID, THREAD_ID, SCHEDULE_ID,
                   DETAIL, EVENT_AT
              FROM MISLINK_APPEAL_EVENTS WHERE APPEAL_ID = \(appeal) ORDER BY EVENT_AT, ID
            """
        ).map { try $0.decode(AppealEventRecord.self) }
    }

    /// Whether MisLink knows the appeal (its own, or the side row of the MIS's).
    public static func exists(_ appeal: Int64, in tx: some StoreTransaction) throws -> Bool {
        try !tx.rows("SELECT 1 FROM MISLINK_APPEALS WHERE APPEAL_ID = \(appeal)").isEmpty
    }
}

extension Calls {
    /// The patient of call `id` (nil when it has none or there is no such call).
    public static func patient(of id: Int64, in tx: some StoreTransaction) throws -> Int64? {
        try tx.rows("SELECT PATIENT_ID FROM MISLINK_CALLS WHERE ID = \(id)").first?.decode(Int64?.self, column: "PATIENT_ID")
    }
}
