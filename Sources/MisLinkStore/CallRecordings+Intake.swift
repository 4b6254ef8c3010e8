import Firebird

/// `MISLINK_CALL_RECORDINGS.STATE` (`MISLINK_CALL_RECORDINGS_ST_CK`, V004).
public enum RecordingState: String, StoredEnum {
    /// The PBX started recording.
    case recording
    /// The PBX finished recording; not downloadable yet.
    case completed
    /// The PBX made it available: due for the downloader.
    case available
    case stored
    case tooShort = "too_short"
    case failed
    case deleted
}

/// The intake's SQL of `MISLINK_CALL_RECORDINGS` (one row per PBX `recording_id`): a recording moves
/// through `recording` → `completed` → `available` and never goes back.
extension CallRecordings {
    /// A `Started` (`.recording`) or `Completed` (`.completed`) event at `at`: the row of `pbxRecordingId`
    /// moves on (a later state stays), or is inserted for `call`.
    public static func recordProgress(_ state: RecordingState, pbxRecordingId: String?, call: Int64, at: FirebirdTimestamp?,
                                      now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        let started = state == .recording ? at : nil, completed = state == .completed ? at : nil
        let updated = try tx.returnedID(
            """
            UPDATE MISLINK_CALL_RECORDINGS SET
                STATE = CASE WHEN STATE IN ('available', 'stored', 'failed', 'too_short', 'deleted') THEN STATE
                             WHEN STATE = 'completed' THEN STATE ELSE \(state) END,
                STARTED_AT = COALESCE(STARTED_AT, \(started)), COMPLETED_AT = COALESCE(COMPLETED_AT, \(completed)), UPDATED_AT = \(now)
            WHERE PBX_RECORDING_ID = \(pbxRecordingId)
            RETURNING ID
            """)
        guard updated == nil else { return }
        try tx.execute(
            """
            INSERT INTO MISLINK_CALL_RECORDINGS (CALL_ID, PBX_RECORDING_ID, STATE, STARTED_AT, COMPLETED_AT, CREATED_AT,
                UPDATED_AT)
            VALUES (\(call), \(pbxRecordingId), \(state), \(started), \(completed), \(now), \(now))
            """)
    }

    /// The PBX made the recording available (`record/added` at `at`): due for the downloader now (unless
    /// already stored); and the call counts its recordings and links its first.
    public static func markAvailable(pbxRecordingId: String?, call: Int64, at: FirebirdTimestamp?, now: FirebirdTimestamp,
                                     in tx: some StoreTransaction) throws {
        let updated = try tx.returnedID(
            """
            UPDATE MISLINK_CALL_RECORDINGS SET STATE = CASE WHEN STATE = 'stored' THEN STATE ELSE 'available' END,
                NEXT_ATTEMPT_AT = \(now), UPDATED_AT = \(now), COMPLETED_AT = COALESCE(COMPLETED_AT, \(at))
            WHERE PBX_RECORDING_ID = \(pbxRecordingId)
            RETURNING ID
            """)
        if updated == nil {
            try tx.execute(
                """
                INSERT INTO MISLINK_CALL_RECORDINGS (CALL_ID, PBX_RECORDING_ID, STATE, COMPLETED_AT, NEXT_ATTEMPT_AT,
                    CREATED_AT, UPDATED_AT)
                VALUES (\(call), \(pbxRecordingId), 'available', \(at), \(now), \(now), \(now))
                """)
        }
        try tx.execute(
            """
            UPDATE MISLINK_CALLS SET RECORDING_ID = COALESCE(RECORDING_ID, \(pbxRecordingId)), UPDATED_AT = \(now),
                RECORDING_COUNT = (SELECT COUNT(*) FROM MISLINK_CALL_RECORDINGS R WHERE R.CALL_ID = \(call)),
                RECORDING_URL = '/api/v1/calls/' || ID || '/recordings/1'
            WHERE ID = \(call)
            """)
    }
}
