/*
 * The service_graph connector on the SDK's test kit: client and server
 * spans of known traces go in as OTLP/JSON, in separate requests and in
 * either order; the flush is called by the test and the emitted requests
 * are decoded with protobuf-c: exact edges, counts, failed requests,
 * latencies in their buckets, database, messaging and virtual nodes, TTL
 * expiry and its counter, the store's and the series' bounds.
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

#define TOTAL "traces_service_graph_request_total"
#define FAILED "traces_service_graph_request_failed_total"
#define SERVER "traces_service_graph_request_server"
#define CLIENT "traces_service_graph_request_client"

enum { SERVER_KIND = 2, CLIENT_KIND = 3, PRODUCER_KIND = 4, CONSUMER_KIND = 5 };

static otelc_test_host *h;
static void *st;
static long live_before;

/* One span of trace `trace`: its id, its parent's (0: a root), kind,
 * status code, milliseconds, and more JSON fields (may be NULL). */
static const char *span(int trace, int id, int parent, int kind, int status, int ms,
                        const char *extra)
{
    static char ring[64][1024];
    static size_t next;
    char *s = ring[next++ % 64], parent_field[64] = "";
    if (parent)
        snprintf(parent_field, sizeof(parent_field), "\"parentSpanId\":\"00000000%08x\",", parent);
    snprintf(s, 1024,
             "{\"traceId\":\"000000000000000000000000%08x\",\"spanId\":\"00000000%08x\",%s"
             "\"name\":\"op\",\"kind\":%d,\"startTimeUnixNano\":\"1000000000\","
             "\"endTimeUnixNano\":\"%llu\",\"status\":{\"code\":%d}%s%s}",
             trace, id, parent_field, kind, 1000000000ull + (unsigned long long)ms * 1000000ull,
             status, extra ? "," : "", extra ? extra : "");
    return s;
}

/* Consumes one request of service's spans (NULL-terminated). */
static void send(const char *service, const char *resource_extra, const char *const *spans)
{
    char json[32768];
    int n = snprintf(json, sizeof(json),
                     "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
                     "\"value\":{\"stringValue\":\"%s\"}}%s%s]},\"scopeSpans\":[{\"spans\":[",
                     service, resource_extra ? "," : "", resource_extra ? resource_extra : "");
    for (size_t i = 0; spans[i]; i++)
        n += snprintf(json + n, sizeof(json) - (size_t)n, "%s%s", i ? "," : "", spans[i]);
    snprintf(json + n, sizeof(json) - (size_t)n, "]}]}]}");
    otelc_batch *b = otelc_test_batch_from_json(json);
    assert_non_null(b);
    assert_int_equal(otelc_test_plugin_consume(h, b, NULL), OTELC_OK);
    otelc_batch_unref(b);
}

static void send1(const char *service, const char *span_json)
{
    const char *s[] = {span_json, NULL};
    send(service, NULL, s);
}

static void make(const char *yaml)
{
    live_before = otelc_test_batches_live();
    h = otelc_test_host_new();
    if (otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "service_graph", yaml, &st) != 0)
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

static md_req *last(void)
{
    size_t n = otelc_test_emitted_count(h);
    assert_true(n > 0);
    md_req *r = md_decode(h, n - 1);
    assert_non_null(r);
    return r;
}

static int64_t count(md_req *r, const char *metric, const char *const *match)
{
    size_t hits;
    md_number *p = md_sum_point(md_metric_named(r, metric), match, &hits);
    if (!p)
        return -1;
    assert_int_equal(hits, 1);
    return p->as_int;
}

static double counter(const char *name)
{
    return otelc_test_metric(h, name, NULL);
}

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* ---- pairing ---- */

