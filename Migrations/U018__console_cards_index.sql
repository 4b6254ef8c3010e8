/*
 * U018 -- undo V018__console_cards_index.sql: drops the index.
 */

DROP INDEX MISLINK_CALL_CARDS_CLOSED_IX;
