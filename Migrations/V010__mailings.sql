/*
 * V010 -- mailings: a message (a template or a text) to a chosen list of
 * patients, sent within a daily window of clinic time at a limited rate.
 * Each recipient is a MISLINK_OUTBOX row with SOURCE = 'mailing' and
 * BATCH_ID = the mailing id; recipients refused at once (no consent, no
 * phone, deleted) are written as 'cancelled' rows with the reason in ERROR.
 *
 * Objects: sequence MISLINK_MAILINGS_SEQ; table MISLINK_MAILINGS and its
 *          BEFORE trigger MISLINK_MAILINGS_BIU; index MISLINK_OUTBOX_BATCH_IX;
 *          privileges of the roles MISLINK_WORKER and MISLINK_SCREEN on them.
 * Undo:    U010__mailings.sql
 * Needs:   V001..V008 (V009 does not touch these objects).
 *
 * Every *_AT column is UTC. WINDOW_START and WINDOW_END are clinic
 * wall-clock times 'HH:MM' (the worker's clinic_time_zone).
 */

SET TERM ^ ;

CREATE SEQUENCE MISLINK_MAILINGS_SEQ^

/* ------------------------------------------------------------------ */
/* MISLINK_MAILINGS                                                    */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_MAILINGS (
    ID                  BIGINT NOT NULL,
    TITLE               VARCHAR(200) CHARACTER SET UTF8 NOT NULL,
    KIND                VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    TEMPLATE_CODE       VARCHAR(63) CHARACTER SET ASCII,
    BODY                BLOB SUB_TYPE TEXT CHARACTER SET UTF8,
    CHANNEL             VARCHAR(16) CHARACTER SET ASCII DEFAULT 'messenger' NOT NULL,
    WINDOW_START        CHAR(5) CHARACTER SET ASCII DEFAULT '09:00' NOT NULL,
    WINDOW_END          CHAR(5) CHARACTER SET ASCII DEFAULT '21:00' NOT NULL,
    RATE_PER_MINUTE     INTEGER DEFAULT 0 NOT NULL,
    STATUS              VARCHAR(12) CHARACTER SET ASCII DEFAULT 'active' NOT NULL,
    RECIPIENTS          INTEGER DEFAULT 0 NOT NULL,
    QUEUED              INTEGER DEFAULT 0 NOT NULL,
    REFUSED             INTEGER DEFAULT 0 NOT NULL,
    STAFF_ID            INTEGER,
    NEXT_SLOT_AT        TIMESTAMP,
    CREATED_BY          VARCHAR(63) CHARACTER SET UTF8,
    CREATED_AT          TIMESTAMP NOT NULL,
    UPDATED_AT          TIMESTAMP NOT NULL,
    CONSTRAINT MISLINK_MAILINGS_PK PRIMARY KEY (ID),
    CONSTRAINT MISLINK_MAILINGS_KIND_CK
        CHECK (KIND IN ('reminder', 'results_ready', 'announcement')),
    CONSTRAINT MISLINK_MAILINGS_CHANNEL_CK CHECK (CHANNEL IN ('sms', 'whatsapp', 'telegram',
        'vk', 'viber', 'webchat', 'messenger')),
    CONSTRAINT MISLINK_MAILINGS_TEXT_CK
        CHECK (TEMPLATE_CODE IS NOT NULL OR BODY IS NOT NULL),
    CONSTRAINT MISLINK_MAILINGS_WINDOW_CK
        CHECK (WINDOW_START SIMILAR TO '[0-2][0-9]:[0-5][0-9]'
           AND WINDOW_END SIMILAR TO '[0-2][0-9]:[0-5][0-9]'),
    CONSTRAINT MISLINK_MAILINGS_RATE_CK CHECK (RATE_PER_MINUTE >= 0),
    CONSTRAINT MISLINK_MAILINGS_STATUS_CK CHECK (STATUS IN ('active', 'cancelled'))
)^

CREATE INDEX MISLINK_OUTBOX_BATCH_IX ON MISLINK_OUTBOX (BATCH_ID)^

