/*
 * tracebuild.c: a trace's spans re-framed into a request of their own.
 */
#include "tracebuild.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_walk.h>

/* A growing byte buffer. */
typedef struct bbuf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} bbuf;

static void put(bbuf *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* Appends a length-delimited field. */
static void put_field(bbuf *b, uint32_t field, const void *data, size_t n)
{
    uint8_t head[16];
    size_t h = pb_write_varint(head, (uint64_t)field << 3 | PB_LEN);
    h += pb_write_varint(head + h, n);
    put(b, head, h);
    put(b, data, n);
}

void trace_build_init(trace_build *t, const uint8_t trace_id[16])
{
    memset(t, 0, sizeof(*t));
    memcpy(t->trace_id, trace_id, 16);
}

void trace_build_fini(trace_build *t)
{
    free(t->buf);
    free(t->seen);
    t->buf = NULL;
    t->seen = NULL;
}

static uint64_t id64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static size_t slot_of(uint64_t v, size_t mask)
{
    return (size_t)((v * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

static bool seen_grow(trace_build *t)
{
    size_t cap = t->seen_cap ? 2 * t->seen_cap : 256;
    uint64_t *s = calloc(cap, sizeof(*s));
    if (!s)
        return false;
    for (size_t i = 0; i < t->seen_cap; i++) {
        uint64_t v = t->seen[i];
        for (size_t j = slot_of(v, cap - 1); v; j = (j + 1) & (cap - 1))
            if (!s[j]) {
                s[j] = v;
                break;
            }
    }
    free(t->seen);
    t->seen = s;
    t->seen_cap = cap;
    return true;
}

/* True the first time a span id is met. */
static bool first_time(trace_build *t, const uint8_t *span_id)
{
    uint64_t v = id64(span_id);
    if (v == 0)
        return true;
    if (2 * (t->spans + 1) > t->seen_cap && !seen_grow(t)) {
        t->failed = 1;
        return false;
    }
    size_t mask = t->seen_cap - 1;
    for (size_t j = slot_of(v, mask);; j = (j + 1) & mask) {
        if (t->seen[j] == v)
            return false;
        if (!t->seen[j]) {
            t->seen[j] = v;
            return true;
        }
    }
}

/* The trace's spans of the current scope as ScopeSpans into res. */
static void add_scope(trace_build *t, otlp_walker *w, const otlp_scope *sc, bbuf *res,
                      bbuf *scope)
{
    otlp_span sp;
    size_t before = t->spans;
    scope->len = 0;
    if (sc->scope.len)
        put_field(scope, 1, sc->scope.ptr, sc->scope.len);
    while (otlp_walk_span(w, &sp) > 0) {
        if (sp.trace_id.len != 16 || memcmp(sp.trace_id.ptr, t->trace_id, 16) != 0 ||
            (sp.span_id.len == 8 && !first_time(t, sp.span_id.ptr)))
            continue;
        put_field(scope, 2, sp.raw.ptr, sp.raw.len);
        t->spans++;
    }
    if (sc->schema_url.len)
        put_field(scope, 3, sc->schema_url.ptr, sc->schema_url.len);
    if (t->spans > before)
        put_field(res, 2, scope->p, scope->len);
}

int trace_build_add(trace_build *t, const uint8_t *pb, size_t len)
{
    bbuf out = {t->buf, t->len, t->cap, false}, res = {0}, scope = {0};
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_walk_init(&w, pb, len);
    while (otlp_walk_resource(&w, &r) > 0) {
        size_t before = t->spans;
        res.len = 0;
        if (r.resource.len)
            put_field(&res, 1, r.resource.ptr, r.resource.len);
        while (otlp_walk_scope(&w, &sc) > 0)
            add_scope(t, &w, &sc, &res, &scope);
        if (r.schema_url.len)
            put_field(&res, 3, r.schema_url.ptr, r.schema_url.len);
        if (t->spans > before)
            put_field(&out, 1, res.p, res.len);
    }
    t->buf = out.p;
    t->len = out.len;
    t->cap = out.cap;
    bool oom = out.failed || res.failed || scope.failed || t->failed;
    free(res.p);
    free(scope.p);
    if (oom)
        return -ENOMEM;
    return otlp_walk_error(&w);
}
