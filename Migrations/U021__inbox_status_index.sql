/*
 * U021 -- undo V021__inbox_status_index.sql: creates the index again.
 */

CREATE INDEX MISLINK_INBOX_STATUS_IX ON MISLINK_INBOX (STATUS);
