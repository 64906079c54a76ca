/*
 * test_lb_route.c: cutting a request per backend: every span in exactly
 * one piece, the piece of the backend its trace id (or service) maps to,
 * resources and scopes carried along, nothing copied when one backend
 * takes all, and a resource without service.name refused under
 * routing_key service. Log records by trace id (as hex, "" without one)
 * or service; metrics by service (whole resources) or metric name, the
 * pieces' items counted in data points.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <otelc/sdk/otlp_walk.h>
#include <otelc/sdk/otlp_walk_signals.h>
#include <otelc/testkit.h>

#include "route.h"

static const char *const eps[] = {"backend-1:4317", "backend-2:4317", "backend-3:4317"};

/* Ten traces of two spans, split over two resources (services a and b). */
static const char *request_json(void)
{
    static char buf[16384];
    size_t o = 0;
    o += (size_t)snprintf(buf + o, sizeof(buf) - o, "{\"resourceSpans\":[");
    for (int r = 0; r < 2; r++) {
        o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                              "%s{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
                              "\"value\":{\"stringValue\":\"svc-%c\"}}]},\"scopeSpans\":[{"
                              "\"scope\":{\"name\":\"s\"},\"spans\":[",
                              r ? "," : "", 'a' + r);
        for (int t = 0; t < 10; t++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                                  "%s{\"traceId\":\"%02x%030x\",\"spanId\":\"%016x\",\"name\":"
                                  "\"x\"}",
                                  t ? "," : "", (t * 37 + 1) & 0xff, t, r * 100 + t + 1);
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "]}]}");
    }
    snprintf(buf + o, sizeof(buf) - o, "]}");
    return buf;
}

/* Checks every span of a piece maps to its endpoint; returns its spans. */
static size_t check_part(const lb_ring *ring, const uint8_t *buf, size_t len, uint32_t want,
                         lb_key key)
{
    otlp_walker w;
    otlp_resource res;
    otlp_scope sc;
    otlp_span sp;
    size_t n = 0;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &res) > 0)
        while (otlp_walk_scope(&w, &sc) > 0) {
            assert_int_equal(sc.name.len, 1); /* the scope came along */
            while (otlp_walk_span(&w, &sp) > 0) {
                pb_bytes k = key == LB_KEY_TRACE_ID ? sp.trace_id : res.service_name;
                assert_int_equal(lb_ring_find(ring, k.ptr, k.len), (int)want);
                n++;
            }
        }
    assert_int_equal(otlp_walk_error(&w), 0);
    return n;
}

static void run_key(lb_key key, size_t want_parts_min)
{
    lb_ring ring;
    lb_routed rt;
    otelc_batch *b = otelc_test_batch_from_json(request_json());
    const uint8_t *flat = otelc_batch_flat(b);
    assert_int_equal(lb_ring_build(&ring, eps, 3), 0);
    assert_int_equal(lb_route(flat, otelc_batch_len(b), &ring, OTELC_TRACES, key, &rt),
                     LB_ROUTE_OK);
    assert_true(rt.n >= want_parts_min);
    size_t total = 0;
    for (size_t i = 0; i < rt.n; i++) {
        const lb_part *p = &rt.parts[i];
        const uint8_t *buf = p->buf ? p->buf : flat;
        assert_int_equal(check_part(&ring, buf, p->len, p->endpoint, key), p->spans);
        total += p->spans;
    }
    assert_int_equal(total, 20);
    lb_routed_free(&rt);
    lb_ring_free(&ring);
    otelc_batch_unref(b);
}

static void test_by_trace_id(void **state)
{
    (void)state;
    run_key(LB_KEY_TRACE_ID, 2);
}

static void test_by_service(void **state)
{
    (void)state;
    run_key(LB_KEY_SERVICE, 1);
}

static void test_one_backend_no_copy(void **state)
{
    lb_ring ring;
    lb_routed rt;
    otelc_batch *b = otelc_test_batch_from_json(request_json());
    (void)state;
    assert_int_equal(lb_ring_build(&ring, eps, 1), 0);
    assert_int_equal(lb_route(otelc_batch_flat(b), otelc_batch_len(b), &ring, OTELC_TRACES,
                              LB_KEY_TRACE_ID, &rt),
                     LB_ROUTE_OK);
    assert_int_equal(rt.n, 1);
    assert_null(rt.parts[0].buf);
    assert_int_equal(rt.parts[0].len, otelc_batch_len(b));
    assert_int_equal(rt.parts[0].spans, 20);
    lb_routed_free(&rt);
    lb_ring_free(&ring);
    otelc_batch_unref(b);
}

