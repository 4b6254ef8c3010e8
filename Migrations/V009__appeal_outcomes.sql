/*
 * V009 -- appeal outcomes: moved to the MIS profile; this version is empty.
 *
 * Objects: none.
 * Undo:    U009__appeal_outcomes.sql (empty too)
 *
 * Edited in issue 16: until then this file created the triggers
 * MISLINK_SCHEDULE_APPEAL_DONE (on SCHEDULE) and MISLINK_APPEALS_OUTCOME
 * (on APPEALS) with their privileges. Both act on the reference schema's
 * tables, so they are the reference profile's now
 * (SQL/profiles/reference/migrations/V004__appeal_outcomes.sql), which
 * adopts them on a database that has them (CREATE OR ALTER). For a MIS
 * without an appeals table the core's V014 does the same for MisLink's own
 * appeals. The version stays so that the numbering stays consecutive and
 * databases that applied it validate (superseded-checksums).
 */
