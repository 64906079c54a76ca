/*
 * prometheus.c: the collector's prometheus exporter. It keeps the latest
 * value of every series of the metrics it takes (cumulative sums and
 * histograms as they come, monotonic delta sums and delta histograms
 * added up) and serves them for scraping at GET /metrics on its own
 * endpoint, in the text exposition format, with the collector's naming
 * (unit and type suffixes), job/instance labels from service.name,
 * service.namespace and service.instance.id, a target_info series per
 * resource, and otel_scope_name/otel_scope_version labels. A series not
 * updated within metric_expiration is dropped.
 *
 * Exponential histograms have no text form (Prometheus reads them only as
 * native histograms over protobuf), and non-monotonic delta sums cannot
 * be made cumulative: both are dropped and counted, as the collector
 * drops them.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/plugin.h>
#include <otelc/sdk/clock.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "prom.h"

typedef struct prom_cfg {
    const char *endpoint;
    const char *namespace_;
    const otelc_node *const_labels;
    bool send_timestamps;
    int64_t metric_expiration_ns;
    bool resource_to_telemetry;
    bool add_metric_suffixes;
} prom_cfg;

typedef struct prom_exp {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const prom_cfg *cfg;
    prom_store *store;
    prom_labels const_labels;
    otelc_series *dropped;
    atomic_bool warned_exp_histogram;
} prom_exp;

typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;
typedef Opentelemetry__Proto__Metrics__V1__Metric pb_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint pb_number;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint pb_histogram;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint pb_summary;

/* ---- attribute values as label values ---- */

static void any_text(const pb_any *v, char *buf, size_t cap);

/* Arrays and maps as JSON-like text, as the collector's AsString. */
static void list_text(const pb_any *v, char *buf, size_t cap)
{
    bool map = v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
    size_t n = map ? v->kvlist_value->n_values : v->array_value->n_values, used = 1;
    snprintf(buf, cap, "%c", map ? '{' : '[');
    for (size_t i = 0; i < n && used < cap; i++) {
        char item[256];
        const pb_any *x = map ? v->kvlist_value->values[i]->value : v->array_value->values[i];
        any_text(x, item, sizeof(item));
        int w = map ? snprintf(buf + used, cap - used, "%s\"%s\":\"%s\"", i ? "," : "",
                               v->kvlist_value->values[i]->key, item)
                    : snprintf(buf + used, cap - used, "%s\"%s\"", i ? "," : "", item);
        used += w > 0 ? (size_t)w : 0;
    }
    if (used + 1 < cap)
        snprintf(buf + used, cap - used, "%c", map ? '}' : ']');
}

static void any_text(const pb_any *v, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!v)
        return;
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        snprintf(buf, cap, "%s", v->string_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        snprintf(buf, cap, "%s", v->bool_value ? "true" : "false");
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        snprintf(buf, cap, "%lld", (long long)v->int_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        snprintf(buf, cap, "%.17g", v->double_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
        list_text(v, buf, cap);
        break;
    default:
        break;
    }
}

static const pb_any *attr(pb_kv *const *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i]->key, key) == 0)
            return kv[i]->value;
    return NULL;
}

static int add_attrs(prom_labels *l, pb_kv *const *kv, size_t n)
{
    char value[1024];
    for (size_t i = 0; i < n; i++) {
        any_text(kv[i]->value, value, sizeof(value));
        if (prom_labels_add(l, kv[i]->key, value) != 0)
            return -1;
    }
    return 0;
}

/* ---- what a resource and a scope give every series ---- */

typedef struct context {
    prom_exp *p;
    Opentelemetry__Proto__Resource__V1__Resource *resource;
    Opentelemetry__Proto__Common__V1__InstrumentationScope *scope;
    int64_t now_ns;
    uint32_t dropped;
} context;

