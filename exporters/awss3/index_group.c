/*
 * index_group.c: distinct traces and operations of an object's spans,
 * found with a small open-addressing table (slots hold index + 1).
 */
#include "index_group.h"

#include <stdlib.h>
#include <string.h>

static int cmp_span_key(const void *a, const void *b)
{
    const ix_span *x = a, *y = b;
    if (x->start_ns != y->start_ns)
        return x->start_ns < y->start_ns ? -1 : 1;
    int c = memcmp(x->trace_id, y->trace_id, 16);
    return c ? c : memcmp(x->span_id, y->span_id, 8);
}

void ix_sort_spans(ix_span *spans, size_t n)
{
    if (n > 1)
        qsort(spans, n, sizeof(*spans), cmp_span_key);
}

/* A table of at least 2n slots, all free; NULL without memory. */
static size_t *table_new(size_t n, size_t *mask)
{
    size_t size = 16;
    while (size < 2 * n)
        size <<= 1;
    *mask = size - 1;
    return calloc(size, sizeof(size_t));
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Trace ids are random, but some clients zero the upper half. */
static size_t trace_hash(const uint8_t id[16])
{
    uint64_t h = (load64(id) ^ load64(id + 8)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32);
}

static int cmp_trace(const void *a, const void *b)
{
    return memcmp(((const ix_trace_range *)a)->id, ((const ix_trace_range *)b)->id, 16);
}

size_t ix_group_traces(const ix_span *spans, size_t n, ix_trace_range *out)
{
    size_t mask, count = 0;
    size_t *slots = table_new(n, &mask);
    if (!slots)
        return (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        const ix_span *s = &spans[i];
        size_t at = trace_hash(s->trace_id) & mask;
        while (slots[at] && memcmp(out[slots[at] - 1].id, s->trace_id, 16) != 0)
            at = (at + 1) & mask;
        if (!slots[at]) {
            ix_trace_range *t = &out[count++];
            memcpy(t->id, s->trace_id, 16);
            t->lo = s->start_ns;
            t->hi = s->end_ns;
            slots[at] = count;
            continue;
        }
        ix_trace_range *t = &out[slots[at] - 1];
        t->lo = s->start_ns < t->lo ? s->start_ns : t->lo;
        t->hi = s->end_ns > t->hi ? s->end_ns : t->hi;
    }
    free(slots);
    /* In id order, the traces database is written front to back. */
    qsort(out, count, sizeof(*out), cmp_trace);
    return count;
}

/* FNV-1a over the bytes of a name. */
static uint64_t fnv(uint64_t h, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

static bool same_bytes(pb_bytes a, pb_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool same_op(const ix_span *a, const ix_span *b)
{
    return a->kind == b->kind && same_bytes(a->name, b->name) &&
           same_bytes(a->service, b->service);
}

size_t ix_distinct_ops(const ix_span *spans, size_t n, size_t *out)
{
    size_t mask, count = 0;
    size_t *slots = table_new(n, &mask);
    if (!slots)
        return (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        const ix_span *s = &spans[i];
        uint64_t h = fnv(0xCBF29CE484222325ull ^ s->kind, s->service.ptr, s->service.len);
        size_t at = (size_t)(fnv(h, s->name.ptr, s->name.len) >> 20) & mask;
        while (slots[at] && !same_op(&spans[out[slots[at] - 1]], s))
            at = (at + 1) & mask;
        if (!slots[at]) {
            out[count++] = i;
            slots[at] = count;
        }
    }
    free(slots);
    return count;
}
