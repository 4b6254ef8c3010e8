/*
 * U013 -- undo V013__command_attempts.sql: drops MISLINK_COMMANDS.ATTEMPTS.
 * The claim counts are lost; nothing else changes.
 */

ALTER TABLE MISLINK_COMMANDS DROP ATTEMPTS;
