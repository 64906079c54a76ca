/*
 * test_filter_processor.c: the filter processor on the SDK's test kit,
 * over the reference request of the OTTL tests (test_ottl_util.h): what
 * each form of config drops (OTTL conditions per context, the newer
 * trace_conditions, the older match properties), the spans counted, the
 * request passed on unchanged when nothing matches, error modes, and
 * config errors with their positions.
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

#define METRIC "otelcol_processor_filter_spans_filtered_total"

typedef struct run {
    otelc_test_host *h;
    void *state;
    otelc_batch *in;
    otelc_status st;
    json_t *out; /* the emitted request, or NULL when nothing was emitted */
} run;

static void start(run *r, const char *yaml)
{
    r->h = otelc_test_host_new();
    otelc_test_host_set_ids(r->h, "filter/t", "traces/p");
    if (otelc_test_plugin_create(r->h, otelc_plugin_entry_v1(), "filter/t", yaml, &r->state) !=
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

static double filtered(run *r)
{
    const char *labels[] = {"filter", "filter/t", "pipeline", "traces/p", NULL};
    return otelc_test_metric(r->h, METRIC, labels);
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

/* The names of the emitted spans, joined with commas. */
static void span_names(json_t *req, char *out, size_t cap)
{
    json_t *rss = json_object_get(req, "resourceSpans");
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < json_array_size(rss); i++) {
        json_t *sss = json_object_get(json_array_get(rss, i), "scopeSpans");
        for (size_t j = 0; j < json_array_size(sss); j++) {
            json_t *spans = json_object_get(json_array_get(sss, j), "spans");
            for (size_t k = 0; k < json_array_size(spans); k++)
                n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "",
                                      json_string_value(json_object_get(
                                          json_array_get(spans, k), "name")));
        }
    }
}

static void assert_kept(run *r, const char *want)
{
    char names[256];
    assert_non_null(r->out);
    span_names(r->out, names, sizeof names);
    assert_string_equal(names, want);
}

static void test_span_conditions(void **state)
{
    (void)state;
    run r;
    start(&r, "traces:\n"
              "  span:\n"
              "    - 'name == \"health\"'\n"
              "    - 'attributes[\"http.method\"] == \"GET\" and kind == SPAN_KIND_SERVER'\n");
    consume(&r);
    assert_int_equal(r.st, OTELC_OK);
    assert_kept(&r, "SELECT");
    assert_true(filtered(&r) == 2);
    stop(&r);
}

static void test_spanevent_conditions(void **state)
{
    (void)state;
    run r;
    start(&r, "traces:\n"
              "  spanevent:\n"
              "    - 'name == \"retry\" and span.name == \"SELECT\"'\n");
    consume(&r);
    assert_kept(&r, "GET /users/123,SELECT,health");
    json_t *events = json_object_get(ottl_test_span(r.out, 1), "events");
    assert_int_equal(json_array_size(events), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 0), "name")),
                        "exception");
    assert_true(filtered(&r) == 0);
    stop(&r);
}

/* Nothing matches: the very batch goes on, no copy. */
static void test_nothing_matches(void **state)
{
    (void)state;
    run r;
    start(&r, "traces: { span: ['name == \"nope\"'], spanevent: ['name == \"nope\"'] }");
    consume(&r);
    assert_ptr_equal(otelc_test_emitted(r.h, 0), r.in);
    assert_true(filtered(&r) == 0);
    stop(&r);
}

/* Everything matches: the request is done, nothing is sent on. */
static void test_everything_matches(void **state)
{
    (void)state;
    run r;
    start(&r, "traces: { span: ['IsMatch(trace_id.string, \"^0102\")'] }");
    consume(&r);
    assert_int_equal(r.st, OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(r.h), 0);
    assert_true(filtered(&r) == 3);
    stop(&r);
}

static void test_trace_conditions_basic(void **state)
{
    (void)state;
    run r;
    start(&r, "trace_conditions:\n"
              "  - 'span.name == \"SELECT\"'\n"
              "  - 'resource.attributes[\"host.name\"] == \"elsewhere\"'\n");
    consume(&r);
    assert_kept(&r, "GET /users/123,health");
    assert_true(filtered(&r) == 1);
    stop(&r);
}

