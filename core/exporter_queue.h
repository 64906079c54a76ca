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

typedef struct queue_cfg {
    bool enabled;           /* false: no consumers, emit exports in the caller's thread */
    uint32_t num_consumers; /* 10 */
    int64_t queue_size;     /* 1000, counted by sizer */
    queue_sizer sizer;      /* requests */
    bool block_on_overflow; /* false: a full queue answers RETRY */
    retry_cfg retry;
    int64_t timeout_ns;     /* per export attempt, for the exporter; 5s */
    int64_t paused_probe_ns;/* how often a paused exporter is offered a batch */
} queue_cfg;

void queue_cfg_defaults(queue_cfg *cfg);

/* Hands one batch to the exporter. Returns OK, RETRY, REJECT, or PENDING
 * and later calls done(done_arg, status) exactly once from any thread. */
typedef void (*queue_done_fn)(void *done_arg, otelc_status status);
typedef otelc_status (*queue_export_fn)(void *arg, otelc_batch *b, queue_done_fn done,
                                        void *done_arg);

typedef struct exporter_queue exporter_queue;

typedef struct queue_stats {
    int64_t size;      /* by the sizer */
    int64_t capacity;
    uint64_t requests; /* batches waiting */
    uint64_t sent_spans, failed_spans, enqueue_failed_spans, retries;
    int64_t last_success_ns; /* realtime; 0 = never */
    bool paused;
} queue_stats;

/* id names the exporter in logs ("awss3/primary"); copied. */
exporter_queue *queue_new(const queue_cfg *cfg, const char *id, queue_export_fn export_fn,
                          void *arg);
int queue_start(exporter_queue *q);

/* Offers b to every queue in qs at once: all take it, or none does (then
 * RETRY; and on_space(space_arg) is called once there is room). OK when
 * all took it. Blocks while full if every queue has block_on_overflow. */
otelc_status queue_offer_all(exporter_queue *const *qs, size_t n, otelc_batch *b,
                             void (*on_space)(void *space_arg), void *space_arg);

/* Pause: consumers stop taking batches but offer one every
 * paused_probe_ns; the first success resumes. reason is copied. */
void queue_pause(exporter_queue *q, const char *reason);
void queue_resume(exporter_queue *q);

/* Stops accepting (offers answer RETRY), waits until empty and idle or
 * until deadline_ns (CLOCK_MONOTONIC), then stops the consumers. Returns
 * the batches left (lost: logged). */
uint64_t queue_drain(exporter_queue *q, int64_t deadline_ns);
void queue_stats_get(exporter_queue *q, queue_stats *out);
/* The pause reason (copied into buf); empty when running. */
void queue_pause_reason(exporter_queue *q, char *buf, size_t cap);
void queue_free(exporter_queue *q);

int64_t mono_ns(void);
int64_t real_ns(void);

#endif
