import Firebird
import Foundation
import MisLinkExternalAPIs
import MisLinkStore

/// Chat events, in MisLink's model (``ChatEvent``), into `MISLINK_CHAT_THREADS` (one row per platform
/// thread), `MISLINK_CHAT_MESSAGES`, and the thread's appeal with Infoclinica's rules:
///
/// 1. A new thread creates one appeal (``ApplyContext/appeals``: the MIS's through the profile's
///    `appeal_create`, or MisLink's own `MISLINK_APPEALS` row when the MIS has no appeals table; channel =
///    the messenger) with the patient identified from the thread's phone ("and N more patients" in
///    `MISLINK_APPEALS`); it never makes a second.
/// 2. Appeals are independent: an operator holds as many as the platform gives them; past
///    `chat.capacity` the assignment is still recorded, marked "over capacity" in the chain.
/// 3. A thread that leaves an operator's queue unfinished (released, transferred) keeps its appeal with
///    everything entered: a release detaches it (`IS_DETACHED = 1`, assigned to nobody) until
///    the thread reaches an operator again, who gets the same appeal (`reopened`); a transfer moves it.
/// 4. A thread that finishes (closed by the operator, the client or a timeout) leaves the appeal open
///    for its operator, who completes it by booking (the profile's `book_visit` with the appeal's id) or
///    cancelling.
/// 5. Every step goes to `MISLINK_APPEAL_EVENTS` with the thread's id.
///
/// Thread states older than the one applied (the platform's `timestamp` / `stateChangeTime`) change
/// nothing; messages are keyed by their platform id.
public struct ChatThreadApplier: EventApplier {
    /// Threads one operator may hold before an assignment is marked over capacity.
    public var capacity: Int

    public init(capacity: Int = 5) { self.capacity = capacity }

    public func apply(_ event: InboundEvent, in context: ApplyContext) throws -> IntakeOutcome? {
        let chat: ChatEvent?
        switch event.content {
        case .chatwoot(let chatwoot): chat = ChatEvent(chatwoot: chatwoot, receivedAt: event.receivedAt)
        case .edna(let edna): chat = ChatEvent(edna: edna, receivedAt: event.receivedAt)
        case .ednaThread(let thread): chat = ChatEvent(ednaThread: thread, receivedAt: event.receivedAt)
        default: return nil
        }
        guard let chat else { return .stored }
        return try apply(chat, in: context)
    }

    /// Applies one event of the model.
    public func apply(_ event: ChatEvent, in context: ApplyContext) throws -> IntakeOutcome {
        let earliest = event.changes.compactMap { change -> Date? in
            switch change {
            case .message(let message): message.at
            case .state(_, let at): at
            case .seen, .answered: nil
            }
        }.min()
        var thread = try ensureThread(event.thread, openedAt: earliest, in: context)
        var outcome = IntakeOutcome.applied
        for change in event.changes {
            switch change {
            case .seen:
                break
            case .message(let message):
                try addMessage(message, thread: thread, provider: event.thread.provider, in: context)
            case .state(let state, let at):
                if let applied = thread.stateChangedAt, try ApplyContext.timestamp(at, field: "state time") < applied {
                    outcome = .skipped
                    continue
                }
                thread = try move(thread, to: state, at: at, providerStatus: event.providerStatus,
                                  provider: event.thread.provider, in: context)
            case .answered(let at, let ifClientWaiting):
                // As an operator's message would (``ChatThreads/touchAfterReceived``), but only when none is recorded.
                try ChatThreads.markAnswered(thread.id, at: ApplyContext.timestamp(at, field: "state time"),
                                             ifClientWaiting: ifClientWaiting, now: context.nowStamp, in: context)
            }
        }
        return outcome
    }

    // MARK: - Threads

    struct ThreadRow {
        var id: Int64
        var status: ThreadStatus
        var operatorID: Int64?
        var appealID: Int64?
        var stateChangedAt: FirebirdTimestamp?
    }

