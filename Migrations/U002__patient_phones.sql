/*
 * U002 -- undo V002__patient_phones.sql: drops the trigger
 * MISLINK_PATIENTS_PHONES on PATIENTS and the table MISLINK_PATIENT_PHONES.
 * PATIENTS itself is not touched.
 */

DROP TRIGGER MISLINK_PATIENTS_PHONES;
DROP TABLE MISLINK_PATIENT_PHONES;
