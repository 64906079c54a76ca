/* Unit tests for core/telemetry/health.c: the overall status rules, the /health
 * document and the extra-fields provider. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "telemetry/health.h"

/* health_json's verdict; the document is checked and dropped. */
static int http_status_of(health_model *h, const char **overall)
{
    int status = 0;
    json_t *doc = health_json(h, &status);
    static char text[32];

    assert_non_null(doc);
    snprintf(text, sizeof(text), "%s", json_string_value(json_object_get(doc, "status")));
    *overall = text;
    json_decref(doc);
    return status;
}

static void test_phase_rules(void **state)
{
    health_model *h = health_new();
    const char *overall;

    assert_int_equal(http_status_of(h, &overall), 503); /* starting */
    assert_string_equal(overall, "unhealthy");
    health_set_phase(h, HEALTH_RUNNING);
    assert_int_equal(http_status_of(h, &overall), 200);
    assert_string_equal(overall, "healthy");
    health_set_phase(h, HEALTH_SHUTTING_DOWN);
    assert_int_equal(http_status_of(h, &overall), 503);
    assert_string_equal(overall, "unhealthy");
    health_free(h);
}

static void test_component_rules(void **state)
{
    health_model *h = health_new();
    health_component *exp = health_register(h, "awss3/a", "exporter");
    health_component *rcv = health_register(h, "otlp", "receiver");
    const char *overall;

    health_set_phase(h, HEALTH_RUNNING);
    health_report(exp, OTELC_HEALTH_DEGRADED, "retrying: 503 SlowDown");
    assert_int_equal(http_status_of(h, &overall), 200);
    assert_string_equal(overall, "degraded");
    health_report(rcv, OTELC_HEALTH_UNHEALTHY, "bind failed");
    assert_int_equal(http_status_of(h, &overall), 503);
    assert_string_equal(overall, "unhealthy");
    health_report(rcv, OTELC_HEALTH_OK, NULL);
    health_report(exp, OTELC_HEALTH_OK, NULL);
    assert_int_equal(http_status_of(h, &overall), 200);
    assert_string_equal(overall, "healthy");
    assert_ptr_equal(health_register(h, "otlp", "receiver"), rcv);
    health_free(h);
}

static void test_document_shape(void **state)
{
    health_model *h = health_new();
    health_component *c = health_register(h, "awss3/a", "exporter");
    json_t *doc, *comp;
    char since[32];
    int status;

    health_set_phase(h, HEALTH_RUNNING);
    doc = health_json(h, &status);
    comp = json_object_get(json_object_get(doc, "components"), "awss3/a");
    assert_string_equal(json_string_value(json_object_get(comp, "kind")), "exporter");
    assert_string_equal(json_string_value(json_object_get(comp, "status")), "ok");
    assert_null(json_object_get(comp, "last_error"));
    assert_string_equal(json_string_value(json_object_get(doc, "phase")), "running");
    assert_true(json_is_integer(json_object_get(doc, "uptime_seconds")));
    assert_int_equal(strlen(json_string_value(json_object_get(doc, "start_time"))), 20);
    snprintf(since, sizeof(since), "%s", json_string_value(json_object_get(comp, "since")));
    json_decref(doc);

    health_report(c, OTELC_HEALTH_UNHEALTHY, "SignatureDoesNotMatch");
    health_report(c, OTELC_HEALTH_OK, "recovered");
    doc = health_json(h, &status);
    comp = json_object_get(json_object_get(doc, "components"), "awss3/a");
    assert_string_equal(json_string_value(json_object_get(comp, "detail")), "recovered");
    assert_string_equal(json_string_value(json_object_get(comp, "last_error")),
                        "SignatureDoesNotMatch");
    assert_non_null(json_object_get(comp, "last_error_time"));
    assert_int_equal(strlen(json_string_value(json_object_get(comp, "since"))), 20);
    assert_int_equal(strlen(since), 20);
    json_decref(doc);
    health_free(h);
}

