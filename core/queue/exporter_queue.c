/*
 * exporter_queue.c: bounded in-memory FIFO with consumer threads.
 *
 * With sending_queue.batch a consumer leaves with several queued batches
 * merged into one (no bytes copied) once min_size is queued or the oldest
 * waited flush_timeout; consumers are woken only when that can happen, so
 * a request no longer costs a thread wake-up of its own.
 */
#include "exporter_queue.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <otelc/sdk/clock.h>

#include "runtime/batch.h"
#include "queue/durable/durable_queue.h"
#include "telemetry/log.h"

#define MAX_WAITERS 64

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

struct exporter_queue {
    durable_queue *dq; /* set: every call forwards to the durable queue */
    queue_cfg cfg;
    char *id;
    queue_export_fn export_fn;
    void *export_arg;

    pthread_mutex_t mu;
    pthread_cond_t nonempty, space, idle_cv;
    qitem *head, *tail;
    int64_t size;
    int64_t units; /* queued, in the batch sizer */
    uint64_t count;
    uint32_t busy; /* consumers exporting right now */
    bool draining, stopping, paused;
    char pause_reason[256];

    waiter waiters[MAX_WAITERS];
    size_t nwaiters;

    pthread_t *threads;
    uint32_t nthreads;

    _Atomic uint64_t sent_spans, failed_spans, enqueue_failed_spans, retries;
    _Atomic int64_t last_success_ns;
};

void queue_cfg_defaults(queue_cfg *cfg)
{
    *cfg = (queue_cfg){0};
    cfg->enabled = true;
    cfg->num_consumers = 10;
    cfg->queue_size = 1000;
    cfg->sizer = SIZER_REQUESTS;
    cfg->block_on_overflow = false;
    retry_cfg_defaults(&cfg->retry);
    cfg->timeout_ns = 5000000000LL;
    cfg->paused_probe_ns = 10000000000LL;
    cfg->max_disk_size = 1ull << 30;
    cfg->max_memory_size = 32ull << 20;
    cfg->batch.sizer = SIZER_ITEMS;
    cfg->batch.min_size = 8192;
    cfg->batch.flush_timeout_ns = 200000000;
}

static int64_t item_size(const exporter_queue *q, otelc_batch *b)
{
    switch (q->cfg.sizer) {
    case SIZER_ITEMS: return otelc_batch_spans(b);
    case SIZER_BYTES: return (int64_t)otelc_batch_len(b);
    default: return 1;
    }
}

/* Waits on cv until the monotonic deadline; false on timeout. The
 * condition variables use CLOCK_MONOTONIC (see cond_init). */
static bool wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_ns)
{
    struct timespec ts = otelc_timespec(deadline_ns);
    return pthread_cond_timedwait(cv, mu, &ts) != ETIMEDOUT;
}

static void cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

exporter_queue *queue_new(const queue_cfg *cfg, const char *id, queue_export_fn export_fn,
                          void *arg)
{
    exporter_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->id = strdup(id);
    if (!q->id) {
        free(q);
        return NULL;
    }
    q->cfg = *cfg;
    if (q->cfg.num_consumers == 0)
        q->cfg.num_consumers = 1;
    q->export_fn = export_fn;
    q->export_arg = arg;
    pthread_mutex_init(&q->mu, NULL);
    cond_init(&q->nonempty);
    cond_init(&q->space);
    cond_init(&q->idle_cv);
    return q;
}

exporter_queue *queue_new_durable(const queue_cfg *cfg, const char *id,
                                  queue_export_fn export_fn, void *arg,
                                  struct durable_store *store, struct health_component *hc)
{
    exporter_queue *q = queue_new(cfg, id, export_fn, arg);
    if (!q)
        return NULL;
    q->dq = durable_queue_new(store, cfg, id, export_fn, arg, hc);
    if (!q->dq) {
        queue_free(q);
        return NULL;
    }
    return q;
}

struct durable_queue *queue_durable(exporter_queue *q)
{
    return q->dq;
}

/* ---- exporting one batch, waiting for an async completion ---- */

typedef struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    otelc_status status;
} sync_wait;

