/*
 * fbbench.c: the MisLink benchmark workload in plain C over the legacy
 * libfbclient API (ibase.h). See include/fbbench.h for the workload and the
 * data formulas.
 */

#if !defined(_POSIX_C_SOURCE) && !defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L /* clock_gettime under strict -std=c11 */
#endif

#include "fbbench.h"

#include <ibase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Data generators                                                          */
/* ------------------------------------------------------------------------ */

#define PREFIX_LEN (sizeof(FBBENCH_FULL_NAME_PREFIX) - 1)

/* Writes the 7 decimal digits of v (0 <= v <= 9999999), zero-padded. */
static void put_7_digits(char *dst, unsigned v) {
    for (int p = 6; p >= 0; p--) {
        dst[p] = (char)('0' + v % 10);
        v /= 10;
    }
}

size_t fbbench_full_name(int i, char *buf) {
    char digits[12];
    size_t n = 0;
    unsigned v = (unsigned)i;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    memcpy(buf, FBBENCH_FULL_NAME_PREFIX, PREFIX_LEN);
    size_t len = PREFIX_LEN;
    while (n > 0)
        buf[len++] = digits[--n];
    buf[len] = '\0';
    return len;
}

size_t fbbench_phone(int i, char *buf) {
    char d[7];
    put_7_digits(d, (unsigned)i);
    memcpy(buf, "+7 (917) ", 9);
    buf[9] = d[0];
    buf[10] = d[1];
    buf[11] = d[2];
    buf[12] = '-';
    buf[13] = d[3];
    buf[14] = d[4];
    buf[15] = '-';
    buf[16] = d[5];
    buf[17] = d[6];
    buf[18] = '\0';
    return 18;
}

size_t fbbench_phone_norm(int i, char *buf) {
    memcpy(buf, "7917", 4);
    put_7_digits(buf + 4, (unsigned)i);
    buf[11] = '\0';
    return 11;
}

int fbbench_next_lookup_row(uint64_t *state, int rows) {
    *state = *state * FBBENCH_LCG_MULTIPLIER + FBBENCH_LCG_INCREMENT;
    return (int)((*state >> 33) % (uint64_t)rows) + 1;
}

/* ------------------------------------------------------------------------ */
/* Plumbing                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct bench {
    ISC_STATUS_ARRAY status;
    isc_db_handle db;
    isc_tr_handle tr;
    isc_stmt_handle stmt;
    XSQLDA *in;       /* input (parameter) descriptor of the current statement */
    XSQLDA *out;      /* output (column) descriptor of the current statement */
    char *in_buf;     /* data + indicator storage behind `in` */
    char *out_buf;    /* data + indicator storage behind `out` */
    char *text_buf;   /* decoded strings (phases 2 and 3) */
    int created;      /* the database file exists and `db` is attached to it */
    char *error;
    size_t error_len;
} bench;

/* Keeps the decoded values observable so the decoding is not optimised away. */
static volatile unsigned long long fbbench_sink;

