/* durable_index.c: metadata partitions of FIFO rings. */
#include "durable_index.h"

#include <stdlib.h>
#include <string.h>

typedef struct part {
    uint32_t meta;
    dq_item *ring;
    size_t cap, head, n;
    uint64_t spans, bytes;
} part;

typedef struct meta_set {
    uint64_t hash;
    size_t len; /* bytes of blob: key\0value\0... */
    char *blob;
} meta_set;

struct dq_index {
    part *parts;
    size_t nparts;
    meta_set *metas; /* id i+1 is metas[i] */
    size_t nmetas;
    uint64_t count, spans, bytes, cost;
};

dq_index *dq_index_new(void)
{
    return calloc(1, sizeof(dq_index));
}

static dq_item *at(part *p, size_t i);

void dq_index_free(dq_index *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->nparts; i++) {
        part *p = &x->parts[i];
        for (size_t k = 0; k < p->n; k++)
            if (at(p, k)->hot)
                otelc_batch_unref(at(p, k)->hot);
        free(p->ring);
    }
    for (size_t i = 0; i < x->nmetas; i++)
        free(x->metas[i].blob);
    free(x->parts);
    free(x->metas);
    free(x);
}

uint64_t dq_index_drop_hot(dq_index *x)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < x->nparts; i++)
        for (size_t k = 0; k < x->parts[i].n; k++) {
            dq_item *it = at(&x->parts[i], k);
            if (it->hot) {
                otelc_batch_unref(it->hot);
                it->hot = NULL;
                bytes += it->bytes;
            }
        }
    return bytes;
}

/* ---- metadata sets ---- */

static size_t blob_len(const otelc_kv *pairs, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(pairs[i].key) + strlen(pairs[i].value) + 2;
    return len;
}

static void blob_fill(char *out, const otelc_kv *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t kl = strlen(pairs[i].key) + 1, vl = strlen(pairs[i].value) + 1;
        memcpy(out, pairs[i].key, kl);
        memcpy(out + kl, pairs[i].value, vl);
        out += kl + vl;
    }
}

static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
    return h;
}

uint32_t dq_index_meta(dq_index *x, const otelc_kv *pairs, size_t n)
{
    if (n == 0)
        return 0;
    size_t len = blob_len(pairs, n);
    char stack[512], *blob = len <= sizeof(stack) ? stack : malloc(len);
    if (!blob)
        return UINT32_MAX;
    blob_fill(blob, pairs, n);
    uint64_t h = fnv1a(blob, len);
    for (size_t i = 0; i < x->nmetas; i++) {
        meta_set *m = &x->metas[i];
        if (m->hash == h && m->len == len && memcmp(m->blob, blob, len) == 0) {
            if (blob != stack)
                free(blob);
            return (uint32_t)i + 1;
        }
    }
    meta_set *grown = realloc(x->metas, (x->nmetas + 1) * sizeof(*grown));
    char *copy = blob == stack ? malloc(len + 1) : blob;
    if (!grown || !copy) {
        if (grown)
            x->metas = grown;
        free(copy);
        return UINT32_MAX;
    }
    if (blob == stack)
        memcpy(copy, stack, len);
    x->metas = grown;
    x->metas[x->nmetas] = (meta_set){h, len, copy};
    return (uint32_t)++x->nmetas;
}

/* ---- partitions ---- */

static part *part_for(dq_index *x, uint32_t meta)
{
    for (size_t i = 0; i < x->nparts; i++)
        if (x->parts[i].meta == meta)
            return &x->parts[i];
    part *grown = realloc(x->parts, (x->nparts + 1) * sizeof(*grown));
    if (!grown)
        return NULL;
    x->parts = grown;
    x->parts[x->nparts] = (part){.meta = meta};
    return &x->parts[x->nparts++];
}

/* Capacities are powers of two: positions wrap with a mask. */
static dq_item *at(part *p, size_t i)
{
    return &p->ring[(p->head + i) & (p->cap - 1)];
}

/* Makes room for extra more items, keeping their order. */
static int reserve(part *p, size_t extra)
{
    if (p->n + extra <= p->cap)
        return 0;
    size_t cap = p->cap ? p->cap : 64;
    while (cap < p->n + extra)
        cap *= 2;
    dq_item *ring = malloc(cap * sizeof(*ring));
    if (!ring)
        return -1;
    for (size_t i = 0; i < p->n; i++)
        ring[i] = *at(p, i);
    free(p->ring);
    p->ring = ring;
    p->cap = cap;
    p->head = 0;
    return 0;
}

