/*
 * U007 -- undo V007__inbox_outbox_commands.sql: drops the templates,
 * outbox, commands and inbox with their triggers and sequences. Unsent
 * messages and commands are lost. (The profile's trigger on the MIS's
 * visits, which writes the outbox, is undone by the profile first.)
 */

DROP TABLE MISLINK_TEMPLATES;
DROP TABLE MISLINK_OUTBOX;
DROP TABLE MISLINK_COMMANDS;
DROP TABLE MISLINK_INBOX;
DROP SEQUENCE MISLINK_OUTBOX_SEQ;
DROP SEQUENCE MISLINK_COMMANDS_SEQ;
DROP SEQUENCE MISLINK_INBOX_SEQ;
