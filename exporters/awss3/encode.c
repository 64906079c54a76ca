/*
 * encode.c: marshal and compress into one growing buffer.
 */
#include "encode.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST /* next_in is const: the input is only read */
#include <zlib.h>
#include <zstd.h>

#include <otelc/sdk/otlp_json.h>

typedef struct encoder {
    awss3_compression kind;
    z_stream z;
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

static int gzip_feed(encoder *e, const void *p, size_t n, int flush)
{
    if (n == 0 && flush == Z_NO_FLUSH)
        return 0;
    e->z.next_in = (const Bytef *)p;
    e->z.avail_in = (uInt)n; /* segments are far below 4 GiB */
    for (;;) {
        if (reserve(e, 16384) != 0)
            return -ENOMEM;
        size_t room = e->cap - e->len;
        e->z.next_out = e->buf + e->len;
        e->z.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
        uInt before = e->z.avail_out;
        int rc = deflate(&e->z, flush);
        e->len += before - e->z.avail_out;
        if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
            return -EIO;
        if (rc == Z_STREAM_END || (flush == Z_NO_FLUSH && e->z.avail_in == 0))
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
    case AWSS3_COMPRESS_GZIP: return gzip_feed(e, p, n, last ? Z_FINISH : Z_NO_FLUSH);
    case AWSS3_COMPRESS_ZSTD: return zstd_feed(e, p, n, last ? ZSTD_e_end : ZSTD_e_continue);
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

static int encoder_init(encoder *e, awss3_compression kind, size_t first_cap)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    if (kind == AWSS3_COMPRESS_GZIP &&
        deflateInit2(&e->z, AWSS3_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -ENOMEM;
    if (kind == AWSS3_COMPRESS_ZSTD) {
        e->zc = ZSTD_createCCtx();
        if (!e->zc || ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel,
                                                          AWSS3_ZSTD_LEVEL)))
            return -ENOMEM;
    }
    return reserve(e, first_cap);
}

static void encoder_fini(encoder *e)
{
    if (e->kind == AWSS3_COMPRESS_GZIP)
        deflateEnd(&e->z);
    ZSTD_freeCCtx(e->zc);
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

int s3_encode(awss3_marshaler m, awss3_compression c, const struct iovec *segs, size_t n,
              uint64_t total, uint8_t **out, size_t *out_len)
{
    encoder e;
    /* A first guess that usually avoids regrowing: JSON is about twice
     * the protobuf, compression takes most of it away. */
    size_t guess = (size_t)(c != AWSS3_COMPRESS_NONE ? total / 3 : m == AWSS3_OTLP_JSON
                                                                       ? total * 2 : total);
    int rc = encoder_init(&e, c, guess + 64);
    if (rc == 0 && m == AWSS3_OTLP_JSON)
        rc = write_json(&e, segs, n);
    for (size_t i = 0; rc == 0 && m != AWSS3_OTLP_JSON && i < n; i++)
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
