-- MIS profile "medbase": every statement MisLink runs against the tables of МедБаза
-- (SQL/profiles/medbase/schema.sql). What each statement must do, its :parameters and the columns it
-- must return (by alias, never by position) are in SQL/profiles/CONTRACT.md; README.md next to this
-- file says how each one maps onto this MIS. Check it against a database with
--   mislink mis check --profile medbase --database <dsn>
--
-- Things to know when reading these statements:
--  - Keys are BIGINT codes with the branch prefix (77000000000123): parameters are cast to BIGINT.
--  - A visit's start is DATA_PRIEMA + CHAS:MINUTA, built as
--      DATEADD(CHAS * 60 + MINUTA MINUTE TO CAST(DATA_PRIEMA AS TIMESTAMP))   (clinic wall-clock time)
--    and a :start_at MisLink gives is split back into CAST(... AS DATE), EXTRACT(HOUR ...) and
--    EXTRACT(MINUTE ...); seconds are dropped. Parameters inside expressions are cast first
--    (CAST(:start_at AS TIMESTAMP)) because Firebird cannot prepare EXTRACT(HOUR FROM ?).
--  - Flags are CHAR(1) 'Д' / 'Н'; MisLink sends these statements over a UTF8 connection, so the
--    literal 'Д' compares correctly with the WIN1251 columns. A live patient has PRIZNAK_UDAL = 0.
--  - FIO (names) is CHARACTER SET NONE: returned as it is; MisLink decodes NONE text as WIN1251.
--  - MISLINK_PATIENT_PHONES and MISLINK_OWN_NUMBERS are MisLink's own tables; this profile's
--    migrations/V001 keeps the first filled from KLIENTY.TEL_MOB/TEL_DOM/TEL_RAB (SOURCE_COLUMN
--    'TEL_MOB', ...) and from the phone rows of KONTAKTY (SOURCE_COLUMN 'KONTAKTY:<KONTAKTY.KOD>').
--  - Booking, moving and cancelling go only through MedBaza's procedures ZAPIS_NA_PRIEM,
--    PERENOS_PRIEMA and OTMENA_PRIEMA; their refusals (exception E_ZAPIS, Russian text) reach the
--    operator as they are.

-- ===================================================================== Callers

-- name: identify_candidates
-- Every live patient with a phone whose key is :phone_key. SOURCE_COLUMN is TEL_MOB, TEL_DOM,
-- TEL_RAB, or KONTAKTY.ZNACHENIE for any row of the contacts table (DISTINCT: one row per patient
-- and column even when two contact rows hold the same number). LAST_VISIT_AT: the start of the
-- last attended visit (SOSTOYANIE 1).
SELECT DISTINCT
       P.KOD AS PATIENT_ID,
       P.FIO AS FULL_NAME,
       P.DATA_ROZHD AS BIRTH_DATE,
       IIF(PP.SOURCE_COLUMN STARTING WITH 'KONTAKTY:', 'KONTAKTY.ZNACHENIE', PP.SOURCE_COLUMN) AS SOURCE_COLUMN,
       (SELECT MAX(DATEADD(V.CHAS * 60 + V.MINUTA MINUTE TO CAST(V.DATA_PRIEMA AS TIMESTAMP)))
          FROM PRIEMY V
         WHERE V.KOD_KLIENTA = P.KOD AND V.SOSTOYANIE = 1) AS LAST_VISIT_AT
  FROM MISLINK_PATIENT_PHONES PP
  JOIN KLIENTY P ON P.KOD = PP.PATIENT_ID
 WHERE PP.PHONE_KEY = :phone_key
   AND P.PRIZNAK_UDAL = 0;

-- name: last_visit
-- The patient's last attended visit (SOSTOYANIE 1), newest first, with its service's name.
SELECT FIRST 1
       V.KOD AS VISIT_ID,
       DATEADD(V.CHAS * 60 + V.MINUTA MINUTE TO CAST(V.DATA_PRIEMA AS TIMESTAMP)) AS START_AT,
       U.NAIMENOVANIE AS SERVICE_NAME
  FROM PRIEMY V
  LEFT JOIN USLUGI U ON U.KOD = V.KOD_USLUGI
 WHERE V.KOD_KLIENTA = :patient_id
   AND V.SOSTOYANIE = 1
 ORDER BY V.DATA_PRIEMA DESC, V.CHAS DESC, V.MINUTA DESC;

