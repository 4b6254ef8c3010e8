import Firebird
import MisLinkStore
import MisLinkExternalAPIs
import MisLinkPatients

/// The incoming-call card and the operators of a call.
///
/// - **Ringing** (`Appeared` of an inbound leg to an extension): the card for that operator is written
///   (phone, patient, "and N more", last visit and service) in the batch's transaction; its trigger
///   posts `MISLINK_CARD_<staff id>` at commit, so the MIS screen shows it while the phone rings.
/// - **Answered** (`Connected`): that operator's card becomes `answered_here` and every other card
///   still shown for the call `answered_elsewhere` (withdrawn); the operator is credited on the call
///   (`OPERATOR_ID`, the last one to talk after transfers; `ANSWERED_BY_ID`, the first); and earlier
///   missed calls from the same number are marked called back.
/// - **Leg ended** unanswered: its card is closed. The summary closes whatever is still shown and, for
///   a missed call, names the first operator who missed it as responsible.
extension CallLogApplier {
    /// The operator of a leg: the extension it rang for an inbound or internal call, the extension that
    /// dialled for an outbound one.
    func operatorOfLeg(_ event: MangoCallEvent, callID: Int64, in context: ApplyContext) throws -> Int64? {
        if let staff = try context.lookups.staffID(party: event.to, in: context) { return staff }
        return try context.lookups.staffID(party: event.from, in: context)
    }

    /// Cards, operators and the appeal after a leg's event was applied, whether it arrived in order or
    /// late, with `change` (what the event changes on the call's own row) written in one statement.
    ///
    /// Everything here is decided from the events' own times, not their arrival order, so duplicates and
    /// reordering give the same rows: a card's times only move earlier (`SHOWN_AT`, `ANSWERED_AT`,
    /// `CLOSED_AT` keep the earliest), its state is recomputed from the times of every card of the call,
    /// and the operator credited is the one whose leg connected last.
    ///
    /// On a connection the credit and the appeal are decided before the call and the card are written, so
    /// that each row takes them in its one write: Firebird charges several times a first write for a row
    /// the transaction already changed.
    func followCards(callID: Int64, legID: Int64?, staff: Int64?, event: MangoCallEvent, at: FirebirdValue,
                     call change: CallChange, in context: ApplyContext) throws {
        guard let staff, [.appeared, .connected, .disconnected].contains(event.callState) else {
            return try Calls.write(change, call: callID, now: context.nowStamp, in: context)
        }
        var change = change
        let facts = try context.lookups.facts(of: callID, in: context)
        let inbound = facts.direction == "in"
        let connected = event.callState == .connected
        if connected {
            // The operator is whoever connected last (after transfers); the first to answer stays ANSWERED_BY_ID.
            let credit = try Calls.answerCredit(callID, staff: staff, answeredAt: at.timestampValue, in: context) ?? (false, false)
            change.credit = AnswerCredit(
                staff: staff, operatorExtension: inbound ? Self.ascii(event.to?.extensionNumber, 16) : nil,
                latest: credit.latest, first: credit.first)
            if inbound {
                change.appealID = try appealFollowsAnswer(callID: callID, staff: staff, latest: credit.latest, facts: facts,
                                                          at: at, in: context)
            }
        }
        var cardShowsAppeal = false
        if inbound, let ext = context.lookups.directory.extensionNumber(of: event.to) {
            try showCard(callID: callID, legID: legID, staff: staff, extension: ext, facts: facts, at: at, in: context)
            if event.callState != .appeared {
                try CallCards.record(connected ? .answered : .closed, call: callID, staff: staff, at: at.timestampValue,
                                     appeal: change.appealID, now: context.nowStamp, in: context)
                cardShowsAppeal = true
            }
            try recomputeCards(callID: callID, in: context)
        }
        if let appeal = change.appealID, !cardShowsAppeal {
            try CallCards.setAppeal(appeal, call: callID, staff: staff, now: context.nowStamp, in: context)
        }
        if connected, let key = facts.phoneKey {
            // A missed call from this number is called back once a later call with it connects, either way.
            let phoneKey = Self.ascii(key, 20)
            if try Calls.markCallback(callID, phoneKey: phoneKey, at: at.timestampValue, now: context.nowStamp, in: context) {
                change.calledBackFrom = phoneKey
            }
        }
        try Calls.write(change, call: callID, now: context.nowStamp, in: context)
    }

    /// The card of an operator whose phone rang: written at the first event of their leg (the ringing,
    /// normally), with whoever is calling; a later-arriving earlier event only moves `SHOWN_AT` back.
    private func showCard(callID: Int64, legID: Int64?, staff: Int64, extension ext: String, facts: CallLookups.CallFacts,
                          at: FirebirdValue, in context: ApplyContext) throws {
        let key = "card:\(callID):\(staff)"
        if context.ids[key] != nil {
            try CallCards.shownEarlier(call: callID, staff: staff, at: at.timestampValue, now: context.nowStamp, in: context)
            return
        }
        var who = facts.identification
        if who == nil, facts.phoneNumber != nil {
            who = context.lookups.identify(facts.phoneNumber, attachment: context.attachment)
            var remembered = facts
            remembered.identification = who
            context.lookups.remember(callID, remembered)
        }
        let patient = who?.ownNumber == true ? nil : who?.patient
        let card = NewCallCard(
            legId: legID, staffId: staff, sipExtension: Self.ascii(ext, 16), phoneNumber: Self.ascii(facts.phoneNumber, 128),
            phoneKey: Self.ascii(who?.phoneKey, 20), patientId: patient.map { Int64($0.id) },
            patientOthers: Int16(clamping: patient == nil ? 0 : who?.others ?? 0),
            patientDisplay: FirebirdValue.text(patient == nil ? nil : who?.cardTitle, limit: 200).stringValue,
            patientBirthDate: FirebirdValue.text(orNull: patient?.birthDate).stringValue,
            lastVisitId: (patient == nil ? nil : who?.lastVisitID).map { Int64($0) },
            lastVisitAt: FirebirdValue.text(orNull: patient == nil ? nil : who?.lastVisit).stringValue,
            lastServiceName: FirebirdValue.text(patient == nil ? nil : who?.lastService, limit: 255).stringValue)
        if let id = try CallCards.show(card, call: callID, shownAt: at.timestampValue, now: context.nowStamp, in: context) {
            context.ids.remember(key, id)
        }
    }