static void sync_done(void *arg, otelc_status st)
{
    sync_wait *w = arg;
    pthread_mutex_lock(&w->mu);
    w->status = st;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void sync_init(sync_wait *w)
{
    w->done = false;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

/* The outcome of a call that answered st with w as its completion:
 * waits for sync_done when st is PENDING. Frees w's resources. */
static otelc_status sync_finish(sync_wait *w, otelc_status st)
{
    if (st == OTELC_PENDING) {
        pthread_mutex_lock(&w->mu);
        while (!w->done)
            pthread_cond_wait(&w->cv, &w->mu);
        st = w->status;
        pthread_mutex_unlock(&w->mu);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    return st;
}

static otelc_status export_once(exporter_queue *q, otelc_batch *b, void **req)
{
    sync_wait w;
    sync_init(&w);
    return sync_finish(&w, q->export_fn(q->export_arg, b, req, sync_done, &w));
}

void queue_release(const queue_cfg *cfg, void *arg, void *req)
{
    if (req && cfg->release_fn)
        cfg->release_fn(arg, req);
}

/* Sleeps for wait_ns unless the queue is stopping; false if stopping. */
static bool backoff_sleep(exporter_queue *q, int64_t wait_ns)
{
    int64_t deadline = otelc_mono_ns() + wait_ns;
    pthread_mutex_lock(&q->mu);
    while (!q->stopping && otelc_mono_ns() < deadline)
        wait_until(&q->space, &q->mu, deadline);
    bool stopping = q->stopping;
    pthread_mutex_unlock(&q->mu);
    return !stopping;
}

static void export_attempts(exporter_queue *q, otelc_batch *b, void **req, uint64_t *seed)
{
    uint32_t spans = otelc_batch_spans(b);
    retry_state rs;
    bool retrying = false;
    for (;;) {
        otelc_status st = export_once(q, b, req);
        if (st == OTELC_OK) {
            q->sent_spans += spans;
            q->last_success_ns = otelc_real_ns();
            if (q->paused)
                queue_resume(q);
            return;
        }
        if (st == OTELC_REJECT) {
            q->failed_spans += spans;
            otelc_log(OTELC_LOG_ERROR, q->id, "exporter refused a batch of %u spans for good",
                      spans);
            return;
        }
        if (!retrying) {
            retry_begin(&rs, &q->cfg.retry, otelc_mono_ns());
            retrying = true;
        }
        int64_t wait = q->paused ? q->cfg.paused_probe_ns : retry_next(&rs, &q->cfg.retry,
                                                                      otelc_mono_ns(), seed);
        if (wait < 0) {
            q->failed_spans += spans;
            otelc_log(OTELC_LOG_ERROR, q->id,
                      "dropping %u spans: retries exhausted (retry_on_failure)", spans);
            return;
        }
        q->retries++;
        if (!backoff_sleep(q, wait)) {
            q->failed_spans += spans;
            otelc_log(OTELC_LOG_ERROR, q->id, "dropping %u spans: shut down while retrying",
                      spans);
            return;
        }
    }
}

static void export_with_retry(exporter_queue *q, otelc_batch *b, uint64_t *seed)
{
    void *req = NULL;
    export_attempts(q, b, &req, seed);
    queue_release(&q->cfg, q->export_arg, req);
}

/* ---- consumers ---- */

static void wake_waiters(exporter_queue *q)
{
    waiter w[MAX_WAITERS];
    size_t n = q->nwaiters;
    memcpy(w, q->waiters, n * sizeof(waiter));
    q->nwaiters = 0;
    pthread_mutex_unlock(&q->mu);
    for (size_t i = 0; i < n; i++)
        w[i].fn(w[i].arg);
    pthread_mutex_lock(&q->mu);
}

static qitem *pop_locked(exporter_queue *q)
{
    qitem *it = q->head;
    q->head = it->next;
    if (!q->head)
        q->tail = NULL;
    q->size -= it->size;
    q->units -= it->units;
    q->count--;
    pthread_cond_broadcast(&q->space);
    if (q->nwaiters)
        wake_waiters(q);
    return it;
}

size_t queue_partition_pairs(const otelc_batch_meta *m, const queue_batch_cfg *b, otelc_kv *out,
                             size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; m && i < m->npairs && n < cap; i++)
        for (size_t k = 0; k < b->npartition_keys; k++)
            if (strcasecmp(m->pairs[i].key, b->partition_keys[k]) == 0) {
                out[n++] = m->pairs[i];
                break;
            }
    return n;
}

#define PARTITION_PAIRS 64

/* Whether a and b fall into one batch partition. */
static bool same_partition(const queue_batch_cfg *bc, otelc_batch *a, otelc_batch *b)
{
    if (bc->npartition_keys == 0)
        return true;
    otelc_kv x[PARTITION_PAIRS], y[PARTITION_PAIRS];
    size_t nx = queue_partition_pairs(otelc_batch_meta_of(a), bc, x, PARTITION_PAIRS);
    size_t ny = queue_partition_pairs(otelc_batch_meta_of(b), bc, y, PARTITION_PAIRS);
    if (nx != ny)
        return false;
    for (size_t i = 0; i < nx; i++)
        if (strcasecmp(x[i].key, y[i].key) != 0 || strcmp(x[i].value, y[i].value) != 0)
            return false;
    return true;
}

/* With batch: whether a batch may leave now, and why (*why); else *until
 * is when the oldest queued batch has waited flush_timeout. */
static bool batch_ready(const exporter_queue *q, int64_t *until, otelc_send_trigger *why)
{
    *why = q->draining ? OTELC_SEND_FLUSH : OTELC_SEND_SIZE;
    if (!q->cfg.batch.enabled || q->draining || q->units >= q->cfg.batch.min_size)
        return true;
    *why = OTELC_SEND_TIMEOUT;
    *until = q->head->enqueued_ns + q->cfg.batch.flush_timeout_ns;
    return otelc_mono_ns() >= *until;
}

/* Pops the head and the batches after it that fit with it: same metadata
 * (batches never mix it), within max_size and max_size_bytes. */
static size_t take_locked(exporter_queue *q, qitem **out, size_t cap)
{
    const queue_batch_cfg *bc = &q->cfg.batch;
    size_t n = 0;
    int64_t units = 0;
    uint64_t bytes = 0;
    while (q->head && n < cap) {
        qitem *it = q->head;
        if (n > 0 && (!same_partition(bc, out[0]->b, it->b) ||
                      (bc->max_size > 0 && units + it->units > bc->max_size) ||
                      (bc->max_size_bytes > 0 && bytes + otelc_batch_len(it->b) > bc->max_size_bytes)))
            break;
        units += it->units;
        bytes += otelc_batch_len(it->b);
        out[n++] = pop_locked(q);
        if (!bc->enabled)
            break;
    }
    return n;
}

#define TAKE_MAX 4096 /* batches merged into one export at most */

static void note_send(const exporter_queue *q, otelc_batch *b, otelc_send_trigger why)
{
    if (q->cfg.on_send)
        q->cfg.on_send(q->cfg.on_send_arg, otelc_batch_spans(b), otelc_batch_len(b), why);
}

/* Exports what take_locked popped, merged when there are several. */
static void export_items(exporter_queue *q, qitem **items, size_t n, otelc_send_trigger why,
                         uint64_t *seed)
{
    otelc_batch *merged = NULL;
    if (n > 1) {
        otelc_batch *parts[TAKE_MAX];
        for (size_t i = 0; i < n; i++)
            parts[i] = items[i]->b;
        merged = batch_merge(parts, n);
    }
    if (merged) {
        note_send(q, merged, why);
        export_with_retry(q, merged, seed);
        otelc_batch_unref(merged);
    } else { /* one batch, or no memory for the merged one */
        for (size_t i = 0; i < n; i++) {
            note_send(q, items[i]->b, why);
            export_with_retry(q, items[i]->b, seed);
        }
    }
    for (size_t i = 0; i < n; i++) {
        otelc_batch_unref(items[i]->b);
        free(items[i]);
    }
}

/* Nice +5 (Linux applies it to the calling thread alone): under full load
 * exports get about a third of the CPU a thread at 0 gets. */
#define CONSUMER_NICE 5

void queue_consumer_thread_init(void)
{
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), CONSUMER_NICE) != 0)
        otelc_log(OTELC_LOG_DEBUG, "queue", "cannot lower a consumer's priority: %s",
                  strerror(errno));
}