-- name: patient_message_name
-- How a message addresses the patient: what follows the surname in FIO ("Иванова Анна Сергеевна"
-- -> "Анна Сергеевна"). A FIO of one word, or with initials only ("Иванова А. С."), is used whole.
SELECT CASE
         WHEN POSITION(' ' IN TRIM(P.FIO)) = 0 OR POSITION('.' IN P.FIO) > 0 THEN TRIM(P.FIO)
         ELSE TRIM(SUBSTRING(TRIM(P.FIO) FROM POSITION(' ' IN TRIM(P.FIO)) + 1))
       END AS NAME
  FROM KLIENTY P
 WHERE P.KOD = :patient_id;

-- name: mailing_recipients
-- A mailing's recipient: consent flags ('Д' -> 1), deleted or merged cards (PRIZNAK_UDAL 1 or 2)
-- as IS_DELETED 1, and the phone key to send to: TEL_MOB first, then the contacts table, then
-- TEL_DOM, TEL_RAB; never one of the clinic's own numbers. The booking trigger
-- (migrations/V002) picks the phone the same way.
SELECT P.KOD AS PATIENT_ID,
       IIF(P.SOGL_SMS = 'Д', 1, 0) AS CONSENT_SMS,
       IIF(P.SOGL_MESSENDZHER = 'Д', 1, 0) AS CONSENT_MESSENGERS,
       IIF(P.PRIZNAK_UDAL = 0, 0, 1) AS IS_DELETED,
       (SELECT FIRST 1 PP.PHONE_KEY FROM MISLINK_PATIENT_PHONES PP
         WHERE PP.PATIENT_ID = P.KOD
           AND NOT EXISTS (SELECT 1 FROM MISLINK_OWN_NUMBERS O WHERE O.PHONE_KEY = PP.PHONE_KEY)
         ORDER BY IIF(PP.SOURCE_COLUMN = 'TEL_MOB', 0, IIF(PP.SOURCE_COLUMN STARTING WITH 'KONTAKTY:', 1, 2)),
                  PP.SOURCE_COLUMN, PP.ORDINAL) AS PHONE_KEY
  FROM KLIENTY P
 WHERE P.KOD = :patient_id;

-- ===================================================================== Staff

-- name: staff_extensions
-- Active employees (RABOTAET 'Д') by PBX extension ('ATS') and SIP address ('SIP') from the logins
-- table LOGINY_SOTR: one row per login, newest employee first (MisLink keeps the last row it
-- reads for a value, so of two employees sharing one the older wins).
SELECT L.KOD_SOTR AS STAFF_ID, TRIM(L.LOGIN) AS EXTENSION
  FROM LOGINY_SOTR L
  JOIN SOTRUDNIKI S ON S.KOD = L.KOD_SOTR
 WHERE L.SISTEMA IN ('ATS', 'SIP')
   AND S.RABOTAET = 'Д'
 ORDER BY L.KOD_SOTR DESC, L.SISTEMA, L.LOGIN;

-- name: staff_chat_logins
-- Active employees by chat-platform login ('CHAT' rows of LOGINY_SOTR), newest first.
SELECT L.KOD_SOTR AS STAFF_ID, TRIM(L.LOGIN) AS CHAT_LOGIN
  FROM LOGINY_SOTR L
  JOIN SOTRUDNIKI S ON S.KOD = L.KOD_SOTR
 WHERE L.SISTEMA = 'CHAT'
   AND S.RABOTAET = 'Д'
 ORDER BY L.KOD_SOTR DESC, L.LOGIN;

