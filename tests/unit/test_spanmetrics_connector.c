/*
 * The span_metrics connector on the SDK's test kit: spans of known shape
 * go in as OTLP/JSON, the flush is called by the test, and the emitted
 * requests are decoded with protobuf-c and compared value by value: call
 * counts, bucket counts, dimension values, delta and cumulative
 * temporality, expiry, the cardinality limit and the hard cap, exemplars,
 * events, adjusted counts, refused emits and the config checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <otelc/sdk/clock.h>
#include <otelc/testkit.h>

#include "metrics_decode.h"

const otelc_plugin *otelc_plugin_entry_v1(void);

#define MS 1000000ull
#define CALLS "traces.span.metrics.calls"
#define DURATION "traces.span.metrics.duration"

static otelc_test_host *h;
static void *st;
static long live_before; /* batches alive before the test, if one failed */

/* ---- spans as OTLP/JSON ---- */

/* One span: id tells its trace and span ids apart; extra is more JSON
 * fields ("attributes":[...], "events":[...], "traceState":"..."). The
 * text lives in a ring of buffers, long enough for one request. */
static char *span(int id, const char *name, int kind, int status, uint64_t ms,
                  const char *extra)
{
    static char ring[128][2048];
    static size_t next;
    char *s = ring[next++ % 128];
    snprintf(s, 2048,
             "{\"traceId\":\"0102030405060708090a0b0c0d0e%04x\",\"spanId\":\"00000000%08x\","
             "\"name\":\"%s\",\"kind\":%d,\"startTimeUnixNano\":\"1000000000\","
             "\"endTimeUnixNano\":\"%llu\",\"status\":{\"code\":%d}%s%s}",
             id, id, name, kind, (unsigned long long)(1000000000ull + ms * MS), status,
             extra ? "," : "", extra ? extra : "");
    return s;
}

/* A request of one resource (service, plus resource_extra attributes as
 * JSON) and one scope holding spans (NULL-terminated). */
static otelc_batch *request(const char *service, const char *resource_extra, const char *scope,
                            char **spans)
{
    char *json = malloc(65536);
    int n = snprintf(json, 65536,
                     "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
                     "\"value\":{\"stringValue\":\"%s\"}}%s%s]},\"scopeSpans\":[{\"scope\":"
                     "{\"name\":\"%s\",\"version\":\"1.0\"},\"spans\":[",
                     service, resource_extra ? "," : "", resource_extra ? resource_extra : "",
                     scope ? scope : "lib");
    for (size_t i = 0; spans[i]; i++) {
        n += snprintf(json + n, 65536 - (size_t)n, "%s%s", i ? "," : "", spans[i]);
    }
    snprintf(json + n, 65536 - (size_t)n, "]}]}]}");
    otelc_batch *b = otelc_test_batch_from_json(json);
    assert_non_null(b);
    free(json);
    return b;
}

static void consume(otelc_batch *b)
{
    assert_int_equal(otelc_test_plugin_consume(h, b, NULL), OTELC_OK);
    otelc_batch_unref(b);
}

static void make(const char *yaml)
{
    live_before = otelc_test_batches_live();
    h = otelc_test_host_new();
    int rc = otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "span_metrics", yaml, &st);
    if (rc != 0)
        fail_msg("create: %s", otelc_test_host_last_error(h));
}

static void flush(void)
{
    otelc_plugin_entry_v1()->flush(st, otelc_mono_ns() + 2000000000);
}

static void finish(void)
{
    otelc_plugin_entry_v1()->shutdown(st, otelc_mono_ns() + 2000000000);
    otelc_plugin_entry_v1()->destroy(st);
    assert_int_equal(otelc_test_host_check(h), 0);
    otelc_test_host_free(h);
    assert_int_equal(otelc_test_batches_live(), live_before);
}

/* The latest emitted request, decoded. */
static md_req *last(void)
{
    size_t n = otelc_test_emitted_count(h);
    assert_true(n > 0);
    md_req *r = md_decode(h, n - 1);
    assert_non_null(r);
    return r;
}

static int64_t calls(md_req *r, const char *const *match)
{
    md_number *p = md_sum_point(md_metric_named(r, CALLS), match, NULL);
    assert_non_null(p);
    return p->as_int;
}

/* ---- counts, buckets, dimensions ---- */

