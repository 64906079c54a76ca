/*
 * ps_config.h: the probabilistic_sampler's keys (the collector's, logs
 * keys included) and their checks, and the sampling.priority attribute.
 */
#ifndef PS_CONFIG_H
#define PS_CONFIG_H

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_walk.h>

#include "decide.h"

/* What the host fills from the key table. */
typedef struct ps_cfg {
    double sampling_percentage;
    int64_t hash_seed;
    const char *mode;
    bool fail_closed;
    int64_t sampling_precision;
    const char *attribute_source;
    const char *from_attribute;
    const char *sampling_priority;
} ps_cfg;

extern const otelc_cfg_key ps_config_keys[];

/* The checked settings. */
typedef struct ps_settings {
    float percentage; /* as the collector's float32 */
    ps_mode mode;
    uint32_t seed;
    unsigned precision;
    bool fail_closed;
    /* logs: the cfg's strings (NULL when unset) */
    bool trace_id_off;             /* attribute_source: record */
    const char *from_attribute;    /* hash_seed's source without a trace id */
    const char *sampling_priority; /* the attribute holding a record's percentage */
} ps_settings;

/*
 * Checks cfg as the collector's Validate does and resolves the mode (unset:
 * hash_seed). Every error is reported with config_error at its key.
 * Returns 0, or -1 after reporting.
 */
int ps_config_read(otelc_ctx *ctx, const otelc_host_api *api, const ps_cfg *cfg,
                   ps_settings *out);

/* The span's sampling.priority attribute, read as the collector reads it
 * (an int, a double, or a string holding a number). */
ps_priority ps_span_priority(const otlp_span *sp);

#endif /* PS_CONFIG_H */
