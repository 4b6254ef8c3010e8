import Firebird

/// The intake's SQL of a call's operators, callbacks and appeal (`MISLINK_CALLS`), decided from the
/// events' times so that a late event still counts.
extension Calls {
    /// Who a call is with, read by column name.
    public struct Client: Sendable, Hashable, Decodable {
        public var direction: CallDirection
        public var phoneKey: String?
        /// The client's number: the dialled one of an outbound call, the caller's otherwise.
        public var clientNumber: String?
    }

    /// Who call `id` is with; nil when there is no such call.
    public static func client(of id: Int64, in tx: some StoreTransaction) throws -> Client? {
        try tx.rows(
            """
            SELECT DIRECTION, PHONE_KEY, CASE WHEN DIRECTION = 'out' THEN TO_NUMBER ELSE FROM_NUMBER END AS CLIENT_NUMBER
              FROM MISLINK_CALLS WHERE ID = \(id)
            """
        ).first?.decode(Client.self)
    }

    /// Credits `staff` as the call's operator (the one whose leg connected last, after transfers) unless a
    /// colleague's leg connected after `answeredAt`; `operatorExtension` is kept when nil. Returns whether
    /// this connection is the call's latest so far.
    public static func creditOperator(_ call: Int64, staff: Int64, operatorExtension: String?, answeredAt: FirebirdTimestamp?,
                                      now: FirebirdTimestamp, in tx: some StoreTransaction) throws -> Bool {
        guard let credit = try answerCredit(call, staff: staff, answeredAt: answeredAt, in: tx) else { return false }
        var change = CallChange()
        change.credit = AnswerCredit(staff: staff, operatorExtension: operatorExtension, latest: credit.latest, first: false)
        try write(change, call: call, now: now, in: tx)
        return credit.latest
    }

    /// Credits `staff`, whose leg connected at `answeredAt`, in one statement: as the call's operator
    /// (as ``creditOperator(_:staff:operatorExtension:answeredAt:now:in:)``) unless a colleague's leg
    /// connected later, and as the first to answer (`ANSWERED_BY_ID`) unless a colleague's leg connected
    /// earlier (``answerCredit(_:staff:answeredAt:in:)``). The row is not written when neither holds.
    /// Returns whether this connection is the call's latest so far.
    public static func creditAnswer(_ call: Int64, staff: Int64, operatorExtension: String?, answeredAt: FirebirdTimestamp?,
                                    now: FirebirdTimestamp, in tx: some StoreTransaction) throws -> Bool {
        guard let credit = try answerCredit(call, staff: staff, answeredAt: answeredAt, in: tx) else { return false }
        var change = CallChange()
        change.credit = AnswerCredit(staff: staff, operatorExtension: operatorExtension, latest: credit.latest, first: credit.first)
        try write(change, call: call, now: now, in: tx)
        return credit.latest
    }

    // The calls of a number are found by MISLINK_CALLS_PHONE_IX alone: `STARTED_AT + 0` keeps Firebird from
    // also range-scanning MISLINK_CALLS_STARTED_IX (every call before this one) into a bitmap to AND with it,
    // or walking that index in order, which the optimizer does while the indexes' selectivity is the one
    // computed when they were created, empty (isql on 20,000 calls: 132 page fetches instead of 22, and
    // growing with the log; `mislink-bench intake`: 32 µs a connected call at 2,000 calls, 180 µs at 10,000).
    // A timestamp plus 0 days is the same timestamp.

    /// Call `call` from `phoneKey` connected at `at`: earlier missed calls from the number not called back
    /// yet are called back by it (`called_back`). Returns whether any was: the call then points back at the
    /// latest of them, written with the rest of its event's change (``CallChange/calledBackFrom``). None is
    /// when an earlier delivery of this event marked them, and pointed the call in that same transaction.
    public static func markCallback(_ call: Int64, phoneKey: String?, at: FirebirdTimestamp?, now: FirebirdTimestamp,
                                    in tx: some StoreTransaction) throws -> Bool {
        try tx.execute(
            """
            UPDATE MISLINK_CALLS SET CALLED_BACK_BY_ID = \(call), CALLED_BACK_AT = \(at),
                STATUS = CASE WHEN STATUS IS NULL OR STATUS = 'to_call_back' THEN 'called_back' ELSE STATUS END,
                UPDATED_AT = \(now)
            WHERE PHONE_KEY = \(phoneKey) AND RESULT = \(CallResult.missed) AND CALLED_BACK_AT IS NULL AND ID <> \(call)
              AND STARTED_AT + 0 <= (SELECT C.STARTED_AT FROM MISLINK_CALLS C WHERE C.ID = \(call))
            """) > 0
    }

    /// Call `call` points back (`CALLBACK_OF_ID`, unless set) at the latest call from `phoneKey` it called back
    /// (looked up by the number's index, not by scanning every call for `CALLED_BACK_BY_ID`).
    static func pointAtLatestCalledBack(_ call: Int64, phoneKey: String?, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALLS SET CALLBACK_OF_ID = COALESCE(CALLBACK_OF_ID, \(latestCalledBack(by: call, phoneKey: phoneKey)))
            WHERE ID = \(call)
            """)
    }

    /// The latest call from `phoneKey` that call `call` called back, as a subquery.
    static func latestCalledBack(by call: Int64, phoneKey: String?) -> FirebirdQuery {
        """
        (SELECT FIRST 1 M.ID FROM MISLINK_CALLS M WHERE M.PHONE_KEY = \(phoneKey) AND M.CALLED_BACK_BY_ID = \(call)
          ORDER BY M.STARTED_AT + 0 DESC, M.ID DESC)
        """
    }

    /// A missed call waits on the operators' list (`STATUS` `to_call_back`, unless it has one or was called
    /// back), with `staff` (the first operator who missed it) answering for it unless one is set.
    public static func awaitCallback(_ call: Int64, staff: Int64?, now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALLS SET OPERATOR_ID = COALESCE(OPERATOR_ID, \(staff)),
                STATUS = CASE WHEN STATUS IS NULL AND CALLED_BACK_AT IS NULL THEN 'to_call_back' ELSE STATUS END,
                UPDATED_AT = \(now)
            WHERE ID = \(call)
            """)
    }
}
