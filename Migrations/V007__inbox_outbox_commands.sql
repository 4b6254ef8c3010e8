/*
 * V007 -- what comes in, what goes out: the event inbox, the outbox of
 * messages and PBX commands, the commands MIS screens request, message
 * templates.
 *
 * Objects: sequences MISLINK_INBOX_SEQ, MISLINK_COMMANDS_SEQ,
 *          MISLINK_OUTBOX_SEQ; tables MISLINK_INBOX, MISLINK_COMMANDS,
 *          MISLINK_OUTBOX, MISLINK_TEMPLATES; their BEFORE triggers; event
 *          triggers MISLINK_COMMANDS_EVENT (MISLINK_COMMAND,
 *          MISLINK_COMMAND_<staff id>) and MISLINK_OUTBOX_EVENT
 *          (MISLINK_OUTBOX).
 * Undo:    U007__inbox_outbox_commands.sql
 * Needs:   V001..V006.
 *
 * Every *_AT column is UTC. The MIS's visit times are clinic wall-clock
 * time; they are converted with the setting clinic.utc_offset_minutes.
 *
 * Edited in issue 16: until then this file also created the trigger
 * MISLINK_SCHEDULE_MESSAGES on SCHEDULE and its grants (SELECT on PATIENTS
 * among them). They moved to the reference profile
 * (SQL/profiles/reference/migrations/V002__booking_messages.sql), which
 * adopts them on a database that has them. The old text's checksum is in
 * superseded-checksums.
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
/* Privileges of the PSQL objects                                      */
/* ------------------------------------------------------------------ */

GRANT USAGE ON SEQUENCE MISLINK_INBOX_SEQ TO TRIGGER MISLINK_INBOX_BI^
GRANT USAGE ON SEQUENCE MISLINK_COMMANDS_SEQ TO TRIGGER MISLINK_COMMANDS_BIU^
GRANT USAGE ON SEQUENCE MISLINK_OUTBOX_SEQ TO TRIGGER MISLINK_OUTBOX_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_INBOX_BI^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_COMMANDS_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_OUTBOX_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_TEMPLATES_BIU^

SET TERM ; ^
