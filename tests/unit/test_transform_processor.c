/*
 * test_transform_processor.c: the transform processor on the SDK's test
 * kit, over the reference request of the OTTL tests (test_ottl_util.h):
 * the basic and advanced styles, groups running in order each over what
 * the ones before made, group conditions, the request passed on as it
 * came when nothing changes, error modes, and config errors with their
 * positions.
 */
#include "test_ottl_util.h"

#include <otelc/testkit.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

const otelc_plugin *otelc_plugin_entry_v1(void);

#define STR(s) "{\"stringValue\":\"" s "\"}"

typedef struct run {
    otelc_test_host *h;
    void *state;
    otelc_batch *in;
    otelc_status st;
    json_t *out;
} run;

static void start(run *r, const char *yaml)
{
    r->h = otelc_test_host_new();
    if (otelc_test_plugin_create(r->h, otelc_plugin_entry_v1(), "transform", yaml, &r->state) !=
        0)
        fail_msg("create: %s", otelc_test_host_last_error(r->h));
}

static void consume(run *r)
{
    r->in = otelc_test_batch_from_json(ottl_fixture_json);
    assert_non_null(r->in);
    r->st = otelc_test_plugin_consume(r->h, r->in, NULL);
    r->out = NULL;
    if (otelc_test_emitted_count(r->h)) {
        char *json = otelc_test_batch_json(otelc_test_emitted(r->h, 0));
        r->out = json_loads(json, 0, NULL);
        free(json);
    }
}

static void stop(run *r)
{
    json_decref(r->out);
    otelc_batch_unref(r->in);
    otelc_plugin_entry_v1()->destroy(r->state);
    assert_int_equal(otelc_test_host_check(r->h), 0);
    otelc_test_host_free(r->h);
    assert_int_equal(otelc_test_batches_live(), 0);
}

static void assert_attr(json_t *obj, const char *key, const char *want)
{
    char *got = ottl_test_attr(obj, key);
    if (strcmp(got, want) != 0)
        fail_msg("attribute %s: want %s got %s", key, want, got);
    free(got);
}

static json_t *resource_of(json_t *req)
{
    json_t *rs = json_array_get(json_object_get(req, "resourceSpans"), 0);
    return json_object_get(rs, "resource");
}

static void test_basic_style(void **state)
{
    (void)state;
    run r;
    start(&r, "trace_statements:\n"
              "  - set(span.attributes[\"env\"], \"prod\")\n"
              "  - replace_pattern(span.attributes[\"http.target\"], \"password=[^&]*\", "
              "\"password=***\")\n"
              "  - delete_key(resource.attributes, \"host.name\")\n"
              "  - set(span.status.code, STATUS_CODE_OK) where span.status.code == "
              "STATUS_CODE_UNSET\n");
    consume(&r);
    assert_int_equal(r.st, OTELC_OK);
    assert_non_null(r.out);
    assert_attr(ottl_test_span(r.out, 2), "env", STR("prod"));
    assert_attr(ottl_test_span(r.out, 0), "http.target", STR("/users/123?password=***"));
    assert_attr(resource_of(r.out), "host.name", "absent");
    char *status = ottl_test_member(ottl_test_span(r.out, 0), "status");
    assert_string_equal(status, "{\"code\":1}");
    free(status);
    stop(&r);
}

/* Groups run in order, each over the whole request as the one before
 * left it: the span group reads what the resource group wrote. */
static void test_groups_in_order(void **state)
{
    (void)state;
    run r;
    start(&r, "error_mode: propagate\n"
              "trace_statements:\n"
              "  - context: resource\n"
              "    statements:\n"
              "      - set(attributes[\"tier\"], \"gold\")\n"
              "  - context: span\n"
              "    conditions:\n"
              "      - kind == SPAN_KIND_SERVER\n"
              "      - status.code == STATUS_CODE_ERROR\n"
              "    statements:\n"
              "      - set(attributes[\"tier\"], resource.attributes[\"tier\"])\n"
              "  - context: spanevent\n"
              "    statements:\n"
              "      - set(attributes[\"span\"], span.name) where name == \"retry\"\n");
    consume(&r);
    assert_int_equal(r.st, OTELC_OK);
    assert_attr(resource_of(r.out), "tier", STR("gold"));
    assert_attr(ottl_test_span(r.out, 0), "tier", STR("gold"));
    assert_attr(ottl_test_span(r.out, 1), "tier", STR("gold"));
    assert_attr(ottl_test_span(r.out, 2), "tier", "absent");
    json_t *ev = json_array_get(json_object_get(ottl_test_span(r.out, 1), "events"), 1);
    assert_attr(ev, "span", STR("SELECT"));
    stop(&r);
}

