import Firebird

/// Makes patients, one household at a time, with IDs from a reserved range.
///
/// Everything it makes is a function of its seed, the first ID and the reference date, so the same
/// seed on the same starting database gives the same rows. About `familyShare` of the patients come
/// in families of two to four that share a surname (in its masculine and feminine forms), an address
/// and one mobile number, typed differently on each card.
struct PatientGenerator {
    var random: SplitMix64
    let today: Int32
    let familyShare: Double
    var visits: VisitGenerator
    private(set) var nextID: Int32
    private(set) var remaining: Int

    init(seed: UInt64, firstID: Int32, count: Int, today: FirebirdDate, familyShare: Double, visits: VisitGenerator) {
        random = SplitMix64.derived(seed: seed, stream: UInt64(firstID))
        self.today = today.iscDate
        self.familyShare = familyShare
        self.visits = visits
        nextID = firstID
        remaining = count
    }

    /// The next batch of about `size` patients (a family is never split) with their visits; nil at the end.
    mutating func nextBatch(size: Int) -> Batch? {
        guard remaining > 0 else { return nil }
        var batch = Batch()
        batch.patients.reserveCapacity(size + 4)
        batch.visits.reserveCapacity(size * 2)
        while batch.patients.count < size, remaining > 0 {
            if remaining >= 2, random.chance(familyStartProbability) {
                family(into: &batch)
            } else {
                var patient = person(female: random.chance(0.56), surname: RussianNames.surnameTable.draw(&random),
                                     age: adultOrChildAge(), father: nil)
                single(&patient)
                append(patient, into: &batch)
            }
        }
        return batch
    }

    /// A family averages 2.7 people, so this share of households makes `familyShare` of the patients.
    private var familyStartProbability: Double {
        familyShare / (2.7 - 1.7 * familyShare)
    }

    private mutating func append(_ patient: PatientRow, into batch: inout Batch) {
        var patient = patient
        patient.id = nextID
        patient.cardNumber = String(nextID)
        nextID += 1
        remaining -= 1
        visits.appendVisits(for: patient, registeredOn: patient.createdAt.date.iscDate, into: &batch.visits, &random)
        batch.patients.append(patient)
    }

    // MARK: People

    private mutating func adultOrChildAge() -> Int {
        switch random.below(100) {
        case 0..<18: random.int(in: 0...17)
        case 18..<50: random.int(in: 18...39)
        case 50..<83: random.int(in: 40...64)
        default: random.int(in: 65...95)
        }
    }

    /// A person with correct name forms; `father` gives the patronymic (a random one when nil).
    private mutating func person(female: Bool, surname: String, age: Int, father: RussianNames.MaleName?) -> PatientRow {
        var patient = PatientRow()
        patient.lastName = female ? RussianNames.feminine(of: surname) : surname
        patient.firstName = female ? RussianNames.femaleNameTable.draw(&random) : RussianNames.maleNameTable.draw(&random).name
        let father = father ?? RussianNames.maleNameTable.draw(&random)
        if !random.chance(0.02) {
            patient.middleName = female ? father.daughterPatronymic : father.sonPatronymic
        }
        if !random.chance(0.003) { patient.sex = female ? "F" : "M" }
        let birth = today - Int32(Double(age) * 365.2425) - Int32(random.below(365))
        if !random.chance(0.004) { patient.birthDate = FirebirdDate(iscDate: birth) }
        let registered = today - 1 - Int32(random.below(max(1, min(3_650, Int(today - birth)))))
        patient.createdAt = Day.timestamp(registered, minute: random.int(in: 480...1_199), second: random.below(60))
        if age >= 14, random.chance(age < 60 ? 0.35 : 0.12) { patient.email = email(for: patient) }
        if random.chance(0.72) { patient.snils = snils() }
        if random.chance(0.62) { patient.address = address() }
        patient.consentSMS = random.chance(0.7)
        patient.consentMessengers = random.chance(0.45)
        if random.chance(0.03) { patient.notes = random.pick(ClinicCatalog.patientNotes) }
        patient.isDeleted = random.chance(0.005)
        return patient
    }

