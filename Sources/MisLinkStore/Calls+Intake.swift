import Firebird

/// A call's first row (`MISLINK_CALLS`), as its first event or its summary makes it.
public struct NewCall: Sendable {
    public var pbxCallId: String?
    public var direction: CallDirection
    public var state: CallState
    public var fromNumber: String?
    public var fromExtension: String?
    public var toNumber: String?
    public var toExtension: String?
    public var lineNumber: String?
    public var acdGroup: String?
    /// `STARTED_AT`; the batch's now when the PBX gave no time.
    public var startedAt: FirebirdTimestamp?
    public var caller: CallerMatch
    /// The `MISLINK_COMMANDS` row that made the call (a click-to-call).
    public var commandId: Int64?

    public init(pbxCallId: String?, direction: CallDirection, state: CallState, fromNumber: String?, fromExtension: String?,
                toNumber: String?, toExtension: String?, lineNumber: String?, acdGroup: String?,
                startedAt: FirebirdTimestamp?, caller: CallerMatch, commandId: Int64?) {
        self.pbxCallId = pbxCallId
        self.direction = direction
        self.state = state
        self.fromNumber = fromNumber
        self.fromExtension = fromExtension
        self.toNumber = toNumber
        self.toExtension = toExtension
        self.lineNumber = lineNumber
        self.acdGroup = acdGroup
        self.startedAt = startedAt
        self.caller = caller
        self.commandId = commandId
    }
}

/// Who the client of a call is: `PHONE_KEY`, `PATIENT_ID`, `PATIENT_OTHERS`, `PATIENT_MATCH`.
public struct CallerMatch: Sendable, Hashable {
    public var phoneKey: String?
    public var patientId: Int64?
    /// How many other patients have the number.
    public var patientOthers: Int16
    /// The phone column the number matched in, as the MIS profile names it (`PHONE_MOBILE`, `TEL_MOB`, `KONTAKTY.ZNACHENIE`).
    public var patientMatch: String?

    /// Nobody identified.
    public static let none = CallerMatch(phoneKey: nil, patientId: nil, patientOthers: 0, patientMatch: nil)

    public init(phoneKey: String?, patientId: Int64?, patientOthers: Int16, patientMatch: String?) {
        self.phoneKey = phoneKey
        self.patientId = patientId
        self.patientOthers = patientOthers
        self.patientMatch = patientMatch
    }
}

/// What the PBX's summary (or its statistics) says about an ended call.
public struct CallSummary: Sendable {
    public var direction: CallDirection
    public var result: CallResult
    public var endedAt: FirebirdTimestamp?
    public var answeredAt: FirebirdTimestamp?
    public var waitSec: Int32
    public var talkSec: Int32
    public var durationSec: Int32
    public var disconnectReason: Int32?

    public init(direction: CallDirection, result: CallResult, endedAt: FirebirdTimestamp?, answeredAt: FirebirdTimestamp?,
                waitSec: Int32, talkSec: Int32, durationSec: Int32, disconnectReason: Int32?) {
        self.direction = direction
        self.result = result
        self.endedAt = endedAt
        self.answeredAt = answeredAt
        self.waitSec = waitSec
        self.talkSec = talkSec
        self.durationSec = durationSec
        self.disconnectReason = disconnectReason
    }
}

/// The intake's SQL of `MISLINK_CALLS`: a call starts at its first event, follows its legs, and ends
/// with the PBX's summary (`CLOSED_BY = 'summary'`).
extension Calls {
    /// The id of the call with the PBX's `entry_id`.
    public static func id(pbxCallId: String?, in tx: some StoreTransaction) throws -> Int64? {
        try tx.firstID("SELECT ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = \(pbxCallId)")
    }

    /// Inserts a call at its first event; returns its id.
    public static func insert(_ call: NewCall, now: FirebirdTimestamp, in tx: some StoreTransaction) throws -> Int64? {
        try tx.returnedID(
            """
            INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, FROM_NUMBER, FROM_EXTENSION, TO_NUMBER,
                TO_EXTENSION, LINE_NUMBER, ACD_GROUP, STARTED_AT, CREATED_AT, UPDATED_AT,
                PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_MATCH, COMMAND_ID)
            VALUES (\(call.pbxCallId), \(call.direction), \(call.state), \(call.fromNumber), \(call.fromExtension),
                \(call.toNumber), \(call.toExtension), \(call.lineNumber), \(call.acdGroup),
                COALESCE(CAST(\(call.startedAt) AS TIMESTAMP), CAST(\(now) AS TIMESTAMP)), \(now), \(now),
                \(call.caller.phoneKey), \(call.caller.patientId), \(call.caller.patientOthers), \(call.caller.patientMatch),
                \(call.commandId))
            RETURNING ID
            """)
    }

