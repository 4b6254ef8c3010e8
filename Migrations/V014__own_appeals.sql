/*
 * V014 -- own appeals: MISLINK_APPEALS can be the appeal itself, for a MIS
 * that has no appeals table (its profile says "appeals": false).
 *
 * Objects: sequence MISLINK_APPEALS_SEQ; columns MISLINK_APPEALS.IS_OWN,
 *          STATUS, RESULT, OPERATOR_ID, PATIENT_ID, CONTACT_PHONE,
 *          CLOSED_AT; triggers MISLINK_APPEALS_OWN_BIU,
 *          MISLINK_APPEALS_OWN_OUTCOME and MISLINK_APPEAL_EVENTS_BOOKED,
 *          with their privileges.
 * Undo:    U014__own_appeals.sql
 * Needs:   V006 (MISLINK_APPEALS, MISLINK_APPEAL_EVENTS).
 *
 * An own appeal (IS_OWN = 1) gets its APPEAL_ID from MISLINK_APPEALS_SEQ
 * and keeps its status, result, operator and patient here. The rules the
 * MIS's appeals follow hold for it too: a booking made from it ('booked'
 * in its chain, written by the profile's booking trigger) closes it with
 * RESULT 'booked', and closing or cancelling it enters the chain.
 *
 * For an appeal of the MIS (IS_OWN = 0) STATUS, RESULT and CLOSED_AT are
 * a copy the profile's trigger on the MIS's appeals table keeps (NULL
 * where a profile keeps none), so that MisLink's lists and its report read
 * one table whatever the MIS. Existing rows are MIS appeals (IS_OWN 0).
 */

SET TERM ^ ;

CREATE SEQUENCE MISLINK_APPEALS_SEQ^

ALTER TABLE MISLINK_APPEALS
    ADD IS_OWN SMALLINT DEFAULT 0 NOT NULL,
    ADD STATUS VARCHAR(12) CHARACTER SET ASCII,
    ADD RESULT VARCHAR(64) CHARACTER SET UTF8,
    ADD OPERATOR_ID BIGINT,
    ADD PATIENT_ID BIGINT,
    ADD CONTACT_PHONE VARCHAR(40) CHARACTER SET UTF8,
    ADD CLOSED_AT TIMESTAMP,
    ADD CONSTRAINT MISLINK_APPEALS_OWN_CK CHECK (IS_OWN IN (0, 1)),
    ADD CONSTRAINT MISLINK_APPEALS_STATUS_CK CHECK (STATUS IN ('open', 'closed', 'cancelled'))^

CREATE INDEX MISLINK_APPEALS_STATUS_IX ON MISLINK_APPEALS (STATUS)^

/* An own appeal's id, its opening status, and its CLOSED_AT when it ends. */
CREATE TRIGGER MISLINK_APPEALS_OWN_BIU FOR MISLINK_APPEALS
ACTIVE BEFORE INSERT OR UPDATE POSITION 10
AS
BEGIN
    IF (INSERTING AND NEW.IS_OWN = 1) THEN
    BEGIN
        IF (NEW.APPEAL_ID IS NULL) THEN
            NEW.APPEAL_ID = NEXT VALUE FOR MISLINK_APPEALS_SEQ;
        IF (NEW.STATUS IS NULL) THEN
            NEW.STATUS = 'open';
    END
    IF (NEW.STATUS IN ('closed', 'cancelled')) THEN
    BEGIN
        IF (NEW.CLOSED_AT IS NULL) THEN
            NEW.CLOSED_AT = MISLINK_UTC_NOW();
        NEW.IS_DETACHED = 0;
    END
    ELSE IF (NEW.STATUS = 'open') THEN
        NEW.CLOSED_AT = NULL;
END^

/* Closing or cancelling an own appeal enters its chain ('closed' or
   'cancelled', with the operator and the result), as the MIS's appeals do
   through their profile's trigger. */
CREATE TRIGGER MISLINK_APPEALS_OWN_OUTCOME FOR MISLINK_APPEALS
ACTIVE AFTER UPDATE POSITION 110
AS
BEGIN
    IF (NEW.IS_OWN = 1 AND NEW.STATUS IS DISTINCT FROM OLD.STATUS
        AND NEW.STATUS IN ('closed', 'cancelled')) THEN
        INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, DETAIL)
        VALUES (NEW.APPEAL_ID, NEW.STATUS, 'system', NEW.OPERATOR_ID,
                'appeal ' || NEW.STATUS || COALESCE(': ' || NEW.RESULT, ''));
END^

/* A booking made from an own open appeal closes it (the chain reads
   booked, then closed). */
CREATE TRIGGER MISLINK_APPEAL_EVENTS_BOOKED FOR MISLINK_APPEAL_EVENTS
ACTIVE AFTER INSERT POSITION 110
AS
BEGIN
    IF (NEW.EVENT_TYPE = 'booked') THEN
        UPDATE MISLINK_APPEALS
           SET STATUS = 'closed', RESULT = COALESCE(RESULT, 'booked'),
               BOOKED_SCHEDULE_ID = COALESCE(NEW.SCHEDULE_ID, BOOKED_SCHEDULE_ID)
         WHERE APPEAL_ID = NEW.APPEAL_ID AND IS_OWN = 1 AND STATUS = 'open';
END^

COMMENT ON COLUMN MISLINK_APPEALS.IS_OWN IS '1: MisLink''s own appeal (the MIS has no appeals table); APPEAL_ID from MISLINK_APPEALS_SEQ and this row is the appeal. 0: APPEAL_ID is the MIS''s appeal.'^
COMMENT ON COLUMN MISLINK_APPEALS.STATUS IS 'open, closed or cancelled. The appeal''s own status when IS_OWN = 1; a copy the MIS profile''s trigger keeps otherwise (NULL if none).'^
COMMENT ON COLUMN MISLINK_APPEALS.RESULT IS 'How it ended (booked, cancelled, a reason); own appeals, or the copy of the MIS''s.'^
COMMENT ON COLUMN MISLINK_APPEALS.OPERATOR_ID IS 'Operator holding an own appeal (the MIS''s staff id); NULL while it waits.'^
COMMENT ON COLUMN MISLINK_APPEALS.PATIENT_ID IS 'Patient of an own appeal (the MIS''s patient id).'^
COMMENT ON COLUMN MISLINK_APPEALS.CONTACT_PHONE IS 'The contact''s phone as received, for an own appeal.'^
COMMENT ON COLUMN MISLINK_APPEALS.CLOSED_AT IS 'When it was closed or cancelled, UTC.'^

GRANT USAGE ON SEQUENCE MISLINK_APPEALS_SEQ TO TRIGGER MISLINK_APPEALS_OWN_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_APPEALS_OWN_BIU^
GRANT INSERT ON MISLINK_APPEAL_EVENTS TO TRIGGER MISLINK_APPEALS_OWN_OUTCOME^
GRANT SELECT, UPDATE ON MISLINK_APPEALS TO TRIGGER MISLINK_APPEAL_EVENTS_BOOKED^
GRANT USAGE ON SEQUENCE MISLINK_APPEALS_SEQ TO ROLE MISLINK_WORKER^

SET TERM ; ^
