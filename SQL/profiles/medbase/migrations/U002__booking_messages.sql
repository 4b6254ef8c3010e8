/*
 * medbase U002 -- undo V002__booking_messages.sql: drops the trigger
 * MISLINK_PRIEMY_MESSAGES on PRIEMY (its privileges go with it). Messages
 * already queued in MISLINK_OUTBOX stay. PRIEMY is not touched.
 */

DROP TRIGGER MISLINK_PRIEMY_MESSAGES;
