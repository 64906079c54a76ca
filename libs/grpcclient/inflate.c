/*
 * inflate.c: reading a compressed response message. Servers answer in the
 * request's encoding (grpc-go does), so a gzip call gets a gzip answer.
 * The output is capped as it is produced.
 */
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST /* next_in is const: the input is only read */
#include <zlib.h>
#include <zstd.h>

#include "frame.h"

static int gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *got)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return -1;
    z.next_in = in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *got = cap - z.avail_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

static int unzstd(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *got)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return -1;
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {out, cap, 0};
    size_t rc = 1;
    while (ib.pos < ib.size && ob.pos < ob.size && !ZSTD_isError(rc))
        rc = ZSTD_decompressStream(d, &ob, &ib);
    ZSTD_freeDCtx(d);
    *got = ob.pos;
    return !ZSTD_isError(rc) && rc == 0 && ib.pos == ib.size ? 0 : -1;
}

int og_inflate(int enc, const uint8_t *in, size_t n, size_t limit, uint8_t **out,
               size_t *out_len)
{
    if (n > UINT32_MAX)
        return -1;
    uint8_t *buf = malloc(limit ? limit : 1);
    size_t got = 0;
    int rc = -1;
    if (buf && enc == OG_GZIP)
        rc = gunzip(in, n, buf, limit, &got);
    else if (buf && enc == OG_ZSTD)
        rc = unzstd(in, n, buf, limit, &got);
    if (rc != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = got;
    return 0;
}
