/*
 * otlpenc.c: marshal and compress into one growing buffer (otlpenc.h).
 */
#include "otlpenc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <otelc/sdk/otlp_json.h>

#define GZIP_LEVEL 1
#define ZSTD_LEVEL 1

typedef struct encoder {
    otlpenc_compression kind;
    struct isal_zstream *gz; /* with its level buffer behind it */
    ZSTD_CCtx *zc;
    uint8_t *buf;
    size_t len, cap;
} encoder;

/* Makes room for at least want more bytes. */
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

/* igzip's level 1: its fastest with a hash table, about zlib level 1's
 * ratio; it needs this much working memory. */
#define GZIP_LEVEL_BUF ISAL_DEF_LVL1_DEFAULT

static int gzip_init(encoder *e)
{
    e->gz = malloc(sizeof(*e->gz) + GZIP_LEVEL_BUF);
    if (!e->gz)
        return -ENOMEM;
    isal_deflate_init(e->gz);
    e->gz->gzip_flag = IGZIP_GZIP;
    e->gz->level = GZIP_LEVEL;
    e->gz->level_buf = (uint8_t *)(e->gz + 1);
    e->gz->level_buf_size = GZIP_LEVEL_BUF;
    return 0;
}

static int gzip_feed(encoder *e, const void *p, size_t n, bool last)
{
    struct isal_zstream *z = e->gz;
    if (n == 0 && !last)
        return 0;
    z->next_in = (uint8_t *)p;            /* only read: igzip's field is not const */
    z->avail_in = (uint32_t)n;            /* segments are far below 4 GiB */
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

/* Feeds n bytes (a final call with last set flushes the compressor). */
static int feed(encoder *e, const void *p, size_t n, bool last)
{
    switch (e->kind) {
    case OTLPENC_GZIP: return gzip_feed(e, p, n, last);
    case OTLPENC_ZSTD: return zstd_feed(e, p, n, last ? ZSTD_e_end : ZSTD_e_continue);
    default:
        if (n && reserve(e, n) != 0)
            return -ENOMEM;
        if (n)
            memcpy(e->buf + e->len, p, n);
        e->len += n;
        return 0;
    }
}

static int json_sink(void *ctx, const char *p, size_t n)
{
    return feed(ctx, p, n, false);
}

static int encoder_init(encoder *e, otlpenc_compression kind, size_t first_cap)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    if (kind == OTLPENC_GZIP && gzip_init(e) != 0)
        return -ENOMEM;
    if (kind == OTLPENC_ZSTD) {
        e->zc = ZSTD_createCCtx();
        if (!e->zc || ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel,
                                                          ZSTD_LEVEL)))
            return -ENOMEM;
    }
    return reserve(e, first_cap);
}

static void encoder_fini(encoder *e)
{
    free(e->gz);
    ZSTD_freeCCtx(e->zc);
}

static int write_json(encoder *e, otelc_signal s, const struct iovec *segs, size_t n)
{
    pb_bytes *parts = malloc((n ? n : 1) * sizeof(*parts));
    if (!parts)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        parts[i] = (pb_bytes){segs[i].iov_base, segs[i].iov_len};
    int rc = otlp_json_writev_signal(s, parts, n, json_sink, e);
    free(parts);
    return rc;
}

int otlpenc_encode(otlpenc_format f, otelc_signal s, otlpenc_compression c,
                   const struct iovec *segs, size_t n, uint64_t total, uint8_t **out,
                   size_t *out_len)
{
    return otlpenc_encode_after(f, s, c, segs, n, total, 0, out, out_len);
}

int otlpenc_encode_after(otlpenc_format f, otelc_signal s, otlpenc_compression c,
                         const struct iovec *segs, size_t n, uint64_t total, size_t headroom,
                         uint8_t **out, size_t *out_len)
{
    encoder e;
    /* A first guess that usually avoids regrowing: JSON is about twice
     * the protobuf, compression takes most of it away. */
    size_t guess = (size_t)(c != OTLPENC_NONE ? total / 3 : f == OTLPENC_JSON ? total * 2 : total);
    int rc = encoder_init(&e, c, guess + headroom + 64);
    e.len = headroom;
    if (rc == 0 && f == OTLPENC_JSON)
        rc = write_json(&e, s, segs, n);
    for (size_t i = 0; rc == 0 && f != OTLPENC_JSON && i < n; i++)
        rc = feed(&e, segs[i].iov_base, segs[i].iov_len, false);
    if (rc == 0)
        rc = feed(&e, NULL, 0, true);
    encoder_fini(&e);
    if (rc != 0) {
        free(e.buf);
        *out = NULL;
        return rc;
    }
    *out = e.buf;
    *out_len = e.len;
    return 0;
}

bool otlpenc_error_is_permanent(int err)
{
    return err == -EBADMSG || err == -EILSEQ || err == -ELOOP || err == -E2BIG ||
           err == -EINVAL;
}
