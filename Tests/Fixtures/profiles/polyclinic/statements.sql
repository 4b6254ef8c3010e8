-- MIS profile "polyclinic": every statement MisLink runs against the polyclinic fixture's tables
-- (schema.sql next to this file). Contract: SQL/profiles/CONTRACT.md.
--  - Ids are INTEGER. A visit is STARTS (TIMESTAMP) + DURATION (minutes); STATE 'P' planned,
--    'D' done, 'X' cancelled, 'N' no-show.
--  - Phones are only in PHONES; migrations/V001 keeps MISLINK_PATIENT_PHONES filled from it with
--    SOURCE_COLUMN 'PHONES:<PHONES.ID>' (its key needs one value per row); shown as 'PHONES.NUM'.
--  - No appeals table: MisLink's own MISLINK_APPEALS rows are the appeals.

-- name: identify_candidates
-- Every live patient (REMOVED 0) with a phone whose key is :phone_key, and the last attended visit.
SELECT DISTINCT
       P.ID AS PATIENT_ID,
       P.NAME AS FULL_NAME,
       P.BIRTHDAY AS BIRTH_DATE,
       'PHONES.NUM' AS SOURCE_COLUMN,
       (SELECT MAX(V.STARTS) FROM VISITS V WHERE V.PACIENT_ID = P.ID AND V.STATE = 'D') AS LAST_VISIT_AT
  FROM MISLINK_PATIENT_PHONES PP
  JOIN PACIENT P ON P.ID = PP.PATIENT_ID
 WHERE PP.PHONE_KEY = :phone_key
   AND P.REMOVED = 0;

-- name: last_visit
-- The patient's last attended visit (STATE 'D') and its service's title.
SELECT FIRST 1 V.ID AS VISIT_ID, V.STARTS AS START_AT, S.TITLE AS SERVICE_NAME
  FROM VISITS V
  LEFT JOIN SERVICES S ON S.ID = V.SERVICE_ID
 WHERE V.PACIENT_ID = :patient_id AND V.STATE = 'D'
 ORDER BY V.STARTS DESC;

-- name: patient_message_name
-- What follows the surname in NAME ("Смирнова Ольга Петровна" -> "Ольга Петровна"); one word: whole.
SELECT CASE
         WHEN POSITION(' ' IN TRIM(P.NAME)) = 0 THEN TRIM(P.NAME)
         ELSE TRIM(SUBSTRING(TRIM(P.NAME) FROM POSITION(' ' IN TRIM(P.NAME)) + 1))
       END AS NAME
  FROM PACIENT P
 WHERE P.ID = :patient_id;

-- name: mailing_recipients
-- Consent flags, the deletion mark, and the phone key: a mobile ('M') first, never a clinic number.
SELECT P.ID AS PATIENT_ID,
       P.SMS_OK AS CONSENT_SMS,
       P.CHAT_OK AS CONSENT_MESSENGERS,
       IIF(P.REMOVED = 0, 0, 1) AS IS_DELETED,
       (SELECT FIRST 1 PP.PHONE_KEY
          FROM MISLINK_PATIENT_PHONES PP
          JOIN PHONES H ON PP.SOURCE_COLUMN = 'PHONES:' || H.ID
         WHERE PP.PATIENT_ID = P.ID
           AND NOT EXISTS (SELECT 1 FROM MISLINK_OWN_NUMBERS O WHERE O.PHONE_KEY = PP.PHONE_KEY)
         ORDER BY IIF(H.KIND = 'M', 0, 1), H.ID, PP.ORDINAL) AS PHONE_KEY
  FROM PACIENT P
 WHERE P.ID = :patient_id;

-- name: staff_extensions
-- Employees still working (FIRED 0) by the PBX extension in USERS.PBX_EXT.
SELECT U.DOCTOR_ID AS STAFF_ID, TRIM(U.PBX_EXT) AS EXTENSION
  FROM USERS U
  JOIN DOCTORS D ON D.ID = U.DOCTOR_ID
 WHERE U.PBX_EXT IS NOT NULL AND D.FIRED = 0
 ORDER BY U.DOCTOR_ID DESC;

-- name: staff_chat_logins
-- Employees still working by the chat login in USERS.CHAT_LOGIN.
SELECT U.DOCTOR_ID AS STAFF_ID, TRIM(U.CHAT_LOGIN) AS CHAT_LOGIN
  FROM USERS U
  JOIN DOCTORS D ON D.ID = U.DOCTOR_ID
 WHERE U.CHAT_LOGIN IS NOT NULL AND D.FIRED = 0
 ORDER BY U.DOCTOR_ID DESC;

