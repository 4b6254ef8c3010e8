/*
 * U005 -- undo V005__chats.sql: drops the chat threads and messages with
 * their triggers, indexes and sequences. All chat history is lost.
 */

DROP TABLE MISLINK_CHAT_MESSAGES;
DROP TABLE MISLINK_CHAT_THREADS;
DROP SEQUENCE MISLINK_CHAT_MESSAGES_SEQ;
DROP SEQUENCE MISLINK_CHAT_THREADS_SEQ;
