import Firebird
import Foundation
import MisLinkProfiles
import Synchronization

/// Names and lists the console shows, from the MIS profile's optional console statements
/// (SQL/profiles/CONTRACT.md, "Console"): patients' and employees' names for the call log and the cards,
/// patients found by name, doctors and services for booking.
///
/// Names are cached briefly (``patientSeconds``, ``staffSeconds``) so that a page of the call log costs
/// one lookup per distinct patient at most, and the employees one `staff_list` a minute; a statement the
/// profile lacks gives nothing (nil names, no filter) rather than an error.
final class MISDirectory: Sendable {
    /// A patient as `patient_get` gives them.
    struct Patient: Sendable, Hashable {
        var id: Int64
        var name: String
        /// `YYYY-MM-DD`.
        var birthDate: String?
    }

    /// How long a patient's name is reused. Defaults to 30 seconds.
    static let patientSeconds: Duration = .seconds(30)
    /// How long the employees' names are reused. Defaults to 60 seconds.
    static let staffSeconds: Duration = .seconds(60)
    /// The most patients kept; past it the cache starts over.
    static let maxPatients = 20_000

    let profile: MISProfile
    private let clock = ContinuousClock()
    private let patients = Mutex<[Int64: (patient: Patient?, at: ContinuousClock.Instant)]>([:])
    private let staff = Mutex<(names: [Int64: String], at: ContinuousClock.Instant)?>(nil)

    init(profile: MISProfile) {
        self.profile = profile
    }

    /// Whether the profile has the statement `name` (an optional one may be missing).
    func has(_ name: String) -> Bool { profile.statements[name] != nil }

    /// The patients with these ids, by id (those `patient_get` does not know, or every one without the
    /// statement, are missing). One lookup per id not cached.
    func patients(_ ids: Set<Int64>, in transaction: Transaction) throws -> [Int64: Patient] {
        guard let statement = profile.statements["patient_get"] else { return [:] }
        let now = clock.now
        var found: [Int64: Patient] = [:]
        var missing: [Int64] = []
        patients.withLock { cache in
            for id in ids {
                if let entry = cache[id], now - entry.at < Self.patientSeconds {
                    if let patient = entry.patient { found[id] = patient }
                } else {
                    missing.append(id)
                }
            }
        }
        var looked: [Int64: Patient?] = [:]
        for id in missing {
            let row = try statement.lookup(["patient_id": .bigint(id)], in: transaction).first
            looked[id] = try row.map { row in
                Patient(id: id, name: try Self.text(row, "FULL_NAME") ?? "",
                        birthDate: try row.decode(FirebirdDate?.self, column: "BIRTH_DATE")?.description)
            }
        }
        patients.withLock { cache in
            if cache.count + looked.count > Self.maxPatients { cache = [:] }
            for (id, patient) in looked { cache[id] = (patient, now) }
        }
        for case let (id, patient?) in looked { found[id] = patient }
        return found
    }

    /// Every employee's name by id: `staff_list` (cached), else `staff_get` for each of `ids`.
    func staffNames(_ ids: Set<Int64>, in transaction: Transaction) throws -> [Int64: String] {
        if let all = try allStaff(in: transaction) { return all.filter { ids.contains($0.key) } }
        var names: [Int64: String] = [:]
        let statement = try profile.statement("staff_get")
        for id in ids {
            if let row = try statement.lookup(["staff_id": .bigint(id)], in: transaction).first, let name = try Self.text(row, "FULL_NAME") {
                names[id] = name
            }
        }
        return names
    }

    /// The employees whose name contains `text` (case ignored), through `staff_list`; nil without it.
    func staffIds(named text: String, in transaction: Transaction) throws -> [Int64]? {
        guard let all = try allStaff(in: transaction) else { return nil }
        let wanted = text.trimmingCharacters(in: .whitespaces)
        return all.filter { $0.value.range(of: wanted, options: [.caseInsensitive, .diacriticInsensitive]) != nil }.keys.sorted()
    }

