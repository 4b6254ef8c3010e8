extension ProfileContract {
    /// Contract 1 (SQL/profiles/CONTRACT.md).
    public static let v1 = ProfileContract(statements: callers + staff + appeals + booking + signIn + console)

    private static let callers: [Statement] = [
        Statement(
            "identify_candidates", .callers, parameters: [Parameter("phone_key")],
            columns: [Column("PATIENT_ID", .integer), Column("FULL_NAME", .text), Column("BIRTH_DATE", .date, nullable: true),
                      Column("SOURCE_COLUMN", .text), Column("LAST_VISIT_AT", .timestamp, nullable: true)],
            duty: "every live patient with a stored phone whose key is :phone_key, one row per (patient, phone column)"),
        Statement(
            "last_visit", .callers, parameters: [Parameter("patient_id")],
            columns: [Column("VISIT_ID", .integer), Column("START_AT", .timestamp), Column("SERVICE_NAME", .text, nullable: true)],
            duty: "the patient's last attended visit, newest first"),
        Statement(
            "patient_message_name", .callers, parameters: [Parameter("patient_id")], columns: [Column("NAME", .text)],
            duty: "how a message addresses the patient; no row for an unknown id"),
        Statement(
            "mailing_recipients", .callers, parameters: [Parameter("patient_id")],
            columns: [Column("PATIENT_ID", .integer), Column("CONSENT_SMS", .integer), Column("CONSENT_MESSENGERS", .integer),
                      Column("IS_DELETED", .integer), Column("PHONE_KEY", .text, nullable: true)],
            duty: "consent and the best phone key of one patient (mobile first); no row for an unknown id"),
    ]

    private static let staff: [Statement] = [
        Statement(
            "staff_extensions", .staff, columns: [Column("STAFF_ID", .integer), Column("EXTENSION", .text)],
            duty: "every active employee with a PBX extension or SIP address, one row per value"),
        Statement(
            "staff_chat_logins", .staff, columns: [Column("STAFF_ID", .integer), Column("CHAT_LOGIN", .text)],
            duty: "every active employee with a chat-platform login"),
        Statement(
            "staff_get", .staff, parameters: [Parameter("staff_id")],
            columns: [Column("STAFF_ID", .integer), Column("FULL_NAME", .text), Column("EXTENSION", .text, nullable: true),
                      Column("IS_ACTIVE", .integer)],
            duty: "one employee; no row for an unknown id"),
    ]

    private static let appeals: [Statement] = [
        Statement(
            "appeal_create", .appeals,
            parameters: [Parameter("channel"), Parameter("direction", mayBeUnused: true), Parameter("patient_id"),
                         Parameter("operator_id"), Parameter("contact_phone", mayBeUnused: true),
                         Parameter("contact_name", mayBeUnused: true)],
            columns: [Column("APPEAL_ID", .integer)],
            duty: "a new open appeal in the MIS; :channel mapped to the MIS's own list"),
        Statement(
            "appeal_assign", .appeals, parameters: [Parameter("appeal_id"), Parameter("operator_id")],
            duty: "the appeal's operator becomes :operator_id (NULL: nobody)"),
        Statement(
            "appeal_set_patient", .appeals,
            parameters: [Parameter("appeal_id"), Parameter("patient_id"), Parameter("contact_phone", mayBeUnused: true)],
            duty: "fills the patient and the phone where the appeal has none yet"),
        Statement(
            "appeal_get", .appeals, parameters: [Parameter("appeal_id")],
            columns: [Column("APPEAL_ID", .integer), Column("STATUS", .text), Column("RESULT", .text, nullable: true),
                      Column("OPERATOR_ID", .integer, nullable: true), Column("PATIENT_ID", .integer, nullable: true)],
            duty: "one appeal, STATUS open, closed or cancelled; no row for an unknown id"),
        Statement(
            "appeal_cancel", .appeals, parameters: [Parameter("appeal_id"), Parameter("reason", mayBeUnused: true)],
            duty: "cancels the appeal if it is open"),
        Statement(
            "report_mis_appeals", .appeals, parameters: [Parameter("from"), Parameter("to")],
            columns: [Column("APPEAL_ID", .integer), Column("CHANNEL", .text), Column("OPERATOR_ID", .integer, nullable: true),
                      Column("STATUS", .text), Column("RESULT", .text, nullable: true), Column("CREATED_AT", .timestamp),
                      Column("CLOSED_AT", .timestamp, nullable: true)],
            optional: true,
            duty: "every appeal the MIS made on its own (no MISLINK_APPEALS row) created in [:from, :to), clinic time"),
    ]

    private static let booking: [Statement] = [
        Statement(
            "book_visit", .booking,
            parameters: [Parameter("patient_id"), Parameter("doctor_id"), Parameter("service_id"), Parameter("start_at"),
                         Parameter("minutes"), Parameter("appeal_id", mayBeUnused: true),
                         Parameter("operator_id", mayBeUnused: true)],
            columns: [Column("VISIT_ID", .integer)],
            duty: "books the visit the MIS's way; a refusal raises an exception whose text the operator sees"),
        Statement(
            "cancel_visit", .booking, parameters: [Parameter("visit_id"), Parameter("operator_id", mayBeUnused: true)],
            duty: "cancels a booked visit"),
        Statement(
            "move_visit", .booking,
            parameters: [Parameter("visit_id"), Parameter("start_at"), Parameter("operator_id", mayBeUnused: true)],
            duty: "moves a booked visit"),
        Statement(
            "free_slots", .booking,
            parameters: [Parameter("doctor_id"), Parameter("service_id"), Parameter("from"), Parameter("to")],
            columns: [Column("DOCTOR_ID", .integer), Column("START_AT", .timestamp), Column("MINUTES", .integer)],
            duty: "free slots in the period, oldest first"),
        Statement(
            "visit_get", .booking, parameters: [Parameter("visit_id")],
            columns: [Column("VISIT_ID", .integer), Column("PATIENT_ID", .integer), Column("DOCTOR_ID", .integer),
                      Column("SERVICE_ID", .integer, nullable: true), Column("START_AT", .timestamp),
                      Column("CABINET", .text, nullable: true), Column("STATUS", .text)],
            duty: "one visit"),
        Statement(
            "service_get", .booking, parameters: [Parameter("service_id")],
            columns: [Column("SERVICE_ID", .integer), Column("NAME", .text), Column("MINUTES", .integer, nullable: true)],
            duty: "one service"),
    ]

    /// The operator console's sign-in (CONTRACT.md, "Console sign-in").
    private static let signIn: [Statement] = [
        Statement(
            "operator_sign_in", .staff, parameters: [Parameter("login")],
            columns: [Column("STAFF_ID", .integer), Column("FULL_NAME", .text), Column("MIS_ROLE", .text),
                      Column("IS_ACTIVE", .integer), Column("PASSWORD_HASH", .text, nullable: true)],
            optional: true,
            duty: "the employee whose MIS login is :login, compared as the MIS compares logins; no row for an unknown login"),
        Statement(
            "staff_chat_credentials", .staff, parameters: [Parameter("staff_id")],
            columns: [Column("CHAT_LOGIN", .text), Column("CHAT_PASSWORD", .text, nullable: true)],
            optional: true,
            duty: "the chat-platform login and password the MIS keeps for employee :staff_id; no row when it keeps none"),
    ]

    /// What the operator console shows beside the cards (CONTRACT.md, "Console"): names, the call log's
    /// name filters, the booking form's lists, the patient an operator chose.
    private static let console: [Statement] = [
        Statement(
            "patient_get", .callers, parameters: [Parameter("patient_id")],
            columns: [Column("PATIENT_ID", .integer), Column("FULL_NAME", .text), Column("BIRTH_DATE", .date, nullable: true)],
            optional: true, duty: "one patient, deleted ones too; no row for an unknown id"),
        Statement(
            "patients_by_name", .callers, parameters: [Parameter("name")],
            columns: [Column("PATIENT_ID", .integer), Column("FULL_NAME", .text)],
            optional: true, duty: "live patients whose full name starts with :name, case ignored where possible, at most 500"),
        Statement(
            "staff_list", .staff, columns: [Column("STAFF_ID", .integer), Column("FULL_NAME", .text)],
            optional: true, duty: "every employee, former ones too"),
        Statement(
            "doctors_list", .booking,
            columns: [Column("DOCTOR_ID", .integer), Column("FULL_NAME", .text), Column("SPECIALTY", .text, nullable: true)],
            optional: true, duty: "the active doctors one can book with, in the booking form's order"),
        Statement(
            "services_list", .booking,
            columns: [Column("SERVICE_ID", .integer), Column("NAME", .text), Column("MINUTES", .integer, nullable: true)],
            optional: true, duty: "the active services one can book, in the booking form's order"),
        Statement(
            "appeal_change_patient", .appeals, parameters: [Parameter("appeal_id"), Parameter("patient_id")],
            optional: true, duty: "the appeal's patient becomes :patient_id, replacing the one it has"),
    ]
}
