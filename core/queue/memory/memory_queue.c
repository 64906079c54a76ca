/*
 * memory_queue.c: the in-memory backend: a bounded FIFO the sender takes
 * jobs from.
 *
 * With sending_queue.batch a job is several queued batches merged into
 * one (no bytes copied), taken once min_size is queued or the oldest
 * waited flush_timeout; consumers are woken only when that can happen, so
 * a request no longer costs a thread wake-up of its own.
 */
#include "memory_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <otelc/sdk/clock.h>

#include "host_batch.h"
#include "telemetry/log.h"

#define MAX_WAITERS 64
#define TAKE_MAX 4096 /* batches merged into one export at most */
#define MAX_OFFER 64  /* queues one offer reaches at most */

typedef struct qitem {
    struct qitem *next;
    otelc_batch *b;
    int64_t size;        /* in the queue's sizer */
    int64_t units;       /* in the batch sizer (sending_queue.batch) */
    int64_t enqueued_ns; /* monotonic; with batch only */
} qitem;

typedef struct waiter {
    void (*fn)(void *);
    void *arg;
} waiter;

/* What the sender carries: the batches of one export, oldest first. */
typedef struct mem_job {
    otelc_send_trigger why;
    size_t n;
    otelc_batch *parts[];
} mem_job;

struct memory_queue {
    sender snd; /* snd.mu guards everything below */
    queue_cfg cfg;
    char *id;
    pthread_cond_t space; /* room freed, or draining */
    qitem *head, *tail;
    int64_t size;
    int64_t units; /* queued, in the batch sizer */
    uint64_t count;
    bool draining;
    waiter waiters[MAX_WAITERS];
    size_t nwaiters;
    queue_counts enqueue_failed;
};

/* ---- taking jobs ---- */

/* Whether a and b fall into one batch partition. */
static bool same_partition(const queue_batch_cfg *bc, otelc_batch *a, otelc_batch *b)
{
    if (otelc_batch_signal(a) != otelc_batch_signal(b))
        return false;
    if (bc->npartition_keys == 0)
        return true;
    otelc_kv x[64], y[64];
    size_t nx = queue_partition_pairs(otelc_batch_meta_of(a), bc, x, 64);
    size_t ny = queue_partition_pairs(otelc_batch_meta_of(b), bc, y, 64);
    if (nx != ny)
        return false;
    for (size_t i = 0; i < nx; i++)
        if (strcasecmp(x[i].key, y[i].key) != 0 || strcmp(x[i].value, y[i].value) != 0)
            return false;
    return true;
}

/* With batch: whether a job may leave now, and why (*why); else *until is
 * when the oldest queued batch has waited flush_timeout. */
static bool batch_ready(const memory_queue *q, int64_t *until, otelc_send_trigger *why)
{
    *why = q->draining ? OTELC_SEND_FLUSH : OTELC_SEND_SIZE;
    if (!q->cfg.batch.enabled || q->draining || q->units >= q->cfg.batch.min_size)
        return true;
    *why = OTELC_SEND_TIMEOUT;
    *until = q->head->enqueued_ns + q->cfg.batch.flush_timeout_ns;
    return otelc_mono_ns() >= *until;
}

/* How many batches from the head go into one job: same partition, within
 * max_size and max_size_bytes; one without batching. */
static size_t job_length_locked(const memory_queue *q)
{
    const queue_batch_cfg *bc = &q->cfg.batch;
    size_t n = 0;
    int64_t units = 0;
    uint64_t bytes = 0;
    for (const qitem *it = q->head; it && n < TAKE_MAX; it = it->next, n++) {
        uint64_t len = otelc_batch_len(it->b);
        if (n > 0 && (!bc->enabled || !same_partition(bc, q->head->b, it->b) ||
                      (bc->max_size > 0 && units + it->units > bc->max_size) ||
                      (bc->max_size_bytes > 0 && bytes + len > bc->max_size_bytes)))
            break;
        units += it->units;
        bytes += len;
    }
    return n;
}

static otelc_batch *pop_locked(memory_queue *q)
{
    qitem *it = q->head;
    q->head = it->next;
    if (!q->head)
        q->tail = NULL;
    q->size -= it->size;
    q->units -= it->units;
    q->count--;
    otelc_batch *b = it->b;
    free(it);
    return b;
}

static void *take_locked(void *backend, int64_t *due)
{
    memory_queue *q = backend;
    otelc_send_trigger why;
    if (!q->head || !batch_ready(q, due, &why))
        return NULL;
    size_t n = job_length_locked(q);
    mem_job *j = malloc(sizeof(*j) + n * sizeof(otelc_batch *));
    if (!j) {
        *due = otelc_mono_ns() + 100000000;
        return NULL;
    }
    j->why = why;
    j->n = n;
    for (size_t i = 0; i < n; i++)
        j->parts[i] = pop_locked(q);
    pthread_cond_broadcast(&q->space);
    return j;
}

