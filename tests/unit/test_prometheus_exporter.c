/* The prometheus exporter on the SDK's test kit: OTLP metrics built with
 * protobuf-c go in, the scrape text comes out and is compared line by
 * line; names follow the collector's translator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <otelc/plugin.h>
#include <otelc/testkit.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "prom.h"

const otelc_plugin *otelc_plugin_entry_v1(void);

typedef Opentelemetry__Proto__Common__V1__KeyValue kv_t;
typedef Opentelemetry__Proto__Common__V1__AnyValue any_t;
typedef Opentelemetry__Proto__Metrics__V1__Metric metric_t;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint number_t;

static void test_names(void **state)
{
    char n[128];
    prom_family_name(n, sizeof(n), NULL, "http.server.request.duration", "s", PROM_HISTOGRAM,
                     true);
    assert_string_equal(n, "http_server_request_duration_seconds");
    prom_family_name(n, sizeof(n), "otelc", "calls", "{call}", PROM_COUNTER, true);
    assert_string_equal(n, "otelc_calls_total");
    prom_family_name(n, sizeof(n), NULL, "requests_total", "1", PROM_COUNTER, true);
    assert_string_equal(n, "requests_total");
    prom_family_name(n, sizeof(n), NULL, "system.cpu.utilization", "1", PROM_GAUGE, true);
    assert_string_equal(n, "system_cpu_utilization_ratio");
    prom_family_name(n, sizeof(n), NULL, "net.io", "By/s", PROM_GAUGE, true);
    assert_string_equal(n, "net_io_bytes_per_second");
    prom_family_name(n, sizeof(n), NULL, "queue.bytes", "By", PROM_GAUGE, true);
    assert_string_equal(n, "queue_bytes");
    prom_family_name(n, sizeof(n), NULL, "2xx.count", "", PROM_COUNTER, false);
    assert_string_equal(n, "_2xx_count");
    prom_label_name(n, sizeof(n), "http.method");
    assert_string_equal(n, "http_method");
    prom_label_name(n, sizeof(n), "0day");
    assert_string_equal(n, "key_0day");
    prom_label_name(n, sizeof(n), "_x");
    assert_string_equal(n, "key_x");
}

/* ---- requests ---- */

static kv_t *kv_str(const char *k, const char *v)
{
    kv_t *kv = calloc(1, sizeof(*kv));
    any_t *a = calloc(1, sizeof(*a));
    opentelemetry__proto__common__v1__key_value__init(kv);
    opentelemetry__proto__common__v1__any_value__init(a);
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    a->string_value = (char *)v;
    kv->key = (char *)k;
    kv->value = a;
    return kv;
}

static number_t *point(double v, const char *key, const char *value)
{
    number_t *p = calloc(1, sizeof(*p));
    opentelemetry__proto__metrics__v1__number_data_point__init(p);
    p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
    p->as_double = v;
    p->time_unix_nano = 1700000000000000000ull;
    if (key) {
        p->n_attributes = 1;
        p->attributes = calloc(1, sizeof(kv_t *));
        p->attributes[0] = kv_str(key, value);
    }
    return p;
}

/* One resource (service "cart", namespace "shop", instance "i-1", plus
 * host.name), one scope, the given metrics; packed and freed again. */
static otelc_batch *request(metric_t **metrics, size_t n)
{
    Opentelemetry__Proto__Resource__V1__Resource res = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
    kv_t *rattrs[] = {kv_str("service.name", "cart"), kv_str("service.namespace", "shop"),
                      kv_str("service.instance.id", "i-1"), kv_str("host.name", "h1")};
    res.n_attributes = 4;
    res.attributes = rattrs;
    Opentelemetry__Proto__Common__V1__InstrumentationScope scope =
        OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
    scope.name = "lib";
    scope.version = "1.0";
    Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm =
        OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
    sm.scope = &scope;
    sm.n_metrics = n;
    sm.metrics = metrics;
    Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sms[] = {&sm};
    Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm =
        OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
    rm.resource = &res;
    rm.n_scope_metrics = 1;
    rm.scope_metrics = sms;
    Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rms[] = {&rm};
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
    req.n_resource_metrics = 1;
    req.resource_metrics = rms;
    size_t len = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__get_packed_size(&req);
    uint8_t *buf = malloc(len);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__pack(&req, buf);
    otelc_batch *b = otelc_test_batch_of(OTELC_METRICS, buf, len, 1);
    free(buf);
    for (size_t i = 0; i < 4; i++) {
        free(rattrs[i]->value);
        free(rattrs[i]);
    }
    return b;
}