static void test_pairs_across_requests(void **state)
{
    (void)state;
    make("");
    send1("frontend", span(1, 1, 0, CLIENT_KIND, 0, 20, NULL));
    send1("cart", span(1, 2, 1, SERVER_KIND, 0, 15, NULL));
    /* the other order: the server span comes first */
    send1("cart", span(2, 12, 11, SERVER_KIND, 0, 150, NULL));
    send1("frontend", span(2, 11, 0, CLIENT_KIND, 0, 160, NULL));
    flush();
    md_req *r = last();
    const char *edge[] = {"client", "frontend", "server", "cart", "connection_type", "",
                          "failed", "false", NULL};
    assert_int_equal(count(r, TOTAL, edge), 2);
    assert_null(md_metric_named(r, FAILED)); /* no failed request: no metric */
    md_metric *sm = md_metric_named(r, SERVER);
    assert_string_equal(sm->unit, "s");
    assert_int_equal(sm->histogram->aggregation_temporality, 2);
    md_hist *server = md_hist_point(sm, edge, NULL);
    md_hist *client = md_hist_point(md_metric_named(r, CLIENT), edge, NULL);
    assert_int_equal(server->count, 2);
    assert_true(server->sum > 0.1649 && server->sum < 0.1651);
    assert_true(client->sum > 0.1799 && client->sum < 0.1801);
    /* 15ms in (10ms, 50ms], 150ms in (100ms, 200ms] */
    static const uint64_t buckets[17] = {0, 0, 0, 0, 0, 1, 0, 1};
    assert_memory_equal(server->bucket_counts, buckets, sizeof(buckets));
    assert_true(server->explicit_bounds[0] == 0.002 && server->explicit_bounds[15] == 15);
    assert_string_equal(r->resource_metrics[0]->scope_metrics[0]->scope->name,
                        "traces_service_graph");
    assert_int_equal(r->resource_metrics[0]->resource->n_attributes, 0);
    md_free(r);
    assert_true(counter("otelcol_connector_servicegraph_total_edges_total") == 2);
    assert_true(counter("otelcol_connector_servicegraph_expired_edges_total") == 0);
    finish();
}

static void test_failed_edges(void **state)
{
    (void)state;
    make("");
    send1("checkout", span(1, 1, 0, CLIENT_KIND, 0, 10, NULL));
    send1("payment", span(1, 2, 1, SERVER_KIND, 2, 9, NULL));
    send1("checkout", span(2, 3, 0, CLIENT_KIND, 2, 10, NULL));
    send1("payment", span(2, 4, 3, SERVER_KIND, 0, 9, NULL));
    send1("checkout", span(3, 5, 0, CLIENT_KIND, 0, 10, NULL));
    send1("payment", span(3, 6, 5, SERVER_KIND, 0, 9, NULL));
    flush();
    md_req *r = last();
    const char *bad[] = {"client", "checkout", "server", "payment", "failed", "true", NULL};
    const char *good[] = {"client", "checkout", "server", "payment", "failed", "false", NULL};
    assert_int_equal(count(r, TOTAL, bad), 2);
    assert_int_equal(count(r, TOTAL, good), 1);
    assert_int_equal(count(r, FAILED, bad), 2);
    assert_int_equal(md_points(md_metric_named(r, FAILED)), 1);
    md_free(r);
    finish();
}

static void test_database_and_messaging(void **state)
{
    (void)state;
    make("");
    send1("cart", span(1, 1, 0, CLIENT_KIND, 0, 30,
                       "\"attributes\":[{\"key\":\"db.name\",\"value\":{\"stringValue\":\"orders\"}},"
                       "{\"key\":\"db.system\",\"value\":{\"stringValue\":\"postgresql\"}}]"));
    send1("shop", span(2, 3, 0, PRODUCER_KIND, 0, 2, NULL));
    send1("mailer", span(2, 4, 3, CONSUMER_KIND, 0, 40, NULL));
    flush();
    md_req *r = last();
    const char *db[] = {"client", "cart", "server", "orders", "connection_type", "database", NULL};
    const char *mq[] = {"client", "shop", "server", "mailer", "connection_type",
                        "messaging_system", NULL};
    assert_int_equal(count(r, TOTAL, db), 1);
    assert_int_equal(count(r, TOTAL, mq), 1);
    /* a database answers no span of its own: the client's time is both */
    md_hist *server = md_hist_point(md_metric_named(r, SERVER), db, NULL);
    assert_true(server->sum > 0.0299 && server->sum < 0.0301);
    md_free(r);
    finish();
}