/* job and instance from the resource, as the collector derives them. */
static int add_job_instance(prom_labels *l, const context *c)
{
    if (!c->resource)
        return 0;
    pb_kv *const *kv = c->resource->attributes;
    size_t n = c->resource->n_attributes;
    char name[512], ns[256], inst[256];
    any_text(attr(kv, n, "service.name"), name, sizeof(name));
    any_text(attr(kv, n, "service.namespace"), ns, sizeof(ns));
    any_text(attr(kv, n, "service.instance.id"), inst, sizeof(inst));
    char job[800];
    snprintf(job, sizeof(job), "%s%s%s", ns, *ns ? "/" : "", name);
    if (*job && prom_labels_add(l, "job", job) != 0)
        return -1;
    return *inst ? prom_labels_add(l, "instance", inst) : 0;
}

/* A point's labels: its attributes, the scope's, job and instance, the
 * resource's when converted, the configured constants. */
static char *point_labels(const context *c, pb_kv *const *kv, size_t n)
{
    prom_labels l = {0};
    const prom_cfg *cfg = c->p->cfg;
    int rc = add_attrs(&l, kv, n);
    if (rc == 0 && c->scope && c->scope->name && *c->scope->name)
        rc = prom_labels_add(&l, "otel_scope_name", c->scope->name);
    if (rc == 0 && c->scope && c->scope->version && *c->scope->version)
        rc = prom_labels_add(&l, "otel_scope_version", c->scope->version);
    if (rc == 0)
        rc = add_job_instance(&l, c);
    if (rc == 0 && cfg->resource_to_telemetry && c->resource)
        rc = add_attrs(&l, c->resource->attributes, c->resource->n_attributes);
    for (size_t i = 0; rc == 0 && i < c->p->const_labels.n; i++)
        rc = prom_labels_add(&l, c->p->const_labels.items[i].name,
                             c->p->const_labels.items[i].value);
    char *text = rc == 0 ? prom_labels_text(&l) : NULL;
    prom_labels_free(&l);
    return text;
}

/* The description, else the OTLP name: a family without HELP text fails
 * `promtool check metrics`. */
static const char *help_of(const pb_metric *m)
{
    return m->description && *m->description ? m->description : m->name;
}

static int put_point(context *c, prom_point *pt)
{
    if (!pt->labels)
        return -1;
    int rc = prom_store_put(c->p->store, pt, c->now_ns);
    free(pt->labels);
    if (rc == 1)
        c->dropped++;
    return rc < 0 ? -1 : 0;
}

/* ---- metrics into points ---- */

static double number_value(const pb_number *d)
{
    return d->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT
               ? (double)d->as_int
               : d->as_double;
}

static int put_numbers(context *c, const pb_metric *m, const char *family, prom_type type,
                       bool add, pb_number *const *pts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        prom_point pt = {.family = family, .help = help_of(m), .type = type,
                         .labels = point_labels(c, pts[i]->attributes, pts[i]->n_attributes),
                         .ts_ms = (int64_t)(pts[i]->time_unix_nano / 1000000), .add = add,
                         .value = number_value(pts[i])};
        if (put_point(c, &pt) != 0)
            return -1;
    }
    return 0;
}

static int put_histograms(context *c, const pb_metric *m, const char *family, bool add)
{
    const Opentelemetry__Proto__Metrics__V1__Histogram *h = m->histogram;
    for (size_t i = 0; i < h->n_data_points; i++) {
        const pb_histogram *d = h->data_points[i];
        if (d->n_bucket_counts != d->n_explicit_bounds + 1) {
            c->dropped++; /* no buckets, or malformed: nothing to draw */
            continue;
        }
        prom_point pt = {.family = family, .help = help_of(m), .type = PROM_HISTOGRAM,
                         .labels = point_labels(c, d->attributes, d->n_attributes),
                         .ts_ms = (int64_t)(d->time_unix_nano / 1000000), .add = add,
                         .value = d->sum, .count = d->count, .bounds = d->explicit_bounds,
                         .counts = d->bucket_counts, .n = d->n_explicit_bounds};
        if (put_point(c, &pt) != 0)
            return -1;
    }
    return 0;
}

