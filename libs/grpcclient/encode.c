/*
 * encode.c: the framed request body. Compression is ISA-L's igzip (gzip
 * several times faster than zlib's deflate, the same format; awss3 and
 * otlp_http do the same) or libzstd, into one growing buffer whose first
 * five bytes are kept for the gRPC prefix, so nothing is copied twice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "frame.h"

#define GZIP_LEVEL_BUF ISAL_DEF_LVL1_DEFAULT /* working memory of level 1 */

typedef struct outbuf {
    uint8_t *buf;
    size_t len, cap;
} outbuf;

static int reserve(outbuf *o, size_t want)
{
    if (o->cap - o->len >= want)
        return 0;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap - o->len < want)
        cap *= 2;
    uint8_t *p = realloc(o->buf, cap);
    if (!p)
        return -ENOMEM;
    o->buf = p;
    o->cap = cap;
    return 0;
}

static int gzip_run(struct isal_zstream *z, outbuf *o, bool last)
{
    z->end_of_stream = last;
    for (;;) {
        if (reserve(o, 16384) != 0)
            return -ENOMEM;
        size_t room = o->cap - o->len;
        z->next_out = o->buf + o->len;
        z->avail_out = (uint32_t)(room > UINT32_MAX ? UINT32_MAX : room);
        uint32_t before = z->avail_out;
        int rc = isal_deflate(z);
        o->len += before - z->avail_out;
        if (rc != COMP_OK)
            return -EIO;
        if (last ? z->internal_state.state == ZSTATE_END : z->avail_in == 0)
            return 0;
    }
}

static int gzip_all(const struct iovec *segs, size_t n, outbuf *o)
{
    struct isal_zstream *z = malloc(sizeof(*z) + GZIP_LEVEL_BUF);
    if (!z)
        return -ENOMEM;
    isal_deflate_init(z);
    z->gzip_flag = IGZIP_GZIP;
    z->level = OG_GZIP_LEVEL;
    z->level_buf = (uint8_t *)(z + 1);
    z->level_buf_size = GZIP_LEVEL_BUF;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        z->next_in = segs[i].iov_base;
        z->avail_in = (uint32_t)segs[i].iov_len; /* segments are far below 4 GiB */
        rc = segs[i].iov_len ? gzip_run(z, o, false) : 0;
    }
    if (rc == 0)
        rc = gzip_run(z, o, true);
    free(z);
    return rc;
}

static int zstd_run(ZSTD_CCtx *zc, outbuf *o, ZSTD_inBuffer *in, ZSTD_EndDirective mode)
{
    for (;;) {
        if (reserve(o, ZSTD_CStreamOutSize()) != 0)
            return -ENOMEM;
        ZSTD_outBuffer out = {o->buf + o->len, o->cap - o->len, 0};
        size_t left = ZSTD_compressStream2(zc, &out, in, mode);
        o->len += out.pos;
        if (ZSTD_isError(left))
            return -EIO;
        if (mode == ZSTD_e_end ? left == 0 : in->pos == in->size)
            return 0;
    }
}

static int zstd_all(const struct iovec *segs, size_t n, outbuf *o)
{
    ZSTD_CCtx *zc = ZSTD_createCCtx();
    if (!zc || ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, OG_ZSTD_LEVEL))) {
        ZSTD_freeCCtx(zc);
        return -ENOMEM;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ZSTD_inBuffer in = {segs[i].iov_base, segs[i].iov_len, 0};
        rc = zstd_run(zc, o, &in, ZSTD_e_continue);
    }
    ZSTD_inBuffer none = {NULL, 0, 0};
    if (rc == 0)
        rc = zstd_run(zc, o, &none, ZSTD_e_end);
    ZSTD_freeCCtx(zc);
    return rc;
}

/* The batch's segments in a malloc'd array, one slot left in front. */
static struct iovec *gather_segments(const otelc_batch *b, size_t *n)
{
    struct iovec one;
    size_t count = otelc_batch_segments(b, &one, 1);
    struct iovec *iov = malloc((count + 1) * sizeof(*iov));
    if (!iov)
        return NULL;
    *n = count ? otelc_batch_segments(b, iov + 1, count) : 0;
    return iov;
}

static int compress_body(og_compression comp, struct iovec *iov, size_t nsegs, og_body *out)
{
    outbuf o = {0};
    int rc = reserve(&o, OG_PREFIX_LEN + 4096);
    o.len = OG_PREFIX_LEN;
    if (rc == 0)
        rc = comp == OG_GZIP ? gzip_all(iov + 1, nsegs, &o) : zstd_all(iov + 1, nsegs, &o);
    if (rc == 0 && o.len - OG_PREFIX_LEN > OG_MSG_MAX)
        rc = -E2BIG;
    if (rc != 0) {
        free(o.buf);
        return rc;
    }
    og_frame_prefix_write(o.buf, true, (uint32_t)(o.len - OG_PREFIX_LEN));
    out->owned = o.buf;
    out->len = o.len;
    iov[0] = (struct iovec){o.buf, o.len};
    out->iov = iov;
    out->niov = 1;
    return 0;
}

int og_body_build(og_compression comp, otelc_batch *b, og_body *out)
{
    memset(out, 0, sizeof(*out));
    size_t nsegs = 0;
    struct iovec *iov = gather_segments(b, &nsegs);
    if (!iov)
        return -ENOMEM;
    if (comp != OG_NONE) {
        int rc = compress_body(comp, iov, nsegs, out);
        if (rc != 0)
            free(iov);
        return rc;
    }
    if (otelc_batch_len(b) > OG_MSG_MAX) {
        free(iov);
        return -E2BIG;
    }
    og_frame_prefix_write(out->prefix, false, (uint32_t)otelc_batch_len(b));
    iov[0] = (struct iovec){out->prefix, OG_PREFIX_LEN};
    out->batch = otelc_batch_ref(b);
    out->iov = iov;
    out->niov = nsegs + 1;
    out->len = OG_PREFIX_LEN + otelc_batch_len(b);
    return 0;
}

void og_body_free(og_body *body)
{
    if (body->batch)
        otelc_batch_unref(body->batch);
    free(body->owned);
    free(body->iov);
    memset(body, 0, sizeof(*body));
}

size_t og_body_next(const og_body *body, og_body_cursor *c, size_t max, const uint8_t **p)
{
    while (c->i < body->niov && c->off == body->iov[c->i].iov_len) {
        c->i++;
        c->off = 0;
    }
    if (c->i == body->niov || max == 0)
        return 0;
    const struct iovec *v = &body->iov[c->i];
    size_t take = v->iov_len - c->off;
    take = take < max ? take : max;
    *p = (const uint8_t *)v->iov_base + c->off;
    c->off += take;
    return take;
}