    /// The thread's row; created with its appeal at the thread's first event.
    private func ensureThread(_ ref: ChatThreadRef, openedAt: Date?, in context: ApplyContext) throws -> ThreadRow {
        let externalID = ascii(ref.externalID, 128)
        let contactName = text(ref.contactName, 150), contactPhone = text(ref.contactPhone, 64)
        let clientExternalID = text(ref.externalClientID, 128)
        if let found = try ChatThreads.find(provider: ref.provider, externalId: externalID, in: context) {
            let thread = ThreadRow(
                id: found.id, status: found.status, operatorID: found.operatorId, appealID: found.appealId,
                stateChangedAt: found.stateChangedAt)
            // A later event may name the client better (edna's thread gives the name, a message the phone).
            try ChatThreads.fillContact(thread.id, name: contactName, phone: contactPhone, clientExternalId: clientExternalID,
                                        in: context)
            if found.phoneKey == nil, ref.contactPhone != nil, let appeal = thread.appealID {
                try identify(thread: thread.id, appeal: appeal, phone: ref.contactPhone, in: context)
            }
            return thread
        }
        let who = context.lookups.identify(ref.contactPhone, attachment: context.attachment)
        let patient = who?.ownNumber == true ? nil : who?.patient
        let others = patient == nil ? 0 : who?.others ?? 0
        let row = NewChatThread(
            provider: ref.provider, externalId: externalID, channel: ref.channel, clientId: ascii(ref.clientID, 128),
            clientExternalId: clientExternalID, contactName: contactName, contactPhone: contactPhone,
            contactHandle: text(ref.contactHandle, 128), phoneKey: ascii(who?.phoneKey, 20), patientId: patient.map { Int64($0.id) },
            patientOthers: Int16(clamping: others), patientDisplay: text(patient == nil ? nil : who?.cardTitle, 200))
        let opened = try openedAt.map { try ApplyContext.timestamp($0, field: "opening time") } ?? context.nowStamp
        guard let id = try ChatThreads.insert(row, openedAt: opened, now: context.nowStamp, in: context)
        else { throw ApplyError("INSERT INTO MISLINK_CHAT_THREADS … RETURNING ID gave no id") }

        // Rule 1: one appeal per thread, created with it. A MIS profile maps MisLink's channel to the MIS's
        // list (the exact one is in MISLINK_APPEALS).
        let appeal = try context.appeals.create(NewAppeal(
            channel: ref.channel, source: "chat", threadID: id, externalID: ref.provider + ":" + ref.externalID,
            phoneKey: who?.phoneKey, patientID: patient.map { Int64($0.id) }, contactPhone: ref.contactPhone,
            contactName: ref.contactName, misContactName: ref.contactName ?? patient?.fullName, patientOthers: others,
            patientDisplay: patient == nil ? nil : who?.cardTitle), in: context)
        try ChatThreads.setAppeal(appeal, thread: id, now: context.nowStamp, in: context)
        try appealEvent(appeal, .created, actor: .client, thread: id, detail: who?.patient == nil ? nil : who?.cardTitle,
                        in: context)
        return ThreadRow(id: id, status: .queued, operatorID: nil, appealID: appeal, stateChangedAt: nil)
    }

    /// The patient, once a phone becomes known after the thread was opened.
    private func identify(thread: Int64, appeal: Int64, phone: String?, in context: ApplyContext) throws {
        guard let who = context.lookups.identify(phone, attachment: context.attachment) else { return }
        let patient = who.ownNumber ? nil : who.patient
        let others = Int16(clamping: patient == nil ? 0 : who.others)
        let display = text(patient == nil ? nil : who.cardTitle, 200), key = ascii(who.phoneKey, 20)
        try ChatThreads.setPatient(thread, phoneKey: key, patientId: patient.map { Int64($0.id) }, patientOthers: others,
                                   patientDisplay: display, in: context)
        try Appeals.setIdentification(appeal, phoneKey: key, patientOthers: others, patientDisplay: display,
                                      now: context.nowStamp, in: context)
        guard let patient else { return }
        try context.appeals.setPatient(appeal, patientID: Int64(patient.id), contactPhone: phone, in: context)
        try appealEvent(appeal, .patientSet, actor: .system, thread: thread, detail: who.cardTitle, in: context)
    }

    /// Moves the thread to a state and its appeal with it (rules 2–5).
    private func move(_ thread: ThreadRow, to state: ChatThreadState, at: Date, providerStatus: String?, provider: String,
                      in context: ApplyContext) throws -> ThreadRow {
        let stamp = try ApplyContext.timestamp(at, field: "state time")
        var next = thread
        next.stateChangedAt = stamp
        var login: String?
        var closeReason: String?
        switch state {
        case .assigned(let agent):
            let staff = try context.lookups.staffID(agent: agent, provider: provider, in: context)
            login = agent.login ?? agent.id
            next.status = .assigned
            next.operatorID = staff
            if let appeal = thread.appealID, thread.status != .assigned || thread.operatorID != staff {
                try appealReaches(appeal, staff: staff, agent: agent, from: thread, at: stamp, in: context)
            }
        case .released:
            if thread.status == .assigned {
                next.status = .released
                next.operatorID = nil
                if let appeal = thread.appealID { try detach(appeal, from: thread, at: stamp, in: context) }
            }
        case .closed(let reason):
            closeReason = reason
            next.status = .closed
            next.operatorID = nil
            if let appeal = thread.appealID, thread.status != .closed {
                try finish(appeal, thread: thread, reason: reason, at: stamp, in: context)
            }
        case .queued:
            if thread.status == .assigned {
                next.status = .released
                next.operatorID = nil
                if let appeal = thread.appealID { try detach(appeal, from: thread, at: stamp, in: context) }
            } else if thread.status == .closed {
                next.status = .queued
                if let appeal = thread.appealID {
                    try appealEvent(appeal, .reopened, actor: .client, thread: thread.id, detail: "the client wrote again",
                                    at: stamp, in: context)
                }
            }
        }
        try ChatThreads.move(
            thread.id, to: next.status, operatorId: next.operatorID, providerStatus: ascii(providerStatus, 32),
            login: text(login, 64), closeReason: ascii(closeReason, 32), at: stamp, now: context.nowStamp, in: context)
        return next
    }

