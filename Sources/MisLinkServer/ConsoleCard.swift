import Firebird
import Foundation
import Hummingbird
import MisLinkPatients
import MisLinkStore

/// An incoming-call card as the console and its stream show it: who is calling (the patient the card
/// shows, every patient sharing the number, the last visit), where the call is, and the link to the
/// patient's page in the MIS.
///
/// `state` is what the screen does with it: `shown` (ringing here), `answered_here`, `answered_elsewhere`
/// (withdraw it: a colleague answered) or `closed` (take it off: the operator's leg or the call ended, or
/// the operator dismissed it). The card's own times are UTC (`…Z`); visits are clinic wall-clock time
/// (`2026-11-01T10:00:00`, no zone), as the MIS keeps them.
struct ConsoleCard: Codable, Sendable, Equatable, ResponseEncodable {
    struct Patient: Codable, Sendable, Equatable {
        var id: Int64
        var name: String
        var birthDate: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(birthDate, forKey: .birthDate)
        }
    }

    struct Candidate: Codable, Sendable, Equatable {
        var id: Int64
        var name: String
        var birthDate: String?
        /// Where the number was found, as the profile names it (`PHONE_MOBILE`, `KONTAKTY.ZNACHENIE`).
        var sourceColumn: String
        var lastVisitAt: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(birthDate, forKey: .birthDate)
            try c.encode(sourceColumn, forKey: .sourceColumn)
            try c.encode(lastVisitAt, forKey: .lastVisitAt)
        }
    }

    struct LastVisit: Codable, Sendable, Equatable {
        var at: String
        var service: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(at, forKey: .at)
            try c.encode(service, forKey: .service)
        }
    }

    var id: Int64
    var callId: Int64
    var staffId: Int64
    var state: String
    var direction: String
    var phoneNumber: String?
    var patient: Patient?
    /// How many other patients share the number ("и ещё N").
    var others: Int
    var candidates: [Candidate]
    var lastVisit: LastVisit?
    var appealId: Int64?
    var shownAt: Date
    var answeredAt: Date?
    var closedAt: Date?
    var updatedAt: Date
    /// `console.patient_url_template` with the patient's id; nil without a template or a patient.
    var patientUrl: String?

    enum CodingKeys: String, CodingKey {
        case id, callId, staffId, state, direction, phoneNumber, patient, others, candidates, lastVisit, appealId, shownAt
        case answeredAt, closedAt, updatedAt, patientUrl
    }

    /// Every key is written, `null` included, so a screen can tell "none" from "not sent" (the nested
    /// values too).
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(callId, forKey: .callId)
        try c.encode(staffId, forKey: .staffId)
        try c.encode(state, forKey: .state)
        try c.encode(direction, forKey: .direction)
        try c.encode(phoneNumber, forKey: .phoneNumber)
        try c.encode(patient, forKey: .patient)
        try c.encode(others, forKey: .others)
        try c.encode(candidates, forKey: .candidates)
        try c.encode(lastVisit, forKey: .lastVisit)
        try c.encode(appealId, forKey: .appealId)
        try c.encode(shownAt, forKey: .shownAt)
        try c.encode(answeredAt, forKey: .answeredAt)
        try c.encode(closedAt, forKey: .closedAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(patientUrl, forKey: .patientUrl)
    }

    /// Whether the screen shows it (``ConsoleCardRecord/isOpen``).
    var isOpen: Bool { state == "shown" || state == "answered_here" }

    /// A card read from the database, with who shares its number (`candidates`, the best first) and the
    /// names `patient_get` gave.
    init(_ record: ConsoleCardRecord, candidates: [Identification.Candidate], patients: [Int64: MISDirectory.Patient],
         patientURLTemplate: String) {
        id = record.id
        callId = record.callId
        staffId = record.staffId
        // A card answered here stays so in the table after its leg ends: for the screen it is over.
        state = record.state == "answered_elsewhere" || record.isOpen ? record.state : "closed"
        direction = record.direction
        phoneNumber = record.phoneNumber
        others = record.patientOthers
        self.candidates = candidates.map { candidate in
            Candidate(id: Int64(candidate.id), name: candidate.fullName, birthDate: candidate.birthDate,
                      sourceColumn: candidate.matchedColumn, lastVisitAt: candidate.lastVisit.map(Self.isoLocal))
        }
        if let patientId = record.patientId {
            let known = self.candidates.first { $0.id == patientId }
            let name = known?.name ?? patients[patientId]?.name ?? record.patientDisplay ?? ""
            patient = Patient(id: patientId, name: name,
                              birthDate: record.patientBirthDate?.description ?? known?.birthDate ?? patients[patientId]?.birthDate)
            patientUrl = patientURLTemplate.isEmpty ? nil
                : patientURLTemplate.replacingOccurrences(of: "{patient_id}", with: String(patientId))
        }
        lastVisit = record.lastVisitLocal.map { LastVisit(at: Self.isoLocal(String($0.description.prefix(19))), service: record.lastServiceName) }
        appealId = record.appealId ?? (record.state == "answered_here" ? record.callAppealId : nil)
        shownAt = record.shownAt
        answeredAt = record.answeredAt
        closedAt = record.closedAt ?? (record.callState == "ended" ? record.callEndedAt : nil)
        updatedAt = record.updatedAt
    }

    /// `2026-11-01 10:00:00` → `2026-11-01T10:00:00`.
    static func isoLocal(_ text: String) -> String {
        text.replacingOccurrences(of: " ", with: "T")
    }
}
