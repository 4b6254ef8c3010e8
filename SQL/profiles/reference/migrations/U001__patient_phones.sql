/*
 * reference U001 -- undo V001__patient_phones.sql: drops the trigger
 * MISLINK_PATIENTS_PHONES on PATIENTS (its privileges go with it) and empties
 * MISLINK_PATIENT_PHONES, which nothing keeps current any more. PATIENTS is
 * not touched.
 */

DROP TRIGGER MISLINK_PATIENTS_PHONES;
DELETE FROM MISLINK_PATIENT_PHONES;