static void test_trace_conditions_groups(void **state)
{
    (void)state;
    run r;
    start(&r, "trace_conditions:\n"
              "  - context: spanevent\n"
              "    conditions: ['attributes[\"exception.type\"] == \"IOError\"']\n"
              "  - context: resource\n"
              "    conditions: ['attributes[\"service.name\"] == \"other\"']\n"
              "  - context: span\n"
              "    error_mode: silent\n"
              "    conditions: ['end_time - start_time < Duration(\"10ms\")']\n");
    consume(&r);
    assert_kept(&r, "GET /users/123,SELECT");
    assert_int_equal(json_array_size(json_object_get(ottl_test_span(r.out, 1), "events")), 1);
    assert_true(filtered(&r) == 1);
    stop(&r);
}

static void test_resource_dropped(void **state)
{
    (void)state;
    run r;
    start(&r, "trace_conditions:\n"
              "  - context: resource\n"
              "    conditions: ['attributes[\"service.name\"] == \"checkout\"']\n");
    consume(&r);
    assert_int_equal(otelc_test_emitted_count(r.h), 0);
    assert_true(filtered(&r) == 3);
    stop(&r);
}

/* The older form: kept when included and not excluded. */
static void test_match_properties(void **state)
{
    (void)state;
    run r;
    start(&r, "spans:\n"
              "  include:\n"
              "    match_type: strict\n"
              "    span_names: [SELECT, health]\n"
              "  exclude:\n"
              "    match_type: regexp\n"
              "    span_names: ['^hea']\n");
    consume(&r);
    assert_kept(&r, "SELECT");
    assert_true(filtered(&r) == 2);
    stop(&r);
}

static const char failing[] = "traces: { span: ['name == \"SELECT\"', "
                              "'attributes[\"x\"] * 2 > 1'] }\n";

static void test_error_modes(void **state)
{
    (void)state;
    char yaml[256];
    run r;
    /* ignore (the default): the failing condition is false, and logged */
    start(&r, failing);
    consume(&r);
    assert_kept(&r, "GET /users/123,health");
    assert_int_equal(otelc_test_logged(r.h, "failed to execute condition"), 1);
    stop(&r);
    /* silent: the same, not logged */
    snprintf(yaml, sizeof yaml, "error_mode: silent\n%s", failing);
    start(&r, yaml);
    consume(&r);
    assert_kept(&r, "GET /users/123,health");
    assert_int_equal(otelc_test_logged(r.h, "failed to execute condition"), 0);
    stop(&r);
    /* propagate: the request is refused */
    snprintf(yaml, sizeof yaml, "error_mode: propagate\n%s", failing);
    start(&r, yaml);
    consume(&r);
    assert_int_equal(r.st, OTELC_REJECT);
    assert_int_equal(otelc_test_emitted_count(r.h), 0);
    assert_int_equal(otelc_test_logged(r.h, "cannot do math with nil and int64"), 1);
    stop(&r);
}

/* create's error for yaml, or NULL when it was accepted. */
static char *create_error(const char *yaml)
{
    otelc_test_host *h = otelc_test_host_new();
    void *st = NULL;
    char *err = NULL;
    if (otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "filter", yaml, &st) == 0)
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

static void consume_signal(run *r, otelc_signal sig, const char *json)
{
    r->in = otelc_test_batch_signal_from_json(sig, json);
    assert_non_null(r->in);
    r->st = otelc_test_plugin_consume(r->h, r->in, NULL);
    r->out = NULL;
    if (otelc_test_emitted_count(r->h)) {
        char *text = otelc_test_batch_json(otelc_test_emitted(r->h, 0));
        r->out = json_loads(text, 0, NULL);
        free(text);
    }
}

static double counter(run *r, const char *name)
{
    const char *labels[] = {"filter", "filter/t", "pipeline", "traces/p", NULL};
    return otelc_test_metric(r->h, name, labels);
}

/* The log records' bodies (or their severity when not a string), or the
 * metrics' names with their point counts, joined with commas. */