/* Statements that change nothing: the very batch goes on, no copy. */
static void test_nothing_changes(void **state)
{
    (void)state;
    run r;
    start(&r, "trace_statements:\n"
              "  - statements: ['set(span.name, \"x\") where span.name == \"nope\"']\n"
              "  - context: resource\n"
              "    statements: ['delete_key(attributes, \"absent\")']\n");
    consume(&r);
    assert_ptr_equal(otelc_test_emitted(r.h, 0), r.in);
    stop(&r);
}

static const char failing[] = "trace_statements:\n"
                              "  - set(span.attributes[\"a\"], span.attributes[\"nope\"] + 1)\n"
                              "  - set(span.attributes[\"b\"], \"done\")\n";

static void test_error_modes(void **state)
{
    (void)state;
    char yaml[256];
    run r;
    start(&r, failing); /* ignore: the next statement runs; logged once a second */
    consume(&r);
    assert_attr(ottl_test_span(r.out, 0), "b", STR("done"));
    assert_int_equal(otelc_test_logged(r.h, "failed to execute statement"), 1);
    stop(&r);
    snprintf(yaml, sizeof yaml, "error_mode: silent\n%s", failing);
    start(&r, yaml);
    consume(&r);
    assert_attr(ottl_test_span(r.out, 2), "b", STR("done"));
    assert_int_equal(otelc_test_logged(r.h, "failed to execute statement"), 0);
    stop(&r);
    snprintf(yaml, sizeof yaml, "error_mode: propagate\n%s", failing);
    start(&r, yaml);
    consume(&r);
    assert_int_equal(r.st, OTELC_REJECT);
    assert_int_equal(otelc_test_emitted_count(r.h), 0);
    stop(&r);
    /* a group's own error_mode wins */
    start(&r, "error_mode: propagate\n"
              "trace_statements:\n"
              "  - error_mode: ignore\n"
              "    statements: ['set(span.attributes[\"a\"], span.attributes[\"nope\"] + 1)']\n");
    consume(&r);
    assert_int_equal(r.st, OTELC_OK);
    stop(&r);
}

static char *create_error(const char *yaml)
{
    otelc_test_host *h = otelc_test_host_new();
    void *st = NULL;
    char *err = NULL;
    if (otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "transform", yaml, &st) == 0)
        otelc_plugin_entry_v1()->destroy(st);
    else
        err = strdup(otelc_test_host_last_error(h));
    otelc_test_host_free(h);
    return err;
}

static void assert_refused(const char *yaml, const char *want)
{
    char *err = create_error(yaml);
    if (!err || !strstr(err, want))
        fail_msg("want an error containing\n  %s\ngot\n  %s", want, err ? err : "(accepted)");
    free(err);
}

/* ---- logs and metrics ---- */

