/*
 * reference U002 -- undo V002__booking_messages.sql: drops the trigger
 * MISLINK_SCHEDULE_MESSAGES on SCHEDULE (its privileges, the one on PATIENTS
 * among them, go with it). Messages already queued stay. SCHEDULE is not
 * touched.
 */

DROP TRIGGER MISLINK_SCHEDULE_MESSAGES;