    /// The patients `patients_by_name` finds for `text` (at most 500); nil without the statement. A name
    /// the MIS's character set cannot hold ("£"), or longer than its column, finds nobody.
    func patientIds(named text: String, in transaction: Transaction) throws -> [Int64]? {
        guard let statement = profile.statements["patients_by_name"] else { return nil }
        do {
            let rows = try statement.lookup(["name": .text(text.trimmingCharacters(in: .whitespaces))], in: transaction)
            return Array(try rows.compactMap { try $0.decode(Int64?.self, column: "PATIENT_ID") }.prefix(500))
        } catch let error as FirebirdError where error.code == .transliterationFailed || error.code == .stringTruncation {
            return []
        }
    }

    /// A doctor one can book with.
    struct Doctor: Codable, Sendable, Equatable {
        var id: Int64
        var name: String
        var specialty: String?
    }

    /// A service one can book.
    struct Service: Codable, Sendable, Equatable {
        var id: Int64
        var name: String
        /// Its usual length; nil when the MIS keeps none.
        var minutes: Int?
    }

    /// A free slot.
    struct Slot: Codable, Sendable, Equatable {
        var doctorId: Int64
        /// Clinic wall-clock time, `2026-12-08T09:00:00`.
        var startAt: String
        var minutes: Int
    }

    /// `doctors_list`; nil without it.
    func doctors(in transaction: Transaction) throws -> [Doctor]? {
        guard let statement = profile.statements["doctors_list"] else { return nil }
        return try statement.lookup([:], in: transaction).compactMap { row in
            guard let id = try row.decode(Int64?.self, column: "DOCTOR_ID") else { return nil }
            return Doctor(id: id, name: try Self.text(row, "FULL_NAME") ?? "", specialty: try Self.text(row, "SPECIALTY"))
        }
    }

    /// `services_list`; nil without it.
    func services(in transaction: Transaction) throws -> [Service]? {
        guard let statement = profile.statements["services_list"] else { return nil }
        return try statement.lookup([:], in: transaction).compactMap { row in
            guard let id = try row.decode(Int64?.self, column: "SERVICE_ID") else { return nil }
            return Service(id: id, name: try Self.text(row, "NAME") ?? "", minutes: try row.decode(Int?.self, column: "MINUTES"))
        }
    }

    /// `free_slots` from `from` to `to` (clinic wall-clock time), of one doctor and service or any; at most `limit`.
    func slots(doctor: Int64?, service: Int64?, from: FirebirdTimestamp, to: FirebirdTimestamp, limit: Int,
               in transaction: Transaction) throws -> [Slot] {
        let rows = try profile.statement("free_slots").lookup([
            "doctor_id": doctor.map { .bigint($0) } ?? .null, "service_id": service.map { .bigint($0) } ?? .null,
            "from": .timestamp(from), "to": .timestamp(to),
        ], in: transaction)
        return try rows.prefix(limit).compactMap { row in
            guard let doctor = try row.decode(Int64?.self, column: "DOCTOR_ID"),
                  let start = try row.decode(FirebirdTimestamp?.self, column: "START_AT")
            else { return nil }
            return Slot(doctorId: doctor, startAt: ConsoleCard.isoLocal(String(start.description.prefix(19))),
                        minutes: try row.decode(Int?.self, column: "MINUTES") ?? 30)
        }
    }

    /// `staff_list` by id, read at most once per ``staffSeconds``; nil when the profile has no `staff_list`.
    private func allStaff(in transaction: Transaction) throws -> [Int64: String]? {
        guard let statement = profile.statements["staff_list"] else { return nil }
        let now = clock.now
        if let cached = staff.withLock({ $0 }), now - cached.at < Self.staffSeconds { return cached.names }
        var names: [Int64: String] = [:]
        for row in try statement.lookup([:], in: transaction) {
            guard let id = try row.decode(Int64?.self, column: "STAFF_ID") else { continue }
            names[id] = try Self.text(row, "FULL_NAME") ?? ""
        }
        staff.withLock { $0 = (names, now) }
        return names
    }

    /// A text column, trimmed (a MIS's CHAR columns come padded); nil when NULL.
    static func text(_ row: Row, _ column: String) throws -> String? {
        try row.decode(String?.self, column: column)?.trimmingCharacters(in: .whitespaces)
    }
}