CREATE TRIGGER MISLINK_MAILINGS_BIU FOR MISLINK_MAILINGS
ACTIVE BEFORE INSERT OR UPDATE POSITION 0
AS
BEGIN
    IF (INSERTING) THEN
    BEGIN
        IF (NEW.ID IS NULL) THEN
            NEW.ID = NEXT VALUE FOR MISLINK_MAILINGS_SEQ;
        IF (NEW.CREATED_BY IS NULL) THEN
            NEW.CREATED_BY = CURRENT_USER;
        IF (NEW.CREATED_AT IS NULL) THEN
            NEW.CREATED_AT = MISLINK_UTC_NOW();
        IF (NEW.UPDATED_AT IS NULL) THEN
            NEW.UPDATED_AT = NEW.CREATED_AT;
    END
    ELSE IF (NEW.UPDATED_AT IS NOT DISTINCT FROM OLD.UPDATED_AT) THEN
        NEW.UPDATED_AT = MISLINK_UTC_NOW();
END^

COMMENT ON TABLE MISLINK_MAILINGS IS
'Mailings to a list of patients; each recipient is a MISLINK_OUTBOX row with SOURCE mailing and BATCH_ID = ID. Times UTC, the window clinic time.'^
COMMENT ON COLUMN MISLINK_MAILINGS.ID IS 'Mailing id (filled by trigger); MISLINK_OUTBOX.BATCH_ID holds it as text.'^
COMMENT ON COLUMN MISLINK_MAILINGS.TITLE IS 'Name shown in lists.'^
COMMENT ON COLUMN MISLINK_MAILINGS.KIND IS 'reminder, results_ready, announcement.'^
COMMENT ON COLUMN MISLINK_MAILINGS.TEMPLATE_CODE IS 'MISLINK_TEMPLATES.CODE of the text (auto template), or NULL when BODY is given.'^
COMMENT ON COLUMN MISLINK_MAILINGS.BODY IS 'Text with placeholders ({patient_name}, {clinic_name}), when no template.'^
COMMENT ON COLUMN MISLINK_MAILINGS.CHANNEL IS 'sms, a messenger, or messenger (the patient messenger, else SMS when consented).'^
COMMENT ON COLUMN MISLINK_MAILINGS.WINDOW_START IS 'Clinic time HH:MM from which messages may go out each day.'^
COMMENT ON COLUMN MISLINK_MAILINGS.WINDOW_END IS 'Clinic time HH:MM (24:00 = midnight) after which they wait for the next day; before WINDOW_START = a window over midnight.'^
COMMENT ON COLUMN MISLINK_MAILINGS.RATE_PER_MINUTE IS 'Messages per minute of this mailing; 0 = only the channel limit.'^
COMMENT ON COLUMN MISLINK_MAILINGS.STATUS IS 'active or cancelled (pending rows are then cancelled).'^
COMMENT ON COLUMN MISLINK_MAILINGS.RECIPIENTS IS 'Patients asked for (distinct ids).'^
COMMENT ON COLUMN MISLINK_MAILINGS.QUEUED IS 'Recipients queued to send.'^
COMMENT ON COLUMN MISLINK_MAILINGS.REFUSED IS 'Recipients refused at once (no consent, no phone, deleted, unknown).'^
COMMENT ON COLUMN MISLINK_MAILINGS.STAFF_ID IS 'Employee who made it (STAFF.ID); SMS go from their extension.'^
COMMENT ON COLUMN MISLINK_MAILINGS.NEXT_SLOT_AT IS 'Worker bookkeeping: the earliest the next message may go at RATE_PER_MINUTE (shared by all workers), UTC.'^
COMMENT ON COLUMN MISLINK_MAILINGS.CREATED_BY IS 'Database user or API caller who made it.'^
COMMENT ON COLUMN MISLINK_MAILINGS.CREATED_AT IS 'Made, UTC.'^

/* ------------------------------------------------------------------ */
/* Privileges                                                          */
/* ------------------------------------------------------------------ */

GRANT USAGE ON SEQUENCE MISLINK_MAILINGS_SEQ TO TRIGGER MISLINK_MAILINGS_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_MAILINGS_BIU^

GRANT SELECT, INSERT, UPDATE, DELETE ON MISLINK_MAILINGS TO ROLE MISLINK_WORKER^
GRANT USAGE ON SEQUENCE MISLINK_MAILINGS_SEQ TO ROLE MISLINK_WORKER^
GRANT SELECT ON MISLINK_MAILINGS TO ROLE MISLINK_SCREEN^

SET TERM ; ^
