/*
 * encode.c: the framed request body: the batch's own segments behind a
 * prefix, or compressed by libs/otlpenc into one buffer whose first five
 * bytes are left for the gRPC prefix, so nothing is copied twice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "otlpenc/otlpenc.h"

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

static int compress_body(og_compression comp, struct iovec *iov, size_t nsegs, uint64_t total,
                         og_body *out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    /* Protobuf goes through as it is, whatever its signal. */
    int rc = otlpenc_encode_after(OTLPENC_PROTO, OTELC_TRACES,
                                  comp == OG_GZIP ? OTLPENC_GZIP : OTLPENC_ZSTD,
                                  iov + 1, nsegs, total, OG_PREFIX_LEN, &buf, &len);
    if (rc == 0 && len - OG_PREFIX_LEN > OG_MSG_MAX)
        rc = -E2BIG;
    if (rc != 0) {
        free(buf);
        return rc;
    }
    og_frame_prefix_write(buf, true, (uint32_t)(len - OG_PREFIX_LEN));
    out->owned = buf;
    out->len = len;
    iov[0] = (struct iovec){buf, len};
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
        int rc = compress_body(comp, iov, nsegs, otelc_batch_len(b), out);
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