-- name: staff_get
-- One employee: FIO, the extension PBX commands ring from (the first 'ATS' login, else the first
-- 'SIP' one, else NULL) and whether the employee works here (RABOTAET 'Д').
SELECT S.KOD AS STAFF_ID,
       S.FIO AS FULL_NAME,
       (SELECT FIRST 1 TRIM(L.LOGIN) FROM LOGINY_SOTR L
         WHERE L.KOD_SOTR = S.KOD AND L.SISTEMA IN ('ATS', 'SIP')
         ORDER BY IIF(L.SISTEMA = 'ATS', 0, 1), L.LOGIN) AS EXTENSION,
       IIF(S.RABOTAET = 'Д', 1, 0) AS IS_ACTIVE
  FROM SOTRUDNIKI S
 WHERE S.KOD = :staff_id;

-- ===================================================================== Appeals
-- None: МедБаза has no appeals table (profile.json "appeals": false), so MisLink's own
-- MISLINK_APPEALS rows are the appeals and no appeal_* statement is written here.

-- ===================================================================== Booking

-- name: book_visit
-- Books through MedBaza's procedure ZAPIS_NA_PRIEM, which checks the patient, the service, the doctor
-- (sees patients, works here, not absent that day), the working hours and the slot, and raises
-- E_ZAPIS with the reason ("Время 10:15 08.12.2026 у врача Петров Иван Ильич уже занято") otherwise.
-- The procedure is selectable (it ends with SUSPEND) so that its output can carry the contract's
-- alias: EXECUTE PROCEDURE would return the row too, but under the procedure's own output name
-- KOD_PRIEMA, and an EXECUTE PROCEDURE statement cannot rename it. :minutes NULL takes the
-- service's DLIT_MIN. ISTOCHNIK 'MISLINK' and VNESH_ID = :appeal_id mark the visit as booked from
-- MisLink's appeal (migrations/V002 reads them); KTO_ZAPISAL is the operator.
SELECT Z.KOD_PRIEMA AS VISIT_ID
  FROM ZAPIS_NA_PRIEM(
         :patient_id,
         :doctor_id,
         :service_id,
         CAST(CAST(:start_at AS TIMESTAMP) AS DATE),
         EXTRACT(HOUR FROM CAST(:start_at AS TIMESTAMP)),
         EXTRACT(MINUTE FROM CAST(:start_at AS TIMESTAMP)),
         :minutes,
         :operator_id,
         'MISLINK',
         :appeal_id) Z;

-- name: cancel_visit
-- Cancels through OTMENA_PRIEMA (SOSTOYANIE 0 -> 2, KTO_IZMENIL = the operator). A visit that is
-- not booked any more is refused with E_ZAPIS ("Отменить можно только предстоящую запись ...").
EXECUTE PROCEDURE OTMENA_PRIEMA(:visit_id, :operator_id);

-- name: move_visit
-- Moves through PERENOS_PRIEMA: same doctor and length, validated like a new booking (the visit
-- itself left out of the clash check); refusals as for book_visit.
EXECUTE PROCEDURE PERENOS_PRIEMA(
    :visit_id,
    CAST(CAST(:start_at AS TIMESTAMP) AS DATE),
    EXTRACT(HOUR FROM CAST(:start_at AS TIMESTAMP)),
    EXTRACT(MINUTE FROM CAST(:start_at AS TIMESTAMP)),
    :operator_id);

