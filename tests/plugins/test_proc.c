/*
 * test_proc: a pass-through processor. It counts what passes in a metric
 * labelled with its instance id and hands the batch on unchanged, so tests
 * can see per-pipeline processor instances at work.
 */
#include <stdlib.h>

#include <otelc/plugin.h>

typedef struct proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    otelc_series *spans;
} proc;

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    proc *p = state;
    p->api->metric_add(p->spans, otelc_batch_spans(b));
    return p->api->emit_ticket(p->ctx, b, t);
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    proc *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->api = api;
    const char *labels[] = {"processor", api->instance_id(ctx), "pipeline", api->pipeline_id(ctx),
                            NULL};
    otelc_metric_desc d = {.name = "test_processor_spans_total",
                           .help = "Spans seen by a test processor instance.",
                           .type = OTELC_COUNTER,
                           .labels = labels};
    p->spans = api->metric(ctx, &d);
    if (!p->spans) {
        free(p);
        return -1;
    }
    *state = p;
    return 0;
}

static int shutdown(void *state, int64_t deadline_ns)
{
    return 0;
}

static void destroy(void *state)
{
    free(state);
}

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "testproc",
    .version = "1.0.0",
    .doc = "passes batches on and counts their spans",
    .config_keys = (const otelc_cfg_key[]){{0}},
    .config_size = 0,
    .create = create,
    .consume = consume,
    .shutdown = shutdown,
    .destroy = destroy,
};

OTELC_PLUGIN(desc)
