/*
 * ts_config.h: the tail_sampling processor's keys (the collector's, and
 * otelc's `storage`) and the settings create derives from them.
 */
#ifndef OTELC_TS_CONFIG_H
#define OTELC_TS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

/* Filled by the host from ts_config_keys. */
typedef struct ts_cfg {
    int64_t decision_wait_ns;
    int64_t num_traces;
    int64_t expected_new_traces_per_sec;
    int64_t sampled_cache_size;
    int64_t non_sampled_cache_size;
    bool sample_on_first_match;
    bool drop_pending_traces_on_shutdown;
    bool block_on_overflow;
    const char *sampling_strategy;
    const otelc_node *policies;
    const char *storage;
} ts_cfg;

/* `storage: none`: undecided traces in memory only, as in the collector,
 * even when every exporter downstream queues on disk. */
#define TS_STORAGE_NONE "none"

extern const otelc_cfg_key ts_config_keys[];

/* Checks cfg's values with the collector's rules (and otelc's: the
 * storage extension exists, unless `none`); 0, or -1 after config_error. */
int ts_config_check(otelc_ctx *ctx, const otelc_host_api *api, const ts_cfg *cfg);

#endif /* OTELC_TS_CONFIG_H */
