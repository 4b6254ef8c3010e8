/*
 * V011 -- report_indexes: indexes for the appeals report (SQL/report-appeals.sql).
 *
 * Objects: indexes MISLINK_APPEAL_EVENTS_TYPE_IX (APPEAL_ID, EVENT_TYPE) and
 *          MISLINK_APPEAL_EVENTS_TTYPE_IX (THREAD_ID, EVENT_TYPE).
 * Undo:    U011__report_indexes.sql
 * Needs:   V006.
 *
 * The report asks of every appeal in its period whether its chain has a
 * 'booked' event, and of every chat thread whether it was 'transferred' or
 * 'released'. With the event type in the index those questions are answered
 * from the index alone for the (many) appeals and threads that have no such
 * event, instead of reading each of their events. Building both on 1,000,000
 * appeals' chains takes seconds; nothing else changes.
 */

CREATE INDEX MISLINK_APPEAL_EVENTS_TYPE_IX ON MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE);
CREATE INDEX MISLINK_APPEAL_EVENTS_TTYPE_IX ON MISLINK_APPEAL_EVENTS (THREAD_ID, EVENT_TYPE);
