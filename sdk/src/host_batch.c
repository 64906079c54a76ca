/*
 * host_batch.c: refcounted, immutable chains of byte segments: the
 * batches of the host and of the test kit (host_batch.h).
 *
 * Leaves own a buffer; merged batches reference leaves. So a segment is
 * always one leaf's buffer and a merged batch's segment list is its leaf
 * list: merging never copies bytes and never builds chains of chains.
 */
#include "host_batch.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hbatch hbatch;
struct hbatch {
    otelc_batch hdr;
    atomic_long refs;
    size_t len;
    uint32_t spans;
    otelc_batch_meta meta; /* pairs point into meta_arena */
    void *meta_arena;
    char transport[32];    /* meta.transport points here when set */
    /* A leaf: its own buffer. */
    uint8_t *buf;
    void (*free_fn)(void *free_arg, void *buf);
    void *free_arg;
    /* A merged batch: references to the leaves, in order. */
    size_t nleaves;
    hbatch **leaves;
    _Atomic(uint8_t *) flat; /* gathered copy of a merged batch, built once */
};

static atomic_long live_batches;

static const otelc_batch_ops batch_ops;

static hbatch *H(const otelc_batch *b)
{
    /* A plugin that passes something else fails here, loudly. */
    if (!b || b->magic != OTELC_BATCH_MAGIC || b->ops != &batch_ops) {
        fprintf(stderr, "otelc: not a live batch: ABI misuse\n");
        abort();
    }
    return (hbatch *)b; /* the header is the first member */
}

long otelc_hbatch_live(void)
{
    return atomic_load(&live_batches);
}

/* Copies meta and its pairs into one allocation owned by h. */
static int meta_copy(hbatch *h, const otelc_batch_meta *src)
{
    memset(&h->meta, 0, sizeof(h->meta));
    h->meta.struct_size = sizeof(h->meta);
    if (!src)
        return 0;
    h->meta.received_ns = src->received_ns;
    h->meta.batch_id = src->batch_id;
    h->meta.enqueued_ns = src->enqueued_ns;
    /* A plugin built before ABI 1.1 passes a shorter struct. */
    if (src->struct_size >= offsetof(otelc_batch_meta, transport) + sizeof(src->transport) &&
        src->transport && src->transport[0]) {
        snprintf(h->transport, sizeof(h->transport), "%s", src->transport);
        h->meta.transport = h->transport;
    }
    if (src->struct_size >= offsetof(otelc_batch_meta, signal) + sizeof(src->signal))
        h->meta.signal = src->signal; /* 0 (traces) from an older plugin */
    if (src->npairs == 0)
        return 0;
    size_t bytes = src->npairs * sizeof(otelc_kv);
    for (size_t i = 0; i < src->npairs; i++)
        bytes += strlen(src->pairs[i].key) + strlen(src->pairs[i].value) + 2;
    char *arena = malloc(bytes);
    if (!arena)
        return -1;
    otelc_kv *pairs = (otelc_kv *)(void *)arena;
    char *p = arena + src->npairs * sizeof(otelc_kv);
    for (size_t i = 0; i < src->npairs; i++) {
        size_t kl = strlen(src->pairs[i].key) + 1, vl = strlen(src->pairs[i].value) + 1;
        pairs[i].key = memcpy(p, src->pairs[i].key, kl);
        p += kl;
        pairs[i].value = memcpy(p, src->pairs[i].value, vl);
        p += vl;
    }
    h->meta_arena = arena;
    h->meta.pairs = pairs;
    h->meta.npairs = src->npairs;
    return 0;
}

static hbatch *hbatch_new(size_t nleaves)
{
    hbatch *h = calloc(1, sizeof(*h) + nleaves * sizeof(hbatch *));
    if (!h)
        return NULL;
    h->hdr.magic = OTELC_BATCH_MAGIC;
    h->hdr.ops = &batch_ops;
    atomic_init(&h->refs, 1);
    atomic_init(&h->flat, NULL);
    h->nleaves = nleaves;
    h->leaves = nleaves ? (hbatch **)(h + 1) : NULL;
    atomic_fetch_add(&live_batches, 1);
    return h;
}

otelc_batch *otelc_hbatch_adopt(uint8_t *buf, size_t len, uint32_t spans,
                         void (*free_fn)(void *free_arg, void *buf), void *free_arg,
                         const otelc_batch_meta *meta)
{
    hbatch *h = hbatch_new(0);
    if (!h)
        return NULL;
    if (meta_copy(h, meta) != 0) {
        atomic_fetch_sub(&live_batches, 1);
        free(h);
        return NULL;
    }
    h->buf = buf;
    h->len = len;
    h->spans = spans;
    h->free_fn = free_fn;
    h->free_arg = free_arg;
    return &h->hdr;
}

