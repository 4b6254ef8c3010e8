/*
 * polyclinic U001 -- undo V001__phone_keys.sql: drops both triggers (their
 * privileges go with them) and empties MISLINK_PATIENT_PHONES.
 */

DROP TRIGGER MISLINK_PACIENT_PHONES;
DROP TRIGGER MISLINK_PHONES_PHONES;
DELETE FROM MISLINK_PATIENT_PHONES;