static void items_of(json_t *req, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    json_t *rl = json_array_get(json_object_get(req, "resourceLogs"), 0);
    json_t *sl = json_array_get(json_object_get(rl, "scopeLogs"), 0);
    json_t *rm = json_array_get(json_object_get(req, "resourceMetrics"), 0);
    json_t *sm = json_array_get(json_object_get(rm, "scopeMetrics"), 0);
    json_t *items = sl ? json_object_get(sl, "logRecords") : json_object_get(sm, "metrics");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const char *body = json_string_value(json_object_get(json_object_get(it, "body"),
                                                             "stringValue"));
        const char *name = json_string_value(json_object_get(it, "name"));
        size_t points = 0;
        const char *kinds[] = {"gauge", "sum", "histogram"};
        for (int k = 0; k < 3; k++)
            points += json_array_size(
                json_object_get(json_object_get(it, kinds[k]), "dataPoints"));
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "",
                                name ? name : body ? body : "(map)");
        if (name)
            len += (size_t)snprintf(out + len, cap - len, "/%zu", points);
    }
}

static void check_filter(otelc_signal sig, const char *json, const char *yaml,
                         const char *want, const char *metric, double dropped)
{
    run r;
    char got[256];
    start(&r, yaml);
    consume_signal(&r, sig, json);
    assert_int_equal(r.st, OTELC_OK);
    if (r.out)
        items_of(r.out, got, sizeof got);
    else
        snprintf(got, sizeof got, "(nothing)");
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", yaml, want, got);
    if (counter(&r, metric) != dropped)
        fail_msg("%s: %s is %g, want %g", yaml, metric, counter(&r, metric), dropped);
    stop(&r);
}

#define LOGS_FILTERED "otelcol_processor_filter_logs_filtered_total"
#define POINTS_FILTERED "otelcol_processor_filter_datapoints_filtered_total"

/* Conditions in the style of the collector's filter documentation. */
static void test_logs(void **state)
{
    (void)state;
    const char *logs = ottl_logs_fixture_json;
    check_filter(OTELC_LOGS, logs, "logs:\n  log_record: ['IsMatch(body, \".*password.*\")']\n",
                 "request failed,(map)", LOGS_FILTERED, 1);
    check_filter(OTELC_LOGS, logs,
                 "logs:\n  log_record: ['severity_number < SEVERITY_NUMBER_WARN']\n",
                 "login password=abc", LOGS_FILTERED, 2);
    check_filter(OTELC_LOGS, logs,
                 "log_conditions:\n  - 'log.attributes[\"http.route\"] != nil'\n"
                 "  - 'log.severity_text == \"ERROR\"'\n",
                 "(map)", LOGS_FILTERED, 2);
    check_filter(OTELC_LOGS, logs,
                 "log_conditions: ['resource.attributes[\"service.name\"] == \"checkout\"']\n",
                 "(nothing)", LOGS_FILTERED, 3);
    check_filter(OTELC_LOGS, logs,
                 "logs:\n  exclude:\n    match_type: regexp\n    log_bodies: ['pass.*']\n",
                 "request failed,(map)", LOGS_FILTERED, 1);
    check_filter(OTELC_LOGS, logs,
                 "logs:\n  include:\n    match_type: strict\n    log_severity_texts: [INFO]\n",
                 "request failed", LOGS_FILTERED, 2);
}

static void test_metrics(void **state)
{
    (void)state;
    const char *m = ottl_metrics_fixture_json;
    check_filter(OTELC_METRICS, m, "metrics:\n  metric: ['name == \"requests\"']\n",
                 "http.duration/2,latency/1", POINTS_FILTERED, 1);
    check_filter(OTELC_METRICS, m,
                 "metrics:\n  metric: ['type == METRIC_DATA_TYPE_HISTOGRAM']\n"
                 "  datapoint: ['attributes[\"state\"] == \"idle\"']\n",
                 "http.duration/1,requests/1", POINTS_FILTERED, 2);
    /* every point of a metric dropped: the metric goes */
    check_filter(OTELC_METRICS, m,
                 "metric_conditions:\n  - 'datapoint.value_double > 1.0'\n"
                 "  - 'datapoint.count == 3'\n",
                 "requests/1", POINTS_FILTERED, 3);
    check_filter(OTELC_METRICS, m,
                 "metric_conditions:\n  - context: datapoint\n"
                 "    conditions: ['metric.name == \"requests\" and value_int > 5']\n",
                 "http.duration/2,latency/1", POINTS_FILTERED, 1);
    check_filter(OTELC_METRICS, m,
                 "metrics:\n  exclude:\n    match_type: regexp\n    metric_names: ['^http[.]']\n",
                 "requests/1,latency/1", POINTS_FILTERED, 2);
    check_filter(OTELC_METRICS, m, "metric_conditions: ['metric.name == \"none\"']\n",
                 "http.duration/2,requests/1,latency/1", POINTS_FILTERED, 0);
}