static void shop_spans(void)
{
    char *s[] = {span(1, "GET /cart", 2, 0, 1, NULL),  span(2, "GET /cart", 2, 0, 3, NULL),
                 span(3, "GET /cart", 2, 0, 3, NULL),  span(4, "GET /cart", 2, 0, 60, NULL),
                 span(5, "GET /cart", 2, 2, 500, NULL), span(6, "SELECT", 3, 0, 12, NULL),
                 NULL};
    consume(request("cart", "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h1\"}}", NULL,
                    s));
}

static void test_counts_and_buckets(void **state)
{
    (void)state;
    make("metrics_flush_interval: 1h");
    shop_spans();
    flush();
    md_req *r = last();
    const char *ok[] = {"span.name", "GET /cart", "status.code", "STATUS_CODE_UNSET", NULL};
    /* a new cumulative counter reports 0 first, as the collector's does */
    assert_int_equal(calls(r, ok), 0);
    md_metric *d = md_metric_named(r, DURATION);
    assert_string_equal(d->unit, "ms");
    assert_int_equal(d->histogram->aggregation_temporality, 2);
    md_hist *hp = md_hist_point(d, ok, NULL);
    assert_int_equal(hp->count, 4);
    assert_true(hp->sum > 66.999 && hp->sum < 67.001);
    static const double bounds[] = {2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400,
                                    2000, 5000, 10000, 15000};
    assert_int_equal(hp->n_explicit_bounds, 16);
    assert_memory_equal(hp->explicit_bounds, bounds, sizeof(bounds));
    static const uint64_t buckets[17] = {1, 2, 0, 0, 0, 0, 1};
    assert_int_equal(hp->n_bucket_counts, 17);
    assert_memory_equal(hp->bucket_counts, buckets, sizeof(buckets));
    md_free(r);
    flush();
    r = last();
    const char *err[] = {"status.code", "STATUS_CODE_ERROR", "span.kind", "SPAN_KIND_SERVER",
                         NULL};
    const char *sel[] = {"span.name", "SELECT", "span.kind", "SPAN_KIND_CLIENT", NULL};
    assert_int_equal(calls(r, ok), 4);
    assert_int_equal(calls(r, err), 1);
    assert_int_equal(calls(r, sel), 1);
    md_metric *c = md_metric_named(r, CALLS);
    assert_int_equal(md_points(c), 3);
    assert_true(c->sum->is_monotonic);
    assert_int_equal(c->sum->aggregation_temporality, 2);
    md_number *p = md_sum_point(c, ok, NULL);
    assert_string_equal(md_attr(p->attributes, p->n_attributes, "service.name"), "cart");
    assert_int_equal(strlen(md_attr(p->attributes, p->n_attributes, "collector.instance.id")),
                     36);
    assert_true(p->start_time_unix_nano > 0 && p->start_time_unix_nano <= p->time_unix_nano);
    md_resource *rm = r->resource_metrics[0];
    assert_string_equal(md_attr(rm->resource->attributes, rm->resource->n_attributes,
                                "host.name"),
                        "h1");
    assert_string_equal(rm->scope_metrics[0]->scope->name, "spanmetricsconnector");
    md_free(r);
    finish();
}

static void test_dimensions(void **state)
{
    (void)state;
    make("dimensions:\n  - name: http.method\n    default: GET\n  - name: region\n"
         "  - name: host.name\n  - name: http.status_code\n"
         "calls_dimensions:\n  - name: http.route\n"
         "histogram:\n  dimensions:\n    - name: peer\n"
         "exclude_dimensions: [status.code]\n");
    char *s[] = {span(1, "a", 2, 0, 5,
                      "\"attributes\":[{\"key\":\"http.method\",\"value\":{\"stringValue\":\"POST\"}},"
                      "{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/a\"}},"
                      "{\"key\":\"peer\",\"value\":{\"stringValue\":\"p1\"}},"
                      "{\"key\":\"http.status_code\",\"value\":{\"intValue\":\"200\"}}]"),
                 span(2, "a", 2, 0, 5, NULL), NULL};
    consume(request("cart", "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h1\"}}", NULL,
                    s));
    flush();
    flush();
    md_req *r = last();
    const char *post[] = {"http.method", "POST", "host.name", "h1", "http.route", "/a",
                          "http.status_code", "200", "status.code", NULL, "region", NULL, NULL};
    const char *dflt[] = {"http.method", "GET", "host.name", "h1", "http.route", NULL,
                          "http.status_code", NULL, NULL};
    assert_int_equal(calls(r, post), 1);
    assert_int_equal(calls(r, dflt), 1);
    md_metric *d = md_metric_named(r, DURATION);
    const char *peer[] = {"peer", "p1", "http.route", NULL, "http.method", "POST", NULL};
    const char *nopeer[] = {"peer", NULL, "http.method", "GET", NULL};
    assert_non_null(md_hist_point(d, peer, NULL));
    assert_non_null(md_hist_point(d, nopeer, NULL));
    md_number *p = md_sum_point(md_metric_named(r, CALLS), post, NULL);
    /* an int attribute stays an int */
    for (size_t i = 0; i < p->n_attributes; i++)
        if (strcmp(p->attributes[i]->key, "http.status_code") == 0)
            assert_int_equal(p->attributes[i]->value->value_case,
                             OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE);
    md_free(r);
    finish();
}

