/*
 * test_ottl_eval.c: OTTL statements and conditions on known spans, in
 * the manner of the collector's documentation examples (written here):
 * each statement runs over the reference request (test_ottl_util.h) with
 * the SDK's editor, the output is decoded and one field of one span (or
 * of the resource, scope, or an event) compared; each condition is
 * evaluated on every span (or event, scope, resource).
 */
#include "test_ottl_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SPAN OTTL_CTX_SPAN
#define EVENT OTTL_CTX_SPANEVENT
#define RES OTTL_CTX_RESOURCE
#define SCOPE OTTL_CTX_SCOPE
#define INFER OTTL_CTX_INFER

#define STR(s) "{\"stringValue\":\"" s "\"}"
#define INT(s) "{\"intValue\":\"" s "\"}"

typedef struct stmt_case {
    ottl_context ctx;
    const char *stmt;
    int span;          /* the span looked at */
    const char *field; /* attr:K, res:K, scope:K, event0:K, nattrs, or a span member */
    const char *want;  /* compact JSON, or "absent" */
} stmt_case;

static const stmt_case stmt_cases[] = {
    /* set */
    {SPAN, "set(attributes[\"env\"], \"prod\")", 0, "attr:env", STR("prod")},
    {SPAN, "set(attributes[\"copy\"], attributes[\"http.method\"])", 0, "attr:copy", STR("GET")},
    {SPAN, "set(attributes[\"none\"], attributes[\"missing\"])", 0, "attr:none", "absent"},
    {SPAN, "set(name, \"renamed\") where name == \"SELECT\"", 1, "name", "\"renamed\""},
    {SPAN, "set(name, \"renamed\") where name == \"SELECT\"", 0, "name", "\"GET /users/123\""},
    {SPAN, "set(status.code, STATUS_CODE_ERROR) where attributes[\"http.method\"] == \"GET\"", 0,
     "status", "{\"code\":2}"},
    {SPAN, "set(status.message, \"bad\") where status.code == STATUS_CODE_ERROR", 1, "status",
     "{\"message\":\"bad\",\"code\":2}"},
    {SPAN, "set(kind, SPAN_KIND_CLIENT) where name == \"health\"", 2, "kind", "3"},
    {SPAN, "set(kind.string, \"Producer\") where name == \"health\"", 2, "kind", "4"},
    {SPAN, "set(attributes[\"k\"], kind.deprecated_string)", 1, "attr:k",
     STR("SPAN_KIND_CLIENT")},
    {SPAN, "set(start_time, Unix(1700000001))", 0, "startTimeUnixNano",
     "\"1700000001000000000\""},
    {SPAN, "set(end_time_unix_nano, start_time_unix_nano + 5)", 2, "endTimeUnixNano",
     "\"1700000000000000005\""},
    {SPAN, "set(trace_state[\"congo\"], \"t61rcWkgMzE\")", 0, "traceState",
     "\"congo=t61rcWkgMzE,rojo=00f067aa0ba902b7\""},
    {SPAN, "set(trace_state, \"\")", 0, "traceState", "absent"},
    {SPAN, "set(span_id.string, \"abcdefabcdefabcd\") where name == \"health\"", 2, "spanId",
     "\"abcdefabcdefabcd\""},
    {SPAN, "set(parent_span_id, SpanID(0x0000000000000000))", 1, "parentSpanId", "absent"},
    {SPAN, "set(attributes[\"m\"], {\"a\": {\"b\": [1, 2.5, \"x\", true]}})", 0, "attr:m",
     "{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":{\"kvlistValue\":{\"values\":["
     "{\"key\":\"b\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":\"1\"},"
     "{\"doubleValue\":2.5},{\"stringValue\":\"x\"},{\"boolValue\":true}]}}}]}}}]}}"},
    {SPAN, "set(attributes[\"r\"], resource.attributes[\"service.name\"])", 0, "attr:r",
     STR("checkout")},
    {SPAN, "set(resource.attributes[\"touched\"], true)", 0, "res:touched",
     "{\"boolValue\":true}"},
    {SPAN, "set(attributes[\"s\"], instrumentation_scope.name)", 0, "attr:s",
     STR("io.test.http")},
    {SPAN, "set(attributes[\"b\"], 0x0aff)", 0, "attr:b", "{\"bytesValue\":\"Cv8=\"}"},
    /* map editors */
    {SPAN, "delete_key(attributes, \"token\")", 0, "attr:token", "absent"},
    {SPAN, "delete_matching_keys(attributes, \"^http\\\\.\")", 0, "attr:http.method", "absent"},
    {SPAN, "delete_matching_keys(attributes, \"^http\\\\.\")", 0, "attr:retries", INT("3")},
    {SPAN, "keep_keys(attributes, [\"http.method\", \"retries\"])", 0, "nattrs", "2"},
    {SPAN, "keep_matching_keys(attributes, \"^http\\\\.\")", 0, "nattrs", "3"},
    {SPAN, "limit(attributes, 2, [\"token\"])", 0, "nattrs", "2"},
    {SPAN, "limit(attributes, 2, [\"token\"])", 0, "attr:token", STR("s3cr3t")},
    {SPAN, "limit(attributes, 2, [\"token\"])", 0, "attr:http.method", STR("GET")},
    {SPAN, "merge_maps(attributes, {\"a\": 1, \"http.method\": \"POST\"}, \"insert\")", 0,
     "attr:http.method", STR("GET")},
    {SPAN, "merge_maps(attributes, {\"a\": 1, \"http.method\": \"POST\"}, \"insert\")", 0,
     "attr:a", INT("1")},
    {SPAN, "merge_maps(attributes, {\"a\": 1, \"http.method\": \"POST\"}, \"update\")", 0,
     "attr:a", "absent"},
    {SPAN, "merge_maps(attributes, {\"http.method\": \"POST\"}, \"upsert\")", 0,
     "attr:http.method", STR("POST")},
    {SPAN, "merge_maps(attributes, resource.attributes, \"upsert\")", 2, "attr:host.name",
     STR("h1")},
    {SPAN, "truncate_all(attributes, 5)", 0, "attr:user.email", STR("alice")},
    {SPAN, "truncate_all(attributes, 6, truncation_marker = \"...\")", 0, "attr:user.email",
     STR("ali...")},
    {SPAN, "set(attributes, {\"only\": \"this\"}) where name == \"health\"", 2, "nattrs", "1"},
    /* replacing */
    {SPAN, "replace_pattern(attributes[\"http.target\"], \"password=[^&]*\", \"password=***\")",
     0, "attr:http.target", STR("/users/123?password=***")},
    {SPAN, "replace_pattern(name, \"^GET /users/(\\\\d+)$\", \"GET /users/{id=$1}\")", 0,
     "name", "\"GET /users/{id=123}\""},
    {SPAN, "replace_pattern(name, \"(?P<verb>[A-Z]+) \", \"${verb}:\")", 0, "name",
     "\"GET:/users/123\""},
    {SPAN, "replace_pattern(name, \"\\\\d+\", \"$$\")", 0, "name", "\"GET /users/$\""},
    {SPAN, "replace_pattern(attributes[\"user.email\"], \"^(.*)@\", \"$1\", SHA256, "
           "\"user-%s@\")",
     0, "attr:user.email",
     STR("user-2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90@example.com")},
    {SPAN, "replace_match(attributes[\"http.target\"], \"/users/*\", \"/users/{userId}\")", 0,
     "attr:http.target", STR("/users/{userId}")},
    {SPAN, "replace_match(name, \"GET /users/1?3\", \"matched\")", 0, "name", "\"matched\""},
    {SPAN, "replace_all_matches(attributes, \"/users/*\", \"/users/{id}\")", 0,
     "attr:http.target", STR("/users/{id}")},
    {SPAN, "replace_all_patterns(attributes, \"value\", \"\\\\d+\", \"N\")", 0,
     "attr:http.target", STR("/users/N?password=abc")},
    {SPAN, "replace_all_patterns(attributes, \"key\", \"^http\\\\.\", \"h.\")", 0,
     "attr:h.method", STR("GET")},
    {SPAN, "replace_all_patterns(attributes, \"value\", \"alice\", \"x\", MD5)", 0,
     "attr:user.email", STR("9dd4e461268c8034f5c8564e155c67a6@example.com")},
    /* converters */
    {SPAN, "set(attributes[\"hash\"], SHA256(attributes[\"user.email\"])) where attributes[\"user.email\"] != nil", 0, "attr:hash",
     STR("ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976")},
    {SPAN, "set(attributes[\"h\"], MD5(attributes[\"http.method\"])) where IsString(attributes[\"http.method\"])", 0, "attr:h",
     STR("7528035a93ee69cedb1dbddb2f0bfcc8")},
    {SPAN, "set(attributes[\"h\"], SHA1(\"GET\"))", 0, "attr:h",
     STR("f030bbbd32966cde41037b98a8849c46b76e4bc1")},
    {SPAN, "set(attributes[\"c\"], Concat([name, attributes[\"retries\"], kind, attributes[\"x\"]], "
           "\"|\"))",
     0, "attr:c", STR("GET /users/123|3|2|<nil>")},
    {SPAN, "set(attributes[\"c\"], Concat([attributes[\"ratio\"], attributes[\"flag\"]], \"\"))",
     0, "attr:c", STR("2.5true")},
    {SPAN, "set(attributes[\"dur\"], end_time_unix_nano - start_time_unix_nano)", 0,
     "attr:dur", INT("250000000")},
    {SPAN, "set(attributes[\"ms\"], Milliseconds(end_time - start_time))", 0, "attr:ms",
     INT("250")},
    {SPAN, "set(attributes[\"slow\"], true) where end_time - start_time > Duration(\"1s\")", 1,
     "attr:slow", "{\"boolValue\":true}"},
    {SPAN, "set(attributes[\"slow\"], true) where end_time - start_time > Duration(\"1s\")", 0,
     "attr:slow", "absent"},
    {SPAN, "set(attributes[\"parts\"], Split(attributes[\"http.route\"], \"/\")) where attributes[\"http.route\"] != nil", 0,
     "attr:parts",
     "{\"arrayValue\":{\"values\":[{\"stringValue\":\"\"},{\"stringValue\":\"users\"},"
     "{\"stringValue\":\"{id}\"}]}}"},
    {SPAN, "set(attributes[\"p\"], Split(attributes[\"http.route\"], \"/\")[1]) where kind == SPAN_KIND_SERVER", 0, "attr:p",
     STR("users")},
    {SPAN, "set(attributes[\"up\"], ToUpperCase(attributes[\"user.email\"])) where attributes[\"user.email\"] != nil", 0, "attr:up",
     STR("ALICE@EXAMPLE.COM")},
    {SPAN, "set(attributes[\"low\"], ToLowerCase(\"ÉTÉ Street\"))", 0, "attr:low",
     STR("été street")},
    {SPAN, "set(attributes[\"sub\"], Substring(name, 4, 6)) where Len(name) > 10", 0, "attr:sub", STR("/users")},
    {SPAN, "set(attributes[\"id\"], trace_id.string)", 0, "attr:id",
     STR("0102030405060708090a0b0c0d0e0f10")},
    {SPAN, "set(attributes[\"root\"], IsRootSpan())", 0, "attr:root", "{\"boolValue\":true}"},
    {SPAN, "set(attributes[\"root\"], IsRootSpan())", 1, "attr:root", "{\"boolValue\":false}"},
    {SPAN, "set(attributes[\"n\"], Len(events))", 1, "attr:n", INT("2")},
    {SPAN, "set(attributes[\"n\"], Len(attributes))", 1, "attr:n", INT("4")},
    {SPAN, "set(attributes[\"i\"], Int(\"42\"))", 0, "attr:i", INT("42")},
    {SPAN, "set(attributes[\"i\"], Int(attributes[\"ratio\"]))", 0, "attr:i", INT("2")},
    {SPAN, "set(attributes[\"i\"], Int(\"x\"))", 0, "attr:i", "absent"},
    {SPAN, "set(attributes[\"d\"], Double(attributes[\"retries\"]) / 2.0) where IsInt(attributes[\"retries\"])", 0, "attr:d",
     "{\"doubleValue\":1.5}"},
    {SPAN, "set(attributes[\"s\"], String(attributes[\"retries\"]))", 0, "attr:s", STR("3")},
    {SPAN, "set(attributes[\"s\"], String(resource.attributes))", 0, "attr:s",
     STR("{\\\"host.name\\\":\\\"h1\\\",\\\"service.name\\\":\\\"checkout\\\"}")},
    {SPAN, "set(attributes[\"x\"], Hex(attributes[\"retries\"]))", 0, "attr:x",
     "{\"bytesValue\":\"AAAAAAAAAAM=\"}"},
    {SPAN, "set(attributes[\"t\"], TrimPrefix(name, \"GET \"))", 0, "attr:t", STR("/users/123")},
    {SPAN, "set(attributes[\"v\"], Coalesce([attributes[\"nope\"], attributes[\"http.method\"]]))",
     0, "attr:v", STR("GET")},
    {SPAN, "set(attributes[\"now\"], UnixSeconds(Now()))", 0, "attr:now", INT("1700000000")},
    {SPAN, "set(attributes[\"e\"], IsEmpty(attributes[\"missing\"]))", 0, "attr:e",
     "{\"boolValue\":true}"},
    {SPAN, "set(attributes[\"f\"], FNV(\"abc\"))", 0, "attr:f", INT("-1792535898324117685")},
    /* set_semconv_span_name */
    {SPAN, "set_semconv_span_name(\"1.37.0\", \"original\")", 0, "name",
     "\"GET /users/{id}\""},
    {SPAN, "set_semconv_span_name(\"1.37.0\", \"original\")", 0, "attr:original",
     STR("GET /users/123")},
    {SPAN, "set_semconv_span_name(\"1.37.0\")", 1, "name", "\"SELECT shop\""},
    {SPAN, "set_semconv_span_name(\"1.37.0\", \"original\")", 2, "attr:original", "absent"},
    /* other contexts */
    {RES, "delete_key(attributes, \"host.name\")", 0, "res:host.name", "absent"},
    {RES, "set(attributes[\"n\"], Len(attributes))", 0, "res:n", INT("2")},
    {SCOPE, "set(attributes[\"s\"], Concat([name, version], \"@\"))", 0, "scope:s",
     STR("io.test.http@1.2.0")},
    {SCOPE, "set(attributes[\"r\"], resource.attributes[\"host.name\"])", 0, "scope:r",
     STR("h1")},
    {EVENT, "set(attributes[\"seen\"], span.name) where name == \"exception\"", 1,
     "event0:seen", STR("SELECT")},
    {EVENT, "set(span.attributes[\"events\"], Len(span.events))", 1, "attr:events", INT("2")},
    /* inferred contexts */
    {INFER, "set(span.attributes[\"x\"], resource.attributes[\"host.name\"])", 2, "attr:x",
     STR("h1")},
    {INFER, "set(resource.attributes[\"r\"], \"v\")", 0, "res:r", STR("v")},
    {INFER, "set(spanevent.attributes[\"t\"], spanevent.time_unix_nano) where spanevent.name == "
            "\"retry\"",
     1, "event1:t", INT("1700000001500000000")},
};

/* The field a case looks at, as compact JSON (free() it). */
static char *field_of(json_t *req, const stmt_case *c)
{
    json_t *rs = json_array_get(json_object_get(req, "resourceSpans"), 0);
    json_t *ss = json_array_get(json_object_get(rs, "scopeSpans"), 0);
    json_t *span = ottl_test_span(req, (size_t)c->span);
    const char *f = c->field;
    char buf[16];
    if (strncmp(f, "attr:", 5) == 0)
        return ottl_test_attr(span, f + 5);
    if (strncmp(f, "res:", 4) == 0)
        return ottl_test_attr(json_object_get(rs, "resource"), f + 4);
    if (strncmp(f, "scope:", 6) == 0)
        return ottl_test_attr(json_object_get(ss, "scope"), f + 6);
    if (strncmp(f, "event", 5) == 0) {
        json_t *ev = json_array_get(json_object_get(span, "events"), (size_t)(f[5] - '0'));
        return ottl_test_attr(ev, f + 7);
    }
    if (strcmp(f, "nattrs") == 0) {
        snprintf(buf, sizeof buf, "%zu", json_array_size(json_object_get(span, "attributes")));
        return strdup(buf);
    }
    return ottl_test_member(span, f);
}

static void test_statements(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < sizeof stmt_cases / sizeof stmt_cases[0]; i++) {
        const stmt_case *c = &stmt_cases[i];
        char err[512];
        json_t *out = ottl_test_run(ottl_fixture_json, c->ctx, &c->stmt, 1, err, sizeof err);
        char *got = out ? field_of(out, c) : NULL;
        if (!got || strcmp(got, c->want) != 0 || err[0]) {
            print_error("case %zu: %s\n  %s: want %s\n  got  %s %s\n", i, c->stmt, c->field,
                        c->want, got ? got : "(no output)", err);
            failed++;
        }
        free(got);
        json_decref(out);
    }
    assert_int_equal(failed, 0);
}