    /// The thread entered an operator's queue: its first operator, a transfer, or the same appeal back
    /// after a release or a close.
    private func appealReaches(_ appeal: Int64, staff: Int64?, agent: ChatAgent, from thread: ThreadRow, at: FirebirdTimestamp,
                               in context: ApplyContext) throws {
        let side = try Appeals.side(appeal, in: context)
        let type: AppealEventType
        var from: Int64?
        if thread.status == .assigned, let previous = thread.operatorID {
            type = .transferred
            from = previous
        } else if thread.status == .released || thread.status == .closed || side?.isDetached == 1 {
            type = .reopened
            from = side?.lastOperatorId
        } else {
            type = .assigned
        }
        var detail: String? = staff == nil ? "agent \(agent.login ?? agent.id ?? "?") is not among the employees' chat logins (staff_chat_logins)" : nil
        if let staff {
            let held = try ChatThreads.assignedCount(operatorId: staff, excluding: thread.id, in: context)
            if held + 1 > capacity { detail = "over capacity (\(held + 1)/\(capacity))" }
        }
        try context.appeals.assign(appeal, to: staff, in: context)
        try Appeals.setDetached(appeal, false, lastOperator: staff, now: context.nowStamp, in: context)
        try appealEvent(appeal, type, actor: .system, staff: staff, from: from, to: staff, thread: thread.id, detail: detail,
                        at: at, in: context)
    }

    /// Rule 3: the thread left its operator unfinished; the appeal waits, detached, with everything entered.
    private func detach(_ appeal: Int64, from thread: ThreadRow, at: FirebirdTimestamp, in context: ApplyContext) throws {
        try context.appeals.assign(appeal, to: nil, in: context)
        try Appeals.setDetached(appeal, true, lastOperator: thread.operatorID, now: context.nowStamp, in: context)
        try appealEvent(appeal, .released, actor: .system, staff: thread.operatorID, from: thread.operatorID, thread: thread.id,
                        detail: "left the operator's queue unfinished", at: at, in: context)
    }

    /// Rule 4: the thread finished; the appeal stays open for the operator who had it last.
    private func finish(_ appeal: Int64, thread: ThreadRow, reason: String, at: FirebirdTimestamp, in context: ApplyContext) throws {
        let holder: Int64?
        if let current = thread.operatorID {
            holder = current
        } else {
            holder = try Appeals.side(appeal, in: context)?.lastOperatorId
        }
        // Only while the appeal is open: a closed or cancelled one keeps whoever finished it.
        if let holder, try context.appeals.get(appeal, in: context)?.isOpen == true {
            try context.appeals.assign(appeal, to: holder, in: context)
        }
        try Appeals.setDetached(appeal, false, lastOperator: nil, now: context.nowStamp, in: context)
        try appealEvent(appeal, .closed, actor: reason.hasPrefix("CLIENT") ? .client : .system, staff: holder, thread: thread.id,
                        detail: "thread closed: \(reason)", at: at, in: context)
    }

    private func appealEvent(_ appeal: Int64, _ type: AppealEventType, actor: AppealActor, staff: Int64? = nil, from: Int64? = nil,
                             to: Int64? = nil, thread: Int64, detail: String? = nil, at: FirebirdTimestamp? = nil,
                             in context: ApplyContext) throws {
        try Appeals.addThreadEvent(
            appeal, type, actor: actor, staff: staff, from: from, to: to, thread: thread, detail: text(detail, 1000), at: at,
            now: context.nowStamp, in: context)
    }

    private func ascii(_ value: String?, _ limit: Int) -> String? { FirebirdValue.ascii(value, limit: limit).stringValue }
    private func text(_ value: String?, _ limit: Int) -> String? { FirebirdValue.text(value, limit: limit).stringValue }

    // MARK: - Messages

    private func addMessage(_ message: ChatMessage, thread: ThreadRow, provider: String, in context: ApplyContext) throws {
        let at = try context.utc(message.at, field: "message time")
        let staff = try message.agent.flatMap { try context.lookups.staffID(agent: $0, provider: provider, in: context) }
        // Once per platform id: MisLink's own sent messages are recorded when sent, and the platform's
        // echo of them must not add a second row.
        guard try ChatThreads.addReceivedMessage(
            thread: thread.id, externalId: ascii(message.externalID, 128), incoming: message.incoming,
            authorName: text(message.authorName, 150), staffId: staff, body: FirebirdValue.text(orNull: message.body).stringValue,
            at: at.timestampValue, now: context.nowStamp, in: context)
        else { return }
        try ChatThreads.touchAfterReceived(
            thread.id, at: at.timestampValue, preview: text(message.body, 200), incoming: message.incoming,
            now: context.nowStamp, in: context)
    }
}
