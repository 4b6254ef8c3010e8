/*
 * U008 -- undo V008__roles.sql: drops the roles MISLINK_SCREEN and
 * MISLINK_WORKER. Dropping a role removes every privilege granted to it
 * and every grant of the role to users.
 */

DROP ROLE MISLINK_SCREEN;
DROP ROLE MISLINK_WORKER;
