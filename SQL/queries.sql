-- MisLink's named queries over its own settings tables (installed as
-- <prefix>/share/mislink/sql/queries.sql, or point MISLINK_SQL at a folder holding it).
-- Every statement that reads or writes the MIS's tables (finding callers by phone, the last visit,
-- staff, appeals, booking) lives in the MIS profile instead: SQL/profiles/<name>/statements.sql,
-- chosen by mis.profile and described in SQL/profiles/CONTRACT.md.
-- Each query starts with a "-- name: <name>" line; ":parameter" marks a bound value. Keep the
-- column order of the SELECT lists: the code reads columns by position.

-- name: numbering_plan
-- The settings that complete and recognise phone numbers (MISLINK_SETTINGS, Migrations/V001).
SELECT TRIM(NAME), VAL FROM MISLINK_SETTINGS
 WHERE NAME IN ('phone.country_code', 'phone.area_code');

-- name: own_numbers
-- The clinic's own numbers: calls from them are never matched to a patient.
SELECT PHONE_KEY FROM MISLINK_OWN_NUMBERS;
