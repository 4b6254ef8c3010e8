/*
 * reference V003 -- what MisLink's worker may do in the reference MIS: read
 * what identification, cards and messages need; create and update appeals;
 * create and update bookings made from an appeal. The MIS's BEFORE INSERT
 * triggers take IDs from its generators.
 *
 * Objects: privileges of role MISLINK_WORKER on MIS tables and generators.
 * Undo:    U003__worker_grants.sql
 * Needs:   MisLink's role MISLINK_WORKER (core V008).
 *
 * Until issue 16 these were part of the core's V008; on a database that
 * applied that V008 they are granted again (a no-op). MISLINK_SCREEN has no
 * privilege on MIS tables.
 */

GRANT SELECT ON PATIENTS TO ROLE MISLINK_WORKER;
GRANT SELECT ON STAFF TO ROLE MISLINK_WORKER;
GRANT SELECT ON SERVICES TO ROLE MISLINK_WORKER;
GRANT SELECT ON DEPARTMENTS TO ROLE MISLINK_WORKER;
GRANT SELECT, INSERT, UPDATE ON APPEALS TO ROLE MISLINK_WORKER;
GRANT SELECT, INSERT, UPDATE ON SCHEDULE TO ROLE MISLINK_WORKER;
GRANT USAGE ON SEQUENCE GEN_APPEALS_ID TO ROLE MISLINK_WORKER;
GRANT USAGE ON SEQUENCE GEN_SCHEDULE_ID TO ROLE MISLINK_WORKER;
