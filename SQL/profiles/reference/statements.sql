-- MIS profile "reference": every statement MisLink runs against the tables of SQL/clinic-schema.sql.
--
-- What each statement must do, its :parameters and the columns it must return (by alias, never by
-- position) are in SQL/profiles/CONTRACT.md. Check this file against a database with
--   mislink mis check --profile reference --database <dsn>
-- MISLINK_PATIENT_PHONES and MISLINK_OWN_NUMBERS are MisLink's own tables (Migrations/V001, V002):
-- the PATIENTS trigger keeps the first one filled with the phone keys of every live patient.

-- ===================================================================== Callers

-- name: identify_candidates
-- Every live patient with a phone whose key is :phone_key, the column it was found in and the start
-- of the patient's last attended visit. One row per (patient, column, ordinal in the column).
SELECT P.ID AS PATIENT_ID,
       TRIM(TRIM(P.LAST_NAME)
            || COALESCE(' ' || NULLIF(TRIM(P.FIRST_NAME), ''), '')
            || COALESCE(' ' || NULLIF(TRIM(P.MIDDLE_NAME), ''), '')) AS FULL_NAME,
       P.BIRTH_DATE AS BIRTH_DATE,
       PP.SOURCE_COLUMN AS SOURCE_COLUMN,
       (SELECT MAX(S.START_AT) FROM SCHEDULE S
         WHERE S.PATIENT_ID = P.ID AND S.STATUS = 'visited') AS LAST_VISIT_AT
  FROM MISLINK_PATIENT_PHONES PP
  JOIN PATIENTS P ON P.ID = PP.PATIENT_ID
 WHERE PP.PHONE_KEY = :phone_key
   AND P.IS_DELETED = 0;

-- name: last_visit
-- The patient's last attended visit (a SCHEDULE row with status 'visited') and its service's name.
SELECT FIRST 1 S.ID AS VISIT_ID, S.START_AT AS START_AT, SV.NAME AS SERVICE_NAME
  FROM SCHEDULE S
  LEFT JOIN SERVICES SV ON SV.ID = S.SERVICE_ID
 WHERE S.PATIENT_ID = :patient_id
   AND S.STATUS = 'visited'
 ORDER BY S.START_AT DESC;

-- name: patient_message_name
-- How a message addresses the patient: first name and patronymic ("Анна Сергеевна").
SELECT TRIM(COALESCE(P.FIRST_NAME, '') || ' ' || COALESCE(P.MIDDLE_NAME, '')) AS NAME
  FROM PATIENTS P
 WHERE P.ID = :patient_id;

-- name: mailing_recipients
-- A mailing's recipient: consent flags, the deletion mark, and the phone key to send to: the first
-- mobile number, else home, else work, never one of the clinic's own numbers.
SELECT P.ID AS PATIENT_ID,
       P.CONSENT_SMS AS CONSENT_SMS,
       P.CONSENT_MESSENGERS AS CONSENT_MESSENGERS,
       P.IS_DELETED AS IS_DELETED,
       (SELECT FIRST 1 PP.PHONE_KEY FROM MISLINK_PATIENT_PHONES PP
         WHERE PP.PATIENT_ID = P.ID
           AND NOT EXISTS (SELECT 1 FROM MISLINK_OWN_NUMBERS O WHERE O.PHONE_KEY = PP.PHONE_KEY)
         ORDER BY IIF(PP.SOURCE_COLUMN = 'PHONE_MOBILE', 0, 1), PP.SOURCE_COLUMN, PP.ORDINAL) AS PHONE_KEY
  FROM PATIENTS P
 WHERE P.ID = :patient_id;

-- ===================================================================== Staff

-- name: staff_extensions
-- Active employees by PBX extension (STAFF.SIP_EXTENSION also holds the SIP login). Newest first:
-- MisLink keeps the last row it reads for a value, so of two sharing one the older wins.
SELECT S.ID AS STAFF_ID, TRIM(S.SIP_EXTENSION) AS EXTENSION
  FROM STAFF S
 WHERE S.SIP_EXTENSION IS NOT NULL AND S.IS_ACTIVE = 1
 ORDER BY S.ID DESC;

-- name: staff_chat_logins
-- Active employees by chat-platform login (compared without regard to case), newest first.
SELECT S.ID AS STAFF_ID, TRIM(S.CHAT_LOGIN) AS CHAT_LOGIN
  FROM STAFF S
 WHERE S.CHAT_LOGIN IS NOT NULL AND S.IS_ACTIVE = 1
 ORDER BY S.ID DESC;

