/*
 * V016 -- appeal_created_index: the appeals report picks the appeals of a
 * period by MISLINK_APPEALS.CREATED_AT (UTC) for both kinds of appeal (the
 * MIS's and MisLink's own), so that column gets an index.
 *
 * Objects: index MISLINK_APPEALS_CREATED_IX.
 * Undo:    U016__appeal_created_index.sql
 * Needs:   V006.
 */

CREATE INDEX MISLINK_APPEALS_CREATED_IX ON MISLINK_APPEALS (CREATED_AT);
