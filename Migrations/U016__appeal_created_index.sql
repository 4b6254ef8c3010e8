/*
 * U016 -- undo V016__appeal_created_index.sql: drops the index.
 */

DROP INDEX MISLINK_APPEALS_CREATED_IX;
