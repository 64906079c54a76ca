/*
 * durable_index.h: the durable queue's in-memory view of its committed
 * entries that no outgoing batch has claimed yet, and the read-side
 * batching rules that pick the next batch.
 *
 * Entries are partitioned by their metadata pairs (interned to small ids)
 * so that a batch never mixes entries whose metadata differ; each
 * partition is a FIFO ring in entry-id order. The next batch comes from
 * the ready partition whose head is oldest. Not thread-safe: the queue
 * calls it under its mutex.
 */
#ifndef OTELC_CORE_DURABLE_INDEX_H
#define OTELC_CORE_DURABLE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

typedef struct dq_item {
    uint64_t id;
    int64_t committed_ns; /* realtime, from the entry */
    int64_t due_ns;       /* monotonic time its batch must leave by; 0: now */
    uint32_t spans;
    uint32_t bytes; /* request bytes */
    uint32_t cost;  /* against max_disk_size (df_cost) */
    uint32_t meta;  /* interned metadata; 0 = none */
    uint8_t signal; /* otelc_signal of the entry */
    /* The request itself while it is kept in memory (a reference, owned
     * by whoever holds the item: the index, then a job), so consumers
     * need not read it back from disk; NULL: read it from disk. */
    otelc_batch *hot;
} dq_item;

/* sending_queue.batch, in the units of its sizer. */
typedef struct dq_limits {
    bool batching;     /* false: every entry leaves alone */
    bool by_bytes;     /* sizer bytes; else items (spans) */
    int64_t min_size;  /* a partition this big leaves before its flush_timeout */
    int64_t max_size;  /* 0: no limit (an entry bigger than it leaves alone) */
    uint64_t max_bytes;/* otelc's request-byte cap; 0: none */
    size_t max_items;  /* entries per batch, a safety cap */
} dq_limits;

typedef struct dq_index dq_index;

dq_index *dq_index_new(void);
void dq_index_free(dq_index *x);

/* The id of this metadata set, interning a copy on first sight; 0 for no
 * pairs; UINT32_MAX if memory ran out. Equal sets (same keys and values
 * in the same order) get the same id. */
uint32_t dq_index_meta(dq_index *x, const otelc_kv *pairs, size_t n);

/* Appends it (copied) to its partition's tail. 0, or -1 if memory ran
 * out. */
int dq_index_push(dq_index *x, const dq_item *it);

/* Puts n items taken by dq_index_take back in front of their partition,
 * in their order. 0 or -1. */
int dq_index_unshift(dq_index *x, const dq_item *items, size_t n);

/* Takes the next batch per l at monotonic time now (flush_all: ignore
 * min_size and flush_timeout, e.g. while draining). Returns how many
 * items were taken into *out (a new array the caller frees) and, when why
 * is not NULL, why they may leave (its partition reached min_size or no
 * batching: SIZE; its head waited flush_timeout: TIMEOUT; flush_all:
 * FLUSH); 0 if none is ready, with *next_due the earliest monotonic time
 * one will be (0 when the index is empty); -1 if memory ran out. */
long dq_index_take(dq_index *x, const dq_limits *l, int64_t now, bool flush_all, dq_item **out,
                   int64_t *next_due, otelc_send_trigger *why);

typedef struct dq_index_stats {
    uint64_t count, spans, bytes, cost;
    int64_t oldest_ns; /* realtime of the oldest entry; 0 when empty */
} dq_index_stats;

void dq_index_stats_get(const dq_index *x, dq_index_stats *out);

/* Drops every item's in-memory copy (consumers read those from disk
 * then); returns the request bytes they held. */
uint64_t dq_index_drop_hot(dq_index *x);

#endif
