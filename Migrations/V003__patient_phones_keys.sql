/*
 * V003 -- primary key and PHONE_KEY index of MISLINK_PATIENT_PHONES, built in
 * one pass each over the rows the V002 backfill committed.
 *
 * Objects: constraint MISLINK_PATIENT_PHONES_PK (PATIENT_ID, SOURCE_COLUMN,
 *          ORDINAL), index MISLINK_PATIENT_PHONES_KEY_IX (PHONE_KEY).
 * Undo:    U003__patient_phones_keys.sql
 * Needs:   V002.
 *
 * A duplicate key here means a patient was edited while the backfill ran;
 * rebuild the rows as SQL/README.md says and run this script again.
 */

ALTER TABLE MISLINK_PATIENT_PHONES
    ADD CONSTRAINT MISLINK_PATIENT_PHONES_PK PRIMARY KEY (PATIENT_ID, SOURCE_COLUMN, ORDINAL);

CREATE INDEX MISLINK_PATIENT_PHONES_KEY_IX ON MISLINK_PATIENT_PHONES (PHONE_KEY);
