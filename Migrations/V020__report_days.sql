/*
 * V020 -- report days: the appeals report's figures per clinic-local day,
 * and the marks that say which days changed since.
 *
 * Objects: tables MISLINK_REPORT_DAYS, MISLINK_REPORT_DAY_STATE,
 *          MISLINK_REPORT_CHANGES; triggers MISLINK_CALLS_REPORT,
 *          MISLINK_CHAT_THREADS_REPORT, MISLINK_APPEALS_REPORT,
 *          MISLINK_APPEAL_EVENTS_REPORT; privileges of the triggers and of
 *          the roles MISLINK_WORKER and MISLINK_SCREEN.
 * Undo:    U020__report_days.sql
 * Needs:   V004 (MISLINK_CALLS), V005 (MISLINK_CHAT_THREADS), V006
 *          (MISLINK_APPEALS, MISLINK_APPEAL_EVENTS), V008, V014.
 *
 * The appeals report (SQL/report-appeals.sql) counts appeals, calls and
 * chat threads of a period. MISLINK_REPORT_DAYS keeps what its queries
 * return for one clinic-local day (the grouped counts and the histograms
 * its percentiles are found in), so a month or a year adds up a few
 * hundred rows per day instead of reading every call. MisLink writes them
 * (`mislink report rebuild-days`, and the worker's refresh); the report
 * reads a day from here when MISLINK_REPORT_DAY_STATE says it was built
 * with the report's clock and no mark of MISLINK_REPORT_CHANGES falls on
 * it, else from the facts.
 *
 * The triggers below mark, in the transaction that changes a fact the
 * report counts, the instant (UTC) the fact is counted at: a call's
 * STARTED_AT, a thread's OPENED_AT, an appeal's CREATED_AT. Marks are only
 * inserted (never updated), so concurrent writers never wait on each
 * other; the worker deletes those it has folded into the days.
 */

SET TERM ^ ;

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_REPORT_DAYS (
    LOCAL_DAY           DATE NOT NULL,
    SECTION             VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    MEASURE             VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    CHANNEL             VARCHAR(16) CHARACTER SET ASCII NOT NULL,
    OPERATOR_ID         BIGINT,
    FIGURES             VARCHAR(4000) CHARACTER SET ASCII NOT NULL,
    CONSTRAINT MISLINK_REPORT_DAYS_SECTION_CK
        CHECK (SECTION IN ('appeals', 'mis_appeals', 'calls', 'chats', 'call_values', 'chat_values', 'chat_holds'))
)^

CREATE INDEX MISLINK_REPORT_DAYS_DAY_IX ON MISLINK_REPORT_DAYS (LOCAL_DAY)^

COMMENT ON TABLE MISLINK_REPORT_DAYS IS
'The appeals report''s figures of one clinic-local day (SQL/report-appeals.sql, per day); written by mislink report rebuild-days and the worker. A histogram longer than FIGURES holds continues in further rows of the same key.'^
COMMENT ON COLUMN MISLINK_REPORT_DAYS.LOCAL_DAY IS 'The clinic-local day (MISLINK_REPORT_DAY_STATE.CLOCK) the facts were counted in.'^
COMMENT ON COLUMN MISLINK_REPORT_DAYS.SECTION IS 'appeals (appeals_by_hour), mis_appeals (the profile''s report_mis_appeals, counted as appeals), calls (calls_by_operator), chats (chats_by_operator), call_values, chat_values (histograms), chat_holds (chat_holds).'^
COMMENT ON COLUMN MISLINK_REPORT_DAYS.MEASURE IS 'The histogram: answer, talk, callback, first_response, resolution; empty for counts.'^
COMMENT ON COLUMN MISLINK_REPORT_DAYS.CHANNEL IS 'The channel (appeals, chats, chat_values, chat_holds) or the direction in/out (calls); empty for call_values.'^
COMMENT ON COLUMN MISLINK_REPORT_DAYS.OPERATOR_ID IS 'The MIS employee id; NULL = none.'^
COMMENT ON COLUMN MISLINK_REPORT_DAYS.FIGURES IS
'Space-separated: the counts in the query''s column order, then value:count pairs (appeals: hour:count, hours from LOCAL_DAY''s midnight by the clock of the hours, 0-23; histograms: seconds:count; chat_holds: instant:starts or instant:-ends, instants in 1/10000 s from 00:00 UTC of the date the day starts on).'^

CREATE TABLE MISLINK_REPORT_DAY_STATE (
    LOCAL_DAY           DATE NOT NULL,
    CLOCK               VARCHAR(63) CHARACTER SET ASCII NOT NULL,
    BUILT_AT            TIMESTAMP NOT NULL,
    CONSTRAINT MISLINK_REPORT_DAY_STATE_PK PRIMARY KEY (LOCAL_DAY)
)^

