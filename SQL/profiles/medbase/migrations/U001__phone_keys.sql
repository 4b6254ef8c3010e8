/*
 * medbase U001 -- undo V001__phone_keys.sql: drops the triggers
 * MISLINK_KLIENTY_PHONES and MISLINK_KONTAKTY_PHONES (their privileges go
 * with them) and empties MISLINK_PATIENT_PHONES, which nothing keeps current
 * any more. KLIENTY and KONTAKTY are not touched.
 */

DROP TRIGGER MISLINK_KONTAKTY_PHONES;
DROP TRIGGER MISLINK_KLIENTY_PHONES;
DELETE FROM MISLINK_PATIENT_PHONES;