    /// The call follows a leg's newer event: its state (unless ended), the earliest answer, the ACD group,
    /// one more transfer. A row none of these changes is not written (no new version, no MISLINK_CALL).
    /// The intake gathers these with the rest of what the event changes (``CallChange``).
    public static func follow(_ id: Int64, state: CallState, answeredAt: FirebirdTimestamp?, acdGroup: String?,
                              transferred: Bool, now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        try write(CallChange(state: state, answeredAt: answeredAt, acdGroup: acdGroup, transferred: transferred),
                  call: id, now: now, in: tx)
    }

    /// Ends the call with the PBX's summary; returns its id, nil when there is no such call yet.
    ///
    /// A missed call (`awaitingCallback`) is put on the operators' list in the same write, as
    /// ``awaitCallback(_:staff:now:in:)`` would after it, with `missedBy` (the first operator who missed
    /// it) answering for it unless one is set: a row written twice in one transaction costs Firebird
    /// several times a first write. Both default to none.
    public static func end(pbxCallId: String?, with summary: CallSummary, awaitingCallback: Bool = false,
                           missedBy staff: Int64? = nil, now: FirebirdTimestamp, in tx: some StoreTransaction) throws -> Int64? {
        let callback: FirebirdQuery = awaitingCallback
            ? """
              , OPERATOR_ID = COALESCE(OPERATOR_ID, \(staff)),
                STATUS = CASE WHEN STATUS IS NULL AND CALLED_BACK_AT IS NULL THEN 'to_call_back' ELSE STATUS END
              """
            : ""
        return try tx.returnedID(
            """
            UPDATE MISLINK_CALLS SET DIRECTION = \(summary.direction), STATE = 'ended', RESULT = \(summary.result),
                ENDED_AT = \(summary.endedAt), ANSWERED_AT = COALESCE(ANSWERED_AT, \(summary.answeredAt)),
                WAIT_SEC = \(summary.waitSec), TALK_SEC = \(summary.talkSec), DURATION_SEC = \(summary.durationSec),
                DISCONNECT_REASON = \(summary.disconnectReason), CLOSED_BY = 'summary', UPDATED_AT = \(now)\(callback)
            WHERE PBX_CALL_ID = \(pbxCallId)
            RETURNING ID
            """)
    }

    /// A call known only from its summary (it came before any leg, or the legs never came) or from the
    /// PBX's statistics (`source` and `closedBy` `.reconcile`), ended.
    public static func insertEnded(_ call: NewCall, with summary: CallSummary, source: CallSource = .webhook,
                                   closedBy: CallCloser = .summary, now: FirebirdTimestamp,
                                   in tx: some StoreTransaction) throws -> Int64? {
        try tx.returnedID(
            """
            INSERT INTO MISLINK_CALLS (DIRECTION, STATE, RESULT, ENDED_AT, ANSWERED_AT, WAIT_SEC, TALK_SEC,
                DURATION_SEC, DISCONNECT_REASON, SOURCE, CLOSED_BY, PBX_CALL_ID, FROM_NUMBER, FROM_EXTENSION, TO_NUMBER,
                TO_EXTENSION, LINE_NUMBER, STARTED_AT, CREATED_AT, UPDATED_AT, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS,
                PATIENT_MATCH)
            VALUES (\(summary.direction), 'ended', \(summary.result), \(summary.endedAt), \(summary.answeredAt),
                \(summary.waitSec), \(summary.talkSec), \(summary.durationSec), \(summary.disconnectReason), \(source),
                \(closedBy),
                \(call.pbxCallId), \(call.fromNumber), \(call.fromExtension), \(call.toNumber), \(call.toExtension),
                \(call.lineNumber), COALESCE(CAST(\(call.startedAt) AS TIMESTAMP), CAST(\(now) AS TIMESTAMP)), \(now), \(now),
                \(call.caller.phoneKey), \(call.caller.patientId), \(call.caller.patientOthers), \(call.caller.patientMatch))
            RETURNING ID
            """)
    }

    /// The id and state of the call with the PBX's `entry_id`.
    public static func find(pbxCallId: String, in tx: some StoreTransaction) throws -> (id: Int64, state: CallState)? {
        guard let row = try tx.rows("SELECT ID, STATE FROM MISLINK_CALLS WHERE PBX_CALL_ID = \(pbxCallId)").first else { return nil }
        return (try row.decode(Int64.self, column: "ID"), try row.decode(CallState.self, column: "STATE"))
    }

    /// Ends a call the PBX's statistics say ended (`CLOSED_BY = 'reconcile'`); its direction stays.
    public static func endReconciled(_ id: Int64, with summary: CallSummary, now: FirebirdTimestamp,
                                     in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALLS SET STATE = 'ended', CLOSED_BY = 'reconcile', RESULT = \(summary.result),
                ENDED_AT = \(summary.endedAt), ANSWERED_AT = COALESCE(ANSWERED_AT, \(summary.answeredAt)),
                WAIT_SEC = \(summary.waitSec), TALK_SEC = \(summary.talkSec), DURATION_SEC = \(summary.durationSec),
                DISCONNECT_REASON = \(summary.disconnectReason), UPDATED_AT = \(now)
            WHERE ID = \(id)
            """)
    }
}