static void test_delta(void **state)
{
    (void)state;
    make("aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA");
    char *s1[] = {span(1, "a", 2, 0, 5, NULL), span(2, "a", 2, 0, 7, NULL), NULL};
    consume(request("svc", NULL, NULL, s1));
    flush();
    md_req *r = last();
    const char *a[] = {"span.name", "a", NULL};
    md_metric *c = md_metric_named(r, CALLS);
    assert_int_equal(c->sum->aggregation_temporality, 1);
    assert_int_equal(calls(r, a), 2); /* delta counts are never held back */
    uint64_t first_time = md_sum_point(c, a, NULL)->time_unix_nano;
    md_free(r);
    flush(); /* nothing new: nothing sent */
    assert_int_equal(otelc_test_emitted_count(h), 1);
    char *s2[] = {span(3, "a", 2, 0, 5, NULL), NULL};
    consume(request("svc", NULL, NULL, s2));
    flush();
    r = last();
    md_number *p = md_sum_point(md_metric_named(r, CALLS), a, NULL);
    assert_int_equal(p->as_int, 1);
    assert_int_equal(p->start_time_unix_nano, first_time); /* uninterrupted series */
    assert_int_equal(md_hist_point(md_metric_named(r, DURATION), a, NULL)->count, 1);
    md_free(r);
    finish();
}

static void test_seconds_and_buckets(void **state)
{
    (void)state;
    make("histogram:\n  unit: s\n  explicit:\n    buckets: [100ms, 10ms, 1s]\n");
    char *s[] = {span(1, "a", 2, 0, 5, NULL), span(2, "a", 2, 0, 50, NULL),
                 span(3, "a", 2, 0, 2000, NULL), NULL};
    consume(request("svc", NULL, NULL, s));
    flush();
    md_req *r = last();
    md_metric *d = md_metric_named(r, DURATION);
    assert_string_equal(d->unit, "s");
    md_hist *p = md_hist_point(d, NULL, NULL);
    static const double bounds[] = {0.01, 0.1, 1};
    static const uint64_t buckets[] = {1, 1, 0, 1};
    assert_memory_equal(p->explicit_bounds, bounds, sizeof(bounds));
    assert_memory_equal(p->bucket_counts, buckets, sizeof(buckets));
    assert_true(p->sum > 2.0549 && p->sum < 2.0551);
    md_free(r);
    finish();
}

static void test_exponential(void **state)
{
    (void)state;
    make("histogram:\n  exponential:\n    max_size: 4\n");
    char *s[] = {span(1, "a", 2, 0, 1, NULL), span(2, "a", 2, 0, 2, NULL),
                 span(3, "a", 2, 0, 4, NULL), span(4, "a", 2, 0, 1000, NULL), NULL};
    consume(request("svc", NULL, NULL, s));
    flush();
    md_req *r = last();
    md_expo *p = md_expo_point(md_metric_named(r, DURATION), NULL, NULL);
    assert_non_null(p);
    /* 1 in (1/16, 1], 2 and 4 in (1, 16], 1000 in (256, 4096]: base 16 */
    assert_int_equal(p->scale, -2);
    assert_int_equal(p->positive->offset, -1);
    static const uint64_t counts[] = {1, 2, 0, 1};
    assert_int_equal(p->positive->n_bucket_counts, 4);
    assert_memory_equal(p->positive->bucket_counts, counts, sizeof(counts));
    assert_int_equal(p->count, 4);
    assert_int_equal(p->zero_count, 0);
    assert_true(p->sum == 1007 && p->min == 1 && p->max == 1000);
    md_free(r);
    finish();
}

/* ---- bounds on memory ---- */