static int put_summaries(context *c, const pb_metric *m, const char *family)
{
    const Opentelemetry__Proto__Metrics__V1__Summary *s = m->summary;
    for (size_t i = 0; i < s->n_data_points; i++) {
        const pb_summary *d = s->data_points[i];
        size_t n = d->n_quantile_values;
        double *q = calloc(n + 1, sizeof(double)), *v = calloc(n + 1, sizeof(double));
        for (size_t k = 0; q && v && k < n; k++) {
            q[k] = d->quantile_values[k]->quantile;
            v[k] = d->quantile_values[k]->value;
        }
        prom_point pt = {.family = family, .help = help_of(m), .type = PROM_SUMMARY,
                         .labels = q && v ? point_labels(c, d->attributes, d->n_attributes)
                                          : NULL,
                         .ts_ms = (int64_t)(d->time_unix_nano / 1000000), .value = d->sum,
                         .count = d->count, .quantiles = q, .qvalues = v, .n = n};
        int rc = put_point(c, &pt);
        free(q);
        free(v);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static bool is_delta(int temporality)
{
    return temporality == OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA;
}

static void warn_exp_histogram(context *c, const pb_metric *m)
{
    c->dropped += (uint32_t)m->exponential_histogram->n_data_points;
    if (!atomic_exchange(&c->p->warned_exp_histogram, true))
        c->p->api->log(c->p->ctx, OTELC_LOG_WARN, "exponential histogram %s dropped: the text "
                       "format has no form for it (this warning is logged once)", m->name);
}

static int put_sum(context *c, const pb_metric *m, char *family, size_t cap)
{
    const Opentelemetry__Proto__Metrics__V1__Sum *s = m->sum;
    bool delta = is_delta(s->aggregation_temporality);
    if (delta && !s->is_monotonic) {
        c->dropped += (uint32_t)s->n_data_points; /* cannot be made cumulative */
        return 0;
    }
    prom_type t = s->is_monotonic ? PROM_COUNTER : PROM_GAUGE;
    prom_family_name(family, cap, c->p->cfg->namespace_, m->name, m->unit, t,
                     c->p->cfg->add_metric_suffixes);
    return put_numbers(c, m, family, t, delta, s->data_points, s->n_data_points);
}

static int put_metric(context *c, const pb_metric *m)
{
    char family[512];
    const prom_cfg *cfg = c->p->cfg;
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
        prom_family_name(family, sizeof(family), cfg->namespace_, m->name, m->unit, PROM_GAUGE,
                         cfg->add_metric_suffixes);
        return put_numbers(c, m, family, PROM_GAUGE, false, m->gauge->data_points,
                           m->gauge->n_data_points);
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
        return put_sum(c, m, family, sizeof(family));
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
        prom_family_name(family, sizeof(family), cfg->namespace_, m->name, m->unit,
                         PROM_HISTOGRAM, cfg->add_metric_suffixes);
        return put_histograms(c, m, family, is_delta(m->histogram->aggregation_temporality));
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
        prom_family_name(family, sizeof(family), cfg->namespace_, m->name, m->unit,
                         PROM_SUMMARY, cfg->add_metric_suffixes);
        return put_summaries(c, m, family);
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
        warn_exp_histogram(c, m);
        return 0;
    default:
        return 0;
    }
}

/* target_info: the resource's attributes other than the service ones
 * (those are job and instance), on a gauge of 1. */
static int put_target_info(context *c)
{
    if (!c->resource || c->p->cfg->resource_to_telemetry)
        return 0;
    prom_labels l = {0};
    int rc = add_job_instance(&l, c);
    size_t before = l.n;
    for (size_t i = 0; rc == 0 && i < c->resource->n_attributes; i++) {
        const pb_kv *kv = c->resource->attributes[i];
        bool service = strcmp(kv->key, "service.name") == 0 ||
                       strcmp(kv->key, "service.namespace") == 0 ||
                       strcmp(kv->key, "service.instance.id") == 0;
        if (!service)
            rc = add_attrs(&l, &c->resource->attributes[i], 1);
    }
    bool any = rc == 0 && l.n > before;
    for (size_t i = 0; rc == 0 && i < c->p->const_labels.n; i++)
        rc = prom_labels_add(&l, c->p->const_labels.items[i].name,
                             c->p->const_labels.items[i].value);
    char family[128];
    prom_family_name(family, sizeof(family), c->p->cfg->namespace_, "target_info", NULL,
                     PROM_GAUGE, false);
    prom_point pt = {.family = family, .help = "Target metadata", .type = PROM_GAUGE,
                     .labels = rc == 0 && any ? prom_labels_text(&l) : NULL, .value = 1};
    prom_labels_free(&l);
    return any ? put_point(c, &pt) : rc;
}

static int put_request(prom_exp *p, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
                       uint32_t *dropped)
{
    context c = {.p = p, .now_ns = otelc_mono_ns()};
    int rc = 0;
    for (size_t r = 0; rc == 0 && r < req->n_resource_metrics; r++) {
        const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[r];
        c.resource = rm->resource;
        rc = put_target_info(&c);
        for (size_t s = 0; rc == 0 && s < rm->n_scope_metrics; s++) {
            c.scope = rm->scope_metrics[s]->scope;
            for (size_t m = 0; rc == 0 && m < rm->scope_metrics[s]->n_metrics; m++)
                rc = put_metric(&c, rm->scope_metrics[s]->metrics[m]);
        }
    }
    *dropped = c.dropped;
    return rc;
}

static otelc_status prom_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    (void)t;
    prom_exp *p = state;
    const uint8_t *bytes = otelc_batch_flat(b);
    if (!bytes)
        return OTELC_RETRY;
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req =
        opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
            NULL, otelc_batch_len(b), bytes);
    if (!req) {
        p->api->log(p->ctx, OTELC_LOG_ERROR, "a batch that is not a metrics request: refused");
        return OTELC_REJECT;
    }
    uint32_t dropped = 0;
    int rc = put_request(p, req, &dropped);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
        req, NULL);
    if (dropped && p->dropped)
        p->api->metric_add(p->dropped, dropped);
    return rc == 0 ? OTELC_OK : OTELC_RETRY;
}

