/*
 * V007 -- what comes in, what goes out: the event inbox, the outbox of
 * messages and PBX commands, the commands MIS screens request, message
 * templates, and the SCHEDULE trigger that queues booking messages.
 *
 * Objects: sequences MISLINK_INBOX_SEQ, MISLINK_COMMANDS_SEQ,
 *          MISLINK_OUTBOX_SEQ; tables MISLINK_INBOX, MISLINK_COMMANDS,
 *          MISLINK_OUTBOX, MISLINK_TEMPLATES; their BEFORE triggers; event
 *          triggers MISLINK_COMMANDS_EVENT (MISLINK_COMMAND,
 *          MISLINK_COMMAND_<staff id>) and MISLINK_OUTBOX_EVENT
 *          (MISLINK_OUTBOX); trigger MISLINK_SCHEDULE_MESSAGES on the MIS
 *          table SCHEDULE.
 * Undo:    U007__inbox_outbox_commands.sql
 * Needs:   V001..V006.
 *
 * Every *_AT column is UTC. SCHEDULE.START_AT is clinic wall-clock time; it
 * is converted with the setting clinic.utc_offset_minutes.
 */

SET TERM ^ ;

CREATE SEQUENCE MISLINK_INBOX_SEQ^
CREATE SEQUENCE MISLINK_COMMANDS_SEQ^
CREATE SEQUENCE MISLINK_OUTBOX_SEQ^

/* ------------------------------------------------------------------ */
/* MISLINK_INBOX                                                       */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_INBOX (
    ID                  BIGINT NOT NULL,
    SOURCE              VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    DELIVERY_KEY        VARCHAR(255) CHARACTER SET ASCII NOT NULL,
    EVENT_TYPE          VARCHAR(63) CHARACTER SET ASCII NOT NULL,
    OBJECT_ID           VARCHAR(128) CHARACTER SET ASCII,
    PAYLOAD             BLOB SUB_TYPE TEXT CHARACTER SET UTF8,
    REMOTE_ADDR         VARCHAR(45) CHARACTER SET ASCII,
    STATUS              VARCHAR(12) CHARACTER SET ASCII DEFAULT 'received' NOT NULL,
    ATTEMPTS            SMALLINT DEFAULT 0 NOT NULL,
    ERROR               VARCHAR(1000) CHARACTER SET UTF8,
    RECEIVED_AT         TIMESTAMP NOT NULL,
    PROCESSED_AT        TIMESTAMP,
    CONSTRAINT MISLINK_INBOX_PK PRIMARY KEY (ID),
    CONSTRAINT MISLINK_INBOX_DELIVERY_UQ UNIQUE (DELIVERY_KEY),
    CONSTRAINT MISLINK_INBOX_STATUS_CK
        CHECK (STATUS IN ('received', 'processed', 'skipped', 'failed'))
)^

CREATE INDEX MISLINK_INBOX_STATUS_IX ON MISLINK_INBOX (STATUS)^
CREATE INDEX MISLINK_INBOX_RECEIVED_IX ON MISLINK_INBOX (RECEIVED_AT)^

CREATE TRIGGER MISLINK_INBOX_BI FOR MISLINK_INBOX
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = NEXT VALUE FOR MISLINK_INBOX_SEQ;
    IF (NEW.RECEIVED_AT IS NULL) THEN
        NEW.RECEIVED_AT = MISLINK_UTC_NOW();
END^

COMMENT ON TABLE MISLINK_INBOX IS
'Every event received from the PBX or the chat platform, stored before it is acknowledged; a repeated delivery is recognised by DELIVERY_KEY. Times UTC.'^
COMMENT ON COLUMN MISLINK_INBOX.SOURCE IS 'Sender: mango, edna, chatwoot, ...'^
COMMENT ON COLUMN MISLINK_INBOX.DELIVERY_KEY IS 'Idempotency key of the delivery, e.g. mango:call:<call_id>:<seq>; unique.'^
COMMENT ON COLUMN MISLINK_INBOX.EVENT_TYPE IS 'Event type as received (events/call, events/summary, MESSAGE, conversation_updated, ...).'^
COMMENT ON COLUMN MISLINK_INBOX.OBJECT_ID IS 'Call, thread or command the event is about (entry_id, thread id, command_id).'^
COMMENT ON COLUMN MISLINK_INBOX.PAYLOAD IS 'Body as received (UTF8 text BLOB).'^
COMMENT ON COLUMN MISLINK_INBOX.STATUS IS 'received, processed, skipped (duplicate or older than the state applied), failed.'^
COMMENT ON COLUMN MISLINK_INBOX.ATTEMPTS IS 'Processing attempts.'^
COMMENT ON COLUMN MISLINK_INBOX.ERROR IS 'Last processing error.'^
COMMENT ON COLUMN MISLINK_INBOX.RECEIVED_AT IS 'Received, UTC.'^
COMMENT ON COLUMN MISLINK_INBOX.PROCESSED_AT IS 'Applied to the domain tables, UTC.'^

