/*
 * V002 -- MISLINK_PATIENT_PHONES: the phone keys of every patient, one row
 * per number found in the MIS. What fills it is the MIS profile's: its
 * migrations put triggers on the MIS's patient (and contact) tables and
 * backfill the existing patients (the reference schema's trigger on
 * PATIENTS is SQL/profiles/reference/migrations/V001__patient_phones.sql).
 *
 * Objects: MISLINK_PATIENT_PHONES. Its primary key and the PHONE_KEY index
 *          come in V003.
 * Undo:    U002__patient_phones.sql
 * Needs:   V001 (MISLINK_PHONE_KEYS).
 *
 * Edited in issue 16: until then this file also created the trigger
 * MISLINK_PATIENTS_PHONES on PATIENTS, its grants and the backfill from
 * PATIENTS; they moved to the reference profile, which adopts them on a
 * database that has them (CREATE OR ALTER). The old text's checksum is in
 * superseded-checksums. PATIENT_ID and SOURCE_COLUMN are widened by V015.
 */

SET TERM ^ ;

CREATE TABLE MISLINK_PATIENT_PHONES (
    PATIENT_ID      INTEGER NOT NULL,
    SOURCE_COLUMN   VARCHAR(12) CHARACTER SET ASCII NOT NULL,
    ORDINAL         SMALLINT NOT NULL,
    PHONE_KEY       VARCHAR(20) CHARACTER SET ASCII NOT NULL,
    EXTENSION       VARCHAR(16) CHARACTER SET ASCII,
    CONSTRAINT MISLINK_PATIENT_PHONES_SRC_CK
        CHECK (SOURCE_COLUMN IN ('PHONE_MOBILE', 'PHONE_HOME', 'PHONE_WORK'))
)^

COMMENT ON TABLE MISLINK_PATIENT_PHONES IS
'Phone keys of live patients: one row per number found in PATIENTS.PHONE_MOBILE/HOME/WORK. Maintained by trigger MISLINK_PATIENTS_PHONES; read-only for everyone else.'^
COMMENT ON COLUMN MISLINK_PATIENT_PHONES.PATIENT_ID IS 'PATIENTS.ID (no declared foreign key: the trigger keeps it consistent).'^
COMMENT ON COLUMN MISLINK_PATIENT_PHONES.SOURCE_COLUMN IS 'Column the number was typed in: PHONE_MOBILE, PHONE_HOME or PHONE_WORK.'^
COMMENT ON COLUMN MISLINK_PATIENT_PHONES.ORDINAL IS 'Position of the number within that column (1 = first number), as MISLINK_PHONE_KEYS returns it.'^
COMMENT ON COLUMN MISLINK_PATIENT_PHONES.PHONE_KEY IS 'E.164 digits without + (79171234567). Indexed.'^
COMMENT ON COLUMN MISLINK_PATIENT_PHONES.EXTENSION IS 'Extension typed after the number (dob. 123, ext 12, #12), or NULL.'^

SET TERM ; ^