/* Calls every waiting on_space once and forgets them. */
static void wake_waiters(memory_queue *q)
{
    waiter w[MAX_WAITERS];
    pthread_mutex_lock(&q->snd.mu);
    size_t n = q->nwaiters;
    memcpy(w, q->waiters, n * sizeof(waiter));
    q->nwaiters = 0;
    pthread_mutex_unlock(&q->snd.mu);
    for (size_t i = 0; i < n; i++)
        w[i].fn(w[i].arg);
}

static uint64_t job_spans(const mem_job *j)
{
    uint64_t spans = 0;
    for (size_t i = 0; i < j->n; i++)
        spans += otelc_batch_spans(j->parts[i]);
    return spans;
}

/* Every part of a job has one signal: batches of two never merge. */
static otelc_signal job_signal(const mem_job *j)
{
    return otelc_batch_signal(j->parts[0]);
}

static void job_free(mem_job *j)
{
    for (size_t i = 0; i < j->n; i++)
        otelc_batch_unref(j->parts[i]);
    free(j);
}

static bool open_job(void *backend, void *job, otelc_batch **out)
{
    memory_queue *q = backend;
    mem_job *j = job;
    wake_waiters(q); /* the take made room */
    *out = j->n == 1 ? otelc_batch_ref(j->parts[0]) : otelc_hbatch_merge(j->parts, j->n);
    if (!*out) {
        otelc_log(OTELC_LOG_ERROR, q->id, "no memory to merge %zu batches: they are lost", j->n);
        queue_count(&q->snd.failed, job_signal(j), job_spans(j));
        job_free(j);
        return false;
    }
    if (q->cfg.on_send)
        q->cfg.on_send(q->cfg.on_send_arg, otelc_batch_spans(*out), otelc_batch_len(*out), j->why);
    return true;
}

static void settle_job(void *backend, void *job, send_outcome o, const char *why)
{
    memory_queue *q = backend;
    mem_job *j = job;
    uint64_t spans = job_spans(j);
    if (o == SEND_FAILED)
        otelc_log(OTELC_LOG_ERROR, q->id, "dropping %llu spans: %s", (unsigned long long)spans,
                  why);
    if (o == SEND_LEFT) {
        queue_count(&q->snd.failed, job_signal(j), spans);
        otelc_log(OTELC_LOG_ERROR, q->id, "dropping %llu spans: not sent (shutdown, or no memory)",
                  (unsigned long long)spans);
    }
    job_free(j);
}

static const sender_ops memory_ops = {take_locked, open_job, settle_job};

/* ---- life ---- */

memory_queue *memory_queue_new(const queue_cfg *cfg, const char *id, queue_export_fn export_fn,
                               void *arg)
{
    memory_queue *q = calloc(1, sizeof(*q));
    if (!q || !(q->id = strdup(id))) {
        free(q);
        return NULL;
    }
    q->cfg = *cfg;
    if (q->cfg.num_consumers == 0)
        q->cfg.num_consumers = 1;
    sender_init(&q->snd, &memory_ops, q, &q->cfg, q->id, export_fn, arg);
    sender_cond_init(&q->space);
    return q;
}

int memory_queue_start(memory_queue *q)
{
    return q->cfg.enabled ? sender_start(&q->snd) : 0;
}

sender *memory_queue_sender(memory_queue *q)
{
    return &q->snd;
}

static bool queued_locked(void *backend)
{
    return ((memory_queue *)backend)->head != NULL;
}

uint64_t memory_queue_drain(memory_queue *q, int64_t deadline_ns)
{
    pthread_mutex_lock(&q->snd.mu);
    q->draining = true;
    pthread_cond_broadcast(&q->space);  /* blocked offers give up */
    pthread_cond_broadcast(&q->snd.cv); /* batches waiting to fill leave now */
    pthread_mutex_unlock(&q->snd.mu);
    sender_drain(&q->snd, deadline_ns, true, queued_locked);
    pthread_mutex_lock(&q->snd.mu);
    uint64_t left = q->count;
    pthread_mutex_unlock(&q->snd.mu);
    wake_waiters(q);
    if (left)
        otelc_log(OTELC_LOG_ERROR, q->id, "%llu batches still queued at shutdown are lost",
                  (unsigned long long)left);
    return left;
}

void memory_queue_stats(memory_queue *q, queue_stats *out)
{
    pthread_mutex_lock(&q->snd.mu);
    out->size = q->size;
    out->capacity = q->cfg.queue_size;
    out->requests = q->count;
    out->paused = q->snd.paused;
    out->retry_request_bytes = q->snd.retry_req_bytes;
    pthread_mutex_unlock(&q->snd.mu);
    queue_stats_counts(out, &q->snd.sent, &q->snd.failed, &q->enqueue_failed);
    out->retries = q->snd.retries;
    out->last_success_ns = q->snd.last_success_ns;
}