/* The filter's own metric functions, with the collector's rule that the
 * first point holding the key decides. */
static void test_datapoint_functions(void **state)
{
    (void)state;
    const char *m = ottl_metrics_fixture_json;
    check_filter(OTELC_METRICS, m, "metrics:\n  metric: ['HasAttrKeyOnDatapoint(\"state\")']\n",
                 "requests/1,latency/1", POINTS_FILTERED, 2);
    check_filter(OTELC_METRICS, m,
                 "metrics:\n  metric: ['HasAttrOnDatapoint(\"state\", \"idle\")']\n",
                 "requests/1,latency/1", POINTS_FILTERED, 2);
    /* the second point is busy, but the first one holding state decides */
    check_filter(OTELC_METRICS, m,
                 "metrics:\n  metric: ['HasAttrOnDatapoint(\"state\", \"busy\")']\n",
                 "http.duration/2,requests/1,latency/1", POINTS_FILTERED, 0);
    /* an int attribute's Str() is "" */
    check_filter(OTELC_METRICS, m,
                 "metric_conditions:\n  - context: metric\n"
                 "    conditions: ['HasAttrOnDatapoint(\"pid\", \"\")']\n",
                 "http.duration/2,latency/1", POINTS_FILTERED, 1);
    check_filter(OTELC_METRICS, m,
                 "metric_conditions: ['HasAttrKeyOnDatapoint(\"pid\") or "
                 "metric.name == \"latency\"']\n",
                 "http.duration/2", POINTS_FILTERED, 2);
    assert_refused("metric_conditions:\n  - context: datapoint\n"
                   "    conditions: ['HasAttrKeyOnDatapoint(\"pid\")']\n",
                   "the function HasAttrKeyOnDatapoint is not available in the datapoint context");
}

static void test_config_errors(void **state)
{
    (void)state;
    assert_refused("traces:\n  span:\n    - 'name = \"x\"'\n",
                   "config:3:7: key 'traces.span[0]': OTTL condition, at 1:6: unexpected \"=\"");
    assert_refused("traces:\n  span:\n    - 'IsMatch(name, \"(\")'\n",
                   "config:3:7: key 'traces.span[0]': OTTL condition, at 1:15");
    assert_refused("trace_conditions:\n  - 'name == \"x\"'\n",
                   "missing context name for path \"name\"");
    assert_refused("trace_conditions:\n  - context: log\n    conditions: ['true']\n",
                   "config:2:14: key 'trace_conditions[0].context': the log context is not one "
                   "of traces");
    assert_refused("trace_conditions:\n  - 'span.name == \"x\"'\n  - context: span\n"
                   "    conditions: ['true']\n",
                   "configuring multiple configuration styles is not supported");
    assert_refused("trace_conditions:\n  - context: span\n    condition: ['true']\n",
                   "unknown key condition");
    assert_refused("traces: { span: ['true'] }\nspans:\n  include:\n    match_type: strict\n"
                   "    span_names: [a]\n",
                   "cannot use ottl conditions and include/exclude for spans at the same time");
    assert_refused("error_mode: loud\n", "unknown error mode loud");
    assert_refused("profile_conditions: ['true']\n", "not supported yet");
    assert_refused("log_conditions: ['span.name == \"x\"']\n",
                   "the span context is not one of logs");
    assert_refused("metrics:\n  metric: ['name == \"x\"']\n"
                   "metric_conditions: ['metric.name == \"x\"']\n",
                   "use either metric_conditions or metrics.metric and metrics.datapoint");
    assert_refused("traces: { span: ['Len(Keys(attributes)) > 2'] }\n",
                   "OTTL condition, at 1:5: the function Keys is not supported by otelc yet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_conditions),
        cmocka_unit_test(test_spanevent_conditions),
        cmocka_unit_test(test_nothing_matches),
        cmocka_unit_test(test_everything_matches),
        cmocka_unit_test(test_trace_conditions_basic),
        cmocka_unit_test(test_trace_conditions_groups),
        cmocka_unit_test(test_resource_dropped),
        cmocka_unit_test(test_match_properties),
        cmocka_unit_test(test_error_modes),
        cmocka_unit_test(test_logs),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_datapoint_functions),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
