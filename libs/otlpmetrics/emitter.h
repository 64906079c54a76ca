/*
 * emitter.h: the flush loop of a connector that derives metrics.
 *
 * A connector aggregates in consume and hands its metrics on from a
 * thread of its own, so that its upstream is answered at once and never
 * waits for the metrics pipelines. The emitter owns that thread: every
 * interval it asks the connector to build a batch (build) and emits it
 * with api->emit. What the downstream pipelines answer:
 *   OK, PENDING then OK: done with it.
 *   RETRY (now or at completion): the batch is kept and offered again at
 *     the next flush (or at once when the host calls the connector's
 *     resume, which calls otlpm_emitter_wake); nothing new is built while
 *     it waits, so the connector's state keeps aggregating instead and at
 *     most one batch is ever held.
 *   REJECT: the batch is dropped with an error in the log and counted in
 *     otlpm_emitter_refused (points).
 * While one emit is pending the next flush is skipped for the same
 * reason. An optional tick runs connector housekeeping (expiry) on the
 * same thread at its own interval.
 *
 * Threads: build and tick run on the emitter's thread, or on the caller's
 * in otlpm_emitter_flush / _stop; never two at once. Every function may
 * be called from any thread.
 */
#ifndef OTLPMETRICS_EMITTER_H
#define OTLPMETRICS_EMITTER_H

#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

/* Builds the next batch (one reference, now the emitter's) or returns
 * NULL when there is nothing to send. final: the last flush, at shutdown. */
typedef otelc_batch *(*otlpm_build_fn)(void *arg, bool final);
typedef void (*otlpm_tick_fn)(void *arg);

typedef struct otlpm_emitter_cfg {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    int64_t interval_ns; /* flush period; <= 0: only when woken */
    int64_t tick_ns;     /* tick period; <= 0: no tick */
    otlpm_build_fn build;
    otlpm_tick_fn tick; /* may be NULL */
    void *arg;          /* for build and tick; must outlive otlpm_emitter_stop */
} otlpm_emitter_cfg;

typedef struct otlpm_emitter otlpm_emitter;

/* A stopped emitter (no thread yet), or NULL if memory ran out. */
otlpm_emitter *otlpm_emitter_new(const otlpm_emitter_cfg *cfg);
/* Starts the thread. 0, or -1 after logging why. */
int otlpm_emitter_start(otlpm_emitter *e);
/* Asks the thread for a flush now (resume, or flush-per-batch). */
void otlpm_emitter_wake(otlpm_emitter *e);
/* Runs housekeeping and one flush on the calling thread; waits until
 * deadline (CLOCK_MONOTONIC ns) for a pending emit to complete. 0 when
 * nothing is left held, -1 otherwise. */
int otlpm_emitter_flush(otlpm_emitter *e, int64_t deadline_ns);
/* Stops the thread, then flushes a last time (build's final = true) as
 * otlpm_emitter_flush does. Idempotent. */
int otlpm_emitter_stop(otlpm_emitter *e, int64_t deadline_ns);
/* Points refused for good by the downstream pipelines so far. */
uint64_t otlpm_emitter_refused(otlpm_emitter *e);
/* Releases the emitter (stopping it without a final flush if needed). A
 * batch still pending downstream keeps the emitter's memory alive until
 * its completion arrives. */
void otlpm_emitter_free(otlpm_emitter *e);

#endif /* OTLPMETRICS_EMITTER_H */