-- name: free_slots
-- Free slots from the weekly working hours (GRAFIK): for every day of the period and every GRAFIK
-- interval of that weekday (DEN_NEDELI 1 = Monday), a slot starts every SHAG_MIN minutes and lasts
-- the service's DLIT_MIN (without a service: SHAG_MIN), and must end inside the interval. Left out:
-- doctors who do not work here or do not provide :service_id (USLUGI_VRACHA), days of absence
-- (OTSUTSTVIYA), slots in the past (ZAPIS_NA_PRIEM refuses them), and slots that overlap a
-- booked or attended visit of the doctor. The same rules as PROVERKA_SLOTA, so a slot listed here
-- books. At most 1024 days (Firebird's recursion limit).
WITH RECURSIVE
  DNI (DEN) AS (
    SELECT CAST(CAST(:from AS TIMESTAMP) AS DATE) FROM RDB$DATABASE
    UNION ALL
    SELECT D.DEN + 1 FROM DNI D
     WHERE CAST(D.DEN + 1 AS TIMESTAMP) < CAST(:to AS TIMESTAMP)
  ),
  SLOTY (KOD_VRACHA, DEN, NACHALO, KONETS, SHAG, DLIT) AS (
    SELECT G.KOD_VRACHA, D.DEN,
           G.NACH_CHAS * 60 + G.NACH_MIN, G.KON_CHAS * 60 + G.KON_MIN, G.SHAG_MIN,
           COALESCE((SELECT U.DLIT_MIN FROM USLUGI U WHERE U.KOD = CAST(:service_id AS BIGINT)), G.SHAG_MIN)
      FROM DNI D
      JOIN GRAFIK G ON G.DEN_NEDELI = MOD(EXTRACT(WEEKDAY FROM D.DEN) + 6, 7) + 1
      JOIN SOTRUDNIKI S ON S.KOD = G.KOD_VRACHA AND S.VRACH = 'Д' AND S.RABOTAET = 'Д'
     WHERE (CAST(:doctor_id AS BIGINT) IS NULL OR G.KOD_VRACHA = CAST(:doctor_id AS BIGINT))
       AND (CAST(:service_id AS BIGINT) IS NULL
            OR EXISTS (SELECT 1 FROM USLUGI_VRACHA UV
                        WHERE UV.KOD_VRACHA = G.KOD_VRACHA AND UV.KOD_USLUGI = CAST(:service_id AS BIGINT)))
       AND NOT EXISTS (SELECT 1 FROM OTSUTSTVIYA O
                        WHERE O.KOD_VRACHA = G.KOD_VRACHA AND D.DEN BETWEEN O.S_DATY AND O.PO_DATU)
    UNION ALL
    SELECT S.KOD_VRACHA, S.DEN, S.NACHALO + S.SHAG, S.KONETS, S.SHAG, S.DLIT
      FROM SLOTY S
     WHERE S.NACHALO + S.SHAG + S.DLIT <= S.KONETS
  )
SELECT S.KOD_VRACHA AS DOCTOR_ID,
       DATEADD(S.NACHALO MINUTE TO CAST(S.DEN AS TIMESTAMP)) AS START_AT,
       S.DLIT AS MINUTES
  FROM SLOTY S
 WHERE S.NACHALO + S.DLIT <= S.KONETS
   AND DATEADD(S.NACHALO MINUTE TO CAST(S.DEN AS TIMESTAMP)) >= CAST(:from AS TIMESTAMP)
   AND DATEADD(S.NACHALO + S.DLIT MINUTE TO CAST(S.DEN AS TIMESTAMP)) <= CAST(:to AS TIMESTAMP)
   AND DATEADD(S.NACHALO MINUTE TO CAST(S.DEN AS TIMESTAMP)) >= CURRENT_TIMESTAMP
   AND NOT EXISTS (SELECT 1 FROM PRIEMY P
                    WHERE P.KOD_VRACHA = S.KOD_VRACHA AND P.DATA_PRIEMA = S.DEN
                      AND P.SOSTOYANIE IN (0, 1)
                      AND P.CHAS * 60 + P.MINUTA < S.NACHALO + S.DLIT
                      AND P.CHAS * 60 + P.MINUTA + P.DLIT_MIN > S.NACHALO)
 ORDER BY START_AT, DOCTOR_ID;

-- name: visit_get
-- One visit. SOSTOYANIE becomes the contract's STATUS: 0 booked, 1 visited, 2 cancelled, 3 no_show.
SELECT V.KOD AS VISIT_ID,
       V.KOD_KLIENTA AS PATIENT_ID,
       V.KOD_VRACHA AS DOCTOR_ID,
       V.KOD_USLUGI AS SERVICE_ID,
       DATEADD(V.CHAS * 60 + V.MINUTA MINUTE TO CAST(V.DATA_PRIEMA AS TIMESTAMP)) AS START_AT,
       V.KABINET AS CABINET,
       DECODE(V.SOSTOYANIE, 0, 'booked', 1, 'visited', 2, 'cancelled', 3, 'no_show') AS STATUS
  FROM PRIEMY V
 WHERE V.KOD = :visit_id;

-- name: service_get
-- One service: its name for messages and its usual length in minutes.
SELECT U.KOD AS SERVICE_ID, U.NAIMENOVANIE AS NAME, U.DLIT_MIN AS MINUTES
  FROM USLUGI U
 WHERE U.KOD = :service_id;

-- ===================================================================== Console sign-in (optional)

-- name: operator_sign_in
-- The employee whose МедБаза login ('MIS' row of LOGINY_SOTR) is :login, compared case-insensitively
-- (logins are stored upper case: SMIRNOVA), with that login's password hash (LOGINY_SOTR.PAROL_HASH;
-- profile.json "sign_in": method password_hash) and position (DOLZHNOST; "supervisor_roles" lists
-- those that make a supervisor). IS_ACTIVE: works here (RABOTAET 'Д').
SELECT FIRST 1 S.KOD AS STAFF_ID, S.FIO AS FULL_NAME, TRIM(S.DOLZHNOST) AS MIS_ROLE,
       IIF(S.RABOTAET = 'Д', 1, 0) AS IS_ACTIVE, L.PAROL_HASH AS PASSWORD_HASH
  FROM LOGINY_SOTR L
  JOIN SOTRUDNIKI S ON S.KOD = L.KOD_SOTR
 WHERE L.SISTEMA = 'MIS' AND UPPER(L.LOGIN) = UPPER(CAST(:login AS VARCHAR(100)))
 ORDER BY IIF(L.LOGIN = CAST(:login AS VARCHAR(100)), 0, 1), S.KOD;

