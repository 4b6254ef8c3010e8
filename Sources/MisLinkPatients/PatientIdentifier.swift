import Firebird
import Foundation
import MisLinkProfiles

/// Who is calling or writing, as the operator's card shows it.
public struct Identification: Sendable, Hashable, Encodable {
    /// A patient found by the number.
    public struct Candidate: Sendable, Hashable, Encodable {
        public var id: Int
        public var fullName: String
        public var birthDate: String?
        /// Where the number was stored, as the profile names it (`PHONE_MOBILE`, `TEL_DOM`, `KONTAKTY.ZNACHENIE`).
        public var matchedColumn: String
        /// The start of the patient's last visit (clinic wall-clock time, as the MIS stores it).
        public var lastVisit: String?

        /// "Иванова А. П.": the surname and initials, as cards show it.
        public var shortName: String { Identification.shortName(fullName) }
    }

    /// The patient the card shows: see ``PatientIdentifier`` for the rule that picks it.
    public var patient: Candidate?
    /// How many other patients share the number.
    public var others: Int
    /// Every patient found, the best first.
    public var candidates: [Candidate]
    /// The start of the best match's last visit.
    public var lastVisit: String?
    /// The name of the service of that visit.
    public var lastService: String?
    /// That visit's id in the MIS (`VISIT_ID` of the profile's `last_visit`).
    public var lastVisitID: Int?
    /// The column the best match was found in.
    public var matchedColumn: String?
    /// The key looked up.
    public var phoneKey: String
    /// The extension given with the number, if any.
    public var `extension`: String?
    /// True when the number is one of the clinic's own (never matched to a patient).
    public var ownNumber: Bool

    /// "Иванова А. П. (и ещё 2 пациента)", or nil when nobody was found.
    public var cardTitle: String? {
        guard let patient else { return nil }
        return Self.cardTitle(fullName: patient.fullName, others: others)
    }

    /// "Иванова А. П. (и ещё 2 пациента)": the patient's surname and initials, and how many others share
    /// the number.
    public static func cardTitle(fullName: String, others: Int) -> String {
        let name = shortName(fullName)
        return others == 0 ? name : "\(name) (и ещё \(others) \(patients(others)))"
    }

    enum CodingKeys: String, CodingKey {
        case patient, others, candidates, lastVisit = "last_visit", lastService = "last_service", lastVisitID = "last_visit_id"
        case matchedColumn = "matched_column", phoneKey = "phone_key", `extension`, ownNumber = "own_number"
        case cardTitle = "card_title"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let patient {
            var nested = container.nestedContainer(keyedBy: CandidateKeys.self, forKey: .patient)
            try nested.encode(patient.id, forKey: .id)
            try nested.encode(patient.fullName, forKey: .fullName)
        } else {
            try container.encodeNil(forKey: .patient)
        }
        try container.encode(others, forKey: .others)
        try container.encode(candidates, forKey: .candidates)
        try container.encode(lastVisit, forKey: .lastVisit)
        try container.encode(lastService, forKey: .lastService)
        try container.encode(lastVisitID, forKey: .lastVisitID)
        try container.encode(matchedColumn, forKey: .matchedColumn)
        try container.encode(phoneKey, forKey: .phoneKey)
        try container.encode(`extension`, forKey: .extension)
        try container.encode(ownNumber, forKey: .ownNumber)
        try container.encode(cardTitle, forKey: .cardTitle)
    }

    enum CandidateKeys: String, CodingKey {
        case id, fullName = "full_name"
    }

    static func shortName(_ fullName: String) -> String {
        let parts = fullName.split(separator: " ")
        guard let surname = parts.first else { return fullName }
        let initials = parts.dropFirst().compactMap(\.first).map { "\($0)." }
        return ([String(surname)] + initials).joined(separator: " ")
    }

    /// "пациент", "пациента", "пациентов" for `n`.
    static func patients(_ n: Int) -> String {
        let lastTwo = n % 100
        let last = n % 10
        if (11...14).contains(lastTwo) { return "пациентов" }
        switch last {
        case 1: return "пациент"
        case 2...4: return "пациента"
        default: return "пациентов"
        }
    }
}

