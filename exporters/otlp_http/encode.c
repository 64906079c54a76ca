/*
 * encode.c: OTLP protobuf or OTLP/JSON (the SDK's writer), compressed
 * with ISA-L's igzip (gzip several times faster than zlib's deflate, the
 * same format; the awss3 exporter does the same) or libzstd, into one
 * growing buffer.
 */
#include "encode.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <otelc/sdk/otlp_json.h>

typedef struct encoder {
    oh_compression kind;
    struct isal_zstream *gz; /* with its level buffer behind it */
    ZSTD_CCtx *zc;
    uint8_t *buf;
    size_t len, cap;
} encoder;

static int reserve(encoder *e, size_t want)
{
    if (e->cap - e->len >= want)
        return 0;
    size_t cap = e->cap ? e->cap : 4096;
    while (cap - e->len < want)
        cap *= 2;
    uint8_t *p = realloc(e->buf, cap);
    if (!p)
        return -ENOMEM;
    e->buf = p;
    e->cap = cap;
    return 0;
}

#define GZIP_LEVEL_BUF ISAL_DEF_LVL1_DEFAULT /* working memory of level 1 */

static int gzip_init(encoder *e)
{
    e->gz = malloc(sizeof(*e->gz) + GZIP_LEVEL_BUF);
    if (!e->gz)
        return -ENOMEM;
    isal_deflate_init(e->gz);
    e->gz->gzip_flag = IGZIP_GZIP;
    e->gz->level = OH_GZIP_LEVEL;
    e->gz->level_buf = (uint8_t *)(e->gz + 1);
    e->gz->level_buf_size = GZIP_LEVEL_BUF;
    return 0;
}

static int gzip_feed(encoder *e, const void *p, size_t n, bool last)
{
    struct isal_zstream *z = e->gz;
    if (n == 0 && !last)
        return 0;
    z->next_in = (uint8_t *)p; /* only read: igzip's field is not const */
    z->avail_in = (uint32_t)n; /* segments and JSON chunks are far below 4 GiB */
    z->end_of_stream = last;
    for (;;) {
        if (reserve(e, 16384) != 0)
            return -ENOMEM;
        size_t room = e->cap - e->len;
        z->next_out = e->buf + e->len;
        z->avail_out = (uint32_t)(room > UINT32_MAX ? UINT32_MAX : room);
        uint32_t before = z->avail_out;
        int rc = isal_deflate(z);
        e->len += before - z->avail_out;
        if (rc != COMP_OK)
            return -EIO;
        if (last ? z->internal_state.state == ZSTATE_END : z->avail_in == 0)
            return 0;
    }
}

static int zstd_feed(encoder *e, const void *p, size_t n, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        if (reserve(e, ZSTD_CStreamOutSize()) != 0)
            return -ENOMEM;
        ZSTD_outBuffer out = {e->buf + e->len, e->cap - e->len, 0};
        size_t left = ZSTD_compressStream2(e->zc, &out, &in, mode);
        e->len += out.pos;
        if (ZSTD_isError(left))
            return -EIO;
        if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
            return 0;
    }
}

/* Feeds n bytes; a last call flushes the compressor. */
static int feed(encoder *e, const void *p, size_t n, bool last)
{
    if (e->kind == OH_GZIP)
        return gzip_feed(e, p, n, last);
    if (e->kind == OH_ZSTD)
        return zstd_feed(e, p, n, last ? ZSTD_e_end : ZSTD_e_continue);
    if (n && reserve(e, n) != 0)
        return -ENOMEM;
    if (n)
        memcpy(e->buf + e->len, p, n);
    e->len += n;
    return 0;
}

static int json_sink(void *ctx, const char *p, size_t n)
{
    return feed(ctx, p, n, false);
}

static int encoder_init(encoder *e, oh_compression kind, size_t first_cap)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    if (kind == OH_GZIP && gzip_init(e) != 0)
        return -ENOMEM;
    if (kind == OH_ZSTD) {
        e->zc = ZSTD_createCCtx();
        if (!e->zc ||
            ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel, OH_ZSTD_LEVEL)))
            return -ENOMEM;
    }
    return reserve(e, first_cap);
}

static int write_json(encoder *e, const struct iovec *segs, size_t n)
{
    pb_bytes *parts = malloc((n ? n : 1) * sizeof(*parts));
    if (!parts)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        parts[i] = (pb_bytes){segs[i].iov_base, segs[i].iov_len};
    int rc = otlp_json_writev(parts, n, json_sink, e);
    free(parts);
    return rc;
}

/* Encodes the segments into out->owned. */
static int encode(oh_encoding enc, oh_compression comp, const struct iovec *segs, size_t n,
                  uint64_t total, oh_body *out)
{
    encoder e;
    /* A first guess that usually avoids regrowing: JSON is about twice
     * the protobuf, compression takes most of it away. */
    size_t guess = (size_t)(comp != OH_NONE ? total / 3 : enc == OH_JSON ? total * 2 : total);
    int rc = encoder_init(&e, comp, guess + 64);
    if (rc == 0 && enc == OH_JSON)
        rc = write_json(&e, segs, n);
    for (size_t i = 0; rc == 0 && enc == OH_PROTO && i < n; i++)
        rc = feed(&e, segs[i].iov_base, segs[i].iov_len, false);
    if (rc == 0)
        rc = feed(&e, NULL, 0, true);
    free(e.gz);
    ZSTD_freeCCtx(e.zc);
    if (rc != 0) {
        free(e.buf);
        return rc;
    }
    out->owned = e.buf;
    out->len = e.len;
    return 0;
}

/* The batch's segments in a malloc'd array. */
static struct iovec *gather_segments(const otelc_batch *b, size_t *n)
{
    struct iovec one;
    size_t count = otelc_batch_segments(b, &one, 1);
    struct iovec *iov = malloc((count ? count : 1) * sizeof(*iov));
    if (!iov)
        return NULL;
    *n = count ? otelc_batch_segments(b, iov, count) : 0;
    return iov;
}

int oh_body_build(oh_encoding enc, oh_compression comp, otelc_batch *b, oh_body *out)
{
    memset(out, 0, sizeof(*out));
    size_t nsegs = 0;
    struct iovec *segs = gather_segments(b, &nsegs);
    if (!segs)
        return -ENOMEM;
    if (enc == OH_PROTO && comp == OH_NONE) {
        out->batch = otelc_batch_ref(b);
        out->iov = segs;
        out->niov = nsegs;
        out->len = otelc_batch_len(b);
        return 0;
    }
    int rc = encode(enc, comp, segs, nsegs, otelc_batch_len(b), out);
    free(segs);
    out->iov = rc == 0 ? malloc(sizeof(*out->iov)) : NULL;
    if (rc == 0 && !out->iov)
        rc = -ENOMEM;
    if (rc != 0) {
        oh_body_free(out);
        return rc;
    }
    out->iov[0] = (struct iovec){out->owned, (size_t)out->len};
    out->niov = 1;
    return 0;
}

void oh_body_free(oh_body *body)
{
    if (body->batch)
        otelc_batch_unref(body->batch);
    free(body->owned);
    free(body->iov);
    memset(body, 0, sizeof(*body));
}

bool oh_body_error_is_permanent(int err)
{
    return err == -EBADMSG || err == -EILSEQ || err == -ELOOP || err == -E2BIG;
}
