-- MisLink's named queries: the SQL the worker and `mislink` run against the MIS's own tables.
-- A clinic whose MIS differs from SQL/clinic-schema.sql edits this file (installed as
-- <prefix>/share/mislink/sql/queries.sql, or point MISLINK_SQL at a folder holding it); no rebuild.
-- Each query starts with a "-- name: <name>" line; ":parameter" marks a bound value. Keep the
-- column order of the SELECT lists: the code reads columns by position.

-- name: identify_candidates
-- Every patient (not deleted) with a stored phone whose key is :phone_key, with the column it was
-- found in and the start of the patient's last visit. One row per (patient, column, ordinal).
SELECT P.ID,
       P.LAST_NAME,
       P.FIRST_NAME,
       P.MIDDLE_NAME,
       P.BIRTH_DATE,
       PP.SOURCE_COLUMN,
       (SELECT MAX(S.START_AT) FROM SCHEDULE S
         WHERE S.PATIENT_ID = P.ID AND S.STATUS = 'visited') AS LAST_VISIT_AT
  FROM MISLINK_PATIENT_PHONES PP
  JOIN PATIENTS P ON P.ID = PP.PATIENT_ID
 WHERE PP.PHONE_KEY = :phone_key
   AND P.IS_DELETED = 0;

-- name: last_visit
-- The patient's last visit (a SCHEDULE row with status 'visited'), the name of its service and its id.
SELECT FIRST 1 S.START_AT, SV.NAME, S.ID
  FROM SCHEDULE S
  LEFT JOIN SERVICES SV ON SV.ID = S.SERVICE_ID
 WHERE S.PATIENT_ID = :patient_id
   AND S.STATUS = 'visited'
 ORDER BY S.START_AT DESC;

-- name: numbering_plan
-- The settings that complete and recognise phone numbers (MISLINK_SETTINGS, Migrations/V001).
SELECT TRIM(NAME), VAL FROM MISLINK_SETTINGS
 WHERE NAME IN ('phone.country_code', 'phone.area_code');

-- name: own_numbers
-- The clinic's own numbers: calls from them are never matched to a patient.
SELECT PHONE_KEY FROM MISLINK_OWN_NUMBERS;