-- name: staff_get
-- One employee: the name messages show ("Врач: …"), the extension PBX commands ring from, and
-- whether the employee is active.
SELECT S.ID AS STAFF_ID, S.FULL_NAME AS FULL_NAME, NULLIF(TRIM(S.SIP_EXTENSION), '') AS EXTENSION,
       S.IS_ACTIVE AS IS_ACTIVE
  FROM STAFF S
 WHERE S.ID = :staff_id;

-- ===================================================================== Appeals (profile.json: "appeals": true)

-- name: appeal_create
-- A new open APPEALS row. MisLink's channels are APPEALS.CHANNEL's values except viber and others the
-- CHECK constraint does not list: those become 'webchat'. Calls come as 'phone'.
INSERT INTO APPEALS (CHANNEL, DIRECTION, PATIENT_ID, OPERATOR_ID, CONTACT_PHONE, CONTACT_NAME, STATUS)
VALUES (CASE WHEN CAST(:channel AS VARCHAR(16)) IN ('phone', 'whatsapp', 'telegram', 'vk', 'webchat', 'email', 'sms')
             THEN CAST(:channel AS VARCHAR(16)) ELSE 'webchat' END,
        :direction, :patient_id, :operator_id, :contact_phone, :contact_name, 'open')
RETURNING ID AS APPEAL_ID;

-- name: appeal_assign
-- The appeal's operator (NULL: the appeal waits, detached, for whoever takes it next).
UPDATE APPEALS SET OPERATOR_ID = :operator_id
 WHERE ID = :appeal_id;

-- name: appeal_set_patient
-- The patient and the phone, identified after the appeal was opened; what is already filled stays.
UPDATE APPEALS SET PATIENT_ID = COALESCE(PATIENT_ID, :patient_id),
                   CONTACT_PHONE = COALESCE(CONTACT_PHONE, :contact_phone)
 WHERE ID = :appeal_id;

-- name: appeal_get
-- One appeal; APPEALS.STATUS already holds open, closed or cancelled.
SELECT A.ID AS APPEAL_ID, TRIM(A.STATUS) AS STATUS, A.RESULT AS RESULT,
       A.OPERATOR_ID AS OPERATOR_ID, A.PATIENT_ID AS PATIENT_ID
  FROM APPEALS A
 WHERE A.ID = :appeal_id;

-- name: appeal_cancel
-- Cancels an open appeal: :reason (when given) becomes its RESULT, CLOSED_AT the time of cancelling.
UPDATE APPEALS SET STATUS = 'cancelled', RESULT = COALESCE(:reason, RESULT),
                   CLOSED_AT = COALESCE(CLOSED_AT, LOCALTIMESTAMP)
 WHERE ID = :appeal_id AND STATUS = 'open';

-- ===================================================================== Booking

-- name: book_visit
-- Books through the procedure MISLINK_SCHEDULE_BOOK (migrations/V005), as a MIS books through its own:
-- it refuses a doctor who is not an active doctor, a visit in the past and one that overlaps a booked
-- or attended visit of the doctor, raising MISLINK_SCHEDULE_REFUSED with the reason ("Время 10:30
-- 08.12.2026 у врача Орлов Пётр Андреевич уже занято"); else it inserts the booked SCHEDULE row with
-- the operator as CREATED_BY. The visit lasts :minutes, else the service's DURATION_MIN, else 30
-- minutes. The procedure is selectable, so its output carries the contract's alias.
SELECT B.VISIT_ID AS VISIT_ID
  FROM MISLINK_SCHEDULE_BOOK(:patient_id, :doctor_id, :service_id, :start_at, :minutes, :appeal_id, :operator_id) B;

-- name: cancel_visit
-- Cancels a booked visit (the schema keeps no record of who cancelled: :operator_id is not used).
UPDATE SCHEDULE SET STATUS = 'cancelled', CANCELLED_AT = LOCALTIMESTAMP
 WHERE ID = :visit_id AND STATUS = 'booked';

-- name: move_visit
-- Moves a booked visit to :start_at, keeping its length (the SET expressions read the old values).
UPDATE SCHEDULE SET START_AT = :start_at,
                    END_AT = DATEADD(SECOND, DATEDIFF(SECOND, START_AT, END_AT), CAST(:start_at AS TIMESTAMP))
 WHERE ID = :visit_id AND STATUS = 'booked';

-- name: free_slots
-- The schema keeps no working hours, so this profile assumes that every active doctor works 09:00 to
-- 18:00 every day, in slots of the service's DURATION_MIN (30 minutes without a service). A slot is
-- free when no booked or attended visit of the doctor overlaps it; with :service_id only the doctors
-- of the service's department count. At most 1024 days (Firebird's recursion limit).
WITH RECURSIVE
  DAYS (DAY_START) AS (
    SELECT DATEADD(HOUR, 9, CAST(CAST(CAST(:from AS TIMESTAMP) AS DATE) AS TIMESTAMP)) FROM RDB$DATABASE
    UNION ALL
    SELECT DATEADD(DAY, 1, D.DAY_START) FROM DAYS D
     WHERE DATEADD(DAY, 1, D.DAY_START) < CAST(:to AS TIMESTAMP)
  ),
  SLOTS (START_AT, MINUTES, DAY_END) AS (
    SELECT D.DAY_START,
           COALESCE((SELECT V.DURATION_MIN FROM SERVICES V WHERE V.ID = CAST(:service_id AS INTEGER)), 30),
           DATEADD(HOUR, 9, D.DAY_START)
      FROM DAYS D
    UNION ALL
    SELECT DATEADD(MINUTE, S.MINUTES, S.START_AT), S.MINUTES, S.DAY_END FROM SLOTS S
     WHERE DATEADD(MINUTE, 2 * S.MINUTES, S.START_AT) <= S.DAY_END
  )
