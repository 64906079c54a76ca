/*
 * ps_config.c: the probabilistic_sampler's config, checked with the
 * collector's rules and messages, and the sampling.priority attribute.
 */
#include "ps_config.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PRIORITY_TEXT 256

const otelc_cfg_key ps_config_keys[] = {
    {"sampling_percentage", OTELC_CFG_DOUBLE, "0",
     "percent of traces kept (0 keeps none, 100 or more keeps all)",
     offsetof(ps_cfg, sampling_percentage), 0},
    {"hash_seed", OTELC_CFG_INT, "0", "seed of the trace id hash (hash_seed mode)",
     offsetof(ps_cfg, hash_seed), 0},
    {"mode", OTELC_CFG_STRING, NULL, "hash_seed (the default), proportional or equalizing",
     offsetof(ps_cfg, mode), 0},
    {"fail_closed", OTELC_CFG_BOOL, "true",
     "drop spans whose sampling information is missing or inconsistent",
     offsetof(ps_cfg, fail_closed), 0},
    {"sampling_precision", OTELC_CFG_INT, "4", "hex digits of the thresholds written, 1 to 14",
     offsetof(ps_cfg, sampling_precision), 0},
    {"attribute_source", OTELC_CFG_STRING, "traceID",
     "logs: traceID or record, what hash_seed mode hashes (traces: the trace id)",
     offsetof(ps_cfg, attribute_source), 0},
    {"from_attribute", OTELC_CFG_STRING, NULL,
     "logs: the record attribute hashed without a trace id (or with attribute_source record)",
     offsetof(ps_cfg, from_attribute), 0},
    {"sampling_priority", OTELC_CFG_STRING, NULL,
     "logs: the record attribute whose number is the record's sampling percentage",
     offsetof(ps_cfg, sampling_priority), 0},
    {0},
};

static const otelc_node *key_node(otelc_ctx *ctx, const otelc_host_api *api, const char *key)
{
    return api->node_get(api->config_node(ctx), key);
}

/* The percentage as Go's float32(float64): out of float32's range is
 * infinite. */
static float to_float32(double d)
{
    if (d > FLT_MAX)
        return INFINITY;
    if (d < -FLT_MAX)
        return -INFINITY;
    return (float)d;
}

static int check_percentage(otelc_ctx *ctx, const otelc_host_api *api, double value,
                            float *out)
{
    const otelc_node *at = key_node(ctx, api, "sampling_percentage");
    float pct = to_float32(value);
    double ratio = (double)pct / 100.0;
    *out = pct;
    if (isinf(pct) || isnan(pct))
        api->config_error(ctx, at, "sampling rate is invalid: %f%%", (double)pct);
    else if (ratio < 0)
        api->config_error(ctx, at, "sampling rate is negative: %f%%", (double)pct);
    else if (ratio != 0 && ratio < 1.0 / (double)PS_MAX_ADJUSTED_COUNT)
        api->config_error(ctx, at, "sampling rate is too small: %g%%", (double)pct);
    else
        return 0;
    return -1;
}

static int check_mode(otelc_ctx *ctx, const otelc_host_api *api, const char *mode,
                      ps_mode *out)
{
    *out = PS_MODE_HASH_SEED; /* unset: the collector's default */
    if (!mode || !*mode || strcmp(mode, "hash_seed") == 0)
        return 0;
    if (strcmp(mode, "equalizing") == 0)
        *out = PS_MODE_EQUALIZING;
    else if (strcmp(mode, "proportional") == 0)
        *out = PS_MODE_PROPORTIONAL;
    else {
        api->config_error(ctx, key_node(ctx, api, "mode"),
                          "unsupported sampler mode \"%s\": use hash_seed, proportional or "
                          "equalizing", mode);
        return -1;
    }
    return 0;
}

