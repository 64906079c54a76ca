/*
 * encode.c: a request's body: the batch's own protobuf segments when
 * nothing is to be done, else encoded and compressed by libs/otlpenc.
 */
#include "encode.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otlpenc/otlpenc.h"

/* Encodes the segments into out->owned. */
static int encode(oh_encoding enc, otelc_signal s, oh_compression comp,
                  const struct iovec *segs, size_t n, uint64_t total, oh_body *out)
{
    static const otlpenc_compression comps[] = {
        [OH_NONE] = OTLPENC_NONE, [OH_GZIP] = OTLPENC_GZIP, [OH_ZSTD] = OTLPENC_ZSTD};
    size_t len = 0;
    int rc = otlpenc_encode(enc == OH_JSON ? OTLPENC_JSON : OTLPENC_PROTO, s, comps[comp], segs,
                            n, total, &out->owned, &len);
    out->len = len;
    return rc;
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
    int rc = encode(enc, otelc_batch_signal(b), comp, segs, nsegs, otelc_batch_len(b), out);
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
    return otlpenc_error_is_permanent(err);
}
