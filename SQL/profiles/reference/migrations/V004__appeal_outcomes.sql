/*
 * reference V004 -- appeal outcomes: a booking made from an appeal completes
 * it, the MIS completing or cancelling an appeal enters the appeal's chain,
 * and MISLINK_APPEALS keeps a copy of the appeal's status, result, closing
 * time, operator and patient (the columns core V014 added).
 *
 * Objects: triggers MISLINK_SCHEDULE_APPEAL_DONE (on SCHEDULE) and
 *          MISLINK_APPEALS_OUTCOME (on APPEALS), with their privileges.
 * Undo:    U004__appeal_outcomes.sql
 * Needs:   MisLink's core migrations (MISLINK_APPEALS with V014's columns,
 *          MISLINK_APPEAL_EVENTS, MISLINK_SETTING); V002 (the SCHEDULE
 *          trigger that records the booking itself).
 *
 * Until issue 16 the two triggers were the core's V009 (without the copy).
 * A database that applied that V009 has them: CREATE OR ALTER adopts them.
 *
 * Both act only on appeals MisLink made (those with a MISLINK_APPEALS row):
 * appeals the MIS creates on its own behave exactly as before. APPEALS is
 * not altered. APPEALS.CLOSED_AT is the database server's local time (the
 * booking trigger sets it with LOCALTIMESTAMP, like the MIS's CREATED_AT);
 * MISLINK_APPEALS.CLOSED_AT is UTC: CLOSED_AT minus db.utc_offset_minutes,
 * as MISLINK_UTC_NOW does. The copy is made when the MIS updates an appeal
 * and, for the existing rows, by the backfill at the end of this file.
 */

SET TERM ^ ;

/* A chat or call appeal stays open until its operator books or cancels
   (Infoclinica's rule 4): the booking closes it with RESULT 'booked'. Runs
   after MISLINK_SCHEDULE_MESSAGES, so the chain reads booked, then closed. */
CREATE OR ALTER TRIGGER MISLINK_SCHEDULE_APPEAL_DONE FOR SCHEDULE
ACTIVE AFTER INSERT OR UPDATE POSITION 32010
AS
BEGIN
    IF (NEW.APPEAL_ID IS NOT NULL AND NEW.STATUS = 'booked') THEN
        IF (INSERTING OR OLD.STATUS IS DISTINCT FROM 'booked' OR OLD.APPEAL_ID IS DISTINCT FROM NEW.APPEAL_ID) THEN
            IF (EXISTS (SELECT 1 FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = NEW.APPEAL_ID)) THEN
                UPDATE APPEALS SET STATUS = 'closed', RESULT = COALESCE(RESULT, 'booked'),
                       CLOSED_AT = COALESCE(CLOSED_AT, LOCALTIMESTAMP)
                 WHERE ID = NEW.APPEAL_ID AND STATUS = 'open';
END^

/* The MIS (or the REST API) completing or cancelling an appeal: 'closed' or
   'cancelled' in the chain (no THREAD_ID: the appeal ended, not a thread),
   with the operator and the MIS's RESULT as detail. Any change of the
   status, result, closing time, operator or patient is copied to the
   appeal's MISLINK_APPEALS row. */
CREATE OR ALTER TRIGGER MISLINK_APPEALS_OUTCOME FOR APPEALS
ACTIVE AFTER UPDATE POSITION 100
AS
BEGIN
    IF (NEW.STATUS IS DISTINCT FROM OLD.STATUS AND NEW.STATUS IN ('closed', 'cancelled')) THEN
        IF (EXISTS (SELECT 1 FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = NEW.ID)) THEN
        BEGIN
            INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, DETAIL)
            VALUES (NEW.ID, NEW.STATUS, 'mis', NEW.OPERATOR_ID, 'appeal ' || NEW.STATUS || COALESCE(': ' || NEW.RESULT, ''));
            UPDATE MISLINK_APPEALS SET IS_DETACHED = 0 WHERE APPEAL_ID = NEW.ID AND IS_DETACHED = 1;
        END
    IF (NEW.STATUS IS DISTINCT FROM OLD.STATUS OR NEW.RESULT IS DISTINCT FROM OLD.RESULT
        OR NEW.CLOSED_AT IS DISTINCT FROM OLD.CLOSED_AT OR NEW.OPERATOR_ID IS DISTINCT FROM OLD.OPERATOR_ID
        OR NEW.PATIENT_ID IS DISTINCT FROM OLD.PATIENT_ID OR NEW.ID <> OLD.ID) THEN
        UPDATE MISLINK_APPEALS
           SET STATUS = NEW.STATUS, RESULT = NEW.RESULT,
               CLOSED_AT = DATEADD(-CAST(COALESCE(NULLIF(MISLINK_SETTING('db.utc_offset_minutes'), ''), '0') AS INTEGER)
                                   MINUTE TO NEW.CLOSED_AT),
               OPERATOR_ID = NEW.OPERATOR_ID, PATIENT_ID = NEW.PATIENT_ID
         WHERE APPEAL_ID = NEW.ID AND IS_OWN = 0;
END^

/* ------------------------------------------------------------------ */
/* Privileges of the PSQL objects                                      */
/* ------------------------------------------------------------------ */

GRANT SELECT ON MISLINK_APPEALS TO TRIGGER MISLINK_SCHEDULE_APPEAL_DONE^
GRANT SELECT, UPDATE ON APPEALS TO TRIGGER MISLINK_SCHEDULE_APPEAL_DONE^
GRANT SELECT, UPDATE ON MISLINK_APPEALS TO TRIGGER MISLINK_APPEALS_OUTCOME^
GRANT INSERT ON MISLINK_APPEAL_EVENTS TO TRIGGER MISLINK_APPEALS_OUTCOME^
GRANT EXECUTE ON FUNCTION MISLINK_SETTING TO TRIGGER MISLINK_APPEALS_OUTCOME^

/* The copy for the appeals MisLink already has. */
MERGE INTO MISLINK_APPEALS M
USING APPEALS A ON A.ID = M.APPEAL_ID AND M.IS_OWN = 0
WHEN MATCHED THEN UPDATE
   SET STATUS = A.STATUS, RESULT = A.RESULT,
       CLOSED_AT = DATEADD(-CAST(COALESCE(NULLIF(MISLINK_SETTING('db.utc_offset_minutes'), ''), '0') AS INTEGER)
                           MINUTE TO A.CLOSED_AT),
       OPERATOR_ID = A.OPERATOR_ID, PATIENT_ID = A.PATIENT_ID^

SET TERM ; ^