void memory_queue_free(memory_queue *q)
{
    if (!q)
        return;
    sender_destroy(&q->snd);
    while (q->head)
        otelc_batch_unref(pop_locked(q));
    pthread_cond_destroy(&q->space);
    free(q->id);
    free(q);
}

/* ---- offering ---- */

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

static int64_t item_size(const memory_queue *q, otelc_batch *b)
{
    switch (q->cfg.sizer) {
    case SIZER_ITEMS: return otelc_batch_spans(b);
    case SIZER_BYTES: return (int64_t)otelc_batch_len(b);
    default: return 1;
    }
}

static int64_t batch_units(const memory_queue *q, otelc_batch *b)
{
    return q->cfg.batch.sizer == SIZER_BYTES ? (int64_t)otelc_batch_len(b)
                                             : (int64_t)otelc_batch_spans(b);
}

static bool has_room(const memory_queue *q, int64_t size)
{
    /* An empty queue always takes one batch, however big, so nothing is
     * refused forever. */
    return !q->draining && (q->count == 0 || q->size + size <= q->cfg.queue_size);
}

static void add_waiter(memory_queue *q, void (*fn)(void *), void *arg)
{
    for (size_t i = 0; i < q->nwaiters; i++)
        if (q->waiters[i].fn == fn && q->waiters[i].arg == arg)
            return;
    if (q->nwaiters < MAX_WAITERS)
        q->waiters[q->nwaiters++] = (waiter){fn, arg};
}

static void push_locked(memory_queue *q, qitem *it)
{
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->size += it->size;
    q->count++;
    q->units += it->units;
    /* With batch, a consumer is needed when the first batch arrives (to
     * start its flush timer) and when min_size is reached. */
    if (!q->cfg.batch.enabled || q->count == 1 ||
        (q->units >= q->cfg.batch.min_size && q->units - it->units < q->cfg.batch.min_size))
        pthread_cond_signal(&q->snd.cv);
}

/* With every lock held: true if all queues have room (waiting while full
 * when they all block on overflow). */
static bool all_have_room(memory_queue **qs, size_t n, otelc_batch *b)
{
    for (;;) {
        size_t full = n, blocking = 0;
        for (size_t i = 0; i < n; i++) {
            if (!has_room(qs[i], item_size(qs[i], b)) && full == n)
                full = i;
            blocking += qs[i]->cfg.block_on_overflow && !qs[i]->draining;
        }
        if (full == n)
            return true;
        if (blocking != n)
            return false;
        /* Only one lock may be waited on: release the others meanwhile. */
        for (size_t i = 0; i < n; i++)
            if (i != full)
                pthread_mutex_unlock(&qs[i]->snd.mu);
        pthread_cond_wait(&qs[full]->space, &qs[full]->snd.mu);
        pthread_mutex_unlock(&qs[full]->snd.mu);
        for (size_t i = 0; i < n; i++)
            pthread_mutex_lock(&qs[i]->snd.mu);
    }
}

static bool alloc_items(qitem **items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        items[i] = calloc(1, sizeof(qitem));
        if (!items[i]) {
            while (i--)
                free(items[i]);
            return false;
        }
    }
    return true;
}

static void enqueue_locked(memory_queue *q, qitem *it, otelc_batch *b)
{
    it->b = otelc_batch_ref(b);
    it->size = item_size(q, b);
    it->units = batch_units(q, b);
    it->enqueued_ns = q->cfg.batch.enabled ? otelc_mono_ns() : 0;
    push_locked(q, it);
}

otelc_status memory_offer(memory_queue *const *in, size_t n, otelc_batch *b,
                          void (*on_space)(void *space_arg), void *space_arg)
{
    memory_queue *qs[MAX_OFFER];
    qitem *items[MAX_OFFER];
    if (n == 0 || n > MAX_OFFER)
        return OTELC_REJECT;
    memcpy(qs, in, n * sizeof(memory_queue *));
    qsort(qs, n, sizeof(memory_queue *), cmp_ptr); /* one lock order for everyone */
    if (!alloc_items(items, n))
        return OTELC_RETRY;
    for (size_t i = 0; i < n; i++)
        pthread_mutex_lock(&qs[i]->snd.mu);
    bool ok = all_have_room(qs, n, b);
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            enqueue_locked(qs[i], items[i], b);
        } else {
            free(items[i]);
            queue_count(&qs[i]->enqueue_failed, otelc_batch_signal(b), otelc_batch_spans(b));
            if (on_space && !qs[i]->draining)
                add_waiter(qs[i], on_space, space_arg);
        }
        pthread_mutex_unlock(&qs[i]->snd.mu);
    }
    return ok ? OTELC_OK : OTELC_RETRY;
}