SELECT D.ID AS DOCTOR_ID, S.START_AT AS START_AT, S.MINUTES AS MINUTES
  FROM SLOTS S
  JOIN STAFF D ON D.ROLE = 'doctor' AND D.IS_ACTIVE = 1
 WHERE S.START_AT >= CAST(:from AS TIMESTAMP)
   AND DATEADD(MINUTE, S.MINUTES, S.START_AT) <= CAST(:to AS TIMESTAMP)
   AND (CAST(:doctor_id AS INTEGER) IS NULL OR D.ID = CAST(:doctor_id AS INTEGER))
   AND (CAST(:service_id AS INTEGER) IS NULL
        OR D.DEPARTMENT_ID = (SELECT V.DEPARTMENT_ID FROM SERVICES V WHERE V.ID = CAST(:service_id AS INTEGER)))
   AND NOT EXISTS (SELECT 1 FROM SCHEDULE B
                    WHERE B.DOCTOR_ID = D.ID AND B.STATUS IN ('booked', 'visited')
                      AND B.START_AT < DATEADD(MINUTE, S.MINUTES, S.START_AT) AND B.END_AT > S.START_AT)
 ORDER BY S.START_AT, D.ID;

-- name: visit_get
-- One visit: what booking messages and the API show (STATUS booked, visited, cancelled or no_show).
SELECT S.ID AS VISIT_ID, S.PATIENT_ID AS PATIENT_ID, S.DOCTOR_ID AS DOCTOR_ID, S.SERVICE_ID AS SERVICE_ID,
       S.START_AT AS START_AT, S.CABINET AS CABINET, TRIM(S.STATUS) AS STATUS
  FROM SCHEDULE S
 WHERE S.ID = :visit_id;

-- name: service_get
-- One service: its name for messages and its usual length in minutes.
SELECT V.ID AS SERVICE_ID, V.NAME AS NAME, V.DURATION_MIN AS MINUTES
  FROM SERVICES V
 WHERE V.ID = :service_id;

-- ===================================================================== Appeals report (optional)

-- name: report_mis_appeals
-- The appeals the MIS made itself (those MisLink made have a MISLINK_APPEALS row and are left out),
-- created in the report's period. APPEALS.CREATED_AT and CLOSED_AT are the database server's clock
-- (CURRENT_TIMESTAMP, db.utc_offset_minutes); the contract speaks clinic time
-- (clinic.utc_offset_minutes), so both move by the difference and :from/:to the other way.
-- APPEALS.CHANNEL's values are MisLink's own.
SELECT A.ID AS APPEAL_ID, TRIM(A.CHANNEL) AS CHANNEL, A.OPERATOR_ID AS OPERATOR_ID, TRIM(A.STATUS) AS STATUS,
       A.RESULT AS RESULT,
       DATEADD(MINUTE, O.SHIFT, A.CREATED_AT) AS CREATED_AT,
       DATEADD(MINUTE, O.SHIFT, A.CLOSED_AT) AS CLOSED_AT
  FROM (SELECT CAST(COALESCE(NULLIF(MISLINK_SETTING('clinic.utc_offset_minutes'), ''), '0') AS INTEGER)
               - CAST(COALESCE(NULLIF(MISLINK_SETTING('db.utc_offset_minutes'), ''), '0') AS INTEGER) AS SHIFT
          FROM RDB$DATABASE) O
  JOIN APPEALS A
    ON A.CREATED_AT >= DATEADD(MINUTE, -O.SHIFT, CAST(:from AS TIMESTAMP))
   AND A.CREATED_AT < DATEADD(MINUTE, -O.SHIFT, CAST(:to AS TIMESTAMP))
 WHERE NOT EXISTS (SELECT 1 FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = A.ID);

-- ===================================================================== Console sign-in (optional)