COMMENT ON TABLE MISLINK_REPORT_DAY_STATE IS
'Days of MISLINK_REPORT_DAYS that are built: a day without a row here is read from the facts.'^
COMMENT ON COLUMN MISLINK_REPORT_DAY_STATE.CLOCK IS
'The clinic clock the day was counted by (offset 180, or zone Europe/Moscow ...); a report by another clock reads the facts.'^
COMMENT ON COLUMN MISLINK_REPORT_DAY_STATE.BUILT_AT IS 'When the day was last counted from the facts, UTC.'^

CREATE TABLE MISLINK_REPORT_CHANGES (
    FACT_AT             TIMESTAMP NOT NULL
)^

CREATE INDEX MISLINK_REPORT_CHANGES_AT_IX ON MISLINK_REPORT_CHANGES (FACT_AT)^

COMMENT ON TABLE MISLINK_REPORT_CHANGES IS
'A fact the appeals report counts changed: the day of FACT_AT is read from the facts until the worker counts it again.'^
COMMENT ON COLUMN MISLINK_REPORT_CHANGES.FACT_AT IS
'UTC instant the changed fact is counted at: MISLINK_CALLS.STARTED_AT, MISLINK_CHAT_THREADS.OPENED_AT, MISLINK_APPEALS.CREATED_AT.'^

/* ------------------------------------------------------------------ */
/* Change marks                                                        */
/* ------------------------------------------------------------------ */

/* calls_by_operator and call_values read these columns. */
CREATE TRIGGER MISLINK_CALLS_REPORT FOR MISLINK_CALLS
ACTIVE AFTER INSERT OR UPDATE OR DELETE POSITION 32000
AS
BEGIN
    IF (INSERTING) THEN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (NEW.STARTED_AT);
    ELSE IF (DELETING) THEN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (OLD.STARTED_AT);
    ELSE IF (NEW.STARTED_AT IS DISTINCT FROM OLD.STARTED_AT OR NEW.DIRECTION IS DISTINCT FROM OLD.DIRECTION
             OR NEW.RESULT IS DISTINCT FROM OLD.RESULT OR NEW.OPERATOR_ID IS DISTINCT FROM OLD.OPERATOR_ID
             OR NEW.WAIT_SEC IS DISTINCT FROM OLD.WAIT_SEC OR NEW.TALK_SEC IS DISTINCT FROM OLD.TALK_SEC
             OR NEW.CALLED_BACK_AT IS DISTINCT FROM OLD.CALLED_BACK_AT) THEN
    BEGIN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (OLD.STARTED_AT);
        IF (NEW.STARTED_AT IS DISTINCT FROM OLD.STARTED_AT) THEN
            INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (NEW.STARTED_AT);
    END
END^

/* chats_by_operator and chat_values read these columns. */
CREATE TRIGGER MISLINK_CHAT_THREADS_REPORT FOR MISLINK_CHAT_THREADS
ACTIVE AFTER INSERT OR UPDATE OR DELETE POSITION 32000
AS
BEGIN
    IF (INSERTING) THEN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (NEW.OPENED_AT);
    ELSE IF (DELETING) THEN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (OLD.OPENED_AT);
    ELSE IF (NEW.OPENED_AT IS DISTINCT FROM OLD.OPENED_AT OR NEW.CHANNEL IS DISTINCT FROM OLD.CHANNEL
             OR NEW.OPERATOR_ID IS DISTINCT FROM OLD.OPERATOR_ID OR NEW.APPEAL_ID IS DISTINCT FROM OLD.APPEAL_ID
             OR NEW.FIRST_RESPONSE_AT IS DISTINCT FROM OLD.FIRST_RESPONSE_AT
             OR NEW.CLOSED_AT IS DISTINCT FROM OLD.CLOSED_AT) THEN
    BEGIN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (OLD.OPENED_AT);
        IF (NEW.OPENED_AT IS DISTINCT FROM OLD.OPENED_AT) THEN
            INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (NEW.OPENED_AT);
    END
END^

/* appeals_by_hour reads these columns; a thread without an operator is
   counted for its appeal's LAST_OPERATOR_ID (chats_by_operator). */
CREATE TRIGGER MISLINK_APPEALS_REPORT FOR MISLINK_APPEALS
ACTIVE AFTER INSERT OR UPDATE OR DELETE POSITION 32000
AS
    DECLARE AID BIGINT;
