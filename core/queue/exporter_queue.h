/*
 * exporter_queue.h: the host's in-memory sending_queue in front of every
 * exporter: a bounded FIFO, num_consumers threads that hand batches to the
 * exporter, and retry_on_failure back-off.
 *
 * What a crash loses: everything in this queue. The durable queue
 * (sending_queue.storage: file_storage) is the answer to that.
 *
 * All functions are thread-safe. Batches offered are referenced by the
 * queue (the caller's reference stays the caller's).
 */
#ifndef OTELC_CORE_EXPORTER_QUEUE_H
#define OTELC_CORE_EXPORTER_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "retry.h"

typedef enum queue_sizer { SIZER_REQUESTS = 0, SIZER_ITEMS = 1, SIZER_BYTES = 2 } queue_sizer;

#define QUEUE_MAX_PARTITION_KEYS 16

/* Per-signal counters are indexed traces 0, metrics 1, logs 2. */
#define QUEUE_NSIGNALS 3
static inline unsigned queue_signal_index(otelc_signal s)
{
    return s == OTELC_METRICS ? 1u : s == OTELC_LOGS ? 2u : 0u;
}
static inline otelc_signal queue_signal_of_index(unsigned i)
{
    return i == 1 ? OTELC_METRICS : i == 2 ? OTELC_LOGS : OTELC_TRACES;
}
/* Items counted by signal (any thread). */
typedef struct queue_counts {
    _Atomic uint64_t n[QUEUE_NSIGNALS];
} queue_counts;
static inline void queue_count(queue_counts *c, otelc_signal s, uint64_t items)
{
    c->n[queue_signal_index(s)] += items;
}

/* sending_queue.batch: read-side batching, set by the exporter's own key
 * or asked by a processor of its pipeline (otelc_batching). */
typedef struct queue_batch_cfg {
    bool enabled;             /* batching is on */
    queue_sizer sizer;        /* items (spans) or bytes */
    int64_t min_size;         /* 8192: leave before flush_timeout once this big */
    int64_t max_size;         /* 0: no limit */
    uint64_t max_size_bytes;  /* otelc's cap on request bytes; 0: none */
    int64_t flush_timeout_ns; /* 200ms */
    /* partition.metadata_keys: batches never mix entries whose values
     * for these keys (case-insensitive) differ; none: one partition. The
     * strings belong to the config (or the processor that asked). */
    const char *partition_keys[QUEUE_MAX_PARTITION_KEYS];
    size_t npartition_keys;
} queue_batch_cfg;

/* Hands one batch to the exporter. *req is the exporter's prepared
 * request for this outgoing batch, kept by the queue across the batch's
 * retries: NULL at the first attempt, maybe set by the call, and handed
 * to cfg.release_fn once the batch is done with (sent, refused, or left
 * for a restart). Returns OK, RETRY, REJECT, or PENDING and later calls
 * done(done_arg, status) exactly once from any thread. */
typedef void (*queue_done_fn)(void *done_arg, otelc_status status);
typedef otelc_status (*queue_export_fn)(void *arg, otelc_batch *b, void **req,
                                        queue_done_fn done, void *done_arg);
typedef void (*queue_release_fn)(void *arg, void *req);

/* Called for each fresh batch a queue hands its exporter (not for a
 * resend of one): its spans and bytes and why it left. Any consumer
 * thread, often several at once. */
typedef void (*queue_send_fn)(void *arg, uint32_t spans, uint64_t bytes, otelc_send_trigger why);

typedef struct queue_cfg {
    bool enabled;           /* false: no consumers, emit exports in the caller's thread */
    uint32_t num_consumers; /* 10 */
    int64_t queue_size;     /* 1000, counted by sizer */
    queue_sizer sizer;      /* requests */
    bool block_on_overflow; /* false: a full queue answers RETRY */
    retry_cfg retry;
    int64_t timeout_ns;     /* per export attempt, for the exporter; 5s */
    int64_t paused_probe_ns;/* how often a paused exporter is offered a batch */
    const char *storage;    /* file_storage extension id; NULL: in memory */
    uint64_t max_disk_size; /* durable: disk budget in bytes; 1 GiB */
    uint64_t max_memory_size; /* durable: committed requests also kept in memory for the
                               * consumers, in bytes (32 MiB); the rest is read back;
                               * either queue: prepared requests kept for retries */
    queue_batch_cfg batch;  /* read-side batching */
    queue_send_fn on_send;  /* may be NULL */
    void *on_send_arg;
    queue_release_fn release_fn; /* a request export_fn set; NULL: none ever is */
    /* The bytes such a request holds (NULL: not counted): requests kept
     * for a retry stay within max_memory_size, past it they are released
     * and prepared again at their next attempt. */
    size_t (*request_bytes_fn)(void *arg, const void *req);
} queue_cfg;

void queue_cfg_defaults(queue_cfg *cfg);

/* Gives back a request export_fn left in a slot (NULL: nothing). */
void queue_release(const queue_cfg *cfg, void *arg, void *req);