static void test_refusals(void **state)
{
    lb_ring ring, empty;
    lb_routed rt;
    otelc_batch *b = otelc_test_batch_from_json(
        "{\"resourceSpans\":[{\"resource\":{},\"scopeSpans\":[{\"spans\":[{\"traceId\":"
        "\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\",\"name\":"
        "\"x\"}]}]}]}");
    (void)state;
    assert_int_equal(lb_ring_build(&ring, eps, 3), 0);
    assert_int_equal(lb_ring_build(&empty, NULL, 0), 0);
    const uint8_t *flat = otelc_batch_flat(b);
    size_t len = otelc_batch_len(b);
    assert_int_equal(lb_route(flat, len, &ring, OTELC_TRACES, LB_KEY_SERVICE, &rt),
                     LB_ROUTE_NO_SERVICE);
    assert_int_equal(lb_route(flat, len, &empty, OTELC_TRACES, LB_KEY_TRACE_ID, &rt),
                     LB_ROUTE_NO_BACKEND);
    assert_int_equal(lb_route(flat, len - 3, &ring, OTELC_TRACES, LB_KEY_TRACE_ID, &rt),
                     LB_ROUTE_MALFORMED);
    lb_ring_free(&ring);
    lb_ring_free(&empty);
    otelc_batch_unref(b);
}

/* ---- logs ---- */

/* Eight records over two resources (one without service.name): records
 * 0..5 with trace ids, 6 and 7 without. */
static const char *logs_json(void)
{
    static char buf[8192];
    size_t o = (size_t)snprintf(buf, sizeof(buf), "{\"resourceLogs\":[");
    for (int r = 0; r < 2; r++) {
        o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                              "%s{\"resource\":{%s},\"scopeLogs\":[{\"scope\":{\"name\":\"s\"},"
                              "\"logRecords\":[",
                              r ? "," : "",
                              r ? "" : "\"attributes\":[{\"key\":\"service.name\",\"value\":"
                                       "{\"stringValue\":\"svc-a\"}}]");
        for (int i = 0; i < 4; i++) {
            int n = r * 4 + i;
            if (n < 6)
                o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                                      "%s{\"traceId\":\"%02x%030x\",\"body\":{\"intValue\":"
                                      "\"%d\"}}",
                                      i ? "," : "", (n * 53 + 7) & 0xff, n, n);
            else
                o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                                      "%s{\"body\":{\"intValue\":\"%d\"}}", i ? "," : "", n);
        }
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "]}]}");
    }
    snprintf(buf + o, sizeof(buf) - o, "]}");
    return buf;
}

/* The routing key of a log record as the collector's logs exporter
 * forms it, into out: the trace id in lowercase hex, or "". */
static size_t log_key(const otlp_log *l, const otlp_resource *res, lb_key key, char out[33])
{
    if (key == LB_KEY_SERVICE) {
        memcpy(out, res->service_name.ptr ? (const char *)res->service_name.ptr : "",
               res->service_name.len);
        return res->service_name.len;
    }
    if (l->trace_id.len != 16)
        return 0;
    for (size_t i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", l->trace_id.ptr[i]);
    return 32;
}

static size_t check_logs_part(const lb_ring *ring, const uint8_t *buf, size_t len, uint32_t want,
                              lb_key key)
{
    otlp_walker w;
    otlp_resource res;
    otlp_scope sc;
    otlp_log l;
    size_t n = 0;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &res) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_log(&w, &l) > 0) {
                char k[33];
                size_t klen = log_key(&l, &res, key, k);
                assert_int_equal(lb_ring_find(ring, (const uint8_t *)k, klen), (int)want);
                n++;
            }
    assert_int_equal(otlp_walk_error(&w), 0);
    return n;
}

static void run_logs(lb_key key, size_t want_parts_min)
{
    lb_ring ring;
    lb_routed rt;
    otelc_batch *b = otelc_test_batch_signal_from_json(OTELC_LOGS, logs_json());
    assert_non_null(b);
    const uint8_t *flat = otelc_batch_flat(b);
    assert_int_equal(lb_ring_build(&ring, eps, 3), 0);
    assert_int_equal(lb_route(flat, otelc_batch_len(b), &ring, OTELC_LOGS, key, &rt),
                     LB_ROUTE_OK);
    assert_true(rt.n >= want_parts_min);
    size_t total = 0;
    for (size_t i = 0; i < rt.n; i++) {
        const lb_part *p = &rt.parts[i];
        const uint8_t *buf = p->buf ? p->buf : flat;
        assert_int_equal(check_logs_part(&ring, buf, p->len, p->endpoint, key), p->spans);
        total += p->spans;
    }
    assert_int_equal(total, 8);
    lb_routed_free(&rt);
    lb_ring_free(&ring);
    otelc_batch_unref(b);
}

static void test_logs_by_trace_id(void **state)
{
    (void)state;
    run_logs(LB_KEY_TRACE_ID, 2);
}

