/*
 * tk_batch.c: the kit's batches, the otelc_batch contract of plugin.h:
 * refcounted and immutable; a leaf owns one buffer, a merged batch holds
 * references to leaves (never to merged batches), so segments are always
 * leaf buffers. Plus the helpers that make a batch from a request.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/otlp_validate.h>

#include "testkit_impl.h"

typedef struct tk_batch tk_batch;
struct tk_batch {
    otelc_batch hdr; /* first: a batch pointer is a tk_batch pointer */
    atomic_long refs;
    size_t len;
    uint32_t spans;
    otelc_batch_meta meta;
    otelc_kv *pairs;       /* meta.pairs; strings copied with them */
    char transport[32];
    uint8_t *buf;          /* a leaf's bytes */
    void (*free_fn)(void *free_arg, void *buf);
    void *free_arg;
    size_t nleaves;        /* a merged batch's leaves, in order */
    tk_batch **leaves;
    _Atomic(uint8_t *) flat;
};

static atomic_long live_batches;
static const otelc_batch_ops tk_batch_ops;

static tk_batch *B(const otelc_batch *b)
{
    if (!b || b->magic != OTELC_BATCH_MAGIC || b->ops != &tk_batch_ops) {
        fprintf(stderr, "otelc testkit: not a live batch of the kit: ABI misuse\n");
        abort();
    }
    return (tk_batch *)b; /* the header is the first member */
}

long otelc_test_batches_live(void)
{
    return atomic_load(&live_batches);
}

static void free_pairs(otelc_kv *pairs, size_t n)
{
    for (size_t i = 0; pairs && i < n; i++) {
        free((void *)pairs[i].key);
        free((void *)pairs[i].value);
    }
    free(pairs);
}

/* Copies src's fields this kit knows, as far as src->struct_size says
 * the sender has them. */
static int meta_copy(tk_batch *t, const otelc_batch_meta *src)
{
    t->meta = (otelc_batch_meta){.struct_size = sizeof(otelc_batch_meta)};
    if (!src)
        return 0;
    t->meta.received_ns = src->received_ns;
    t->meta.batch_id = src->batch_id;
    t->meta.enqueued_ns = src->enqueued_ns;
    if (src->struct_size >= offsetof(otelc_batch_meta, transport) + sizeof(src->transport) &&
        src->transport && src->transport[0]) {
        snprintf(t->transport, sizeof(t->transport), "%s", src->transport);
        t->meta.transport = t->transport;
    }
    if (src->npairs == 0)
        return 0;
    t->pairs = calloc(src->npairs, sizeof(otelc_kv));
    for (size_t i = 0; t->pairs && i < src->npairs; i++) {
        t->pairs[i].key = strdup(src->pairs[i].key);
        t->pairs[i].value = strdup(src->pairs[i].value);
        t->meta.npairs = i + 1;
        if (!t->pairs[i].key || !t->pairs[i].value)
            return -1;
    }
    t->meta.pairs = t->pairs;
    return t->pairs ? 0 : -1;
}

static tk_batch *batch_new(size_t nleaves, const otelc_batch_meta *meta)
{
    tk_batch *t = calloc(1, sizeof(*t) + nleaves * sizeof(tk_batch *));
    if (!t)
        return NULL;
    if (meta_copy(t, meta) != 0) {
        free_pairs(t->pairs, t->meta.npairs);
        free(t);
        return NULL;
    }
    t->hdr.magic = OTELC_BATCH_MAGIC;
    t->hdr.ops = &tk_batch_ops;
    atomic_init(&t->refs, 1);
    atomic_init(&t->flat, NULL);
    t->leaves = nleaves ? (tk_batch **)(t + 1) : NULL;
    atomic_fetch_add(&live_batches, 1);
    return t;
}

otelc_batch *tk_batch_adopt(uint8_t *buf, size_t len, uint32_t spans,
                            void (*free_fn)(void *free_arg, void *buf), void *free_arg,
                            const otelc_batch_meta *meta)
{
    tk_batch *t = batch_new(0, meta);
    if (!t)
        return NULL;
    t->buf = buf;
    t->len = len;
    t->spans = spans;
    t->free_fn = free_fn;
    t->free_arg = free_arg;
    return &t->hdr;
}

otelc_batch *tk_batch_copy(const uint8_t *buf, size_t len, uint32_t spans,
                           const otelc_batch_meta *meta)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    if (len)
        memcpy(copy, buf, len);
    otelc_batch *b = tk_batch_adopt(copy, len, spans, NULL, NULL, meta);
    if (!b)
        free(copy);
    return b;
}

static otelc_batch *batch_ref(otelc_batch *b)
{
    atomic_fetch_add_explicit(&B(b)->refs, 1, memory_order_relaxed);
    return b;
}

static void batch_free(tk_batch *t)
{
    for (size_t i = 0; i < t->nleaves; i++)
        otelc_batch_unref(&t->leaves[i]->hdr);
    if (t->nleaves)
        free(atomic_load(&t->flat));
    else if (t->free_fn)
        t->free_fn(t->free_arg, t->buf);
    else
        free(t->buf);
    free_pairs(t->pairs, t->meta.npairs);
    t->hdr.magic = 0; /* a use after the last unref now fails in B() */
    atomic_fetch_sub(&live_batches, 1);
    free(t);
}

static void batch_unref(otelc_batch *b)
{
    tk_batch *t = B(b);
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
        batch_free(t);
}

