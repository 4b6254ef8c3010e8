import Firebird

/// What one leg event changes on its call's row (`MISLINK_CALLS`), gathered while the event is applied
/// and written by ``Calls/write(_:call:now:in:)`` in one UPDATE.
///
/// Firebird charges several times a first write for a row the transaction already changed (a first
/// update by key took 5 µs in isql, a second 60–100 µs), so an answered call's live state, its
/// operators, its appeal and its call-back pointer go in one statement rather than one each.
public struct CallChange: Sendable, Hashable {
    /// The live state a leg's newer event gives; an ended call keeps `ended`. Nil leaves it.
    public var state: CallState?
    /// When a leg connected: the call keeps the earliest answer. Nil leaves it.
    public var answeredAt: FirebirdTimestamp?
    /// The ACD group (ASCII, 16), kept once set. Nil leaves it.
    public var acdGroup: String?
    /// One more transfer. Defaults to false.
    public var transferred = false
    /// The operator whose leg connected, credited as ``AnswerCredit`` says. Nil credits nobody.
    public var credit: AnswerCredit?
    /// The call's appeal, created for this answer. Nil leaves `APPEAL_ID`.
    public var appealID: Int64?
    /// The client's phone key (ASCII, 20) when this call just called back earlier missed calls from it:
    /// `CALLBACK_OF_ID` (unless set) points at the latest of them. Nil leaves it.
    public var calledBackFrom: String?

    public init(state: CallState? = nil, answeredAt: FirebirdTimestamp? = nil, acdGroup: String? = nil,
                transferred: Bool = false) {
        self.state = state
        self.answeredAt = answeredAt
        self.acdGroup = acdGroup
        self.transferred = transferred
    }
}

/// How an operator whose leg connected at a time is credited on the call (see
/// ``Calls/answerCredit(_:staff:answeredAt:in:)``).
public struct AnswerCredit: Sendable, Hashable {
    /// The operator (`STAFF.ID`).
    public var staff: Int64
    /// Their extension (ASCII, 16) for `OPERATOR_EXTENSION`; nil keeps the one there.
    public var operatorExtension: String?
    /// No colleague's leg connected later: they become the call's operator (`OPERATOR_ID`), the one who
    /// finished it after transfers.
    public var latest: Bool
    /// No colleague's leg connected earlier: they are the first to answer (`ANSWERED_BY_ID`).
    public var first: Bool

    public init(staff: Int64, operatorExtension: String?, latest: Bool, first: Bool) {
        self.staff = staff
        self.operatorExtension = operatorExtension
        self.latest = latest
        self.first = first
    }
}

extension Calls {
    /// How `staff`, whose leg of call `call` connected at `answeredAt`, is credited: as the operator unless
    /// a colleague's leg connected later, as the first to answer unless one connected earlier (read from
    /// the call's legs, the event's own leg already applied). Nil when there is no such call.
    public static func answerCredit(_ call: Int64, staff: Int64, answeredAt: FirebirdTimestamp?,
                                    in tx: some StoreTransaction) throws -> (latest: Bool, first: Bool)? {
        guard let row = try tx.rows(
            """
            SELECT
                CASE WHEN EXISTS (SELECT 1 FROM MISLINK_CALL_LEGS L WHERE L.CALL_ID = C.ID AND L.STAFF_ID IS NOT NULL
                    AND L.STAFF_ID <> \(staff) AND L.ANSWERED_AT > \(answeredAt)) THEN 0 ELSE 1 END AS LATEST,
                CASE WHEN EXISTS (SELECT 1 FROM MISLINK_CALL_LEGS L WHERE L.CALL_ID = C.ID AND L.STAFF_ID IS NOT NULL
                    AND L.STAFF_ID <> \(staff) AND L.ANSWERED_AT < \(answeredAt)) THEN 0 ELSE 1 END AS FIRST_ANSWER
              FROM MISLINK_CALLS C WHERE C.ID = \(call)
            """
        ).first else { return nil }
        return (try row.decode(Int32.self, column: "LATEST") == 1, try row.decode(Int32.self, column: "FIRST_ANSWER") == 1)
    }

    /// Writes what one event changes on call `id` in one UPDATE. The row is not written when nothing in
    /// `change` changes it (no new version, no `MISLINK_CALL` event): a state it has (or `ended`), an
    /// answer no earlier than its own, an ACD group when it has one. A credit, a transfer, an appeal or a
    /// call-back pointer always write it.
    public static func write(_ change: CallChange, call id: Int64, now: FirebirdTimestamp,
                             in tx: some StoreTransaction) throws {
        var sets: [FirebirdQuery] = []
        var changes: [FirebirdQuery] = []
        var alwaysWrite = false
        if let state = change.state {
            sets.append("STATE = CASE WHEN STATE = 'ended' THEN STATE ELSE \(state) END")
            changes.append("(STATE <> 'ended' AND STATE <> \(state))")
        }
        if let answeredAt = change.answeredAt {
            sets.append("ANSWERED_AT = CASE WHEN ANSWERED_AT IS NULL OR ANSWERED_AT > \(answeredAt) THEN \(answeredAt) ELSE ANSWERED_AT END")
            changes.append("(ANSWERED_AT IS NULL OR ANSWERED_AT > \(answeredAt))")
        }
        if let acdGroup = change.acdGroup {
            sets.append("ACD_GROUP = COALESCE(ACD_GROUP, \(acdGroup))")
            changes.append("ACD_GROUP IS NULL")
        }
        if change.transferred {
            sets.append("TRANSFER_COUNT = TRANSFER_COUNT + 1")
            alwaysWrite = true
        }
        if let credit = change.credit, credit.latest || credit.first {
            if credit.latest {
                sets.append("OPERATOR_ID = \(credit.staff)")
                sets.append("OPERATOR_EXTENSION = COALESCE(CAST(\(credit.operatorExtension) AS VARCHAR(16)), OPERATOR_EXTENSION)")
            }
            if credit.first { sets.append("ANSWERED_BY_ID = \(credit.staff)") }
            alwaysWrite = true
        }
        if let appeal = change.appealID {
            sets.append("APPEAL_ID = \(appeal)")
            alwaysWrite = true
        }
        if let phoneKey = change.calledBackFrom {
            sets.append("CALLBACK_OF_ID = COALESCE(CALLBACK_OF_ID, \(latestCalledBack(by: id, phoneKey: phoneKey)))")
            alwaysWrite = true
        }
        guard !sets.isEmpty else { return }
        sets.append("UPDATED_AT = \(now)")
        var query: FirebirdQuery = "UPDATE MISLINK_CALLS SET \(joined(sets, ", ")) WHERE ID = \(id)"
        if !alwaysWrite { query = "\(query) AND (\(joined(changes, " OR ")))" }
        try tx.execute(query)
    }

    /// The queries one after another with `separator` between them, bindings in order.
    private static func joined(_ parts: [FirebirdQuery], _ separator: String) -> FirebirdQuery {
        var result: FirebirdQuery = ""
        for (index, part) in parts.enumerated() {
            result = index == 0 ? part : "\(result)\(unescaped: separator)\(part)"
        }
        return result
    }
}