/* ---- serving ---- */

static void on_scrape(void *arg, otelc_http_req *req)
{
    prom_exp *p = arg;
    int64_t expire = p->cfg->metric_expiration_ns > 0
                         ? otelc_mono_ns() - p->cfg->metric_expiration_ns
                         : INT64_MIN;
    size_t len = 0;
    char *body = prom_store_render(p->store, expire, p->cfg->send_timestamps, &len);
    static const char *const headers[] = {"Content-Type", "text/plain; version=0.0.4; "
                                          "charset=utf-8", NULL};
    if (!body) {
        p->api->http_respond(req, 500, NULL, "out of memory\n", 14);
        return;
    }
    p->api->http_respond(req, 200, headers, body, len);
    free(body);
}

static int read_const_labels(prom_exp *p)
{
    const otelc_node *map = p->cfg->const_labels;
    const otelc_host_api *api = p->api;
    if (!map)
        return 0;
    if (api->node_kind(map) != OTELC_NODE_MAP) {
        api->config_error(p->ctx, map, "const_labels must be a map of label names to values");
        return -1;
    }
    for (size_t i = 0; i < api->node_len(map); i++) {
        const otelc_node *e = api->node_at(map, i);
        const char *v = NULL;
        if (api->node_string(p->ctx, e, &v) != 0 ||
            prom_labels_add(&p->const_labels, api->node_key(e), v) != 0)
            return -1;
    }
    return 0;
}

