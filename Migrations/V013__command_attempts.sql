/*
 * V013 -- command_attempts: how many times a worker has taken each command.
 *
 * Objects: column MISLINK_COMMANDS.ATTEMPTS.
 * Undo:    U013__command_attempts.sql
 * Needs:   V007.
 *
 * A worker that claims a command and then dies, or cannot write its
 * result back, leaves the command 'processing' until its lease runs out,
 * and the next worker takes it again. Without a count that could go on
 * for ever. Every claim adds one to ATTEMPTS (a command handed back
 * unattempted at shutdown takes it back off), and a command claimed more
 * often than outbound.max_attempts is made 'failed' with the reason in
 * RESULT instead of being carried out once more. The claim's ATTEMPTS
 * also tells a worker whether the claim it holds is still the latest.
 * Existing rows read 0.
 */

ALTER TABLE MISLINK_COMMANDS ADD ATTEMPTS SMALLINT DEFAULT 0 NOT NULL;

COMMENT ON COLUMN MISLINK_COMMANDS.ATTEMPTS IS
'Times a worker took the command (claims); past outbound.max_attempts it is failed instead.';
