import Firebird

/// Fills the reference tables: the departments and services a database lacks, and new staff.
///
/// Append-safe: departments are matched by name and services by code, and staff get extensions,
/// MIS logins and chat logins that no existing row holds (the UNIQUE constraints of STAFF).
struct ReferenceData {
    let attachment: FirebirdAttachment
    var random: SplitMix64

    /// What the reference step added.
    struct Added {
        var departments = 0
        var services = 0
        var staff = 0
    }

    /// Inserts what is missing and `staffCount` new employees, in `transaction`.
    mutating func fill(staffCount: Int, in transaction: Transaction) throws -> Added {
        var added = Added()
        var departments = try departmentIDs(in: transaction)
        let insertDepartment = try attachment.prepare("INSERT INTO DEPARTMENTS (NAME, IS_ACTIVE) VALUES (?, 1)", in: transaction)
        for name in ClinicCatalog.departments where departments[name] == nil {
            try insertDepartment.execute([.text(name)], in: transaction)
            added.departments += 1
        }
        if added.departments > 0 { departments = try departmentIDs(in: transaction) }

        let codes = Set(try attachment.query("SELECT CODE FROM SERVICES WHERE CODE IS NOT NULL", in: transaction)
            .map { try $0.decode(String.self, at: 0) })
        let insertService = try attachment.prepare(
            "INSERT INTO SERVICES (CODE, NAME, DEPARTMENT_ID, PRICE, DURATION_MIN, IS_ACTIVE) VALUES (?, ?, ?, ?, ?, 1)",
            in: transaction)
        for service in ClinicCatalog.services where !codes.contains(service.code) {
            try insertService.execute(
                [.text(service.code), .text(service.name), departments[service.department].map(FirebirdValue.integer) ?? .null,
                 .decimal(FirebirdDecimal(unscaled: service.priceKopecks, scale: -2)), .smallint(Int16(service.minutes))],
                in: transaction)
            added.services += 1
        }
        added.staff = try insertStaff(staffCount, departments: departments, in: transaction)
        return added
    }

    private func departmentIDs(in transaction: Transaction) throws -> [String: Int32] {
        var ids: [String: Int32] = [:]
        for row in try attachment.query("SELECT ID, NAME FROM DEPARTMENTS ORDER BY ID", in: transaction) {
            let name = try row.decode(String.self, at: 1)
            if ids[name] == nil { ids[name] = try row.decode(Int32.self, at: 0) }
        }
        return ids
    }

    /// The roles of `count` new employees: mostly doctors, then operators, registrars and nurses,
    /// with at least one of each when there is room.
    static func roles(_ count: Int) -> [String] {
        guard count > 0 else { return [] }
        let essentials = ["doctor", "operator", "registrar", "nurse", "doctor"].prefix(count)
        var roles = Array(essentials)
        let cycle = ["doctor", "doctor", "operator", "doctor", "registrar", "doctor", "doctor", "operator", "nurse", "doctor"]
        var index = 0
        while roles.count < count {
            roles.append(cycle[index % cycle.count])
            index += 1
        }
        return roles
    }

    private mutating func insertStaff(_ count: Int, departments: [String: Int32], in transaction: Transaction) throws -> Int {
        guard count > 0 else { return 0 }
        var taken = Set<String>()
        for row in try attachment.query(
            "SELECT SIP_EXTENSION, CHAT_LOGIN, MIS_LOGIN FROM STAFF", in: transaction)
        {
            for index in 0..<3 { if let value = try row.decode(String?.self, at: index) { taken.insert(value.lowercased()) } }
        }
        let insert = try attachment.prepare(
            """
            INSERT INTO STAFF (FULL_NAME, ROLE, SPECIALTY, DEPARTMENT_ID, PHONE, EMAIL, MIS_LOGIN, SIP_EXTENSION,
                               CHAT_LOGIN, CHAT_PASSWORD, IS_ACTIVE)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, in: transaction)
        var nextExtension = ["operator": 101, "registrar": 201, "doctor": 301, "nurse": 401]
        for role in Self.roles(count) {
            let female = random.chance(role == "doctor" ? 0.6 : 0.85)
            let surname = RussianNames.surnameTable.draw(&random)
            let last = female ? RussianNames.feminine(of: surname) : surname
            let first = female ? RussianNames.femaleNameTable.draw(&random) : RussianNames.maleNameTable.draw(&random).name
            let father = RussianNames.maleNameTable.draw(&random)
            let middle = female ? father.daughterPatronymic : father.sonPatronymic
            let initials = RussianNames.latin(String(first.prefix(1)) + String(middle.prefix(1)))
            let active = !random.chance(0.08)
            var specialty: String?
            var department: String
            switch role {
            case "doctor":
                let drawn = ClinicCatalog.specialties.draw(&random)
                specialty = drawn.name
                department = drawn.department
            case "nurse":
                specialty = ClinicCatalog.nurseSpecialty
                department = ClinicCatalog.laboratory
            default:
                department = ClinicCatalog.registry
            }
            let misLogin = unique(RussianNames.latin(last).uppercased() + "_" + initials.uppercased(), &taken)
            var sip: String?
            if active, role != "nurse", role != "doctor" || random.chance(0.7) {
                var number = nextExtension[role]!
                while taken.contains(String(number)) { number += 1 }
                nextExtension[role] = number + 1
                sip = String(number)
                taken.insert(sip!)
            }
            var chatLogin: String?
            var chatPassword: String?
            if role == "operator" || role == "registrar" {
                chatLogin = unique(RussianNames.latin(last) + "." + initials, &taken)
                chatPassword = password()
            }
            let email = (chatLogin ?? misLogin.lowercased()) + "@clinic-demo.ru"
            try insert.execute(
                [.text("\(last) \(first) \(middle)"), .text(role), specialty.map(FirebirdValue.text) ?? .null,
                 departments[department].map(FirebirdValue.integer) ?? .null,
                 .text(PhoneFormats.typedMobile(PhoneFormats.mobile(&random), &random)), .text(email), .text(misLogin),
                 sip.map(FirebirdValue.text) ?? .null, chatLogin.map(FirebirdValue.text) ?? .null,
                 chatPassword.map(FirebirdValue.text) ?? .null, .smallint(active ? 1 : 0)],
                in: transaction)
        }
        return count
    }

    /// `base`, or `base2`, `base3`… : the first spelling no row holds (compared case-insensitively).
    private func unique(_ base: String, _ taken: inout Set<String>) -> String {
        var candidate = base
        var suffix = 2
        while taken.contains(candidate.lowercased()) {
            candidate = base + String(suffix)
            suffix += 1
        }
        taken.insert(candidate.lowercased())
        return candidate
    }

    private mutating func password() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<12).map { _ in random.pick(alphabet) })
    }
}