/* A merged batch's leaves, or the batch itself as its only leaf. */
static size_t leaves_of(tk_batch *t, tk_batch *const **out)
{
    if (t->nleaves) {
        *out = t->leaves;
        return t->nleaves;
    }
    *out = NULL;
    return 1;
}

static void add_leaves(tk_batch *m, tk_batch *part)
{
    tk_batch *const *lv;
    size_t n = leaves_of(part, &lv);
    for (size_t j = 0; j < n; j++) {
        tk_batch *leaf = lv ? lv[j] : part;
        batch_ref(&leaf->hdr);
        m->leaves[m->nleaves++] = leaf;
    }
    m->len += part->len;
    m->spans += part->spans;
}

otelc_batch *tk_batch_merge(otelc_batch *const *parts, size_t n)
{
    if (n == 0)
        return NULL;
    otelc_batch_meta meta = B(parts[0])->meta;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t = B(parts[i])->meta.received_ns;
        if (t && (meta.received_ns == 0 || t < meta.received_ns))
            meta.received_ns = t;
        total += B(parts[i])->nleaves ? B(parts[i])->nleaves : 1;
    }
    tk_batch *m = batch_new(total, &meta);
    for (size_t i = 0; m && i < n; i++)
        add_leaves(m, B(parts[i]));
    return m ? &m->hdr : NULL;
}

static size_t batch_len(const otelc_batch *b)
{
    return B(b)->len;
}

static uint32_t batch_spans(const otelc_batch *b)
{
    return B(b)->spans;
}

static const otelc_batch_meta *batch_meta(const otelc_batch *b)
{
    return &B(b)->meta;
}

static size_t batch_segments(const otelc_batch *b, struct iovec *iov, size_t max)
{
    tk_batch *t = B(b);
    tk_batch *const *lv;
    size_t n = leaves_of(t, &lv);
    for (size_t i = 0; i < n && i < max; i++) {
        const tk_batch *leaf = lv ? lv[i] : t;
        iov[i] = (struct iovec){leaf->buf, leaf->len};
    }
    return n;
}

static uint8_t *gather(const tk_batch *t)
{
    uint8_t *f = malloc(t->len ? t->len : 1);
    size_t off = 0;
    for (size_t i = 0; f && i < t->nleaves; i++) {
        memcpy(f + off, t->leaves[i]->buf, t->leaves[i]->len);
        off += t->leaves[i]->len;
    }
    return f;
}

static const uint8_t *batch_flat(otelc_batch *b)
{
    tk_batch *t = B(b);
    if (t->nleaves <= 1)
        return t->nleaves ? t->leaves[0]->buf : t->buf;
    uint8_t *f = atomic_load_explicit(&t->flat, memory_order_acquire);
    if (f)
        return f;
    if (!(f = gather(t)))
        return NULL;
    uint8_t *expected = NULL;
    /* Two threads may gather at once; the loser frees its copy. */
    if (!atomic_compare_exchange_strong(&t->flat, &expected, f)) {
        free(f);
        return expected;
    }
    return f;
}

static const otelc_batch_ops tk_batch_ops = {
    .struct_size = sizeof(otelc_batch_ops),
    .ref = batch_ref,
    .unref = batch_unref,
    .len = batch_len,
    .spans = batch_spans,
    .meta = batch_meta,
    .segments = batch_segments,
    .flat = batch_flat,
};

otelc_batch *otelc_test_batch_new(const uint8_t *pb, size_t len)
{
    size_t spans = 0;
    if (otlp_validate_request(pb, len, &spans, NULL) != OTLP_OK || spans > UINT32_MAX)
        return NULL;
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .received_ns = otelc_real_ns()};
    return tk_batch_copy(pb, len, (uint32_t)spans, &meta);
}

otelc_batch *otelc_test_batch_from_json(const char *json)
{
    uint8_t *pb = NULL;
    size_t len = 0;
    if (otlp_json_read(json, strlen(json), &pb, &len, NULL, 0) != 0)
        return NULL;
    otelc_batch *b = otelc_test_batch_new(pb, len);
    free(pb);
    return b;
}

static void write_spans(FILE *f, const char *service, uint32_t spans)
{
    fprintf(f, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
               "\"value\":{\"stringValue\":\"%s\"}}]},\"scopeSpans\":[{\"scope\":"
               "{\"name\":\"otelc.testkit\"},\"spans\":[", service);
    for (uint32_t i = 0; i < spans; i++)
        fprintf(f, "%s{\"traceId\":\"%032x\",\"spanId\":\"%016x\",\"name\":\"span-%u\","
                   "\"startTimeUnixNano\":\"1700000000000000000\","
                   "\"endTimeUnixNano\":\"1700000001000000000\"}",
                i ? "," : "", i / 10 + 1, i + 1, i);
    fputs("]}]}]}", f);
}

otelc_batch *otelc_test_batch_spans(const char *service, uint32_t spans)
{
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    if (!f)
        return NULL;
    write_spans(f, service, spans);
    if (fclose(f) != 0) {
        free(json);
        return NULL;
    }
    otelc_batch *b = otelc_test_batch_from_json(json);
    free(json);
    return b;
}

char *otelc_test_batch_json(otelc_batch *b)
{
    struct otlp_buf out = {0};
    const uint8_t *pb = b ? otelc_batch_flat(b) : NULL;
    if (!pb || otlp_json_write_buf(pb, otelc_batch_len(b), &out) != 0) {
        otlp_buf_free(&out);
        return NULL;
    }
    char *json = realloc(out.data, out.len + 1); /* room for the NUL */
    if (!json) {
        otlp_buf_free(&out);
        return NULL;
    }
    json[out.len] = '\0';
    return json;
}