/* ------------------------------------------------------------------ */
/* MISLINK_COMMANDS                                                    */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_COMMANDS (
    ID                  BIGINT NOT NULL,
    KIND                VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    STAFF_ID            INTEGER NOT NULL,
    TARGET              VARCHAR(128) CHARACTER SET UTF8,
    CALL_ID             BIGINT,
    THREAD_ID           BIGINT,
    PATIENT_ID          INTEGER,
    APPEAL_ID           INTEGER,
    SCHEDULE_ID         INTEGER,
    PAYLOAD             BLOB SUB_TYPE TEXT CHARACTER SET UTF8,
    STATUS              VARCHAR(12) CHARACTER SET ASCII DEFAULT 'new' NOT NULL,
    RESULT_CODE         VARCHAR(32) CHARACTER SET ASCII,
    RESULT              VARCHAR(1000) CHARACTER SET UTF8,
    PBX_COMMAND_ID      VARCHAR(128) CHARACTER SET ASCII,
    CLAIMED_BY          VARCHAR(63) CHARACTER SET UTF8,
    CLAIMED_UNTIL       TIMESTAMP,
    CREATED_BY          VARCHAR(63) CHARACTER SET UTF8,
    CREATED_AT          TIMESTAMP NOT NULL,
    UPDATED_AT          TIMESTAMP NOT NULL,
    DONE_AT             TIMESTAMP,
    CONSTRAINT MISLINK_COMMANDS_PK PRIMARY KEY (ID),
    CONSTRAINT MISLINK_COMMANDS_PBX_UQ UNIQUE (PBX_COMMAND_ID),
    CONSTRAINT MISLINK_COMMANDS_CALL_FK FOREIGN KEY (CALL_ID)
        REFERENCES MISLINK_CALLS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_COMMANDS_THREAD_FK FOREIGN KEY (THREAD_ID)
        REFERENCES MISLINK_CHAT_THREADS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_COMMANDS_KIND_CK
        CHECK (KIND IN ('call', 'transfer', 'hangup', 'record', 'message')),
    CONSTRAINT MISLINK_COMMANDS_STATUS_CK
        CHECK (STATUS IN ('new', 'processing', 'sent', 'done', 'failed', 'cancelled'))
)^

CREATE INDEX MISLINK_COMMANDS_STATUS_IX ON MISLINK_COMMANDS (STATUS)^
CREATE INDEX MISLINK_COMMANDS_STAFF_IX ON MISLINK_COMMANDS (STAFF_ID)^

CREATE TRIGGER MISLINK_COMMANDS_BIU FOR MISLINK_COMMANDS
ACTIVE BEFORE INSERT OR UPDATE POSITION 0
AS
BEGIN
    IF (INSERTING) THEN
    BEGIN
        IF (NEW.ID IS NULL) THEN
            NEW.ID = NEXT VALUE FOR MISLINK_COMMANDS_SEQ;
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

/* MISLINK_COMMAND wakes the worker; MISLINK_COMMAND_<staff id> tells the
   requesting screen that its command changed status. */
CREATE TRIGGER MISLINK_COMMANDS_EVENT FOR MISLINK_COMMANDS
ACTIVE AFTER INSERT OR UPDATE POSITION 100
AS
BEGIN
    IF (INSERTING) THEN
        POST_EVENT 'MISLINK_COMMAND';
    ELSE IF (NEW.STATUS IS DISTINCT FROM OLD.STATUS) THEN
    BEGIN
        POST_EVENT 'MISLINK_COMMAND_' || NEW.STAFF_ID;
        IF (NEW.STATUS = 'new') THEN
            POST_EVENT 'MISLINK_COMMAND';
    END
END^