/* A pattern matching the empty string, with a function: each match
 * re-inserts the replacement before every character of what the earlier
 * ones made. Found by fuzz_ottl (a timeout): an evaluation error once
 * the text would pass the limit, the span left as it was. */
static void test_replace_growth_bounded(void **state)
{
    (void)state;
    const char *stmt = "replace_pattern(name, \"(?P<w>[A-Z]+)| ?\", \"${~}:$2;\", SHA512, "
                       "\"x-@%s\")";
    char err[512];
    json_t *out = ottl_test_run(ottl_fixture_json, SPAN, &stmt, 1, err, sizeof err);
    assert_non_null(out);
    if (!strstr(err, "replacing would make a string over 16777216 bytes"))
        fail_msg("want the limit's error, got \"%s\"", err);
    char *name = ottl_test_member(ottl_test_span(out, 0), "name");
    assert_string_equal(name, "\"GET /users/123\"");
    free(name);
    json_decref(out);
}

typedef struct cond_case {
    ottl_context ctx;
    const char *cond;
    const char *want; /* per span (event, scope, resource): 1, 0, or E for an error */
} cond_case;

static const cond_case cond_cases[] = {
    {SPAN, "name == \"SELECT\"", "010"},
    {SPAN, "kind == SPAN_KIND_SERVER", "100"},
    {SPAN, "attributes[\"http.method\"] == \"GET\" and not IsMatch(name, \"^health\")", "100"},
    {SPAN, "status.code == STATUS_CODE_ERROR or name == \"health\"", "011"},
    {SPAN, "attributes[\"retries\"] > 2", "100"},
    {SPAN, "attributes[\"retries\"] == 3.0", "100"},
    {SPAN, "attributes[\"missing\"] == nil", "111"},
    {SPAN, "attributes[\"missing\"] != nil", "000"},
    {SPAN, "attributes[\"http.method\"] != nil", "100"},
    {SPAN, "end_time - start_time > Duration(\"100ms\")", "110"},
    {SPAN, "(end_time_unix_nano - start_time_unix_nano) / 1000000 >= 250", "110"},
    {SPAN, "IsMatch(resource.attributes[\"service.name\"], \"check.*\")", "111"},
    {SPAN, "resource.attributes[\"host.name\"] == \"h1\" and instrumentation_scope.version == "
           "\"1.2.0\"",
     "111"},
    {SPAN, "parent_span_id == SpanID(0x0000000000000000)", "101"},
    {SPAN, "trace_id == TraceID(0x0102030405060708090a0b0c0d0e0f10)", "111"},
    {SPAN, "trace_id == 0x0102030405060708090a0b0c0d0e0f10", "000"},
    {SPAN, "span_id.string == \"2222222222222222\"", "010"},
    {SPAN, "trace_state[\"rojo\"] == \"00f067aa0ba902b7\"", "100"},
    {SPAN, "Len(events) > 0", "010"},
    {SPAN, "not (name == \"SELECT\" or name == \"health\")", "100"},
    {SPAN, "true", "111"},
    {SPAN, "false and name == \"x\"", "000"},
    {SPAN, "attributes[\"ratio\"] * 2.0 == 5.0", "1EE"},
    {SPAN, "attributes[\"retries\"] + 1.0 == 4.0", "EEE"},
    {SPAN, "IsString(attributes[\"http.method\"])", "100"},
    {SPAN, "\"a\" < \"b\" and 1 < 2 and 2.5 >= 2 and false < true", "111"},
    {SPAN, "attributes[\"user.email\"] == nil or HasSuffix(attributes[\"user.email\"], "
           "\"@example.com\")",
     "111"},
    {SPAN, "IsMatch(attributes[\"retries\"], \"^3$\")", "100"},
    {SPAN, "attributes == {}", "000"},
    {SPAN, "attributes == {\"http.route\": \"/health\"}", "001"},
    {SPAN, "Split(name, \" \") == [\"GET\", \"/users/123\"]", "100"},
    {SPAN, "ContainsValue([\"SELECT\", \"health\"], name)", "011"},
    {SPAN, "attributes[\"flag\"] == true and attributes[\"ratio\"] > 2", "100"},
    {SPAN, "name == \"GET /users/123\" or attributes[\"x\"] * 2 > 1", "1EE"},
    {SPAN, "start_time < end_time", "111"},
    {SPAN, "Concat([name], \"\")", "EEE"},
    {SPAN, "UnixNano(start_time) == start_time_unix_nano", "111"},
    {SPAN, "TruncateTime(Now(), Duration(\"1h\")) == Unix(1699999200)", "111"},
    {EVENT, "name == \"exception\"", "10"},
    {EVENT, "span.name == \"SELECT\" and attributes[\"attempt\"] == 2", "01"},
    {EVENT, "time > span.start_time and time_unix_nano < span.end_time_unix_nano", "11"},
    {RES, "attributes[\"service.name\"] == \"checkout\"", "1"},
    {SCOPE, "name == \"io.test.http\" and version == \"1.2.0\" and attributes[\"scope.flag\"]", ""},
    {SCOPE, "name == \"io.test.http\" and version == \"1.2.0\"", "1"},
};

