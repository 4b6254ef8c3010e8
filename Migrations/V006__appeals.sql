/*
 * V006 -- appeals: MisLink's side table next to the MIS's APPEALS, and the
 * chain of actions of every appeal.
 *
 * Objects: sequence MISLINK_APPEAL_EVENTS_SEQ; tables MISLINK_APPEALS,
 *          MISLINK_APPEAL_EVENTS; their BEFORE triggers and the event
 *          triggers MISLINK_APPEALS_EVENT and MISLINK_APPEAL_EVENTS_EVENT
 *          (MISLINK_APPEAL, MISLINK_APPEAL_<staff id>).
 * Undo:    U006__appeals.sql
 * Needs:   V001, V004 (MISLINK_CALLS), V005 (MISLINK_CHAT_THREADS, _MESSAGES).
 *
 * APPEALS itself is not altered: MisLink's data about an appeal lives in the
 * 1:1 table MISLINK_APPEALS (APPEAL_ID = APPEALS.ID). No exclusive lock on
 * the MIS's hot table during the upgrade, MIS upgrades that rebuild APPEALS
 * keep working, and uninstalling leaves APPEALS as it was (SQL/README.md,
 * "Why a side table"). For the same reasons APPEAL_ID is not a declared
 * foreign key. Every *_AT column is UTC.
 */

SET TERM ^ ;

CREATE SEQUENCE MISLINK_APPEAL_EVENTS_SEQ^

/* ------------------------------------------------------------------ */
/* MISLINK_APPEALS                                                     */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_APPEALS (
    APPEAL_ID           INTEGER NOT NULL,
    CHANNEL             VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    SOURCE              VARCHAR(8) CHARACTER SET ASCII NOT NULL,
    CALL_ID             BIGINT,
    THREAD_ID           BIGINT,
    EXTERNAL_ID         VARCHAR(128) CHARACTER SET ASCII,
    PHONE_KEY           VARCHAR(20) CHARACTER SET ASCII,
    CONTACT_NAME        VARCHAR(150) CHARACTER SET UTF8,
    PATIENT_OTHERS      SMALLINT DEFAULT 0 NOT NULL,
    PATIENT_DISPLAY     VARCHAR(200) CHARACTER SET UTF8,
    IS_DETACHED         SMALLINT DEFAULT 0 NOT NULL,
    LAST_OPERATOR_ID    INTEGER,
    BOOKED_SCHEDULE_ID  INTEGER,
    CREATED_AT          TIMESTAMP NOT NULL,
    UPDATED_AT          TIMESTAMP NOT NULL,
    CONSTRAINT MISLINK_APPEALS_PK PRIMARY KEY (APPEAL_ID),
    CONSTRAINT MISLINK_APPEALS_CALL_UQ UNIQUE (CALL_ID),
    CONSTRAINT MISLINK_APPEALS_THREAD_UQ UNIQUE (THREAD_ID),
    CONSTRAINT MISLINK_APPEALS_CALL_FK FOREIGN KEY (CALL_ID)
        REFERENCES MISLINK_CALLS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_APPEALS_THREAD_FK FOREIGN KEY (THREAD_ID)
        REFERENCES MISLINK_CHAT_THREADS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_APPEALS_CHANNEL_CK CHECK (CHANNEL IN ('phone', 'whatsapp', 'telegram',
        'vk', 'viber', 'webchat', 'email', 'sms', 'visit', 'other')),
    CONSTRAINT MISLINK_APPEALS_SOURCE_CK CHECK (SOURCE IN ('call', 'chat', 'mis', 'api')),
    CONSTRAINT MISLINK_APPEALS_DETACHED_CK CHECK (IS_DETACHED IN (0, 1))
)^

CREATE INDEX MISLINK_APPEALS_PHONE_IX ON MISLINK_APPEALS (PHONE_KEY)^

CREATE TRIGGER MISLINK_APPEALS_BIU FOR MISLINK_APPEALS
ACTIVE BEFORE INSERT OR UPDATE POSITION 0
AS
BEGIN
    IF (INSERTING) THEN
    BEGIN
        IF (NEW.CREATED_AT IS NULL) THEN
            NEW.CREATED_AT = MISLINK_UTC_NOW();
        IF (NEW.UPDATED_AT IS NULL) THEN
            NEW.UPDATED_AT = NEW.CREATED_AT;
    END
    ELSE IF (NEW.UPDATED_AT IS NOT DISTINCT FROM OLD.UPDATED_AT) THEN
        NEW.UPDATED_AT = MISLINK_UTC_NOW();