    /// Every card of the call from its times: answered here when its operator connected; answered
    /// elsewhere when a colleague connected while it was shown; closed once its leg or the call ended.
    func recomputeCards(callID: Int64, in context: ApplyContext) throws {
        try CallCards.recompute(call: callID, now: context.nowStamp, in: context)
    }

    /// An answered incoming call has one appeal (``ApplyContext/appeals``: the MIS's through the profile's
    /// `appeal_create`, or MisLink's own when the MIS has no appeals table; channel phone) for the operator
    /// who answered, with the identified patient; when another operator connects later (a transfer), the
    /// appeal moves to them with everything entered so far. Each step goes to `MISLINK_APPEAL_EVENTS`.
    /// Returns the appeal when this answer created it: the caller writes it on the call and the card.
    ///
    /// `latest` tells whether this connection is the call's latest so far. One that arrives late and
    /// happened before the appeal's creation becomes its creator, and the transfer to the operator who
    /// had created it is recorded at their connection time: the chain ends up as if delivered in order.
    func appealFollowsAnswer(callID: Int64, staff: Int64, latest: Bool, facts: CallLookups.CallFacts, at: FirebirdValue,
                             in context: ApplyContext) throws -> Int64? {
        if let found = try Appeals.ofCall(callID, in: context), let current = try context.appeals.get(found.appealId, in: context) {
            let appeal = found.appealId
            // The operator the appeal has now (someone may have moved the MIS's appeal meanwhile).
            let previous = current.operatorID
            if latest {
                guard previous != staff else { return nil }
                try context.appeals.assign(appeal, to: staff, in: context)
                try Appeals.setLastOperator(appeal, staff: staff, now: context.nowStamp, in: context)
                try appealEvent(appeal, .transferred, staff: staff, from: previous, callID: callID, at: at.timestampValue, in: context)
                return nil
            }
            // A connection from before the latest one, delivered late.
            guard let createdID = found.createdEventId, let creator = found.createdBy, let createdAt = found.createdAt,
                  let when = at.timestampValue, when < createdAt, creator != staff
            else { return nil }
            try Appeals.moveCreation(event: createdID, to: staff, at: when, in: context)
            try appealEvent(appeal, .transferred, staff: creator, from: staff, callID: callID, at: createdAt, in: context)
            return nil
        }
        let who = facts.identification ?? context.lookups.identify(facts.phoneNumber, attachment: context.attachment)
        let patient = who?.ownNumber == true ? nil : who?.patient
        let appealID = try context.appeals.create(NewAppeal(
            channel: "phone", source: "call", callID: callID, phoneKey: facts.phoneKey, patientID: patient.map { Int64($0.id) },
            operatorID: staff, contactPhone: facts.phoneNumber, contactName: patient?.fullName, misContactName: patient?.fullName,
            patientOthers: patient == nil ? 0 : who?.others ?? 0, patientDisplay: patient == nil ? nil : who?.cardTitle), in: context)
        try appealEvent(appealID, .created, staff: staff, from: nil, callID: callID, at: at.timestampValue, in: context)
        return appealID
    }

    private func appealEvent(_ appeal: Int64, _ type: AppealEventType, staff: Int64, from: Int64?, callID: Int64,
                             at: FirebirdTimestamp?, in context: ApplyContext) throws {
        try Appeals.addCallEvent(appeal, type, staff: staff, from: from, call: callID, at: at, now: context.nowStamp, in: context)
    }

    /// After the summary: every card still shown is closed; a missed call gets its responsible operator
    /// unless `callbackAwaited` says the call's end wrote it already (``Calls/end(pbxCallId:with:awaitingCallback:missedBy:now:in:)``).
    func closeCall(_ callID: Int64, summary: MangoSummaryEvent, result: CallResult, callbackAwaited: Bool = false,
                   in context: ApplyContext) throws {
        let ended = try context.utc(epoch: summary.endTime, field: "end_time")
        try CallCards.closeUnanswered(call: callID, endedAt: ended.timestampValue, now: context.nowStamp, in: context)
        try recomputeCards(callID: callID, in: context)
        if result == .missed, !callbackAwaited {
            // A missed call waits on the operators' list (the contract's STATUS 'to_call_back'), with the
            // first operator who missed it answering for it.
            let staff = try context.lookups.staffID(party: summary.to, in: context)
            try Calls.awaitCallback(callID, staff: staff, now: context.nowStamp, in: context)
        }
        context.lookups.forget(callID)
    }
}
