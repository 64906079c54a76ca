/*
 * objdecode.c: decompress and decode stored objects.
 */
#include "objdecode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>

#include <otelc/sdk/otlp_json.h>

static bool ends_with(const char *s, size_t len, const char *tail)
{
    size_t t = strlen(tail);
    return len >= t && memcmp(s + len - t, tail, t) == 0;
}

bool awss3_object_format(const char *key, awss3_marshaler *m, awss3_compression *c)
{
    const char *slash = strrchr(key, '/');
    const char *name = slash ? slash + 1 : key;
    size_t len = strlen(key);
    if (!strstr(name, "traces_"))
        return false;
    *c = AWSS3_COMPRESS_NONE;
    if (ends_with(key, len, ".gz")) {
        *c = AWSS3_COMPRESS_GZIP;
        len -= 3;
    } else if (ends_with(key, len, ".zst")) {
        *c = AWSS3_COMPRESS_ZSTD;
        len -= 4;
    }
    if (ends_with(key, len, ".json"))
        *m = AWSS3_OTLP_JSON;
    else if (ends_with(key, len, ".binpb"))
        *m = AWSS3_OTLP_PROTO;
    else
        return false;
    return true;
}

/* A growing output buffer with a ceiling. */
typedef struct sink {
    uint8_t *buf;
    size_t len, cap, max;
} sink;

static int sink_room(sink *s, size_t want)
{
    if (s->cap - s->len >= want)
        return 0;
    if (s->len + want > s->max + 1)
        return -EFBIG;
    size_t cap = s->cap ? s->cap : 65536;
    while (cap - s->len < want)
        cap *= 2;
    cap = cap > s->max + 1 ? s->max + 1 : cap;
    uint8_t *p = realloc(s->buf, cap);
    if (!p)
        return -ENOMEM;
    s->buf = p;
    s->cap = cap;
    return 0;
}

static int gunzip(const uint8_t *in, size_t len, sink *out)
{
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -ENOMEM;
    z.next_in = in;
    z.avail_in = (uInt)len;
    int rc = 0, zr = Z_OK;
    while (rc == 0 && zr != Z_STREAM_END) {
        if ((rc = sink_room(out, 65536)) != 0)
            break;
        z.next_out = out->buf + out->len;
        z.avail_out = (uInt)(out->cap - out->len);
        uInt before = z.avail_out;
        zr = inflate(&z, Z_NO_FLUSH);
        out->len += before - z.avail_out;
        if (zr == Z_STREAM_END && z.avail_in > 0)
            zr = inflateReset(&z) == Z_OK ? Z_OK : Z_DATA_ERROR; /* another member */
        if (zr != Z_OK && zr != Z_STREAM_END)
            rc = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
        else if (zr == Z_OK && z.avail_in == 0 && before == z.avail_out)
            rc = -EBADMSG; /* truncated */
    }
    inflateEnd(&z);
    return rc == 0 && out->len > out->max ? -EFBIG : rc;
}

static int unzstd(const uint8_t *in, size_t len, sink *out)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return -ENOMEM;
    ZSTD_inBuffer ib = {in, len, 0};
    size_t left = 1;
    int rc = 0;
    while (rc == 0 && (ib.pos < ib.size || left != 0)) {
        if ((rc = sink_room(out, 65536)) != 0)
            break;
        ZSTD_outBuffer ob = {out->buf + out->len, out->cap - out->len, 0};
        size_t in_before = ib.pos;
        left = ZSTD_decompressStream(d, &ob, &ib);
        out->len += ob.pos;
        if (ZSTD_isError(left))
            rc = -EBADMSG;
        else if (ob.pos == 0 && ib.pos == in_before)
            rc = left ? -EBADMSG : 0; /* no progress: truncated, or done */
        if (rc == 0 && ib.pos == ib.size && left == 0)
            break;
    }
    ZSTD_freeDCtx(d);
    return rc == 0 && out->len > out->max ? -EFBIG : rc;
}

static int decompress(awss3_compression c, uint8_t *data, size_t len, size_t max_out,
                      uint8_t **out, size_t *out_len)
{
    if (c == AWSS3_COMPRESS_NONE) {
        if (len > max_out) {
            free(data);
            return -EFBIG;
        }
        *out = data;
        *out_len = len;
        return 0;
    }
    sink s = {NULL, 0, 0, max_out};
    int rc = c == AWSS3_COMPRESS_GZIP ? gunzip(data, len, &s) : unzstd(data, len, &s);
    free(data);
    if (rc != 0) {
        free(s.buf);
        return rc;
    }
    *out = s.buf ? s.buf : malloc(1);
    *out_len = s.len;
    return *out ? 0 : -ENOMEM;
}

int awss3_object_decode(const char *key, uint8_t *data, size_t len, size_t max_out,
                        uint8_t **out, size_t *out_len, char *err, size_t err_size)
{
    awss3_marshaler m;
    awss3_compression c;
    *out = NULL;
    snprintf(err, err_size, "%s", "");
    if (!awss3_object_format(key, &m, &c)) {
        free(data);
        snprintf(err, err_size, "not an object of this exporter");
        return -EINVAL;
    }
    uint8_t *plain;
    size_t plain_len;
    int rc = decompress(c, data, len, max_out, &plain, &plain_len);
    if (rc != 0) {
        snprintf(err, err_size, "%s", rc == -EBADMSG ? "corrupt compressed data"
                                      : rc == -EFBIG ? "too large once decompressed"
                                                     : "out of memory");
        return rc;
    }
    if (m == AWSS3_OTLP_PROTO) {
        *out = plain;
        *out_len = plain_len;
        return 0;
    }
    rc = otlp_json_read((const char *)plain, plain_len, out, out_len, err, err_size);
    free(plain);
    return rc == 0 ? 0 : rc == -ENOMEM ? -ENOMEM : -EBADMSG;
}
