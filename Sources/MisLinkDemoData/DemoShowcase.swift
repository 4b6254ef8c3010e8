import Firebird
import Foundation

/// What the demo shows on its first run: callers the emulator's scenarios ring from, and operators who
/// can sign in to the console.
///
/// The scenarios (`Sources/MisLinkEmulator/Scenarios`) call and write from 79161234567; here that number
/// belongs to a family of three, each typed a different way in a different column, so the first call
/// is recognised with «и ещё 2 пациента», and the family has attended visits (the card's last visit and
/// service). 79031112233 is one patient's alone (a call from it is recognised with no others).
///
/// The employees the scenarios ring (extensions 101 and 102, the first two operators the generator makes)
/// get the MIS logins `operator1` and `operator2`, and the system administrator `admin` (a supervisor in
/// the console); all three get the password ``password`` as the reference MIS keeps passwords
/// (`STAFF.PASSWORD_HASH`, `sha256:<salt>:<hex>`). MisLink itself stores no password: it checks these
/// through the MIS profile's `operator_sign_in`. The two operators' chat login is their MIS login, with the
/// chat password ``chatPassword``, so the console signs them in to the emulator's chat center.
public enum DemoShowcase {
    /// The demo operators' password.
    public static let password = "demo"

    /// The demo operators' chat-center password (`STAFF.CHAT_PASSWORD`; their chat login is their MIS login),
    /// which the emulator's chat center accepts (`FakeChatConfiguration.demoAgents`).
    public static let chatPassword = "demo-chat"

    /// The number the scenarios call from, shared by the family.
    public static let familyNumber = "79161234567"

    /// A number only one demo patient has.
    public static let singleNumber = "79031112233"

    /// A demo login: the employee it goes to (by extension, or the seed administrator) and its stored hash.
    struct Login {
        var login: String
        var extensionNumber: String?
        /// `sha256:<salt hex>:<hex of SHA-256(salt bytes + "demo")>`, made once with a fixed salt per login.
        var passwordHash: String
    }

    static let logins = [
        Login(login: "operator1", extensionNumber: "101",
              passwordHash: "sha256:4b0befa1bf2fd6e22480e60a9ff27b3e:210f0f4796975674e813dd04515d98d7140ef1f1258b62d6d0374403189d6707"),
        Login(login: "operator2", extensionNumber: "102",
              passwordHash: "sha256:a2e38542ae963721a526d58cff82f0aa:be0a39dc23279e78563363dbf91929eede5e66eb1e3eda8de6a0947ac21c5fe1"),
        Login(login: "admin", extensionNumber: nil,
              passwordHash: "sha256:d4e048a9e38c5cced4894ba6734181fd:a04bb6f90e6bc6f027f4b864384f02b760d05f023995a168035fe3e75cbc31f7"),
    ]

    /// A demo patient: the name, the phone as typed and the column it is in, and days since the last visit.
    struct Patient {
        var last: String, first: String, middle: String
        var birth: (Int, Int, Int)
        var sex: String
        var column: String
        var phone: String
        var visitDaysAgo: Int
    }

    static let patients = [
        Patient(last: "Иванова", first: "Анна", middle: "Сергеевна", birth: (1984, 3, 12), sex: "F",
                column: "PHONE_MOBILE", phone: "+7 (916) 123-45-67", visitDaysAgo: 12),
        Patient(last: "Иванов", first: "Сергей", middle: "Петрович", birth: (1981, 11, 2), sex: "M",
                column: "PHONE_HOME", phone: "8 916 123 45 67", visitDaysAgo: 40),
        Patient(last: "Иванов", first: "Пётр", middle: "Сергеевич", birth: (2012, 6, 25), sex: "M",
                column: "PHONE_MOBILE", phone: "89161234567", visitDaysAgo: 75),
        Patient(last: "Смирнова", first: "Елена", middle: "Викторовна", birth: (1990, 8, 19), sex: "F",
                column: "PHONE_MOBILE", phone: "+7 903 111-22-33", visitDaysAgo: 5),
    ]

