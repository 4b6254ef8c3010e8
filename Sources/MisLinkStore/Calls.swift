import Firebird
import Foundation

/// A call of the log (`MISLINK_CALLS`), read by column name. Times are UTC.
public struct CallRecord: Sendable, Hashable, Decodable {
    public var id: Int64
    public var pbxCallId: String
    /// `in`, `out`, `internal`.
    public var direction: String
    public var state: String
    /// `answered`, `missed`, `abandoned`, `not_reached`, `failed`.
    public var result: String?
    public var status: String?
    public var fromNumber: String?
    public var toNumber: String?
    public var phoneKey: String?
    public var patientId: Int64?
    public var patientOthers: Int
    public var operatorId: Int64?
    public var answeredById: Int64?
    public var appealId: Int64?
    public var comment: String?
    public var startedAt: Date
    public var answeredAt: Date?
    public var endedAt: Date?
    public var waitSec: Int?
    public var talkSec: Int?
    public var durationSec: Int?
    public var calledBackById: Int64?
    public var calledBackAt: Date?
    /// Its recordings downloaded and ready to play (`STATE = 'stored'`).
    public var recordings: Int
}

/// A recording of a call (`MISLINK_CALL_RECORDINGS`), read by column name.
public struct CallRecordingFile: Sendable, Hashable, Decodable {
    public var id: Int64
    /// `available`, `stored`, `failed`.
    public var state: String
    /// Relative to `recordings.directory` (or absolute), once stored.
    public var filePath: String?
    public var contentType: String?
    public var pbxRecordingId: String
}

/// The SQL of the call log (`MISLINK_CALLS`, its recordings and their audit); the intake's writes are in
/// `Calls+Intake.swift`.
public enum Calls {
    /// What `GET /api/v1/calls` asks for; every field is optional.
    public struct Filter: Sendable {
        public var direction: String?
        public var result: String?
        public var status: String?
        public var patientId: Int64?
        public var operatorId: Int64?
        /// Any of these patients (none: no call matches); a name search's patients.
        public var patientIds: [Int64]?
        /// Any of these employees (none: no call matches); a name search's employees.
        public var operatorIds: [Int64]?
        /// Missed calls nobody has called back yet.
        public var toCallBack = false
        /// `STARTED_AT >= from`.
        public var from: Date?
        /// `STARTED_AT < to`.
        public var to: Date?
        public var phoneKey: String?
        /// The page starts after this (`STARTED_AT`, `ID`) pair.
        public var after: (startedAt: Date, id: Int64)?

        public init() {}
    }

    private static let columns: FirebirdQuery = """
        ID, PBX_CALL_ID, DIRECTION, STATE, RESULT, STATUS, FROM_NUMBER, TO_NUMBER, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS,
        OPERATOR_ID, ANSWERED_BY_ID, APPEAL_ID, COMMENT, STARTED_AT, ANSWERED_AT, ENDED_AT, WAIT_SEC, TALK_SEC,
        DURATION_SEC, CALLED_BACK_BY_ID, CALLED_BACK_AT,
        (SELECT COUNT(*) FROM MISLINK_CALL_RECORDINGS R WHERE R.CALL_ID = MISLINK_CALLS.ID AND R.STATE = 'stored') AS RECORDINGS
        """

    /// The calls that match, newest first (then by ID), at most `limit`.
    public static func list(_ filter: Filter, limit: Int, in tx: Transaction) throws -> [CallRecord] {
        func utc(_ date: Date) -> FirebirdTimestamp { FirebirdTimestamp(date, in: DatabaseClock.utc) }
        var conditions: [FirebirdQuery] = []
        if let direction = filter.direction { conditions.append("DIRECTION = \(direction)") }
        if let result = filter.result { conditions.append("RESULT = \(result)") }
        if let status = filter.status { conditions.append("STATUS = \(status)") }
        if let patient = filter.patientId { conditions.append("PATIENT_ID = \(patient)") }
        if let operatorId = filter.operatorId { conditions.append("OPERATOR_ID = \(operatorId)") }
        for (column, ids) in [("PATIENT_ID", filter.patientIds), ("OPERATOR_ID", filter.operatorIds)] {
            guard let ids else { continue }
            conditions.append(ids.isEmpty ? "1 = 0" : "\(unescaped: column) IN (\(FirebirdQuery.list(Array(ids.prefix(1000)))))")
        }
        if filter.toCallBack { conditions.append("RESULT = 'missed' AND CALLED_BACK_AT IS NULL") }
        if let from = filter.from { conditions.append("STARTED_AT >= \(utc(from))") }
        if let to = filter.to { conditions.append("STARTED_AT < \(utc(to))") }
        if let key = filter.phoneKey { conditions.append("PHONE_KEY = \(key)") }
        if let after = filter.after {
            // The first condition alone is a range on the STARTED_AT index; the second breaks ties.
            let at = utc(after.startedAt)
            conditions.append("STARTED_AT <= \(at) AND (STARTED_AT < \(at) OR ID < \(after.id))")
        }
        // A phone or a patient has a handful of calls: find them by their index and sort those, rather
        // than walk the whole log newest first looking for them (`+ 0` keeps the optimizer off the
        // STARTED_AT index for the order). So do a few patients a name finds; a common surname's hundreds
        // have calls all over the log, and its newest are found sooner by walking it.
        let selective = filter.phoneKey != nil || filter.patientId != nil || (filter.patientIds.map { $0.count <= 20 } ?? false)
        return try tx.attachment.query(
            """
            SELECT FIRST (\(max(limit, 0))) \(columns) FROM MISLINK_CALLS
            \(FirebirdQuery.where(conditions))
            ORDER BY \(unescaped: selective ? "STARTED_AT + 0" : "STARTED_AT") DESC, ID DESC
            """, as: CallRecord.self, in: tx)
    }