static int check_precision(otelc_ctx *ctx, const otelc_host_api *api, int64_t prec)
{
    const otelc_node *at = key_node(ctx, api, "sampling_precision");
    if (prec == 0)
        api->config_error(ctx, at, "invalid sampling precision: 0");
    else if (prec > PS_HEX_DIGITS)
        api->config_error(ctx, at, "sampling precision is too great, should be <= 14: %lld",
                          (long long)prec);
    else if (prec < 0)
        api->config_error(ctx, at, "sampling precision must be 1 to 14: %lld", (long long)prec);
    else
        return 0;
    return -1;
}

static const char *set_or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static int check_logs_keys(otelc_ctx *ctx, const otelc_host_api *api, const ps_cfg *cfg,
                           ps_settings *out)
{
    const char *src = cfg->attribute_source;
    if (src && *src && strcmp(src, "traceID") != 0 && strcmp(src, "record") != 0) {
        api->config_error(ctx, key_node(ctx, api, "attribute_source"),
                          "invalid attribute source: %s. Expected: traceID or record", src);
        return -1;
    }
    out->trace_id_off = src && strcmp(src, "record") == 0;
    out->from_attribute = set_or_null(cfg->from_attribute);
    out->sampling_priority = set_or_null(cfg->sampling_priority);
    return 0;
}

static int check_seed(otelc_ctx *ctx, const otelc_host_api *api, int64_t seed)
{
    if (seed >= 0 && seed <= (int64_t)UINT32_MAX)
        return 0;
    api->config_error(ctx, key_node(ctx, api, "hash_seed"),
                      "hash_seed must be an unsigned 32-bit integer (0 to 4294967295)");
    return -1;
}

int ps_config_read(otelc_ctx *ctx, const otelc_host_api *api, const ps_cfg *cfg,
                   ps_settings *out)
{
    int rc = check_percentage(ctx, api, cfg->sampling_percentage, &out->percentage);
    rc |= check_mode(ctx, api, cfg->mode, &out->mode);
    rc |= check_precision(ctx, api, cfg->sampling_precision);
    rc |= check_seed(ctx, api, cfg->hash_seed);
    rc |= check_logs_keys(ctx, api, cfg, out);
    out->seed = (uint32_t)cfg->hash_seed;
    out->precision = (unsigned)cfg->sampling_precision;
    out->fail_closed = cfg->fail_closed;
    return rc ? -1 : 0;
}

/* ---- sampling.priority ---- */

static ps_priority of_number(double v)
{
    if (v == 0)
        return PS_PRIORITY_DROP;
    return v > 0 ? PS_PRIORITY_KEEP : PS_PRIORITY_DEFER; /* NaN defers */
}

/* A string as Go's strconv.ParseFloat reads it: all of it a number, no
 * blanks around, out of range an error (which defers). */
static ps_priority of_text(pb_bytes s)
{
    char buf[MAX_PRIORITY_TEXT + 1], *end;
    if (s.len == 0 || s.len > MAX_PRIORITY_TEXT)
        return PS_PRIORITY_DEFER;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    if (buf[0] == ' ' || (buf[0] >= '\t' && buf[0] <= '\r'))
        return PS_PRIORITY_DEFER;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end != '\0' || (errno == ERANGE && isinf(v)))
        return PS_PRIORITY_DEFER;
    return of_number(v);
}

ps_priority ps_span_priority(const otlp_span *sp)
{
    otlp_anyvalue v;
    if (otlp_span_attr(sp, "sampling.priority", 17, &v) <= 0)
        return PS_PRIORITY_DEFER;
    switch (v.type) {
    case OTLP_ANY_INT:
        return v.integer == 0 ? PS_PRIORITY_DROP
               : v.integer > 0 ? PS_PRIORITY_KEEP
                               : PS_PRIORITY_DEFER;
    case OTLP_ANY_DOUBLE:
        return of_number(v.number);
    case OTLP_ANY_STRING:
        return of_text(v.bytes);
    default:
        return PS_PRIORITY_DEFER;
    }
}