/* The pairs of m that decide its batch partition under b: those whose key
 * is one of b's partition keys, in m's order (sorted by key), at most
 * cap. 0 without partition keys. Pure. */
size_t queue_partition_pairs(const otelc_batch_meta *m, const queue_batch_cfg *b, otelc_kv *out,
                             size_t cap);

/* The signal of m (traces when m is older than its signal member). */
otelc_signal queue_meta_signal(const otelc_batch_meta *m);



typedef struct exporter_queue exporter_queue;

typedef struct queue_stats {
    int64_t size;      /* by the sizer */
    int64_t capacity;
    uint64_t requests; /* batches waiting */
    uint64_t sent_spans, failed_spans, enqueue_failed_spans, retries; /* all signals */
    /* The same items by signal (queue_signal_index). */
    uint64_t sent[QUEUE_NSIGNALS], failed[QUEUE_NSIGNALS], enqueue_failed[QUEUE_NSIGNALS];
    int64_t last_success_ns; /* realtime; 0 = never */
    bool paused;
    /* Durable queues only (zero for the memory queue). */
    bool durable;
    uint64_t spans, bytes;      /* entries not yet delivered: spans, request bytes */
    int64_t oldest_ns;          /* realtime of the oldest such entry; 0 = none */
    uint64_t disk_used;         /* bytes counted against max_disk_size */
    uint64_t disk_budget;       /* max_disk_size */
    uint64_t dead_letters, dead_spans, dead_lettered_spans; /* held; moved there so far */
    bool at_budget;
    uint64_t memory_bytes; /* request bytes kept in memory too (max_memory_size) */
    uint64_t retry_request_bytes; /* prepared requests kept for their retry (either queue) */
    uint64_t disk_reads;   /* entries consumers read back from disk so far */
} queue_stats;

/* Fills the per-signal and total counters of out from the queue's. */
void queue_stats_counts(queue_stats *out, queue_counts *sent, queue_counts *failed,
                        queue_counts *enqueue_failed);

/* id names the exporter in logs ("awss3/primary"); copied. */
exporter_queue *queue_new(const queue_cfg *cfg, const char *id, queue_export_fn export_fn,
                          void *arg);

/* A durable queue (durable_queue.h) on store, which must not be open yet
 * (its file_storage extension opens it at start); hc (may be NULL) is the
 * exporter's health entry, unhealthy while the queue is at its disk
 * budget. Every function below forwards to it. NULL on failure (logged).
 * Main thread. */
struct durable_store;
struct durable_queue;
struct health_component;
exporter_queue *queue_new_durable(const queue_cfg *cfg, const char *id,
                                  queue_export_fn export_fn, void *arg,
                                  struct durable_store *store, struct health_component *hc);
/* The durable queue behind q, or NULL for a memory queue. */
struct durable_queue *queue_durable(exporter_queue *q);
int queue_start(exporter_queue *q);

/* Offers b (lent) to every queue in qs at once: all take it, or none
 * does (then RETRY; and on_space(space_arg) is called once there is
 * room). OK when all took it. Blocks while full if every memory queue has
 * block_on_overflow. When qs holds a durable queue, returns PENDING and
 * calls done(done_arg, status) exactly once, from the queue writer's
 * thread, after b is committed in every durable queue of qs (OK) or a
 * commit failed (RETRY); REJECT for a batch that can never fit. */
otelc_status queue_offer(exporter_queue *const *qs, size_t n, otelc_batch *b,
                         void (*on_space)(void *space_arg), void *space_arg, queue_done_fn done,
                         void *done_arg);

/* queue_offer that waits for the commit of durable queues itself: never
 * PENDING. Not on the writer's thread. */
otelc_status queue_offer_all(exporter_queue *const *qs, size_t n, otelc_batch *b,
                             void (*on_space)(void *space_arg), void *space_arg);

/* Pause: consumers stop taking batches but offer one every
 * paused_probe_ns; the first success resumes. reason is copied. */
void queue_pause(exporter_queue *q, const char *reason);
void queue_resume(exporter_queue *q);

/* Stops accepting (offers answer RETRY), waits until empty and idle or
 * until deadline_ns (CLOCK_MONOTONIC), then stops the consumers. Returns
 * the batches left (lost: logged). A durable queue waits only for
 * commits and exports in flight and keeps the rest on disk: 0. */
uint64_t queue_drain(exporter_queue *q, int64_t deadline_ns);
void queue_stats_get(exporter_queue *q, queue_stats *out);
/* Gives back what the queue keeps in memory that it can read again (a
 * durable queue's copies of committed entries); returns the bytes. Any
 * thread. */
uint64_t queue_release_memory(exporter_queue *q);
/* The pause reason (copied into buf); empty when running. */
void queue_pause_reason(exporter_queue *q, char *buf, size_t cap);
void queue_free(exporter_queue *q);

/* Called first by every queue consumer thread: exports (encoding,
 * compression) run at a lower priority than the receiver loops and the
 * queue writer, so that when the cores are busy a client's answer waits
 * for nothing the export could do later. */
void queue_consumer_thread_init(void);

#endif