static void test_cardinality_limit(void **state)
{
    (void)state;
    make("aggregation_cardinality_limit: 2\nexemplars: { enabled: true }");
    char *s[] = {span(1, "a", 2, 0, 1, NULL), span(2, "b", 2, 0, 1, NULL),
                 span(3, "c", 2, 0, 1, NULL), span(4, "d", 2, 0, 1, NULL),
                 span(5, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, NULL, s));
    flush();
    flush();
    md_req *r = last();
    const char *a[] = {"span.name", "a", NULL}, *b[] = {"span.name", "b", NULL};
    const char *over[] = {"otel.metric.overflow", "true", NULL};
    assert_int_equal(calls(r, a), 2);
    assert_int_equal(calls(r, b), 1);
    md_number *o = md_sum_point(md_metric_named(r, CALLS), over, NULL);
    assert_int_equal(o->as_int, 2);
    assert_int_equal(o->n_attributes, 1); /* nothing but the overflow flag */
    assert_int_equal(md_points(md_metric_named(r, CALLS)), 3);
    assert_int_equal(md_hist_point(md_metric_named(r, DURATION), over, NULL)->count, 2);
    const char *conn[] = {"connector", "span_metrics", NULL};
    assert_int_equal(otelc_test_metric(h, "otelc_connector_spanmetrics_overflow_total", conn), 4);
    md_free(r);
    finish();
}

static void test_max_series(void **state)
{
    (void)state;
    make("max_series: 10");
    char *s[101];
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof(name), "op-%d", i);
        s[i] = span(i + 1, name, 2, 0, 1, NULL);
    }
    s[100] = NULL;
    consume(request("svc", NULL, NULL, s));
    flush();
    flush();
    md_req *r = last();
    /* five names take ten series (calls and duration); the rest overflow */
    assert_int_equal(md_points(md_metric_named(r, CALLS)), 6);
    assert_int_equal(md_points(md_metric_named(r, DURATION)), 6);
    const char *over[] = {"otel.metric.overflow", "true", NULL};
    assert_int_equal(calls(r, over), 95);
    assert_int_equal(otelc_test_metric(h, "otelc_connector_spanmetrics_capped_total", NULL), 190);
    md_free(r);
    finish();
}

static void test_expiration(void **state)
{
    (void)state;
    make("metrics_expiration: 30ms\nseries_expiration: 0s");
    char *s[] = {span(1, "a", 2, 0, 1, NULL), NULL};
    consume(request("old", NULL, NULL, s));
    flush();
    nanosleep(&(struct timespec){0, 50L * 1000000L}, NULL);
    char *s2[] = {span(2, "b", 2, 0, 1, NULL), NULL};
    consume(request("new", NULL, NULL, s2));
    flush(); /* "old" is sent a last time, then forgotten */
    md_req *r = last();
    assert_non_null(md_metric_of(r, "old", CALLS));
    md_free(r);
    flush();
    r = last();
    assert_null(md_metric_of(r, "old", CALLS));
    assert_non_null(md_metric_of(r, "new", CALLS));
    md_free(r);
    finish();
}

static void test_resource_cache(void **state)
{
    (void)state;
    make("resource_metrics_cache_size: 2\nresource_metrics_key_attributes: [service.name]");
    const char *services[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        char *s[] = {span(i + 1, "x", 2, 0, 1, NULL), NULL};
        consume(request(services[i], NULL, NULL, s));
    }
    /* the same service on another host is the same resource */
    char *s[] = {span(9, "x", 2, 0, 1, NULL), NULL};
    consume(request("c", "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h2\"}}", NULL, s));
    flush(); /* "a" was pushed out by "c": flushed once more */
    md_req *r = last();
    assert_int_equal(r->n_resource_metrics, 3);
    md_free(r);
    flush();
    r = last();
    assert_int_equal(r->n_resource_metrics, 2);
    assert_null(md_metric_of(r, "a", CALLS));
    const char *x[] = {"span.name", "x", NULL};
    assert_int_equal(md_sum_point(md_metric_of(r, "c", CALLS), x, NULL)->as_int, 2);
    md_free(r);
    finish();
}

/* ---- exemplars, events, scopes, sampling ---- */

