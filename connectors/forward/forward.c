/*
 * forward.c: the forward connector. As an exporter in one pipeline it
 * hands every batch, unchanged, to the pipelines of the same signal where
 * it is a receiver, and answers its upstream when they answered: at their
 * commit (a durable queue), or when their queue-less exporters returned,
 * as any fan-out does. It holds nothing, so it has no keys and nothing to
 * flush.
 */
#include <stdlib.h>

#include <otelc/plugin.h>

typedef struct forward {
    otelc_ctx *ctx;
    const otelc_host_api *api;
} forward;

static int forward_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg,
                          void **state)
{
    (void)cfg;
    forward *f = malloc(sizeof(*f));
    if (!f)
        return -1;
    *f = (forward){.ctx = ctx, .api = api};
    *state = f;
    return 0;
}

/* The downstream pipelines' answer is this consume's: OK or RETRY or
 * REJECT now, or PENDING completing t when they commit. */
static otelc_status forward_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    forward *f = state;
    return f->api->emit_ticket(f->ctx, b, t);
}

static int forward_shutdown(void *state, int64_t deadline_ns)
{
    (void)state;
    (void)deadline_ns;
    return 0;
}

static void forward_destroy(void *state)
{
    free(state);
}

static const otelc_cfg_key forward_keys[] = {{0}};

static const otelc_connect forward_pairs[] = {
    {OTELC_TRACES, OTELC_TRACES},
    {OTELC_METRICS, OTELC_METRICS},
    {OTELC_LOGS, OTELC_LOGS},
    {0, 0},
};

static const otelc_plugin forward_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_CONNECTOR,
    .type = "forward",
    .version = "1.0.0",
    .doc = "joins pipelines of one signal: what one exports, the others receive",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = forward_keys,
    .config_size = 0,
    .create = forward_create,
    .consume = forward_consume,
    .shutdown = forward_shutdown,
    .destroy = forward_destroy,
    .connects = forward_pairs,
};

OTELC_PLUGIN(forward_plugin)
