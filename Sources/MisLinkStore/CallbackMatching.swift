import Firebird

/// Called-back matching for a call written after the fact (filled in from the PBX's statistics), when
/// the calls around it in time may already be in the log. A live call connects after every call before
/// it and uses ``Calls/markCallback(_:phoneKey:at:now:in:)``; a late one looks both ways by start time:
/// - connected: the missed calls from its number that started before it and are not called back yet
///   are called back by it (and it points back at the latest of them);
/// - missed: the first later call from its number that connected calls it back, if there is one.
extension Calls {
    /// Matches the late call `call` (from `phoneKey`, started at `startedAt`) with the calls around it.
    /// - Parameters:
    ///   - connectedAt: when it connected (its `ANSWERED_AT`); `nil` for a call nobody answered.
    ///   - missed: whether it is a missed call (`RESULT = 'missed'`).
    public static func matchLateCallbacks(
        _ call: Int64, phoneKey: String, startedAt: FirebirdTimestamp, connectedAt: FirebirdTimestamp?, missed: Bool,
        now: FirebirdTimestamp, in tx: some StoreTransaction
    ) throws {
        // `STARTED_AT + 0`: the number's calls by its index alone, as in ``Calls/markCallback(_:phoneKey:at:now:in:)``.
        if let connectedAt {
            let marked = try tx.execute(
                """
                UPDATE MISLINK_CALLS SET CALLED_BACK_BY_ID = \(call), CALLED_BACK_AT = \(connectedAt),
                    STATUS = CASE WHEN STATUS IS NULL OR STATUS = 'to_call_back' THEN 'called_back' ELSE STATUS END,
                    UPDATED_AT = \(now)
                WHERE PHONE_KEY = \(phoneKey) AND RESULT = \(CallResult.missed) AND CALLED_BACK_AT IS NULL
                  AND ID <> \(call) AND STARTED_AT + 0 < \(startedAt)
                """)
            if marked > 0 { try pointAtLatestCalledBack(call, phoneKey: phoneKey, in: tx) }
        }
        guard missed else { return }
        // A later call that connected (still talking, or ended answered) called this one back.
        guard let later = try tx.rows(
            """
            SELECT FIRST 1 ID, ANSWERED_AT FROM MISLINK_CALLS
             WHERE PHONE_KEY = \(phoneKey) AND ID <> \(call) AND STARTED_AT + 0 > \(startedAt)
               AND ANSWERED_AT IS NOT NULL AND COALESCE(RESULT, \(CallResult.answered)) = \(CallResult.answered)
             ORDER BY STARTED_AT + 0, ID
            """).first
        else { return }
        let laterID = try later.decode(Int64.self, column: "ID")
        let laterAt = try later.decode(FirebirdTimestamp?.self, column: "ANSWERED_AT")
        try tx.execute(
            """
            UPDATE MISLINK_CALLS SET CALLED_BACK_BY_ID = \(laterID), CALLED_BACK_AT = \(laterAt),
                STATUS = CASE WHEN STATUS IS NULL OR STATUS = 'to_call_back' THEN 'called_back' ELSE STATUS END,
                UPDATED_AT = \(now)
            WHERE ID = \(call) AND CALLED_BACK_AT IS NULL
            """)
        try tx.execute(
            "UPDATE MISLINK_CALLS SET CALLBACK_OF_ID = COALESCE(CALLBACK_OF_ID, \(call)), UPDATED_AT = \(now) WHERE ID = \(laterID)")
    }
}