-- ===================================================================== Console (optional)
-- appeal_change_patient is not written: МедБаза has no appeals table (MisLink's own appeals change
-- their patient themselves).

-- name: patient_get
-- One patient by id, deleted or merged ones too (the call log names the patients of old calls).
SELECT P.KOD AS PATIENT_ID, TRIM(P.FIO) AS FULL_NAME, P.DATA_ROZHD AS BIRTH_DATE
  FROM KLIENTY P
 WHERE P.KOD = :patient_id;

-- name: patients_by_name
-- Live patients whose FIO starts with :name, at most 500, by IDX_KLIENTY_FIO. FIO is CHARACTER SET NONE,
-- so UPPER cannot fold its Cyrillic: the name is looked for as typed and with its first letter made
-- upper case ("смирнова" finds "Смирнова Елена ..."), both WIN1251 bytes like the column's.
SELECT FIRST 500 P.KOD AS PATIENT_ID, TRIM(P.FIO) AS FULL_NAME
  FROM KLIENTY P
 WHERE (P.FIO STARTING WITH CAST(CAST(:name AS VARCHAR(150) CHARACTER SET WIN1251) AS VARCHAR(150) CHARACTER SET NONE)
        OR P.FIO STARTING WITH CAST(UPPER(LEFT(CAST(:name AS VARCHAR(150) CHARACTER SET WIN1251), 1))
                                    || SUBSTRING(CAST(:name AS VARCHAR(150) CHARACTER SET WIN1251) FROM 2)
                                    AS VARCHAR(150) CHARACTER SET NONE))
   AND P.PRIZNAK_UDAL = 0;

-- name: staff_list
-- Every employee, former ones too (the call log names the operators of old calls).
SELECT S.KOD AS STAFF_ID, TRIM(S.FIO) AS FULL_NAME
  FROM SOTRUDNIKI S;

-- name: doctors_list
-- The doctors who work here (VRACH and RABOTAET 'Д'), by name; DOLZHNOST is the specialty.
SELECT S.KOD AS DOCTOR_ID, TRIM(S.FIO) AS FULL_NAME, TRIM(S.DOLZHNOST) AS SPECIALTY
  FROM SOTRUDNIKI S
 WHERE S.VRACH = 'Д' AND S.RABOTAET = 'Д'
 ORDER BY S.FIO, S.KOD;

-- name: services_list
-- The active services (AKTIVNA 'Д'), by name, with the length a booking takes by default.
SELECT U.KOD AS SERVICE_ID, U.NAIMENOVANIE AS NAME, U.DLIT_MIN AS MINUTES
  FROM USLUGI U
 WHERE U.AKTIVNA = 'Д'
 ORDER BY U.NAIMENOVANIE, U.KOD;