static void *consumer_main(void *arg)
{
    exporter_queue *q = arg;
    queue_consumer_thread_init();
    uint64_t seed = (uint64_t)(uintptr_t)&seed ^ (uint64_t)otelc_mono_ns();
    qitem **items = calloc(TAKE_MAX, sizeof(qitem *));
    if (!items) {
        otelc_log(OTELC_LOG_ERROR, q->id, "a queue consumer has no memory; it stops");
        return NULL;
    }
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->head && !q->stopping)
            pthread_cond_wait(&q->nonempty, &q->mu);
        if (q->stopping)
            break;
        int64_t until = 0;
        otelc_send_trigger why;
        if (!batch_ready(q, &until, &why)) {
            wait_until(&q->nonempty, &q->mu, until);
            continue;
        }
        size_t n = take_locked(q, items, TAKE_MAX);
        q->busy++;
        pthread_mutex_unlock(&q->mu);
        export_items(q, items, n, why, &seed);
        pthread_mutex_lock(&q->mu);
        q->busy--;
        pthread_cond_broadcast(&q->idle_cv);
    }
    pthread_mutex_unlock(&q->mu);
    free(items);
    return NULL;
}

int queue_start(exporter_queue *q)
{
    if (q->dq)
        return durable_queue_start(q->dq);
    if (!q->cfg.enabled)
        return 0;
    q->threads = calloc(q->cfg.num_consumers, sizeof(pthread_t));
    if (!q->threads)
        return -1;
    for (uint32_t i = 0; i < q->cfg.num_consumers; i++) {
        if (pthread_create(&q->threads[i], NULL, consumer_main, q) != 0) {
            otelc_log(OTELC_LOG_ERROR, q->id, "cannot start queue consumer: %s", strerror(errno));
            queue_drain(q, 0);
            return -1;
        }
        q->nthreads++;
    }
    return 0;
}

