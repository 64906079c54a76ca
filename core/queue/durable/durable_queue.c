/*
 * durable_queue.c: a durable queue's life (new, start, drain, free),
 * accounting helpers and statistics.
 */
#include "durable_queue_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <otelc/sdk/clock.h>

#include "telemetry/health.h"
#include "telemetry/log.h"

static void limits_from(dq_limits *l, const queue_batch_cfg *b)
{
    l->batching = b->enabled;
    l->by_bytes = b->sizer == SIZER_BYTES;
    l->min_size = b->min_size;
    l->max_size = b->max_size;
    l->max_bytes = b->max_size_bytes;
    l->max_items = DQ_MAX_BATCH_ENTRIES;
}

durable_queue *durable_queue_new(durable_store *st, const queue_cfg *cfg, const char *id,
                                 queue_export_fn export_fn, void *arg,
                                 struct health_component *hc)
{
    durable_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->id = strdup(id);
    q->index = dq_index_new();
    if (!q->id || !q->index)
        goto out_free;
    q->cfg = *cfg;
    q->cfg.storage = NULL; /* points into the config tree; not needed here */
    if (q->cfg.num_consumers == 0)
        q->cfg.num_consumers = 1;
    limits_from(&q->limits, &cfg->batch);
    q->export_fn = export_fn;
    q->export_arg = arg;
    q->hc = hc;
    sender_init(&q->snd, &dq_sender_ops, q, &q->cfg, q->id, export_fn, arg);
    sender_cond_init(&q->idle_cv);
    if (durable_store_attach(st, q) != 0) {
        otelc_log(OTELC_LOG_ERROR, id, "cannot attach to %s: it is open already",
                  durable_store_name(st));
        goto out_destroy;
    }
    q->st = durable_store_ref(st);
    if (dq_admin_register(q) != 0) {
        durable_queue_free(q);
        return NULL;
    }
    return q;

out_destroy:
    pthread_cond_destroy(&q->idle_cv);
    sender_destroy(&q->snd);
out_free:
    dq_index_free(q->index);
    free(q->id);
    free(q);
    return NULL;
}

int durable_queue_start(durable_queue *q)
{
    if (!durable_store_env(q->st)) {
        otelc_log(OTELC_LOG_ERROR, q->id, "storage %s is not open", durable_store_name(q->st));
        return -1;
    }
    return sender_start(&q->snd);
}

struct sender *durable_queue_sender(durable_queue *q)
{
    return &q->snd;
}

/* ---- helpers shared by the queue's files ---- */

void dq_job_free(dq_job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++)
        if (j->items[i].hot)
            otelc_batch_unref(j->items[i].hot);
    free(j->items);
    free(j);
}

void dq_job_release(durable_queue *q, dq_job *j)
{
    for (size_t i = 0; j && i < j->n; i++)
        if (j->items[i].hot)
            atomic_fetch_sub(&q->hot_bytes, j->items[i].bytes);
    dq_job_free(j);
}

/* Drops the hot copies of a job no consumer has taken yet. */
static uint64_t job_drop_hot(dq_job *j)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < j->n; i++)
        if (j->items[i].hot) {
            otelc_batch_unref(j->items[i].hot);
            j->items[i].hot = NULL;
            bytes += j->items[i].bytes;
        }
    return bytes;
}

uint64_t durable_queue_release_memory(durable_queue *q)
{
    pthread_mutex_lock(&q->snd.mu);
    uint64_t bytes = dq_index_drop_hot(q->index);
    for (dq_job *j = q->ready; j; j = j->next)
        bytes += job_drop_hot(j);
    pthread_mutex_unlock(&q->snd.mu);
    atomic_fetch_sub(&q->hot_bytes, bytes);
    return bytes;
}

dq_job *dq_job_new(dq_item *items, size_t n)
{
    dq_job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->items = items;
    j->n = n;
    for (size_t i = 0; i < n; i++) {
        j->spans += items[i].spans;
        j->bytes += items[i].bytes;
        j->cost += items[i].cost;
    }
    return j;
}

void dq_ready_push_locked(durable_queue *q, dq_job *j)
{
    j->next = NULL;
    if (q->ready_tail)
        q->ready_tail->next = j;
    else
        q->ready = j;
    q->ready_tail = j;
    pthread_cond_signal(&q->snd.cv);
}

int64_t dq_size_locked(const durable_queue *q)
{
    switch (q->cfg.sizer) {
    case SIZER_ITEMS: return (int64_t)q->live_spans;
    case SIZER_BYTES: return (int64_t)q->live_bytes;
    default: return (int64_t)q->live_count;
    }
}

void dq_wake_waiters(durable_queue *q)
{
    dq_waiter w[DQ_MAX_WAITERS];
    pthread_mutex_lock(&q->snd.mu);
    size_t n = q->nwaiters;
    memcpy(w, q->waiters, n * sizeof(*w));
    q->nwaiters = 0;
    pthread_mutex_unlock(&q->snd.mu);
    for (size_t i = 0; i < n; i++)
        w[i].fn(w[i].arg);
}

