/*
 * exporter_queue.c: the front door of the sending queues. A queue is a
 * backend (memory/ or durable/) behind one ops table; what happens to a
 * batch once it leaves is the sender's (sender.h), shared by both.
 */
#include "exporter_queue.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "memory/memory_queue.h"
#include "queue/durable/durable_queue.h"
#include "sender.h"
#include "telemetry/log.h"

typedef struct queue_backend_ops {
    int (*start)(void *impl);
    uint64_t (*drain)(void *impl, int64_t deadline_ns);
    void (*stats)(void *impl, queue_stats *out);
    sender *(*sender_of)(void *impl);
    void (*free)(void *impl);
} queue_backend_ops;

struct exporter_queue {
    const queue_backend_ops *ops;
    void *impl; /* memory_queue or durable_queue */
    bool durable;
};

/* The ops of one backend, from its functions of the same shape. */
#define BACKEND(prefix)                                                             \
    static int prefix##_op_start(void *i) { return prefix##_start(i); }                    \
    static uint64_t prefix##_op_drain(void *i, int64_t d) { return prefix##_drain(i, d); } \
    static void prefix##_op_stats(void *i, queue_stats *o) { prefix##_stats(i, o); }       \
    static sender *prefix##_op_sender(void *i) { return prefix##_sender(i); }              \
    static void prefix##_op_free(void *i) { prefix##_free(i); }                            \
    static const queue_backend_ops prefix##_backend = {                                    \
        prefix##_op_start, prefix##_op_drain, prefix##_op_stats, prefix##_op_sender,        \
        prefix##_op_free}

BACKEND(memory_queue);
BACKEND(durable_queue);

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

static exporter_queue *wrap(const queue_backend_ops *ops, void *impl, bool durable)
{
    exporter_queue *q = impl ? calloc(1, sizeof(*q)) : NULL;
    if (!q) {
        if (impl)
            ops->free(impl);
        return NULL;
    }
    *q = (exporter_queue){ops, impl, durable};
    return q;
}

exporter_queue *queue_new(const queue_cfg *cfg, const char *id, queue_export_fn export_fn,
                          void *arg)
{
    return wrap(&memory_queue_backend, memory_queue_new(cfg, id, export_fn, arg), false);
}

exporter_queue *queue_new_durable(const queue_cfg *cfg, const char *id,
                                  queue_export_fn export_fn, void *arg,
                                  struct durable_store *store, struct health_component *hc)
{
    return wrap(&durable_queue_backend, durable_queue_new(store, cfg, id, export_fn, arg, hc), true);
}

struct durable_queue *queue_durable(exporter_queue *q)
{
    return q->durable ? q->impl : NULL;
}

uint64_t queue_release_memory(exporter_queue *q)
{
    return q->durable ? durable_queue_release_memory(q->impl) : 0;
}

int queue_start(exporter_queue *q)
{
    return q->ops->start(q->impl);
}

/* ---- waiting for an offer's commit ---- */

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

void queue_release(const queue_cfg *cfg, void *arg, void *req)
{
    if (req && cfg->release_fn)
        cfg->release_fn(arg, req);
}

otelc_signal queue_meta_signal(const otelc_batch_meta *m)
{
    bool has = m && m->struct_size >= offsetof(otelc_batch_meta, signal) + sizeof(m->signal);
    return has && m->signal ? (otelc_signal)m->signal : OTELC_TRACES;
}

/* The pseudo pair that keeps signals apart in one queue: a name no
 * header can have, so it meets no metadata key. Traces carry none, so
 * the partitions of queues written before signals stay the same. */
static const otelc_kv signal_pairs[] = {{":signal", "metrics"}, {":signal", "logs"}};

size_t queue_partition_pairs(const otelc_batch_meta *m, const queue_batch_cfg *b, otelc_kv *out,
                             size_t cap)
{
    size_t n = 0;
    otelc_signal sig = queue_meta_signal(m);
    if (sig != OTELC_TRACES && cap > 0)
        out[n++] = signal_pairs[sig == OTELC_METRICS ? 0 : 1];
    for (size_t i = 0; m && i < m->npairs && n < cap; i++)
        for (size_t k = 0; k < b->npartition_keys; k++)
            if (strcasecmp(m->pairs[i].key, b->partition_keys[k]) == 0) {
                out[n++] = m->pairs[i];
                break;
            }
    return n;
}

void queue_stats_counts(queue_stats *out, queue_counts *sent, queue_counts *failed,
                        queue_counts *enqueue_failed)
{
    out->sent_spans = out->failed_spans = out->enqueue_failed_spans = 0;
    for (unsigned i = 0; i < QUEUE_NSIGNALS; i++) {
        out->sent_spans += out->sent[i] = sent->n[i];
        out->failed_spans += out->failed[i] = failed->n[i];
        out->enqueue_failed_spans += out->enqueue_failed[i] = enqueue_failed->n[i];
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

/* ---- offering ---- */

#define MAX_OFFER 64

/* Memory queues take b at once; durable ones answer when it is
 * committed. With both, the memory queues take it first: a durable
 * refusal then makes the client resend what they hold already
 * (at-least-once). */
otelc_status queue_offer(exporter_queue *const *in, size_t n, otelc_batch *b,
                         void (*on_space)(void *space_arg), void *space_arg, queue_done_fn done,
                         void *done_arg)
{
    memory_queue *mem[MAX_OFFER];
    durable_queue *dur[MAX_OFFER];
    size_t nm = 0, nd = 0;
    if (n == 0 || n > MAX_OFFER)
        return OTELC_REJECT;
    for (size_t i = 0; i < n; i++) {
        if (in[i]->durable)
            dur[nd++] = in[i]->impl;
        else
            mem[nm++] = in[i]->impl;
    }
    if (nm > 0) {
        otelc_status st = memory_offer(mem, nm, b, on_space, space_arg);
        if (st != OTELC_OK || nd == 0)
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
    sender_pause(q->ops->sender_of(q->impl), reason);
}

void queue_resume(exporter_queue *q)
{
    sender_resume(q->ops->sender_of(q->impl));
}

void queue_pause_reason(exporter_queue *q, char *buf, size_t cap)
{
    sender_pause_reason(q->ops->sender_of(q->impl), buf, cap);
}

uint64_t queue_drain(exporter_queue *q, int64_t deadline_ns)
{
    return q->ops->drain(q->impl, deadline_ns);
}

void queue_stats_get(exporter_queue *q, queue_stats *out)
{
    q->ops->stats(q->impl, out);
}

void queue_free(exporter_queue *q)
{
    if (!q)
        return;
    q->ops->free(q->impl);
    free(q);
}
