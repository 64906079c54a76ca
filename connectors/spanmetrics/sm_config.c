/*
 * sm_config.c: the span_metrics connector's keys (the collector's, with
 * its defaults) and what create derives and checks from them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sm.h"

#define AT(f) offsetof(sm_cfg, f)

const otelc_cfg_key sm_keys[] = {
    {"namespace", OTELC_CFG_STRING, "traces.span.metrics", "prefix of the metric names (a dot joins them)",
     AT(namespace_), 0},
    {"dimensions", OTELC_CFG_NODE, NULL,
     "more dimensions ({name, default}) from span, then resource attributes", AT(dimensions), 0},
    {"calls_dimensions", OTELC_CFG_NODE, NULL, "dimensions of the calls metric only",
     AT(calls_dimensions), 0},
    {"exclude_dimensions", OTELC_CFG_STRLIST, NULL, "default dimensions left out",
     AT(exclude_dimensions), 0},
    {"dimensions_cache_size", OTELC_CFG_INT, NULL,
     "deprecated by the collector: aggregation_cardinality_limit bounds series", 0,
     OTELC_KEY_IGNORED},
    {"resource_metrics_cache_size", OTELC_CFG_INT, "1000",
     "resources kept (least recently used go first)", AT(resource_metrics_cache_size), 0},
    {"resource_metrics_key_attributes", OTELC_CFG_STRLIST, NULL,
     "resource attributes that tell resources apart (empty: all)",
     AT(resource_metrics_key_attributes), 0},
    {"aggregation_temporality", OTELC_CFG_STRING, "AGGREGATION_TEMPORALITY_CUMULATIVE",
     "AGGREGATION_TEMPORALITY_CUMULATIVE or AGGREGATION_TEMPORALITY_DELTA",
     AT(aggregation_temporality), 0},
    {"histogram", OTELC_CFG_SECTION, NULL, "the duration histogram", 0, 0},
    {"histogram.disable", OTELC_CFG_BOOL, "false", "no duration metric", AT(histogram_disable),
     0},
    {"histogram.unit", OTELC_CFG_STRING, "ms", "ms or s", AT(histogram_unit), 0},
    {"histogram.explicit", OTELC_CFG_SECTION, NULL, "explicit buckets (the default)", 0, 0},
    {"histogram.explicit.buckets", OTELC_CFG_NODE, NULL,
     "bucket bounds as durations (default 2ms ... 15s)", AT(explicit_buckets), 0},
    {"histogram.exponential", OTELC_CFG_SECTION, NULL, "exponential buckets instead", 0, 0},
    {"histogram.exponential.max_size", OTELC_CFG_INT, "160", "most buckets of a histogram",
     AT(exponential_max_size), 0},
    {"histogram.dimensions", OTELC_CFG_NODE, NULL, "dimensions of the duration metric only",
     AT(histogram_dimensions), 0},
    {"metrics_flush_interval", OTELC_CFG_DURATION, "60s", "how often metrics are emitted",
     AT(flush_interval_ns), 0},
    {"metrics_expiration", OTELC_CFG_DURATION, "0s",
     "a resource without spans this long is dropped (0: never)", AT(expiration_ns), 0},
    {"series_expiration", OTELC_CFG_DURATION, "0s",
     "a series without spans this long is dropped (0: never)", AT(series_expiration_ns), 0},
    {"metric_timestamp_cache_size", OTELC_CFG_INT, "1000",
     "delta: series whose last flush time is remembered as the next start time",
     AT(timestamp_cache_size), 0},
    {"exemplars", OTELC_CFG_SECTION, NULL, "trace and span ids on data points", 0, 0},
    {"exemplars.enabled", OTELC_CFG_BOOL, "false", "attach exemplars", AT(exemplars_enabled),
     0},
    {"exemplars.max_per_data_point", OTELC_CFG_INT, "5", "exemplars per point and flush",
     AT(exemplars_max), 0},
    {"events", OTELC_CFG_SECTION, NULL, "the events metric", 0, 0},
    {"events.enabled", OTELC_CFG_BOOL, "false", "count span events", AT(events_enabled), 0},
    {"events.dimensions", OTELC_CFG_NODE, NULL, "event attributes as dimensions (required)",
     AT(events_dimensions), 0},
    {"include_instrumentation_scope", OTELC_CFG_STRLIST, NULL,
     "scope names whose name and version become dimensions", AT(include_scope), 0},
    {"aggregation_cardinality_limit", OTELC_CFG_INT, "0",
     "series per metric and resource before an overflow series (0: no limit)",
     AT(cardinality_limit), 0},
    {"add_resource_attributes", OTELC_CFG_BOOL, NULL,
     "resource attributes are always on the metrics (the collector's default)", 0,
     OTELC_KEY_IGNORED},
    {"enable_metrics_sampling_method", OTELC_CFG_BOOL, "false",
     "sampling.method dimension: extrapolated or counted", AT(sampling_method), 0},
    {"max_series", OTELC_CFG_INT, "100000",
     "otelc: series kept in all; beyond it spans go to overflow series", AT(max_series), 0},
    {0},
};

/* The collector's default buckets, in milliseconds. */
static const double default_buckets_ms[] = {2,   4,   6,    8,    10,   50,   100,   200,
                                            400, 800, 1000, 1400, 2000, 5000, 10000, 15000};