static void test_exemplars(void **state)
{
    (void)state;
    make("exemplars:\n  enabled: true\n  max_per_data_point: 2");
    char *s[] = {span(1, "a", 2, 0, 7, NULL), span(2, "a", 2, 0, 8, NULL),
                 span(3, "a", 2, 0, 9, NULL), NULL};
    consume(request("svc", NULL, NULL, s));
    flush();
    md_req *r = last();
    md_hist *p = md_hist_point(md_metric_named(r, DURATION), NULL, NULL);
    assert_int_equal(p->n_exemplars, 2);
    static const uint8_t trace1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1};
    static const uint8_t span1[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    assert_memory_equal(p->exemplars[0]->trace_id.data, trace1, 16);
    assert_memory_equal(p->exemplars[0]->span_id.data, span1, 8);
    assert_true(p->exemplars[0]->as_double == 7);
    assert_int_equal(p->exemplars[1]->as_double, 8);
    assert_int_equal(p->exemplars[0]->time_unix_nano, p->time_unix_nano);
    assert_int_equal(md_sum_point(md_metric_named(r, CALLS), NULL, NULL)->n_exemplars, 2);
    md_free(r);
    flush(); /* exemplars belong to one flush */
    r = last();
    assert_int_equal(md_hist_point(md_metric_named(r, DURATION), NULL, NULL)->n_exemplars, 0);
    md_free(r);
    finish();
}

static void test_events(void **state)
{
    (void)state;
    make("events:\n  enabled: true\n  dimensions:\n    - name: exception.type\n");
    char *s[] = {span(1, "a", 2, 2, 1,
                      "\"events\":[{\"name\":\"exception\",\"timeUnixNano\":\"1000000001\","
                      "\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"E1\"}}]},"
                      "{\"name\":\"exception\",\"timeUnixNano\":\"1000000002\","
                      "\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"E2\"}}]},"
                      "{\"name\":\"exception\",\"timeUnixNano\":\"1000000003\","
                      "\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"E1\"}}]}]"),
                 NULL};
    consume(request("svc", NULL, NULL, s));
    flush();
    flush();
    md_req *r = last();
    md_metric *e = md_metric_named(r, "traces.span.metrics.events");
    const char *e1[] = {"exception.type", "E1", "span.name", "a", NULL};
    const char *e2[] = {"exception.type", "E2", NULL};
    assert_int_equal(md_sum_point(e, e1, NULL)->as_int, 2);
    assert_int_equal(md_sum_point(e, e2, NULL)->as_int, 1);
    assert_int_equal(md_points(e), 2);
    md_free(r);
    finish();
}

static void test_scope_and_sampling(void **state)
{
    (void)state;
    make("include_instrumentation_scope: [lib-a]\nenable_metrics_sampling_method: true\n"
         "namespace: \"\"");
    char *s[] = {span(1, "a", 2, 0, 1, "\"traceState\":\"ot=th:8\""),
                 span(2, "a", 2, 0, 1, "\"traceState\":\"vendor=x,ot=rv:00000000000000;th:c\""),
                 span(3, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, "lib-a", s));
    char *s2[] = {span(4, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, "lib-b", s2));
    flush();
    flush();
    md_req *r = last();
    md_metric *c = md_metric_named(r, "calls"); /* no namespace */
    /* th:8 keeps one span in 2, th:c one in 4: they stand for 2 + 4 */
    const char *ex[] = {"sampling.method", "extrapolated", "span.instrumentation.scope.name",
                        "lib-a", "span.instrumentation.scope.version", "1.0", NULL};
    const char *counted[] = {"sampling.method", "counted", "span.instrumentation.scope.name",
                             "lib-a", NULL};
    const char *other[] = {"span.instrumentation.scope.name", NULL, NULL};
    assert_int_equal(md_sum_point(c, ex, NULL)->as_int, 6);
    assert_int_equal(md_sum_point(c, counted, NULL)->as_int, 1);
    assert_int_equal(md_sum_point(c, other, NULL)->as_int, 1);
    assert_int_equal(md_hist_point(md_metric_named(r, "duration"), ex, NULL)->count, 6);
    md_free(r);
    finish();
}

/* ---- emitting ---- */