extension Identification.Candidate {
    /// A row of the profile's `identify_candidates`, read by its aliases.
    init(row: Row) throws {
        self.init(
            id: try row.decode(Int.self, column: "PATIENT_ID"),
            fullName: (try row.decode(String?.self, column: "FULL_NAME") ?? "").trimmingCharacters(in: .whitespaces),
            birthDate: try row.decode(FirebirdDate?.self, column: "BIRTH_DATE")?.description,
            matchedColumn: try row.decode(String.self, column: "SOURCE_COLUMN").trimmingCharacters(in: .whitespaces),
            lastVisit: try row.decode(FirebirdTimestamp?.self, column: "LAST_VISIT_AT").map { IdentificationSession.format($0) })
    }

    enum CodingKeys: String, CodingKey {
        case id, fullName = "full_name", birthDate = "birth_date", matchedColumn = "matched_column", lastVisit = "last_visit"
    }
}

/// Finds the patients a phone number belongs to, through `MISLINK_PATIENT_PHONES` (kept up to date by
/// triggers on PATIENTS): the MIS profile's `identify_candidates` and `last_visit`, read by alias
/// (SQL/profiles/CONTRACT.md, "Callers"); the numbering plan and the clinic's own numbers, which live in
/// MisLink's own tables, from the named queries of `SQL/queries.sql`.
///
/// **The best match** (deterministic): a number stored in an earlier phone column of the profile's
/// `patients.phones` beats a later one (on the reference schema PHONE_MOBILE, then PHONE_HOME, then
/// PHONE_WORK; on МедБаза TEL_MOB, TEL_DOM, TEL_RAB, then the contacts table); then the patient with the
/// most recent visit (none counts as oldest); then the lowest patient ID. The others are counted and
/// listed in the same order.
public struct PatientIdentifier: Sendable {
    public var normalizer: PhoneNormalizer
    /// `numbering_plan` and `own_numbers`: MisLink's own tables.
    public var queries: NamedQueries
    /// The MIS profile whose `identify_candidates` and `last_visit` find the patients, read by alias.
    public var profile: MISProfile

    /// - Parameters:
    ///   - plan: the numbering plan (``numberingPlan(queries:attachment:)``).
    ///   - queries: the named queries of MisLink's own tables (`SQL/queries.sql`).
    ///   - profile: the MIS profile (the worker's `mis.profile`).
    public init(plan: PhoneNumberingPlan, queries: NamedQueries, profile: MISProfile) {
        normalizer = PhoneNormalizer(plan: plan)
        self.queries = queries
        self.profile = profile
    }

    /// Reads the numbering plan (country code, area code, own numbers) from the database's settings.
    public static func numberingPlan(queries: NamedQueries, attachment: FirebirdAttachment) throws -> PhoneNumberingPlan {
        try attachment.inTransaction(.readOnly) { transaction in
            var plan = PhoneNumberingPlan()
            for row in try attachment.query(try queries.query("numbering_plan")([:]), in: transaction) {
                let value = try row.decode(String?.self, at: 1) ?? ""
                switch try row.decode(String.self, at: 0) {
                case "phone.country_code": plan.countryCode = value
                case "phone.area_code": plan.areaCode = value
                default: break
                }
            }
            plan.ownNumbers = Set(
                try attachment.query(try queries.query("own_numbers")([:]), in: transaction).map {
                    try $0.decode(String.self, at: 0)
                })
            return plan
        }
    }

    /// Identifies `phone` on a connection.
    public func identify(_ phone: String, on connection: FirebirdConnection) async throws -> Identification {
        let number = try normalizer.lookupNumber(phone)
        return try await connection.withAttachment { attachment in
            try IdentificationSession(identifier: self, attachment: attachment).identify(number)
        }
    }

    /// Every patient the profile's `identify_candidates` finds for a phone key, the best first (the rule
    /// above), in the caller's transaction.
    public static func candidates(phoneKey: String, profile: MISProfile, in transaction: Transaction) throws
        -> [Identification.Candidate]
    {
        let rows = try profile.statement("identify_candidates").lookup(["phone_key": .text(phoneKey)], in: transaction)
        return ranked(try rows.map(Identification.Candidate.init(row:)), columns: profile.manifest.phoneColumnsByPreference)
    }

