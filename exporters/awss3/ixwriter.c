/*
 * ixwriter.c: the index writer thread and its group commits.
 */
#include "ixwriter.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <otelc/sdk/clock.h>

#include "summary.h"

#define IDLE_PRUNE_NS (30 * 1000000000LL) /* retention check without traffic */
#define PRUNE_BUDGET 256                  /* objects removed per commit at most */

struct ix_writer {
    ix_env *env;
    otelc_ctx *ctx;
    const otelc_host_api *api;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    ix_op *head, **tail;
    bool stopping;
    int64_t last_commit_ns;
    size_t last_spans;
};

/* Applies one op inside txn; returns the op's own error (kept in *op_rc)
 * or an MDB error that dooms the transaction. */
static int apply(ix_writer *w, MDB_txn *txn, ix_op *op, int *op_rc)
{
    *op_rc = 0;
    if (op->kind == IX_OP_CLEAR)
        return ix_clear(w->env, txn);
    ix_span *spans = op->summaries;
    size_t n = op->nsummaries;
    if (!spans) {
        int rc = awss3_summarize(op->segs, op->nsegs, &spans, &n);
        if (rc != 0) {
            *op_rc = rc; /* this object only: the others go on */
            return 0;
        }
    }
    op->spans = n;
    int rc = ix_add(w->env, txn, &op->object, spans, n, &op->dup);
    if (spans != op->summaries)
        free(spans);
    return rc;
}

/* One transaction over the list; rcs[i] gets each op's outcome. */
static int apply_all(ix_writer *w, ix_op *list, int *rcs, size_t *spans)
{
    MDB_txn *txn;
    int rc = ix_write_begin(w->env, &txn);
    size_t i = 0, removed = 0;
    *spans = 0;
    for (ix_op *op = list; rc == 0 && op; op = op->next, i++) {
        rc = apply(w, txn, op, &rcs[i]);
        *spans += op->spans;
    }
    if (rc == 0)
        rc = ix_prune(w->env, txn, otelc_real_ns(), PRUNE_BUDGET, 0, &removed);
    if (rc == 0)
        return mdb_txn_commit(txn);
    if (txn)
        mdb_txn_abort(txn);
    return rc;
}

/* The map is full: drop the oldest quarter of the budget's worth. */
static int make_room(ix_writer *w, uint64_t bytes)
{
    MDB_txn *txn;
    size_t removed = 0;
    int rc = ix_write_begin(w->env, &txn);
    if (rc != 0)
        return rc;
    rc = ix_prune(w->env, txn, otelc_real_ns(), SIZE_MAX, bytes, &removed);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    w->api->log(w->ctx, OTELC_LOG_WARN, "index: map full, removed the %zu oldest objects",
                removed);
    return mdb_txn_commit(txn);
}

static void run_batch(ix_writer *w, ix_op *list, size_t n)
{
    int *rcs = calloc(n ? n : 1, sizeof(int));
    size_t spans = 0;
    int64_t t0 = otelc_mono_ns();
    int rc = rcs ? apply_all(w, list, rcs, &spans) : ENOMEM;
    if (rc == MDB_MAP_FULL && make_room(w, 0) == 0) {
        memset(rcs, 0, n * sizeof(int));
        rc = apply_all(w, list, rcs, &spans);
    }
    if (rc != 0)
        w->api->log(w->ctx, OTELC_LOG_ERROR, "index: cannot write %zu object(s): %s", n,
                    mdb_strerror(rc));
    pthread_mutex_lock(&w->mu);
    w->last_commit_ns = otelc_mono_ns() - t0;
    w->last_spans = spans;
    pthread_mutex_unlock(&w->mu);
    size_t i = 0;
    while (list) {
        ix_op *op = list;
        list = op->next;
        op->done(op, rc != 0 ? rc : rcs[i]);
        i++;
    }
    free(rcs);
}

static void idle_prune(ix_writer *w)
{
    MDB_txn *txn;
    size_t removed = 0;
    if (ix_write_begin(w->env, &txn) != 0)
        return;
    if (ix_prune(w->env, txn, otelc_real_ns(), PRUNE_BUDGET, 0, &removed) == 0 && removed)
        mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
}

/* Waits for ops or the idle timer; returns the list taken (maybe NULL). */
static ix_op *take(ix_writer *w, size_t *n, bool *stop)
{
    struct timespec until = otelc_timespec(otelc_mono_ns() + IDLE_PRUNE_NS);
    pthread_mutex_lock(&w->mu);
    while (!w->head && !w->stopping)
        if (pthread_cond_timedwait(&w->wake, &w->mu, &until) == ETIMEDOUT)
            break;
    ix_op *list = w->head;
    w->head = NULL;
    w->tail = &w->head;
    *stop = w->stopping && !list;
    pthread_mutex_unlock(&w->mu);
    *n = 0;
    for (ix_op *op = list; op; op = op->next)
        (*n)++;
    return list;
}

static void *writer_main(void *arg)
{
    ix_writer *w = arg;
    for (;;) {
        size_t n;
        bool stop;
        ix_op *list = take(w, &n, &stop);
        if (stop)
            return NULL;
        if (list)
            run_batch(w, list, n);
        else
            idle_prune(w);
    }
}

ix_writer *ix_writer_start(ix_env *e, otelc_ctx *ctx, const otelc_host_api *api)
{
    ix_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->env = e;
    w->ctx = ctx;
    w->api = api;
    w->tail = &w->head;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    int rc = pthread_create(&w->thread, NULL, writer_main, w);
    if (rc != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

bool ix_writer_submit(ix_writer *w, ix_op *op)
{
    op->next = NULL;
    op->spans = 0;
    op->dup = false;
    pthread_mutex_lock(&w->mu);
    bool taken = !w->stopping;
    if (taken) {
        *w->tail = op;
        w->tail = &op->next;
        pthread_cond_signal(&w->wake);
    }
    pthread_mutex_unlock(&w->mu);
    return taken;
}

/* ix_writer_run's rendezvous. */
typedef struct run_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
} run_wait;

static void run_done(ix_op *op, int rc)
{
    run_wait *rw = op->arg;
    pthread_mutex_lock(&rw->mu);
    rw->done = true;
    rw->rc = rc;
    pthread_cond_signal(&rw->cv);
    pthread_mutex_unlock(&rw->mu);
}

int ix_writer_run(ix_writer *w, ix_op *op)
{
    run_wait *rw = calloc(1, sizeof(*rw)); /* lives until the outcome is read */
    if (!rw)
        return -ENOMEM;
    pthread_mutex_init(&rw->mu, NULL);
    pthread_cond_init(&rw->cv, NULL);
    op->done = run_done;
    op->arg = rw;
    int rc = -ECANCELED;
    if (ix_writer_submit(w, op)) {
        pthread_mutex_lock(&rw->mu);
        while (!rw->done)
            pthread_cond_wait(&rw->cv, &rw->mu);
        rc = rw->rc;
        pthread_mutex_unlock(&rw->mu);
    }
    pthread_cond_destroy(&rw->cv);
    pthread_mutex_destroy(&rw->mu);
    free(rw);
    op->arg = NULL;
    return rc;
}

void ix_writer_stop(ix_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void ix_writer_last_commit(ix_writer *w, int64_t *ns, size_t *spans)
{
    pthread_mutex_lock(&w->mu);
    *ns = w->last_commit_ns;
    *spans = w->last_spans;
    pthread_mutex_unlock(&w->mu);
}
