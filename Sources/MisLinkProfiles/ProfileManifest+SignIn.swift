extension ProfileManifest {
    /// How the operator console checks an employee's password (`"sign_in"` in profile.json), once the
    /// optional `operator_sign_in` statement has found the employee by login.
    public struct SignIn: Sendable, Hashable, Codable {
        /// How the password is checked. Defaults to ``Method/passwordHash``.
        public var method: Method
        /// The MIS roles (`MIS_ROLE` of `operator_sign_in`, compared case-insensitively) that make an
        /// employee a supervisor of the console; every other active employee is an operator. Defaults to none.
        public var supervisorRoles: [String]

        /// How the password is checked.
        public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
            /// Against the MIS's own stored hash (`PASSWORD_HASH` of `operator_sign_in`), written
            /// `sha256:<salt hex>:<hex of SHA-256(salt bytes + UTF-8 password)>`.
            case passwordHash = "password_hash"
            /// By Firebird: MisLink attaches to the MIS database as the employee's Firebird user with the
            /// password, and the employee is signed in when Firebird accepts it (the MIS's users are the
            /// database's users).
            case firebird
        }

        /// - Parameters: `method` defaults to ``Method/passwordHash``, `supervisorRoles` to none.
        public init(method: Method = .passwordHash, supervisorRoles: [String] = []) {
            self.method = method
            self.supervisorRoles = supervisorRoles
        }

        enum CodingKeys: String, CodingKey { case method, supervisorRoles = "supervisor_roles" }

        /// Decodes with the documented defaults.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(method: try c.decodeIfPresent(Method.self, forKey: .method) ?? .passwordHash,
                      supervisorRoles: try c.decodeIfPresent([String].self, forKey: .supervisorRoles) ?? [])
        }

        /// Whether an employee of this MIS role is a supervisor.
        public func isSupervisor(misRole: String) -> Bool {
            let role = misRole.trimmingCharacters(in: .whitespaces).lowercased()
            return supervisorRoles.contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == role }
        }
    }
}