static const char *const reserved_dims[] = {"service.name", "span.kind", "status.code",
                                            "span.name"};

static int config_error(sm *s, const char *key, const char *msg)
{
    const otelc_node *at = otlpm_config_at(s->ctx, s->api, key);
    s->api->config_error(s->ctx, at ? at : s->api->config_node(s->ctx), "%s", msg);
    return -1;
}

static bool reserved(const char *name)
{
    for (size_t i = 0; i < sizeof(reserved_dims) / sizeof(reserved_dims[0]); i++)
        if (strcmp(reserved_dims[i], name) == 0)
            return true;
    return false;
}

/* The collector's check: no dimension twice, none named as a default one. */
static int check_unique(sm *s, const char *key, const otlpm_dims *d)
{
    for (size_t i = 0; i < d->n; i++) {
        bool dup = reserved(d->v[i].name);
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(d->v[i].name, d->v[j].name) == 0;
        if (dup) {
            char msg[300];
            snprintf(msg, sizeof(msg), "duplicate dimension name %s", d->v[i].name);
            return config_error(s, key, msg);
        }
    }
    return 0;
}

static int parse_dims(sm *s)
{
    const sm_cfg *c = s->cfg;
    int rc = otlpm_dims_parse(s->ctx, s->api, c->dimensions, &s->dims);
    rc |= otlpm_dims_parse(s->ctx, s->api, c->calls_dimensions, &s->calls_dims);
    rc |= otlpm_dims_parse(s->ctx, s->api, c->histogram_dimensions, &s->hist_dims);
    rc |= otlpm_dims_parse(s->ctx, s->api, c->events_dimensions, &s->event_dims);
    if (rc)
        return -1;
    rc = check_unique(s, "dimensions", &s->dims);
    if (c->events_enabled && s->event_dims.n == 0)
        rc |= config_error(s, "events", "no dimensions configured for events");
    else if (c->events_enabled)
        rc |= check_unique(s, "events.dimensions", &s->event_dims);
    return rc;
}

static int parse_histogram(sm *s)
{
    const sm_cfg *c = s->cfg;
    bool ms = strcmp(c->histogram_unit, "ms") == 0;
    if (!ms && strcmp(c->histogram_unit, "s") != 0)
        return config_error(s, "histogram.unit", "unknown unit: use ms or s");
    s->unit_ns = ms ? 1e6 : 1e9;
    s->exponential = otlpm_config_has(s->ctx, s->api, "histogram.exponential");
    if (s->exponential && otlpm_config_has(s->ctx, s->api, "histogram.explicit"))
        return config_error(s, "histogram",
                            "use either `explicit` or `exponential` buckets histogram");
    if (c->exponential_max_size < 0 || c->exponential_max_size > 16384)
        return config_error(s, "histogram.exponential.max_size", "between 1 and 16384, please");
    if (c->explicit_buckets)
        return otlpm_durations_parse(s->ctx, s->api, c->explicit_buckets, s->unit_ns, &s->bounds,
                                     &s->nbounds);
    s->nbounds = sizeof(default_buckets_ms) / sizeof(default_buckets_ms[0]);
    s->bounds = malloc(sizeof(default_buckets_ms));
    if (!s->bounds)
        return -1;
    for (size_t i = 0; i < s->nbounds; i++)
        s->bounds[i] = default_buckets_ms[i] * 1e6 / s->unit_ns;
    return 0;
}