END^

CREATE TRIGGER MISLINK_APPEALS_EVENT FOR MISLINK_APPEALS
ACTIVE AFTER INSERT OR UPDATE POSITION 100
AS
BEGIN
    POST_EVENT 'MISLINK_APPEAL';
END^

COMMENT ON TABLE MISLINK_APPEALS IS
'MisLink data of an appeal, 1:1 with APPEALS (APPEAL_ID = APPEALS.ID): where it came from and the "and N more patients". Times UTC.'^
COMMENT ON COLUMN MISLINK_APPEALS.APPEAL_ID IS 'APPEALS.ID (not a declared foreign key, see SQL/README.md).'^
COMMENT ON COLUMN MISLINK_APPEALS.CHANNEL IS 'Exact channel: phone, whatsapp, telegram, vk, viber, webchat, email, sms, visit, other (APPEALS.CHANNEL holds the nearest value the MIS allows).'^
COMMENT ON COLUMN MISLINK_APPEALS.SOURCE IS 'What created the appeal: call, chat, mis (an MIS screen) or api.'^
COMMENT ON COLUMN MISLINK_APPEALS.CALL_ID IS 'MISLINK_CALLS.ID of the call; at most one appeal per call.'^
COMMENT ON COLUMN MISLINK_APPEALS.THREAD_ID IS 'MISLINK_CHAT_THREADS.ID of the thread; at most one appeal per thread.'^
COMMENT ON COLUMN MISLINK_APPEALS.EXTERNAL_ID IS 'Id at the PBX or chat platform (Mango entry_id, thread id), for display and support.'^
COMMENT ON COLUMN MISLINK_APPEALS.PHONE_KEY IS 'Phone key of the contact.'^
COMMENT ON COLUMN MISLINK_APPEALS.CONTACT_NAME IS 'Contact name exactly as received (UTF8; APPEALS.CONTACT_NAME is WIN1251 and gets a replacement character).'^
COMMENT ON COLUMN MISLINK_APPEALS.PATIENT_OTHERS IS 'Other patients with the same phone: the N of "and N more patients".'^
COMMENT ON COLUMN MISLINK_APPEALS.PATIENT_DISPLAY IS 'Text to show, e.g. Ivanova A. P. (and 2 more patients).'^
COMMENT ON COLUMN MISLINK_APPEALS.IS_DETACHED IS '1 while the appeal waits for its thread to reach an operator again (the thread left a queue unfinished).'^
COMMENT ON COLUMN MISLINK_APPEALS.LAST_OPERATOR_ID IS 'Operator who held the appeal before it was detached or transferred (STAFF.ID).'^
COMMENT ON COLUMN MISLINK_APPEALS.BOOKED_SCHEDULE_ID IS 'SCHEDULE.ID of the last booking made from this appeal.'^
COMMENT ON COLUMN MISLINK_APPEALS.CREATED_AT IS 'Created, UTC.'^
COMMENT ON COLUMN MISLINK_APPEALS.UPDATED_AT IS 'Last change, UTC.'^

