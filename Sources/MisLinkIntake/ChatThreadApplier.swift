import Firebird
import Foundation
import MisLinkExternalAPIs

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
            case .seen: nil
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
            }
        }
        return outcome
    }

    // MARK: - Threads

    struct ThreadRow {
        var id: Int64
        var status: String
        var operatorID: Int64?
        var appealID: Int64?
        var stateChangedAt: FirebirdTimestamp?
    }

    /// The thread's row; created with its appeal at the thread's first event.
    private func ensureThread(_ ref: ChatThreadRef, openedAt: Date?, in context: ApplyContext) throws -> ThreadRow {
        let key: [FirebirdValue] = [.text(ref.provider), .ascii(ref.externalID, limit: 128)]
        if let row = try context.firstRow(
            """
            SELECT ID, STATUS, OPERATOR_ID, APPEAL_ID, STATE_CHANGED_AT, PHONE_KEY FROM MISLINK_CHAT_THREADS
             WHERE PROVIDER = ? AND EXTERNAL_ID = ?
            """, key) {
            let thread = ThreadRow(
                id: row[0].int64Value ?? 0, status: row[1].stringValue ?? "queued", operatorID: row[2].int64Value,
                appealID: row[3].int64Value, stateChangedAt: row[4].timestampValue)
            // A later event may name the client better (edna's thread gives the name, a message the phone).
            try context.execute(
                """
                UPDATE MISLINK_CHAT_THREADS SET CONTACT_NAME = COALESCE(CONTACT_NAME, ?), CONTACT_PHONE = COALESCE(CONTACT_PHONE, ?),
                    CLIENT_EXTERNAL_ID = COALESCE(CLIENT_EXTERNAL_ID, ?)
                WHERE ID = ? AND ((CONTACT_NAME IS NULL AND CAST(? AS VARCHAR(150) CHARACTER SET UTF8) IS NOT NULL)
                    OR (CONTACT_PHONE IS NULL AND CAST(? AS VARCHAR(64) CHARACTER SET UTF8) IS NOT NULL)
                    OR (CLIENT_EXTERNAL_ID IS NULL AND CAST(? AS VARCHAR(128) CHARACTER SET UTF8) IS NOT NULL))
                """,
                [.text(ref.contactName, limit: 150), .text(ref.contactPhone, limit: 64), .text(ref.externalClientID, limit: 128),
                 .bigint(thread.id), .text(ref.contactName, limit: 150), .text(ref.contactPhone, limit: 64),
                 .text(ref.externalClientID, limit: 128)])
            if row[5].isNull, ref.contactPhone != nil, let appeal = thread.appealID {
                try identify(thread: thread.id, appeal: appeal, phone: ref.contactPhone, in: context)
            }
            return thread
        }
        let who = context.lookups.identify(ref.contactPhone, attachment: context.attachment)
        let patient = who?.ownNumber == true ? nil : who?.patient
        let others = patient == nil ? 0 : who?.others ?? 0
        guard let row = try context.firstRow(
            """
            INSERT INTO MISLINK_CHAT_THREADS (PROVIDER, EXTERNAL_ID, CHANNEL, CLIENT_ID, CLIENT_EXTERNAL_ID, CONTACT_NAME,
                CONTACT_PHONE, CONTACT_HANDLE, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_DISPLAY, STATUS, OPENED_AT,
                CREATED_AT, UPDATED_AT)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
            RETURNING ID
            """,
            key + [.text(ref.channel), .ascii(ref.clientID, limit: 128), .text(ref.externalClientID, limit: 128),
                   .text(ref.contactName, limit: 150), .text(ref.contactPhone, limit: 64), .text(ref.contactHandle, limit: 128),
                   .ascii(who?.phoneKey, limit: 20), patient.map { .bigint(Int64($0.id)) } ?? .null,
                   .smallint(Int16(clamping: others)), .text(patient == nil ? nil : who?.cardTitle, limit: 200),
                   try openedAt.map { try context.utc($0, field: "opening time") } ?? context.now, context.now, context.now]),
            let id = row[0].int64Value
        else { throw ApplyError("INSERT INTO MISLINK_CHAT_THREADS … RETURNING ID gave no id") }

        // Rule 1: one appeal per thread, created with it. A MIS profile maps MisLink's channel to the MIS's
        // list (the exact one is in MISLINK_APPEALS).
        let appeal = try context.appeals.create(NewAppeal(
            channel: ref.channel, source: "chat", threadID: id, externalID: ref.provider + ":" + ref.externalID,
            phoneKey: who?.phoneKey, patientID: patient.map { Int64($0.id) }, contactPhone: ref.contactPhone,
            contactName: ref.contactName, misContactName: ref.contactName ?? patient?.fullName, patientOthers: others,
            patientDisplay: patient == nil ? nil : who?.cardTitle), in: context)
        try context.execute("UPDATE MISLINK_CHAT_THREADS SET APPEAL_ID = ?, UPDATED_AT = ? WHERE ID = ?",
                            [.bigint(appeal), context.now, .bigint(id)])
        try appealEvent(appeal, "created", actor: "client", thread: id, detail: who?.patient == nil ? nil : who?.cardTitle,
                        in: context)
        return ThreadRow(id: id, status: "queued", operatorID: nil, appealID: appeal, stateChangedAt: nil)
    }

    /// The patient, once a phone becomes known after the thread was opened.
    private func identify(thread: Int64, appeal: Int64, phone: String?, in context: ApplyContext) throws {
        guard let who = context.lookups.identify(phone, attachment: context.attachment) else { return }
        let patient = who.ownNumber ? nil : who.patient
        let others = Int16(clamping: patient == nil ? 0 : who.others)
        try context.execute(
            "UPDATE MISLINK_CHAT_THREADS SET PHONE_KEY = ?, PATIENT_ID = ?, PATIENT_OTHERS = ?, PATIENT_DISPLAY = ? WHERE ID = ?",
            [.ascii(who.phoneKey, limit: 20), patient.map { .bigint(Int64($0.id)) } ?? .null, .smallint(others),
             .text(patient == nil ? nil : who.cardTitle, limit: 200), .bigint(thread)])
        try context.execute(
            "UPDATE MISLINK_APPEALS SET PHONE_KEY = ?, PATIENT_OTHERS = ?, PATIENT_DISPLAY = ?, UPDATED_AT = ? WHERE APPEAL_ID = ?",
            [.ascii(who.phoneKey, limit: 20), .smallint(others), .text(patient == nil ? nil : who.cardTitle, limit: 200),
             context.now, .bigint(appeal)])
        guard let patient else { return }
        try context.appeals.setPatient(appeal, patientID: Int64(patient.id), contactPhone: phone, in: context)
        try appealEvent(appeal, "patient_set", actor: "system", thread: thread, detail: who.cardTitle, in: context)
    }

    /// Moves the thread to a state and its appeal with it (rules 2–5).
    private func move(_ thread: ThreadRow, to state: ChatThreadState, at: Date, providerStatus: String?, provider: String,
                      in context: ApplyContext) throws -> ThreadRow {
        let stampValue = try ApplyContext.timestamp(at, field: "state time")
        let stamp = FirebirdValue.timestamp(stampValue)
        var next = thread
        next.stateChangedAt = stampValue
        var login: String?
        var closeReason: String?
        switch state {
        case .assigned(let agent):
            let staff = try context.lookups.staffID(agent: agent, provider: provider, in: context)
            login = agent.login ?? agent.id
            next.status = "assigned"
            next.operatorID = staff
            if let appeal = thread.appealID, thread.status != "assigned" || thread.operatorID != staff {
                try appealReaches(appeal, staff: staff, agent: agent, from: thread, at: stamp, in: context)
            }
        case .released:
            if thread.status == "assigned" {
                next.status = "released"
                next.operatorID = nil
                if let appeal = thread.appealID { try detach(appeal, from: thread, at: stamp, in: context) }
            }
        case .closed(let reason):
            closeReason = reason
            next.status = "closed"
            next.operatorID = nil
            if let appeal = thread.appealID, thread.status != "closed" {
                try finish(appeal, thread: thread, reason: reason, at: stamp, in: context)
            }
        case .queued:
            if thread.status == "assigned" {
                next.status = "released"
                next.operatorID = nil
                if let appeal = thread.appealID { try detach(appeal, from: thread, at: stamp, in: context) }
            } else if thread.status == "closed" {
                next.status = "queued"
                if let appeal = thread.appealID {
                    try appealEvent(appeal, "reopened", actor: "client", thread: thread.id, detail: "the client wrote again",
                                    at: stamp, in: context)
                }
            }
        }
        try context.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET STATUS = ?, OPERATOR_ID = ?, PROVIDER_STATUS = COALESCE(?, PROVIDER_STATUS),
                STATE_CHANGED_AT = ?,
                OPERATOR_LOGIN = CASE WHEN CAST(? AS VARCHAR(12)) = 'assigned' THEN ? ELSE NULL END,
                ASSIGNED_AT = CASE WHEN CAST(? AS VARCHAR(12)) = 'assigned' AND (STATUS <> 'assigned' OR OPERATOR_ID IS DISTINCT FROM ?)
                    THEN ? ELSE ASSIGNED_AT END,
                CLOSED_AT = CASE WHEN CAST(? AS VARCHAR(12)) = 'closed' THEN COALESCE(CLOSED_AT, ?) ELSE NULL END,
                CLOSE_REASON = CASE WHEN CAST(? AS VARCHAR(12)) = 'closed' THEN ? ELSE NULL END,
                UPDATED_AT = ?
            WHERE ID = ?
            """,
            [.text(next.status), next.operatorID.map { .bigint($0) } ?? .null, .ascii(providerStatus, limit: 32), stamp,
             .text(next.status), .text(login, limit: 64),
             .text(next.status), next.operatorID.map { .bigint($0) } ?? .null, stamp,
             .text(next.status), stamp, .text(next.status), .ascii(closeReason, limit: 32), context.now, .bigint(thread.id)])
        return next
    }

    /// The thread entered an operator's queue: its first operator, a transfer, or the same appeal back
    /// after a release or a close.
    private func appealReaches(_ appeal: Int64, staff: Int64?, agent: ChatAgent, from thread: ThreadRow, at: FirebirdValue,
                               in context: ApplyContext) throws {
        let side = try context.firstRow("SELECT IS_DETACHED, LAST_OPERATOR_ID FROM MISLINK_APPEALS WHERE APPEAL_ID = ?",
                                        [.bigint(appeal)])
        let last = side?[1].int64Value
        let type: String
        var from: Int64?
        if thread.status == "assigned", let previous = thread.operatorID {
            type = "transferred"
            from = previous
        } else if thread.status == "released" || thread.status == "closed" || side?[0].int64Value == 1 {
            type = "reopened"
            from = last
        } else {
            type = "assigned"
        }
        var detail: String? = staff == nil ? "agent \(agent.login ?? agent.id ?? "?") is not among the employees' chat logins (staff_chat_logins)" : nil
        if let staff {
            let held = try context.firstRow(
                "SELECT COUNT(*) FROM MISLINK_CHAT_THREADS WHERE OPERATOR_ID = ? AND STATUS = 'assigned' AND ID <> ?",
                [.bigint(staff), .bigint(thread.id)])?[0].int64Value ?? 0
            if held + 1 > capacity { detail = "over capacity (\(held + 1)/\(capacity))" }
        }
        try context.appeals.assign(appeal, to: staff, in: context)
        try context.execute(
            "UPDATE MISLINK_APPEALS SET IS_DETACHED = 0, LAST_OPERATOR_ID = COALESCE(?, LAST_OPERATOR_ID), UPDATED_AT = ? WHERE APPEAL_ID = ?",
            [staff.map { .bigint($0) } ?? .null, context.now, .bigint(appeal)])
        try appealEvent(appeal, type, actor: "system", staff: staff, from: from, to: staff, thread: thread.id, detail: detail,
                        at: at, in: context)
    }

    /// Rule 3: the thread left its operator unfinished; the appeal waits, detached, with everything entered.
    private func detach(_ appeal: Int64, from thread: ThreadRow, at: FirebirdValue, in context: ApplyContext) throws {
        try context.appeals.assign(appeal, to: nil, in: context)
        try context.execute(
            "UPDATE MISLINK_APPEALS SET IS_DETACHED = 1, LAST_OPERATOR_ID = COALESCE(?, LAST_OPERATOR_ID), UPDATED_AT = ? WHERE APPEAL_ID = ?",
            [thread.operatorID.map { .bigint($0) } ?? .null, context.now, .bigint(appeal)])
        try appealEvent(appeal, "released", actor: "system", staff: thread.operatorID, from: thread.operatorID, thread: thread.id,
                        detail: "left the operator's queue unfinished", at: at, in: context)
    }

    /// Rule 4: the thread finished; the appeal stays open for the operator who had it last.
    private func finish(_ appeal: Int64, thread: ThreadRow, reason: String, at: FirebirdValue, in context: ApplyContext) throws {
        let holder: Int64?
        if let current = thread.operatorID {
            holder = current
        } else {
            holder = try context.firstRow("SELECT LAST_OPERATOR_ID FROM MISLINK_APPEALS WHERE APPEAL_ID = ?",
                                          [.bigint(appeal)])?[0].int64Value
        }
        // Only while the appeal is open: a closed or cancelled one keeps whoever finished it.
        if let holder, try context.appeals.get(appeal, in: context)?.isOpen == true {
            try context.appeals.assign(appeal, to: holder, in: context)
        }
        try context.execute("UPDATE MISLINK_APPEALS SET IS_DETACHED = 0, UPDATED_AT = ? WHERE APPEAL_ID = ?",
                            [context.now, .bigint(appeal)])
        try appealEvent(appeal, "closed", actor: reason.hasPrefix("CLIENT") ? "client" : "system", staff: holder, thread: thread.id,
                        detail: "thread closed: \(reason)", at: at, in: context)
    }

    private func appealEvent(_ appeal: Int64, _ type: String, actor: String, staff: Int64? = nil, from: Int64? = nil,
                             to: Int64? = nil, thread: Int64, detail: String? = nil, at: FirebirdValue? = nil,
                             in context: ApplyContext) throws {
        try context.execute(
            """
            INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, FROM_STAFF_ID, TO_STAFF_ID, THREAD_ID,
                DETAIL, EVENT_AT, CREATED_AT)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.bigint(appeal), .text(type), .text(actor), staff.map { .bigint($0) } ?? .null, from.map { .bigint($0) } ?? .null,
             to.map { .bigint($0) } ?? .null, .bigint(thread), .text(detail, limit: 1000), at ?? context.now, context.now])
    }

    // MARK: - Messages

    private func addMessage(_ message: ChatMessage, thread: ThreadRow, provider: String, in context: ApplyContext) throws {
        let at = try context.utc(message.at, field: "message time")
        let staff = try message.agent.flatMap { try context.lookups.staffID(agent: $0, provider: provider, in: context) }
        // Once per platform id: MisLink's own sent messages are recorded when sent, and the platform's
        // echo of them must not add a second row.
        let inserted = try context.firstRow(
            """
            MERGE INTO MISLINK_CHAT_MESSAGES M
            USING RDB$DATABASE ON M.THREAD_ID = ? AND M.EXTERNAL_ID = ?
            WHEN NOT MATCHED THEN INSERT (THREAD_ID, EXTERNAL_ID, DIRECTION, AUTHOR_TYPE, AUTHOR_NAME, OPERATOR_ID, BODY, STATUS,
                SENT_AT, CREATED_AT, UPDATED_AT)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING M.ID
            """,
            [.bigint(thread.id), .ascii(message.externalID, limit: 128),
             .bigint(thread.id), .ascii(message.externalID, limit: 128), .text(message.incoming ? "in" : "out"),
             .text(message.incoming ? "client" : "operator"), .text(message.authorName, limit: 150),
             staff.map { .bigint($0) } ?? .null, .text(orNull: message.body), .text(message.incoming ? "received" : "sent"),
             at, context.now, context.now])
        guard inserted != nil else { return }
        try context.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET
                LAST_MESSAGE_AT = CASE WHEN LAST_MESSAGE_AT IS NULL OR LAST_MESSAGE_AT < ? THEN ? ELSE LAST_MESSAGE_AT END,
                LAST_MESSAGE_PREVIEW = CASE WHEN LAST_MESSAGE_AT IS NULL OR LAST_MESSAGE_AT <= ? THEN ? ELSE LAST_MESSAGE_PREVIEW END,
                FIRST_RESPONSE_AT = CASE WHEN CAST(? AS INTEGER) = 0 AND (FIRST_RESPONSE_AT IS NULL OR FIRST_RESPONSE_AT > ?)
                    THEN ? ELSE FIRST_RESPONSE_AT END,
                OPENED_AT = CASE WHEN CAST(? AS INTEGER) = 1 AND OPENED_AT > ? THEN ? ELSE OPENED_AT END,
                UNANSWERED_COUNT = CASE WHEN CAST(? AS INTEGER) = 1 THEN UNANSWERED_COUNT + 1 ELSE 0 END,
                UPDATED_AT = ?
            WHERE ID = ?
            """,
            [at, at, at, .text(message.body, limit: 200), .integer(message.incoming ? 1 : 0), at, at,
             .integer(message.incoming ? 1 : 0), at, at, .integer(message.incoming ? 1 : 0), context.now, .bigint(thread.id)])
    }
}