    /// The demo logins, for the end of `scripts/run`: `(login, name)`.
    public static func operators(in attachment: FirebirdAttachment) throws -> [(login: String, name: String)] {
        try attachment.inTransaction(.readOnly) { transaction in
            try logins.compactMap { login in
                try attachment.query("SELECT FULL_NAME FROM STAFF WHERE MIS_LOGIN = \(login.login)", in: transaction)
                    .first.map { (login.login, try $0.decode(String.self, at: 0)) }
            }
        }
    }

    /// Adds the family, the single patient and their visits, and gives the demo employees their logins and
    /// passwords, in one transaction. Run once, on a database the generator has just filled (it needs a
    /// doctor, a service and the operators at extensions 101 and 102).
    public static func apply(on attachment: FirebirdAttachment) throws {
        try attachment.inTransaction(.default) { transaction in
            for login in logins {
                if let number = login.extensionNumber {
                    _ = try attachment.execute(
                        """
                        UPDATE STAFF SET MIS_LOGIN = \(login.login), PASSWORD_HASH = \(login.passwordHash),
                                         CHAT_LOGIN = \(login.login), CHAT_PASSWORD = \(chatPassword)
                        WHERE SIP_EXTENSION = \(number)
                        """, in: transaction)
                } else {
                    _ = try attachment.execute(
                        """
                        UPDATE STAFF SET MIS_LOGIN = \(login.login), PASSWORD_HASH = \(login.passwordHash)
                        WHERE ROLE = 'admin' AND UPPER(MIS_LOGIN) = 'ADMIN'
                        """, in: transaction)
                }
            }
            let doctor = try attachment.query(
                "SELECT FIRST 1 ID FROM STAFF WHERE ROLE = 'doctor' AND IS_ACTIVE = 1 ORDER BY ID", in: transaction)
                .first.map { try $0.decode(Int64.self, at: 0) }
            let service = try attachment.query(
                "SELECT FIRST 1 ID, DURATION_MIN FROM SERVICES WHERE IS_ACTIVE = 1 ORDER BY ID", in: transaction).first
            let serviceId = try service.map { try $0.decode(Int64.self, at: 0) }
            let minutes = try service.flatMap { try $0.decode(Int?.self, at: 1) } ?? 30
            for patient in patients {
                let birth = FirebirdDate(year: patient.birth.0, month: patient.birth.1, day: patient.birth.2)
                let id = try attachment.query(
                    """
                    INSERT INTO PATIENTS (LAST_NAME, FIRST_NAME, MIDDLE_NAME, BIRTH_DATE, SEX, \(unescaped: patient.column),
                                          CONSENT_SMS, CONSENT_MESSENGERS)
                    VALUES (\(patient.last), \(patient.first), \(patient.middle), \(birth), \(patient.sex), \(patient.phone), 1, 1)
                    RETURNING ID
                    """, in: transaction
                ).first.map { try $0.decode(Int64.self, at: 0) }
                guard let id, let doctor else { continue }
                let visit = Calendar.current.date(byAdding: .day, value: -patient.visitDaysAgo, to: Self.tenOClock())!
                let start = FirebirdTimestamp(visit, in: .current)
                let end = FirebirdTimestamp(visit.addingTimeInterval(TimeInterval(minutes * 60)), in: .current)
                _ = try attachment.execute(
                    """
                    INSERT INTO SCHEDULE (PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS)
                    VALUES (\(id), \(doctor), \(serviceId), \(start), \(end), 'visited')
                    """, in: transaction)
            }
        }
    }

    /// Today at 10:00 on this machine's clock (the clinic's wall clock on the demo machine).
    private static func tenOClock() -> Date {
        Calendar.current.date(bySettingHour: 10, minute: 0, second: 0, of: Date())!
    }
}
