import Firebird
import Foundation

/// A recording the PBX made available and MisLink has not stored yet, read by column name.
public struct PendingRecording: Sendable, Hashable, Decodable {
    public var id: Int64
    public var pbxRecordingId: String
    /// Download attempts so far.
    public var attempts: Int
}

/// The downloader's SQL of `MISLINK_CALL_RECORDINGS`: which recordings are due, claiming one (several
/// workers may download), and what the download came to.
///
/// A row is claimed by moving its `NEXT_ATTEMPT_AT` past the download (and counting the attempt) in a
/// short NO WAIT transaction: another worker's claim in flight is a lock conflict, a committed one makes
/// the row no longer due, so only one worker downloads it.
public enum CallRecordings {
    /// `available` recordings due at `now`, at most `limit`, oldest first.
    public static func due(now: Date, limit: Int, in tx: Transaction) throws -> [PendingRecording] {
        let now = FirebirdTimestamp(now, in: DatabaseClock.utc)
        return try tx.attachment.query(
            """
            SELECT FIRST (\(max(limit, 0))) ID, PBX_RECORDING_ID, ATTEMPTS FROM MISLINK_CALL_RECORDINGS
             WHERE STATE = 'available' AND (NEXT_ATTEMPT_AT IS NULL OR NEXT_ATTEMPT_AT <= \(now)) ORDER BY ID
            """, as: PendingRecording.self, in: tx)
    }

    /// Claims recording `id` until `until` and counts the attempt; false when it is no longer due at `now`.
    /// Run it in a ``TransactionOptions/claim`` transaction (a lock conflict: another worker has it).
    public static func claim(_ id: Int64, until: Date, now: Date, in tx: Transaction) throws -> Bool {
        try tx.attachment.execute(
            """
            UPDATE MISLINK_CALL_RECORDINGS SET NEXT_ATTEMPT_AT = \(FirebirdTimestamp(until, in: DatabaseClock.utc)),
                   ATTEMPTS = ATTEMPTS + 1
             WHERE ID = \(id) AND STATE = 'available'
               AND (NEXT_ATTEMPT_AT IS NULL OR NEXT_ATTEMPT_AT <= \(FirebirdTimestamp(now, in: DatabaseClock.utc)))
            """, in: tx) == 1
    }

    /// The file is stored: its path (relative to `recordings.directory`), size and type.
    public static func markStored(_ id: Int64, path: String, size: Int64, contentType: String, at now: Date,
                                  in tx: Transaction) throws {
        let now = FirebirdTimestamp(now, in: DatabaseClock.utc)
        try tx.attachment.execute(
            """
            UPDATE MISLINK_CALL_RECORDINGS SET STATE = 'stored', FILE_PATH = \(path), FILE_SIZE = \(size),
                   CONTENT_TYPE = \(contentType), STORED_AT = \(now), ERROR = NULL, UPDATED_AT = \(now)
             WHERE ID = \(id)
            """, in: tx)
    }

    /// A download failed: tried again at `next`, or `failed` for good (`giveUp`), with the error.
    public static func markAttemptFailed(_ id: Int64, giveUp: Bool, next: Date, error: String, at now: Date,
                                         in tx: Transaction) throws {
        let state: String = giveUp ? "failed" : "available"
        try tx.attachment.execute(
            """
            UPDATE MISLINK_CALL_RECORDINGS SET STATE = \(state),
                   NEXT_ATTEMPT_AT = \(FirebirdTimestamp(next, in: DatabaseClock.utc)), ERROR = \(String(error.prefix(1000))),
                   UPDATED_AT = \(FirebirdTimestamp(now, in: DatabaseClock.utc))
             WHERE ID = \(id)
            """, in: tx)
    }
}