static void free_numbers(number_t **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < p[i]->n_attributes; k++) {
            free(p[i]->attributes[k]->value);
            free(p[i]->attributes[k]);
        }
        free(p[i]->attributes);
        free(p[i]);
    }
}

/* A monotonic sum, cumulative or delta, of points pts. */
static metric_t *sum_metric(Opentelemetry__Proto__Metrics__V1__Sum *s, number_t **pts, size_t n,
                            bool delta)
{
    static metric_t m;
    opentelemetry__proto__metrics__v1__metric__init(&m);
    opentelemetry__proto__metrics__v1__sum__init(s);
    m.name = "http.requests";
    m.description = "Requests served";
    m.unit = "{request}";
    m.data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
    m.sum = s;
    s->is_monotonic = true;
    s->aggregation_temporality =
        delta ? OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA
              : OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
    s->n_data_points = n;
    s->data_points = pts;
    return &m;
}

static metric_t *histogram_metric(Opentelemetry__Proto__Metrics__V1__Histogram *h,
                                  Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *d)
{
    static metric_t m;
    static double bounds[] = {0.1, 1};
    static uint64_t counts[] = {2, 3, 1};
    static Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *pts[1];
    opentelemetry__proto__metrics__v1__metric__init(&m);
    opentelemetry__proto__metrics__v1__histogram__init(h);
    opentelemetry__proto__metrics__v1__histogram_data_point__init(d);
    m.name = "rpc.duration";
    m.unit = "s";
    m.data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
    m.histogram = h;
    h->aggregation_temporality =
        OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
    d->count = 6;
    d->sum_present_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__SUM_PRESENT_SUM;
    d->sum = 2.5;
    d->n_explicit_bounds = 2;
    d->explicit_bounds = bounds;
    d->n_bucket_counts = 3;
    d->bucket_counts = counts;
    pts[0] = d;
    h->n_data_points = 1;
    h->data_points = pts;
    return &m;
}

static char *scrape(otelc_test_host *h)
{
    otelc_test_http *r = otelc_test_http_request(h, "GET", "/metrics", NULL, 0);
    assert_non_null(r);
    assert_int_equal(otelc_test_http_wait(r, 1000), 200);
    return strdup(otelc_test_http_body(r, NULL));
}

static void assert_has(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("missing \"%s\" in:\n%s", line, text);
}

static otelc_test_host *started(const char *yaml, void **st)
{
    otelc_test_host *h = otelc_test_host_new();
    if (otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "prometheus", yaml, st) != 0)
        fail_msg("create failed");
    return h;
}

static void consume_ok(otelc_test_host *h, otelc_batch *b)
{
    assert_int_equal(otelc_test_plugin_consume(h, b, NULL), OTELC_OK);
    otelc_batch_unref(b);
}