/* The transform of a logs or metrics request by yaml, as JSON. */
static json_t *transform_signal(otelc_signal sig, const char *json, const char *yaml)
{
    run r;
    start(&r, yaml);
    otelc_batch *in = otelc_test_batch_signal_from_json(sig, json);
    assert_non_null(in);
    assert_int_equal(otelc_test_plugin_consume(r.h, in, NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(r.h), 1);
    char *text = otelc_test_batch_json(otelc_test_emitted(r.h, 0));
    json_t *out = json_loads(text, 0, NULL);
    free(text);
    r.in = in; /* stop releases it */
    r.out = NULL;
    stop(&r);
    assert_non_null(out);
    return out;
}

static json_t *log_record(json_t *req, size_t i)
{
    json_t *rl = json_array_get(json_object_get(req, "resourceLogs"), 0);
    json_t *sl = json_array_get(json_object_get(rl, "scopeLogs"), 0);
    return json_array_get(json_object_get(sl, "logRecords"), i);
}

static json_t *metric_at(json_t *req, size_t i)
{
    json_t *rm = json_array_get(json_object_get(req, "resourceMetrics"), 0);
    json_t *sm = json_array_get(json_object_get(rm, "scopeMetrics"), 0);
    return json_array_get(json_object_get(sm, "metrics"), i);
}

static json_t *point_at(json_t *metric, const char *kind, size_t i)
{
    return json_array_get(json_object_get(json_object_get(metric, kind), "dataPoints"), i);
}

static void assert_member(json_t *obj, const char *name, const char *want)
{
    char *got = ottl_test_member(obj, name);
    if (strcmp(got, want) != 0)
        fail_msg("%s: want %s got %s", name, want, got);
    free(got);
}

/* Statements in the style of the collector's transform documentation. */
static void test_log_statements(void **state)
{
    (void)state;
    json_t *out = transform_signal(
        OTELC_LOGS, ottl_logs_fixture_json,
        "log_statements:\n"
        "  - set(log.severity_text, \"FAIL\") where log.body == \"request failed\"\n"
        "  - replace_pattern(log.attributes[\"http.route\"], \"/user/[0-9]+\", \"/user/{id}\")\n"
        "  - set(log.severity_number, SEVERITY_NUMBER_WARN) where IsMatch(log.body, \"password\")\n"
        "  - replace_pattern(log.body, \"password=[^ ]*\", \"password=***\")\n"
        "  - set(log.attributes[\"body.k\"], log.body[\"k\"]) where log.severity_number == "
        "SEVERITY_NUMBER_DEBUG\n"
        "  - set(log.attributes[\"trace\"], log.trace_id.string) where log.trace_id != "
        "TraceID(0x00000000000000000000000000000000)\n"
        "  - delete_key(resource.attributes, \"host.name\")\n"
        "  - set(log.event_name, \"alert\") where log.severity_number >= SEVERITY_NUMBER_WARN\n"
        "  - set(log.time, log.observed_time) where log.event_name == \"alert\"\n");
    json_t *l0 = log_record(out, 0), *l1 = log_record(out, 1), *l2 = log_record(out, 2);
    assert_member(l0, "severityText", "\"FAIL\"");
    assert_attr(l0, "http.route", STR("/user/{id}/list/2"));
    assert_attr(l0, "trace", STR("5b8efff798038103d269b633813fc60c"));
    assert_member(l0, "eventName", "absent");
    assert_member(l0, "timeUnixNano", "\"1700000000000000000\"");
    assert_member(l1, "severityNumber", "13");
    assert_member(l1, "body", "{\"stringValue\":\"login password=***\"}");
    assert_member(l1, "eventName", "\"alert\"");
    assert_member(l1, "timeUnixNano", "absent"); /* its observed time is 0: no field */
    assert_attr(l2, "body.k", STR("v"));
    assert_attr(l2, "trace", "absent");
    json_t *rl = json_array_get(json_object_get(out, "resourceLogs"), 0);
    assert_attr(json_object_get(rl, "resource"), "host.name", "absent");
    json_decref(out);
}

static void test_metric_statements(void **state)
{
    (void)state;
    json_t *out = transform_signal(
        OTELC_METRICS, ottl_metrics_fixture_json,
        "metric_statements:\n"
        "  - context: metric\n"
        "    statements:\n"
        "      - set(description, \"a sum\") where type == METRIC_DATA_TYPE_SUM\n"
        "      - set(unit, \"s\") where name == \"http.duration\"\n"
        "      - set(name, Concat([name, \"total\"], \"_\")) where is_monotonic == true\n"
        "  - context: datapoint\n"
        "    statements:\n"
        "      - set(value_double, value_double * 2.0) where metric.name == \"http.duration\"\n"
        "      - set(attributes[\"env\"], \"prod\")\n"
        "      - delete_key(attributes, \"pid\")\n"
        "      - set(value_int, value_int * 2) where metric.type == METRIC_DATA_TYPE_SUM\n"
        "      - set(sum, sum + 1.0) where count == 3\n"
        "  - context: resource\n"
        "    statements: ['set(attributes[\"metrics\"], \"yes\")']\n");
    json_t *m0 = metric_at(out, 0), *m1 = metric_at(out, 1), *m2 = metric_at(out, 2);
    assert_member(m0, "unit", "\"s\"");
    assert_member(point_at(m0, "gauge", 0), "asDouble", "3");
    assert_member(point_at(m0, "gauge", 1), "asDouble", "5");
    assert_attr(point_at(m0, "gauge", 1), "env", STR("prod"));
    assert_member(m1, "name", "\"requests_total\"");
    assert_member(m1, "description", "\"a sum\"");
    assert_member(point_at(m1, "sum", 0), "asInt", "\"14\"");
    assert_attr(point_at(m1, "sum", 0), "pid", "absent");
    assert_member(point_at(m2, "histogram", 0), "sum", "7");
    assert_member(point_at(m2, "histogram", 0), "count", "\"3\"");
    json_t *rm = json_array_get(json_object_get(out, "resourceMetrics"), 0);
    assert_attr(json_object_get(rm, "resource"), "metrics", STR("yes"));
    json_decref(out);
}

/* ---- metric functions: the collector's documented examples ---- */

/* The fixture's metrics as they are, and as the functions leave them. */
#define GAUGE_POINTS                                                                       \
    "\"dataPoints\":[{\"attributes\":[{\"key\":\"state\",\"value\":{\"stringValue\":"      \
    "\"idle\"}}],\"timeUnixNano\":\"1700000000000000000\",\"asDouble\":1.5},"               \
    "{\"attributes\":[{\"key\":\"state\",\"value\":{\"stringValue\":\"busy\"}}],"           \
    "\"timeUnixNano\":\"1700000000000000000\",\"asDouble\":2.5}]"
#define SUM_POINTS                                                                         \
    "\"dataPoints\":[{\"attributes\":[{\"key\":\"pid\",\"value\":{\"intValue\":\"1\"}}],"   \
    "\"startTimeUnixNano\":\"1699999990000000000\",\"timeUnixNano\":"                      \
    "\"1700000000000000000\",\"asInt\":\"7\"}]"
#define HISTOGRAM_POINTS                                                                   \
    "\"dataPoints\":[{\"timeUnixNano\":\"1700000000000000000\",\"count\":\"3\",\"sum\":6,"  \
    "\"bucketCounts\":[\"1\",\"2\"],\"explicitBounds\":[1]}]"
#define GAUGE "{\"name\":\"http.duration\",\"unit\":\"ms\",\"gauge\":{" GAUGE_POINTS "}}"
#define SUM                                                                                \
    "{\"name\":\"requests\",\"sum\":{" SUM_POINTS                                          \
    ",\"aggregationTemporality\":2,\"isMonotonic\":true}}"
#define HISTOGRAM                                                                          \
    "{\"name\":\"latency\",\"histogram\":{" HISTOGRAM_POINTS ",\"aggregationTemporality\":1}}"

typedef struct metric_case {
    const char *statements; /* metric_statements, YAML */
    const char *want[3];    /* the three metrics after, as JSON */
} metric_case;

static const metric_case metric_cases[] = {
    {"['convert_sum_to_gauge() where metric.name == \"requests\"']",
     {GAUGE, "{\"name\":\"requests\",\"gauge\":{" SUM_POINTS "}}", HISTOGRAM}},
    /* a no-op on what is not a sum (a gauge, a histogram) */
    {"['convert_sum_to_gauge() where metric.name != \"requests\"']", {GAUGE, SUM, HISTOGRAM}},
    {"['convert_gauge_to_sum(\"cumulative\", false) where metric.name == \"http.duration\"']",
     {"{\"name\":\"http.duration\",\"unit\":\"ms\",\"sum\":{" GAUGE_POINTS
      ",\"aggregationTemporality\":2}}",
      SUM, HISTOGRAM}},
    {"['convert_gauge_to_sum(\"delta\", true) where metric.unit == \"ms\"']",
     {"{\"name\":\"http.duration\",\"unit\":\"ms\",\"sum\":{" GAUGE_POINTS
      ",\"aggregationTemporality\":1,\"isMonotonic\":true}}",
      SUM, HISTOGRAM}},
    /* the settings in the data message, set; a gauge has none */
    {"['set(metric.aggregation_temporality, AGGREGATION_TEMPORALITY_DELTA)', "
     "'set(metric.is_monotonic, false)']",
     {GAUGE, "{\"name\":\"requests\",\"sum\":{" SUM_POINTS ",\"aggregationTemporality\":1}}",
      "{\"name\":\"latency\",\"histogram\":{" HISTOGRAM_POINTS ",\"aggregationTemporality\":1}}"}},
    {"['set(metric.aggregation_temporality, 2) where metric.type == "
     "METRIC_DATA_TYPE_HISTOGRAM']",
     {GAUGE, SUM,
      "{\"name\":\"latency\",\"histogram\":{" HISTOGRAM_POINTS ",\"aggregationTemporality\":2}}"}},
    /* later statements see the metric as the earlier ones left it */
    {"['convert_gauge_to_sum(\"delta\", false) where metric.name != \"\"', "
     "'set(metric.is_monotonic, true) where metric.type == METRIC_DATA_TYPE_SUM and "
     "metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA', "
     "'convert_sum_to_gauge() where metric.name == \"requests\"']",
     {"{\"name\":\"http.duration\",\"unit\":\"ms\",\"sum\":{" GAUGE_POINTS
      ",\"aggregationTemporality\":1,\"isMonotonic\":true}}",
      "{\"name\":\"requests\",\"gauge\":{" SUM_POINTS "}}", HISTOGRAM}},
};

static void assert_json(json_t *got, const char *want_text, const char *what)
{
    json_t *want = json_loads(want_text, 0, NULL);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT);
        fail_msg("%s:\n  want %s\n  got  %s", what, want_text, g ? g : "(none)");
    }
    json_decref(want);
}