static const char tpb_write[] = {
    isc_tpb_version3, isc_tpb_write, isc_tpb_concurrency, isc_tpb_wait,
};
static const char tpb_read[] = {
    isc_tpb_version3, isc_tpb_read, isc_tpb_read_committed, isc_tpb_rec_version, isc_tpb_wait,
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void append(bench *b, size_t *pos, const char *s) {
    if (b->error == NULL || b->error_len == 0)
        return;
    size_t room = b->error_len - 1 - *pos; /* keep one byte for the NUL */
    size_t n = strlen(s);
    if (n > room)
        n = room;
    memcpy(b->error + *pos, s, n);
    *pos += n;
    b->error[*pos] = '\0';
}

/* Message without a status vector (validation, memory, unexpected shapes). */
static int fail_msg(bench *b, const char *step, const char *msg) {
    size_t pos = 0;
    if (b->error != NULL && b->error_len > 0)
        b->error[0] = '\0';
    append(b, &pos, step);
    append(b, &pos, ": ");
    append(b, &pos, msg);
    return 1;
}

/* Message from the status vector: "<step>: line1; line2; ..." */
static int fail_isc(bench *b, const char *step) {
    size_t pos = 0;
    char line[1024];
    const ISC_STATUS *sv = b->status;
    int first = 1;
    if (b->error != NULL && b->error_len > 0)
        b->error[0] = '\0';
    append(b, &pos, step);
    append(b, &pos, ": ");
    while (fb_interpret(line, sizeof line, &sv) > 0) {
        if (!first)
            append(b, &pos, "; ");
        append(b, &pos, line);
        first = 0;
    }
    if (first)
        append(b, &pos, "unknown error");
    return 1;
}

static XSQLDA *sqlda_new(short n) {
    XSQLDA *d = calloc(1, XSQLDA_LENGTH(n));
    if (d != NULL) {
        d->version = SQLDA_VERSION1;
        d->sqln = n;
    }
    return d;
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static size_t var_data_size(const XSQLVAR *v) {
    switch (v->sqltype & ~1) {
    case SQL_VARYING:
        return (size_t)v->sqllen + sizeof(ISC_USHORT);
    default:
        return (size_t)v->sqllen;
    }
}

/* Allocates one block holding every column's data buffer and NULL indicator
   and points sqldata / sqlind at it. Returns NULL when out of memory. */
static char *sqlda_bind(XSQLDA *d) {
    size_t total = 0;
    for (int c = 0; c < d->sqld; c++)
        total += align8(var_data_size(&d->sqlvar[c])) + align8(sizeof(ISC_SHORT));
    char *block = calloc(1, total > 0 ? total : 1);
    if (block == NULL)
        return NULL;
    char *p = block;
    for (int c = 0; c < d->sqld; c++) {
        XSQLVAR *v = &d->sqlvar[c];
        v->sqldata = p;
        p += align8(var_data_size(v));
        v->sqlind = (ISC_SHORT *)(void *)p;
        p += align8(sizeof(ISC_SHORT));
    }
    return block;
}

static int expect_type(bench *b, const char *step, const XSQLVAR *v, short type) {
    if ((v->sqltype & ~1) != type) {
        char msg[128];
        snprintf(msg, sizeof msg, "unexpected SQL type %d (expected %d)", v->sqltype & ~1, type);
        return fail_msg(b, step, msg);
    }
    return 0;
}

/* Parameter setters (the parameter is never NULL here). */
static void set_long(XSQLVAR *v, ISC_LONG value) {
    memcpy(v->sqldata, &value, sizeof value);
    *v->sqlind = 0;
}

static int set_varying(bench *b, XSQLVAR *v, const char *s, size_t n) {
    if (n > (size_t)v->sqllen)
        return fail_msg(b, "bind parameter", "string longer than the parameter");
    ISC_USHORT len = (ISC_USHORT)n;
    memcpy(v->sqldata, &len, sizeof len);
    memcpy(v->sqldata + sizeof len, s, n);
    *v->sqlind = 0;
    return 0;
}

/* Column getters: copy out like a driver handing values to its caller. */
static int get_long(const XSQLVAR *v, ISC_LONG *value) {
    if ((v->sqltype & 1) && *v->sqlind < 0)
        return 0;
    memcpy(value, v->sqldata, sizeof *value);
    return 1;
}

/* Copies a VARYING column into dst (capacity sqllen + 1), NUL-terminated.
   Returns the length in bytes, or -1 for NULL. */
static int get_varying(const XSQLVAR *v, char *dst) {
    if ((v->sqltype & 1) && *v->sqlind < 0)
        return -1;
    ISC_USHORT len;
    memcpy(&len, v->sqldata, sizeof len);
    memcpy(dst, v->sqldata + sizeof len, len);
    dst[len] = '\0';
    return (int)len;
}

static void free_buffers(bench *b) {
    free(b->in);
    free(b->out);
    free(b->in_buf);
    free(b->out_buf);
    free(b->text_buf);
    b->in = b->out = NULL;
    b->in_buf = b->out_buf = b->text_buf = NULL;
}

/* Drops the current statement and frees its descriptors and buffers. */
static int release_statement(bench *b, const char *step) {
    if (isc_dsql_free_statement(b->status, &b->stmt, DSQL_drop))
        return fail_isc(b, step);
    b->stmt = 0;
    free_buffers(b);
    return 0;
}

/* Best-effort cleanup after a failure: a scratch status vector keeps the
   first error message. Drops the database if this run created it. */
static void cleanup(bench *b) {
    ISC_STATUS_ARRAY scratch;
    if (b->stmt != 0)
        isc_dsql_free_statement(scratch, &b->stmt, DSQL_drop);
    b->stmt = 0;
    free_buffers(b);
    if (b->tr != 0)
        isc_rollback_transaction(scratch, &b->tr);
    b->tr = 0;
    if (b->db != 0) {
        if (!b->created || isc_drop_database(scratch, &b->db))
            isc_detach_database(scratch, &b->db);
    }
    b->db = 0;
}

static int start(bench *b, const char *step, const char *tpb, size_t tpb_len) {
    if (isc_start_transaction(b->status, &b->tr, 1, &b->db, (unsigned short)tpb_len, tpb))
        return fail_isc(b, step);
    return 0;
}

static int commit(bench *b, const char *step) {
    if (isc_commit_transaction(b->status, &b->tr))
        return fail_isc(b, step);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Phases                                                                   */
/* ------------------------------------------------------------------------ */

static int create_database(bench *b, const char *path) {
    /* The client pre-parser turns PAGE_SIZE and SET NAMES into DPB items
       (isc_dpb_page_size, isc_dpb_lc_ctype) and creates the database; the
       rest (DEFAULT CHARACTER SET) is executed by the engine. SET NAMES must
       therefore come before DEFAULT CHARACTER SET. */
    static const char head[] = "CREATE DATABASE '";
    static const char tail[] = "' PAGE_SIZE 8192 SET NAMES 'UTF8' DEFAULT CHARACTER SET UTF8";
    size_t plen = strlen(path);
    char *sql = malloc(sizeof head + 2 * plen + sizeof tail);
    if (sql == NULL)
        return fail_msg(b, "create database", "out of memory");
    char *p = sql;
    memcpy(p, head, sizeof head - 1);
    p += sizeof head - 1;
    for (size_t k = 0; k < plen; k++) {
        if (path[k] == '\'')
            *p++ = '\'';
        *p++ = path[k];
    }
    memcpy(p, tail, sizeof tail); /* includes the NUL */
    p += sizeof tail - 1;
    if ((size_t)(p - sql) > 0xFFFF) {
        free(sql);
        return fail_msg(b, "create database", "path too long");
    }
    ISC_STATUS rc = isc_dsql_execute_immediate(b->status, &b->db, &b->tr, (unsigned short)(p - sql), sql,
                                               SQL_DIALECT_V6, NULL);
    free(sql);
    if (rc)
        return fail_isc(b, "create database");
    b->created = 1;

    static const char *const ddl[] = {
        "CREATE TABLE BENCH_PATIENTS (ID INTEGER NOT NULL PRIMARY KEY, FULL_NAME VARCHAR(120), "
        "PHONE VARCHAR(40), PHONE_NORM VARCHAR(20))",
        "CREATE INDEX IDX_PATIENTS_PHONE_NORM ON BENCH_PATIENTS (PHONE_NORM)",
    };
    /* Each DDL statement in its own transaction: the index needs the table committed. */
    for (size_t k = 0; k < sizeof ddl / sizeof ddl[0]; k++) {
        if (start(b, "start DDL transaction", tpb_write, sizeof tpb_write))
            return 1;
        if (isc_dsql_execute_immediate(b->status, &b->db, &b->tr, 0, ddl[k], SQL_DIALECT_V6, NULL))
            return fail_isc(b, k == 0 ? "create table" : "create index");
        if (commit(b, "commit DDL"))
            return 1;
    }
    return 0;
}

static int phase_insert(bench *b, int rows, double *seconds) {
    static const char sql[] = "INSERT INTO BENCH_PATIENTS (ID, FULL_NAME, PHONE, PHONE_NORM) VALUES (?, ?, ?, ?)";
    const char *step = "prepare INSERT";
    char name[FBBENCH_FULL_NAME_CAPACITY], phone[FBBENCH_PHONE_CAPACITY], norm[FBBENCH_PHONE_NORM_CAPACITY];

    double t0 = now_s();
    if (start(b, "start insert transaction", tpb_write, sizeof tpb_write))
        return 1;
    if (isc_dsql_allocate_statement(b->status, &b->db, &b->stmt))
        return fail_isc(b, "allocate INSERT");
    if (isc_dsql_prepare(b->status, &b->tr, &b->stmt, 0, sql, SQL_DIALECT_V6, NULL))
        return fail_isc(b, step);
    if ((b->in = sqlda_new(4)) == NULL)
        return fail_msg(b, step, "out of memory");
    if (isc_dsql_describe_bind(b->status, &b->stmt, SQLDA_VERSION1, b->in))
        return fail_isc(b, "describe INSERT parameters");
    if (b->in->sqld != 4)
        return fail_msg(b, step, "expected 4 parameters");
    if (expect_type(b, step, &b->in->sqlvar[0], SQL_LONG) || expect_type(b, step, &b->in->sqlvar[1], SQL_VARYING) ||
        expect_type(b, step, &b->in->sqlvar[2], SQL_VARYING) || expect_type(b, step, &b->in->sqlvar[3], SQL_VARYING))
        return 1;
    if ((b->in_buf = sqlda_bind(b->in)) == NULL)
        return fail_msg(b, step, "out of memory");

    XSQLVAR *v = b->in->sqlvar;
    for (int i = 1; i <= rows; i++) {
        set_long(&v[0], (ISC_LONG)i);
        if (set_varying(b, &v[1], name, fbbench_full_name(i, name)) ||
            set_varying(b, &v[2], phone, fbbench_phone(i, phone)) ||
            set_varying(b, &v[3], norm, fbbench_phone_norm(i, norm)))
            return 1;
        if (isc_dsql_execute(b->status, &b->tr, &b->stmt, SQLDA_VERSION1, b->in))
            return fail_isc(b, "execute INSERT");
    }
    if (release_statement(b, "drop INSERT"))
        return 1;
    if (commit(b, "commit inserts"))
        return 1;
    *seconds = now_s() - t0;
    return 0;
}

static int phase_fetch(bench *b, long long *fetched, double *seconds) {
    static const char sql[] = "SELECT ID, FULL_NAME, PHONE, PHONE_NORM FROM BENCH_PATIENTS";
    const char *step = "prepare SELECT";
    unsigned long long checksum = 0;
    long long count = 0;

    double t0 = now_s();
    if (start(b, "start fetch transaction", tpb_read, sizeof tpb_read))
        return 1;
    if (isc_dsql_allocate_statement(b->status, &b->db, &b->stmt))
        return fail_isc(b, "allocate SELECT");
    if ((b->out = sqlda_new(4)) == NULL)
        return fail_msg(b, step, "out of memory");
    if (isc_dsql_prepare(b->status, &b->tr, &b->stmt, 0, sql, SQL_DIALECT_V6, b->out))
        return fail_isc(b, step);
    if (b->out->sqld != 4)
        return fail_msg(b, step, "expected 4 columns");
    if (expect_type(b, step, &b->out->sqlvar[0], SQL_LONG) || expect_type(b, step, &b->out->sqlvar[1], SQL_VARYING) ||
        expect_type(b, step, &b->out->sqlvar[2], SQL_VARYING) ||
        expect_type(b, step, &b->out->sqlvar[3], SQL_VARYING))
        return 1;
    if ((b->out_buf = sqlda_bind(b->out)) == NULL)
        return fail_msg(b, step, "out of memory");

    /* One decode buffer per string column, each sqllen + 1 bytes. */
    XSQLVAR *v = b->out->sqlvar;
    size_t cap1 = (size_t)v[1].sqllen + 1, cap2 = (size_t)v[2].sqllen + 1, cap3 = (size_t)v[3].sqllen + 1;
    if ((b->text_buf = malloc(cap1 + cap2 + cap3)) == NULL)
        return fail_msg(b, step, "out of memory");
    char *full_name = b->text_buf, *phone = full_name + cap1, *phone_norm = phone + cap2;

    if (isc_dsql_execute(b->status, &b->tr, &b->stmt, SQLDA_VERSION1, NULL))
        return fail_isc(b, "execute SELECT");
    for (;;) {
        ISC_STATUS rc = isc_dsql_fetch(b->status, &b->stmt, SQLDA_VERSION1, b->out);
        if (rc == 100)
            break;
        if (rc)
            return fail_isc(b, "fetch");
        ISC_LONG id = 0;
        get_long(&v[0], &id);
        int n1 = get_varying(&v[1], full_name);
        int n2 = get_varying(&v[2], phone);
        int n3 = get_varying(&v[3], phone_norm);
        checksum += (unsigned long long)id + (unsigned)(n1 + n2 + n3) + (unsigned char)phone_norm[n3 > 0 ? n3 - 1 : 0];
        count++;
    }
    if (release_statement(b, "drop SELECT"))
        return 1;
    if (commit(b, "commit fetch"))
        return 1;
    *seconds = now_s() - t0;
    fbbench_sink += checksum;
    *fetched = count;
    return 0;
}

static int phase_lookup(bench *b, int rows, int lookups, long long *hits_out, double *seconds) {
    static const char sql[] = "SELECT ID, FULL_NAME FROM BENCH_PATIENTS WHERE PHONE_NORM = ?";
    const char *step = "prepare lookup";
    char key[FBBENCH_PHONE_NORM_CAPACITY];
    unsigned long long checksum = 0;
    long long hits = 0;

    if (start(b, "start lookup transaction", tpb_read, sizeof tpb_read))
        return 1;
    if (isc_dsql_allocate_statement(b->status, &b->db, &b->stmt))
        return fail_isc(b, "allocate lookup");
    if ((b->out = sqlda_new(2)) == NULL || (b->in = sqlda_new(1)) == NULL)
        return fail_msg(b, step, "out of memory");
    if (isc_dsql_prepare(b->status, &b->tr, &b->stmt, 0, sql, SQL_DIALECT_V6, b->out))
        return fail_isc(b, step);
    if (isc_dsql_describe_bind(b->status, &b->stmt, SQLDA_VERSION1, b->in))
        return fail_isc(b, "describe lookup parameters");
    if (b->out->sqld != 2 || b->in->sqld != 1)
        return fail_msg(b, step, "expected 2 columns and 1 parameter");
    if (expect_type(b, step, &b->out->sqlvar[0], SQL_LONG) || expect_type(b, step, &b->out->sqlvar[1], SQL_VARYING) ||
        expect_type(b, step, &b->in->sqlvar[0], SQL_VARYING))
        return 1;
    if ((b->out_buf = sqlda_bind(b->out)) == NULL || (b->in_buf = sqlda_bind(b->in)) == NULL)
        return fail_msg(b, step, "out of memory");
    XSQLVAR *out = b->out->sqlvar, *param = &b->in->sqlvar[0];
    if ((b->text_buf = malloc((size_t)out[1].sqllen + 1)) == NULL)
        return fail_msg(b, step, "out of memory");
    char *full_name = b->text_buf;

    uint64_t state = FBBENCH_LCG_SEED;
    double t0 = now_s();
    for (int j = 0; j < lookups; j++) {
        int k = fbbench_next_lookup_row(&state, rows);
        if (set_varying(b, param, key, fbbench_phone_norm(k, key)))
            return 1;
        if (isc_dsql_execute(b->status, &b->tr, &b->stmt, SQLDA_VERSION1, b->in))
            return fail_isc(b, "execute lookup");
        ISC_STATUS rc = isc_dsql_fetch(b->status, &b->stmt, SQLDA_VERSION1, b->out);
        if (rc != 0 && rc != 100)
            return fail_isc(b, "fetch lookup");
        if (rc == 0) {
            ISC_LONG id = 0;
            int found = get_long(&out[0], &id);
            int n = get_varying(&out[1], full_name);
            checksum += (unsigned long long)id + (unsigned)n;
            if (found && id == k)
                hits++;
        }
        if (isc_dsql_free_statement(b->status, &b->stmt, DSQL_close))
            return fail_isc(b, "close lookup cursor");
    }
    *seconds = now_s() - t0;

    if (release_statement(b, "drop lookup"))
        return 1;
    if (commit(b, "commit lookups"))
        return 1;
    fbbench_sink += checksum;
    *hits_out = hits;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

int fbbench_run(const char *database_path, int rows, int lookups, fbbench_result *out, char *error, size_t error_len) {
    bench b;
    memset(&b, 0, sizeof b);
    b.error = error;
    b.error_len = error_len;
    if (error != NULL && error_len > 0)
        error[0] = '\0';

    if (database_path == NULL || out == NULL)
        return fail_msg(&b, "arguments", "database_path and out must not be NULL");
    if (rows < 1 || rows > FBBENCH_MAX_ROWS)
        return fail_msg(&b, "arguments", "rows must be 1 ... 9999999");
    if (lookups < 0)
        return fail_msg(&b, "arguments", "lookups must not be negative");
    memset(out, 0, sizeof *out);

    double insert_s = 0, fetch_s = 0, lookup_s = 0;
    long long fetched = 0, hits = 0;
    if (create_database(&b, database_path) || phase_insert(&b, rows, &insert_s) ||
        phase_fetch(&b, &fetched, &fetch_s) || phase_lookup(&b, rows, lookups, &hits, &lookup_s)) {
        cleanup(&b);
        return 1;
    }
    if (isc_drop_database(b.status, &b.db)) {
        fail_isc(&b, "drop database");
        cleanup(&b);
        return 1;
    }
    b.db = 0;

    out->insert_rows_per_s = insert_s > 0 ? rows / insert_s : 0;
    out->fetch_rows_per_s = fetch_s > 0 ? (double)fetched / fetch_s : 0;
    out->lookup_us = lookups > 0 ? lookup_s * 1e6 / lookups : 0;
    out->fetched_rows = fetched;
    out->lookup_hits = hits;
    return 0;
}
