/// A profile's `profile.json`: what the MIS has (SQL/profiles/CONTRACT.md, "profile.json").
///
/// Every key is snake_case; a key the contract does not know is an error naming it (keys that start
/// with `_` are comments and are skipped). See each property for its default.
public struct ProfileManifest: Sendable, Hashable, Codable {
    /// The contract version the profile is written for. Required; this MisLink reads ``ProfileContract/version``.
    public var contract: Int
    /// The profile's name. Defaults to the folder's name.
    public var name: String?
    /// One line saying which MIS this is. Defaults to the name.
    public var title: String?
    /// The MIS database's default character set (`WIN1251`, `UTF8`, `NONE`, …): how long a text is
    /// counted when MisLink cuts it to a column. Defaults to `WIN1251`.
    public var charset: String
    /// Where patients live.
    public var patients: Patients
    /// Where employees live.
    public var staff: Staff
    /// Whether the MIS has an appeals table that MisLink writes through the `appeal_*` statements.
    /// Defaults to false: MisLink's own `MISLINK_APPEALS` rows are the appeals.
    public var appeals: Bool
    /// How a visit is booked. Defaults to ``Booking/insert``.
    public var booking: Booking
    /// How a booking change made in the MIS is noticed. Defaults to ``BookingChanges/none``.
    public var bookingChanges: BookingChanges
    /// How the operator console checks passwords. Defaults to ``SignIn/init(method:supervisorRoles:)``'s
    /// defaults (the MIS's stored hash, no supervisors).
    public var signIn: SignIn

    /// The patient table, its key, the name columns and every place a phone is kept.
    public struct Patients: Sendable, Hashable, Codable {
        /// The table. Required.
        public var table: String
        /// Its key column. Required.
        public var key: String
        /// The columns a full name is made of, in order (one column, or surname, first name, patronymic).
        /// A single string is read as one column. Required.
        public var name: [String]
        /// Every table and column holding a patient's phones. Required, at least one.
        public var phones: [PhoneSource]

        /// Every field is required.
        public init(table: String, key: String, name: [String], phones: [PhoneSource]) {
            self.table = table
            self.key = key
            self.name = name
            self.phones = phones
        }

        enum CodingKeys: String, CodingKey { case table, key, name, phones }