-- name: staff_get
-- One employee: FIO, the first extension of their logins, and whether they still work here.
SELECT D.ID AS STAFF_ID, D.FIO AS FULL_NAME,
       (SELECT FIRST 1 TRIM(U.PBX_EXT) FROM USERS U
         WHERE U.DOCTOR_ID = D.ID AND U.PBX_EXT IS NOT NULL ORDER BY U.ID) AS EXTENSION,
       IIF(D.FIRED = 0, 1, 0) AS IS_ACTIVE
  FROM DOCTORS D
 WHERE D.ID = :staff_id;

-- name: book_visit
-- Inserts the visit (VISITS_BI numbers it); :minutes NULL takes the service's MINUTES, else 30.
-- No check of the slot: the MIS has no procedure for it.
INSERT INTO VISITS (PACIENT_ID, DOCTOR_ID, SERVICE_ID, STARTS, DURATION, STATE)
VALUES (:patient_id, :doctor_id, :service_id, :start_at,
        COALESCE(CAST(:minutes AS SMALLINT),
                 (SELECT S.MINUTES FROM SERVICES S WHERE S.ID = CAST(:service_id AS INTEGER)), 30),
        'P')
RETURNING ID AS VISIT_ID;

-- name: cancel_visit
-- Cancels a planned visit (STATE 'P' -> 'X'). The MIS keeps no operator.
UPDATE VISITS SET STATE = 'X' WHERE ID = :visit_id AND STATE = 'P';

-- name: move_visit
-- Moves a planned visit to :start_at.
UPDATE VISITS SET STARTS = :start_at WHERE ID = :visit_id AND STATE = 'P';

-- name: free_slots
-- Every 30 minutes from 09:00 to 17:00 of each day in the period, for each working doctor
-- (IS_DOCTOR 1, FIRED 0), left out when it overlaps a planned or done visit. At most 1024 days.
WITH RECURSIVE
  DAYS (D) AS (
    SELECT CAST(CAST(:from AS TIMESTAMP) AS DATE) FROM RDB$DATABASE
    UNION ALL
    SELECT D + 1 FROM DAYS WHERE CAST(D + 1 AS TIMESTAMP) < CAST(:to AS TIMESTAMP)
  ),
  SLOTS (DOCTOR_ID, START_AT) AS (
    SELECT DR.ID, DATEADD(9 HOUR TO CAST(DAYS.D AS TIMESTAMP))
      FROM DAYS CROSS JOIN DOCTORS DR
     WHERE DR.IS_DOCTOR = 1 AND DR.FIRED = 0
       AND (CAST(:doctor_id AS INTEGER) IS NULL OR DR.ID = CAST(:doctor_id AS INTEGER))
       AND (CAST(:service_id AS INTEGER) IS NULL OR CAST(:service_id AS INTEGER) IS NOT NULL)
    UNION ALL
    SELECT S.DOCTOR_ID, DATEADD(30 MINUTE TO S.START_AT) FROM SLOTS S
     WHERE EXTRACT(HOUR FROM DATEADD(30 MINUTE TO S.START_AT)) < 17
  )
SELECT S.DOCTOR_ID AS DOCTOR_ID, S.START_AT AS START_AT, 30 AS MINUTES
  FROM SLOTS S
 WHERE S.START_AT >= CAST(:from AS TIMESTAMP)
   AND DATEADD(30 MINUTE TO S.START_AT) <= CAST(:to AS TIMESTAMP)
   AND NOT EXISTS (SELECT 1 FROM VISITS V
                    WHERE V.DOCTOR_ID = S.DOCTOR_ID AND V.STATE IN ('P', 'D')
                      AND V.STARTS < DATEADD(30 MINUTE TO S.START_AT)
                      AND DATEADD(V.DURATION MINUTE TO V.STARTS) > S.START_AT)
 ORDER BY 2, 1;

-- name: visit_get
-- One visit; STATE becomes booked / visited / cancelled / no_show; CABINET is the doctor's ROOM.
SELECT V.ID AS VISIT_ID, V.PACIENT_ID AS PATIENT_ID, V.DOCTOR_ID AS DOCTOR_ID,
       V.SERVICE_ID AS SERVICE_ID, V.STARTS AS START_AT, D.ROOM AS CABINET,
       DECODE(V.STATE, 'P', 'booked', 'D', 'visited', 'X', 'cancelled', 'N', 'no_show') AS STATUS
  FROM VISITS V
  JOIN DOCTORS D ON D.ID = V.DOCTOR_ID
 WHERE V.ID = :visit_id;

-- name: service_get
-- One service and its usual length.
SELECT S.ID AS SERVICE_ID, S.TITLE AS NAME, S.MINUTES AS MINUTES
  FROM SERVICES S
 WHERE S.ID = :service_id;
