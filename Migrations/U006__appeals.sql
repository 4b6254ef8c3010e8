/*
 * U006 -- undo V006__appeals.sql: drops MISLINK_APPEAL_EVENTS and
 * MISLINK_APPEALS with their triggers and sequence. The MIS's APPEALS rows
 * stay as they are; MisLink's extra data about them is lost.
 */

DROP TABLE MISLINK_APPEAL_EVENTS;
DROP TABLE MISLINK_APPEALS;
DROP SEQUENCE MISLINK_APPEAL_EVENTS_SEQ;
