/*
 * V021 -- inbox_status_index: drops MISLINK_INBOX_STATUS_IX (STATUS).
 *
 * Every stored webhook inserts a row into MISLINK_INBOX, and every index on
 * it is one more page the committing transaction writes; with forced writes
 * that is one more synchronous write to the disk in the webhook's
 * acknowledgement (about 0.8 of the 22 pages a lone event's transaction
 * writes, README "What bounds the intake"). MISLINK_INBOX_RETRY_IX
 * (STATUS, NEXT_ATTEMPT_AT, V012) begins with STATUS, so the lookups by
 * status (the retrier, the REST inbox list, the counts by status) use it
 * instead, as they would have used the dropped one.
 *
 * Objects: index MISLINK_INBOX_STATUS_IX (dropped).
 * Undo:    U021__inbox_status_index.sql
 * Needs:   V007 (the index), V012 (MISLINK_INBOX_RETRY_IX).
 */

DROP INDEX MISLINK_INBOX_STATUS_IX;
