/*
 * V017 -- console: the operator console's sessions, its sign-in lock-out
 * and its audit trail, and who listened to a recording.
 *
 * Objects: tables MISLINK_SESSIONS, MISLINK_SIGN_IN_FAILURES, MISLINK_AUDIT
 *          (with sequence MISLINK_AUDIT_SEQ) and their BEFORE INSERT
 *          triggers; column MISLINK_RECORDING_ACCESS.LISTENER_STAFF_ID;
 *          privileges of the roles MISLINK_WORKER and MISLINK_SCREEN.
 * Undo:    U017__console.sql
 * Needs:   V001 (MISLINK_UTC_NOW), V004 (MISLINK_RECORDING_ACCESS), V008.
 *
 * An employee signs in to the console with the MIS's login and password;
 * the worker keeps each session as a MISLINK_SESSIONS row keyed by the
 * SHA-256 of its token (the token itself is never stored), so every worker
 * on the database knows it. A session ends on sign-out (ENDED_AT) or after
 * console.idle_minutes without a request (LAST_SEEN_AT). Failed sign-ins
 * are counted per lowercased login in MISLINK_SIGN_IN_FAILURES; past
 * console.max_failures the login is refused until LOCKED_UNTIL.
 * MISLINK_AUDIT records what a signed-in employee changed. Every *_AT
 * column is UTC. STAFF_ID columns hold the MIS's employee id (no foreign
 * key, as for every MIS id).
 */

SET TERM ^ ;

CREATE SEQUENCE MISLINK_AUDIT_SEQ^

/* ------------------------------------------------------------------ */
/* MISLINK_SESSIONS                                                    */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_SESSIONS (
    TOKEN_HASH          CHAR(64) CHARACTER SET ASCII NOT NULL,
    STAFF_ID            BIGINT NOT NULL,
    LOGIN               VARCHAR(63) CHARACTER SET UTF8 NOT NULL,
    STAFF_NAME          VARCHAR(200) CHARACTER SET UTF8,
    ROLE                VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    CSRF_TOKEN          VARCHAR(64) CHARACTER SET ASCII NOT NULL,
    ORIGIN              VARCHAR(8) CHARACTER SET ASCII NOT NULL,
    CREATED_AT          TIMESTAMP NOT NULL,
    LAST_SEEN_AT        TIMESTAMP NOT NULL,
    ENDED_AT            TIMESTAMP,
    CLIENT_ADDR         VARCHAR(45) CHARACTER SET ASCII,
    CONSTRAINT MISLINK_SESSIONS_PK PRIMARY KEY (TOKEN_HASH),
    CONSTRAINT MISLINK_SESSIONS_ROLE_CK CHECK (ROLE IN ('operator', 'supervisor')),
    CONSTRAINT MISLINK_SESSIONS_ORIGIN_CK CHECK (ORIGIN IN ('password', 'embed'))
)^

CREATE INDEX MISLINK_SESSIONS_STAFF_IX ON MISLINK_SESSIONS (STAFF_ID)^

CREATE TRIGGER MISLINK_SESSIONS_BI FOR MISLINK_SESSIONS
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.CREATED_AT IS NULL) THEN
        NEW.CREATED_AT = MISLINK_UTC_NOW();
    IF (NEW.LAST_SEEN_AT IS NULL) THEN
        NEW.LAST_SEEN_AT = NEW.CREATED_AT;
END^

COMMENT ON TABLE MISLINK_SESSIONS IS
'Console sessions of signed-in employees, shared by every worker. Keyed by the SHA-256 of the session token, never the token. Times UTC.'^
COMMENT ON COLUMN MISLINK_SESSIONS.TOKEN_HASH IS 'Lowercase hex SHA-256 of the session token the browser holds.'^
COMMENT ON COLUMN MISLINK_SESSIONS.STAFF_ID IS 'The employee (the MIS staff id).'^
COMMENT ON COLUMN MISLINK_SESSIONS.LOGIN IS 'The MIS login the employee signed in with.'^
COMMENT ON COLUMN MISLINK_SESSIONS.STAFF_NAME IS 'The employee full name as the MIS had it at sign-in.'^
COMMENT ON COLUMN MISLINK_SESSIONS.ROLE IS 'operator or supervisor (a MIS role the profile lists in sign_in.supervisor_roles).'^
COMMENT ON COLUMN MISLINK_SESSIONS.CSRF_TOKEN IS 'The token a cookie session must send as X-CSRF-Token with every change.'^
COMMENT ON COLUMN MISLINK_SESSIONS.ORIGIN IS 'password (the console sign-in form) or embed (a token signed by the MIS).'^
COMMENT ON COLUMN MISLINK_SESSIONS.CREATED_AT IS 'Signed in, UTC.'^
COMMENT ON COLUMN MISLINK_SESSIONS.LAST_SEEN_AT IS 'Last request, UTC (written at most every 30 s); idle past console.idle_minutes = expired.'^
COMMENT ON COLUMN MISLINK_SESSIONS.ENDED_AT IS 'Signed out, UTC; NULL while the session may be live.'^
COMMENT ON COLUMN MISLINK_SESSIONS.CLIENT_ADDR IS 'The browser address at sign-in.'^

/* ------------------------------------------------------------------ */
/* MISLINK_SIGN_IN_FAILURES                                            */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_SIGN_IN_FAILURES (
    LOGIN_KEY           VARCHAR(63) CHARACTER SET UTF8 NOT NULL,
    FAILURES            INTEGER DEFAULT 0 NOT NULL,
    FIRST_FAILURE_AT    TIMESTAMP NOT NULL,
    LOCKED_UNTIL        TIMESTAMP,
    CONSTRAINT MISLINK_SIGN_IN_FAILURES_PK PRIMARY KEY (LOGIN_KEY)
)^