static void prom_destroy(void *state);

/* What create sets up once p is allocated; 0 or -1 (reported). */
static int prom_setup(prom_exp *p)
{
    const otelc_host_api *api = p->api;
    if (!p->cfg->endpoint || !*p->cfg->endpoint) {
        api->config_error(p->ctx, api->config_node(p->ctx), "endpoint is required (host:port "
                          "to serve /metrics on, e.g. 0.0.0.0:8889)");
        return -1;
    }
    if (!p->store || read_const_labels(p) != 0)
        return -1;
    const otelc_metric_desc d = {.name = "otelc_exporter_prometheus_dropped_points_total",
                                 .help = "data points with no Prometheus form (exponential "
                                         "histograms, non-monotonic delta sums) or whose family "
                                         "has another type",
                                 .type = OTELC_COUNTER};
    p->dropped = api->metric(p->ctx, &d);
    if (!otelc_host_has(api, http_serve) || api->http_serve(p->ctx, p->cfg->endpoint) != 0)
        return -1;
    return api->route(p->ctx, "GET", "/metrics", on_scrape, p);
}

/* A failed create frees what it made: the host calls destroy only after
 * a create that succeeded. */
static int prom_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    prom_exp *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    *p = (prom_exp){.ctx = ctx, .api = api, .cfg = cfgp, .store = prom_store_new()};
    if (prom_setup(p) != 0) {
        prom_destroy(p);
        return -1;
    }
    *state = p;
    return 0;
}

static int prom_shutdown(void *state, int64_t deadline_ns)
{
    (void)state;
    (void)deadline_ns;
    return 0;
}

static void prom_destroy(void *state)
{
    prom_exp *p = state;
    prom_store_free(p->store);
    prom_labels_free(&p->const_labels);
    free(p);
}

#define AT(f) offsetof(prom_cfg, f)

static const otelc_cfg_key prom_keys[] = {
    {"endpoint", OTELC_CFG_STRING, NULL, "host:port serving GET /metrics (required)",
     AT(endpoint), 0},
    {"namespace", OTELC_CFG_STRING, NULL, "prefix of every metric name", AT(namespace_), 0},
    {"const_labels", OTELC_CFG_NODE, NULL, "labels added to every series", AT(const_labels), 0},
    {"send_timestamps", OTELC_CFG_BOOL, "false", "each sample carries its point's time",
     AT(send_timestamps), 0},
    {"metric_expiration", OTELC_CFG_DURATION, "5m",
     "a series not updated this long is no longer served", AT(metric_expiration_ns), 0},
    {"resource_to_telemetry_conversion", OTELC_CFG_SECTION, NULL, "", 0, 0},
    {"resource_to_telemetry_conversion.enabled", OTELC_CFG_BOOL, "false",
     "resource attributes become labels of every series", AT(resource_to_telemetry), 0},
    {"add_metric_suffixes", OTELC_CFG_BOOL, "true", "unit and type suffixes on metric names",
     AT(add_metric_suffixes), 0},
    {"enable_open_metrics", OTELC_CFG_BOOL, NULL,
     "OpenMetrics format: not served; the text format is", 0, OTELC_KEY_IGNORED},
    {"tls", OTELC_CFG_NODE, NULL, "TLS for the endpoint", 0, OTELC_KEY_UNSUPPORTED},
    {0},
};

static const otelc_plugin prom_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "prometheus",
    .version = "1.0.0",
    .doc = "serves the metrics it takes for Prometheus to scrape",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = prom_keys,
    .config_size = sizeof(prom_cfg),
    .create = prom_create,
    .consume = prom_consume,
    .shutdown = prom_shutdown,
    .destroy = prom_destroy,
    .signals = OTELC_METRICS,
};

OTELC_PLUGIN(prom_plugin)