static void account(dq_index *x, part *p, const dq_item *it, int sign)
{
    uint64_t s = it->spans, b = it->bytes, c = it->cost;
    if (sign < 0) {
        s = -s;
        b = -b;
        c = -c;
    }
    p->spans += s;
    p->bytes += b;
    x->spans += s;
    x->bytes += b;
    x->cost += c;
    x->count += sign < 0 ? (uint64_t)-1 : 1;
}

int dq_index_push(dq_index *x, const dq_item *it)
{
    part *p = part_for(x, it->meta);
    if (!p || reserve(p, 1) != 0)
        return -1;
    *at(p, p->n++) = *it;
    account(x, p, it, 1);
    return 0;
}

int dq_index_unshift(dq_index *x, const dq_item *items, size_t n)
{
    if (n == 0)
        return 0;
    part *p = part_for(x, items[0].meta);
    if (!p || reserve(p, n) != 0)
        return -1;
    for (size_t i = n; i-- > 0;) {
        p->head = (p->head + p->cap - 1) & (p->cap - 1);
        p->n++;
        *at(p, 0) = items[i];
        account(x, p, &items[i], 1);
    }
    return 0;
}

/* ---- taking a batch ---- */

static int64_t size_of(const dq_limits *l, uint64_t spans, uint64_t bytes)
{
    return (int64_t)(l->by_bytes ? bytes : spans);
}

static bool ready(const part *p, const dq_limits *l, int64_t now, bool flush_all)
{
    if (!l->batching || flush_all)
        return true;
    if (size_of(l, p->spans, p->bytes) >= l->min_size)
        return true;
    return p->ring[p->head].due_ns <= now;
}

/* The ready partition with the oldest head, or NULL and the next due. */
static part *pick(dq_index *x, const dq_limits *l, int64_t now, bool flush_all,
                  int64_t *next_due)
{
    part *best = NULL;
    *next_due = 0;
    for (size_t i = 0; i < x->nparts; i++) {
        part *p = &x->parts[i];
        if (p->n == 0)
            continue;
        const dq_item *h = &p->ring[p->head];
        if (!ready(p, l, now, flush_all)) {
            if (*next_due == 0 || h->due_ns < *next_due)
                *next_due = h->due_ns;
        } else if (!best || h->id < best->ring[best->head].id) {
            best = p;
        }
    }
    return best;
}

/* How many head items fit the batch limits (at least one). */
static size_t run_length(part *p, const dq_limits *l)
{
    if (!l->batching)
        return 1;
    uint64_t spans = 0, bytes = 0;
    size_t n = 0;
    while (n < p->n && (l->max_items == 0 || n < l->max_items)) {
        const dq_item *it = at(p, n);
        bool over = (l->max_size > 0 &&
                     size_of(l, spans + it->spans, bytes + it->bytes) > l->max_size) ||
                    (l->max_bytes > 0 && bytes + it->bytes > l->max_bytes);
        if (over && n > 0)
            break;
        spans += it->spans;
        bytes += it->bytes;
        n++;
    }
    return n;
}

/* Why partition p (ready) may leave. */
static otelc_send_trigger trigger(const part *p, const dq_limits *l, bool flush_all)
{
    if (flush_all)
        return OTELC_SEND_FLUSH;
    if (!l->batching || size_of(l, p->spans, p->bytes) >= l->min_size)
        return OTELC_SEND_SIZE;
    return OTELC_SEND_TIMEOUT;
}

long dq_index_take(dq_index *x, const dq_limits *l, int64_t now, bool flush_all, dq_item **out,
                   int64_t *next_due, otelc_send_trigger *why)
{
    part *p = pick(x, l, now, flush_all, next_due);
    if (!p)
        return 0;
    if (why)
        *why = trigger(p, l, flush_all);
    size_t n = run_length(p, l);
    dq_item *items = malloc(n * sizeof(*items));
    if (!items)
        return -1;
    for (size_t i = 0; i < n; i++) {
        items[i] = *at(p, 0);
        p->head = (p->head + 1) & (p->cap - 1);
        p->n--;
        account(x, p, &items[i], -1);
    }
    *out = items;
    return (long)n;
}

void dq_index_stats_get(const dq_index *x, dq_index_stats *out)
{
    out->count = x->count;
    out->spans = x->spans;
    out->bytes = x->bytes;
    out->cost = x->cost;
    out->oldest_ns = 0;
    for (size_t i = 0; i < x->nparts; i++) {
        const part *p = &x->parts[i];
        int64_t t = p->n ? p->ring[p->head].committed_ns : 0;
        if (t && (out->oldest_ns == 0 || t < out->oldest_ns))
            out->oldest_ns = t;
    }
}
