/*
 * reference V002 -- booking messages and the appeal chain from SCHEDULE.
 *
 * Objects: trigger MISLINK_SCHEDULE_MESSAGES on SCHEDULE, with its
 *          privileges (SELECT on PATIENTS among them).
 * Undo:    U002__booking_messages.sql
 * Needs:   MisLink's core migrations (MISLINK_OUTBOX, MISLINK_APPEAL_EVENTS,
 *          MISLINK_PATIENT_PHONES, MISLINK_SETTING, MISLINK_UTC_NOW).
 *
 * Until issue 16 this was part of the core's V007 (with INTEGER ids in
 * QUEUE_MESSAGE; now BIGINT, as the core's columns since V015). A database
 * that applied that V007 has the trigger: CREATE OR ALTER adopts it.
 * SCHEDULE.START_AT is clinic wall-clock time (clinic.utc_offset_minutes).
 */

SET TERM ^ ;

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
CREATE OR ALTER TRIGGER MISLINK_SCHEDULE_MESSAGES FOR SCHEDULE
ACTIVE AFTER INSERT OR UPDATE OR DELETE POSITION 32000
AS
    DECLARE PROCEDURE QUEUE_MESSAGE (
        TEMPLATE_CODE   VARCHAR(63) CHARACTER SET ASCII,
        SCHEDULE_ID     BIGINT,
        PATIENT_ID      BIGINT,
        DOCTOR_ID       BIGINT,
        SERVICE_ID      BIGINT,
        START_AT        TIMESTAMP,
        OLD_START_AT    TIMESTAMP,
        APPEAL_ID       BIGINT,
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
            || ',"service_id":' || COALESCE(CAST(SERVICE_ID AS VARCHAR(20)), 'null')
            || ',"appeal_id":' || COALESCE(CAST(APPEAL_ID AS VARCHAR(20)), 'null')
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

/* Privileges: the MIS user booking a visit does not own MisLink's objects. */
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT EXECUTE ON FUNCTION MISLINK_SETTING TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT ON PATIENTS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT ON MISLINK_PATIENT_PHONES TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT ON MISLINK_OWN_NUMBERS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT, INSERT, UPDATE ON MISLINK_OUTBOX TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT INSERT ON MISLINK_APPEAL_EVENTS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^
GRANT SELECT, UPDATE ON MISLINK_APPEALS TO TRIGGER MISLINK_SCHEDULE_MESSAGES^

SET TERM ; ^
