/*
 * table.c: the trace table (table.h): chained hashing on the trace id's
 * random bytes, intrusive doubly linked lists.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

static size_t bucket_of(const ts_table *t, const uint8_t *id)
{
    uint64_t h;
    memcpy(&h, id + 8, sizeof(h)); /* the random half of W3C trace ids */
    return (size_t)(h * 0x9e3779b97f4a7c15ULL >> 16) & (t->nbuckets - 1);
}

int ts_table_init(ts_table *t, size_t hint)
{
    memset(t, 0, sizeof(*t));
    t->nbuckets = 1024;
    while (t->nbuckets < hint && t->nbuckets < ((size_t)1 << 24))
        t->nbuckets *= 2;
    t->buckets = calloc(t->nbuckets, sizeof(ts_trace *));
    return t->buckets ? 0 : -1;
}

void ts_table_free(ts_table *t)
{
    for (size_t i = 0; t->buckets && i < t->nbuckets; i++)
        for (ts_trace *tr = t->buckets[i], *next; tr; tr = next) {
            next = tr->chain;
            ts_trace_drop_pieces(tr);
            free(tr->pieces);
            free(tr);
        }
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}

ts_trace *ts_table_find(const ts_table *t, const uint8_t *id)
{
    for (ts_trace *tr = t->buckets[bucket_of(t, id)]; tr; tr = tr->chain)
        if (memcmp(tr->id, id, TS_TRACE_ID_LEN) == 0)
            return tr;
    return NULL;
}

/* Doubles the buckets; a failed grow only leaves chains longer. */
static void grow(ts_table *t)
{
    size_t n = t->nbuckets * 2;
    ts_trace **b = calloc(n, sizeof(ts_trace *));
    if (!b)
        return;
    ts_table old = *t;
    t->buckets = b;
    t->nbuckets = n;
    for (size_t i = 0; i < old.nbuckets; i++)
        for (ts_trace *tr = old.buckets[i], *next; tr; tr = next) {
            next = tr->chain;
            size_t at = bucket_of(t, tr->id);
            tr->chain = b[at];
            b[at] = tr;
        }
    free(old.buckets);
}

ts_trace *ts_table_add(ts_table *t, const uint8_t *id)
{
    ts_trace *tr = calloc(1, sizeof(*tr));
    if (!tr)
        return NULL;
    memcpy(tr->id, id, TS_TRACE_ID_LEN);
    if (t->count >= t->nbuckets)
        grow(t);
    size_t at = bucket_of(t, id);
    tr->chain = t->buckets[at];
    t->buckets[at] = tr;
    t->count++;
    return tr;
}

void ts_table_remove(ts_table *t, ts_trace *tr)
{
    ts_trace **at = &t->buckets[bucket_of(t, tr->id)];
    while (*at != tr)
        at = &(*at)->chain;
    *at = tr->chain;
    t->count--;
    if (tr->in_fifo)
        ts_fifo_unlink(t, tr);
    if (tr->in_wait)
        ts_wait_unlink(t, tr);
    ts_trace_drop_pieces(tr);
    free(tr->pieces);
    free(tr);
}

void ts_fifo_push(ts_table *t, ts_trace *tr)
{
    tr->fnext = NULL;
    tr->fprev = t->ftail;
    if (t->ftail)
        t->ftail->fnext = tr;
    else
        t->fhead = tr;
    t->ftail = tr;
    tr->in_fifo = true;
    t->fcount++;
}

void ts_fifo_unlink(ts_table *t, ts_trace *tr)
{
    if (tr->fprev)
        tr->fprev->fnext = tr->fnext;
    else
        t->fhead = tr->fnext;
    if (tr->fnext)
        tr->fnext->fprev = tr->fprev;
    else
        t->ftail = tr->fprev;
    tr->fprev = tr->fnext = NULL;
    tr->in_fifo = false;
    t->fcount--;
}

void ts_wait_insert(ts_table *t, ts_trace *tr)
{
    ts_trace *after = t->wtail;
    while (after && after->deadline_ns > tr->deadline_ns)
        after = after->wprev;
    tr->wprev = after;
    tr->wnext = after ? after->wnext : t->whead;
    if (tr->wnext)
        tr->wnext->wprev = tr;
    else
        t->wtail = tr;
    if (after)
        after->wnext = tr;
    else
        t->whead = tr;
    tr->in_wait = true;
    t->wcount++;
}

void ts_wait_unlink(ts_table *t, ts_trace *tr)
{
    if (tr->wprev)
        tr->wprev->wnext = tr->wnext;
    else
        t->whead = tr->wnext;
    if (tr->wnext)
        tr->wnext->wprev = tr->wprev;
    else
        t->wtail = tr->wprev;
    tr->wprev = tr->wnext = NULL;
    tr->in_wait = false;
    t->wcount--;
}

int ts_trace_add_piece(ts_trace *tr, otelc_batch *b, uint64_t seq)
{
    if (tr->npieces == tr->cap) {
        size_t cap = tr->cap ? tr->cap * 2 : 2;
        ts_piece *v = realloc(tr->pieces, cap * sizeof(*v));
        if (!v)
            return -1;
        tr->pieces = v;
        tr->cap = cap;
    }
    tr->pieces[tr->npieces++] = (ts_piece){b, seq};
    tr->spans += otelc_batch_spans(b);
    tr->bytes += otelc_batch_len(b);
    return 0;
}

void ts_trace_drop_pieces(ts_trace *tr)
{
    for (size_t i = 0; i < tr->npieces; i++)
        otelc_batch_unref(tr->pieces[i].b);
    tr->npieces = 0;
}