BEGIN
    IF (INSERTING) THEN
    BEGIN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (NEW.CREATED_AT);
        AID = NEW.APPEAL_ID;
    END
    ELSE IF (DELETING) THEN
    BEGIN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (OLD.CREATED_AT);
        AID = OLD.APPEAL_ID;
    END
    ELSE
    BEGIN
        IF (NEW.CREATED_AT IS DISTINCT FROM OLD.CREATED_AT OR NEW.CHANNEL IS DISTINCT FROM OLD.CHANNEL
            OR NEW.OPERATOR_ID IS DISTINCT FROM OLD.OPERATOR_ID OR NEW.STATUS IS DISTINCT FROM OLD.STATUS
            OR NEW.BOOKED_SCHEDULE_ID IS DISTINCT FROM OLD.BOOKED_SCHEDULE_ID) THEN
        BEGIN
            INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (OLD.CREATED_AT);
            IF (NEW.CREATED_AT IS DISTINCT FROM OLD.CREATED_AT) THEN
                INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT) VALUES (NEW.CREATED_AT);
        END
        IF (NEW.LAST_OPERATOR_ID IS DISTINCT FROM OLD.LAST_OPERATOR_ID) THEN
            AID = NEW.APPEAL_ID;
    END
    IF (AID IS NOT NULL) THEN
        INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT)
        SELECT T.OPENED_AT FROM MISLINK_CHAT_THREADS T WHERE T.APPEAL_ID = :AID AND T.OPERATOR_ID IS NULL;
END^

/* A 'booked' event books its appeal (appeals_by_hour); 'transferred' and
   'released' count in its thread's row (chats_by_operator); the holds
   ('assigned', 'reopened', 'transferred', 'released', 'closed') are its
   thread's (chat_holds). */
CREATE TRIGGER MISLINK_APPEAL_EVENTS_REPORT FOR MISLINK_APPEAL_EVENTS
ACTIVE AFTER INSERT OR UPDATE OR DELETE POSITION 32000
AS
BEGIN
    IF (NOT INSERTING) THEN
    BEGIN
        IF (OLD.EVENT_TYPE = 'booked') THEN
            INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT)
            SELECT M.CREATED_AT FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = OLD.APPEAL_ID;
        IF (OLD.EVENT_TYPE IN ('assigned', 'reopened', 'transferred', 'released', 'closed') AND OLD.THREAD_ID IS NOT NULL) THEN
            INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT)
            SELECT T.OPENED_AT FROM MISLINK_CHAT_THREADS T WHERE T.ID = OLD.THREAD_ID;
    END
    IF (NOT DELETING) THEN
    BEGIN
        IF (NEW.EVENT_TYPE = 'booked') THEN
            INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT)
            SELECT M.CREATED_AT FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = NEW.APPEAL_ID;
        IF (NEW.EVENT_TYPE IN ('assigned', 'reopened', 'transferred', 'released', 'closed') AND NEW.THREAD_ID IS NOT NULL) THEN
            INSERT INTO MISLINK_REPORT_CHANGES (FACT_AT)
            SELECT T.OPENED_AT FROM MISLINK_CHAT_THREADS T WHERE T.ID = NEW.THREAD_ID;
    END
END^

/* ------------------------------------------------------------------ */
/* Privileges                                                          */
/* ------------------------------------------------------------------ */

/* The MIS user fires these through the profile's triggers on its tables. */
GRANT INSERT ON MISLINK_REPORT_CHANGES TO TRIGGER MISLINK_CALLS_REPORT^
GRANT INSERT ON MISLINK_REPORT_CHANGES TO TRIGGER MISLINK_CHAT_THREADS_REPORT^
GRANT INSERT ON MISLINK_REPORT_CHANGES TO TRIGGER MISLINK_APPEALS_REPORT^
GRANT SELECT ON MISLINK_CHAT_THREADS TO TRIGGER MISLINK_APPEALS_REPORT^
GRANT INSERT ON MISLINK_REPORT_CHANGES TO TRIGGER MISLINK_APPEAL_EVENTS_REPORT^
GRANT SELECT ON MISLINK_APPEALS TO TRIGGER MISLINK_APPEAL_EVENTS_REPORT^
GRANT SELECT ON MISLINK_CHAT_THREADS TO TRIGGER MISLINK_APPEAL_EVENTS_REPORT^

GRANT SELECT, INSERT, UPDATE, DELETE ON MISLINK_REPORT_DAYS TO ROLE MISLINK_WORKER^
GRANT SELECT, INSERT, UPDATE, DELETE ON MISLINK_REPORT_DAY_STATE TO ROLE MISLINK_WORKER^
GRANT SELECT, INSERT, DELETE ON MISLINK_REPORT_CHANGES TO ROLE MISLINK_WORKER^

/* Screens may read the report's days. */
GRANT SELECT ON MISLINK_REPORT_DAYS TO ROLE MISLINK_SCREEN^
GRANT SELECT ON MISLINK_REPORT_DAY_STATE TO ROLE MISLINK_SCREEN^

SET TERM ; ^
