/*
 * bp.h: the batch processor's state, private to processors/batch.
 *
 * The processor holds nothing. Requests pass on at once (split first when
 * larger than send_batch_max_size), and the batches its keys describe are
 * formed on the read side of the exporter queues of its pipeline, which
 * the host configures from the otelc_batching asked at create. So a client
 * is answered as soon as its data is safe downstream, never after a
 * timeout, and nothing is lost if the process dies.
 */
#ifndef OTELC_PROC_BATCH_BP_H
#define OTELC_PROC_BATCH_BP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "batch_config.h"

typedef struct bp_metrics {
    otelc_series *send_size;     /* histogram of items per sent batch */
    otelc_series *size_sends;    /* sends triggered by send_batch_size */
    otelc_series *timeout_sends; /* sends triggered by timeout */
    otelc_series *cardinality;   /* distinct metadata value sets */
} bp_metrics;

/* The distinct metadata value sets seen (metadata_cardinality_limit). */
typedef struct bp_seen {
    pthread_mutex_t mu;
    char **slots; /* open addressing; NULL = free */
    size_t cap, n;
} bp_seen;

typedef struct bp {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const bp_cfg *cfg;
    bp_metrics m;
    bp_seen seen;
} bp;

/* ---- metadata value sets (meta.c) ---- */

int bp_seen_init(bp_seen *s);
void bp_seen_free(bp_seen *s);
/* Notes the value set of b's metadata_keys. OK when it is known or there
 * was room for it (the gauge is updated); REJECT past the cardinality
 * limit; RETRY if memory ran out. Thread-safe. */
otelc_status bp_seen_note(bp *p, otelc_batch *b);

/* ---- splitting (split.c) ---- */

/* The pieces of a batch cut at item boundaries. */
typedef struct bp_pieces {
    otelc_batch **b; /* n pieces, each with one reference */
    size_t n;
} bp_pieces;

/*
 * Splits a traces or logs batch m (lent) into pieces of at most max spans
 * or log records (the two requests share their layout). The pieces share
 * one buffer and m's metadata. Returns 0, or -1 (out of memory or
 * malformed bytes; nothing is left).
 */
int bp_split(const otelc_host_api *api, otelc_batch *m, uint64_t max, bp_pieces *out);
/* Releases whatever references out still holds and its array. */
void bp_pieces_free(bp_pieces *out);

/* ---- splitting metrics (split_metrics.c) ---- */

/*
 * bp_split for a metrics batch m (lent): pieces of at most max data
 * points (its item count), cut inside metrics where needed. Each piece has
 * a buffer of its own. Returns 0, or -1 (out of memory or malformed
 * bytes; nothing is left).
 */
int bp_split_metrics(const otelc_host_api *api, otelc_batch *m, uint64_t max, bp_pieces *out);

#endif
