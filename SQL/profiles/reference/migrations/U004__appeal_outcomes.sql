/*
 * reference U004 -- undo V004__appeal_outcomes.sql: drops the triggers on
 * SCHEDULE and APPEALS (their privileges go with them). Appeals already
 * closed by a booking stay closed; the copied columns of MISLINK_APPEALS
 * keep their values (core U014 drops them).
 */

DROP TRIGGER MISLINK_APPEALS_OUTCOME;
DROP TRIGGER MISLINK_SCHEDULE_APPEAL_DONE;
