import Firebird
import Foundation
import MisLinkProfiles
import MisLinkTestSupport
import Testing

/// One MIS the end-to-end tests run against: a shipped profile, the rows a test adds on top of its schema
/// and demo data, and what MisLink must make of them. The scenarios are the same for every MIS (the
/// emulator's operators 101 and 102, chatwoot agents 11 and 12, the caller 79161234567); only the
/// MIS's own ids and names differ.
struct ProfileWorld: Sendable, CustomTestStringConvertible {
    /// The shipped profile (`SQL/profiles/<profile>`).
    var profile: String
    /// Rows added to the MIS before the worker starts (the reference schema ships empty).
    var setup: [String]
    /// `chat.agents`: chatwoot agent 11 is operator A, 12 is operator B.
    var agents: [String]
    /// The employee on extension 101 and chatwoot agent 11.
    var operatorA: Int64
    /// The employee on extension 102 and chatwoot agent 12.
    var operatorB: Int64
    /// The patient a call or chat from 79161234567 is put on, and how many others share the number.
    var callerPatient: Int64
    var callerOthers: Int
    /// The phone column the caller's number was found in, as the profile names it (`PATIENT_MATCH`).
    var callerColumn: String
    /// The caller's last attended visit, as the card shows it.
    var lastVisit: Int64
    /// A doctor and a service to book from an appeal.
    var doctor: Int64
    var service: Int64
    /// Patients a messenger mailing reaches (consent, a phone), and one it refuses.
    var mailable: [Int64]
    var refused: Int64

    var testDescription: String { profile }

    static let caller = "79161234567"

    /// The reference clinic schema (SQL/clinic-schema.sql): its own appeals table, booking by INSERT.
    static let reference = ProfileWorld(
        profile: "reference",
        setup: [
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION, CHAT_LOGIN) VALUES (901, 'Иванова Анна Сергеевна', 'operator', '101', 'ivanova')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION, CHAT_LOGIN) VALUES (902, 'Петров Олег Ильич', 'operator', '102', 'petrov')",
            "INSERT INTO DEPARTMENTS (ID, NAME) VALUES (950, 'Терапия')",
            "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SPECIALTY, DEPARTMENT_ID) VALUES (904, 'Орлов Пётр Андреевич', 'doctor', 'терапевт', 950)",
            """
            INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE, CONSENT_MESSENGERS)
            VALUES (9010, 'Смирнова', 'Елена', 'Павловна', '8 (916) 123-45-67', 1)
            """,
            """
            INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_HOME, CONSENT_MESSENGERS)
            VALUES (9011, 'Смирнов', 'Иван', 'Петрович', '+7 916 123 45 67', 1)
            """,
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, PHONE_MOBILE) VALUES (9012, 'Без', 'Согласия', '+7 903 000 11 22')",
            "INSERT INTO SERVICES (ID, CODE, NAME, DEPARTMENT_ID) VALUES (9050, 'T-9050', 'Приём терапевта повторный', 950)",
            """
            INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS)
            VALUES (9060, 9010, 904, 9050, '2025-03-14 09:30:00', '2025-03-14 10:00:00', 'visited')
            """,
        ],
        agents: ["chatwoot:11=ivanova", "chatwoot:12=petrov"],
        operatorA: 901, operatorB: 902, callerPatient: 9010, callerOthers: 1, callerColumn: "PHONE_MOBILE", lastVisit: 9060,
        doctor: 904, service: 9050, mailable: [9010, 9011], refused: 9012)

    /// МедБаза (SQL/profiles/medbase): no appeals table, booking only through its procedure, BIGINT codes
    /// with a branch prefix, phones in three columns and a contacts table, logins in a table of their
    /// own. Its demo data is the fixture (SQL/profiles/medbase/README.md, "Demo data worth knowing").
    static let medbase = ProfileWorld(
        profile: "medbase",
        setup: [],
        agents: ["chatwoot:11=o.smirnova", "chatwoot:12=d.kuznetsov"],
        operatorA: 77_000_000_000_001, operatorB: 77_000_000_000_002,
        callerPatient: MedbaseFacts.callerPatient, callerOthers: 2, callerColumn: "TEL_MOB", lastVisit: MedbaseFacts.lastVisit,
        doctor: 77_000_000_000_003, service: 77_000_000_000_001,
        mailable: MedbaseFacts.mailable, refused: MedbaseFacts.refused)

    static let all = [reference, medbase]

    /// The profile as the worker loads it.
    func loadProfile() throws -> MISProfile {
        try MISProfile(directory: try MISProfile.resolve(profile))
    }
}

/// What SQL/profiles/medbase/demo-data.sql makes of the scenarios' numbers.
enum MedbaseFacts {
    /// 79161234567 is typed three ways on the mobiles of the Ivanovs (001–003); 001 has the newest
    /// attended visit (5 days ago), so a call is put on her and "и ещё 2" are the others.
    static let callerPatient: Int64 = 77_000_000_000_001
    /// Her visit 5 days ago: the first PRIEMY row of the demo history.
    static let lastVisit: Int64 = 77_000_000_000_001
    /// 001 and 004 agreed to messenger messages (SOGL_MESSENDZHER 'Д'); 003 agreed to nothing (002 agreed
    /// to SMS only, and a messenger mailing falls back to SMS for her, as the booking messages do).
    static let mailable: [Int64] = [77_000_000_000_001, 77_000_000_000_004]
    static let refused: Int64 = 77_000_000_000_003
}
