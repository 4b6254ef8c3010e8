import Firebird
import Foundation
import Hummingbird
import MisLinkPatients
import MisLinkProfiles
import MisLinkStore

/// What an operator does with an incoming-call card: picks the caller among the patients sharing the
/// number, or takes the card off the screen. Each is one transaction (with its audit line), after which the
/// card's trigger tells every worker's ``CardHub``, and this one is woken at once.
struct CardActions {
    let pool: FirebirdPool
    let hub: CardHub
    let mis: MISStatements

    /// How a card action's transaction ended; refusals are answered after it.
    private enum Outcome: Sendable {
        case done(ConsoleCard)
        case noCard
        case notYours
        case notACandidate
    }

    /// The caller is `patient`, one of the card's candidates: the call's `PATIENT_ID` (`PATIENT_MATCH`
    /// `operator`), every card of the call (who it shows, the birth date, the last visit through the
    /// profile's `last_visit`), and the call's appeal — MisLink's own row, and the MIS's appeal through the
    /// profile's `appeal_change_patient` (else `appeal_set_patient`, which fills only an empty patient) —
    /// with `patient_set` in its chain.
    func choosePatient(card id: Int64, patient: Int64, context: WorkerRequestContext) async throws -> ConsoleCard {
        let principal = try context.currentPrincipal()
        let acting = try context.actingStaffId(nil)
        let (hub, mis) = (hub, mis)
        let outcome = try await pool.withTransaction { tx -> Outcome in
            guard let card = try Cards.card(id, in: tx) else { return .noCard }
            guard Self.allowed(principal, card) else { return .notYours }
            guard let key = card.phoneKey,
                  let chosen = try hub.freshCandidates(phoneKey: key, in: tx).first(where: { Int64($0.id) == patient })
            else { return .notACandidate }
            _ = try Calls.choosePatient(card.callId, patient: patient, in: tx)
            let visit = try mis.profile.statement("last_visit").lookup(["patient_id": .bigint(patient)], in: tx).first
            let display = Self.clipped(Identification.cardTitle(fullName: chosen.fullName, others: card.patientOthers), 200)
            try Cards.showPatient(
                call: card.callId, patient: patient, display: display, birthDate: chosen.birthDate.flatMap { FirebirdDate($0) },
                lastVisitId: try visit?.decode(Int64?.self, column: "VISIT_ID"),
                lastVisitAt: try visit?.decode(FirebirdTimestamp?.self, column: "START_AT"),
                service: try visit?.decode(String?.self, column: "SERVICE_NAME").map { Self.clipped($0, 255) }, in: tx)
            if let appeal = card.appealId ?? card.callAppealId {
                try changeAppealPatient(appeal, patient: patient, name: chosen.fullName, display: display, in: tx)
                try Appeals.enterPatientSet(appeal, staff: acting, call: card.callId, detail: "patient \(patient)", in: tx)
            }
            if let audit = context.audit(.callPatientChosen, "call", card.callId, details: "patient \(patient)") {
                try Audit.record(audit, in: tx)
            }
            return try Self.reread(id, hub: hub, in: tx)
        }
        return try answer(outcome, card: id)
    }

    /// Takes the card off the operator's screen (``Cards/dismiss(_:in:)``).
    func dismiss(card id: Int64, context: WorkerRequestContext) async throws -> ConsoleCard {
        let principal = try context.currentPrincipal()
        let hub = hub
        let outcome = try await pool.withTransaction { tx -> Outcome in
            guard let card = try Cards.card(id, in: tx) else { return .noCard }
            guard Self.allowed(principal, card) else { return .notYours }
            _ = try Cards.dismiss(id, in: tx)
            if let audit = context.audit(.cardDismiss, "card", id) { try Audit.record(audit, in: tx) }
            return try Self.reread(id, hub: hub, in: tx)
        }
        return try answer(outcome, card: id)
    }

    /// An operator acts on their own cards; supervisors and machine clients on anyone's.
    static func allowed(_ principal: Principal, _ card: ConsoleCardRecord) -> Bool {
        principal.isSupervisor || principal.staffId == card.staffId
    }

    private static func reread(_ id: Int64, hub: CardHub, in tx: Transaction) throws -> Outcome {
        guard let card = try Cards.card(id, in: tx) else { return .noCard }
        return .done(try hub.present([card], in: tx)[0])
    }

    private func answer(_ outcome: Outcome, card id: Int64) throws -> ConsoleCard {
        switch outcome {
        case .done(let card):
            hub.wake()
            return card
        case .noCard: throw HTTPError(.notFound, message: "there is no card \(id)")
        case .notYours: throw HTTPError(.forbidden, message: "card \(id) is another operator's")
        case .notACandidate: throw HTTPError(.badRequest, message: "patient_id must be one of the card's candidates")
        }
    }

    /// The appeal's patient: MisLink's row of it, and the MIS's own appeal through the profile.
    private func changeAppealPatient(_ appeal: Int64, patient: Int64, name: String, display: String?, in tx: Transaction) throws {
        if !mis.appeals.isOwn {
            let statement = mis.profile.statements["appeal_change_patient"] == nil ? "appeal_set_patient" : "appeal_change_patient"
            var values: [String: FirebirdValue] = ["appeal_id": .bigint(appeal), "patient_id": .bigint(patient)]
            if statement == "appeal_set_patient" { values["contact_phone"] = .null }
            do {
                _ = try tx.attachment.query(try mis.profile.statement(statement).query(values), in: tx)
            } catch let error as FirebirdError {
                throw MISRefusal(error, statement: statement) ?? error
            }
        }
        try Appeals.changePatient(appeal, patient: patient, contactName: Self.clipped(name, 150), display: display, in: tx)
    }

    /// `text` cut to `limit` characters (the column's).
    static func clipped(_ text: String, _ limit: Int) -> String {
        String(text.prefix(limit))
    }
}
