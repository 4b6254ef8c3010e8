/*
 * U012 -- undo V012__quarantine_and_retries.sql: drops MISLINK_QUARANTINE
 * (with the events kept in it), its sequence, the inbox's retry index and
 * NEXT_ATTEMPT_AT, and restores the inbox's status check; inbox rows that
 * were waiting for a retry become 'failed' (DML last, after the DDL).
 */

DROP INDEX MISLINK_INBOX_RETRY_IX;
ALTER TABLE MISLINK_INBOX DROP CONSTRAINT MISLINK_INBOX_STATUS_CK;
ALTER TABLE MISLINK_INBOX ADD CONSTRAINT MISLINK_INBOX_STATUS_CK
    CHECK (STATUS IN ('received', 'processed', 'skipped', 'failed'));
ALTER TABLE MISLINK_INBOX DROP NEXT_ATTEMPT_AT;
DROP TABLE MISLINK_QUARANTINE;
DROP SEQUENCE MISLINK_QUARANTINE_SEQ;
COMMENT ON COLUMN MISLINK_INBOX.STATUS IS
'received, processed, skipped (duplicate or older than the state applied), failed.';
UPDATE MISLINK_INBOX SET STATUS = 'failed' WHERE STATUS = 'retrying';