COMMENT ON TABLE MISLINK_COMMANDS IS
'Requests from MIS screens: insert a row (KIND, STAFF_ID, TARGET ...) and the worker carries it out and writes STATUS and RESULT back. Times UTC.'^
COMMENT ON COLUMN MISLINK_COMMANDS.ID IS 'Command id (filled by trigger).'^
COMMENT ON COLUMN MISLINK_COMMANDS.KIND IS 'call (click-to-call from STAFF_ID extension to TARGET), transfer (CALL_ID to TARGET), hangup (CALL_ID), record (start recording CALL_ID), message (send PAYLOAD to TARGET or THREAD_ID).'^
COMMENT ON COLUMN MISLINK_COMMANDS.STAFF_ID IS 'Employee asking (STAFF.ID); calls ring this employee extension first.'^
COMMENT ON COLUMN MISLINK_COMMANDS.TARGET IS 'Number, extension or group to call or transfer to; message recipient (phone) when THREAD_ID is NULL.'^
COMMENT ON COLUMN MISLINK_COMMANDS.CALL_ID IS 'MISLINK_CALLS.ID for transfer, hangup, record.'^
COMMENT ON COLUMN MISLINK_COMMANDS.THREAD_ID IS 'MISLINK_CHAT_THREADS.ID to write a message into.'^
COMMENT ON COLUMN MISLINK_COMMANDS.PATIENT_ID IS 'Patient the command is about (PATIENTS.ID), optional.'^
COMMENT ON COLUMN MISLINK_COMMANDS.APPEAL_ID IS 'Appeal the command belongs to (APPEALS.ID), optional.'^
COMMENT ON COLUMN MISLINK_COMMANDS.SCHEDULE_ID IS 'Booking the command was started from (SCHEDULE.ID), optional.'^
COMMENT ON COLUMN MISLINK_COMMANDS.PAYLOAD IS 'Message text, or JSON options (transfer method blind/hold, channel).'^
COMMENT ON COLUMN MISLINK_COMMANDS.STATUS IS 'new (waiting), processing (taken by a worker), sent (accepted by the PBX/platform, result pending), done, failed, cancelled. Screens may set new -> cancelled.'^
COMMENT ON COLUMN MISLINK_COMMANDS.RESULT_CODE IS 'Result code (Mango 1000, 4101, ...; HTTP status).'^
COMMENT ON COLUMN MISLINK_COMMANDS.RESULT IS 'Result text for the user.'^
COMMENT ON COLUMN MISLINK_COMMANDS.PBX_COMMAND_ID IS 'command_id sent to the PBX, to match its result.'^
COMMENT ON COLUMN MISLINK_COMMANDS.CREATED_BY IS 'Database user who inserted the row.'^
COMMENT ON COLUMN MISLINK_COMMANDS.CREATED_AT IS 'Requested, UTC.'^
COMMENT ON COLUMN MISLINK_COMMANDS.UPDATED_AT IS 'Last change, UTC.'^
COMMENT ON COLUMN MISLINK_COMMANDS.DONE_AT IS 'Finished (done, failed, cancelled), UTC.'^

