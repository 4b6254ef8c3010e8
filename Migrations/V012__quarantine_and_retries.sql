/*
 * V012 -- quarantine_and_retries: a place for events the intake cannot
 * store or apply, and inbox rows that wait for another attempt.
 *
 * Objects: sequence MISLINK_QUARANTINE_SEQ; table MISLINK_QUARANTINE with
 *          its BEFORE INSERT trigger; the inbox's status check now also
 *          allows 'retrying'; index MISLINK_INBOX_RETRY_IX; the worker role's
 *          privileges on the new table.
 * Undo:    U012__quarantine_and_retries.sql
 * Needs:   V001..V008.
 *
 * MISLINK_QUARANTINE keeps an event whole and raw (PAYLOAD is a binary
 * BLOB, so any bytes fit) together with why it was put there; none of its
 * columns needs a parsed field of the event, and all but the key and the
 * times may be NULL. A poison event is acknowledged to its sender (it must
 * not retry it forever), kept here, and never blocks the events after it.
 * `mislink inbox retry --quarantine` (or POST /api/v1/quarantine/retry)
 * submits kept events again after a fix; RELEASED_AT records when one went
 * through.
 *
 * MISLINK_INBOX.STATUS 'retrying': the event is stored but could not be
 * applied for a reason that passes (a lock conflict or timeout, a lost
 * connection); the worker applies it again later (ATTEMPTS counts the
 * tries, ERROR holds the last one, NEXT_ATTEMPT_AT when to try again).
 * Only deterministic errors make an event 'failed'.
 */

SET TERM ^ ;

CREATE SEQUENCE MISLINK_QUARANTINE_SEQ^

CREATE TABLE MISLINK_QUARANTINE (
    ID                  BIGINT NOT NULL,
    SOURCE              VARCHAR(16) CHARACTER SET ASCII,
    EVENT_TYPE          VARCHAR(63) CHARACTER SET ASCII,
    DELIVERY_KEY        VARCHAR(255) CHARACTER SET ASCII,
    FORM                VARCHAR(16) CHARACTER SET ASCII DEFAULT 'payload' NOT NULL,
    PAYLOAD             BLOB SUB_TYPE BINARY,
    PAYLOAD_BYTES       INTEGER,
    REMOTE_ADDR         VARCHAR(45) CHARACTER SET ASCII,
    REASON              VARCHAR(1000) CHARACTER SET UTF8,
    STAGE               VARCHAR(16) CHARACTER SET ASCII,
    RECEIVED_AT         TIMESTAMP,
    QUARANTINED_AT      TIMESTAMP NOT NULL,
    RETRIES             INTEGER DEFAULT 0 NOT NULL,
    LAST_RETRY_AT       TIMESTAMP,
    LAST_RETRY_ERROR    VARCHAR(1000) CHARACTER SET UTF8,
    RELEASED_AT         TIMESTAMP,
    CONSTRAINT MISLINK_QUARANTINE_PK PRIMARY KEY (ID)
)^

CREATE INDEX MISLINK_QUARANTINE_AT_IX ON MISLINK_QUARANTINE (QUARANTINED_AT)^

CREATE TRIGGER MISLINK_QUARANTINE_BI FOR MISLINK_QUARANTINE
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = NEXT VALUE FOR MISLINK_QUARANTINE_SEQ;
    IF (NEW.QUARANTINED_AT IS NULL) THEN
        NEW.QUARANTINED_AT = MISLINK_UTC_NOW();
END^

COMMENT ON TABLE MISLINK_QUARANTINE IS
'Events the intake could not store or apply, kept whole and raw with the reason; acknowledged to the sender, never blocking later events. Times UTC.'^
COMMENT ON COLUMN MISLINK_QUARANTINE.SOURCE IS 'Sender as the route knew it: mango, chatwoot, edna; NULL when unknown.'^
COMMENT ON COLUMN MISLINK_QUARANTINE.EVENT_TYPE IS 'Event type as received, ASCII-safe and cut to 63; may be NULL.'^
COMMENT ON COLUMN MISLINK_QUARANTINE.DELIVERY_KEY IS 'Delivery key if one was made, ASCII-safe and cut to 255; not unique.'^
COMMENT ON COLUMN MISLINK_QUARANTINE.FORM IS 'payload: PAYLOAD is the event body as received; spool-record: PAYLOAD is a spool record (JSON); spool-bytes: unreadable bytes of a spool segment.'^
COMMENT ON COLUMN MISLINK_QUARANTINE.PAYLOAD IS 'The bytes, whole.'^
COMMENT ON COLUMN MISLINK_QUARANTINE.REASON IS 'Why it is here (the error; key values of database messages removed).'^
COMMENT ON COLUMN MISLINK_QUARANTINE.STAGE IS 'Where it failed: inbox (storing it), apply, replay (from the spool), decode.'^
COMMENT ON COLUMN MISLINK_QUARANTINE.RELEASED_AT IS 'When a retry stored it in MISLINK_INBOX; NULL while held.'^

ALTER TABLE MISLINK_INBOX DROP CONSTRAINT MISLINK_INBOX_STATUS_CK^
ALTER TABLE MISLINK_INBOX ADD CONSTRAINT MISLINK_INBOX_STATUS_CK
    CHECK (STATUS IN ('received', 'processed', 'skipped', 'failed', 'retrying'))^
ALTER TABLE MISLINK_INBOX ADD NEXT_ATTEMPT_AT TIMESTAMP^
COMMENT ON COLUMN MISLINK_INBOX.NEXT_ATTEMPT_AT IS 'For STATUS retrying: when the worker applies the event again, UTC.'^
COMMENT ON COLUMN MISLINK_INBOX.STATUS IS 'received, processed, skipped (duplicate or older than the state applied), failed (a deterministic error), retrying (a passing error; applied again later).'^

CREATE INDEX MISLINK_INBOX_RETRY_IX ON MISLINK_INBOX (STATUS, NEXT_ATTEMPT_AT)^

GRANT USAGE ON SEQUENCE MISLINK_QUARANTINE_SEQ TO TRIGGER MISLINK_QUARANTINE_BI^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_QUARANTINE_BI^
GRANT SELECT, INSERT, UPDATE, DELETE ON MISLINK_QUARANTINE TO ROLE MISLINK_WORKER^
GRANT USAGE ON SEQUENCE MISLINK_QUARANTINE_SEQ TO ROLE MISLINK_WORKER^

SET TERM ; ^
