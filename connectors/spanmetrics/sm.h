/*
 * sm.h: the span_metrics connector's state, shared by its files.
 *
 * Layout of the aggregation: resources (one per distinct resource, keyed
 * by its attributes or the resource_metrics_key_attributes among them)
 * hold one series table per metric (calls, duration, events); a series is
 * keyed by its dimension values and owns its attribute blob, its count or
 * histogram, and its exemplars. Everything is guarded by sm.mu: consume
 * adds to it, the emitter's thread reads and resets it at each flush.
 */
#ifndef SPANMETRICS_SM_H
#define SPANMETRICS_SM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_walk.h>

#include "otlpmetrics/config.h"
#include "otlpmetrics/emitter.h"
#include "otlpmetrics/hist.h"
#include "otlpmetrics/pbw.h"
#include "otlpmetrics/table.h"
#include "otlpmetrics/write.h"

/* The host fills this from the key table (sm_config.c). */
typedef struct sm_cfg {
    const char *namespace_;
    const otelc_node *dimensions, *calls_dimensions;
    otelc_strlist exclude_dimensions;
    int64_t resource_metrics_cache_size;
    otelc_strlist resource_metrics_key_attributes;
    const char *aggregation_temporality;
    bool histogram_disable;
    const char *histogram_unit;
    const otelc_node *explicit_buckets;
    int64_t exponential_max_size;
    const otelc_node *histogram_dimensions;
    int64_t flush_interval_ns, expiration_ns, series_expiration_ns;
    int64_t timestamp_cache_size;
    bool exemplars_enabled;
    int64_t exemplars_max;
    bool events_enabled;
    const otelc_node *events_dimensions;
    otelc_strlist include_scope;
    int64_t cardinality_limit;
    bool sampling_method;
    int64_t max_series;
} sm_cfg;

enum sm_metric { SM_CALLS, SM_DURATION, SM_EVENTS, SM_METRICS };

typedef struct sm_series {
    otlpm_entry e;      /* key: the dimension values */
    const uint8_t *attrs;
    size_t alen;
    int64_t start_ns;   /* unix ns of its first span */
    int64_t seen_ns;    /* monotonic ns of its last span */
    uint64_t count;     /* calls, events */
    otlpm_hist *hist;   /* duration, explicit buckets */
    otlpm_expo *expo;   /* duration, exponential buckets */
    otlpm_exemplar *ex;    /* exemplars since the last flush */
    uint32_t nex;
    bool reported;      /* cumulative sums: a 0 was sent first */
    bool overflow;      /* otel.metric.overflow */
} sm_series;

typedef struct sm_resource {
    otlpm_entry e;      /* key: hash input of its (key) attributes */
    uint8_t *attrs;     /* all its attributes, as the metrics' resource */
    size_t alen;
    otlpm_table series[SM_METRICS];
    uint64_t used;      /* LRU sequence number */
    int64_t seen_ns;    /* monotonic ns of its last span */
    struct sm_resource *next_evicted;
} sm_resource;

/* The start time of the next delta point of a series: the time of its
 * last flush, remembered in a direct-mapped cache keyed by series. */
typedef struct sm_delta_ts {
    uint64_t key;
    int64_t ns;
} sm_delta_ts;

typedef struct sm {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const sm_cfg *cfg;
    /* derived from the config */
    otlpm_dims dims, calls_dims, hist_dims, event_dims;
    double *bounds;
    size_t nbounds;
    bool exponential, delta;
    double unit_ns;     /* ns per duration unit */
    char names[SM_METRICS][256];
    char instance_id[37];
    /* state, under mu */
    pthread_mutex_t mu;
    otlpm_table resources;
    sm_resource *evicted; /* left the LRU, flushed once more */
    size_t nevicted, nseries;
    uint64_t seq, rng;
    sm_delta_ts *delta_ts;
    size_t ndelta_ts;
    pbw key, scratch;
    otlp_kv *kvs;       /* resource attributes being sorted */
    size_t kvs_cap;
    otlpm_emitter *emitter;
    otelc_batch_meta meta; /* of the batch being built */
    /* own telemetry */
    otelc_series *m_overflow, *m_capped, *m_dropped_resources;
} sm;

/* sm_config.c */
extern const otelc_cfg_key sm_keys[];
int sm_config_init(sm *s);
void sm_config_free(sm *s);
bool sm_excluded(const sm *s, const char *dimension);

/* sm_tracestate.c: the span's adjusted count from an OTEP 235 threshold
 * (ot=th:...) in its tracestate; 1 and *adjusted false without one. */
uint64_t sm_adjusted_count(sm *s, pb_bytes tracestate, bool *adjusted);

/* sm_series.c */
sm_resource *sm_resource_get(sm *s, const otlp_resource *r);
/* The series of key in r's table m, created with the attributes that
 * build(arg, blob) appends when new; the overflow series once the
 * cardinality limit or max_series is reached (*limited set then). NULL
 * only if memory ran out. */
typedef void (*sm_attrs_fn)(void *arg, pbw *blob);
sm_series *sm_series_get(sm *s, sm_resource *r, enum sm_metric m, const pbw *key,
                         sm_attrs_fn build, void *arg, bool *limited);
void sm_series_add_exemplar(sm *s, sm_series *se, const otlp_span *sp, double value);
void sm_series_free(sm *s, sm_series *se);
void sm_resource_free(sm *s, sm_resource *r);
void sm_state_free(sm *s);

/* sm_aggregate.c: adds a request's spans; OTLP_OK or a walker error. */
int sm_aggregate(sm *s, const uint8_t *buf, size_t len);

/* sm_build.c: the next metrics batch (or NULL), and the state reset that
 * follows a flush (delta: everything; cumulative: exemplars, expiry). */
otelc_batch *sm_build(void *arg, bool final);

#endif /* SPANMETRICS_SM_H */
