/*
 * U009 -- undo V009__appeal_outcomes.sql: drops the triggers on SCHEDULE and
 * APPEALS. Appeals already closed by a booking stay closed.
 */

DROP TRIGGER MISLINK_APPEALS_OUTCOME;
DROP TRIGGER MISLINK_SCHEDULE_APPEAL_DONE;
