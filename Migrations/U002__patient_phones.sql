/*
 * U002 -- undo V002__patient_phones.sql: drops the table
 * MISLINK_PATIENT_PHONES. The MIS's tables are not touched (the profile's
 * triggers that fill it are undone by the profile's undo scripts first).
 */

DROP TABLE MISLINK_PATIENT_PHONES;
