import Firebird

/// The doctors, services and bookers visits are made from, as read back from the database.
struct VisitPlan: Sendable {
    struct Service: Sendable {
        let id: Int32
        let priceKopecks: Int64
        let minutes: Int
    }

    struct Doctor: Sendable {
        let id: Int32
        let cabinet: String
        let services: [Service]
        let pediatric: Bool
    }

    /// Active doctors (and procedure-room nurses) that have services in their department, by ID.
    var doctors: [Doctor] = []
    /// Active registrars and operators, who appear as CREATED_BY.
    var bookers: [Int32] = []

    var pediatricians: [Doctor] { doctors.filter(\.pediatric) }
    var adultDoctors: [Doctor] { doctors.filter { !$0.pediatric } }
}

/// Makes a patient's appointment history: past visits (visited, cancelled, no-show) and, for some,
/// a booking in the coming weeks.
struct VisitGenerator: Sendable {
    let plan: VisitPlan
    let today: Int32
    /// The share of patients with any appointment.
    let historyShare: Double
    /// The mean number of appointments of a patient who has any (at least 1).
    let meanVisits: Double
    private let pediatricians: [VisitPlan.Doctor]
    private let adultDoctors: [VisitPlan.Doctor]

    init(plan: VisitPlan, today: FirebirdDate, visitsPerPatient: Double, historyShare: Double) {
        self.plan = plan
        self.today = today.iscDate
        let share = plan.doctors.isEmpty ? 0 : min(max(historyShare, 0), max(visitsPerPatient, 0), 1)
        self.historyShare = share
        meanVisits = share > 0 ? max(1, visitsPerPatient / share) : 0
        pediatricians = plan.pediatricians
        adultDoctors = plan.adultDoctors.isEmpty ? plan.doctors : plan.adultDoctors
    }

    func appendVisits(for patient: PatientRow, registeredOn registered: Int32, into visits: inout [VisitRow], _ random: inout SplitMix64) {
        guard historyShare > 0, random.chance(historyShare) else { return }
        // 1 + a geometric count with mean meanVisits - 1.
        var count = 1
        let more = (meanVisits - 1) / meanVisits
        while count < 60, random.chance(more) { count += 1 }
        let child = patient.birthDate.map { today - $0.iscDate < 18 * 365 } ?? false
        let earliest = max(registered, today - 3 * 365)
        for index in 0..<count {
            let future = index == count - 1 && random.chance(0.15)
            let pool = child && !pediatricians.isEmpty && random.chance(0.75) ? pediatricians : adultDoctors
            let doctor = random.pick(pool)
            let service = random.pick(doctor.services)
            var day = future ? today + 1 + Int32(random.below(30)) : earliest + Int32(random.below(Int(max(1, today - earliest))))
            if Day.weekday(day) == 6 { day += future || day + 1 < today ? 1 : -1 }  // closed on Sundays
            let slots = max(1, 720 / service.minutes)
            let startMinute = 480 + random.below(slots) * service.minutes
            let start = Day.timestamp(day, minute: startMinute)
            let end = Day.timestamp(day, minute: startMinute + service.minutes)
            let leadDays = Int32(random.int(in: 0...14))
            let createdDay = future
                ? max(registered, today - 1 - Int32(random.below(14))) : min(day, max(registered, day - leadDays))
            let createdMinute = createdDay == day ? random.int(in: 420...max(420, startMinute - 10)) : random.int(in: 480...1_199)
            var visit = VisitRow(
                id: 0, patientID: patient.id, doctorID: doctor.id, serviceID: service.id, startAt: start, endAt: end,
                status: "booked", cabinet: doctor.cabinet, price: FirebirdDecimal(unscaled: service.priceKopecks, scale: -2),
                createdBy: plan.bookers.isEmpty || random.chance(0.08) ? nil : random.pick(plan.bookers),
                createdAt: Day.timestamp(createdDay, minute: createdMinute, second: random.below(60)),
                updatedAt: nil, cancelledAt: nil,
                comment: random.chance(0.06) ? random.pick(ClinicCatalog.visitComments) : nil)
            let roll = random.below(100)
            if future {
                if roll < 8 { cancel(&visit, before: start, random: &random) }
            } else if roll < 80 {
                visit.status = "visited"
                visit.updatedAt = end
                if random.chance(0.1) {
                    // A 10 % discount, rounded to the kopeck: exact integer arithmetic on the scaled value.
                    visit.price = FirebirdDecimal(unscaled: (service.priceKopecks * 9 + 5) / 10, scale: -2)
                }
            } else if roll < 92 {
                cancel(&visit, before: start, random: &random)
            } else {
                visit.status = "no_show"
                visit.updatedAt = end
            }
            visits.append(visit)
        }
    }

    private func cancel(_ visit: inout VisitRow, before start: FirebirdTimestamp, random: inout SplitMix64) {
        visit.status = "cancelled"
        let createdDay = visit.createdAt.date.iscDate
        let startDay = start.date.iscDate
        let cancelDay = min(createdDay + Int32(random.below(Int(max(1, startDay - createdDay + 1)))), today)
        var cancelled = Day.timestamp(cancelDay, minute: random.int(in: 420...1_260))
        if cancelled < visit.createdAt { cancelled = visit.createdAt }
        if cancelled > start { cancelled = visit.createdAt }
        visit.cancelledAt = cancelled
        visit.updatedAt = cancelled
    }
}