bool dq_budget_check_locked(durable_queue *q)
{
    /* Clear below 90% only, so that a queue hovering at its budget does
     * not flap its health and fill the log. */
    uint64_t low = q->cfg.max_disk_size - q->cfg.max_disk_size / 10;
    if (!q->at_budget || q->disk_used + q->rsv_cost > low)
        return false;
    q->at_budget = false;
    return true;
}

void dq_report_budget(durable_queue *q, bool at_budget)
{
    if (at_budget) {
        char why[160];
        snprintf(why, sizeof(why), "sending queue at its disk budget (max_disk_size %llu bytes)",
                 (unsigned long long)q->cfg.max_disk_size);
        otelc_log(OTELC_LOG_WARN, q->id, "%s: refusing new data until some is delivered", why);
        if (q->hc)
            health_hold(q->hc, why); /* the exporter's own reports (retries) stay underneath */
    } else {
        otelc_log(OTELC_LOG_INFO, q->id, "sending queue below its disk budget again");
        if (q->hc)
            health_hold(q->hc, NULL);
    }
}

/* ---- drain, stats, free ---- */

uint64_t durable_queue_drain(durable_queue *q, int64_t deadline_ns)
{
    pthread_mutex_lock(&q->snd.mu);
    bool first = !q->draining;
    q->draining = true;
    /* Commits in flight finish quickly: wait for them so that nothing
     * reaches the queue after its consumers are gone. */
    while (q->offers && otelc_mono_ns() < deadline_ns) {
        struct timespec ts = otelc_timespec(deadline_ns);
        pthread_cond_timedwait(&q->idle_cv, &q->snd.mu, &ts);
    }
    pthread_mutex_unlock(&q->snd.mu);
    /* What is queued stays on disk; exports in flight may finish. */
    sender_drain(&q->snd, deadline_ns, false, NULL);
    pthread_mutex_lock(&q->snd.mu);
    uint64_t left = q->live_count;
    pthread_mutex_unlock(&q->snd.mu);
    dq_wake_waiters(q); /* emitters waiting for room stop waiting */
    if (first && left)
        otelc_log(OTELC_LOG_INFO, q->id, "%llu queued entries stay on disk in %s for the next "
                  "start", (unsigned long long)left, durable_store_dir(q->st));
    return 0;
}

void durable_queue_stats(durable_queue *q, queue_stats *out)
{
    dq_index_stats ix;
    pthread_mutex_lock(&q->snd.mu);
    dq_index_stats_get(q->index, &ix);
    out->size = dq_size_locked(q);
    out->capacity = q->cfg.queue_size;
    out->requests = q->live_count;
    out->paused = q->snd.paused;
    out->spans = q->live_spans;
    out->bytes = q->live_bytes;
    out->oldest_ns = ix.oldest_ns;
    for (const dq_job *j = q->ready; j; j = j->next)
        if (j->n && (out->oldest_ns == 0 || j->items[0].committed_ns < out->oldest_ns))
            out->oldest_ns = j->items[0].committed_ns;
    for (const dq_job *j = q->inflight; j; j = j->next)
        if (j->n && (out->oldest_ns == 0 || j->items[0].committed_ns < out->oldest_ns))
            out->oldest_ns = j->items[0].committed_ns;
    out->disk_used = q->disk_used;
    out->disk_budget = q->cfg.max_disk_size;
    out->dead_letters = q->dead_count;
    out->dead_spans = q->dead_spans;
    out->at_budget = q->at_budget;
    out->retry_request_bytes = q->snd.retry_req_bytes;
    pthread_mutex_unlock(&q->snd.mu);
    out->durable = true;
    queue_stats_counts(out, &q->snd.sent, &q->snd.failed, &q->enqueue_failed);
    out->retries = q->snd.retries;
    out->dead_lettered_spans = q->dead_lettered;
    out->last_success_ns = q->snd.last_success_ns;
    out->memory_bytes = q->hot_bytes;
    out->disk_reads = q->disk_reads;
}

static void free_jobs(dq_job *j)
{
    while (j) {
        dq_job *next = j->next;
        dq_job_free(j);
        j = next;
    }
}

void durable_queue_free(durable_queue *q)
{
    if (!q)
        return;
    if (q->snd.nthreads)
        durable_queue_drain(q, 0);
    durable_store_detach(q->st, q);
    durable_store_unref(q->st);
    free_jobs(q->ready);
    free_jobs(q->inflight);
    dq_index_free(q->index);
    pthread_cond_destroy(&q->idle_cv);
    sender_destroy(&q->snd);
    free(q->metrics);
    free(q->id);
    free(q);
}

const char *durable_queue_id(durable_queue *q)
{
    return q->id;
}

uint64_t durable_queue_budget(durable_queue *q)
{
    return q->cfg.max_disk_size;
}

uint32_t durable_queue_consumers(durable_queue *q)
{
    return q->cfg.num_consumers;
}