    /// Phones of someone who came alone: the full spread of what registrars type.
    private mutating func single(_ patient: inout PatientRow) {
        switch random.below(1_000) {
        case 0..<800: patient.phoneMobile = PhoneFormats.typedMobile(PhoneFormats.mobile(&random), &random)
        case 800..<840: patient.phoneMobile = PhoneFormats.twoNumbers(PhoneFormats.mobile(&random), &random)
        case 840..<870: patient.phoneMobile = PhoneFormats.local6(&random)
        case 870..<930: patient.phoneMobile = nil
        case 930..<960: patient.phoneMobile = ""
        case 960..<980: patient.phoneMobile = random.pick(PhoneFormats.junk)
        default:
            patient.phoneMobile = PhoneFormats.typedMobile(PhoneFormats.mobile(&random), &random) + " (" + random.pick(["муж", "жена", "сын", "дочь", "сосед"]) + ")"
        }
        otherPhones(&patient)
    }

    private mutating func otherPhones(_ patient: inout PatientRow) {
        switch random.below(100) {
        case 0..<10: patient.phoneHome = PhoneFormats.local6(&random)
        case 10..<20: patient.phoneHome = PhoneFormats.typedLandline(&random)
        case 20..<22: patient.phoneHome = ""
        default: break
        }
        switch random.below(100) {
        case 0..<7: patient.phoneWork = PhoneFormats.withExtension(&random)
        case 7..<10: patient.phoneWork = PhoneFormats.typedLandline(&random)
        default: break
        }
    }

    /// Two to four people with one surname, one address and the mother's mobile on every card.
    private mutating func family(into batch: inout Batch) {
        let size = min(remaining, [2, 2, 2, 2, 2, 3, 3, 3, 4, 4][random.below(10)])
        let surname = RussianNames.surnameTable.draw(&random)
        let fatherName = RussianNames.maleNameTable.draw(&random)
        let fatherAge = random.int(in: 24...70)
        let motherAge = max(19, fatherAge + random.int(in: -7...3))
        let shared = PhoneFormats.mobile(&random)
        let address = address()
        var members: [PatientRow] = []
        let withFather = size > 2 || random.chance(0.5)
        members.append(person(female: true, surname: surname, age: motherAge, father: nil))
        if withFather {
            var father = person(female: false, surname: surname, age: fatherAge, father: nil)
            father.firstName = fatherName.name
            members.append(father)
        }
        while members.count < size {
            let age = random.int(in: 0...min(17, motherAge - 18))
            var child = person(female: random.chance(0.5), surname: surname, age: age, father: fatherName)
            child.email = nil
            members.append(child)
        }
        for index in members.indices {
            var member = members[index]
            member.address = address
            member.phoneMobile = PhoneFormats.typedMobile(shared, &random)
            if index >= (withFather ? 2 : 1), random.chance(0.2) { member.phoneMobile! += " (мама)" }
            if random.chance(0.1) { member.phoneHome = PhoneFormats.local6(&random) }
            append(member, into: &batch)
        }
    }

    // MARK: Details

    private mutating func email(for patient: PatientRow) -> String {
        var local = RussianNames.latin(patient.lastName)
        if let first = patient.firstName, random.chance(0.5) { local = RussianNames.latin(first) + "." + local }
        if random.chance(0.6), let year = patient.birthDate?.year {
            local += random.chance(0.5) ? String(year) : String(year % 100 / 10) + String(year % 10)
        }
        return local + "@" + ClinicCatalog.emailDomains.draw(&random)
    }

    /// A SNILS with a valid check number, as `XXX-XXX-XXX YY`.
    private mutating func snils() -> String {
        let number = random.int(in: 1_001_999...999_999_999)
        return Self.formatSNILS(number)
    }

    /// Formats a nine-digit insurance number with its check digits (the Pension Fund's algorithm).
    static func formatSNILS(_ number: Int) -> String {
        var digits: [Int] = []
        var rest = number
        for _ in 0..<9 {
            digits.insert(rest % 10, at: 0)
            rest /= 10
        }
        var sum = 0
        for (index, digit) in digits.enumerated() { sum += digit * (9 - index) }
        let check = sum < 100 ? sum : (sum <= 101 ? 0 : (sum % 101 == 100 ? 0 : sum % 101))
        let text = digits.map(String.init).joined()
        let a = text.prefix(3), b = text.dropFirst(3).prefix(3), c = text.suffix(3)
        return "\(a)-\(b)-\(c) " + (check < 10 ? "0" : "") + String(check)
    }

    private mutating func address() -> String {
        var text = "г. Казань, " + random.pick(RussianNames.streets) + ", д. " + String(random.int(in: 1...160))
        if random.chance(0.15) { text += "/" + String(random.int(in: 1...4)) }
        if random.chance(0.85) { text += ", кв. " + String(random.int(in: 1...280)) }
        return text
    }
}