COMMENT ON TABLE MISLINK_SIGN_IN_FAILURES IS
'Failed console sign-ins per login, for the lock-out; a successful sign-in deletes the row. Times UTC.'^
COMMENT ON COLUMN MISLINK_SIGN_IN_FAILURES.LOGIN_KEY IS 'The login as typed, lowercased.'^
COMMENT ON COLUMN MISLINK_SIGN_IN_FAILURES.FAILURES IS 'Failures since FIRST_FAILURE_AT.'^
COMMENT ON COLUMN MISLINK_SIGN_IN_FAILURES.FIRST_FAILURE_AT IS 'First failure of the current window (console.lockout_minutes), UTC.'^
COMMENT ON COLUMN MISLINK_SIGN_IN_FAILURES.LOCKED_UNTIL IS 'Sign-ins of this login are refused until then, UTC; NULL when not locked.'^

/* ------------------------------------------------------------------ */
/* MISLINK_AUDIT                                                       */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_AUDIT (
    ID                  BIGINT NOT NULL,
    ACTED_AT            TIMESTAMP NOT NULL,
    STAFF_ID            BIGINT,
    LOGIN               VARCHAR(63) CHARACTER SET UTF8,
    ACTION              VARCHAR(32) CHARACTER SET ASCII NOT NULL,
    OBJECT_KIND         VARCHAR(32) CHARACTER SET ASCII,
    OBJECT_ID           BIGINT,
    DETAILS             VARCHAR(1000) CHARACTER SET UTF8,
    CLIENT_ADDR         VARCHAR(45) CHARACTER SET ASCII,
    CONSTRAINT MISLINK_AUDIT_PK PRIMARY KEY (ID),
    CONSTRAINT MISLINK_AUDIT_ACTION_CK CHECK (ACTION SIMILAR TO '[a-z_]+')
)^

CREATE INDEX MISLINK_AUDIT_AT_IX ON MISLINK_AUDIT (ACTED_AT)^
CREATE INDEX MISLINK_AUDIT_STAFF_IX ON MISLINK_AUDIT (STAFF_ID)^
CREATE INDEX MISLINK_AUDIT_OBJECT_IX ON MISLINK_AUDIT (OBJECT_KIND, OBJECT_ID)^

CREATE TRIGGER MISLINK_AUDIT_BI FOR MISLINK_AUDIT
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = NEXT VALUE FOR MISLINK_AUDIT_SEQ;
    IF (NEW.ACTED_AT IS NULL) THEN
        NEW.ACTED_AT = MISLINK_UTC_NOW();
END^

COMMENT ON TABLE MISLINK_AUDIT IS
'What employees did through the console and the API with a session: sign-in, sign-out, comments, statuses, bookings, messages, recordings played. Times UTC.'^
COMMENT ON COLUMN MISLINK_AUDIT.ACTED_AT IS 'When, UTC.'^
COMMENT ON COLUMN MISLINK_AUDIT.STAFF_ID IS 'The employee (the MIS staff id); NULL for a failed sign-in of an unknown login.'^
COMMENT ON COLUMN MISLINK_AUDIT.LOGIN IS 'The login of the session, or as typed for a failed sign-in.'^
COMMENT ON COLUMN MISLINK_AUDIT.ACTION IS 'sign_in, sign_in_failed, sign_out, call_comment, call_status, booking, message, recording_play ... (lowercase).'^
COMMENT ON COLUMN MISLINK_AUDIT.OBJECT_KIND IS 'What was acted on: call, thread, appeal, command, recording, template, mailing, card, session.'^
COMMENT ON COLUMN MISLINK_AUDIT.OBJECT_ID IS 'Its id (MISLINK_CALLS.ID, ...), when it has one.'^
COMMENT ON COLUMN MISLINK_AUDIT.DETAILS IS 'What changed, in short (the new status, the comment ...).'^
COMMENT ON COLUMN MISLINK_AUDIT.CLIENT_ADDR IS 'The client address.'^

/* ------------------------------------------------------------------ */
/* MISLINK_RECORDING_ACCESS                                            */
/* ------------------------------------------------------------------ */

ALTER TABLE MISLINK_RECORDING_ACCESS ADD LISTENER_STAFF_ID BIGINT^
COMMENT ON COLUMN MISLINK_RECORDING_ACCESS.LISTENER_STAFF_ID IS
'The signed-in employee who played or downloaded it (a console session); NULL for a bearer-token client.'^

/* ------------------------------------------------------------------ */
/* Privileges                                                          */
/* ------------------------------------------------------------------ */

GRANT USAGE ON SEQUENCE MISLINK_AUDIT_SEQ TO TRIGGER MISLINK_AUDIT_BI^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_AUDIT_BI^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_SESSIONS_BI^

GRANT SELECT, INSERT, UPDATE, DELETE ON MISLINK_SESSIONS TO ROLE MISLINK_WORKER^
GRANT SELECT, INSERT, UPDATE, DELETE ON MISLINK_SIGN_IN_FAILURES TO ROLE MISLINK_WORKER^
GRANT SELECT, INSERT, UPDATE, DELETE ON MISLINK_AUDIT TO ROLE MISLINK_WORKER^
GRANT USAGE ON SEQUENCE MISLINK_AUDIT_SEQ TO ROLE MISLINK_WORKER^

/* Screens read the audit trail; sessions and failures are the worker's. */
GRANT SELECT ON MISLINK_AUDIT TO ROLE MISLINK_SCREEN^

SET TERM ; ^