/* A resource without service.name is routed under "", not refused. */
static void test_logs_by_service(void **state)
{
    (void)state;
    run_logs(LB_KEY_SERVICE, 1);
}

/* ---- metrics ---- */

/* Three resources (services a, b, c) of two gauges each: m-<r>-0 with one
 * point, m-<r>-1 with two. */
static const char *metrics_json(bool with_service)
{
    static char buf[8192];
    size_t o = (size_t)snprintf(buf, sizeof(buf), "{\"resourceMetrics\":[");
    const char *pt = "{\"timeUnixNano\":\"1\",\"asInt\":\"1\"}";
    for (int r = 0; r < 3; r++) {
        char svc[96] = "";
        if (with_service || r)
            snprintf(svc, sizeof(svc), "\"attributes\":[{\"key\":\"service.name\",\"value\":"
                                       "{\"stringValue\":\"svc-%c\"}}]", 'a' + r);
        o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                              "%s{\"resource\":{%s},\"scopeMetrics\":[{\"metrics\":["
                              "{\"name\":\"m-%d-0\",\"gauge\":{\"dataPoints\":[%s]}},"
                              "{\"name\":\"m-%d-1\",\"gauge\":{\"dataPoints\":[%s,%s]}}]}]}",
                              r ? "," : "", svc, r, pt, r, pt, pt);
    }
    snprintf(buf + o, sizeof(buf) - o, "]}");
    return buf;
}

/* Checks every metric of a piece maps to its endpoint by key; returns
 * the piece's data points. */
static size_t check_metrics_part(const lb_ring *ring, const uint8_t *buf, size_t len,
                                 uint32_t want, lb_key key)
{
    otlp_walker w;
    otlp_resource res;
    otlp_scope sc;
    otlp_metric m;
    size_t points = 0;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &res) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_metric(&w, &m) > 0) {
                pb_bytes k = key == LB_KEY_METRIC ? m.name : res.service_name;
                size_t n;
                assert_int_equal(lb_ring_find(ring, k.ptr, k.len), (int)want);
                assert_int_equal(otlp_metric_count_points(&m, &n), OTLP_OK);
                points += n;
            }
    assert_int_equal(otlp_walk_error(&w), 0);
    return points;
}

static void run_metrics(lb_key key)
{
    lb_ring ring;
    lb_routed rt;
    otelc_batch *b = otelc_test_batch_signal_from_json(OTELC_METRICS, metrics_json(true));
    assert_non_null(b);
    assert_int_equal(otelc_batch_spans(b), 9);
    const uint8_t *flat = otelc_batch_flat(b);
    assert_int_equal(lb_ring_build(&ring, eps, 3), 0);
    assert_int_equal(lb_route(flat, otelc_batch_len(b), &ring, OTELC_METRICS, key, &rt),
                     LB_ROUTE_OK);
    size_t total = 0;
    for (size_t i = 0; i < rt.n; i++) {
        const lb_part *p = &rt.parts[i];
        const uint8_t *buf = p->buf ? p->buf : flat;
        size_t points = check_metrics_part(&ring, buf, p->len, p->endpoint, key);
        if (p->buf) /* a cut piece counts its data points; a whole one is the batch's */
            assert_int_equal(points, p->spans);
        total += points;
    }
    assert_int_equal(total, 9);
    lb_routed_free(&rt);
    lb_ring_free(&ring);
    otelc_batch_unref(b);
}

static void test_metrics_by_service(void **state)
{
    (void)state;
    run_metrics(LB_KEY_SERVICE);
}

static void test_metrics_by_metric_name(void **state)
{
    (void)state;
    run_metrics(LB_KEY_METRIC);
}

/* The collector's metrics exporter errs on a resource without
 * service.name under routing_key service. */
static void test_metrics_without_service_refused(void **state)
{
    lb_ring ring;
    lb_routed rt;
    otelc_batch *b = otelc_test_batch_signal_from_json(OTELC_METRICS, metrics_json(false));
    (void)state;
    assert_non_null(b);
    assert_int_equal(lb_ring_build(&ring, eps, 3), 0);
    assert_int_equal(lb_route(otelc_batch_flat(b), otelc_batch_len(b), &ring, OTELC_METRICS,
                              LB_KEY_SERVICE, &rt),
                     LB_ROUTE_NO_SERVICE);
    lb_ring_free(&ring);
    otelc_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_trace_id),
        cmocka_unit_test(test_by_service),
        cmocka_unit_test(test_one_backend_no_copy),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_logs_by_trace_id),
        cmocka_unit_test(test_logs_by_service),
        cmocka_unit_test(test_metrics_by_service),
        cmocka_unit_test(test_metrics_by_metric_name),
        cmocka_unit_test(test_metrics_without_service_refused),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return rc || otelc_test_batches_live() != 0;
}
