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
        try tx.rows(
            """
            UPDATE MISLINK_CALLS C SET OPERATOR_ID = \(staff),
                OPERATOR_EXTENSION = COALESCE(CAST(\(operatorExtension) AS VARCHAR(16)), OPERATOR_EXTENSION), UPDATED_AT = \(now)
            WHERE C.ID = \(call) AND NOT EXISTS (SELECT 1 FROM MISLINK_CALL_LEGS L WHERE L.CALL_ID = C.ID
                AND L.STAFF_ID IS NOT NULL AND L.STAFF_ID <> \(staff) AND L.ANSWERED_AT > \(answeredAt))
            RETURNING C.ID
            """
        ).first?.decode(Int64?.self, column: "ID") != nil
    }

    /// Credits `staff`, whose leg connected at `answeredAt`, in one statement: as the call's operator
    /// (as ``creditOperator(_:staff:operatorExtension:answeredAt:now:in:)``) unless a colleague's leg
    /// connected later, and as the first to answer (`ANSWERED_BY_ID`) unless a colleague's leg connected
    /// earlier. The row is not written when neither holds. Returns whether this connection is the call's
    /// latest so far.
    public static func creditAnswer(_ call: Int64, staff: Int64, operatorExtension: String?, answeredAt: FirebirdTimestamp?,
                                    now: FirebirdTimestamp, in tx: some StoreTransaction) throws -> Bool {
        let latest: FirebirdQuery = """
            NOT EXISTS (SELECT 1 FROM MISLINK_CALL_LEGS L WHERE L.CALL_ID = C.ID
                AND L.STAFF_ID IS NOT NULL AND L.STAFF_ID <> \(staff) AND L.ANSWERED_AT > \(answeredAt))
            """
        let first: FirebirdQuery = """
            NOT EXISTS (SELECT 1 FROM MISLINK_CALL_LEGS L WHERE L.CALL_ID = C.ID
                AND L.STAFF_ID IS NOT NULL AND L.STAFF_ID <> \(staff) AND L.ANSWERED_AT < \(answeredAt))
            """
        return try tx.rows(
            """
            UPDATE MISLINK_CALLS C SET
                OPERATOR_ID = CASE WHEN \(latest) THEN \(staff) ELSE OPERATOR_ID END,
                OPERATOR_EXTENSION = CASE WHEN \(latest) THEN COALESCE(CAST(\(operatorExtension) AS VARCHAR(16)), OPERATOR_EXTENSION)
                    ELSE OPERATOR_EXTENSION END,
                ANSWERED_BY_ID = CASE WHEN \(first) THEN \(staff) ELSE ANSWERED_BY_ID END,
                UPDATED_AT = \(now)
            WHERE C.ID = \(call) AND (\(latest) OR \(first))
            RETURNING CASE WHEN \(latest) THEN 1 ELSE 0 END AS LATEST
            """
        ).first?.decode(Int32?.self, column: "LATEST") == 1
    }

    /// Call `call` from `phoneKey` connected at `at`: earlier missed calls from the number not called back
    /// yet are called back by it (`called_back`), and it points back at the latest of them.
    public static func markCallback(_ call: Int64, phoneKey: String?, at: FirebirdTimestamp?, now: FirebirdTimestamp,
                                    in tx: some StoreTransaction) throws {
        let marked = try tx.execute(
            """
            UPDATE MISLINK_CALLS SET CALLED_BACK_BY_ID = \(call), CALLED_BACK_AT = \(at),
                STATUS = CASE WHEN STATUS IS NULL OR STATUS = 'to_call_back' THEN 'called_back' ELSE STATUS END,
                UPDATED_AT = \(now)
            WHERE PHONE_KEY = \(phoneKey) AND RESULT = \(CallResult.missed) AND CALLED_BACK_AT IS NULL AND ID <> \(call)
              AND STARTED_AT <= (SELECT C.STARTED_AT FROM MISLINK_CALLS C WHERE C.ID = \(call))
            """)
        // Nothing called back now: a call back marked by an earlier delivery of this event pointed the call at
        // it in that same transaction already.
        guard marked > 0 else { return }
        try pointAtLatestCalledBack(call, phoneKey: phoneKey, in: tx)
    }

    /// Call `call` points back (`CALLBACK_OF_ID`, unless set) at the latest call from `phoneKey` it called back
    /// (looked up by the number's index, not by scanning every call for `CALLED_BACK_BY_ID`).
    static func pointAtLatestCalledBack(_ call: Int64, phoneKey: String?, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALLS SET CALLBACK_OF_ID = COALESCE(CALLBACK_OF_ID,
                (SELECT FIRST 1 M.ID FROM MISLINK_CALLS M WHERE M.PHONE_KEY = \(phoneKey) AND M.CALLED_BACK_BY_ID = \(call)
                  ORDER BY M.STARTED_AT DESC, M.ID DESC))
            WHERE ID = \(call)
            """)
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

    /// The call's appeal.
    public static func setAppeal(_ appeal: Int64, call: Int64, now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        try tx.execute("UPDATE MISLINK_CALLS SET APPEAL_ID = \(appeal), UPDATED_AT = \(now) WHERE ID = \(call)")
    }
}
