/*
 * test_testkit.c: the SDK's test kit (otelc/testkit.h) with a probe
 * processor defined here: config filling from the key table, config
 * nodes and errors with positions, emits and their answers, tickets and
 * the contract check, metrics, batching requests, logs, health, batches
 * and admin streams, also from other threads.
 */
#include <pthread.h>
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <otelc/testkit.h>

typedef struct probe_cfg {
    const char *name;
    bool enabled;
    int64_t count;
    double ratio;
    int64_t wait_ns;
    uint64_t limit;
    otelc_strlist tags;
    const otelc_node *rules;
    int64_t nested_depth;
} probe_cfg;

static const otelc_cfg_key probe_keys[] = {
    {"name", OTELC_CFG_STRING, "probe", "", offsetof(probe_cfg, name), 0},
    {"enabled", OTELC_CFG_BOOL, "true", "", offsetof(probe_cfg, enabled), 0},
    {"count", OTELC_CFG_INT, "7", "", offsetof(probe_cfg, count), 0},
    {"ratio", OTELC_CFG_DOUBLE, "0.5", "", offsetof(probe_cfg, ratio), 0},
    {"wait", OTELC_CFG_DURATION, "200ms", "", offsetof(probe_cfg, wait_ns), 0},
    {"limit", OTELC_CFG_SIZE, "1KiB", "", offsetof(probe_cfg, limit), 0},
    {"tags", OTELC_CFG_STRLIST, NULL, "", offsetof(probe_cfg, tags), 0},
    {"rules", OTELC_CFG_NODE, NULL, "", offsetof(probe_cfg, rules), 0},
    {"nested", OTELC_CFG_SECTION, NULL, "", 0, 0},
    {"nested.depth", OTELC_CFG_INT, "1", "", offsetof(probe_cfg, nested_depth), 0},
    {"legacy", OTELC_CFG_STRING, NULL, "", 0, OTELC_KEY_UNSUPPORTED},
    {"harmless", OTELC_CFG_STRING, NULL, "", 0, OTELC_KEY_IGNORED},
    {0},
};

/* What consume does with a batch. */
typedef enum probe_mode { PASS_ON, HOLD_AND_COMPLETE_LATER, COMPLETE_TWICE } probe_mode;

/* The instance: one at a time, reachable by the tests. */
static struct probe {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const probe_cfg *cfg;
    probe_mode mode;
    otelc_series *seen;
    pthread_t completer;
    bool completer_started;
} P;

static int probe_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg,
                        void **state)
{
    P = (struct probe){.ctx = ctx, .api = api, .cfg = cfg};
    const char *labels[] = {"processor", api->instance_id(ctx), NULL};
    otelc_metric_desc d = {.name = "probe_batches_total", .type = OTELC_COUNTER,
                           .labels = labels};
    P.seen = api->metric(ctx, &d);
    otelc_batching b = {.struct_size = sizeof(b), .min_items = 10, .max_items = 20,
                        .flush_timeout_ns = 1000000,
                        .metadata_keys = {P.cfg->tags.n, P.cfg->tags.items}};
    if (P.cfg->tags.n && api->export_batching(ctx, &b) != 0)
        return -1;
    *state = &P;
    return 0;
}

static void *complete_later(void *t)
{
    P.api->complete(t, OTELC_OK);
    return NULL;
}

static otelc_status probe_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    P.api->metric_add(P.seen, 1);
    switch (P.mode) {
    case HOLD_AND_COMPLETE_LATER:
        P.completer_started = pthread_create(&P.completer, NULL, complete_later, t) == 0;
        return OTELC_PENDING;
    case COMPLETE_TWICE:
        P.api->complete(t, OTELC_OK);
        P.api->complete(t, OTELC_OK);
        return OTELC_PENDING;
    default:
        return P.api->emit_ticket(P.ctx, b, t);
    }
}

static void probe_destroy(void *state)
{
    if (P.completer_started)
        pthread_join(P.completer, NULL);
}

static const otelc_plugin probe_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "probe",
    .version = "0.0.1",
    .config_keys = probe_keys,
    .config_size = sizeof(probe_cfg),
    .create = probe_create,
    .consume = probe_consume,
    .destroy = probe_destroy,
};

static otelc_test_host *H;