static void test_dimensions(void **state)
{
    (void)state;
    make("dimensions: [region, tier]");
    const char *c[] = {span(1, 1, 0, CLIENT_KIND, 0, 5, NULL), NULL};
    send("web", "{\"key\":\"region\",\"value\":{\"stringValue\":\"eu\"}}", c);
    send1("api", span(1, 2, 1, SERVER_KIND, 0, 4,
                      "\"attributes\":[{\"key\":\"region\",\"value\":{\"stringValue\":\"us\"}},"
                      "{\"key\":\"tier\",\"value\":{\"intValue\":\"2\"}}]"));
    flush();
    md_req *r = last();
    const char *edge[] = {"client_region", "eu", "server_region", "us", "server_tier", "2",
                          "client_tier", NULL, NULL};
    assert_int_equal(count(r, TOTAL, edge), 1);
    md_free(r);
    finish();
}

/* ---- expiry and virtual nodes ---- */

static void test_expiry_and_virtual_nodes(void **state)
{
    (void)state;
    make("store: { ttl: 20ms }\nvirtual_node_extra_label: true");
    /* a client span whose server is not instrumented */
    send1("frontend", span(1, 1, 0, CLIENT_KIND, 0, 12,
                           "\"attributes\":[{\"key\":\"peer.service\",\"value\":{\"stringValue\":\"payment-gw\"}}]"));
    /* a root server span: its caller is a user */
    send1("frontend", span(2, 5, 0, SERVER_KIND, 0, 30, NULL));
    /* a server span whose client never comes: expired, no edge */
    send1("cart", span(3, 7, 6, SERVER_KIND, 0, 3, NULL));
    /* a client span with no peer attribute */
    send1("cart", span(4, 8, 0, CLIENT_KIND, 0, 3, NULL));
    flush();
    assert_int_equal(otelc_test_emitted_count(h), 0); /* nothing complete yet */
    sleep_ms(40);
    flush();
    md_req *r = last();
    const char *gw[] = {"client", "frontend", "server", "payment-gw", "connection_type",
                        "virtual_node", "virtual_node", "server", NULL};
    const char *user[] = {"client", "user", "server", "frontend", "connection_type",
                          "virtual_node", "virtual_node", "client", NULL};
    const char *unknown[] = {"client", "cart", "server", "unknown", NULL};
    assert_int_equal(count(r, TOTAL, gw), 1);
    assert_int_equal(count(r, TOTAL, user), 1);
    assert_int_equal(count(r, TOTAL, unknown), 1);
    assert_int_equal(md_points(md_metric_named(r, TOTAL)), 3);
    md_free(r);
    assert_true(counter("otelcol_connector_servicegraph_expired_edges_total") == 4);
    finish();
}

static void test_no_virtual_nodes(void **state)
{
    (void)state;
    make("store: { ttl: 10ms }\nvirtual_node_peer_attributes: []");
    send1("frontend", span(1, 1, 0, CLIENT_KIND, 0, 12, NULL));
    sleep_ms(20);
    flush();
    assert_int_equal(otelc_test_emitted_count(h), 0);
    assert_true(counter("otelcol_connector_servicegraph_expired_edges_total") == 1);
    finish();
}

/* ---- bounds ---- */

