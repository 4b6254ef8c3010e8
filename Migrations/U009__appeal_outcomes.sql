/*
 * U009 -- undo V009__appeal_outcomes.sql, which is empty since issue 16:
 * nothing to undo. On a database that applied the old V009, its triggers
 * belong to the reference profile now; its U004 drops them.
 */
