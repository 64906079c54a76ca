/*
 * trace_query: Jaeger JSON: the span with every field (typed tags, the tags the
 * translation adds, logs from events, FOLLOWS_FROM links, microseconds),
 * a child's CHILD_OF reference, processes shared per resource; and the
 * search's tag conditions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jaeger.h"
#include "otlp_fixture.h"

static json_t *write_rich(void)
{
    size_t len;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    uint8_t tid[16], sid[8];
    fx_span_ids(0, tid, sid);
    qout o;
    qout_init(&o, NULL, NULL, 0, NULL);
    assert_int_equal(jaeger_write_trace(&o, tid, pb, len), 0);
    json_error_t err;
    json_t *doc = json_loadb(o.buf, o.len, 0, &err);
    if (!doc)
        fail_msg("not JSON (%s): %.*s", err.text, (int)o.len, o.buf);
    qout_free(&o);
    return doc;
}

/* The tag of span s called key, or NULL. */
static json_t *tag(json_t *tags, const char *key)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "key")), key) == 0)
            return t;
    }
    return NULL;
}

static void assert_tag(json_t *tags, const char *key, const char *type, const char *value_json)
{
    json_t *t = tag(tags, key);
    if (!t)
        fail_msg("no tag %s", key);
    assert_string_equal(json_string_value(json_object_get(t, "type")), type);
    char *v = json_dumps(json_object_get(t, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
    assert_string_equal(v, value_json);
    free(v);
}

static void test_span_with_everything(void **state)
{
    json_t *doc = write_rich();
    assert_string_equal(json_string_value(json_object_get(doc, "traceID")),
                        "101112131415161718191a1b1c1d1e1f");
    json_t *spans = json_object_get(doc, "spans");
    assert_int_equal(json_array_size(spans), FX_RICH_SPANS);
    json_t *s = json_array_get(spans, 0);
    assert_string_equal(json_string_value(json_object_get(s, "spanID")), "a0a1a2a3a4a5a6a7");
    assert_string_equal(json_string_value(json_object_get(s, "operationName")), "span-0");
    assert_int_equal(json_integer_value(json_object_get(s, "startTime")), 1700000000000000);
    assert_int_equal(json_integer_value(json_object_get(s, "duration")), 0); /* 500 ns */
    assert_string_equal(json_string_value(json_object_get(s, "processID")), "p1");
    assert_int_equal(json_integer_value(json_object_get(s, "flags")), 1);
    assert_true(json_is_null(json_object_get(s, "warnings")));
    json_t *tags = json_object_get(s, "tags");
    assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "key")),
                        "otel.scope.name");
    assert_tag(tags, "otel.scope.name", "string", "\"io.otelc.a\"");
    assert_tag(tags, "otel.scope.version", "string", "\"1.0.0\"");
    assert_tag(tags, "http.method", "string", "\"GET\"");
    assert_tag(tags, "ok", "bool", "true");
    assert_tag(tags, "retries", "int64", "-42");
    assert_tag(tags, "ratio", "float64", "0.25");
    assert_tag(tags, "blob", "binary", "\"AP9/\"");
    assert_tag(tags, "list", "string", "\"[1,\\\"two\\\",[true]]\"");
    assert_tag(tags, "map", "string", "\"{\\\"inner\\\":{\\\"deep\\\":3.5},\\\"n\\\":-9}\"");
    assert_tag(tags, "span.kind", "string", "\"server\"");
    assert_tag(tags, "otel.status_code", "string", "\"ERROR\"");
    assert_tag(tags, "error", "bool", "true");
    assert_tag(tags, "otel.status_description", "string", "\"boom\"");
    assert_tag(tags, "w3c.tracestate", "string", "\"vendor=1\"");
    json_t *refs = json_object_get(s, "references");
    assert_int_equal(json_array_size(refs), 2); /* no parent: the two links */
    json_t *r0 = json_array_get(refs, 0);
    assert_string_equal(json_string_value(json_object_get(r0, "refType")), "FOLLOWS_FROM");
    assert_string_equal(json_string_value(json_object_get(r0, "spanID")), "c0c1c2c3c4c5c6c7");
    json_t *logs = json_object_get(s, "logs");
    assert_int_equal(json_array_size(logs), 2);
    json_t *l0 = json_array_get(logs, 0);
    assert_int_equal(json_integer_value(json_object_get(l0, "timestamp")), 1700000000000000);
    assert_tag(json_object_get(l0, "fields"), "event", "string", "\"exception\"");
    assert_tag(json_object_get(l0, "fields"), "exception.type", "string", "\"E\"");
    json_decref(doc);
    fx_free_all();
}