static int setup(void **unused)
{
    H = otelc_test_host_new();
    return H ? 0 : -1;
}

static int teardown(void **unused)
{
    otelc_test_host_free(H);
    H = NULL;
    return otelc_test_batches_live() == 0 ? 0 : -1;
}

static void *create(const char *yaml)
{
    void *state = NULL;
    return otelc_test_plugin_create(H, &probe_desc, "probe/x", yaml, &state) == 0 ? state : NULL;
}

static void defaults_fill_the_config(void **unused)
{
    assert_non_null(create(""));
    assert_string_equal(P.cfg->name, "probe");
    assert_true(P.cfg->enabled);
    assert_int_equal(P.cfg->count, 7);
    assert_true(P.cfg->ratio == 0.5);
    assert_int_equal(P.cfg->wait_ns, 200000000);
    assert_int_equal(P.cfg->limit, 1024);
    assert_int_equal(P.cfg->tags.n, 0);
    assert_null(P.cfg->rules);
    assert_int_equal(P.cfg->nested_depth, 1);
    assert_string_equal(P.api->instance_id(P.ctx), "probe/x");
    assert_string_equal(P.api->pipeline_id(P.ctx), "traces");
    probe_destroy(&P);
}

static void values_fill_the_config(void **unused)
{
    assert_non_null(create("name: \"n\"\nenabled: False\ncount: -3\nratio: 2.5e1\n"
                           "wait: 1m0.3s\nlimit: 2MiB\ntags: [a, b]\nnested: { depth: 4 }\n"
                           "harmless: x\n"));
    assert_string_equal(P.cfg->name, "n");
    assert_false(P.cfg->enabled);
    assert_int_equal(P.cfg->count, -3);
    assert_true(P.cfg->ratio == 25);
    assert_int_equal(P.cfg->wait_ns, 60300000000);
    assert_int_equal(P.cfg->limit, 2 << 20);
    assert_int_equal(P.cfg->tags.n, 2);
    assert_string_equal(P.cfg->tags.items[1], "b");
    assert_int_equal(P.cfg->nested_depth, 4);
    assert_int_equal(otelc_test_logged(H, "collector key harmless is ignored"), 1);
    otelc_batching b;
    assert_int_equal(otelc_test_host_batching(H, &b), 1);
    assert_int_equal(b.min_items, 10);
    assert_string_equal(b.metadata_keys.items[0], "a");
    /* After create the host refuses it. */
    assert_int_equal(P.api->export_batching(P.ctx, &b), -1);
    probe_destroy(&P);
}

static void nodes_read_through_the_table(void **unused)
{
    assert_non_null(create("rules:\n  - match: \"a*\"\n    every: 5s\n  - on: yes\n"));
    const otelc_host_api *api = P.api;
    const otelc_node *rules = P.cfg->rules;
    assert_ptr_equal(rules, api->node_get(api->config_node(P.ctx), "rules"));
    assert_int_equal(api->node_kind(rules), OTELC_NODE_LIST);
    assert_int_equal(api->node_len(rules), 2);
    const otelc_node *first = api->node_at(rules, 0);
    assert_int_equal(api->node_kind(first), OTELC_NODE_MAP);
    assert_string_equal(api->node_key(api->node_at(first, 1)), "every");
    const char *match = NULL;
    int64_t every = 0;
    assert_int_equal(api->node_string(P.ctx, api->node_get(first, "match"), &match), 0);
    assert_string_equal(match, "a*");
    assert_int_equal(api->node_duration(P.ctx, api->node_get(first, "every"), &every), 0);
    assert_int_equal(every, 5000000000);
    /* An absent key keeps the caller's default. */
    int64_t absent = 42;
    assert_int_equal(api->node_int(P.ctx, api->node_get(first, "nope"), &absent), 0);
    assert_int_equal(absent, 42);
    bool on;
    assert_int_equal(api->node_bool(P.ctx, api->node_get(api->node_at(rules, 1), "on"), &on),
                     -1);
    assert_string_equal(otelc_test_host_last_error(H),
                        "config:4:9: key 'rules[1].on': expected true or false, got 'yes'");
    api->config_error(P.ctx, first, "rule %d is odd", 0);
    assert_string_equal(otelc_test_host_last_error(H), "config:2:5: key 'rules[0]': rule 0 is odd");
    assert_int_equal(otelc_test_host_config_errors(H), 2);
    /* All of it ran after create returned: the host's tree by then. */
    assert_int_equal(otelc_test_host_check(H), -1);
    assert_non_null(strstr(otelc_test_host_last_error(H), "node_* called 5 times after create"));
    probe_destroy(&P);
}

