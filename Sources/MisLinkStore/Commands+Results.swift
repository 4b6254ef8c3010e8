import Firebird

/// The intake's SQL of `MISLINK_COMMANDS`: the PBX's result notification ends a command.
extension Commands {
    /// Records the PBX's result for its `command_id`: `done` on success, else `failed` (a command already
    /// final keeps its status), with `DONE_AT`. Returns false when no command has that id (not sent by
    /// this database, or not recorded yet).
    public static func recordResult(pbxCommandId: String?, code: String, success: Bool, now: FirebirdTimestamp,
                                    in tx: some StoreTransaction) throws -> Bool {
        let status: CommandStatus = success ? .done : .failed
        return try tx.returnedID(
            """
            UPDATE MISLINK_COMMANDS SET RESULT_CODE = \(code),
                STATUS = CASE WHEN STATUS IN ('done', 'failed', 'cancelled') THEN STATUS ELSE CAST(\(status) AS VARCHAR(12)) END,
                DONE_AT = COALESCE(DONE_AT, \(now))
            WHERE PBX_COMMAND_ID = \(pbxCommandId)
            RETURNING ID
            """) != nil
    }
}