-- name: operator_sign_in
-- The employee who signs in to the operator console with MIS_LOGIN :login, compared case-insensitively
-- (the exact spelling first, should two logins differ only in case), with the MIS's own password hash
-- (STAFF.PASSWORD_HASH; profile.json "sign_in": method password_hash) and role (ROLE 'admin' makes a
-- supervisor: "supervisor_roles").
SELECT FIRST 1 S.ID AS STAFF_ID, S.FULL_NAME AS FULL_NAME, TRIM(S.ROLE) AS MIS_ROLE, S.IS_ACTIVE AS IS_ACTIVE,
       S.PASSWORD_HASH AS PASSWORD_HASH
  FROM STAFF S
 WHERE UPPER(S.MIS_LOGIN) = UPPER(CAST(:login AS VARCHAR(63)))
 ORDER BY IIF(S.MIS_LOGIN = CAST(:login AS VARCHAR(63)), 0, 1), S.ID;

-- name: staff_chat_credentials
-- The chat-platform login and password the MIS keeps for employee :staff_id (STAFF.CHAT_LOGIN and
-- STAFF.CHAT_PASSWORD), with which the operator console signs the employee in to the chat center. No row
-- for an employee without a chat login.
SELECT C.CHAT_LOGIN, C.CHAT_PASSWORD
  FROM STAFF C
 WHERE C.ID = :staff_id AND C.CHAT_LOGIN IS NOT NULL;

-- ===================================================================== Console (optional)

-- name: patient_get
-- One patient by id, deleted ones too (the call log names the patients of old calls): the full name
-- as identify_candidates writes it, and the birth date.
SELECT N.ID AS PATIENT_ID,
       TRIM(TRIM(N.LAST_NAME)
            || COALESCE(' ' || NULLIF(TRIM(N.FIRST_NAME), ''), '')
            || COALESCE(' ' || NULLIF(TRIM(N.MIDDLE_NAME), ''), '')) AS FULL_NAME,
       N.BIRTH_DATE AS BIRTH_DATE
  FROM PATIENTS N
 WHERE N.ID = :patient_id;

-- name: patients_by_name
-- Live patients whose full name starts with :name, case ignored ("смирнова е" finds Смирнова Елена
-- Павловна), at most 500. The surname is found by IDX_PATIENTS_LAST_NAME_UPPER from the first word of
-- :name (MisLink trims it); the whole name is compared after that.
SELECT FIRST 500 N.ID AS PATIENT_ID,
       TRIM(TRIM(N.LAST_NAME)
            || COALESCE(' ' || NULLIF(TRIM(N.FIRST_NAME), ''), '')
            || COALESCE(' ' || NULLIF(TRIM(N.MIDDLE_NAME), ''), '')) AS FULL_NAME
  FROM PATIENTS N
 WHERE UPPER(N.LAST_NAME) STARTING WITH UPPER(IIF(POSITION(' ' IN CAST(:name AS VARCHAR(150))) > 0,
           LEFT(CAST(:name AS VARCHAR(150)), POSITION(' ' IN CAST(:name AS VARCHAR(150))) - 1), CAST(:name AS VARCHAR(150))))
   AND UPPER(TRIM(TRIM(N.LAST_NAME)
            || COALESCE(' ' || NULLIF(TRIM(N.FIRST_NAME), ''), '')
            || COALESCE(' ' || NULLIF(TRIM(N.MIDDLE_NAME), ''), ''))) STARTING WITH UPPER(CAST(:name AS VARCHAR(150)))
   AND N.IS_DELETED = 0;

-- name: staff_list
-- Every employee, former ones too (the call log names the operators of old calls).
SELECT S.ID AS STAFF_ID, S.FULL_NAME AS FULL_NAME
  FROM STAFF S;

-- name: doctors_list
-- The active doctors one can book with (ROLE 'doctor'), by name, with their specialty.
SELECT S.ID AS DOCTOR_ID, S.FULL_NAME AS FULL_NAME, S.SPECIALTY AS SPECIALTY
  FROM STAFF S
 WHERE S.ROLE = 'doctor' AND S.IS_ACTIVE = 1
 ORDER BY S.FULL_NAME, S.ID;

-- name: services_list
-- The active services one can book, by name, with their usual length.
SELECT S.ID AS SERVICE_ID, S.NAME AS NAME, S.DURATION_MIN AS MINUTES
  FROM SERVICES S
 WHERE S.IS_ACTIVE = 1
 ORDER BY S.NAME, S.ID;

-- name: appeal_change_patient
-- The operator chose the caller among the patients sharing the number: the appeal's patient becomes
-- :patient_id, replacing the one identification put there.
UPDATE APPEALS SET PATIENT_ID = :patient_id
 WHERE ID = :appeal_id;
