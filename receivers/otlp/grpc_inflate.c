/*
 * grpc_inflate.c: gzip (zlib) and zstd decompression capped at a limit.
 */
#include "grpc_inflate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

grpc_encoding grpc_encoding_parse(const char *v, size_t n)
{
    if (n == 0 || (n == 8 && strncasecmp(v, "identity", 8) == 0))
        return GRPC_ENC_IDENTITY;
    if (n == 4 && strncasecmp(v, "gzip", 4) == 0)
        return GRPC_ENC_GZIP;
    if (n == 4 && strncasecmp(v, "zstd", 4) == 0)
        return GRPC_ENC_ZSTD;
    return GRPC_ENC_UNKNOWN;
}

/* A growing output buffer that never holds more than limit bytes. */
typedef struct outbuf {
    uint8_t *p;
    size_t len, cap, limit;
} outbuf;

/* Makes room for more output; returns the free space, 0 at the limit
 * (the caller then probes with one spare byte), or -1 without memory. */
static long outbuf_room(outbuf *o)
{
    if (o->len < o->cap)
        return (long)(o->cap - o->len);
    /* One byte past the limit tells "exactly at the limit" from "over". */
    size_t max = o->limit + 1;
    if (o->cap >= max)
        return 0;
    size_t cap = o->cap ? o->cap * 2 : 16384;
    if (cap > max)
        cap = max;
    uint8_t *p = realloc(o->p, cap);
    if (!p)
        return -1;
    o->p = p;
    o->cap = cap;
    return (long)(cap - o->len);
}

static int outbuf_finish(outbuf *o, int rc, uint8_t **out, size_t *out_len)
{
    if (rc == GRPC_INFLATE_OK && o->len > o->limit)
        rc = GRPC_INFLATE_TOO_BIG;
    if (rc != GRPC_INFLATE_OK || o->len == 0) {
        free(o->p);
        o->p = NULL;
    }
    if (rc == GRPC_INFLATE_OK) {
        *out = o->p;
        *out_len = o->len;
    }
    return rc;
}

/* Runs inflate until the input is used up; member boundaries restart it. */
static int zlib_run(z_stream *z, outbuf *o)
{
    for (;;) {
        long room = outbuf_room(o);
        if (room < 0)
            return GRPC_INFLATE_NOMEM;
        if (room == 0)
            return GRPC_INFLATE_TOO_BIG;
        z->next_out = o->p + o->len;
        z->avail_out = (uInt)(room > (long)UINT32_MAX ? UINT32_MAX : room);
        int zr = inflate(z, Z_NO_FLUSH);
        o->len = (size_t)(z->next_out - o->p);
        if (zr == Z_STREAM_END) {
            if (z->avail_in == 0)
                return GRPC_INFLATE_OK;
            if (inflateReset(z) != Z_OK)
                return GRPC_INFLATE_CORRUPT;
        } else if (zr == Z_MEM_ERROR) {
            return GRPC_INFLATE_NOMEM;
        } else if ((zr != Z_OK && zr != Z_BUF_ERROR) || (z->avail_in == 0 && z->avail_out > 0)) {
            return GRPC_INFLATE_CORRUPT; /* bad data, or input ended inside a member */
        }
    }
}

/* wbits: 16 + MAX_WBITS for gzip framing only (what "gzip" means), or
 * MAX_WBITS for the zlib wrapper (what HTTP's "deflate" means). */
static int zlib_inflate(const uint8_t *in, size_t n, int wbits, outbuf *o)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (n > UINT32_MAX)
        return GRPC_INFLATE_TOO_BIG;
    if (inflateInit2(&z, wbits) != Z_OK)
        return GRPC_INFLATE_NOMEM;
    z.next_in = (Bytef *)in; /* zlib never writes through next_in */
    z.avail_in = (uInt)n;
    int rc = n ? zlib_run(&z, o) : GRPC_INFLATE_CORRUPT;
    inflateEnd(&z);
    return rc;
}

/* A window log that covers the limit (at least the 8 MiB that high
 * compression levels use), so a frame declaring a huge window cannot make
 * the decoder allocate far past what we accept. */
static int zstd_window_log(size_t limit)
{
    int log = 23;
    while (log < 27 && ((size_t)1 << log) < limit)
        log++;
    return log;
}

static int zstd_run(ZSTD_DCtx *d, const uint8_t *in, size_t n, outbuf *o)
{
    ZSTD_inBuffer ib = {in, n, 0};
    size_t last = 1;
    while (ib.pos < ib.size || last != 0) {
        long room = outbuf_room(o);
        if (room < 0)
            return GRPC_INFLATE_NOMEM;
        if (room == 0)
            return GRPC_INFLATE_TOO_BIG;
        ZSTD_outBuffer ob = {o->p + o->len, (size_t)room, 0};
        last = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(last))
            return GRPC_INFLATE_CORRUPT;
        o->len += ob.pos;
        /* Input used up, output not full, frame unfinished: truncated. */
        if (last != 0 && ib.pos == ib.size && ob.pos < ob.size)
            return GRPC_INFLATE_CORRUPT;
    }
    return GRPC_INFLATE_OK;
}

static int zstd_inflate(const uint8_t *in, size_t n, outbuf *o)
{
    if (n == 0)
        return GRPC_INFLATE_CORRUPT;
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return GRPC_INFLATE_NOMEM;
    int rc = GRPC_INFLATE_NOMEM;
    if (!ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, zstd_window_log(o->limit))))
        rc = zstd_run(d, in, n, o);
    ZSTD_freeDCtx(d);
    return rc;
}

int grpc_inflate(grpc_encoding enc, const uint8_t *in, size_t n, size_t limit, uint8_t **out,
                 size_t *out_len)
{
    outbuf o = {NULL, 0, 0, limit};
    int rc;
    if (enc == GRPC_ENC_GZIP)
        rc = zlib_inflate(in, n, 16 + MAX_WBITS, &o);
    else if (enc == GRPC_ENC_DEFLATE)
        rc = zlib_inflate(in, n, MAX_WBITS, &o);
    else if (enc == GRPC_ENC_ZSTD)
        rc = zstd_inflate(in, n, &o);
    else
        rc = GRPC_INFLATE_CORRUPT;
    return outbuf_finish(&o, rc, out, out_len);
}
