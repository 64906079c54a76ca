/*
 * debug: the collector's debug exporter, for traces, metrics and logs.
 * Writes what it receives to stderr as text: a summary per batch (basic),
 * a line per span, data point or log record (normal), or every field
 * (detailed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <otelc/plugin.h>

#include "text.h"

typedef struct debug_cfg {
    const char *verbosity;
} debug_cfg;

typedef struct debug_exp {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    enum debug_verbosity verbosity;
} debug_exp;

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    debug_exp *d = state;
    const uint8_t *bytes = otelc_batch_flat(b);
    if (!bytes)
        return OTELC_RETRY;
    struct otlp_buf out = {0};
    int rc = debug_render(otelc_batch_signal(b), bytes, otelc_batch_len(b), d->verbosity, &out);
    if (rc == -1) {
        otlp_buf_free(&out);
        return OTELC_RETRY;
    }
    if (rc < 0) {
        d->api->log(d->ctx, OTELC_LOG_ERROR, "malformed batch: %d", rc);
        otlp_buf_free(&out);
        return OTELC_REJECT;
    }
    /* One write per batch keeps batches from interleaving on stderr. */
    size_t off = 0;
    while (off < out.len) {
        ssize_t n = write(STDERR_FILENO, out.data + off, out.len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    otlp_buf_free(&out);
    return OTELC_OK;
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    const debug_cfg *cfg = cfgp;
    static const char *const names[] = {"basic", "normal", "detailed"};
    int v = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(cfg->verbosity, names[i]) == 0)
            v = i;
    if (v < 0) {
        api->config_error(ctx, api->node_get(api->config_node(ctx), "verbosity"),
                          "verbosity must be basic, normal or detailed");
        return -1;
    }
    debug_exp *d = calloc(1, sizeof(*d));
    if (!d)
        return -1;
    d->ctx = ctx;
    d->api = api;
    d->verbosity = (enum debug_verbosity)v;
    *state = d;
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

static const otelc_cfg_key keys[] = {
    {"verbosity", OTELC_CFG_STRING, "basic", "basic, normal or detailed",
     offsetof(debug_cfg, verbosity), 0},
    {"sampling_initial", OTELC_CFG_INT, NULL, "log sampling: otelc writes every batch", 0,
     OTELC_KEY_IGNORED},
    {"sampling_thereafter", OTELC_CFG_INT, NULL, "log sampling: otelc writes every batch", 0,
     OTELC_KEY_IGNORED},
    {"use_internal_logger", OTELC_CFG_BOOL, NULL, "otelc always writes to stderr", 0,
     OTELC_KEY_IGNORED},
    {0},
};

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "debug",
    .version = "1.0.0",
    .doc = "writes received traces, metrics and logs to stderr as text",
    .config_keys = keys,
    .config_size = sizeof(debug_cfg),
    .create = create,
    .consume = consume,
    .shutdown = shutdown,
    .destroy = destroy,
    .signals = OTELC_ALL_SIGNALS,
};

OTELC_PLUGIN(desc)
