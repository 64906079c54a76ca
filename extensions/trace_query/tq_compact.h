/*
 * tq_compact.h: compaction of the trace table (tq_compact.c: the thread
 * and its I/O; tq_compact_plan.c: the pure decisions). The small files of
 * an hour that ended compaction.min_age ago are merged into files sorted
 * by TraceId ("compacted-<hash>.parquet", the hash of the inputs' keys
 * and sizes, so every instance names the same inputs' output alike and
 * writes the same bytes); each output lists its inputs in its footer's
 * metadata, and the inputs are deleted once it is in the bucket. See
 * docs/storage.md, "Compaction".
 */
#ifndef OTELC_TQ_COMPACT_H
#define OTELC_TQ_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s3/s3list.h"

#define TQ_COMPACT_PREFIX "compacted-"
#define TQ_COMPACT_INPUTS "otelc.compaction.inputs" /* metadata key: input keys, one a line */

struct tq_query;

/* Starts the compaction thread when compaction.enabled. 0 or -1. */
int tq_compact_start(struct tq_query *q);
/* Wakes and joins it (the reader must be stopped first). Idempotent. */
void tq_compact_stop(struct tq_query *q);

/* ---- pure parts (tq_compact_plan.c) ---- */

/* Whether key names a compaction output. */
bool tq_compact_is_output(const char *key);

/* The output key of inputs[0..n) (sorted by key) in the directory dir
 * ("a/b/year=.../minute=00"): dir/compacted-<32 hex of SHA-256 over
 * "key\nsize\n" of each>.parquet. 0, or -1 (no memory, too long). */
int tq_compact_output_key(const char *dir, const s3_list_entry *inputs, size_t n, char *out,
                          size_t cap);

/* The inputs' keys one a line (malloc'd, NUL-ended), or NULL. */
char *tq_compact_input_list(const s3_list_entry *inputs, size_t n);

/* Whether key is a line of list (a TQ_COMPACT_INPUTS value, len bytes). */
bool tq_compact_listed(const char *list, size_t len, const char *key);

/* Whether every line of list a (len bytes) is a line of list b. */
bool tq_compact_subset(const char *a, size_t alen, const char *b, size_t blen);

/* The next group of items[*at..n): as many as fit in max_bytes (at least
 * one). Returns its length, *at moves past it. */
size_t tq_compact_next_group(const s3_list_entry *items, size_t n, size_t *at,
                             uint64_t max_bytes);

#endif /* OTELC_TQ_COMPACT_H */