static void test_metric_functions(void **state)
{
    (void)state;
    char yaml[1024];
    for (size_t i = 0; i < sizeof metric_cases / sizeof metric_cases[0]; i++) {
        const metric_case *c = &metric_cases[i];
        snprintf(yaml, sizeof yaml, "metric_statements: %s\n", c->statements);
        json_t *out = transform_signal(OTELC_METRICS, ottl_metrics_fixture_json, yaml);
        for (size_t k = 0; k < 3; k++)
            assert_json(metric_at(out, k), c->want[k], c->statements);
        assert_null(metric_at(out, 3));
        json_decref(out);
    }
}

static void test_config_errors(void **state)
{
    (void)state;
    assert_refused("trace_statements:\n  - set(span.name \"x\")\n",
                   "config:2:5: key 'trace_statements[0]': OTTL statement, at 1:15: unexpected "
                   "\"\"x\"\"");
    assert_refused("trace_statements:\n  - set(name, \"x\")\n",
                   "OTTL statement, at 1:5: missing context name for path \"name\"");
    assert_refused("trace_statements:\n  - context: span\n    statements:\n"
                   "      - set(nope, 1)\n      - flatten(attributes)\n",
                   "config:5:9: key 'trace_statements[0].statements[1]': OTTL statement, at "
                   "1:1: the function flatten is not supported by otelc yet");
    assert_refused("trace_statements:\n  - context: metric\n    statements: ['set(name, \"x\")']\n",
                   "the metric context is not one of traces");
    assert_refused("trace_statements:\n  - context: span\n    flatten: true\n",
                   "flatten applies to log statements only");
    assert_refused("log_statements:\n  - set(log.body, \"x\")\n  - set(span.name, \"x\")\n",
                   "key 'log_statements[1]': OTTL statement, at 1:5: the span context is not one "
                   "of logs");
    assert_refused("metric_statements:\n  - context: log\n    statements: ['set(body, \"x\")']\n",
                   "the log context is not one of metrics");
    assert_refused("metric_statements:\n  - context: metric\n"
                   "    statements: ['copy_metric(name = \"x\") where name == \"y\"']\n",
                   "the function copy_metric is not supported by otelc yet");
    /* the collector's datapoint forms of the conversions are gone */
    assert_refused("metric_statements:\n  - context: datapoint\n"
                   "    statements: ['convert_sum_to_gauge()']\n",
                   "the function convert_sum_to_gauge is not available in the datapoint context");
    assert_refused("metric_statements:\n  - context: metric\n"
                   "    statements: ['convert_gauge_to_sum(\"monthly\", true)']\n",
                   "unknown aggregation temporality");
    assert_refused("metric_statements:\n  - context: datapoint\n"
                   "    statements: ['set(metric.is_monotonic, true)']\n",
                   "the path metric.is_monotonic is set in the metric context only");
    assert_refused("trace_statements:\n  - context: span\n    conditions: ['name = 1']\n"
                   "    statements: ['set(name, \"x\")']\n",
                   "config:3:18: key 'trace_statements[0].conditions[0]': OTTL condition, at 1:6");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_style),
        cmocka_unit_test(test_groups_in_order),
        cmocka_unit_test(test_nothing_changes),
        cmocka_unit_test(test_error_modes),
        cmocka_unit_test(test_log_statements),
        cmocka_unit_test(test_metric_statements),
        cmocka_unit_test(test_metric_functions),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