/* ---- offering ---- */

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

static bool has_room(const exporter_queue *q, int64_t size)
{
    /* An empty queue always takes one batch, however big, so nothing is
     * refused forever. */
    return !q->draining && (q->count == 0 || q->size + size <= q->cfg.queue_size);
}

static void add_waiter(exporter_queue *q, void (*fn)(void *), void *arg)
{
    for (size_t i = 0; i < q->nwaiters; i++)
        if (q->waiters[i].fn == fn && q->waiters[i].arg == arg)
            return;
    if (q->nwaiters < MAX_WAITERS)
        q->waiters[q->nwaiters++] = (waiter){fn, arg};
}

static void push_locked(exporter_queue *q, qitem *it)
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
        pthread_cond_signal(&q->nonempty);
}

static int64_t batch_units(const exporter_queue *q, otelc_batch *b)
{
    return q->cfg.batch.sizer == SIZER_BYTES ? (int64_t)otelc_batch_len(b)
                                             : (int64_t)otelc_batch_spans(b);
}

/* With every lock held: true if all queues have room (waiting while full
 * when they all block on overflow). */
static bool all_have_room(exporter_queue **qs, size_t n, otelc_batch *b)
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
                pthread_mutex_unlock(&qs[i]->mu);
        pthread_cond_wait(&qs[full]->space, &qs[full]->mu);
        pthread_mutex_unlock(&qs[full]->mu);
        for (size_t i = 0; i < n; i++)
            pthread_mutex_lock(&qs[i]->mu);
    }
}

static otelc_status offer_memory(exporter_queue *const *in, size_t n, otelc_batch *b,
                                 void (*on_space)(void *space_arg), void *space_arg)
{
    exporter_queue *qs[64];
    qitem *items[64];
    if (n == 0 || n > 64)
        return OTELC_REJECT;
    memcpy(qs, in, n * sizeof(exporter_queue *));
    qsort(qs, n, sizeof(exporter_queue *), cmp_ptr); /* one lock order for everyone */
    for (size_t i = 0; i < n; i++) {
        items[i] = calloc(1, sizeof(qitem));
        if (!items[i]) {
            while (i--)
                free(items[i]);
            return OTELC_RETRY;
        }
    }
    for (size_t i = 0; i < n; i++)
        pthread_mutex_lock(&qs[i]->mu);
    bool ok = all_have_room(qs, n, b);
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            items[i]->b = otelc_batch_ref(b);
            items[i]->size = item_size(qs[i], b);
            items[i]->units = batch_units(qs[i], b);
            items[i]->enqueued_ns = qs[i]->cfg.batch.enabled ? otelc_mono_ns() : 0;
            push_locked(qs[i], items[i]);
        } else {
            free(items[i]);
            qs[i]->enqueue_failed_spans += otelc_batch_spans(b);
            if (on_space && !qs[i]->draining)
                add_waiter(qs[i], on_space, space_arg);
        }
        pthread_mutex_unlock(&qs[i]->mu);
    }
    return ok ? OTELC_OK : OTELC_RETRY;
}

/* Memory queues take b at once; durable ones answer when it is
 * committed. With both, the memory queues take it first: a durable
 * refusal then makes the client resend what they hold already
 * (at-least-once). */
