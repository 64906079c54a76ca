/*
 * emit.c: a validated request becomes a batch and goes down the pipeline.
 */
#include <stdlib.h>
#include <otelc/sdk/clock.h>

#include "otlp_recv.h"

/* How long a RETRY keeps refusing without a resume(); resume() normally
 * ends it much sooner, when the first queue entries are exported. */
#define FULL_HOLD_NS (50 * 1000000LL)

bool otlp_pipeline_full(otlp_recv *r)
{
    int64_t until = atomic_load_explicit(&r->full_until_ns, memory_order_relaxed);
    if (until == 0)
        return false;
    if (otelc_mono_ns() >= until) {
        atomic_compare_exchange_strong(&r->full_until_ns, &until, 0);
        return false;
    }
    return true;
}

void otlp_count_early(otlp_recv *r)
{
    if (r->early_refusals)
        r->api->metric_add(r->early_refusals, 1);
}

otelc_status otlp_emit(otlp_recv *r, const otlp_request *req, otlp_meta *meta, otelc_done_fn done,
                       void *arg)
{
    otelc_batch_meta bm = {.struct_size = sizeof(bm), .received_ns = req->received_ns,
                           .transport = req->transport, .signal = req->signal};
    if (meta && otlp_meta_pairs(meta, &bm.pairs, &bm.npairs) != 0)
        goto out_free_buf;
    /* Adopted: the request buffer becomes the batch without a copy. */
    otelc_batch *b = r->api->batch_adopt(req->buf, req->len, req->items, NULL, NULL, &bm);
    if (!b)
        goto out_free_buf;
    otelc_status st = r->api->emit(r->ctx, b, done, arg);
    otelc_batch_unref(b);
    if (st == OTELC_RETRY && atomic_load_explicit(&r->resumes, memory_order_relaxed))
        atomic_store(&r->full_until_ns, otelc_mono_ns() + FULL_HOLD_NS);
    return st;
out_free_buf:
    free(req->buf);
    r->api->log(r->ctx, OTELC_LOG_WARN, "out of memory for a batch of %u items", req->items);
    return OTELC_RETRY;
}
