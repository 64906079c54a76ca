/*
 * durable_writer.h: the one thread that writes to an LMDB environment,
 * committing group-wise: every operation submitted while a transaction
 * commits goes into the next one, so one fsync covers them all.
 *
 * An operation is a struct the caller owns (usually embedded in its own
 * request) with two callbacks, both run on the writer thread:
 *   apply(op, txn)  does its writes inside the group's transaction and
 *                   returns 0 or an LMDB/errno code. It may run more than
 *                   once: when a group fails, the writer retries its
 *                   operations one by one, so one bad operation does not
 *                   fail the others. Keep side effects for done.
 *   done(op, rc)    runs exactly once after the commit (rc 0) or the
 *                   failure (rc != 0); the op may be freed in it.
 */
#ifndef OTELC_CORE_DURABLE_WRITER_H
#define OTELC_CORE_DURABLE_WRITER_H

#include <stdint.h>

#include <lmdb.h>
#include <otelc/plugin.h>

typedef struct dw_op dw_op;
struct dw_op {
    dw_op *next; /* the writer's */
    int (*apply)(dw_op *op, MDB_txn *txn);
    void (*done)(dw_op *op, int rc);
};

typedef struct durable_writer durable_writer;

typedef struct dw_stats {
    uint64_t commits;  /* transactions committed */
    uint64_t ops;      /* operations committed */
    uint64_t failures; /* operations that failed */
    int64_t last_commit_ns; /* duration of the last commit, fsync included */
} dw_stats;

/* A stopped writer for env (borrowed; it must outlive the writer). name
 * is copied and used in logs. NULL if memory ran out. */
durable_writer *dw_new(MDB_env *env, const char *name);

/* Series to observe each commit's duration in seconds (a histogram) and
 * to count commits; either may be NULL. Before dw_start. */
void dw_set_metrics(durable_writer *w, otelc_series *commit_seconds, otelc_series *commits);

/* grow(arg) runs on the writer thread when a commit fails with
 * MDB_MAP_FULL; after it returns 0 (the map is larger) the commit is
 * tried again, up to 8 times. Before dw_start. */
void dw_set_grow(durable_writer *w, int (*grow)(void *arg), void *arg);

/* Starts the thread. 0, or -1 (logged). Main thread. */
int dw_start(durable_writer *w);

/* Commits everything submitted so far, then stops the thread; later
 * submissions complete at once with rc ESHUTDOWN. Idempotent. */
void dw_stop(durable_writer *w);

/* Stops the writer if needed and frees it. NULL is allowed. */
void dw_free(durable_writer *w);

/* Queues op for the next transaction. op stays the caller's and must live
 * until its done runs (on the writer thread, or right here with
 * ESHUTDOWN when the writer is stopped). Any thread. */
void dw_submit(durable_writer *w, dw_op *op);

/* Submits op and waits for its commit; op->done is not used (may be
 * NULL). Returns the commit's rc. Any thread but the writer's. */
int dw_run(durable_writer *w, dw_op *op);

void dw_stats_get(durable_writer *w, dw_stats *out);

#endif
