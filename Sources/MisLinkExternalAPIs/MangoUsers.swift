/// The answer of `config/users/request`. Values switch between strings and integers across
/// examples, so everything decodes tolerantly.
public struct MangoUsersResponse: Codable, Sendable, Hashable {
    public var users: [MangoUser]
    public init(users: [MangoUser]) { self.users = users }
}

/// One employee.
public struct MangoUser: Codable, Sendable, Hashable {
    public var general: General
    public var telephony: Telephony
    /// Group IDs.
    public var groups: [Int]?

    public init(general: General, telephony: Telephony, groups: [Int]? = nil) {
        self.general = general
        self.telephony = telephony
        self.groups = groups
    }

    /// `general{…}`.
    public struct General: Codable, Sendable, Hashable {
        public var name: String
        public var email: String?
        public var department: String?
        public var position: String?
        public var userId: Int?
        public var login: String?
        public var mobile: String?
        /// `sips[].number`: SIP URIs of the employee.
        public var sips: [String]?

        public init(
            name: String, email: String? = nil, department: String? = nil, position: String? = nil,
            userId: Int? = nil, login: String? = nil, mobile: String? = nil, sips: [String]? = nil
        ) {
            self.name = name
            self.email = email
            self.department = department
            self.position = position
            self.userId = userId
            self.login = login
            self.mobile = mobile
            self.sips = sips
        }

        enum CodingKeys: String, CodingKey {
            case name, email, department, position, userId = "user_id", login, mobile, sips
        }
        private struct SIP: Codable { var number: String }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = c.looseString(.name) ?? ""
            email = c.looseString(.email)
            department = c.looseString(.department)
            position = c.looseString(.position)
            userId = c.looseInt(.userId)
            login = c.looseString(.login)
            mobile = c.looseString(.mobile)
            sips = (try? c.decodeIfPresent([SIP].self, forKey: .sips))?.map(\.number)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(email, forKey: .email)
            try c.encodeIfPresent(department, forKey: .department)
            try c.encodeIfPresent(position, forKey: .position)
            try c.encodeIfPresent(userId, forKey: .userId)
            try c.encodeIfPresent(login, forKey: .login)
            try c.encodeIfPresent(mobile, forKey: .mobile)
            try c.encodeIfPresent(sips?.map { SIP(number: $0) }, forKey: .sips)
        }
    }

    /// `telephony{…}`.
    public struct Telephony: Codable, Sendable, Hashable {
        public var extensionNumber: String?
        public var outgoingLine: String?
        public var numbers: [Number]

        public init(extension: String?, outgoingLine: String? = nil, numbers: [Number] = []) {
            self.extensionNumber = `extension`
            self.outgoingLine = outgoingLine
            self.numbers = numbers
        }

        enum CodingKeys: String, CodingKey { case extensionNumber = "extension", outgoingLine = "outgoingline", numbers }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            extensionNumber = c.looseString(.extensionNumber)
            outgoingLine = c.looseString(.outgoingLine)
            numbers = (try? c.decodeIfPresent([Number].self, forKey: .numbers)) ?? []
        }
    }

    /// `telephony.numbers[]`: where the employee's calls ring.
    public struct Number: Codable, Sendable, Hashable {
        public var number: String
        /// `tel`, `sip`, `fmc`, `skype`.
        public var `protocol`: String?
        public var order: Int?
        public var waitSec: Int?
        /// `on` or `off`.
        public var status: String?

        public init(number: String, protocol: String? = nil, order: Int? = nil, waitSec: Int? = nil, status: String? = nil) {
            self.number = number
            self.protocol = `protocol`
            self.order = order
            self.waitSec = waitSec
            self.status = status
        }

        enum CodingKeys: String, CodingKey { case number, `protocol`, order, waitSec = "wait_sec", status }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            number = c.looseString(.number) ?? ""
            `protocol` = c.looseString(.protocol)
            order = c.looseInt(.order)
            waitSec = c.looseInt(.waitSec)
            status = c.looseString(.status)
        }
    }
}
