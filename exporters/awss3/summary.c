/*
 * summary.c: span summaries from request bytes.
 */
#include "summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_walk.h>

static void fill(ix_span *s, const otlp_resource *r, const otlp_span *sp)
{
    memcpy(s->trace_id, sp->trace_id.ptr, 16);
    memcpy(s->span_id, sp->span_id.ptr, 8);
    memset(s->parent_id, 0, 8);
    if (sp->parent_span_id.len == 8)
        memcpy(s->parent_id, sp->parent_span_id.ptr, 8);
    s->start_ns = sp->start_time_unix_nano;
    s->end_ns = sp->end_time_unix_nano;
    s->kind = (uint8_t)(sp->kind >= 0 && sp->kind <= 5 ? sp->kind : 0);
    s->status = (uint8_t)(sp->status_code >= 0 && sp->status_code <= 2 ? sp->status_code : 0);
    if (r->service_name.ptr && r->service_name.len)
        s->service = r->service_name;
    else
        s->service = (pb_bytes){(const uint8_t *)AWSS3_UNKNOWN_SERVICE,
                                sizeof(AWSS3_UNKNOWN_SERVICE) - 1};
    s->name = sp->name;
}

/* Room for at least one more summary in *out. */
static bool grow(ix_span **out, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t cap2 = *cap ? 2 * *cap : 256;
    while (cap2 < need)
        cap2 *= 2;
    ix_span *p = realloc(*out, cap2 * sizeof(**out));
    if (!p)
        return false;
    *out = p;
    *cap = cap2;
    return true;
}

/* Walks one request, appending to *out (growing it). One pass: the
 * request is read once, which matters more than the copies a growing
 * array makes. */
static int walk(const uint8_t *buf, size_t len, ix_span **out, size_t *cap, size_t *n)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0) {
                if (sp.trace_id.len != 16 || sp.span_id.len != 8)
                    continue;
                if (!grow(out, cap, *n + 1))
                    return -ENOMEM;
                fill(&(*out)[(*n)++], &r, &sp);
            }
    return otlp_walk_error(&w);
}

/*
 * Moves the span names into the tail of the array's own block. The index
 * writer reads every name; pointing into the request, each would be a
 * cache miss on another thread, long after the walk. Here, right after
 * the walk, they are still warm. Returns the block, or NULL (spans is
 * freed) when memory ran out.
 */
static ix_span *pack_names(ix_span *spans, size_t n)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += spans[i].name.len < IX_NAME_MAX ? spans[i].name.len : IX_NAME_MAX;
    ix_span *p = realloc(spans, n * sizeof(*spans) + bytes);
    if (!p) {
        free(spans);
        return NULL;
    }
    uint8_t *at = (uint8_t *)(p + n);
    for (size_t i = 0; i < n; i++) {
        size_t len = p[i].name.len < IX_NAME_MAX ? p[i].name.len : IX_NAME_MAX;
        if (len)
            memcpy(at, p[i].name.ptr, len);
        p[i].name = (pb_bytes){len ? at : NULL, len};
        at += len;
    }
    return p;
}

int awss3_summarize(const struct iovec *segs, size_t n, ix_span **out, size_t *count)
{
    size_t bytes = 0, cap = 0, got = 0;
    for (size_t i = 0; i < n; i++)
        bytes += segs[i].iov_len;
    ix_span *spans = NULL;
    /* A span takes 100 bytes or more on the wire: rarely a second guess. */
    if (bytes && !grow(&spans, &cap, bytes / 100 + 1))
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = walk(segs[i].iov_base, segs[i].iov_len, &spans, &cap, &got);
        if (rc != OTLP_OK) {
            free(spans);
            return rc;
        }
    }
    if (got == 0) {
        free(spans);
        spans = NULL;
    } else if (!(spans = pack_names(spans, got))) {
        return -ENOMEM;
    }
    *out = spans;
    *count = got;
    return 0;
}
