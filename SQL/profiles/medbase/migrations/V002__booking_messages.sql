/*
 * medbase V002 -- booking messages and the appeal chain from PRIEMY, the
 * MedBaza visits table: what the MISLINK_SCHEDULE_MESSAGES trigger of the
 * reference profile (its migrations/V002) does for the reference SCHEDULE table.
 *
 * Objects: trigger MISLINK_PRIEMY_MESSAGES on PRIEMY, with its privileges.
 * Undo:    U002__booking_messages.sql
 * Needs:   medbase V001; MisLink's MISLINK_SETTING, MISLINK_UTC_NOW,
 *          MISLINK_OWN_NUMBERS, MISLINK_PATIENT_PHONES, MISLINK_OUTBOX,
 *          MISLINK_APPEALS and MISLINK_APPEAL_EVENTS, with their id columns
 *          BIGINT (see README.md, "Before MisLink's migrations fit").
 *
 * How PRIEMY maps to the reference's SCHEDULE:
 *   start    DATA_PRIEMA + CHAS:MINUTA (clinic wall-clock time), converted to
 *            UTC with the setting clinic.utc_offset_minutes;
 *   status   SOSTOYANIE 0 = booked, 1 = attended, 2 = cancelled, 3 = no-show;
 *   appeal   VNESH_ID when ISTOCHNIK = 'MISLINK' (book_visit passes MisLink's
 *            appeal id there); visits booked by other systems carry none;
 *   who      KTO_ZAPISAL (the employee code ZAPIS_NA_PRIEM was given).
 * Consent: KLIENTY.SOGL_SMS / SOGL_MESSENDZHER = yes; a card with
 * PRIZNAK_UDAL <> 0 gets nothing. The phone: mobile first (TEL_MOB, then the
 * KONTAKTY rows, then TEL_DOM, TEL_RAB), never one of the clinic's own numbers.
 *
 * The messages are those of V007: booking_confirmed (+ booking_reminder),
 * booking_moved (+ reminder), booking_cancelled; every change first cancels
 * the messages of that visit still pending. A visit carrying an appeal adds
 * booked / booking_moved / booking_cancelled to MISLINK_APPEAL_EVENTS.
 * ASCII only: the 'yes' flag value (Cyrillic DE) is written as _WIN1251 x'C4'.
 */

SET TERM ^ ;

CREATE TRIGGER MISLINK_PRIEMY_MESSAGES FOR PRIEMY
ACTIVE AFTER INSERT OR UPDATE OR DELETE POSITION 32000
AS
    DECLARE PROCEDURE QUEUE_MESSAGE (
        TEMPLATE_CODE   VARCHAR(63) CHARACTER SET ASCII,
        VISIT_ID        BIGINT,
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
        SELECT IIF(P.SOGL_SMS = _WIN1251 x'C4', 1, 0), IIF(P.SOGL_MESSENDZHER = _WIN1251 x'C4', 1, 0),
               P.PRIZNAK_UDAL
          FROM KLIENTY P
         WHERE P.KOD = :PATIENT_ID
          INTO :C_SMS, :C_MSG, :IS_DEL;
        IF (IS_DEL IS DISTINCT FROM 0 OR (C_SMS IS DISTINCT FROM 1 AND C_MSG IS DISTINCT FROM 1)) THEN
            EXIT;
        /* Mobile first; never a number of the clinic itself. */
        SELECT FIRST 1 PP.PHONE_KEY
          FROM MISLINK_PATIENT_PHONES PP
         WHERE PP.PATIENT_ID = :PATIENT_ID
           AND NOT EXISTS (SELECT 1 FROM MISLINK_OWN_NUMBERS O WHERE O.PHONE_KEY = PP.PHONE_KEY)
         ORDER BY IIF(PP.SOURCE_COLUMN = 'TEL_MOB', 0, IIF(PP.SOURCE_COLUMN STARTING WITH 'KONTAKTY:', 1, 2)),
                  PP.SOURCE_COLUMN, PP.ORDINAL
          INTO :PKEY;
        PARAMS = '{"schedule_id":' || VISIT_ID
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
                :NOW_UTC, :START_UTC, :PATIENT_ID, :APPEAL_ID, :VISIT_ID, 'schedule');
        IF (PKEY IS NOT NULL AND TEMPLATE_CODE IN ('booking_confirmed', 'booking_moved')) THEN
        BEGIN
            HOURS = CAST(COALESCE(NULLIF(MISLINK_SETTING('outbox.reminder_hours'), ''), '0') AS INTEGER);
            IF (HOURS > 0 AND DATEADD(-HOURS HOUR TO START_UTC) > NOW_UTC) THEN
                INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, TEMPLATE_CODE, PARAMS,
                                            NEXT_ATTEMPT_AT, EXPIRES_AT,
                                            PATIENT_ID, APPEAL_ID, SCHEDULE_ID, SOURCE)
                VALUES ('message', IIF(:C_MSG = 1, 'messenger', 'sms'), :PKEY, :PKEY, 'booking_reminder',
                        :PARAMS, DATEADD(-:HOURS HOUR TO :START_UTC), :START_UTC,
                        :PATIENT_ID, :APPEAL_ID, :VISIT_ID, 'schedule');
        END
    END

    DECLARE NOW_UTC TIMESTAMP;
    DECLARE OFS INTEGER;
    DECLARE NEW_START TIMESTAMP;      /* clinic time */
    DECLARE OLD_START TIMESTAMP;
    DECLARE NEW_UTC TIMESTAMP;
    DECLARE OLD_UTC TIMESTAMP;
    DECLARE NEW_APPEAL BIGINT;
    DECLARE OLD_APPEAL BIGINT;
    DECLARE NEW_LIVE SMALLINT = 0;    /* NEW is a booking in the future */
    DECLARE OLD_LIVE SMALLINT = 0;    /* OLD was a booking in the future */
