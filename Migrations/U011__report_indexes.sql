/*
 * U011 -- undo V011__report_indexes.sql: drops the report's two indexes on
 * MISLINK_APPEAL_EVENTS. No data is lost.
 */

DROP INDEX MISLINK_APPEAL_EVENTS_TTYPE_IX;
DROP INDEX MISLINK_APPEAL_EVENTS_TYPE_IX;