/* ------------------------------------------------------------------ */
/* MISLINK_APPEAL_EVENTS                                               */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_APPEAL_EVENTS (
    ID                  BIGINT NOT NULL,
    APPEAL_ID           INTEGER NOT NULL,
    EVENT_TYPE          VARCHAR(20) CHARACTER SET ASCII NOT NULL,
    ACTOR               VARCHAR(8) CHARACTER SET ASCII DEFAULT 'system' NOT NULL,
    STAFF_ID            INTEGER,
    FROM_STAFF_ID       INTEGER,
    TO_STAFF_ID         INTEGER,
    CALL_ID             BIGINT,
    THREAD_ID           BIGINT,
    MESSAGE_ID          BIGINT,
    SCHEDULE_ID         INTEGER,
    DETAIL              VARCHAR(1000) CHARACTER SET UTF8,
    EVENT_AT            TIMESTAMP NOT NULL,
    CREATED_AT          TIMESTAMP NOT NULL,
    CONSTRAINT MISLINK_APPEAL_EVENTS_PK PRIMARY KEY (ID),
    CONSTRAINT MISLINK_APPEAL_EVENTS_CALL_FK FOREIGN KEY (CALL_ID)
        REFERENCES MISLINK_CALLS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_APPEAL_EVENTS_THR_FK FOREIGN KEY (THREAD_ID)
        REFERENCES MISLINK_CHAT_THREADS (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_APPEAL_EVENTS_MSG_FK FOREIGN KEY (MESSAGE_ID)
        REFERENCES MISLINK_CHAT_MESSAGES (ID) ON DELETE SET NULL,
    CONSTRAINT MISLINK_APPEAL_EVENTS_TYPE_CK CHECK (EVENT_TYPE IN ('created', 'assigned',
        'transferred', 'released', 'reopened', 'patient_set', 'call', 'message', 'comment',
        'booked', 'booking_moved', 'booking_cancelled', 'cancelled', 'closed')),
    CONSTRAINT MISLINK_APPEAL_EVENTS_ACTOR_CK
        CHECK (ACTOR IN ('operator', 'client', 'system', 'mis'))
)^

CREATE INDEX MISLINK_APPEAL_EVENTS_APPEAL_IX ON MISLINK_APPEAL_EVENTS (APPEAL_ID, ID)^
CREATE INDEX MISLINK_APPEAL_EVENTS_AT_IX ON MISLINK_APPEAL_EVENTS (EVENT_AT)^

CREATE TRIGGER MISLINK_APPEAL_EVENTS_BI FOR MISLINK_APPEAL_EVENTS
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = NEXT VALUE FOR MISLINK_APPEAL_EVENTS_SEQ;
    IF (NEW.CREATED_AT IS NULL) THEN
        NEW.CREATED_AT = MISLINK_UTC_NOW();
    IF (NEW.EVENT_AT IS NULL) THEN
        NEW.EVENT_AT = NEW.CREATED_AT;
END^

/* MISLINK_APPEAL_<staff id> reaches the operator the action concerns (the
   one it was transferred or assigned to, else the one who acted). */
CREATE TRIGGER MISLINK_APPEAL_EVENTS_EVENT FOR MISLINK_APPEAL_EVENTS
ACTIVE AFTER INSERT POSITION 100
AS
BEGIN
    IF (NEW.TO_STAFF_ID IS NOT NULL) THEN
        POST_EVENT 'MISLINK_APPEAL_' || NEW.TO_STAFF_ID;
    IF (NEW.STAFF_ID IS NOT NULL AND NEW.STAFF_ID IS DISTINCT FROM NEW.TO_STAFF_ID) THEN
        POST_EVENT 'MISLINK_APPEAL_' || NEW.STAFF_ID;
    IF (NEW.FROM_STAFF_ID IS NOT NULL AND NEW.FROM_STAFF_ID IS DISTINCT FROM NEW.STAFF_ID
        AND NEW.FROM_STAFF_ID IS DISTINCT FROM NEW.TO_STAFF_ID) THEN
        POST_EVENT 'MISLINK_APPEAL_' || NEW.FROM_STAFF_ID;
    POST_EVENT 'MISLINK_APPEAL';
END^

COMMENT ON TABLE MISLINK_APPEAL_EVENTS IS
'The chain of actions of an appeal, oldest first by ID: created, assigned, transferred, booked, closed ... Append-only. Times UTC.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.ID IS 'Event id; orders the chain.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.APPEAL_ID IS 'APPEALS.ID.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.EVENT_TYPE IS 'created, assigned, transferred, released (thread left a queue unfinished), reopened, patient_set, call, message, comment, booked, booking_moved, booking_cancelled, cancelled, closed.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.ACTOR IS 'Who acted: operator, client, system (MisLink) or mis (the MIS, e.g. a booking).'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.STAFF_ID IS 'Employee who acted (STAFF.ID).'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.FROM_STAFF_ID IS 'For assigned/transferred/released: previous operator.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.TO_STAFF_ID IS 'For assigned/transferred: new operator.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.CALL_ID IS 'MISLINK_CALLS.ID involved.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.THREAD_ID IS 'MISLINK_CHAT_THREADS.ID involved.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.MESSAGE_ID IS 'MISLINK_CHAT_MESSAGES.ID involved.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.SCHEDULE_ID IS 'SCHEDULE.ID for booked, booking_moved, booking_cancelled.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.DETAIL IS 'Free text detail.'^
COMMENT ON COLUMN MISLINK_APPEAL_EVENTS.EVENT_AT IS 'When it happened, UTC.'^

/* ------------------------------------------------------------------ */
/* Privileges of the PSQL objects                                      */
/* ------------------------------------------------------------------ */

GRANT USAGE ON SEQUENCE MISLINK_APPEAL_EVENTS_SEQ TO TRIGGER MISLINK_APPEAL_EVENTS_BI^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_APPEALS_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_APPEAL_EVENTS_BI^

SET TERM ; ^
