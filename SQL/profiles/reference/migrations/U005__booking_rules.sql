/*
 * reference U005 -- undo V005__booking_rules.sql: drops the booking procedure
 * (its privileges go with it) and its exception. book_visit of a profile that
 * still names the procedure then fails: restore the INSERT it replaced.
 */

DROP PROCEDURE MISLINK_SCHEDULE_BOOK;
DROP EXCEPTION MISLINK_SCHEDULE_REFUSED;
