/*
 * U010 -- undo V010__mailings.sql: drops the index MISLINK_OUTBOX_BATCH_IX,
 * the table MISLINK_MAILINGS (with its trigger and the roles' privileges on
 * it) and its sequence. The outbox rows of mailings stay, with BATCH_ID.
 */

DROP INDEX MISLINK_OUTBOX_BATCH_IX;
DROP TABLE MISLINK_MAILINGS;
DROP SEQUENCE MISLINK_MAILINGS_SEQ;
