/*
 * payload.c: key, bytes, plan and hashes of one batch.
 */
#include "payload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/signal.h>

#include "s3/body.h"
#include "encode.h"

/* The batch's segments in a malloc'd array; NULL if memory ran out. */
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

static int fill_bytes(s3_payload *p, const awss3_settings *s)
{
    size_t nsegs = 0;
    struct iovec *segs = gather_segments(p->batch, &nsegs);
    if (!segs)
        return -ENOMEM;
    if (p->marshaler == AWSS3_OTLP_PROTO && s->compression == AWSS3_COMPRESS_NONE) {
        p->iov = segs;
        p->niov = nsegs;
        p->len = otelc_batch_len(p->batch);
        return 0;
    }
    size_t len = 0;
    int rc = s3_encode(p->marshaler, p->signal, s->compression, segs, nsegs,
                       otelc_batch_len(p->batch), &p->owned, &len);
    free(segs);
    if (rc != 0)
        return rc;
    p->iov = malloc(sizeof(*p->iov));
    if (!p->iov)
        return -ENOMEM;
    p->iov[0] = (struct iovec){p->owned, len};
    p->niov = 1;
    p->len = len;
    return 0;
}

static int hash_parts(s3_payload *p)
{
    p->sha256 = calloc(p->plan.nparts, sizeof(*p->sha256));
    struct iovec *slice = malloc((p->niov ? p->niov : 1) * sizeof(*slice));
    int rc = p->sha256 && slice ? 0 : -ENOMEM;
    for (uint32_t i = 0; rc == 0 && i < p->plan.nparts; i++) {
        uint64_t off, len;
        s3_plan_range(&p->plan, p->len, i, &off, &len);
        size_t n = s3_iov_slice(p->iov, p->niov, off, len, slice, p->niov);
        if (n == (size_t)-1 || sigv4_payload_hash(slice, n, p->sha256[i]) != SIGV4_OK)
            rc = -EIO;
    }
    free(slice);
    return rc;
}

/* What the batch is stored as: its signal's marshaler, extension and,
 * when it differs from the configured one's, Content-Type. */
static void pick_form(s3_payload *p, const awss3_settings *s, awss3_key_layout *layout)
{
    p->signal = otelc_batch_signal(p->batch);
    p->marshaler = awss3_marshaler_for(s, p->signal);
    p->content_type = p->marshaler != s->marshaler ? awss3_content_type(p->marshaler) : NULL;
    layout->extension = awss3_extension(p->marshaler, s->compression);
    layout->signal = otelc_signal_name(p->signal);
}

int s3_payload_build(const awss3_settings *s, otelc_batch *b, awss3_identity ident,
                     s3_payload **out)
{
    awss3_key_layout layout = {s->key_prefix, s->partition_format, s->file_prefix, s->extension,
                               NULL};
    s3_payload *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->batch = otelc_batch_ref(b);
    p->spans = otelc_batch_spans(b);
    p->time_ns = ident.time_ns;
    pick_form(p, s, &layout);
    int rc = awss3_object_key(p->key, sizeof(p->key), &layout, ident) < 0 ? -ENAMETOOLONG : 0;
    if (rc == 0)
        rc = fill_bytes(p, s);
    if (rc == 0) {
        p->plan = s3_plan_parts(p->len, s->part_size);
        rc = hash_parts(p);
    }
    if (rc != 0) {
        s3_payload_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void s3_payload_free(s3_payload *p)
{
    if (!p)
        return;
    otelc_batch_unref(p->batch);
    free(p->owned);
    free(p->iov);
    free(p->sha256);
    free(p);
}

bool s3_payload_error_is_permanent(int err)
{
    return err == -EBADMSG || err == -EILSEQ || err == -ELOOP || err == -E2BIG ||
           err == -EINVAL || err == -ENAMETOOLONG;
}
