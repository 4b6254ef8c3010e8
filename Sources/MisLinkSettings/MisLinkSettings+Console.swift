extension MisLinkSettings {
    /// The operator console (`/console/`) and its sign-in: sessions, lock-out, embedding in the MIS's
    /// own pages.
    ///
    /// Employees sign in with their MIS login and password, checked the way the MIS profile's `sign_in`
    /// says (SQL/profiles/README.md); each session is a `MISLINK_SESSIONS` row, so every worker on the
    /// database knows it.
    public struct Console: Codable, Sendable, Equatable {
        /// Minutes a session lives without a request; the next one after that is refused (401).
        /// Defaults to 30.
        public var idleMinutes: Int
        /// Failed sign-ins of one login within ``lockoutMinutes`` after which it is locked out.
        /// Defaults to 5.
        public var maxFailures: Int
        /// Minutes a locked-out login stays refused (429), and the window its failures are counted in.
        /// Defaults to 15.
        public var lockoutMinutes: Int
        /// Whether the session cookie carries `Secure` (set it when the console is served over HTTPS).
        /// Defaults to false.
        public var secureCookies: Bool
        /// The shared secret the MIS signs embedding tokens with (HMAC-SHA256, `POST
        /// /api/v1/session/embed`). Secret. Empty: embedding is off (every token refused). Defaults to empty.
        public var embedSecret: String
        /// Origins (`https://mis.clinic.ru`) whose pages may call the API from the browser (CORS), for
        /// the embedded card. Defaults to none.
        public var embedOrigins: [String]
        /// The MIS's page of a patient, `{patient_id}` replaced by the id (the card's link); empty: no
        /// link. Defaults to empty.
        public var patientURLTemplate: String
        /// For the `firebird` sign-in method when `database.dsn` is an embedded file: the server DSN
        /// (`host[/port]:path`) of the same database that checks the employee's Firebird password.
        /// Defaults to none (then the `firebird` method works only with a server DSN).
        public var signInDSN: String?
        /// The console's and the API messages' language when the browser does not ask: `ru` or `en`.
        /// Defaults to `ru`.
        public var language: String

        enum CodingKeys: String, CodingKey {
            case idleMinutes, maxFailures, lockoutMinutes, secureCookies, embedSecret, embedOrigins
            case patientURLTemplate = "patientUrlTemplate", signInDSN = "signInDsn", language
        }

        public init(idleMinutes: Int = 30, maxFailures: Int = 5, lockoutMinutes: Int = 15, secureCookies: Bool = false,
                    embedSecret: String = "", embedOrigins: [String] = [], patientURLTemplate: String = "",
                    signInDSN: String? = nil, language: String = "ru") {
            self.idleMinutes = idleMinutes
            self.maxFailures = maxFailures
            self.lockoutMinutes = lockoutMinutes
            self.secureCookies = secureCookies
            self.embedSecret = embedSecret
            self.embedOrigins = embedOrigins
            self.patientURLTemplate = patientURLTemplate
            self.signInDSN = signInDSN
            self.language = language
        }

        /// Refuses values that would switch the idle expiry or the lock-out off, and an unknown language.
        public init(from decoder: any Decoder) throws {
            let defaults = Console()
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                idleMinutes: try c.decodeIfPresent(Int.self, forKey: .idleMinutes) ?? defaults.idleMinutes,
                maxFailures: try c.decodeIfPresent(Int.self, forKey: .maxFailures) ?? defaults.maxFailures,
                lockoutMinutes: try c.decodeIfPresent(Int.self, forKey: .lockoutMinutes) ?? defaults.lockoutMinutes,
                secureCookies: try c.decodeIfPresent(Bool.self, forKey: .secureCookies) ?? defaults.secureCookies,
                embedSecret: try c.decodeIfPresent(String.self, forKey: .embedSecret) ?? defaults.embedSecret,
                embedOrigins: try c.decodeIfPresent([String].self, forKey: .embedOrigins) ?? defaults.embedOrigins,
                patientURLTemplate: try c.decodeIfPresent(String.self, forKey: .patientURLTemplate) ?? defaults.patientURLTemplate,
                signInDSN: try c.decodeIfPresent(String.self, forKey: .signInDSN).flatMap { $0.isEmpty ? nil : $0 },
                language: try c.decodeIfPresent(String.self, forKey: .language) ?? defaults.language)
            try validate()
        }

        /// Throws a ``SettingsError`` naming the first setting out of its range.
        public func validate() throws {
            for (name, value, range) in [("idle_minutes", idleMinutes, 1...10_080), ("max_failures", maxFailures, 1...1000),
                                         ("lockout_minutes", lockoutMinutes, 1...10_080)] where !range.contains(value) {
                throw SettingsError("console.\(name) must be \(range.lowerBound)…\(range.upperBound), got \(value)")
            }
            guard ["ru", "en"].contains(language) else {
                throw SettingsError("console.language must be ru or en, got \"\(language)\"")
            }
            if let origin = embedOrigins.first(where: { !Self.isOrigin($0) }) {
                throw SettingsError("console.embed_origins: \"\(origin)\" is not an origin such as https://mis.clinic.ru")
            }
        }

        /// `scheme://host[:port]` with nothing after it (what a browser sends as `Origin`).
        static func isOrigin(_ text: String) -> Bool {
            guard let colon = text.range(of: "://") else { return false }
            let scheme = text[..<colon.lowerBound], rest = text[colon.upperBound...]
            return ["http", "https"].contains(scheme) && !rest.isEmpty && !rest.contains("/") && !rest.contains("?")
                && !rest.contains("#") && !rest.contains(" ")
        }
    }
}
