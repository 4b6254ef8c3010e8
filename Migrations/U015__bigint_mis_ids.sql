/*
 * U015 -- undo V015__bigint_mis_ids.sql, as far as Firebird allows: the CHECKs
 * on MISLINK_PATIENT_PHONES.SOURCE_COLUMN and MISLINK_CALLS.PATIENT_MATCH,
 * the INTEGER variable of MISLINK_CHAT_MESSAGES_EVENT, the comments and the
 * setting's description come back; the constraints V015 re-created are
 * re-created again (so the extract lists them as before).
 *
 * The columns stay BIGINT and VARCHAR(63). Firebird 3 refuses to narrow a
 * column (ALTER ... TYPE INTEGER on a BIGINT: "cannot change datatype ...
 * from BIGINT to INTEGER"; VARCHAR(63) to (12): "New size specified for
 * column ... must be at least 63 characters"), and direct updates of the
 * system tables are not allowed. Add-copy-drop-rename of 35 columns would
 * have to drop and re-create every trigger, index and constraint that names
 * them, and would lose MIS ids above 2^31 anyway. Wider columns hold every
 * value the narrower ones did, so MisLink's code of any version reads them.
 * The runner's test of "U undoes V exactly" (Tests/FirebirdMigrationsTests)
 * accepts exactly this difference for V015: the column lines whose type is
 * BIGINT or VARCHAR(63) instead of INTEGER or VARCHAR(12); nothing else.
 *
 * The CHECKs fail to come back when MisLink stored a source name that is
 * not the reference schema's (another MIS profile's): such a database is
 * not meant to go below V015 (undo its profile first: it empties
 * MISLINK_PATIENT_PHONES; empty MISLINK_CALLS.PATIENT_MATCH by hand).
 */

SET TERM ^ ;

CREATE OR ALTER TRIGGER MISLINK_CHAT_MESSAGES_EVENT FOR MISLINK_CHAT_MESSAGES
ACTIVE AFTER INSERT OR UPDATE POSITION 100
AS
DECLARE OPERATOR_ID INTEGER;
BEGIN
    SELECT T.OPERATOR_ID FROM MISLINK_CHAT_THREADS T WHERE T.ID = NEW.THREAD_ID INTO :OPERATOR_ID;
    IF (OPERATOR_ID IS NOT NULL) THEN
        POST_EVENT 'MISLINK_CHAT_' || OPERATOR_ID;
    POST_EVENT 'MISLINK_CHAT';
END^

ALTER TABLE MISLINK_CALL_CARDS DROP CONSTRAINT MISLINK_CALL_CARDS_STAFF_UQ^
ALTER TABLE MISLINK_APPEALS DROP CONSTRAINT MISLINK_APPEALS_PK^
ALTER TABLE MISLINK_PATIENT_PHONES DROP CONSTRAINT MISLINK_PATIENT_PHONES_PK^

ALTER TABLE MISLINK_PATIENT_PHONES ADD CONSTRAINT MISLINK_PATIENT_PHONES_SRC_CK
    CHECK (SOURCE_COLUMN IN ('PHONE_MOBILE', 'PHONE_HOME', 'PHONE_WORK'))^
ALTER TABLE MISLINK_PATIENT_PHONES
    ADD CONSTRAINT MISLINK_PATIENT_PHONES_PK PRIMARY KEY (PATIENT_ID, SOURCE_COLUMN, ORDINAL)^
ALTER TABLE MISLINK_APPEALS ADD CONSTRAINT MISLINK_APPEALS_PK PRIMARY KEY (APPEAL_ID)^
ALTER TABLE MISLINK_CALL_CARDS ADD CONSTRAINT MISLINK_CALL_CARDS_STAFF_UQ UNIQUE (CALL_ID, STAFF_ID)^
ALTER TABLE MISLINK_CALLS ADD CONSTRAINT MISLINK_CALLS_MATCH_CK CHECK (PATIENT_MATCH IS NULL
        OR PATIENT_MATCH IN ('PHONE_MOBILE', 'PHONE_HOME', 'PHONE_WORK'))^

COMMENT ON TABLE MISLINK_PATIENT_PHONES IS
'Phone keys of live patients: one row per number found in PATIENTS.PHONE_MOBILE/HOME/WORK. Maintained by trigger MISLINK_PATIENTS_PHONES; read-only for everyone else.'^
COMMENT ON COLUMN MISLINK_PATIENT_PHONES.PATIENT_ID IS 'PATIENTS.ID (no declared foreign key: the trigger keeps it consistent).'^
COMMENT ON COLUMN MISLINK_PATIENT_PHONES.SOURCE_COLUMN IS 'Column the number was typed in: PHONE_MOBILE, PHONE_HOME or PHONE_WORK.'^
COMMENT ON COLUMN MISLINK_CALLS.PATIENT_MATCH IS 'Column the best match came from: PHONE_MOBILE, PHONE_HOME or PHONE_WORK.'^

UPDATE MISLINK_SETTINGS SET DESCRIPTION =
    'Minutes the clinic wall-clock time stored by the MIS (SCHEDULE.START_AT ...) is ahead of UTC.'
 WHERE NAME = 'clinic.utc_offset_minutes'^

SET TERM ; ^
