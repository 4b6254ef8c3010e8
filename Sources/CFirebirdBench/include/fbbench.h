#ifndef FBBENCH_H
#define FBBENCH_H

/*
 * fbbench: the MisLink benchmark workload written in plain C over the legacy
 * libfbclient API (ibase.h), used as the baseline for the Swift wrapper.
 *
 * Table:  PATIENTS (ID INTEGER NOT NULL PRIMARY KEY, FULL_NAME VARCHAR(120),
 *                   PHONE VARCHAR(40), PHONE_NORM VARCHAR(20))
 *         + CREATE INDEX IDX_PATIENTS_PHONE_NORM ON PATIENTS (PHONE_NORM)
 * Database: PAGE_SIZE 8192, DEFAULT CHARACTER SET UTF8, dialect 3,
 *           connection character set UTF8.
 *
 * Phases and what each timer covers (CLOCK_MONOTONIC):
 *   1. insert: start a read-write concurrency (snapshot) wait transaction,
 *      allocate + prepare "INSERT INTO PATIENTS (ID, FULL_NAME, PHONE,
 *      PHONE_NORM) VALUES (?, ?, ?, ?)", execute it once per row i = 1..rows,
 *      drop the statement, commit. Timer: transaction start .. commit done.
 *   2. fetch: start a read-only read-committed (rec_version) wait transaction,
 *      prepare + execute "SELECT ID, FULL_NAME, PHONE, PHONE_NORM FROM
 *      PATIENTS", fetch every row decoding ID into an int and copying each
 *      VARCHAR into a char buffer with its length, drop the statement, commit.
 *      Timer: transaction start .. commit done.
 *   3. lookup: in one read-only read-committed wait transaction, prepare
 *      "SELECT ID, FULL_NAME FROM PATIENTS WHERE PHONE_NORM = ?" once, then
 *      `lookups` times: set the parameter, execute, fetch one row (decoding
 *      ID and FULL_NAME), close the cursor (DSQL_close). A lookup is a hit
 *      when a row came back and its ID is the expected key.
 *      Timer: the lookup loop only (not the prepare, not start/commit);
 *      lookup_us = loop seconds * 1e6 / lookups.
 * Then the database is dropped (isc_drop_database).
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fbbench_result {
    double insert_rows_per_s;   // rows / seconds for phase 1 (including the commit)
    double fetch_rows_per_s;    // rows / seconds for phase 2
    double lookup_us;           // mean microseconds per lookup in phase 3
    long long fetched_rows;     // rows seen in phase 2 (must equal rows)
    long long lookup_hits;      // lookups that found their row (must equal lookups)
} fbbench_result;

/// Creates the database at `database_path` (embedded file path; must not exist), runs the workload, drops the database.
/// `rows` must be 1 ... FBBENCH_MAX_ROWS, `lookups` >= 0.
/// Returns 0 on success; on failure returns non-zero and writes a message (fb_interpret text) into `error` (NUL-terminated).
/// The message starts with the step that failed, e.g. "prepare INSERT: Dynamic SQL Error; ...";
/// status lines are joined with "; ". On failure the database is dropped if it had been created.
/// `error` may be NULL when `error_len` is 0.
int fbbench_run(const char *database_path, int rows, int lookups, fbbench_result *out, char *error, size_t error_len);

/* ---------------------------------------------------------------------------
 * Deterministic data (the Swift side re-implements these; they are exported
 * so that it can also check its own output against them).
 *
 * Row i, 1-based, i = 1 ... rows (rows <= FBBENCH_MAX_ROWS = 9 999 999):
 *   ID         = i
 *   FULL_NAME  = FBBENCH_FULL_NAME_PREFIX followed by the decimal i, no padding
 *                (UTF-8; the prefix is "Пациентова Анна Петровна " with one
 *                trailing ASCII space, 47 bytes)
 *                e.g. i = 1 -> "Пациентова Анна Петровна 1"
 *   PHONE      = "+7 (917) " + D[0..2] + "-" + D[3..4] + "-" + D[5..6]
 *                where D = i as 7 decimal digits, zero-padded on the left
 *                e.g. i = 1234567 -> "+7 (917) 123-45-67", i = 1 -> "+7 (917) 000-00-01"
 *   PHONE_NORM = "7917" + D   e.g. i = 1 -> "79170000001", i = 1234567 -> "79171234567"
 *
 * Lookup keys: a 64-bit unsigned state s = FBBENCH_LCG_SEED (42). For each
 * lookup, in order:
 *   s = s * 6364136223846793005 + 1442695040888963407   (wrapping, mod 2^64)
 *   k = (int)((s >> 33) % (uint64_t)rows) + 1
 * and the lookup searches PHONE_NORM of row k (expected hit: ID == k).
 * ------------------------------------------------------------------------- */

#define FBBENCH_MAX_ROWS 9999999
#define FBBENCH_FULL_NAME_PREFIX "Пациентова Анна Петровна "
#define FBBENCH_LCG_SEED 42ULL
#define FBBENCH_LCG_MULTIPLIER 6364136223846793005ULL
#define FBBENCH_LCG_INCREMENT 1442695040888963407ULL

/// Buffer capacities (bytes, including a terminating NUL) for the generators below.
#define FBBENCH_FULL_NAME_CAPACITY 64
#define FBBENCH_PHONE_CAPACITY 24
#define FBBENCH_PHONE_NORM_CAPACITY 16

/// Writes FULL_NAME of row i into buf (capacity >= FBBENCH_FULL_NAME_CAPACITY), NUL-terminated.
/// Returns the length in bytes (without the NUL). i must be 1 ... FBBENCH_MAX_ROWS.
size_t fbbench_full_name(int i, char *buf);
/// Writes PHONE of row i into buf (capacity >= FBBENCH_PHONE_CAPACITY), NUL-terminated; returns the length (18).
size_t fbbench_phone(int i, char *buf);
/// Writes PHONE_NORM of row i into buf (capacity >= FBBENCH_PHONE_NORM_CAPACITY), NUL-terminated; returns the length (11).
size_t fbbench_phone_norm(int i, char *buf);
/// Advances the LCG state (*state starts at FBBENCH_LCG_SEED) and returns the next key row k in 1 ... rows.
int fbbench_next_lookup_row(uint64_t *state, int rows);

#ifdef __cplusplus
}
#endif

#endif /* FBBENCH_H */