static void config_refusals_name_the_place(void **unused)
{
    static const struct {
        const char *yaml, *error;
    } cases[] = {
        {"count: many", "config:1:8: key 'count': expected an integer, got 'many'"},
        {"wait: 5", "config:1:7: key 'wait': invalid duration '5': missing unit"},
        {"limit: 3XB", "config:1:8: key 'limit': invalid size '3XB': unknown unit"},
        {"nested: { deep: 1 }", "config:1:11: key 'nested.deep': unknown key for processor"},
        {"legacy: x", "config:1:1: key 'legacy': collector key legacy is not supported yet"},
        {"name: a\nname: b", "config:2:1: key 'name' defined twice (first at line 1)"},
        {"a: &x 1", "config:1:4: YAML anchors (&name) are not supported"},
        {"a: [1", "config:2:1: did not find expected ',' or ']' (while parsing a flow sequence "
                  "that starts at line 1, column 4)"},
        {"- 1", "config:1:1: expected a map"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        otelc_test_host *h = otelc_test_host_new();
        void *state = NULL;
        assert_int_equal(otelc_test_plugin_create(h, &probe_desc, NULL, cases[i].yaml, &state),
                         -1);
        const char *e = otelc_test_host_last_error(h);
        if (!e || strncmp(e, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("%s: got \"%s\", want \"%s...\"", cases[i].yaml, e, cases[i].error);
        otelc_test_host_free(h);
    }
}

static void abi_and_instances_are_checked(void **unused)
{
    otelc_plugin newer = probe_desc;
    newer.abi_minor = OTELC_ABI_MINOR + 1;
    void *state;
    assert_int_equal(otelc_test_plugin_create(H, &newer, NULL, "", &state), -1);
    assert_non_null(strstr(otelc_test_host_last_error(H), "plugin is newer than the host"));
    otelc_test_host_free(H);
    H = otelc_test_host_new();
    assert_non_null(create(""));
    assert_null(create(""));
    assert_string_equal(otelc_test_host_last_error(H), "one plugin instance per test host");
    probe_destroy(&P);
}

static void emits_are_recorded_with_their_answers(void **unused)
{
    assert_non_null(create(""));
    otelc_batch *b = otelc_test_batch_spans("svc", 4);
    otelc_test_host_answer_next(H, OTELC_RETRY);
    otelc_test_host_answer_next(H, OTELC_REJECT);
    assert_int_equal(otelc_test_plugin_consume(H, b, NULL), OTELC_RETRY);
    assert_int_equal(otelc_test_plugin_consume(H, b, NULL), OTELC_REJECT);
    assert_int_equal(otelc_test_plugin_consume(H, b, NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(H), 3);
    assert_int_equal(otelc_test_emitted_answer(H, 0), OTELC_RETRY);
    assert_int_equal(otelc_test_emitted_spans_total(H), 4);
    size_t len;
    assert_memory_equal(otelc_test_emitted_bytes(H, 2, &len), otelc_batch_flat(b),
                        otelc_batch_len(b));
    assert_int_equal(len, otelc_batch_len(b));
    assert_true(otelc_test_metric(H, "probe_batches_total", NULL) == 3);
    otelc_batch_unref(b);
    assert_int_equal(otelc_test_host_check(H), 0);
    probe_destroy(&P);
}

static void pending_emits_wait_for_the_test(void **unused)
{
    assert_non_null(create(""));
    otelc_batch *b = otelc_test_batch_spans("svc", 1);
    otelc_ticket *t;
    otelc_test_host_answer(H, OTELC_PENDING);
    assert_int_equal(otelc_test_plugin_consume(H, b, &t), OTELC_PENDING);
    assert_int_equal(otelc_test_host_check(H), -1);
    assert_non_null(strstr(otelc_test_host_last_error(H), "emit 0 answered PENDING"));
    assert_non_null(strstr(otelc_test_host_last_error(H), "ticket 0: consume answered PENDING"));
    assert_int_equal(otelc_test_host_complete_emit(H, 0, OTELC_REJECT), 0);
    assert_int_equal(otelc_test_host_complete_emit(H, 0, OTELC_OK), -1);
    assert_true(otelc_test_ticket_done(t));
    assert_int_equal(otelc_test_ticket_status(t), OTELC_REJECT);
    assert_int_equal(otelc_test_host_check(H), 0);
    otelc_batch_unref(b);
    probe_destroy(&P);
}

static int done_calls;
static otelc_status done_status;

static void on_done(void *arg, otelc_status st)
{
    done_calls += arg == &done_calls;
    done_status = st;
}

static void *emit_from_thread(void *b)
{
    P.api->emit(P.ctx, b, on_done, &done_calls);
    return NULL;
}

static void emits_from_other_threads(void **unused)
{
    assert_non_null(create(""));
    otelc_batch *b = otelc_test_batch_spans("svc", 2);
    otelc_test_host_answer(H, OTELC_PENDING);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, emit_from_thread, b), 0);
    assert_int_equal(otelc_test_emitted_wait(H, 1, 5000), 1);
    pthread_join(th, NULL);
    done_calls = 0;
    assert_int_equal(otelc_test_host_complete_all(H, OTELC_OK), 1);
    assert_int_equal(done_calls, 1);
    assert_int_equal(done_status, OTELC_OK);
    otelc_batch_unref(b);
    probe_destroy(&P);
}

static void tickets_completed_by_the_plugin(void **unused)
{
    assert_non_null(create(""));
    otelc_batch *b = otelc_test_batch_spans("svc", 1);
    otelc_ticket *t;
    P.mode = HOLD_AND_COMPLETE_LATER;
    assert_int_equal(otelc_test_plugin_consume(H, b, &t), OTELC_PENDING);
    assert_true(otelc_test_ticket_wait(t, 5000));
    assert_int_equal(otelc_test_ticket_status(t), OTELC_OK);
    probe_destroy(&P);
    assert_int_equal(otelc_test_host_check(H), 0);

    P.mode = COMPLETE_TWICE;
    P.completer_started = false;
    assert_int_equal(otelc_test_plugin_consume(H, b, &t), OTELC_PENDING);
    assert_int_equal(otelc_test_ticket_completions(t), 2);
    assert_int_equal(otelc_test_host_check(H), -1);
    assert_non_null(strstr(otelc_test_host_last_error(H), "ticket 1 completed 2 times"));
    otelc_batch_unref(b);
}

static void metrics_by_name_and_labels(void **unused)
{
    otelc_ctx *ctx = otelc_test_host_ctx(H);
    const otelc_host_api *api = otelc_test_host_api(H);
    const char *ab[] = {"a", "1", "b", "2", NULL}, *ba[] = {"b", "2", "a", "1", NULL};
    const char *other[] = {"a", "9", NULL};
    otelc_metric_desc d = {.name = "m", .type = OTELC_GAUGE, .labels = ab};
    otelc_series *s1 = api->metric(ctx, &d);
    d.labels = ba;
    assert_ptr_equal(api->metric(ctx, &d), s1);
    d.labels = other;
    otelc_series *s2 = api->metric(ctx, &d);
    api->metric_set(s1, 3);
    api->metric_set(s2, 4);
    assert_true(otelc_test_metric(H, "m", ba) == 3);
    assert_true(otelc_test_metric(H, "m", NULL) == 7);
    assert_int_equal(otelc_test_metric_series(H, "m"), 2);
    d = (otelc_metric_desc){.name = "m", .type = OTELC_HISTOGRAM};
    assert_null(api->metric(ctx, &d));
    d.name = "h";
    otelc_series *h = api->metric(ctx, &d);
    api->metric_observe(h, 0.25);
    api->metric_observe(h, 0.5);
    assert_int_equal(otelc_test_metric_observations(H, "h", NULL), 2);
    assert_true(otelc_test_metric_sum(H, "h", NULL) == 0.75);
}

static void logs_health_and_pause(void **unused)
{
    otelc_ctx *ctx = otelc_test_host_ctx(H);
    const otelc_host_api *api = otelc_test_host_api(H);
    api->log(ctx, OTELC_LOG_WARN, "slow backend: %d ms", 900);
    assert_string_equal(otelc_test_log_line(H, 0), "warn: slow backend: 900 ms");
    assert_int_equal(otelc_test_logged(H, "slow backend"), 1);
    api->health(ctx, OTELC_HEALTH_DEGRADED, "retrying");
    const char *detail;
    assert_int_equal(otelc_test_host_health(H, &detail), OTELC_HEALTH_DEGRADED);
    assert_string_equal(detail, "retrying");
    api->exporter_pause(ctx, "SignatureDoesNotMatch");
    const char *why;
    assert_true(otelc_test_host_paused(H, &why));
    assert_string_equal(why, "SignatureDoesNotMatch");
    api->exporter_resume(ctx);
    assert_false(otelc_test_host_paused(H, NULL));
    api->consume_ready(ctx);
    assert_int_equal(otelc_test_host_ready_calls(H), 1);
}

static void batches_merge_and_keep_metadata(void **unused)
{
    const otelc_host_api *api = otelc_test_host_api(H);
    otelc_kv pairs[] = {{"tenant", "t1"}};
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .received_ns = 5, .pairs = pairs,
                             .npairs = 1, .transport = "grpc"};
    otelc_batch *a = otelc_test_batch_spans("a", 2);
    assert_non_null(a);
    otelc_batch *b = api->batch_copy(otelc_batch_flat(a), otelc_batch_len(a), 2, &meta);
    otelc_batch *parts[] = {b, a};
    otelc_batch *m = api->batch_merge(parts, 2);
    assert_int_equal(otelc_batch_spans(m), 4);
    assert_int_equal(otelc_batch_len(m), 2 * otelc_batch_len(a));
    struct iovec iov[4];
    assert_int_equal(otelc_batch_segments(m, iov, 4), 2);
    const otelc_batch_meta *mm = otelc_batch_meta_of(m);
    assert_string_equal(mm->pairs[0].value, "t1");
    assert_string_equal(mm->transport, "grpc");
    assert_int_equal(mm->received_ns, 5);
    char *json = otelc_test_batch_json(m);
    assert_non_null(strstr(json, "\"span-1\""));
    free(json);
    assert_null(otelc_test_batch_from_json("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":"
                                           "[{\"traceId\":\"00\"}]}]}]}"));
    otelc_batch_unref(a);
    otelc_batch_unref(b);
    otelc_batch_unref(m);
}

/* Metrics and logs batches: validated, their items counted, their JSON
 * that of their signal. */
static void batches_of_every_signal(void **unused)
{
    otelc_batch *m = otelc_test_batch_signal_from_json(
        OTELC_METRICS, "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":"
                       "\"m\",\"sum\":{\"dataPoints\":[{\"asInt\":\"1\"},{\"asInt\":\"2\"}]}},"
                       "{\"histogram\":{\"dataPoints\":[{\"count\":\"3\"}]}}]}]}]}");
    assert_non_null(m);
    assert_int_equal(otelc_batch_signal(m), OTELC_METRICS);
    assert_int_equal(otelc_batch_spans(m), 3);
    char *json = otelc_test_batch_json(m);
    assert_non_null(strstr(json, "{\"resourceMetrics\":[{\"scopeMetrics\""));
    free(json);
    otelc_batch *l = otelc_test_batch_signal_new(OTELC_LOGS, NULL, 0);
    assert_non_null(l);
    assert_int_equal(otelc_batch_signal(l), OTELC_LOGS);
    assert_int_equal(otelc_batch_spans(l), 0);
    /* A log record's trace id is empty or 16 bytes; a metrics request is
     * not a logs request. */
    assert_null(otelc_test_batch_signal_from_json(
        OTELC_LOGS, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"00\"}]}]}]}"));
    assert_null(otelc_test_batch_signal_new(OTELC_LOGS, otelc_batch_flat(m), otelc_batch_len(m)));
    otelc_batch_unref(m);
    otelc_batch_unref(l);
}

static void stream_chunks(void *arg, otelc_http_req *req)
{
    const otelc_host_api *api = arg;
    const char *hdr[] = {"Content-Type", "text/plain", NULL};
    api->http_stream_start(req, 201, hdr);
    api->http_stream_chunk(req, api->http_param(req, "id"), 2);
    api->http_stream_chunk(req, api->http_query(req, "q"), 1);
    api->http_stream_end(req);
}

static void routes_stream_with_params(void **unused)
{
    const otelc_host_api *api = otelc_test_host_api(H);
    otelc_ctx *ctx = otelc_test_host_ctx(H);
    assert_int_equal(api->route(ctx, "GET", "/things/{id}/parts", stream_chunks, (void *)api), 0);
    otelc_test_http *r = otelc_test_http_request(H, "GET", "/things/42/parts?x=1&q=z", NULL, 0);
    assert_int_equal(otelc_test_http_wait(r, 1000), 201);
    assert_string_equal(otelc_test_http_body(r, NULL), "42z");
    assert_null(otelc_test_http_request(H, "GET", "/things/42", NULL, 0));
}

/* The kit records the endpoint and keeps routing requests to the routes;
 * a second call is refused as the host refuses it. */
static void routes_on_an_endpoint_of_their_own(void **unused)
{
    const otelc_host_api *api = otelc_test_host_api(H);
    otelc_ctx *ctx = otelc_test_host_ctx(H);
    assert_true(otelc_host_has(api, http_serve));
    assert_null(otelc_test_http_endpoint(H));
    assert_int_equal(api->http_serve(ctx, "localhost:16686"), 0);
    assert_string_equal(otelc_test_http_endpoint(H), "localhost:16686");
    assert_int_equal(api->http_serve(ctx, "localhost:16687"), -1);
    assert_int_equal(otelc_test_host_config_errors(H), 1);
    assert_int_equal(api->route(ctx, "GET", "/things/{id}/parts", stream_chunks, (void *)api), 0);
    otelc_test_http *r = otelc_test_http_request(H, "GET", "/things/42/parts?q=z", NULL, 0);
    assert_int_equal(otelc_test_http_wait(r, 1000), 201);
}

/* http_serve_settings records the endpoint and the authenticator id the
 * server map names; like http_serve, once. */
static void routes_served_with_settings(void **unused)
{
    const otelc_host_api *api = otelc_test_host_api(H);
    otelc_ctx *ctx = otelc_test_host_ctx(H);
    const otelc_node *cfg =
        otelc_test_host_config(H, "tls: { cert_file: c.pem, key_file: k.pem }\n"
                                  "auth: { authenticator: basicauth/q }\n");
    assert_non_null(cfg);
    assert_true(otelc_host_has(api, http_serve_settings));
    assert_null(otelc_test_http_authenticator(H));
    assert_int_equal(api->http_serve_settings(ctx, "localhost:16686", cfg), 0);
    assert_string_equal(otelc_test_http_endpoint(H), "localhost:16686");
    assert_string_equal(otelc_test_http_authenticator(H), "basicauth/q");
    assert_int_equal(api->http_serve_settings(ctx, "localhost:16687", cfg), -1);
    assert_int_equal(otelc_test_host_config_errors(H), 1);
}

static otelc_status allow_all(void *state, const char *const *headers, char *reason, size_t n)
{
    (void)state, (void)headers, (void)reason, (void)n;
    return OTELC_OK;
}

/* What an extension offers is read back; what the test offers is found
 * by id and kind only; memory_release calls are counted. */
static void services_offered_found_and_released(void **unused)
{
    static const otelc_auth_server auth = {sizeof(auth), allow_all};
    const otelc_host_api *api = otelc_test_host_api(H);
    otelc_ctx *ctx = otelc_test_host_ctx(H);
    int mine = 1, theirs = 2;
    void *state = NULL;
    assert_true(otelc_host_has(api, memory_release));
    assert_int_equal(api->service_provide(ctx, OTELC_SERVICE_AUTH_SERVER, &auth, &mine), 0);
    assert_int_equal(api->service_provide(ctx, OTELC_SERVICE_AUTH_SERVER, &auth, &mine), -1);
    assert_ptr_equal(otelc_test_host_provided(H, OTELC_SERVICE_AUTH_SERVER, &state), &auth);
    assert_ptr_equal(state, &mine);
    assert_null(otelc_test_host_provided(H, OTELC_SERVICE_AUTH_CLIENT, NULL));
    assert_int_equal(otelc_test_host_offer(H, OTELC_SERVICE_AUTH_SERVER, "bearertokenauth/in",
                                           &auth, &theirs), 0);
    assert_ptr_equal(api->service_lookup(ctx, OTELC_SERVICE_AUTH_SERVER, "bearertokenauth/in",
                                         &state), &auth);
    assert_ptr_equal(state, &theirs);
    assert_null(api->service_lookup(ctx, OTELC_SERVICE_AUTH_CLIENT, "bearertokenauth/in", &state));
    assert_null(state);
    assert_null(api->service_lookup(ctx, OTELC_SERVICE_AUTH_SERVER, "basicauth", NULL));
    api->memory_release(ctx);
    api->memory_release(ctx);
    assert_int_equal(otelc_test_host_memory_releases(H), 2);
}

/* ---- the in-memory storage service ---- */

static int stored(void *arg, const void *key, size_t klen, const void *value, size_t vlen)
{
    char *out = arg;
    size_t used = strlen(out);
    snprintf(out + used, 128 - used, "%.*s=%.*s;", (int)klen, (const char *)key, (int)vlen,
             (const char *)value);
    return 0;
}

static void on_stored(void *arg, int status)
{
    *(int *)arg = status + 1; /* 1: committed */
}

/* Held commits are visible at once and answered on release; tables stay
 * when the client (the plugin) goes; a closed storage answers ESHUTDOWN. */
static void storage_commits_scans_and_holds(void **state)
{
    otelc_test_storage *s = otelc_test_storage_new();
    const otelc_storage *vt = otelc_test_storage_vtable();
    char err[128], text[128] = "";
    otelc_storage_client *c = vt->client(s, "tail_sampling", "traces", err, sizeof(err));
    assert_non_null(c);
    int done = 0;
    otelc_storage_op ops[] = {{"b", 1, "2", 1}, {"a", 1, "1", 1}};
    otelc_test_storage_hold(s, true);
    assert_int_equal(vt->commit(c, ops, 2, on_stored, &done), 0);
    assert_int_equal(done, 0);
    assert_int_equal(otelc_test_storage_release(s), 1);
    assert_int_equal(done, 1);
    vt->client_close(c);
    c = vt->client(s, "tail_sampling", "traces", err, sizeof(err));
    otelc_storage_op del[] = {{"b", 1, NULL, 0}};
    otelc_test_storage_hold(s, false);
    assert_int_equal(vt->commit(c, del, 1, on_stored, &done), 0);
    assert_int_equal(vt->scan(c, stored, text), 0);
    assert_string_equal(text, "a=1;");
    assert_int_equal(otelc_test_storage_count(s, "tail_sampling", "traces"), 1);
    assert_int_equal(otelc_test_storage_commits(s), 2);
    otelc_test_storage_close(s);
    assert_int_equal(vt->commit(c, ops, 1, on_stored, &done), 0);
    assert_int_equal(done, ESHUTDOWN + 1);
    vt->client_close(c);
    otelc_test_storage_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(defaults_fill_the_config, setup, teardown),
        cmocka_unit_test_setup_teardown(values_fill_the_config, setup, teardown),
        cmocka_unit_test_setup_teardown(nodes_read_through_the_table, setup, teardown),
        cmocka_unit_test(config_refusals_name_the_place),
        cmocka_unit_test_setup_teardown(abi_and_instances_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(emits_are_recorded_with_their_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(pending_emits_wait_for_the_test, setup, teardown),
        cmocka_unit_test_setup_teardown(emits_from_other_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(tickets_completed_by_the_plugin, setup, teardown),
        cmocka_unit_test_setup_teardown(metrics_by_name_and_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(logs_health_and_pause, setup, teardown),
        cmocka_unit_test_setup_teardown(batches_merge_and_keep_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(batches_of_every_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(routes_stream_with_params, setup, teardown),
        cmocka_unit_test_setup_teardown(routes_on_an_endpoint_of_their_own, setup, teardown),
        cmocka_unit_test_setup_teardown(routes_served_with_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(services_offered_found_and_released, setup, teardown),
        cmocka_unit_test(storage_commits_scans_and_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
