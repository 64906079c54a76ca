/*
 * index_group.h: grouping an object's span summaries before they are
 * written, so that each trace and each operation costs one row update per
 * object rather than one per span. Used by index_add.c only.
 */
#ifndef OTELC_AWSS3_INDEX_GROUP_H
#define OTELC_AWSS3_INDEX_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* A trace met in an object, with the time its spans there cover. */
typedef struct ix_trace_range {
    uint8_t id[16];
    uint64_t lo, hi; /* earliest start, latest end */
} ix_trace_range;

/* Sorts spans by their spans-database key (start, trace id, span id). */
void ix_sort_spans(ix_span *spans, size_t n);

/*
 * The distinct traces of spans[0..n) in trace-id order, written to out
 * (room for n; the caller's). Returns how many, or (size_t)-1 when memory
 * for the hash table ran out.
 */
size_t ix_group_traces(const ix_span *spans, size_t n, ix_trace_range *out);

/*
 * Indexes into spans[0..n) of one span per distinct (service, name, kind),
 * written to out (room for n; the caller's). Returns how many, or
 * (size_t)-1 when memory ran out.
 */
size_t ix_distinct_ops(const ix_span *spans, size_t n, size_t *out);

#endif /* OTELC_AWSS3_INDEX_GROUP_H */