BEGIN
    NOW_UTC = MISLINK_UTC_NOW();
    OFS = CAST(COALESCE(NULLIF(MISLINK_SETTING('clinic.utc_offset_minutes'), ''), '0') AS INTEGER);
    IF (NOT DELETING) THEN
    BEGIN
        NEW_START = DATEADD(NEW.CHAS * 60 + NEW.MINUTA MINUTE TO CAST(NEW.DATA_PRIEMA AS TIMESTAMP));
        NEW_UTC = DATEADD(-OFS MINUTE TO NEW_START);
        NEW_APPEAL = IIF(NEW.ISTOCHNIK = 'MISLINK', NEW.VNESH_ID, NULL);
        IF (NEW.SOSTOYANIE = 0 AND NEW_UTC > NOW_UTC) THEN
            NEW_LIVE = 1;
    END
    IF (NOT INSERTING) THEN
    BEGIN
        OLD_START = DATEADD(OLD.CHAS * 60 + OLD.MINUTA MINUTE TO CAST(OLD.DATA_PRIEMA AS TIMESTAMP));
        OLD_UTC = DATEADD(-OFS MINUTE TO OLD_START);
        OLD_APPEAL = IIF(OLD.ISTOCHNIK = 'MISLINK', OLD.VNESH_ID, NULL);
        IF (OLD.SOSTOYANIE = 0 AND OLD_UTC > NOW_UTC) THEN
            OLD_LIVE = 1;
    END

    /* Messages to the patient. */
    IF (INSERTING) THEN
    BEGIN
        IF (NEW_LIVE = 1) THEN
            EXECUTE PROCEDURE QUEUE_MESSAGE('booking_confirmed', NEW.KOD, NEW.KOD_KLIENTA, NEW.KOD_VRACHA,
                NEW.KOD_USLUGI, NEW_START, NULL, NEW_APPEAL, NEW_UTC, NOW_UTC);
    END
    ELSE IF (DELETING OR NEW.KOD <> OLD.KOD OR NEW.SOSTOYANIE IS DISTINCT FROM OLD.SOSTOYANIE
             OR NEW.KOD_KLIENTA IS DISTINCT FROM OLD.KOD_KLIENTA
             OR NEW_START IS DISTINCT FROM OLD_START
             OR NEW.KOD_VRACHA IS DISTINCT FROM OLD.KOD_VRACHA) THEN
    BEGIN
        UPDATE MISLINK_OUTBOX SET STATUS = 'cancelled', ERROR = 'booking changed'
         WHERE SCHEDULE_ID = OLD.KOD AND STATUS = 'pending' AND SOURCE = 'schedule';
        IF (DELETING) THEN
        BEGIN
            IF (OLD_LIVE = 1) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_cancelled', OLD.KOD, OLD.KOD_KLIENTA, OLD.KOD_VRACHA,
                    OLD.KOD_USLUGI, OLD_START, NULL, OLD_APPEAL, OLD_UTC, NOW_UTC);
        END
        ELSE IF (OLD.SOSTOYANIE = 0 AND NEW.SOSTOYANIE = 0 AND NEW.KOD_KLIENTA = OLD.KOD_KLIENTA) THEN
        BEGIN
            IF (NEW_LIVE = 1) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_moved', NEW.KOD, NEW.KOD_KLIENTA, NEW.KOD_VRACHA,
                    NEW.KOD_USLUGI, NEW_START, OLD_START, NEW_APPEAL, NEW_UTC, NOW_UTC);
        END
        ELSE
        BEGIN
            IF (OLD_LIVE = 1 AND (NEW.SOSTOYANIE = 2 OR NEW.KOD_KLIENTA <> OLD.KOD_KLIENTA)) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_cancelled', OLD.KOD, OLD.KOD_KLIENTA, OLD.KOD_VRACHA,
                    OLD.KOD_USLUGI, OLD_START, NULL, OLD_APPEAL, OLD_UTC, NOW_UTC);
            IF (NEW_LIVE = 1) THEN
                EXECUTE PROCEDURE QUEUE_MESSAGE('booking_confirmed', NEW.KOD, NEW.KOD_KLIENTA, NEW.KOD_VRACHA,
                    NEW.KOD_USLUGI, NEW_START, NULL, NEW_APPEAL, NEW_UTC, NOW_UTC);
        END
    END

    /* The chain of the appeal the visit was booked from. */
    IF (NOT DELETING) THEN
    BEGIN
        IF (NEW_APPEAL IS NOT NULL AND NEW.SOSTOYANIE = 0) THEN
        BEGIN
            IF (INSERTING OR OLD.SOSTOYANIE IS DISTINCT FROM 0
                OR OLD_APPEAL IS DISTINCT FROM NEW_APPEAL) THEN
            BEGIN
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, SCHEDULE_ID)
                VALUES (:NEW_APPEAL, 'booked', 'mis', NEW.KTO_ZAPISAL, NEW.KOD);
                UPDATE MISLINK_APPEALS SET BOOKED_SCHEDULE_ID = NEW.KOD WHERE APPEAL_ID = :NEW_APPEAL;
            END
            ELSE IF (NEW_START IS DISTINCT FROM OLD_START OR NEW.KOD_VRACHA IS DISTINCT FROM OLD.KOD_VRACHA) THEN
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, SCHEDULE_ID)
                VALUES (:NEW_APPEAL, 'booking_moved', 'mis', NEW.KTO_IZMENIL, NEW.KOD);
        END
        IF (UPDATING) THEN
            IF (OLD_APPEAL IS NOT NULL AND OLD.SOSTOYANIE = 0 AND NEW.SOSTOYANIE = 2) THEN
                INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, SCHEDULE_ID)
                VALUES (:OLD_APPEAL, 'booking_cancelled', 'mis', NEW.KTO_IZMENIL, OLD.KOD);
    END
    ELSE IF (OLD_APPEAL IS NOT NULL AND OLD.SOSTOYANIE = 0) THEN
        INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, SCHEDULE_ID, DETAIL)
        VALUES (:OLD_APPEAL, 'booking_cancelled', 'mis', OLD.KOD, 'visit deleted');
END^

GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_PRIEMY_MESSAGES^
GRANT EXECUTE ON FUNCTION MISLINK_SETTING TO TRIGGER MISLINK_PRIEMY_MESSAGES^
GRANT SELECT ON KLIENTY TO TRIGGER MISLINK_PRIEMY_MESSAGES^
GRANT SELECT ON MISLINK_PATIENT_PHONES TO TRIGGER MISLINK_PRIEMY_MESSAGES^
GRANT SELECT ON MISLINK_OWN_NUMBERS TO TRIGGER MISLINK_PRIEMY_MESSAGES^
GRANT SELECT, INSERT, UPDATE ON MISLINK_OUTBOX TO TRIGGER MISLINK_PRIEMY_MESSAGES^
GRANT INSERT ON MISLINK_APPEAL_EVENTS TO TRIGGER MISLINK_PRIEMY_MESSAGES^
GRANT SELECT, UPDATE ON MISLINK_APPEALS TO TRIGGER MISLINK_PRIEMY_MESSAGES^

SET TERM ; ^