otelc_batch *otelc_hbatch_copy(const uint8_t *buf, size_t len, uint32_t spans,
                        const otelc_batch_meta *meta)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    if (len)
        memcpy(copy, buf, len);
    otelc_batch *b = otelc_hbatch_adopt(copy, len, spans, NULL, NULL, meta);
    if (!b)
        free(copy);
    return b;
}

static otelc_batch *ref(otelc_batch *b)
{
    atomic_fetch_add_explicit(&H(b)->refs, 1, memory_order_relaxed);
    return b;
}

static void hbatch_free(hbatch *h)
{
    if (h->nleaves) {
        for (size_t i = 0; i < h->nleaves; i++)
            otelc_batch_unref(&h->leaves[i]->hdr);
        free(atomic_load(&h->flat));
    } else if (h->free_fn) {
        h->free_fn(h->free_arg, h->buf);
    } else {
        free(h->buf);
    }
    free(h->meta_arena);
    h->hdr.magic = 0;
    atomic_fetch_sub(&live_batches, 1);
    free(h);
}

static void unref(otelc_batch *b)
{
    hbatch *h = H(b);
    if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) == 1)
        hbatch_free(h);
}

/* Leaves of b: itself for a leaf, its list for a merged batch. */
static size_t leaves_of(hbatch *h, hbatch ***out, hbatch **self)
{
    if (h->nleaves) {
        *out = h->leaves;
        return h->nleaves;
    }
    *self = h;
    *out = self;
    return 1;
}

static hbatch *merged_from(hbatch *const *parts, size_t n, const otelc_batch_meta *meta)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += parts[i]->nleaves ? parts[i]->nleaves : 1;
    hbatch *m = hbatch_new(total);
    if (!m)
        return NULL;
    if (meta_copy(m, meta) != 0) {
        m->nleaves = 0; /* nothing referenced yet */
        hbatch_free(m);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        hbatch **lv, *self;
        size_t nl = leaves_of(parts[i], &lv, &self);
        for (size_t j = 0; j < nl; j++) {
            ref(&lv[j]->hdr);
            m->leaves[k++] = lv[j];
        }
        m->len += parts[i]->len;
        m->spans += parts[i]->spans;
    }
    return m;
}

otelc_batch *otelc_hbatch_merge(otelc_batch *const *parts, size_t n)
{
    if (n == 0)
        return NULL;
    otelc_batch_meta meta = H(parts[0])->meta;
    for (size_t i = 1; i < n; i++) {
        int64_t t = H(parts[i])->meta.received_ns;
        if (t && (meta.received_ns == 0 || t < meta.received_ns))
            meta.received_ns = t;
    }
    hbatch *m = merged_from((hbatch *const *)(const void *)parts, n, &meta);
    return m ? &m->hdr : NULL;
}

otelc_batch *otelc_hbatch_with_meta(otelc_batch *b, const otelc_batch_meta *meta)
{
    hbatch *h = H(b);
    hbatch *m = merged_from(&h, 1, meta);
    return m ? &m->hdr : NULL;
}

static size_t len_of(const otelc_batch *b)
{
    return H(b)->len;
}

static uint32_t spans_of(const otelc_batch *b)
{
    return H(b)->spans;
}

static const otelc_batch_meta *meta_of(const otelc_batch *b)
{
    return &H(b)->meta;
}

static size_t segments(const otelc_batch *b, struct iovec *iov, size_t max)
{
    hbatch *h = H(b), **lv, *self;
    size_t n = leaves_of(h, &lv, &self);
    for (size_t i = 0; i < n && i < max; i++) {
        iov[i].iov_base = lv[i]->buf;
        iov[i].iov_len = lv[i]->len;
    }
    return n;
}

static const uint8_t *flat(otelc_batch *b)
{
    hbatch *h = H(b);
    if (h->nleaves == 0)
        return h->buf;
    if (h->nleaves == 1)
        return h->leaves[0]->buf;
    uint8_t *f = atomic_load_explicit(&h->flat, memory_order_acquire);
    if (f)
        return f;
    f = malloc(h->len ? h->len : 1);
    if (!f)
        return NULL;
    size_t off = 0;
    for (size_t i = 0; i < h->nleaves; i++) {
        memcpy(f + off, h->leaves[i]->buf, h->leaves[i]->len);
        off += h->leaves[i]->len;
    }
    uint8_t *expected = NULL;
    /* Two threads may gather at once; the loser frees its copy. */
    if (!atomic_compare_exchange_strong(&h->flat, &expected, f)) {
        free(f);
        return expected;
    }
    return f;
}

static const otelc_batch_ops batch_ops = {
    .struct_size = sizeof(otelc_batch_ops),
    .ref = ref,
    .unref = unref,
    .len = len_of,
    .spans = spans_of,
    .meta = meta_of,
    .segments = segments,
    .flat = flat,
};