    /// Orders candidates by the best-match rule; `columns` are the phone columns by preference
    /// (``ProfileManifest/phoneColumnsByPreference``), a column not among them counting last.
    static func ranked(_ candidates: [Identification.Candidate], columns: [String]) -> [Identification.Candidate] {
        func columnRank(_ column: String) -> Int {
            columns.firstIndex(of: column.uppercased()) ?? columns.count
        }
        // One entry per patient: the best column it was found in.
        var best: [Int: Identification.Candidate] = [:]
        for candidate in candidates {
            if let seen = best[candidate.id], columnRank(seen.matchedColumn) <= columnRank(candidate.matchedColumn) { continue }
            best[candidate.id] = candidate
        }
        return best.values.sorted { a, b in
            let (ra, rb) = (columnRank(a.matchedColumn), columnRank(b.matchedColumn))
            if ra != rb { return ra < rb }
            if a.lastVisit != b.lastVisit {
                // ISO-like timestamps compare as text; nil (never visited) last.
                return (a.lastVisit ?? "") > (b.lastVisit ?? "")
            }
            return a.id < b.id
        }
    }
}

/// Identification on one attachment, with its statements prepared once and a read-committed,
/// read-only transaction kept open (it sees every commit at once and holds back no garbage collection).
/// Not Sendable: use it on the thread that owns the attachment.
public final class IdentificationSession {
    public let identifier: PatientIdentifier
    public let attachment: FirebirdAttachment
    private let transaction: Transaction
    private let candidates: Statement
    private let lastVisit: Statement
    private let candidatesQuery: Bindable
    private let lastVisitQuery: Bindable

    /// A statement's SQL and how its named values become the `?`s.
    private struct Bindable {
        var sql: String
        var bindings: ([String: FirebirdValue]) throws -> [FirebirdValue]
    }

    /// Prepares the two statements in a read-committed, read-only transaction of its own.
    /// - Throws: a ``ProfileError`` when a statement is missing, a
    ///   ``FirebirdError`` when one does not prepare.
    public init(identifier: PatientIdentifier, attachment: FirebirdAttachment) throws {
        self.identifier = identifier
        self.attachment = attachment
        let identify = try identifier.profile.statement("identify_candidates")
        let last = try identifier.profile.statement("last_visit")
        candidatesQuery = Bindable(sql: identify.sql, bindings: identify.bindings)
        lastVisitQuery = Bindable(sql: last.sql, bindings: last.bindings)
        transaction = try attachment.beginTransaction(.readOnly)
        candidates = try attachment.prepare(candidatesQuery.sql, in: transaction)
        lastVisit = try attachment.prepare(lastVisitQuery.sql, in: transaction)
    }

    deinit {
        if transaction.isActive { try? transaction.commit() }
    }

    /// Identifies the number in `phone` (throws ``PhoneInputError`` for text that is no number).
    public func identify(_ phone: String) throws -> Identification {
        try identify(try identifier.normalizer.lookupNumber(phone))
    }

    /// Identifies a number already normalised.
    public func identify(_ number: PhoneNumber) throws -> Identification {
        var result = Identification(
            patient: nil, others: 0, candidates: [], lastVisit: nil, lastService: nil, matchedColumn: nil,
            phoneKey: number.key, extension: number.extension, ownNumber: identifier.normalizer.plan.ownNumbers.contains(number.key))
        if result.ownNumber { return result }
        let found = try candidates.rows(try candidatesQuery.bindings(["phone_key": .text(number.key)]), in: transaction)
            .map(Identification.Candidate.init(row:))
        let ranked = PatientIdentifier.ranked(found, columns: identifier.profile.manifest.phoneColumnsByPreference)
        result.candidates = ranked
        guard let best = ranked.first else { return result }
        result.patient = best
        result.others = ranked.count - 1
        result.matchedColumn = best.matchedColumn
        if let row = try lastVisit.rows(try lastVisitQuery.bindings(["patient_id": .bigint(Int64(best.id))]), in: transaction).first {
            result.lastVisit = try row.decode(FirebirdTimestamp?.self, column: "START_AT").map { Self.format($0) }
            result.lastService = try row.decode(String?.self, column: "SERVICE_NAME")
            result.lastVisitID = try row.decode(Int?.self, column: "VISIT_ID")
        }
        return result
    }

    /// `2025-03-14 09:30:00`.
    static func format(_ timestamp: FirebirdTimestamp) -> String {
        String(timestamp.description.prefix(19))
    }
}