static void test_counters_histograms_and_labels(void **state)
{
    void *st;
    otelc_test_host *h = started("endpoint: 127.0.0.1:0\nconst_labels: { region: eu }", &st);
    Opentelemetry__Proto__Metrics__V1__Sum sum;
    number_t *pts[] = {point(7, "http.method", "GET"), point(2, "http.method", "PO\"ST")};
    metric_t *m = sum_metric(&sum, pts, 2, false);
    consume_ok(h, request(&m, 1));
    Opentelemetry__Proto__Metrics__V1__Histogram hist;
    Opentelemetry__Proto__Metrics__V1__HistogramDataPoint dp;
    m = histogram_metric(&hist, &dp);
    consume_ok(h, request(&m, 1));
    char *text = scrape(h);
    assert_has(text, "# HELP http_requests_total Requests served\n# TYPE http_requests_total counter\n");
    assert_has(text, "http_requests_total{http_method=\"GET\",instance=\"i-1\",job=\"shop/cart\","
                     "otel_scope_name=\"lib\",otel_scope_version=\"1.0\",region=\"eu\"} 7\n");
    assert_has(text, "http_method=\"PO\\\"ST\"");
    assert_has(text, "# TYPE rpc_duration_seconds histogram\n");
    assert_has(text, "rpc_duration_seconds_bucket{instance=\"i-1\",job=\"shop/cart\","
                     "otel_scope_name=\"lib\",otel_scope_version=\"1.0\",region=\"eu\",le=\"0.1\"} 2\n");
    assert_has(text, "le=\"1\"} 5\n");
    assert_null(strstr(text, "e+0")); /* 2.5, 6, 7: plain, as Go's client writes them */
    assert_has(text, "le=\"+Inf\"} 6\n");
    assert_has(text, "rpc_duration_seconds_sum{");
    assert_has(text, "} 2.5\n");
    assert_has(text, "rpc_duration_seconds_count{");
    assert_has(text, "target_info{host_name=\"h1\",instance=\"i-1\",job=\"shop/cart\","
                     "region=\"eu\"} 1\n");
    free(text);
    free_numbers(pts, 2);
    otelc_plugin_entry_v1()->destroy(st);
    otelc_test_host_free(h);
}

/* Delta sums add up; a cumulative one replaces; the latest cumulative
 * value is what a scrape shows. */
static void test_deltas_accumulate(void **state)
{
    void *st;
    otelc_test_host *h = started("endpoint: 127.0.0.1:0\nnamespace: app", &st);
    Opentelemetry__Proto__Metrics__V1__Sum sum;
    for (int i = 0; i < 3; i++) {
        number_t *pts[] = {point(100, NULL, NULL)};
        metric_t *m = sum_metric(&sum, pts, 1, true);
        consume_ok(h, request(&m, 1));
        free_numbers(pts, 1);
    }
    char *text = scrape(h);
    assert_has(text, "app_http_requests_total{instance=\"i-1\",job=\"shop/cart\","
                     "otel_scope_name=\"lib\",otel_scope_version=\"1.0\"} 300\n");
    free(text);
    otelc_plugin_entry_v1()->destroy(st);
    otelc_test_host_free(h);
}

/* Series not updated within metric_expiration are no longer served. */
static void test_expiration(void **state)
{
    void *st;
    otelc_test_host *h = started("endpoint: 127.0.0.1:0\nmetric_expiration: 1ms", &st);
    Opentelemetry__Proto__Metrics__V1__Sum sum;
    number_t *pts[] = {point(1, NULL, NULL)};
    metric_t *m = sum_metric(&sum, pts, 1, false);
    consume_ok(h, request(&m, 1));
    free_numbers(pts, 1);
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
    char *text = scrape(h);
    assert_null(strstr(text, "http_requests_total"));
    free(text);
    otelc_plugin_entry_v1()->destroy(st);
    otelc_test_host_free(h);
}

static void test_endpoint_required(void **state)
{
    void *st = NULL;
    otelc_test_host *h = otelc_test_host_new();
    assert_int_equal(otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "prometheus", "", &st),
                     -1);
    assert_true(otelc_test_host_config_errors(h) > 0);
    assert_null(st); /* a failed create keeps nothing */
    otelc_test_host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_counters_histograms_and_labels),
        cmocka_unit_test(test_deltas_accumulate),
        cmocka_unit_test(test_expiration),
        cmocka_unit_test(test_endpoint_required),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