/* ------------------------------------------------------------------ */
/* MISLINK_OUTBOX                                                      */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_OUTBOX (
    ID                  BIGINT NOT NULL,
    KIND                VARCHAR(12) CHARACTER SET ASCII DEFAULT 'message' NOT NULL,
    CHANNEL             VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    RECIPIENT           VARCHAR(128) CHARACTER SET UTF8,
    PHONE_KEY           VARCHAR(20) CHARACTER SET ASCII,
    THREAD_ID           BIGINT,
    TEMPLATE_CODE       VARCHAR(63) CHARACTER SET ASCII,
    PARAMS              BLOB SUB_TYPE TEXT CHARACTER SET UTF8,
    BODY                BLOB SUB_TYPE TEXT CHARACTER SET UTF8,
    IDEMPOTENCY_KEY     VARCHAR(128) CHARACTER SET ASCII NOT NULL,
    STATUS              VARCHAR(12) CHARACTER SET ASCII DEFAULT 'pending' NOT NULL,
    ATTEMPTS            SMALLINT DEFAULT 0 NOT NULL,
    NEXT_ATTEMPT_AT     TIMESTAMP NOT NULL,
    EXPIRES_AT          TIMESTAMP,
    CLAIMED_BY          VARCHAR(63) CHARACTER SET UTF8,
    CLAIMED_UNTIL       TIMESTAMP,
    PROVIDER_MESSAGE_ID VARCHAR(128) CHARACTER SET ASCII,
    RESULT_CODE         VARCHAR(32) CHARACTER SET ASCII,
    ERROR               VARCHAR(1000) CHARACTER SET UTF8,
    PATIENT_ID          INTEGER,
    APPEAL_ID           INTEGER,
    SCHEDULE_ID         INTEGER,
    COMMAND_ID          BIGINT,
    STAFF_ID            INTEGER,
    BATCH_ID            VARCHAR(64) CHARACTER SET UTF8,
    SOURCE              VARCHAR(12) CHARACTER SET ASCII DEFAULT 'mis' NOT NULL,
    CREATED_AT          TIMESTAMP NOT NULL,
    UPDATED_AT          TIMESTAMP NOT NULL,
    SENT_AT             TIMESTAMP,
    CONSTRAINT MISLINK_OUTBOX_PK PRIMARY KEY (ID),
    CONSTRAINT MISLINK_OUTBOX_IDEMPOTENCY_UQ UNIQUE (IDEMPOTENCY_KEY),
    CONSTRAINT MISLINK_OUTBOX_THREAD_FK FOREIGN KEY (THREAD_ID)
        REFERENCES MISLINK_CHAT_THREADS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_OUTBOX_COMMAND_FK FOREIGN KEY (COMMAND_ID)
        REFERENCES MISLINK_COMMANDS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_OUTBOX_KIND_CK CHECK (KIND IN ('message', 'pbx_command')),
    CONSTRAINT MISLINK_OUTBOX_CHANNEL_CK CHECK (CHANNEL IN ('sms', 'whatsapp', 'telegram',
        'vk', 'viber', 'webchat', 'email', 'messenger', 'pbx')),
    CONSTRAINT MISLINK_OUTBOX_STATUS_CK
        CHECK (STATUS IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    CONSTRAINT MISLINK_OUTBOX_SOURCE_CK
        CHECK (SOURCE IN ('schedule', 'mis', 'worker', 'api', 'mailing'))
)^

CREATE INDEX MISLINK_OUTBOX_DUE_IX ON MISLINK_OUTBOX (STATUS, NEXT_ATTEMPT_AT)^
CREATE INDEX MISLINK_OUTBOX_SCHEDULE_IX ON MISLINK_OUTBOX (SCHEDULE_ID)^
CREATE INDEX MISLINK_OUTBOX_PATIENT_IX ON MISLINK_OUTBOX (PATIENT_ID)^

CREATE TRIGGER MISLINK_OUTBOX_BIU FOR MISLINK_OUTBOX
ACTIVE BEFORE INSERT OR UPDATE POSITION 0
AS
BEGIN
    IF (INSERTING) THEN
    BEGIN
        IF (NEW.ID IS NULL) THEN
            NEW.ID = NEXT VALUE FOR MISLINK_OUTBOX_SEQ;
        IF (NEW.IDEMPOTENCY_KEY IS NULL) THEN
            NEW.IDEMPOTENCY_KEY = 'outbox:' || NEW.ID;
        IF (NEW.CREATED_AT IS NULL) THEN
            NEW.CREATED_AT = MISLINK_UTC_NOW();
        IF (NEW.NEXT_ATTEMPT_AT IS NULL) THEN
            NEW.NEXT_ATTEMPT_AT = NEW.CREATED_AT;
        IF (NEW.UPDATED_AT IS NULL) THEN
            NEW.UPDATED_AT = NEW.CREATED_AT;
    END
    ELSE IF (NEW.UPDATED_AT IS NOT DISTINCT FROM OLD.UPDATED_AT) THEN
        NEW.UPDATED_AT = MISLINK_UTC_NOW();
END^

/* MISLINK_OUTBOX wakes the worker when there is something (new) to send. */
CREATE TRIGGER MISLINK_OUTBOX_EVENT FOR MISLINK_OUTBOX
ACTIVE AFTER INSERT OR UPDATE POSITION 100
AS
BEGIN
    IF (NEW.STATUS = 'pending') THEN
        IF (INSERTING OR OLD.STATUS IS DISTINCT FROM 'pending'
            OR NEW.NEXT_ATTEMPT_AT IS DISTINCT FROM OLD.NEXT_ATTEMPT_AT) THEN
            POST_EVENT 'MISLINK_OUTBOX';
END^

COMMENT ON TABLE MISLINK_OUTBOX IS
'Messages and PBX commands to send, written by the SCHEDULE trigger, the MIS and the worker; the worker claims, sends and records each once. Times UTC.'^
COMMENT ON COLUMN MISLINK_OUTBOX.ID IS 'Outbox id (filled by trigger).'^
COMMENT ON COLUMN MISLINK_OUTBOX.KIND IS 'message or pbx_command.'^
COMMENT ON COLUMN MISLINK_OUTBOX.CHANNEL IS 'sms, whatsapp, telegram, vk, viber, webchat, email, messenger (the worker picks the patient messenger, falling back to sms when consented), pbx.'^
COMMENT ON COLUMN MISLINK_OUTBOX.RECIPIENT IS 'Phone key, chat handle or e-mail address.'^
COMMENT ON COLUMN MISLINK_OUTBOX.PHONE_KEY IS 'Phone key of the recipient, when a phone.'^
COMMENT ON COLUMN MISLINK_OUTBOX.THREAD_ID IS 'Chat thread to answer in (MISLINK_CHAT_THREADS.ID), optional.'^
COMMENT ON COLUMN MISLINK_OUTBOX.TEMPLATE_CODE IS 'Template (MISLINK_TEMPLATES.CODE): booking_confirmed, booking_moved, booking_cancelled, booking_reminder, ...'^
COMMENT ON COLUMN MISLINK_OUTBOX.PARAMS IS 'Template parameters as JSON (ids and clinic-local times).'^
COMMENT ON COLUMN MISLINK_OUTBOX.BODY IS 'Text to send; when NULL the worker renders TEMPLATE_CODE with PARAMS.'^
COMMENT ON COLUMN MISLINK_OUTBOX.IDEMPOTENCY_KEY IS 'Unique key also sent to the provider so a retry never delivers twice; defaults to outbox:<ID>.'^
COMMENT ON COLUMN MISLINK_OUTBOX.STATUS IS 'pending, sending (claimed by a worker until CLAIMED_UNTIL), sent, failed, cancelled.'^
COMMENT ON COLUMN MISLINK_OUTBOX.ATTEMPTS IS 'Send attempts so far.'^
COMMENT ON COLUMN MISLINK_OUTBOX.NEXT_ATTEMPT_AT IS 'Not to be sent before this time, UTC (reminders, retry backoff).'^
COMMENT ON COLUMN MISLINK_OUTBOX.EXPIRES_AT IS 'Not to be sent after this time, UTC (e.g. the visit start); then cancelled.'^
COMMENT ON COLUMN MISLINK_OUTBOX.CLAIMED_BY IS 'Worker instance sending it.'^
COMMENT ON COLUMN MISLINK_OUTBOX.CLAIMED_UNTIL IS 'Claim lease end, UTC; an expired claim may be taken over.'^
COMMENT ON COLUMN MISLINK_OUTBOX.PROVIDER_MESSAGE_ID IS 'Id the provider gave the sent message.'^
COMMENT ON COLUMN MISLINK_OUTBOX.RESULT_CODE IS 'Provider result code.'^
COMMENT ON COLUMN MISLINK_OUTBOX.ERROR IS 'Last error (no phone number, no consent, provider error ...).'^
COMMENT ON COLUMN MISLINK_OUTBOX.PATIENT_ID IS 'Patient (PATIENTS.ID).'^
COMMENT ON COLUMN MISLINK_OUTBOX.APPEAL_ID IS 'Appeal (APPEALS.ID).'^
COMMENT ON COLUMN MISLINK_OUTBOX.SCHEDULE_ID IS 'Booking (SCHEDULE.ID) the message is about.'^
COMMENT ON COLUMN MISLINK_OUTBOX.COMMAND_ID IS 'MISLINK_COMMANDS.ID that produced it.'^
COMMENT ON COLUMN MISLINK_OUTBOX.STAFF_ID IS 'Employee on whose behalf it is sent (STAFF.ID).'^
COMMENT ON COLUMN MISLINK_OUTBOX.BATCH_ID IS 'Mailing it belongs to.'^
COMMENT ON COLUMN MISLINK_OUTBOX.SOURCE IS 'schedule (SCHEDULE trigger), mis, worker, api, mailing.'^
COMMENT ON COLUMN MISLINK_OUTBOX.CREATED_AT IS 'Queued, UTC.'^
COMMENT ON COLUMN MISLINK_OUTBOX.SENT_AT IS 'Accepted by the provider, UTC.'^

/* ------------------------------------------------------------------ */
/* MISLINK_TEMPLATES                                                   */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_TEMPLATES (
    CODE                VARCHAR(63) CHARACTER SET ASCII NOT NULL,
    CHANNEL             VARCHAR(16) CHARACTER SET ASCII DEFAULT 'any' NOT NULL,
    KIND                VARCHAR(12) CHARACTER SET ASCII DEFAULT 'auto' NOT NULL,
    TITLE               VARCHAR(150) CHARACTER SET UTF8,
    BODY                BLOB SUB_TYPE TEXT CHARACTER SET UTF8,
    IS_ACTIVE           SMALLINT DEFAULT 1 NOT NULL,
    SORT_ORDER          SMALLINT DEFAULT 0 NOT NULL,
    UPDATED_AT          TIMESTAMP,
    UPDATED_BY          VARCHAR(63) CHARACTER SET UTF8,
    CONSTRAINT MISLINK_TEMPLATES_PK PRIMARY KEY (CODE, CHANNEL),
    CONSTRAINT MISLINK_TEMPLATES_KIND_CK CHECK (KIND IN ('auto', 'quick_reply')),
    CONSTRAINT MISLINK_TEMPLATES_ACTIVE_CK CHECK (IS_ACTIVE IN (0, 1))
)^

CREATE TRIGGER MISLINK_TEMPLATES_BIU FOR MISLINK_TEMPLATES
ACTIVE BEFORE INSERT OR UPDATE POSITION 0
AS
BEGIN
    NEW.UPDATED_AT = MISLINK_UTC_NOW();
    NEW.UPDATED_BY = CURRENT_USER;
END^

COMMENT ON TABLE MISLINK_TEMPLATES IS
'Editable message texts: automatic messages (KIND auto, by CODE) and operator quick replies. A missing or inactive auto template means the worker built-in text.'^
COMMENT ON COLUMN MISLINK_TEMPLATES.CODE IS 'Template code, e.g. booking_confirmed, booking_moved, booking_cancelled, booking_reminder.'^
COMMENT ON COLUMN MISLINK_TEMPLATES.CHANNEL IS 'Channel it is for, or any.'^
COMMENT ON COLUMN MISLINK_TEMPLATES.KIND IS 'auto or quick_reply.'^
COMMENT ON COLUMN MISLINK_TEMPLATES.TITLE IS 'Name shown in lists.'^
COMMENT ON COLUMN MISLINK_TEMPLATES.BODY IS 'Text with placeholders: {patient_name}, {doctor_name}, {service_name}, {start_local}, {old_start_local}, {cabinet}, {clinic_name}.'^
COMMENT ON COLUMN MISLINK_TEMPLATES.IS_ACTIVE IS '1 active, 0 not used.'^
COMMENT ON COLUMN MISLINK_TEMPLATES.SORT_ORDER IS 'Order of quick replies in lists.'^

/* ------------------------------------------------------------------ */
/* Booking messages from SCHEDULE                                      */
/* ------------------------------------------------------------------ */

/*
 * For patients with CONSENT_MESSENGERS = 1 or CONSENT_SMS = 1 (and not
 * IS_DELETED), on a future booking (STATUS 'booked', START_AT after now):
 *  - booked (inserted, or set back to booked):  booking_confirmed (+ reminder)
 *  - START_AT or DOCTOR_ID changed:             booking_moved (+ reminder)
 *  - cancelled or deleted:                      booking_cancelled
 *  - another patient:                           cancelled to the old one, confirmed to the new
 * Every change first cancels the messages of that booking still pending.
 * The reminder (booking_reminder) is due outbox.reminder_hours before the
 * visit (0 = none) and expires at the visit start.
 * Independently of consent and time, a booking carrying APPEAL_ID adds to
 * MISLINK_APPEAL_EVENTS: booked, booking_moved, booking_cancelled.
 */
CREATE TRIGGER MISLINK_SCHEDULE_MESSAGES FOR SCHEDULE
ACTIVE AFTER INSERT OR UPDATE OR DELETE POSITION 32000
AS
    DECLARE PROCEDURE QUEUE_MESSAGE (
        TEMPLATE_CODE   VARCHAR(63) CHARACTER SET ASCII,
        SCHEDULE_ID     INTEGER,
        PATIENT_ID      INTEGER,
        DOCTOR_ID       INTEGER,
        SERVICE_ID      INTEGER,
        START_AT        TIMESTAMP,
        OLD_START_AT    TIMESTAMP,
        APPEAL_ID       INTEGER,
        START_UTC       TIMESTAMP,
        NOW_UTC         TIMESTAMP)
    AS
        DECLARE C_SMS SMALLINT;
        DECLARE C_MSG SMALLINT;
        DECLARE IS_DEL SMALLINT;
        DECLARE PKEY VARCHAR(20) CHARACTER SET ASCII;
        DECLARE PARAMS VARCHAR(1000) CHARACTER SET ASCII;
        DECLARE HOURS INTEGER;
    BEGIN
        SELECT P.CONSENT_SMS, P.CONSENT_MESSENGERS, P.IS_DELETED
          FROM PATIENTS P
         WHERE P.ID = :PATIENT_ID
          INTO :C_SMS, :C_MSG, :IS_DEL;
        IF (IS_DEL IS DISTINCT FROM 0 OR (C_SMS IS DISTINCT FROM 1 AND C_MSG IS DISTINCT FROM 1)) THEN
            EXIT;
        /* Mobile first; never a number of the clinic itself. */
        SELECT FIRST 1 PP.PHONE_KEY
          FROM MISLINK_PATIENT_PHONES PP
         WHERE PP.PATIENT_ID = :PATIENT_ID
           AND NOT EXISTS (SELECT 1 FROM MISLINK_OWN_NUMBERS O WHERE O.PHONE_KEY = PP.PHONE_KEY)
         ORDER BY IIF(PP.SOURCE_COLUMN = 'PHONE_MOBILE', 0, 1), PP.SOURCE_COLUMN, PP.ORDINAL
          INTO :PKEY;
        PARAMS = '{"schedule_id":' || SCHEDULE_ID
            || ',"patient_id":' || PATIENT_ID
            || ',"doctor_id":' || DOCTOR_ID
            || ',"service_id":' || COALESCE(CAST(SERVICE_ID AS VARCHAR(12)), 'null')
            || ',"appeal_id":' || COALESCE(CAST(APPEAL_ID AS VARCHAR(12)), 'null')
            || ',"start_local":"' || REPLACE(LEFT(CAST(START_AT AS VARCHAR(24)), 19), ' ', 'T') || '"'
            || ',"old_start_local":' || COALESCE('"' || REPLACE(LEFT(CAST(OLD_START_AT AS VARCHAR(24)), 19), ' ', 'T') || '"', 'null')
            || ',"consent_sms":' || C_SMS
            || ',"consent_messengers":' || C_MSG || '}';
        INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, TEMPLATE_CODE, PARAMS,
                                    STATUS, ERROR, NEXT_ATTEMPT_AT, EXPIRES_AT,
                                    PATIENT_ID, APPEAL_ID, SCHEDULE_ID, SOURCE)
        VALUES ('message', IIF(:C_MSG = 1, 'messenger', 'sms'), :PKEY, :PKEY, :TEMPLATE_CODE, :PARAMS,
                IIF(:PKEY IS NULL, 'failed', 'pending'), IIF(:PKEY IS NULL, 'no phone number', NULL),
                :NOW_UTC, :START_UTC, :PATIENT_ID, :APPEAL_ID, :SCHEDULE_ID, 'schedule');
        IF (PKEY IS NOT NULL AND TEMPLATE_CODE IN ('booking_confirmed', 'booking_moved')) THEN
        BEGIN
            HOURS = CAST(COALESCE(NULLIF(MISLINK_SETTING('outbox.reminder_hours'), ''), '0') AS INTEGER);
            IF (HOURS > 0 AND DATEADD(-HOURS HOUR TO START_UTC) > NOW_UTC) THEN
                INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, TEMPLATE_CODE, PARAMS,
                                            NEXT_ATTEMPT_AT, EXPIRES_AT,
                                            PATIENT_ID, APPEAL_ID, SCHEDULE_ID, SOURCE)
                VALUES ('message', IIF(:C_MSG = 1, 'messenger', 'sms'), :PKEY, :PKEY, 'booking_reminder',
                        :PARAMS, DATEADD(-:HOURS HOUR TO :START_UTC), :START_UTC,
                        :PATIENT_ID, :APPEAL_ID, :SCHEDULE_ID, 'schedule');
        END
    END

    DECLARE NOW_UTC TIMESTAMP;
    DECLARE OFS INTEGER;
    DECLARE NEW_UTC TIMESTAMP;
    DECLARE OLD_UTC TIMESTAMP;
    DECLARE NEW_LIVE SMALLINT = 0;    /* NEW is a booking in the future */
    DECLARE OLD_LIVE SMALLINT = 0;    /* OLD was a booking in the future */
