import Firebird

/// Inserts batches with two statements prepared once and executed for every row.
///
/// The argument arrays are allocated once and overwritten in place for each row, so the only per-row
/// allocations are the generator's own strings.
final class BulkLoader {
    let attachment: FirebirdAttachment
    private let patientInsert: Statement
    private let visitInsert: Statement
    private var patientArguments = [FirebirdValue](repeating: .null, count: 18)
    private var visitArguments = [FirebirdValue](repeating: .null, count: 14)

    static let patientSQL = """
        INSERT INTO PATIENTS (ID, CARD_NUMBER, LAST_NAME, FIRST_NAME, MIDDLE_NAME, BIRTH_DATE, SEX, PHONE_MOBILE,
                              PHONE_HOME, PHONE_WORK, EMAIL, SNILS, ADDRESS, CONSENT_SMS, CONSENT_MESSENGERS, NOTES,
                              CREATED_AT, IS_DELETED)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// SCHEDULE IDs are reserved from GEN_SCHEDULE_ID in generation order (see ``ParallelLoad``).
    static let visitSQL = """
        INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS, CABINET, PRICE, CREATED_BY,
                              CREATED_AT, UPDATED_AT, CANCELLED_AT, COMMENT)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    init(attachment: FirebirdAttachment, transaction: Transaction) throws {
        self.attachment = attachment
        patientInsert = try attachment.prepare(Self.patientSQL, in: transaction)
        visitInsert = try attachment.prepare(Self.visitSQL, in: transaction)
    }

    /// Inserts patients.
    func insertPatients(_ patients: [PatientRow], in transaction: Transaction) throws {
        for patient in patients { try insert(patient, in: transaction) }
    }

    /// Inserts visits; their patients must be visible to `transaction` (committed, or inserted by it).
    func insertVisits(_ visits: [VisitRow], in transaction: Transaction) throws {
        for visit in visits { try insert(visit, in: transaction) }
    }

    @inline(__always)
    private func text(_ value: String?) -> FirebirdValue {
        if let value { return .text(value) }
        return .null
    }

    private func insert(_ patient: PatientRow, in transaction: Transaction) throws {
        patientArguments[0] = .integer(patient.id)
        patientArguments[1] = .text(patient.cardNumber)
        patientArguments[2] = .text(patient.lastName)
        patientArguments[3] = text(patient.firstName)
        patientArguments[4] = text(patient.middleName)
        patientArguments[5] = patient.birthDate.map(FirebirdValue.date) ?? .null
        patientArguments[6] = text(patient.sex)
        patientArguments[7] = text(patient.phoneMobile)
        patientArguments[8] = text(patient.phoneHome)
        patientArguments[9] = text(patient.phoneWork)
        patientArguments[10] = text(patient.email)
        patientArguments[11] = text(patient.snils)
        patientArguments[12] = text(patient.address)
        patientArguments[13] = .smallint(patient.consentSMS ? 1 : 0)
        patientArguments[14] = .smallint(patient.consentMessengers ? 1 : 0)
        patientArguments[15] = text(patient.notes)
        patientArguments[16] = .timestamp(patient.createdAt)
        patientArguments[17] = .smallint(patient.isDeleted ? 1 : 0)
        try patientInsert.execute(patientArguments, in: transaction)
    }

    private func insert(_ visit: VisitRow, in transaction: Transaction) throws {
        visitArguments[0] = .integer(visit.id)
        visitArguments[1] = .integer(visit.patientID)
        visitArguments[2] = .integer(visit.doctorID)
        visitArguments[3] = .integer(visit.serviceID)
        visitArguments[4] = .timestamp(visit.startAt)
        visitArguments[5] = .timestamp(visit.endAt)
        visitArguments[6] = .text(visit.status)
        visitArguments[7] = text(visit.cabinet)
        visitArguments[8] = visit.price.map(FirebirdValue.decimal) ?? .null
        visitArguments[9] = visit.createdBy.map(FirebirdValue.integer) ?? .null
        visitArguments[10] = .timestamp(visit.createdAt)
        visitArguments[11] = visit.updatedAt.map(FirebirdValue.timestamp) ?? .null
        visitArguments[12] = visit.cancelledAt.map(FirebirdValue.timestamp) ?? .null
        visitArguments[13] = text(visit.comment)
        try visitInsert.execute(visitArguments, in: transaction)
    }
}