static void test_store_bound(void **state)
{
    (void)state;
    make("store: { max_items: 100 }");
    /* a flood of client spans of unique traces, none answered */
    for (int batch = 0; batch < 10; batch++) {
        const char *s[51];
        for (int i = 0; i < 50; i++)
            s[i] = span(batch * 50 + i + 1, 1, 0, CLIENT_KIND, 0, 1, NULL);
        s[50] = NULL;
        send("frontend", NULL, s);
    }
    assert_true(counter("otelcol_connector_servicegraph_dropped_spans_total") == 400);
    assert_true(counter("otelcol_connector_servicegraph_total_edges_total") == 100);
    /* a span pairing with a stored one still completes */
    send1("cart", span(1, 2, 1, SERVER_KIND, 0, 1, NULL));
    flush();
    md_req *r = last();
    const char *edge[] = {"client", "frontend", "server", "cart", NULL};
    assert_int_equal(count(r, TOTAL, edge), 1);
    md_free(r);
    finish();
}

static void test_series_bound_and_exponential(void **state)
{
    (void)state;
    make("max_series: 1\nexponential_histogram_max_size: 8");
    send1("frontend", span(1, 1, 0, CLIENT_KIND, 0, 4, NULL));
    send1("cart", span(1, 2, 1, SERVER_KIND, 0, 2, NULL));
    send1("frontend", span(2, 3, 0, CLIENT_KIND, 0, 4, NULL));
    send1("payment", span(2, 4, 3, SERVER_KIND, 0, 2, NULL));
    flush();
    md_req *r = last();
    assert_int_equal(md_points(md_metric_named(r, TOTAL)), 1);
    md_expo *p = md_expo_point(md_metric_named(r, SERVER), NULL, NULL);
    assert_non_null(p);
    assert_int_equal(p->count, 1);
    assert_true(p->sum > 0.00199 && p->sum < 0.00201);
    md_free(r);
    assert_true(counter("otelc_connector_servicegraph_capped_edges_total") == 1);
    finish();
}

/* ---- emitting ---- */

static void test_flush_per_request(void **state)
{
    (void)state;
    make("metrics_flush_interval: 0s\nstore_expiration_loop: 1h");
    assert_int_equal(otelc_plugin_entry_v1()->start(st), 0);
    send1("frontend", span(1, 1, 0, CLIENT_KIND, 0, 4, NULL));
    send1("cart", span(1, 2, 1, SERVER_KIND, 0, 2, NULL));
    assert_true(otelc_test_emitted_wait(h, 1, 2000) >= 1);
    finish();
}

static void test_config(void **state)
{
    (void)state;
    otelc_test_host *t = otelc_test_host_new();
    void *s;
    assert_int_not_equal(
        otelc_test_plugin_create(t, otelc_plugin_entry_v1(), NULL, "store: { max_items: -1 }", &s),
        0);
    assert_non_null(strstr(otelc_test_host_last_error(t), "store.max_items"));
    otelc_test_host_free(t);
    make("metrics_exporter: prometheus\ndatabase_name_attribute: db.name\n"
         "latency_histogram_buckets: [1s, 100ms]");
    assert_true(otelc_test_logged(h, "metrics_exporter") >= 1);
    send1("frontend", span(1, 1, 0, CLIENT_KIND, 0, 400, NULL));
    send1("cart", span(1, 2, 1, SERVER_KIND, 0, 50, NULL));
    flush();
    md_req *r = last();
    md_hist *p = md_hist_point(md_metric_named(r, SERVER), NULL, NULL);
    static const double bounds[] = {0.1, 1};
    static const uint64_t buckets[] = {1, 0, 0};
    assert_memory_equal(p->explicit_bounds, bounds, sizeof(bounds));
    assert_memory_equal(p->bucket_counts, buckets, sizeof(buckets));
    md_free(r);
    finish();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_across_requests),
        cmocka_unit_test(test_failed_edges),
        cmocka_unit_test(test_database_and_messaging),
        cmocka_unit_test(test_dimensions),
        cmocka_unit_test(test_expiry_and_virtual_nodes),
        cmocka_unit_test(test_no_virtual_nodes),
        cmocka_unit_test(test_store_bound),
        cmocka_unit_test(test_series_bound_and_exponential),
        cmocka_unit_test(test_flush_per_request),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