    /// Sets a call's comment and status (a `nil` keeps the stored value); returns the call, or `nil`
    /// when there is no such call.
    public static func update(_ id: Int64, comment: String?, status: String?, in tx: Transaction) throws -> CallRecord? {
        guard try tx.attachment.execute(
            "UPDATE MISLINK_CALLS SET COMMENT = COALESCE(\(comment), COMMENT), STATUS = COALESCE(\(status), STATUS) WHERE ID = \(id)",
            in: tx) == 1
        else { return nil }
        return try tx.attachment.query("SELECT \(columns) FROM MISLINK_CALLS WHERE ID = \(id)", as: CallRecord.self, in: tx).first
    }

    /// The `number`-th recording of a call (from 1, in the order they were made); `nil` when it has fewer.
    public static func recording(call: Int64, number: Int, in tx: Transaction) throws -> CallRecordingFile? {
        try tx.attachment.query(
            """
            SELECT FIRST 1 SKIP (\(max(number - 1, 0))) ID, STATE, FILE_PATH, CONTENT_TYPE, PBX_RECORDING_ID
              FROM MISLINK_CALL_RECORDINGS WHERE CALL_ID = \(call) ORDER BY ID
            """, as: CallRecordingFile.self, in: tx
        ).first
    }

    /// Audits one access to a recording (`MISLINK_RECORDING_ACCESS`, `CLIENT_NAME = 'api'`).
    /// - Parameters:
    ///   - action: `download` or `play`.
    ///   - clientAddress: The client's address, cut to the column's 45 characters.
    ///   - listener: The employee signed in to the console who asked (`LISTENER_STAFF_ID`, V017); nil for a
    ///     bearer-token client.
    public static func auditAccess(recording: Int64, call: Int64, clientAddress: String?, action: String, at: Date,
                                   listener: Int64? = nil, in tx: Transaction) throws {
        try tx.attachment.execute(
            """
            INSERT INTO MISLINK_RECORDING_ACCESS (RECORDING_ID, CALL_ID, STAFF_ID, LISTENER_STAFF_ID, CLIENT_NAME, CLIENT_ADDR,
                                                  ACTION, ACCESSED_AT)
            VALUES (\(recording), \(call), \(listener), \(listener), 'api', \(clientAddress.map { String($0.prefix(45)) }), \(action),
                    \(FirebirdTimestamp(at, in: DatabaseClock.utc)))
            """, in: tx)
    }

    /// Closes calls with no event since `cutoff` and not ended (the PBX never sent their summary): ended
    /// as of their last event, the result judged from what is known (answered if someone talked;
    /// otherwise missed inbound, not reached outbound), `CLOSED_BY = 'sweep'`, and their cards still
    /// shown closed. At most 1000 per call; returns how many were closed.
    public static func closeStuck(updatedBefore cutoff: Date, now: Date, in tx: Transaction) throws -> Int {
        let cutoff = FirebirdTimestamp(cutoff, in: DatabaseClock.utc), now = FirebirdTimestamp(now, in: DatabaseClock.utc)
        // Firebird 3 returns one row at most from UPDATE … RETURNING: find the calls, then close each, the
        // result decided by ``CallResult`` from what the log knows (whether anyone answered).
        struct Stuck: Decodable {
            var id: Int64
            var direction: CallDirection
            var answered: Int
        }
        let stuck = try tx.attachment.query(
            """
            SELECT FIRST 1000 ID, DIRECTION, IIF(ANSWERED_AT IS NULL, 0, 1) AS ANSWERED FROM MISLINK_CALLS
             WHERE STATE <> 'ended' AND UPDATED_AT < \(cutoff)
            """, as: Stuck.self, in: tx)
        for call in stuck {
            let id = call.id
            let result = CallResult.decide(direction: call.direction, talked: call.answered == 1)
            try tx.attachment.execute(
                """
                UPDATE MISLINK_CALLS SET STATE = 'ended', CLOSED_BY = 'sweep', UPDATED_AT = \(now),
                    ENDED_AT = COALESCE(ENDED_AT, UPDATED_AT), RESULT = COALESCE(RESULT, \(result))
                WHERE ID = \(id) AND STATE <> 'ended'
                """, in: tx)
            try tx.attachment.execute(
                """
                UPDATE MISLINK_CALL_CARDS SET STATE = CASE WHEN STATE = 'shown' THEN 'closed' ELSE STATE END,
                    CLOSED_AT = COALESCE(CLOSED_AT, \(now)), UPDATED_AT = \(now)
                WHERE CALL_ID = \(id) AND CLOSED_AT IS NULL
                """, in: tx)
        }
        return stuck.count
    }

    /// The `RESULT` of every stored call among `pbxCallIds`, by PBX id (several when stored more than once).
    public static func results(pbxCallIds: [String], in tx: Transaction) throws -> [String: [String?]] {
        guard !pbxCallIds.isEmpty else { return [:] }
        var found: [String: [String?]] = [:]
        for row in try tx.attachment.query(
            "SELECT PBX_CALL_ID, RESULT FROM MISLINK_CALLS WHERE PBX_CALL_ID IN (\(FirebirdQuery.list(pbxCallIds)))", in: tx)
        {
            found[try row.decode(String.self, column: "PBX_CALL_ID"), default: []].append(try row.decode(String?.self, column: "RESULT"))
        }
        return found
    }
}
