import Firebird

/// A leg's event as `MISLINK_CALL_LEGS` takes it (one row per PBX `call_id`).
public struct CallLegEvent: Sendable {
    public var pbxLegId: String?
    /// The event's `seq`: a leg keeps the highest applied.
    public var seq: Int32
    public var state: CallLegState
    public var fromNumber: String?
    public var fromExtension: String?
    public var toNumber: String?
    public var toExtension: String?
    /// `ivr`, `queue`, `abonent`.
    public var location: String?
    public var acdGroup: String?
    /// `blind`, `consultative`, `return_blind`.
    public var transferType: String?
    public var disconnectReason: Int32?
    /// The event's time.
    public var at: FirebirdTimestamp?
    /// Whether the event is the leg's `Connected`.
    public var connected: Bool
    /// The PBX `call_id` of the leg this one was made from (a party's `taken_from_call_id`: a transfer, or
    /// the IVR handing the call to an operator).
    public var takenFromLegId: String?
    /// Whether a party left this leg by a transfer (`was_transferred` on its `Disconnected`).
    public var leftByTransfer: Bool

    public init(pbxLegId: String?, seq: Int32, state: CallLegState, fromNumber: String?, fromExtension: String?,
                toNumber: String?, toExtension: String?, location: String?, acdGroup: String?, transferType: String?,
                disconnectReason: Int32?, at: FirebirdTimestamp?, connected: Bool, takenFromLegId: String? = nil,
                leftByTransfer: Bool = false) {
        self.pbxLegId = pbxLegId
        self.seq = seq
        self.state = state
        self.fromNumber = fromNumber
        self.fromExtension = fromExtension
        self.toNumber = toNumber
        self.toExtension = toExtension
        self.location = location
        self.acdGroup = acdGroup
        self.transferType = transferType
        self.disconnectReason = disconnectReason
        self.at = at
        self.connected = connected
        self.takenFromLegId = takenFromLegId
        self.leftByTransfer = leftByTransfer
    }

    /// `LEFT_BY_TRANSFER`'s value.
    var leftByTransferFlag: Int16 { leftByTransfer ? 1 : 0 }

    var answeredAt: FirebirdTimestamp? { connected ? at : nil }
    var endedAt: FirebirdTimestamp? { state == .ended ? at : nil }

    /// `OUTCOME` of a leg that ends with this event (left by a transfer, answered, left in the IVR, or not answered).
    var outcome: String? {
        guard state == .ended else { return nil }
        return leftByTransfer ? "transferred" : connected ? "answered" : location == "ivr" ? "ivr" : "not_answered"
    }
}

/// The intake's SQL of `MISLINK_CALL_LEGS`. Ordering: a leg keeps the highest `seq` applied; an older
/// event does not change its state, but still fills in a fact it alone carries.
public enum CallLegs {
    /// The id of the leg with the PBX's `call_id`.
    public static func id(pbxLegId: String?, in tx: some StoreTransaction) throws -> Int64? {
        try tx.firstID("SELECT ID FROM MISLINK_CALL_LEGS WHERE PBX_LEG_ID = \(pbxLegId)")
    }

    /// Inserts a leg at its first event; returns its id.
    public static func insert(_ leg: CallLegEvent, call: Int64, staff: Int64?, command: Int64?, now: FirebirdTimestamp,
                              in tx: some StoreTransaction) throws -> Int64? {
        try tx.returnedID(
            """
            INSERT INTO MISLINK_CALL_LEGS (CALL_ID, PBX_LEG_ID, LAST_SEQ, FROM_NUMBER, FROM_EXTENSION, TO_NUMBER,
                TO_EXTENSION, LOCATION, ACD_GROUP, STATE, OUTCOME, TRANSFER_TYPE, DISCONNECT_REASON, RANG_AT,
                ANSWERED_AT, ENDED_AT, CREATED_AT, UPDATED_AT, STAFF_ID, COMMAND_ID, TRANSFERRED_FROM_ID, LEFT_BY_TRANSFER)
            VALUES (\(call), \(leg.pbxLegId), \(leg.seq), \(leg.fromNumber), \(leg.fromExtension), \(leg.toNumber),
                \(leg.toExtension), \(leg.location), \(leg.acdGroup), \(leg.state), \(leg.outcome), \(leg.transferType),
                \(leg.disconnectReason), \(leg.at), \(leg.answeredAt), \(leg.endedAt), \(now), \(now), \(staff), \(command),
                (SELECT ID FROM MISLINK_CALL_LEGS WHERE PBX_LEG_ID = \(leg.takenFromLegId)), \(leg.leftByTransferFlag))
            RETURNING ID
            """)
    }

