/*
 * bp.h: the batch processor's shared state, private to processors/batch.
 *
 * Data moves through three places, all guarded by bp.mu:
 *  - shards: one per distinct metadata value set; each holds the batches
 *    consumed since its last send (references, nothing copied) and the
 *    origins (consumes) whose spans are not yet cut into a flight;
 *  - the outbox: flights (outgoing batches) cut from shards but not yet
 *    taken by the next stage, in order; a RETRY puts a flight back at the
 *    head and blocks the outbox until resume() or the retry timer;
 *  - in flight: flights the next stage answered PENDING for.
 * An origin's ticket completes when every flight carrying its spans has
 * an outcome, so nothing the processor holds was acknowledged upstream.
 */
#ifndef OTELC_PROC_BATCH_BP_H
#define OTELC_PROC_BATCH_BP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "batch_config.h"

/* One consume's ticket and the spans of it not yet cut into a flight. */
typedef struct bp_origin {
    otelc_ticket *ticket;
    atomic_int refs;  /* 1 while the shard holds spans of it, +1 per flight */
    atomic_int worst; /* worst outcome seen: RETRY > REJECT > OK */
    uint32_t unsent;  /* guarded by bp.mu */
} bp_origin;

/* One outgoing batch and the origins whose spans it carries. */
typedef struct bp_flight {
    struct bp *p;
    otelc_batch *b;
    uint32_t spans;
    struct bp_flight *next; /* outbox link */
    size_t norigins;
    bp_origin *origins[];
} bp_flight;

typedef struct bp_shard {
    char *key; /* the metadata values, joined; "" without metadata_keys */
    size_t key_len;
    otelc_batch **held; /* in consume order */
    size_t nheld, held_cap;
    bp_origin **origins; /* FIFO from ofront; their unsent spans = spans */
    size_t ofront, norigins, origins_cap;
    uint64_t spans;
    int64_t deadline_ns; /* CLOCK_MONOTONIC time of the timeout send; 0 = none */
} bp_shard;

typedef enum bp_trigger {
    BP_TRIGGER_SIZE = 0,
    BP_TRIGGER_TIMEOUT = 1,
    BP_TRIGGER_FLUSH = 2, /* flush() and shutdown(): counted in no trigger */
} bp_trigger;

typedef struct bp_metrics {
    otelc_series *send_size;     /* histogram of spans per sent batch */
    otelc_series *size_sends;    /* sends triggered by send_batch_size */
    otelc_series *timeout_sends; /* sends triggered by timeout */
    otelc_series *cardinality;   /* distinct metadata value sets */
} bp_metrics;

typedef struct bp {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const bp_cfg *cfg;
    uint64_t unsent_bound;
    int64_t retry_ns; /* how soon a refused outbox is offered again */
    bp_metrics m;

    pthread_mutex_t mu;
    pthread_cond_t wake; /* the timer thread's */
    pthread_cond_t idle; /* outbox emptied or a flight finished */
    bp_shard **shards;
    size_t nshards, shards_cap;
    bp_flight *out_head, *out_tail;
    uint64_t out_spans;
    size_t inflight;
    bool pumping, blocked, stopping, shut;
    bool refused_upstream; /* consume answered RETRY at the unsent bound */
    int shut_rc;
    uint64_t resumes;
    int64_t retry_at_ns;
    int64_t timer_wake_ns;
    bool timer_started, timer_stop;
    pthread_t timer;
} bp;

int64_t bp_now_ns(void);

/* ---- origins (origin.c) ---- */

/* A new origin holding ticket t for `spans` spans, refs 1; NULL on OOM. */
bp_origin *bp_origin_new(otelc_ticket *t, uint32_t spans);
/* Records an outcome and drops one reference; the last one completes the
 * ticket with the worst outcome seen and frees o. Any thread, no lock. */
void bp_origin_release(bp *p, bp_origin *o, otelc_status st);

/* ---- shards (shard.c); all under p->mu ---- */

/* The shard for b's metadata, created on first use. NULL with *st set to
 * REJECT (cardinality limit) or RETRY (out of memory). */
bp_shard *bp_shard_for(bp *p, otelc_batch *b, otelc_status *st);
/* The single shard of a processor without metadata_keys, created at
 * create(); NULL on OOM. */
bp_shard *bp_shard_default(bp *p);
/* Takes a reference to b and appends it with its origin. 0, or -1 on OOM
 * (nothing taken). */
int bp_shard_add(bp_shard *s, otelc_batch *b, bp_origin *o);
/* Cuts the shard's spans into flights appended to the outbox: everything
 * for TIMEOUT and FLUSH, whole batches while send_batch_size is reached
 * for SIZE. Counts the metrics. 0, or -1 on OOM (the shard is unchanged). */
int bp_shard_cut(bp *p, bp_shard *s, bp_trigger trig);
/* A position in a shard's origin FIFO: an index and the spans of that
 * origin already accounted for. */
typedef struct bp_ocursor {
    size_t idx;
    uint32_t used;
} bp_ocursor;
/* How many origins the next `spans` spans from c come from; advances c.
 * Reads only. Under p->mu. */
size_t bp_origins_span(const bp_shard *s, bp_ocursor *c, uint32_t spans);
/* Moves the next f->spans unsent spans of s's origins onto f (at most
 * f->norigins origins, each referenced). Under p->mu. */
void bp_flight_take_origins(bp *p, bp_shard *s, bp_flight *f);
/* Moves every origin reference and batch out of s (for abandoning at
 * shutdown): *origins receives a malloc'd array the caller releases. */
size_t bp_shard_drain(bp_shard *s, bp_origin ***origins);
void bp_shard_free(bp_shard *s);

/* ---- splitting (split.c) ---- */

/* The pieces of a batch cut at span boundaries. */
typedef struct bp_pieces {
    otelc_batch **b; /* n pieces to send, then the tail (if tail_spans) */
    uint32_t *spans;
    size_t n;
    uint32_t tail_spans;
} bp_pieces;

/*
 * Splits m (lent) into pieces of at most max spans; sends pieces while the
 * spans not yet sent reach keep_below (0: all of them) and keeps the rest
 * as one tail batch (b[n]). The pieces share one buffer and m's metadata.
 * Returns 0, or -1 (out of memory or malformed bytes; nothing is left).
 */
int bp_split(const otelc_host_api *api, otelc_batch *m, uint64_t max, uint64_t keep_below,
             bp_pieces *out);
/* Releases whatever references out still holds and its arrays. */
void bp_pieces_free(bp_pieces *out);

/* ---- the outbox (outbox.c) ---- */

/* A flight of b (its reference is the flight's from now on) with room for
 * norigins origins; NULL on OOM (b not taken). */
bp_flight *bp_flight_new(bp *p, otelc_batch *b, uint32_t spans, size_t norigins);
/* Appends f to the outbox. Under p->mu. */
void bp_outbox_push(bp *p, bp_flight *f);
/* Offers the outbox to the next stage in order until it is empty or
 * refused. One thread pumps at a time; others return at once. Never
 * called with p->mu held. */
void bp_pump(bp *p);
/* Completes every outboxed flight with RETRY (shutdown). No lock held. */
void bp_outbox_abandon(bp *p);

/* ---- the timer thread (timer.c) ---- */

int bp_timer_start(bp *p);
void bp_timer_stop(bp *p);
/* Makes the timer see a new deadline or a blocked outbox. Under p->mu. */
void bp_timer_poke(bp *p, int64_t at_ns);

#endif