static void test_conditions(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < sizeof cond_cases / sizeof cond_cases[0]; i++) {
        const cond_case *c = &cond_cases[i];
        char got[16], err[512];
        int rc = ottl_test_match(ottl_fixture_json, c->ctx, c->cond, got, sizeof got, err,
                                 sizeof err);
        bool ok = c->want[0] ? rc == 0 && strcmp(got, c->want) == 0 : rc != 0;
        if (!ok) {
            print_error("case %zu: %s\n  want %s got %s (%s)\n", i, c->cond,
                        c->want[0] ? c->want : "a compile error", rc == 0 ? got : "-", err);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* Statements of one group run in order, each seeing what those before it
 * did; a failing statement leaves the others running. */
static void test_statement_order(void **state)
{
    (void)state;
    const char *stmts[] = {
        "set(attributes[\"a\"], \"1\")",
        "set(attributes[\"b\"], Concat([attributes[\"a\"], \"2\"], \"\"))",
        "set(name, attributes[\"b\"])",
        "set(attributes[\"n\"], name)",
        "set(attributes[\"bad\"], attributes[\"missing\"] * 2)",
        "delete_key(attributes, \"a\")",
    };
    char err[512];
    json_t *out = ottl_test_run(ottl_fixture_json, SPAN, stmts, 6, err, sizeof err);
    assert_non_null(out);
    assert_non_null(strstr(err, "cannot do math with nil and int64"));
    json_t *span = ottl_test_span(out, 2);
    char *n = ottl_test_attr(span, "n"), *a = ottl_test_attr(span, "a");
    assert_string_equal(n, STR("12"));
    assert_string_equal(a, "absent");
    free(n);
    free(a);
    json_decref(out);
}

/* A statement that changes nothing leaves the request byte for byte. */
static void test_no_change(void **state)
{
    (void)state;
    const char *stmts[] = {"set(attributes[\"x\"], \"y\") where name == \"nope\"",
                           "delete_key(attributes, \"absent\")",
                           "keep_keys(resource.attributes, [\"service.name\", \"host.name\"])",
                           "truncate_all(attributes, 100)"};
    char err[512];
    json_t *out = ottl_test_run(ottl_fixture_json, SPAN, stmts, 4, err, sizeof err);
    json_t *in = json_loads(ottl_fixture_json, 0, NULL);
    assert_non_null(out);
    assert_string_equal(err, "");
    assert_true(json_equal(in, out));
    json_decref(in);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statements),
        cmocka_unit_test(test_replace_growth_bounded),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_statement_order),
        cmocka_unit_test(test_no_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