    /// Applies an event newer than what is applied (`LAST_SEQ < seq`); false when it is not newer. The
    /// condition is in the UPDATE itself, so a concurrent worker's newer state is never overwritten.
    ///
    /// `TRANSFER_TYPE` keeps how the leg was made: a consultative transfer's leg gets a second `Connected`
    /// with `transfer:"blind"` once the initiator hangs up ("`transfer` changes `consultative` → `blind`"),
    /// and the log still shows it consultative.
    public static func advance(_ id: Int64, with leg: CallLegEvent, now: FirebirdTimestamp,
                               in tx: some StoreTransaction) throws -> Bool {
        try tx.returnedID(
            """
            UPDATE MISLINK_CALL_LEGS SET
                LAST_SEQ = \(leg.seq), STATE = \(leg.state),
                FROM_NUMBER = COALESCE(\(leg.fromNumber), FROM_NUMBER), FROM_EXTENSION = COALESCE(\(leg.fromExtension), FROM_EXTENSION),
                TO_NUMBER = COALESCE(\(leg.toNumber), TO_NUMBER), TO_EXTENSION = COALESCE(\(leg.toExtension), TO_EXTENSION),
                LOCATION = COALESCE(\(leg.location), LOCATION), ACD_GROUP = COALESCE(\(leg.acdGroup), ACD_GROUP),
                TRANSFER_TYPE = COALESCE(TRANSFER_TYPE, \(leg.transferType)),
                TRANSFERRED_FROM_ID = COALESCE(TRANSFERRED_FROM_ID,
                    (SELECT F.ID FROM MISLINK_CALL_LEGS F WHERE F.PBX_LEG_ID = \(leg.takenFromLegId))),
                LEFT_BY_TRANSFER = MAXVALUE(LEFT_BY_TRANSFER, CAST(\(leg.leftByTransferFlag) AS SMALLINT)),
                DISCONNECT_REASON = COALESCE(\(leg.disconnectReason), DISCONNECT_REASON),
                ANSWERED_AT = COALESCE(ANSWERED_AT, \(leg.answeredAt)), ENDED_AT = COALESCE(ENDED_AT, \(leg.endedAt)),
                OUTCOME = CASE WHEN CAST(\(leg.state) AS VARCHAR(12)) = 'ended' THEN
                    TRIM(CASE WHEN MAXVALUE(LEFT_BY_TRANSFER, CAST(\(leg.leftByTransferFlag) AS SMALLINT)) = 1 THEN 'transferred'
                         WHEN COALESCE(ANSWERED_AT, \(leg.answeredAt)) IS NOT NULL THEN 'answered'
                         WHEN COALESCE(\(leg.location), LOCATION) = 'ivr' THEN 'ivr' ELSE 'not_answered' END)
                    ELSE OUTCOME END,
                UPDATED_AT = \(now)
            WHERE ID = \(id) AND LAST_SEQ < \(leg.seq)
            RETURNING ID
            """) != nil
    }

    /// A late `Connected`: the leg's answer time, and `answered` if it already ended.
    public static func answeredLate(_ id: Int64, at: FirebirdTimestamp?, now: FirebirdTimestamp,
                                    in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CALL_LEGS SET
                ANSWERED_AT = COALESCE(ANSWERED_AT, \(at)),
                OUTCOME = CASE WHEN STATE = 'ended' AND LEFT_BY_TRANSFER = 0 THEN 'answered' ELSE OUTCOME END,
                UPDATED_AT = \(now)
            WHERE ID = \(id)
            """)
    }

    /// A late `Disconnected`: the leg's end time moves earlier if it is, and a transfer it names is kept.
    public static func endedEarlier(_ id: Int64, at: FirebirdTimestamp?, leftByTransfer: Bool = false, now: FirebirdTimestamp,
                                    in tx: some StoreTransaction) throws {
        let flag: Int16 = leftByTransfer ? 1 : 0
        try tx.execute(
            """
            UPDATE MISLINK_CALL_LEGS SET
                ENDED_AT = IIF(ENDED_AT IS NULL OR ENDED_AT > CAST(\(at) AS TIMESTAMP), CAST(\(at) AS TIMESTAMP), ENDED_AT),
                LEFT_BY_TRANSFER = MAXVALUE(LEFT_BY_TRANSFER, CAST(\(flag) AS SMALLINT)),
                OUTCOME = IIF(STATE = 'ended' AND CAST(\(flag) AS SMALLINT) = 1, 'transferred', OUTCOME), UPDATED_AT = \(now)
            WHERE ID = \(id)
            """)
    }
}