static void test_references_and_processes(void **state)
{
    json_t *doc = write_rich();
    json_t *spans = json_object_get(doc, "spans");
    json_t *child = json_array_get(spans, 1);
    json_t *ref = json_array_get(json_object_get(child, "references"), 0);
    assert_string_equal(json_string_value(json_object_get(ref, "refType")), "CHILD_OF");
    assert_string_equal(json_string_value(json_object_get(ref, "spanID")), "a0a1a2a3a4a5a6a7");
    assert_tag(json_object_get(child, "tags"), "span.kind", "string", "\"client\"");
    assert_null(tag(json_object_get(child, "tags"), "error"));
    assert_int_equal(json_integer_value(json_object_get(child, "duration")), 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(spans, 4), "processID")),
                        "p1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(spans, 5), "processID")),
                        "p2");
    assert_string_equal(json_string_value(json_object_get(json_array_get(spans, 7), "processID")),
                        "p3");
    json_t *procs = json_object_get(doc, "processes");
    assert_int_equal(json_object_size(procs), 3);
    json_t *p1 = json_object_get(procs, "p1");
    assert_string_equal(json_string_value(json_object_get(p1, "serviceName")), "checkout");
    assert_int_equal(json_array_size(json_object_get(p1, "tags")), 1);
    assert_tag(json_object_get(p1, "tags"), "host.name", "string", "\"h1\"");
    json_t *p3 = json_object_get(procs, "p3");
    assert_string_equal(json_string_value(json_object_get(p3, "serviceName")), "unknown_service");
    json_decref(doc);
    fx_free_all();
}

static bool matches(unsigned span_index, const jaeger_tag_cond *c, size_t n)
{
    size_t len;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    unsigned i = 0;
    otlp_walk_init(&w, pb, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0)
                if (i++ == span_index)
                    return jaeger_tags_match(&r, &sc, &sp, c, n);
    fail_msg("no span %u", span_index);
    return false;
}

static void test_tag_conditions(void **state)
{
    jaeger_tag_cond both[] = {{"http.method", "GET"}, {"retries", "-42"}};
    assert_true(matches(0, both, 2));
    jaeger_tag_cond wrong[] = {{"http.method", "GET"}, {"retries", "42"}};
    assert_false(matches(0, wrong, 2));
    jaeger_tag_cond added[] = {{"error", "true"}, {"span.kind", "server"},
                               {"otel.status_code", "ERROR"}, {"otel.scope.name", "io.otelc.a"},
                               {"otel.status_description", "boom"}};
    assert_true(matches(0, added, 5));
    jaeger_tag_cond resource[] = {{"host.name", "h1"}, {"ratio", "0.25"}, {"ok", "true"}};
    assert_true(matches(0, resource, 3));
    jaeger_tag_cond err[] = {{"error", "true"}};
    assert_false(matches(1, err, 1));
    jaeger_tag_cond missing[] = {{"nope", ""}};
    assert_false(matches(0, missing, 1));
    assert_true(matches(3, NULL, 0));
    fx_free_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_with_everything),
        cmocka_unit_test(test_references_and_processes),
        cmocka_unit_test(test_tag_conditions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