static void test_since_moves_only_on_change(void **state)
{
    health_model *h = health_new();
    health_component *c = health_register(h, "x", "exporter");
    char first[32], second[32];
    json_t *doc;
    int status;

    health_report(c, OTELC_HEALTH_DEGRADED, "one");
    doc = health_json(h, &status);
    snprintf(first, sizeof(first), "%s",
             json_string_value(json_object_get(
                 json_object_get(json_object_get(doc, "components"), "x"), "since")));
    json_decref(doc);
    sleep(1);
    health_report(c, OTELC_HEALTH_DEGRADED, "two");
    doc = health_json(h, &status);
    snprintf(second, sizeof(second), "%s",
             json_string_value(json_object_get(
                 json_object_get(json_object_get(doc, "components"), "x"), "since")));
    json_decref(doc);
    assert_string_equal(first, second);
    assert_int_equal(health_component_status(c), OTELC_HEALTH_DEGRADED);
    health_free(h);
}

/* A queue at its disk budget holds its exporter unhealthy: the
 * exporter's retry reports (degraded) do not lift it, and show again
 * once the hold is released. */
static const char *component_field(json_t *doc, const char *key)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(doc, "components"), "x"), key));
}

static void test_hold_wins_over_reports(void **state)
{
    health_model *h = health_new();
    health_component *c = health_register(h, "x", "exporter");
    json_t *doc;
    int status;

    health_set_phase(h, HEALTH_RUNNING);
    health_report(c, OTELC_HEALTH_DEGRADED, "connection: refused");
    health_hold(c, "sending queue at its disk budget");
    health_report(c, OTELC_HEALTH_DEGRADED, "connection: refused again");
    doc = health_json(h, &status);
    assert_int_equal(status, 503);
    assert_string_equal(component_field(doc, "status"), "unhealthy");
    assert_string_equal(component_field(doc, "detail"), "sending queue at its disk budget");
    json_decref(doc);
    assert_int_equal(health_component_status(c), OTELC_HEALTH_UNHEALTHY);

    health_hold(c, NULL);
    doc = health_json(h, &status);
    assert_int_equal(status, 200);
    assert_string_equal(component_field(doc, "status"), "degraded");
    assert_string_equal(component_field(doc, "detail"), "connection: refused again");
    json_decref(doc);
    health_report(c, OTELC_HEALTH_OK, NULL);
    assert_int_equal(health_component_status(c), OTELC_HEALTH_OK);
    health_free(h);
}

typedef struct extra_ctx {
    health_component *reentrant; /* reported from inside the provider */
    int calls;
} extra_ctx;

static void add_queue_fields(void *arg, const char *id, json_t *fields)
{
    extra_ctx *x = arg;

    x->calls++;
    if (!id) {
        json_object_set_new(fields, "queue_total", json_integer(7));
        return;
    }
    json_object_set_new(fields, "queue_depth", json_integer(strlen(id)));
    /* the provider runs without the model's lock */
    health_report(x->reentrant, OTELC_HEALTH_OK, "from the provider");
}

static void test_extra_fields_provider(void **state)
{
    health_model *h = health_new();
    extra_ctx x = {0};
    json_t *doc;
    int status;

    x.reentrant = health_register(h, "ab", "exporter");
    health_register(h, "abcd", "exporter");
    health_set_extra(h, add_queue_fields, &x);
    doc = health_json(h, &status);
    assert_int_equal(x.calls, 3);
    assert_int_equal(json_integer_value(json_object_get(doc, "queue_total")), 7);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(doc, "components"), "abcd"),
                         "queue_depth")),
                     4);
    json_decref(doc);
    health_set_extra(h, NULL, NULL);
    doc = health_json(h, &status);
    assert_null(json_object_get(doc, "queue_total"));
    json_decref(doc);
    health_free(h);
}

static void test_time_format(void **state)
{
    char buf[32];

    assert_string_equal(health_format_time(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
    assert_string_equal(health_format_time(1767323045123456789LL, buf, sizeof(buf)),
                        "2026-01-02T03:04:05Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_rules),
        cmocka_unit_test(test_component_rules),
        cmocka_unit_test(test_document_shape),
        cmocka_unit_test(test_since_moves_only_on_change),
        cmocka_unit_test(test_hold_wins_over_reports),
        cmocka_unit_test(test_extra_fields_provider),
        cmocka_unit_test(test_time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