static void test_refused_emits(void **state)
{
    (void)state;
    make("aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA");
    char *s[] = {span(1, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, NULL, s));
    otelc_test_host_answer_next(h, OTELC_RETRY);
    flush();
    assert_int_equal(otelc_test_emitted_answer(h, 0), OTELC_RETRY);
    char *s2[] = {span(2, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, NULL, s2));
    flush(); /* the refused batch first, as it was; then the new data */
    assert_int_equal(otelc_test_emitted_count(h), 3);
    size_t l0, l1;
    const uint8_t *b0 = otelc_test_emitted_bytes(h, 0, &l0);
    const uint8_t *b1 = otelc_test_emitted_bytes(h, 1, &l1);
    assert_int_equal(l0, l1);
    assert_memory_equal(b0, b1, l0);
    /* a pending emit holds the next flush back until it completes */
    otelc_test_host_answer(h, OTELC_PENDING);
    char *s3[] = {span(3, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, NULL, s3));
    otelc_plugin_entry_v1()->flush(st, otelc_mono_ns() + 20000000);
    char *s4[] = {span(4, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, NULL, s4));
    otelc_plugin_entry_v1()->flush(st, otelc_mono_ns() + 20000000);
    assert_int_equal(otelc_test_emitted_count(h), 4);
    otelc_test_host_answer(h, OTELC_OK);
    otelc_test_host_complete_emit(h, 3, OTELC_OK);
    flush();
    assert_int_equal(otelc_test_emitted_count(h), 5);
    md_req *r = last();
    const char *a[] = {"span.name", "a", NULL};
    assert_int_equal(calls(r, a), 1); /* the span of s4 alone */
    md_free(r);
    finish();
}

static void test_resume_and_shutdown(void **state)
{
    (void)state;
    make("metrics_flush_interval: 1h");
    assert_int_equal(otelc_plugin_entry_v1()->start(st), 0);
    char *s[] = {span(1, "a", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, NULL, s));
    otelc_test_host_answer_next(h, OTELC_RETRY);
    flush();
    assert_int_equal(otelc_test_emitted_count(h), 1);
    /* the host calls resume once the metrics pipelines have room */
    otelc_plugin_entry_v1()->resume(st);
    assert_true(otelc_test_emitted_wait(h, 2, 2000) >= 2);
    size_t l0, l1;
    const uint8_t *b0 = otelc_test_emitted_bytes(h, 0, &l0);
    const uint8_t *b1 = otelc_test_emitted_bytes(h, 1, &l1);
    assert_true(l0 == l1 && memcmp(b0, b1, l0) == 0); /* the refused batch, again */
    char *s2[] = {span(2, "b", 2, 0, 1, NULL), NULL};
    consume(request("svc", NULL, NULL, s2));
    /* shutdown flushes what was aggregated since */
    otelc_plugin_entry_v1()->shutdown(st, otelc_mono_ns() + 2000000000);
    md_req *r = last();
    const char *b[] = {"span.name", "b", NULL};
    assert_non_null(md_sum_point(md_metric_named(r, CALLS), b, NULL));
    md_free(r);
    finish();
}

/* ---- config ---- */

static void refused(const char *yaml, const char *why)
{
    otelc_test_host *t = otelc_test_host_new();
    void *s;
    assert_int_not_equal(otelc_test_plugin_create(t, otelc_plugin_entry_v1(), NULL, yaml, &s), 0);
    const char *err = otelc_test_host_last_error(t);
    if (!err || !strstr(err, why))
        fail_msg("%s: wanted \"%s\", got \"%s\"", yaml, why, err ? err : "(none)");
    otelc_test_host_free(t);
}

static void test_config(void **state)
{
    (void)state;
    refused("histogram:\n  explicit:\n    buckets: [1ms]\n  exponential:\n    max_size: 10\n",
            "use either `explicit` or `exponential`");
    refused("events:\n  enabled: true\n", "no dimensions configured for events");
    refused("dimensions:\n  - name: span.kind\n", "duplicate dimension name span.kind");
    refused("dimensions:\n  - name: x\n  - name: x\n", "duplicate dimension name x");
    refused("dimensions:\n  - default: x\n", "a dimension needs a name");
    refused("histogram:\n  unit: us\n", "unknown unit");
    refused("metrics_flush_interval: 0s\n", "must be positive");
    refused("aggregation_cardinality_limit: -1\n", "the limit should be positive");
    refused("nonsense: 1\n", "nonsense");
    /* a deprecated key is accepted with a warning */
    make("dimensions_cache_size: 500\n");
    finish();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_buckets),
        cmocka_unit_test(test_dimensions),
        cmocka_unit_test(test_delta),
        cmocka_unit_test(test_seconds_and_buckets),
        cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_cardinality_limit),
        cmocka_unit_test(test_max_series),
        cmocka_unit_test(test_expiration),
        cmocka_unit_test(test_resource_cache),
        cmocka_unit_test(test_exemplars),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_scope_and_sampling),
        cmocka_unit_test(test_refused_emits),
        cmocka_unit_test(test_resume_and_shutdown),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
