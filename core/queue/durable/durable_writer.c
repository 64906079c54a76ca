/* durable_writer.c: group commit on one thread. */
#include "durable_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <otelc/sdk/clock.h>

#include "queue/exporter_queue.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

struct durable_writer {
    MDB_env *env;
    char *name;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    dw_op *head, *tail;
    bool running, stopping;
    pthread_t thread;
    otelc_series *m_seconds, *m_commits;
    int (*grow)(void *arg);
    void *grow_arg;
    _Atomic uint64_t commits, ops, failures;
    _Atomic int64_t last_commit_ns;
};

durable_writer *dw_new(MDB_env *env, const char *name)
{
    durable_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->name = strdup(name);
    if (!w->name) {
        free(w);
        return NULL;
    }
    w->env = env;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    return w;
}

void dw_set_metrics(durable_writer *w, otelc_series *commit_seconds, otelc_series *commits)
{
    w->m_seconds = commit_seconds;
    w->m_commits = commits;
}

void dw_set_grow(durable_writer *w, int (*grow)(void *arg), void *arg)
{
    w->grow = grow;
    w->grow_arg = arg;
}

/* Applies ops up to (not including) end in one transaction and commits. */
static int commit_list(durable_writer *w, dw_op *first, const dw_op *end)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(w->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    for (dw_op *op = first; op != end && rc == 0; op = op->next)
        rc = op->apply(op, txn);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    int64_t t0 = otelc_mono_ns();
    rc = mdb_txn_commit(txn);
    int64_t took = otelc_mono_ns() - t0;
    w->last_commit_ns = took;
    if (rc == 0) {
        w->commits++;
        if (w->m_seconds)
            metrics_observe(w->m_seconds, (double)took / 1e9);
        if (w->m_commits)
            metrics_add(w->m_commits, 1);
    }
    return rc;
}

/* commit_list, growing the map while it is full (a few times at most). */
static int commit_growing(durable_writer *w, dw_op *first, const dw_op *end)
{
    int rc = commit_list(w, first, end);
    for (int i = 0; i < 8 && rc == MDB_MAP_FULL && w->grow && w->grow(w->grow_arg) == 0; i++)
        rc = commit_list(w, first, end);
    return rc;
}

static void finish(durable_writer *w, dw_op *op, int rc)
{
    if (rc == 0)
        w->ops++;
    else
        w->failures++;
    op->done(op, rc);
}

/* One group: all in one transaction; if that fails and there were
 * several, each alone so that one bad operation fails only itself. */
static void run_group(durable_writer *w, dw_op *list)
{
    int rc = commit_growing(w, list, NULL);
    if (rc == 0 || !list->next) {
        if (rc != 0)
            otelc_log(OTELC_LOG_ERROR, w->name, "commit failed: %s", mdb_strerror(rc));
        for (dw_op *op = list, *next; op; op = next) {
            next = op->next;
            finish(w, op, rc);
        }
        return;
    }
    for (dw_op *op = list, *next; op; op = next) {
        next = op->next;
        int one = commit_growing(w, op, next);
        if (one != 0)
            otelc_log(OTELC_LOG_ERROR, w->name, "commit failed: %s", mdb_strerror(one));
        finish(w, op, one);
    }
}

static void *writer_main(void *arg)
{
    durable_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->head)
            break;
        dw_op *list = w->head;
        w->head = w->tail = NULL;
        pthread_mutex_unlock(&w->mu);
        run_group(w, list);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int dw_start(durable_writer *w)
{
    pthread_mutex_lock(&w->mu);
    int rc = pthread_create(&w->thread, NULL, writer_main, w);
    w->running = rc == 0;
    w->stopping = false;
    pthread_mutex_unlock(&w->mu);
    if (rc != 0) {
        otelc_log(OTELC_LOG_ERROR, w->name, "cannot start the writer thread: %s", strerror(rc));
        return -1;
    }
    return 0;
}

void dw_stop(durable_writer *w)
{
    pthread_mutex_lock(&w->mu);
    bool join = w->running;
    w->stopping = true;
    w->running = false;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (join)
        pthread_join(w->thread, NULL);
}

void dw_free(durable_writer *w)
{
    if (!w)
        return;
    dw_stop(w);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->name);
    free(w);
}

void dw_submit(durable_writer *w, dw_op *op)
{
    op->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (!w->running) {
        pthread_mutex_unlock(&w->mu);
        op->done(op, ESHUTDOWN);
        return;
    }
    if (w->tail)
        w->tail->next = op;
    else
        w->head = op;
    w->tail = op;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* dw_run's wrapper: forwards apply, turns done into a wake-up. */
typedef struct sync_op {
    dw_op op;
    dw_op *inner;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
} sync_op;

static int sync_apply(dw_op *op, MDB_txn *txn)
{
    sync_op *s = (sync_op *)op;
    return s->inner->apply(s->inner, txn);
}

static void sync_done(dw_op *op, int rc)
{
    sync_op *s = (sync_op *)op;
    pthread_mutex_lock(&s->mu);
    s->rc = rc;
    s->done = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int dw_run(durable_writer *w, dw_op *op)
{
    sync_op s = {.op = {.apply = sync_apply, .done = sync_done}, .inner = op};
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    dw_submit(w, &s.op);
    pthread_mutex_lock(&s.mu);
    while (!s.done)
        pthread_cond_wait(&s.cv, &s.mu);
    pthread_mutex_unlock(&s.mu);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    return s.rc;
}

void dw_stats_get(durable_writer *w, dw_stats *out)
{
    out->commits = w->commits;
    out->ops = w->ops;
    out->failures = w->failures;
    out->last_commit_ns = w->last_commit_ns;
}