        /// Decodes with the documented defaults.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            table = try c.decode(String.self, forKey: .table)
            key = try c.decode(String.self, forKey: .key)
            if let one = try? c.decode(String.self, forKey: .name) {
                name = [one]
            } else {
                name = try c.decode([String].self, forKey: .name)
            }
            phones = try c.decode([PhoneSource].self, forKey: .phones)
        }
    }

    /// The phone columns in order of preference, as `identify_candidates` may name them in `SOURCE_COLUMN`:
    /// `patients.phones` in order, each source's `columns` in order; a column of the patient table under its
    /// bare name and as `TABLE.COLUMN`, a contacts table's as `TABLE.COLUMN`. A number found in an earlier
    /// column makes its patient the better match (the reference: PHONE_MOBILE, PHONE_HOME, PHONE_WORK).
    public var phoneColumnsByPreference: [String] {
        patients.phones.flatMap { source in
            source.columns.flatMap { column in
                source.table.uppercased() == patients.table.uppercased()
                    ? [column.uppercased(), "\(source.table).\(column)".uppercased()] : ["\(source.table).\(column)".uppercased()]
            }
        }
    }

    /// A table holding phones: the patient table itself, or a contacts table pointing at the patient.
    public struct PhoneSource: Sendable, Hashable, Codable {
        /// The table. Required.
        public var table: String
        /// The column that holds the patient's key (the patient table's key for the patient table).
        /// Defaults to `patients.key`.
        public var key: String?
        /// The phone columns. Required, at least one.
        public var columns: [String]

        /// - Parameter key: defaults to nil (`patients.key`).
        public init(table: String, key: String? = nil, columns: [String]) {
            self.table = table
            self.key = key
            self.columns = columns
        }
    }

    /// The staff table and where an employee's PBX extension, SIP address and chat login are kept.
    public struct Staff: Sendable, Hashable, Codable {
        /// The table. Required.
        public var table: String
        /// Its key column. Required.
        public var key: String
        /// `TABLE.COLUMN` of the PBX extension, or ``Staff/mapTable``. Defaults to ``Staff/mapTable``.
        public var `extension`: String
        /// `TABLE.COLUMN` of the SIP address, or ``Staff/mapTable``. Defaults to ``Staff/mapTable``.
        public var sip: String
        /// `TABLE.COLUMN` of the chat-platform login, or ``Staff/mapTable``. Defaults to ``Staff/mapTable``.
        public var chatLogin: String

        /// MisLink's own mapping table, created by the profile's migrations when the MIS keeps no such column.
        public static let mapTable = "MISLINK_STAFF_MAP"

        /// - Parameters: `extension`, `sip`, `chatLogin` default to ``mapTable``.
        public init(table: String, key: String, extension: String = mapTable, sip: String = mapTable,
                    chatLogin: String = mapTable) {
            self.table = table
            self.key = key
            self.extension = `extension`
            self.sip = sip
            self.chatLogin = chatLogin
        }

        enum CodingKeys: String, CodingKey { case table, key, `extension`, sip, chatLogin = "chat_login" }

        /// Decodes with the documented defaults.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                table: try c.decode(String.self, forKey: .table), key: try c.decode(String.self, forKey: .key),
                extension: try c.decodeIfPresent(String.self, forKey: .extension) ?? Self.mapTable,
                sip: try c.decodeIfPresent(String.self, forKey: .sip) ?? Self.mapTable,
                chatLogin: try c.decodeIfPresent(String.self, forKey: .chatLogin) ?? Self.mapTable)
        }
    }

    /// How a visit is booked.
    public enum Booking: String, Sendable, Hashable, Codable, CaseIterable {
        /// MisLink inserts the visit row through `book_visit`.
        case insert
        /// The MIS's stored procedure books (and validates the slot) through `book_visit`.
        case procedure
    }

    /// How MisLink notices bookings changed in the MIS.
    public enum BookingChanges: String, Sendable, Hashable, Codable, CaseIterable {
        /// The profile's migrations put a trigger on the visits table that posts MisLink's booking events.
        case trigger
        /// Not noticed.
        case none
    }

    /// A manifest; every parameter has the default documented on its property.
    public init(contract: Int = ProfileContract.version, name: String? = nil, title: String? = nil, charset: String = "WIN1251",
                patients: Patients, staff: Staff, appeals: Bool = false, booking: Booking = .insert,
                bookingChanges: BookingChanges = .none, signIn: SignIn = SignIn()) {
        self.contract = contract
        self.name = name
        self.title = title
        self.charset = charset
        self.patients = patients
        self.staff = staff
        self.appeals = appeals
        self.booking = booking
        self.bookingChanges = bookingChanges
        self.signIn = signIn
    }

    enum CodingKeys: String, CodingKey {
        case contract, name, title, charset, patients, staff, appeals, booking, bookingChanges = "booking_changes"
        case signIn = "sign_in"
    }

    /// Decodes with the documented defaults (``read(_:file:)`` also names unknown keys and their lines).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            contract: try c.decode(Int.self, forKey: .contract),
            name: try c.decodeIfPresent(String.self, forKey: .name),
            title: try c.decodeIfPresent(String.self, forKey: .title),
            charset: try c.decodeIfPresent(String.self, forKey: .charset) ?? "WIN1251",
            patients: try c.decode(Patients.self, forKey: .patients),
            staff: try c.decode(Staff.self, forKey: .staff),
            appeals: try c.decodeIfPresent(Bool.self, forKey: .appeals) ?? false,
            booking: try c.decodeIfPresent(Booking.self, forKey: .booking) ?? .insert,
            bookingChanges: try c.decodeIfPresent(BookingChanges.self, forKey: .bookingChanges) ?? BookingChanges.none,
            signIn: try c.decodeIfPresent(SignIn.self, forKey: .signIn) ?? SignIn())
    }

    /// The keys each object may hold, by path (`patients.phones[]` for the elements of a list).
    static let knownKeys: [String: [String]] = [
        "": CodingKeys.allNames,
        "patients": ["table", "key", "name", "phones"],
        "patients.phones[]": ["table", "key", "columns"],
        "staff": ["table", "key", "extension", "sip", "chat_login"],
        "sign_in": ["method", "supervisor_roles"],
    ]
}

extension ProfileManifest.CodingKeys: CaseIterable {
    static var allNames: [String] { allCases.map(\.stringValue) }
}
