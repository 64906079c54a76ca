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
                   "    statements: ['convert_sum_to_gauge() where name == \"x\"']\n",
                   "the function convert_sum_to_gauge is not supported by otelc yet");
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
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