BEGIN
    NOW_UTC = MISLINK_UTC_NOW();
    OFS = CAST(COALESCE(NULLIF(MISLINK_SETTING('clinic.utc_offset_minutes'), ''), '0') AS INTEGER);
    IF (NOT DELETING) THEN
    BEGIN
        NEW_UTC = DATEADD(-OFS MINUTE TO NEW.START_AT);
        IF (NEW.STATUS = 'booked' AND NEW_UTC > NOW_UTC) THEN
            NEW_LIVE = 1;
    END
    IF (NOT INSERTING) THEN
    BEGIN
        OLD_UTC = DATEADD(-OFS MINUTE TO OLD.START_AT);
        IF (OLD.STATUS = 'booked' AND OLD_UTC > NOW_UTC) THEN
            OLD_LIVE = 1;
    END

    /* Messages to the patient. */
    IF (INSERTING) THEN
    BEGIN
        IF (NEW_LIVE = 1) THEN
            EXECUTE PROCEDURE QUEUE_MESSAGE('booking_confirmed', NEW.ID, NEW.PATIENT_ID, NEW.DOCTOR_ID,
                NEW.SERVICE_ID, NEW.START_AT, NULL, NEW.APPEAL_ID, NEW_UTC, NOW_UTC);
    END
    ELSE IF (DELETING OR NEW.ID <> OLD.ID OR NEW.STATUS IS DISTINCT FROM OLD.STATUS
             OR NEW.PATIENT_ID IS DISTINCT FROM OLD.PATIENT_ID
             OR NEW.START_AT IS DISTINCT FROM OLD.START_AT
             OR NEW.DOCTOR_ID IS DISTINCT FROM OLD.DOCTOR_ID) THEN
    BEGIN
        UPDATE MISLINK_OUTBOX SET STATUS = 'cancelled', ERROR = 'booking changed'
         WHERE SCHEDULE_ID = OLD.ID AND STATUS = 'pending' AND SOURCE = 'schedule';
        IF (DELETING) THEN
        BEGIN
            IF (OLD_LIVE = 1) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_cancelled', OLD.ID, OLD.PATIENT_ID, OLD.DOCTOR_ID,
                    OLD.SERVICE_ID, OLD.START_AT, NULL, OLD.APPEAL_ID, OLD_UTC, NOW_UTC);
        END
        ELSE IF (OLD.STATUS = 'booked' AND NEW.STATUS = 'booked'
                 AND NEW.PATIENT_ID IS NOT DISTINCT FROM OLD.PATIENT_ID) THEN
        BEGIN
            IF (NEW_LIVE = 1) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_moved', NEW.ID, NEW.PATIENT_ID, NEW.DOCTOR_ID,
                    NEW.SERVICE_ID, NEW.START_AT, OLD.START_AT, NEW.APPEAL_ID, NEW_UTC, NOW_UTC);
        END
        ELSE
        BEGIN
            IF (OLD_LIVE = 1 AND (NEW.STATUS = 'cancelled' OR NEW.PATIENT_ID IS DISTINCT FROM OLD.PATIENT_ID)) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_cancelled', OLD.ID, OLD.PATIENT_ID, OLD.DOCTOR_ID,
                    OLD.SERVICE_ID, OLD.START_AT, NULL, OLD.APPEAL_ID, OLD_UTC, NOW_UTC);
            IF (NEW_LIVE = 1) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_confirmed', NEW.ID, NEW.PATIENT_ID, NEW.DOCTOR_ID,
                    NEW.SERVICE_ID, NEW.START_AT, NULL, NEW.APPEAL_ID, NEW_UTC, NOW_UTC);
        END
    END

    /* The chain of the appeal the booking was made from. */
    IF (NOT DELETING) THEN
    BEGIN
        IF (NEW.APPEAL_ID IS NOT NULL AND NEW.STATUS = 'booked') THEN
        BEGIN
            IF (INSERTING OR OLD.STATUS IS DISTINCT FROM 'booked'
                OR OLD.APPEAL_ID IS DISTINCT FROM NEW.APPEAL_ID) THEN
            BEGIN
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, SCHEDULE_ID)
                VALUES (NEW.APPEAL_ID, 'booked', 'mis', NEW.CREATED_BY, NEW.ID);
                UPDATE MISLINK_APPEALS SET BOOKED_SCHEDULE_ID = NEW.ID WHERE APPEAL_ID = NEW.APPEAL_ID;
            END
            ELSE IF (NEW.START_AT IS DISTINCT FROM OLD.START_AT OR NEW.DOCTOR_ID IS DISTINCT FROM OLD.DOCTOR_ID) THEN
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, SCHEDULE_ID)
                VALUES (NEW.APPEAL_ID, 'booking_moved', 'mis', NEW.ID);
        END
        IF (UPDATING) THEN
            IF (OLD.APPEAL_ID IS NOT NULL AND OLD.STATUS = 'booked' AND NEW.STATUS = 'cancelled') THEN
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, SCHEDULE_ID)
                VALUES (OLD.APPEAL_ID, 'booking_cancelled', 'mis', OLD.ID);
    END
    ELSE IF (OLD.APPEAL_ID IS NOT NULL AND OLD.STATUS = 'booked') THEN
        INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, SCHEDULE_ID, DETAIL)
        VALUES (OLD.APPEAL_ID, 'booking_cancelled', 'mis', OLD.ID, 'booking deleted');
END^

/* ------------------------------------------------------------------ */
/* Privileges of the PSQL objects                                      */
/* ------------------------------------------------------------------ */

GRANT USAGE ON SEQUENCE MISLINK_INBOX_SEQ TO TRIGGER MISLINK_INBOX_BI^
GRANT USAGE ON SEQUENCE MISLINK_COMMANDS_SEQ TO TRIGGER MISLINK_COMMANDS_BIU^
GRANT USAGE ON SEQUENCE MISLINK_OUTBOX_SEQ TO TRIGGER MISLINK_OUTBOX_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_INBOX_BI^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_COMMANDS_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_OUTBOX_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_TEMPLATES_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT EXECUTE ON FUNCTION MISLINK_SETTING TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT ON PATIENTS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT ON MISLINK_PATIENT_PHONES TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT ON MISLINK_OWN_NUMBERS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT, INSERT, UPDATE ON MISLINK_OUTBOX TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT INSERT ON MISLINK_APPEAL_EVENTS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT, UPDATE ON MISLINK_APPEALS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^

SET TERM ; ^