static int parse_limits(sm *s)
{
    const sm_cfg *c = s->cfg;
    int rc = 0;
    if (c->flush_interval_ns <= 0)
        rc |= config_error(s, "metrics_flush_interval", "the flush interval must be positive");
    if (c->cardinality_limit < 0)
        rc |= config_error(s, "aggregation_cardinality_limit",
                           "invalid aggregation_cardinality_limit: the limit should be positive");
    if (c->resource_metrics_cache_size <= 0)
        rc |= config_error(s, "resource_metrics_cache_size", "the cache size must be positive");
    if (s->delta && c->timestamp_cache_size <= 0)
        rc |= config_error(s, "metric_timestamp_cache_size",
                           "invalid delta timestamp cache size: it should be positive");
    if (c->max_series <= 0)
        rc |= config_error(s, "max_series", "max_series must be positive");
    if (c->exemplars_max < 0)
        rc |= config_error(s, "exemplars.max_per_data_point", "must not be negative");
    return rc;
}

static void parse_temporality(sm *s)
{
    const char *t = s->cfg->aggregation_temporality;
    s->delta = strcmp(t, "AGGREGATION_TEMPORALITY_DELTA") == 0;
    /* The collector takes anything but DELTA as cumulative; say so. */
    if (!s->delta && strcmp(t, "AGGREGATION_TEMPORALITY_CUMULATIVE") != 0)
        s->api->log(s->ctx, OTELC_LOG_WARN,
                    "aggregation_temporality %s is not a temporality: cumulative it is", t);
}

static void metric_names(sm *s)
{
    static const char *const base[SM_METRICS] = {"calls", "duration", "events"};
    const char *ns = s->cfg->namespace_ ? s->cfg->namespace_ : "";
    for (int m = 0; m < SM_METRICS; m++)
        snprintf(s->names[m], sizeof(s->names[m]), "%s%s%s", ns, *ns ? "." : "", base[m]);
}

/* A random (version 4) UUID: the collector's instance id, which its
 * connector puts on every series as collector.instance.id. */
static void instance_id(sm *s)
{
    uint8_t u[16] = {0};
    if (getrandom(u, sizeof(u), GRND_NONBLOCK) != (ssize_t)sizeof(u))
        for (size_t i = 0; i < sizeof(u); i++)
            u[i] = (uint8_t)(((uintptr_t)s >> (i % 8)) ^ (uint64_t)i * 0x9e3779b97f4a7c15ULL);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    snprintf(s->instance_id, sizeof(s->instance_id),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    s->rng = ((uint64_t)u[0] << 56 | (uint64_t)u[9] << 8 | u[15]) | 1;
}

int sm_config_init(sm *s)
{
    parse_temporality(s);
    int rc = parse_dims(s);
    rc |= parse_histogram(s);
    rc |= parse_limits(s);
    metric_names(s);
    instance_id(s);
    return rc;
}

void sm_config_free(sm *s)
{
    otlpm_dims_free(&s->dims);
    otlpm_dims_free(&s->calls_dims);
    otlpm_dims_free(&s->hist_dims);
    otlpm_dims_free(&s->event_dims);
    free(s->bounds);
    s->bounds = NULL;
}

bool sm_excluded(const sm *s, const char *dimension)
{
    const otelc_strlist *x = &s->cfg->exclude_dimensions;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->items[i], dimension) == 0)
            return true;
    return false;
}
