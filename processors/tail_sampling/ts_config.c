/*
 * ts_config.c: the tail_sampling key table and its checks.
 */
#include "ts_config.h"

#include <string.h>

const otelc_cfg_key ts_config_keys[] = {
    {"decision_wait", OTELC_CFG_DURATION, "30s",
     "wait from a trace's first span to its decision", offsetof(ts_cfg, decision_wait_ns), 0},
    {"num_traces", OTELC_CFG_INT, "50000",
     "traces kept in memory; past it the oldest is decided early",
     offsetof(ts_cfg, num_traces), 0},
    {"expected_new_traces_per_sec", OTELC_CFG_INT, "0", "sizes the trace table at start",
     offsetof(ts_cfg, expected_new_traces_per_sec), 0},
    {"decision_cache", OTELC_CFG_SECTION, NULL, "remembered decisions, for late spans", 0, 0},
    {"decision_cache.sampled_cache_size", OTELC_CFG_INT, "0",
     "trace ids of sampled traces remembered (0: none)",
     offsetof(ts_cfg, sampled_cache_size), 0},
    {"decision_cache.non_sampled_cache_size", OTELC_CFG_INT, "0",
     "trace ids of traces not sampled remembered (0: none)",
     offsetof(ts_cfg, non_sampled_cache_size), 0},
    {"sample_on_first_match", OTELC_CFG_BOOL, "false",
     "stop evaluating at the first policy that samples",
     offsetof(ts_cfg, sample_on_first_match), 0},
    {"drop_pending_traces_on_shutdown", OTELC_CFG_BOOL, "false",
     "at shutdown, drop undecided traces instead of deciding (or keeping) them",
     offsetof(ts_cfg, drop_pending_traces_on_shutdown), 0},
    {"block_on_overflow", OTELC_CFG_BOOL, "false",
     "at num_traces, refuse new traces (RETRY) instead of deciding the oldest early",
     offsetof(ts_cfg, block_on_overflow), 0},
    {"sampling_strategy", OTELC_CFG_STRING, "trace-complete",
     "trace-complete (span-ingest is not supported yet)", offsetof(ts_cfg, sampling_strategy),
     0},
    {"policies", OTELC_CFG_NODE, NULL, "the sampling policies", offsetof(ts_cfg, policies), 0},
    {"storage", OTELC_CFG_STRING, NULL,
     "otelc: a file_storage extension keeping undecided traces on disk; absent: the one "
     "every exporter downstream queues in, if any; none: memory only",
     offsetof(ts_cfg, storage), 0},
    {"decision_wait_after_root_received", OTELC_CFG_DURATION, NULL, NULL, 0,
     OTELC_KEY_UNSUPPORTED},
    {"maximum_trace_size_bytes", OTELC_CFG_INT, NULL, NULL, 0, OTELC_KEY_UNSUPPORTED},
    {0},
};

static const otelc_node *key_node(otelc_ctx *ctx, const otelc_host_api *api, const char *key)
{
    return api->node_get(api->config_node(ctx), key);
}

static int check_storage(otelc_ctx *ctx, const otelc_host_api *api, const char *id)
{
    void *state;
    if (!id || !*id || strcmp(id, TS_STORAGE_NONE) == 0)
        return 0;
    if (api->service_lookup(ctx, OTELC_SERVICE_STORAGE, id, &state))
        return 0;
    api->config_error(ctx, key_node(ctx, api, "storage"),
                      "storage '%s' is not a storage extension of service.extensions", id);
    return -1;
}

int ts_config_check(otelc_ctx *ctx, const otelc_host_api *api, const ts_cfg *cfg)
{
    int rc = 0;
    if (cfg->decision_wait_ns <= 0) {
        api->config_error(ctx, key_node(ctx, api, "decision_wait"),
                          "decision_wait must be greater than 0");
        rc = -1;
    }
    if (cfg->num_traces <= 0) {
        api->config_error(ctx, key_node(ctx, api, "num_traces"),
                          "num_traces must be greater than 0");
        rc = -1;
    }
    if (cfg->sampled_cache_size < 0 || cfg->non_sampled_cache_size < 0) {
        api->config_error(ctx, key_node(ctx, api, "decision_cache"),
                          "cache sizes cannot be negative");
        rc = -1;
    }
    const char *s = cfg->sampling_strategy;
    if (s && strcmp(s, "trace-complete") != 0) {
        api->config_error(ctx, key_node(ctx, api, "sampling_strategy"), "%s",
                          strcmp(s, "span-ingest") == 0
                              ? "sampling_strategy span-ingest is not supported yet"
                              : "sampling_strategy must be trace-complete or span-ingest");
        rc = -1;
    }
    return rc | check_storage(ctx, api, cfg->storage);
}
