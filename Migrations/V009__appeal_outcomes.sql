/*
 * V009 -- appeal outcomes: a booking made from an appeal completes it, and
 * the MIS completing or cancelling an appeal enters the appeal's chain.
 *
 * Objects: triggers MISLINK_SCHEDULE_APPEAL_DONE (on SCHEDULE) and
 *          MISLINK_APPEALS_OUTCOME (on APPEALS), with their privileges.
 * Undo:    U009__appeal_outcomes.sql
 * Needs:   V006 (MISLINK_APPEALS, MISLINK_APPEAL_EVENTS), V007 (the SCHEDULE
 *          trigger that records the booking itself).
 *
 * Both act only on appeals MisLink made (those with a MISLINK_APPEALS row):
 * appeals the MIS creates on its own behave exactly as before. APPEALS is
 * not altered; a trigger is added to it, as V007 added one to SCHEDULE.
 * APPEALS.CLOSED_AT is the MIS's local time, like its CREATED_AT.
 */

SET TERM ^ ;

/* A chat or call appeal stays open until its operator books or cancels
   (Infoclinica's rule 4): the booking closes it with RESULT 'booked'. Runs
   after MISLINK_SCHEDULE_MESSAGES, so the chain reads booked, then closed. */
CREATE TRIGGER MISLINK_SCHEDULE_APPEAL_DONE FOR SCHEDULE
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
   with the operator and the MIS's RESULT as detail. */
CREATE TRIGGER MISLINK_APPEALS_OUTCOME FOR APPEALS
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
END^

/* ------------------------------------------------------------------ */
/* Privileges of the PSQL objects                                      */
/* ------------------------------------------------------------------ */

GRANT SELECT ON MISLINK_APPEALS TO TRIGGER MISLINK_SCHEDULE_APPEAL_DONE^
GRANT SELECT, UPDATE ON APPEALS TO TRIGGER MISLINK_SCHEDULE_APPEAL_DONE^
GRANT SELECT, UPDATE ON MISLINK_APPEALS TO TRIGGER MISLINK_APPEALS_OUTCOME^
GRANT INSERT ON MISLINK_APPEAL_EVENTS TO TRIGGER MISLINK_APPEALS_OUTCOME^

SET TERM ; ^