otelc_status queue_offer(exporter_queue *const *in, size_t n, otelc_batch *b,
                         void (*on_space)(void *space_arg), void *space_arg, queue_done_fn done,
                         void *done_arg)
{
    exporter_queue *mem[64];
    durable_queue *dur[64];
    size_t nm = 0, nd = 0;
    if (n == 0 || n > 64)
        return OTELC_REJECT;
    for (size_t i = 0; i < n; i++) {
        if (in[i]->dq)
            dur[nd++] = in[i]->dq;
        else
            mem[nm++] = in[i];
    }
    if (nd == 0)
        return offer_memory(mem, nm, b, on_space, space_arg);
    if (nm > 0) {
        otelc_status st = offer_memory(mem, nm, b, on_space, space_arg);
        if (st != OTELC_OK)
            return st;
    }
    return durable_offer(dur, nd, b, on_space, space_arg, done, done_arg);
}

otelc_status queue_offer_all(exporter_queue *const *in, size_t n, otelc_batch *b,
                             void (*on_space)(void *space_arg), void *space_arg)
{
    sync_wait w;
    sync_init(&w);
    return sync_finish(&w, queue_offer(in, n, b, on_space, space_arg, sync_done, &w));
}

/* ---- pause, drain, stats ---- */

void queue_pause(exporter_queue *q, const char *reason)
{
    if (q->dq) {
        durable_queue_pause(q->dq, reason);
        return;
    }
    pthread_mutex_lock(&q->mu);
    bool was = q->paused;
    q->paused = true;
    snprintf(q->pause_reason, sizeof(q->pause_reason), "%s", reason ? reason : "paused");
    pthread_mutex_unlock(&q->mu);
    if (!was)
        otelc_log(OTELC_LOG_WARN, q->id, "exporter paused: %s", reason ? reason : "");
}

void queue_resume(exporter_queue *q)
{
    if (q->dq) {
        durable_queue_resume(q->dq);
        return;
    }
    pthread_mutex_lock(&q->mu);
    bool was = q->paused;
    q->paused = false;
    q->pause_reason[0] = 0;
    pthread_cond_broadcast(&q->space);
    pthread_mutex_unlock(&q->mu);
    if (was)
        otelc_log(OTELC_LOG_INFO, q->id, "exporter resumed");
}

void queue_pause_reason(exporter_queue *q, char *buf, size_t cap)
{
    if (q->dq) {
        durable_queue_pause_reason(q->dq, buf, cap);
        return;
    }
    pthread_mutex_lock(&q->mu);
    snprintf(buf, cap, "%s", q->pause_reason);
    pthread_mutex_unlock(&q->mu);
}

uint64_t queue_drain(exporter_queue *q, int64_t deadline_ns)
{
    if (q->dq)
        return durable_queue_drain(q->dq, deadline_ns);
    pthread_mutex_lock(&q->mu);
    q->draining = true;
    pthread_cond_broadcast(&q->space);    /* blocked offers give up */
    pthread_cond_broadcast(&q->nonempty); /* batches waiting to fill leave now */
    while ((q->head || q->busy) && otelc_mono_ns() < deadline_ns)
        wait_until(&q->idle_cv, &q->mu, deadline_ns < otelc_mono_ns() + 50000000 ? deadline_ns
                                                                         : otelc_mono_ns() + 50000000);
    q->stopping = true;
    uint64_t left = q->count;
    pthread_cond_broadcast(&q->nonempty);
    pthread_cond_broadcast(&q->space);
    pthread_mutex_unlock(&q->mu);
    for (uint32_t i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    q->nthreads = 0;
    if (left)
        otelc_log(OTELC_LOG_ERROR, q->id, "%llu batches still queued at shutdown are lost",
                  (unsigned long long)left);
    return left;
}

void queue_stats_get(exporter_queue *q, queue_stats *out)
{
    if (q->dq) {
        durable_queue_stats(q->dq, out);
        return;
    }
    pthread_mutex_lock(&q->mu);
    out->size = q->size;
    out->capacity = q->cfg.queue_size;
    out->requests = q->count;
    out->paused = q->paused;
    pthread_mutex_unlock(&q->mu);
    out->sent_spans = q->sent_spans;
    out->failed_spans = q->failed_spans;
    out->enqueue_failed_spans = q->enqueue_failed_spans;
    out->retries = q->retries;
    out->last_success_ns = q->last_success_ns;
}

void queue_free(exporter_queue *q)
{
    if (!q)
        return;
    durable_queue_free(q->dq);
    if (q->nthreads)
        queue_drain(q, 0);
    while (q->head) {
        qitem *it = q->head;
        q->head = it->next;
        otelc_batch_unref(it->b);
        free(it);
    }
    pthread_cond_destroy(&q->nonempty);
    pthread_cond_destroy(&q->space);
    pthread_cond_destroy(&q->idle_cv);
    pthread_mutex_destroy(&q->mu);
    free(q->threads);
    free(q->id);
    free(q);
}
