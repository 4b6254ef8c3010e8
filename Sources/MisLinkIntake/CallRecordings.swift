import Firebird
import MisLinkExternalAPIs

/// Recording events into `MISLINK_CALL_RECORDINGS` (one row per `recording_id`):
/// `events/recording` Started / Completed move it through `recording` → `completed`;
/// `events/record/added` makes it `available`, due at once for the worker's recording fetcher, which
/// downloads it through `queries/recording/post` and marks it `stored`. A recording whose call is not
/// known (yet) is kept in the inbox as `received`.
extension CallLogApplier {
    func applyRecording(_ event: MangoRecordingEvent, in context: ApplyContext) throws -> IntakeOutcome {
        guard let callID = try knownCall(event.entryId, in: context) else { return .stored }
        let state: String
        switch event.recordingState.lowercased() {
        case "started": state = "recording"
        case "completed": state = "completed"
        default: return .stored
        }
        let at = try context.utc(epoch: event.timestamp, field: "timestamp")
        let started: FirebirdValue = state == "recording" ? at : .null
        let completed: FirebirdValue = state == "completed" ? at : .null
        // A later state never goes back: available, stored and failed stay.
        let updated = try context.firstRow(
            """
            UPDATE MISLINK_CALL_RECORDINGS SET
                STATE = CASE WHEN STATE IN ('available', 'stored', 'failed', 'too_short', 'deleted') THEN STATE
                             WHEN STATE = 'completed' THEN STATE ELSE ? END,
                STARTED_AT = COALESCE(STARTED_AT, ?), COMPLETED_AT = COALESCE(COMPLETED_AT, ?), UPDATED_AT = ?
            WHERE PBX_RECORDING_ID = ?
            RETURNING ID
            """, [.text(state), started, completed, context.now, .ascii(event.recordingId, limit: 128)])
        if updated == nil {
            try context.execute(
                """
                INSERT INTO MISLINK_CALL_RECORDINGS (CALL_ID, PBX_RECORDING_ID, STATE, STARTED_AT, COMPLETED_AT, CREATED_AT,
                    UPDATED_AT)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [.bigint(callID), .ascii(event.recordingId, limit: 128), .text(state), started, completed, context.now, context.now])
        }
        return .applied
    }

    func applyRecordAdded(_ event: MangoRecordAddedEvent, in context: ApplyContext) throws -> IntakeOutcome {
        guard let callID = try knownCall(event.entryId, in: context) else { return .stored }
        let at = try context.utc(epoch: event.timestamp, field: "timestamp")
        let updated = try context.firstRow(
            """
            UPDATE MISLINK_CALL_RECORDINGS SET STATE = CASE WHEN STATE = 'stored' THEN STATE ELSE 'available' END,
                NEXT_ATTEMPT_AT = ?, UPDATED_AT = ?, COMPLETED_AT = COALESCE(COMPLETED_AT, ?)
            WHERE PBX_RECORDING_ID = ?
            RETURNING ID
            """, [context.now, context.now, at, .ascii(event.recordingId, limit: 128)])
        if updated == nil {
            try context.execute(
                """
                INSERT INTO MISLINK_CALL_RECORDINGS (CALL_ID, PBX_RECORDING_ID, STATE, COMPLETED_AT, NEXT_ATTEMPT_AT,
                    CREATED_AT, UPDATED_AT)
                VALUES (?, ?, 'available', ?, ?, ?, ?)
                """,
                [.bigint(callID), .ascii(event.recordingId, limit: 128), at, context.now,
                 context.now, context.now])
        }
        try context.execute(
            """
            UPDATE MISLINK_CALLS SET RECORDING_ID = COALESCE(RECORDING_ID, ?), UPDATED_AT = ?,
                RECORDING_COUNT = (SELECT COUNT(*) FROM MISLINK_CALL_RECORDINGS R WHERE R.CALL_ID = ?),
                RECORDING_URL = '/api/v1/calls/' || ID || '/recordings/1'
            WHERE ID = ?
            """, [.ascii(event.recordingId, limit: 128), context.now, .bigint(callID), .bigint(callID)])
        return .applied
    }

    private func knownCall(_ entryID: String, in context: ApplyContext) throws -> Int64? {
        guard !entryID.isEmpty else { return nil }
        if let id = context.ids["call:" + entryID] { return id }
        guard let row = try context.firstRow("SELECT ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.ascii(entryID, limit: 128)]),
              let id = row[0].int64Value else { return nil }
        context.ids.remember("call:" + entryID, id)
        return id
    }
}
