/*
 * test_otlp_json_read.c: the OTLP/JSON reader: what it accepts (spellings
 * the specification allows read to the same protobuf), what it ignores,
 * and the errors it gives, with the field path they name.
 */
#include "test_otlp_json_util.h"

#include <errno.h>

#define SPAN(fields) "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" fields "]}]}]}"
#define VALUE(v) SPAN("{\"attributes\":[{\"key\":\"k\",\"value\":" v "}]}")
#define SPAN_PATH "resourceSpans[0].scopeSpans[0].spans[0]"
#define VALUE_PATH SPAN_PATH ".attributes[0].value"

static uint8_t *read_ok(const char *json, size_t *len)
{
    return from_json(json, strlen(json), len);
}

/* Both documents read to the same protobuf. */
static void assert_same_request(const char *a, const char *b)
{
    size_t a_len, b_len;
    uint8_t *pa = read_ok(a, &a_len), *pb = read_ok(b, &b_len);
    if (a_len != b_len || memcmp(pa, pb, a_len) != 0)
        fail_msg("read differently:\n  %s\n  %s", a, b);
    free(pa);
    free(pb);
}

/* The document is refused with an error starting with want_prefix. */
static void assert_read_error(const char *json, const char *want_prefix)
{
    uint8_t *pb = (uint8_t *)"untouched";
    size_t len = 7;
    char err[256];
    int rc = otlp_json_read(json, strlen(json), &pb, &len, err, sizeof err);
    if (rc != -EINVAL)
        fail_msg("rc %d for %s", rc, json);
    assert_null(pb);
    if (strncmp(err, want_prefix, strlen(want_prefix)) != 0)
        fail_msg("error \"%s\" does not start with \"%s\"", err, want_prefix);
}

static void test_empty_request(void **state)
{
    (void)state;
    size_t len = 99;
    uint8_t *pb = read_ok("{}", &len);
    assert_int_equal(len, 0);
    free(pb);
    pb = read_ok(" { \"resourceSpans\" : [ ] } ", &len);
    assert_int_equal(len, 0);
    free(pb);
}

static void test_reads_the_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *pb = read_ok(SPAN("{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\","
                               "\"spanId\":\"1112131415161718\",\"name\":\"n\",\"kind\":2,"
                               "\"startTimeUnixNano\":\"1700000000000000001\","
                               "\"status\":{\"code\":2,\"message\":\"m\"}}"),
                          &len);
    ProtobufCMessage *m = protobuf_c_message_unpack(REQUEST_DESCRIPTOR, NULL, len, pb);
    assert_non_null(m);
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req = (void *)m;
    assert_int_equal(req->n_resource_spans, 1);
    Opentelemetry__Proto__Trace__V1__Span *span = req->resource_spans[0]->scope_spans[0]->spans[0];
    assert_int_equal(span->trace_id.len, 16);
    assert_memory_equal(span->trace_id.data, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"
                                             "\x0d\x0e\x0f\x10", 16);
    assert_int_equal(span->span_id.len, 8);
    assert_memory_equal(span->span_id.data, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
    assert_string_equal(span->name, "n");
    assert_int_equal(span->kind, 2);
    assert_int_equal(span->start_time_unix_nano, 1700000000000000001ull);
    assert_int_equal(span->status->code, 2);
    assert_string_equal(span->status->message, "m");
    protobuf_c_message_free_unpacked(m, NULL);
    free(pb);
}

static void test_hex_ids_any_case(void **state)
{
    (void)state;
    assert_same_request(SPAN("{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
                             "\"parentSpanId\":\"eee19b7ec3c1b174\"}"),
                        SPAN("{\"traceId\":\"5B8EFFF798038103D269B633813FC60C\","
                             "\"parentSpanId\":\"EeE19B7eC3c1b174\"}"));
    assert_same_request(SPAN("{\"traceId\":\"\",\"spanId\":\"\"}"), SPAN("{}"));
}

static void test_integers_as_numbers_or_strings(void **state)
{
    (void)state;
    assert_same_request(SPAN("{\"startTimeUnixNano\":\"1700000000000000001\","
                             "\"droppedAttributesCount\":\"7\",\"flags\":\"257\"}"),
                        SPAN("{\"startTimeUnixNano\":1700000000000000001,"
                             "\"droppedAttributesCount\":7,\"flags\":257}"));
    assert_same_request(VALUE("{\"intValue\":\"-9223372036854775808\"}"),
                        VALUE("{\"intValue\":-9223372036854775808}"));
    assert_same_request(VALUE("{\"intValue\":\"1000\"}"), VALUE("{\"intValue\":1e3}"));
    /* 2^64 - 2048, the largest double below 2^64, as a JSON real */
    assert_same_request(SPAN("{\"endTimeUnixNano\":\"18446744073709549568\"}"),
                        SPAN("{\"endTimeUnixNano\":1.8446744073709549568e19}"));
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_same_request(SPAN("{\"kind\":2,\"status\":{\"code\":2}}"),
                        SPAN("{\"kind\":\"SPAN_KIND_SERVER\",\"status\":{\"code\":\"STATUS_CODE_ERROR\"}}"));
    assert_same_request(SPAN("{\"kind\":0}"), SPAN("{\"kind\":\"SPAN_KIND_UNSPECIFIED\"}"));
    assert_read_error(SPAN("{\"kind\":\"2\"}"), SPAN_PATH ".kind: unknown enum name \"2\"");
}

static void test_doubles(void **state)
{
    (void)state;
    assert_same_request(VALUE("{\"doubleValue\":1.5}"), VALUE("{\"doubleValue\":\"1.5\"}"));
    assert_same_request(VALUE("{\"doubleValue\":3}"), VALUE("{\"doubleValue\":3.0}"));
    assert_same_request(VALUE("{\"doubleValue\":0.1}"), VALUE("{\"doubleValue\":1E-1}"));
    size_t a_len, b_len;
    uint8_t *nan = read_ok(VALUE("{\"doubleValue\":\"NaN\"}"), &a_len);
    uint8_t *inf = read_ok(VALUE("{\"doubleValue\":\"Infinity\"}"), &b_len);
    assert_int_equal(a_len, b_len);
    assert_memory_not_equal(nan, inf, a_len);
    free(nan);
    free(inf);
}

static void test_base64_alphabets(void **state)
{
    (void)state;
    assert_same_request(VALUE("{\"bytesValue\":\"+/+/\"}"), VALUE("{\"bytesValue\":\"-_-_\"}"));
    assert_same_request(VALUE("{\"bytesValue\":\"YWI=\"}"), VALUE("{\"bytesValue\":\"YWI\"}"));
    assert_same_request(VALUE("{\"bytesValue\":\"YQ==\"}"), VALUE("{\"bytesValue\":\"YQ\"}"));
}

static void test_unknown_and_null_ignored(void **state)
{
    (void)state;
    assert_same_request(SPAN("{\"name\":\"n\"}"),
                        "{\"future\":{\"a\":[1,{\"b\":null}]},\"resourceSpans\":[{\"x\":1,"
                        "\"scopeSpans\":[{\"spans\":[{\"name\":\"n\",\"nameX\":5,"
                        "\"status\":null,\"attributes\":null,\"kind\":null}]}]}]}");
    /* the original proto names are not OTLP/JSON keys: unknown, ignored */
    size_t len;
    uint8_t *pb = read_ok("{\"resource_spans\":[{\"scope_spans\":[]}]}", &len);
    assert_int_equal(len, 0);
    free(pb);
    assert_same_request(SPAN("{\"droppedAttributesCount\":1}"),
                        SPAN("{\"droppedAttributesCount\":1,\"dropped_attributes_count\":9}"));
    assert_same_request(VALUE("{}"), VALUE("{\"stringValue\":null}"));
}

static void test_escaped_strings(void **state)
{
    (void)state;
    assert_same_request(SPAN("{\"name\":\"caf\xc3\xa9 \xf0\x9f\x98\x80 /\"}"),
                        SPAN("{\"name\":\"caf\\u00E9 \\ud83d\\ude00 \\/\"}"));
    /* an escaped backslash before "ud800" starts no escape */
    assert_same_request(SPAN("{\"name\":\"\\\\ud800\"}"), SPAN("{\"name\":\"\\u005cud800\"}"));
}

static void test_errors_name_the_field(void **state)
{
    (void)state;
    assert_read_error("[]", "(root): expected an object");
    assert_read_error("{\"resourceSpans\":{}}", "resourceSpans: expected a list");
    assert_read_error("{\"resourceSpans\":[1]}", "resourceSpans[0]: expected an object");
    assert_read_error(SPAN("{\"traceId\":\"abc\"}"), SPAN_PATH ".traceId: expected 32 hex digits");
    assert_read_error(SPAN("{\"traceId\":\"5b8efff798038103d269b633813fc60c00\"}"),
                      SPAN_PATH ".traceId: expected 32 hex digits");
    assert_read_error(SPAN("{\"spanId\":\"eee19b7ec3c1b17\"}"),
                      SPAN_PATH ".spanId: expected 16 hex digits");
    assert_read_error(SPAN("{\"parentSpanId\":\"eee19b7ec3c1b17g\"}"),
                      SPAN_PATH ".parentSpanId: expected 16 hex digits");
    assert_read_error(SPAN("{\"spanId\":1}"), SPAN_PATH ".spanId: expected a hex string");
    assert_read_error(
        SPAN("{\"links\":[{},{\"traceId\":\"5b8efff798038103d269b633813fc6\"}]}"),
        SPAN_PATH ".links[1].traceId: expected 32 hex digits");
    assert_read_error(SPAN("{\"kind\":\"SPAN_KIND_BOGUS\"}"),
                      SPAN_PATH ".kind: unknown enum name \"SPAN_KIND_BOGUS\"");
    assert_read_error(SPAN("{\"kind\":2147483648}"), SPAN_PATH ".kind: expected a 32-bit");
    assert_read_error(SPAN("{\"kind\":1.5}"), SPAN_PATH ".kind: expected a 32-bit");
    assert_read_error(SPAN("{\"name\":5}"), SPAN_PATH ".name: expected a string");
    assert_read_error(SPAN("{\"status\":[]}"), SPAN_PATH ".status: expected an object");
    assert_read_error(SPAN("{\"attributes\":[null]}"),
                      SPAN_PATH ".attributes[0]: null is not a valid list element");
    assert_read_error(SPAN("{\"name\":\"a\\u0000b\"}"), SPAN_PATH ".name: strings holding U+0000");
}

static void test_number_errors(void **state)
{
    (void)state;
    static const char *bad_times[] = {"\"-1\"", "\"12a\"", "\"\"", "\" 1\"", "\"+1\"", "1.5",
                                      "-1", "true", "\"18446744073709551616\"", "{}"};
    char json[256];
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
        snprintf(json, sizeof json, SPAN("{\"startTimeUnixNano\":%s}"), bad_times[i]);
        assert_read_error(json, SPAN_PATH ".startTimeUnixNano: expected an unsigned 64-bit");
    }
    assert_read_error(VALUE("{\"intValue\":\"9223372036854775808\"}"),
                      VALUE_PATH ".intValue: expected a 64-bit integer");
    assert_read_error(VALUE("{\"intValue\":\"-9223372036854775809\"}"),
                      VALUE_PATH ".intValue: expected a 64-bit integer");
    assert_read_error(VALUE("{\"intValue\":9.3e18}"), VALUE_PATH ".intValue: expected a 64-bit");
    assert_read_error(SPAN("{\"droppedAttributesCount\":-1}"),
                      SPAN_PATH ".droppedAttributesCount: expected an unsigned 32-bit");
    assert_read_error(SPAN("{\"droppedAttributesCount\":\"4294967296\"}"),
                      SPAN_PATH ".droppedAttributesCount: expected an unsigned 32-bit");
    assert_read_error(VALUE("{\"boolValue\":\"true\"}"), VALUE_PATH ".boolValue: expected true");
    assert_read_error(VALUE("{\"doubleValue\":\"nan\"}"), VALUE_PATH ".doubleValue: expected a number");
    assert_read_error(VALUE("{\"doubleValue\":\"1e999\"}"), VALUE_PATH ".doubleValue: expected a number");
    assert_read_error(VALUE("{\"doubleValue\":\"0x10\"}"), VALUE_PATH ".doubleValue: expected a number");
    assert_read_error(VALUE("{\"bytesValue\":\"a\"}"), VALUE_PATH ".bytesValue: invalid base64");
    assert_read_error(VALUE("{\"bytesValue\":\"@@@@\"}"), VALUE_PATH ".bytesValue: invalid base64");
    assert_read_error(VALUE("{\"bytesValue\":\"YQ=\"}"), VALUE_PATH ".bytesValue: invalid base64");
}

static void test_oneof_conflict(void **state)
{
    (void)state;
    assert_read_error(VALUE("{\"stringValue\":\"a\",\"intValue\":1}"),
                      VALUE_PATH ".intValue: another member of the same oneof is already set");
}

/* An attribute value nested `depth` levels deep in arrays. */
static char *nested_json(int depth)
{
    size_t cap = (size_t)depth * 32 + 256, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)sprintf(s + n, "%s", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{"
                                      "\"attributes\":[{\"key\":\"k\",\"value\":");
    for (int i = 1; i < depth; i++)
        n += (size_t)sprintf(s + n, "{\"arrayValue\":{\"values\":[");
    n += (size_t)sprintf(s + n, "{\"intValue\":\"1\"}");
    for (int i = 1; i < depth; i++)
        n += (size_t)sprintf(s + n, "]}}");
    sprintf(s + n, "}]}]}]}]}");
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    size_t len;
    char *ok = nested_json(OTLP_JSON_MAX_DEPTH);
    char *deep = nested_json(OTLP_JSON_MAX_DEPTH + 1);
    uint8_t *pb = read_ok(ok, &len);
    struct otlp_buf back = to_json(pb, len);
    assert_same_json(back.data, back.len, ok, strlen(ok));
    assert_read_error(deep, VALUE_PATH ".arrayValue.values[0]");
    char err[256];
    uint8_t *none;
    assert_int_equal(otlp_json_read(deep, strlen(deep), &none, &len, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, ": values nested deeper than 64 levels"));
    otlp_buf_free(&back);
    free(pb);
    free(ok);
    free(deep);
}

static void test_invalid_json(void **state)
{
    (void)state;
    assert_read_error("{\"resourceSpans\":[", "invalid JSON at line 1 column");
    assert_read_error("", "invalid JSON");
    assert_read_error("{\"a\":\"\xff\"}", "invalid JSON"); /* not UTF-8 */
    assert_read_error("{\"a\":1} x", "invalid JSON");
}

/* What the tokenizer refuses, as jansson did before it. */
static void test_invalid_tokens(void **state)
{
    (void)state;
    assert_read_error("{\"a\":1,}", "invalid JSON at line 1 column 8");
    assert_read_error("{\"a\":[1,]}", "invalid JSON");
    assert_read_error("{\"a\" 1}", "invalid JSON");
    assert_read_error("{\"a\":01}", "invalid JSON");
    assert_read_error("{\"a\":1.}", "invalid JSON");
    assert_read_error("{\"a\":-}", "invalid JSON");
    assert_read_error("{\"a\":tru}", "invalid JSON");
    assert_read_error("{\"a\":\"\\ud800\"}", "invalid JSON"); /* lone surrogate */
    assert_read_error("{\"a\":\"\\udc00\"}", "invalid JSON");
    /* yajl alone would pair these, or read the lone one as '?' */
    assert_read_error("{\"a\":\"\\ud800\\u0041\"}", "invalid JSON");
    assert_read_error("{\"a\":\"\\ud800x\"}", "invalid JSON");
    assert_read_error("{\"a\":\"\\\\\\\"\\ud800\"}", "invalid JSON");
    assert_read_error("{\"a\":\"\\x\"}", "invalid JSON");
    assert_read_error("{\"a\":\"\t\"}", "invalid JSON"); /* raw control character */
    assert_read_error("{\"a\":99999999999999999999}", "invalid JSON");
    assert_read_error("{\"a\":1e999}", "invalid JSON");
    assert_read_error("\n{\"a\":\n x}", "invalid JSON at line 3 column 2");
    assert_read_error("1", "invalid JSON");
}

/* Skipped values are checked as strictly as read ones, at any depth. */
static void test_skipped_values(void **state)
{
    (void)state;
    char deep[5000];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"x\":");
    for (int i = 0; i < 2000; i++)
        deep[n++] = '[';
    for (int i = 0; i < 2000; i++)
        deep[n++] = ']';
    memcpy(deep + n, "}", 2);
    size_t len;
    free(read_ok(deep, &len));
    assert_read_error("{\"x\":[{\"a\":1,\"b\"}]}", "invalid JSON");
    assert_read_error("{\"x\":{\"\xc3\":1}}", "invalid JSON");
}

/* Nesting past 2048 arrays and objects, the document's own included, is
 * refused even where the values are skipped. */
static void test_nesting_limit(void **state)
{
    (void)state;
    for (int inner = 2047; inner <= 2048; inner++) {
        char *doc = malloc(2 * (size_t)inner + 16);
        assert_non_null(doc);
        size_t n = (size_t)sprintf(doc, "{\"x\":");
        memset(doc + n, '[', (size_t)inner);
        memset(doc + n + inner, ']', (size_t)inner);
        memcpy(doc + n + 2 * (size_t)inner, "}", 2);
        size_t len;
        uint8_t *pb;
        char err[256];
        if (inner == 2047)
            free(read_ok(doc, &len));
        else if (otlp_json_read(doc, strlen(doc), &pb, &len, err, sizeof err) != -EINVAL ||
                 !strstr(err, "too deeply nested"))
            fail_msg("%d nested arrays: \"%s\"", inner + 1, err);
        free(doc);
    }
}

/* n spans after pad spaces: strings with escapes, integers, reals and
 * literals, which the pads move across the places where the body is cut
 * for the parser (every 16 KiB). */
static char *padded_spans(int pad, int n)
{
    static const char span[] =
        "{\"name\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\",\"kind\":2,"
        "\"startTimeUnixNano\":1700000000000000001,\"attributes\":[{\"key\":\"k\","
        "\"value\":{\"doubleValue\":-1.5e-3}},{\"key\":\"b\",\"value\":{\"boolValue\":true}}],"
        "\"status\":null}";
    char *doc = malloc((size_t)pad + (size_t)n * sizeof span + 64);
    assert_non_null(doc);
    size_t len = (size_t)sprintf(doc, "{%*s\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[", pad, "");
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(doc + len, "%s%s", i ? "," : "", span);
    memcpy(doc + len, "]}]}]}", 7);
    return doc;
}

static void test_tokens_across_chunks(void **state)
{
    (void)state;
    size_t want_len, len;
    char *doc = padded_spans(0, 400);
    uint8_t *want = read_ok(doc, &want_len);
    free(doc);
    for (int pad = 1; pad < 48; pad++) {
        doc = padded_spans(pad, 400);
        uint8_t *pb = read_ok(doc, &len);
        if (len != want_len || memcmp(pb, want, len) != 0)
            fail_msg("read differently after %d spaces", pad);
        free(pb);
        free(doc);
    }
    free(want);
}

/* Errors far into a body name their line and column; an error in a field
 * comes before a syntax error later in the same body. */
static void test_errors_in_order(void **state)
{
    (void)state;
    size_t n = 0;
    char *doc = malloc(30000 * 3 + 32);
    assert_non_null(doc);
    n += (size_t)sprintf(doc, "{\"a\":[");
    for (int i = 0; i < 30000; i++)
        n += (size_t)sprintf(doc + n, "1,\n");
    memcpy(doc + n, " x]}", 5);
    assert_read_error(doc, "invalid JSON at line 30001 column 2:");
    free(doc);
    assert_read_error(SPAN("{\"name\":5}") " x", SPAN_PATH ".name: expected a string");
}

/* A key spelled with escapes is the same key. */
static void test_escaped_keys(void **state)
{
    (void)state;
    assert_same_request(SPAN("{\"name\":\"n\"}"), SPAN("{\"n\\u0061me\":\"n\"}"));
}

/* A body of empty objects would cost some 25 times its size as structs:
 * refused, naming the limit; real requests stay well under it. */
static void test_expansion_limit(void **state)
{
    (void)state;
    size_t n = 3u << 20, len = 0;
    char *json = malloc(n + 64);
    assert_non_null(json);
    len += (size_t)sprintf(json, "{\"resourceSpans\":[");
    while (len < n)
        len += (size_t)sprintf(json + len, "{},");
    memcpy(json + len, "{}]}", 5);
    uint8_t *pb;
    char err[256];
    assert_int_equal(otlp_json_read(json, strlen(json), &pb, &len, err, sizeof err), -EINVAL);
    assert_null(pb);
    assert_non_null(strstr(err, "more than 8 times its size"));
    free(json);
}

static void test_error_buffer_sizes(void **state)
{
    (void)state;
    const char *json = SPAN("{\"spanId\":\"zz\"}");
    uint8_t *pb;
    size_t len;
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(otlp_json_read(json, strlen(json), &pb, &len, small, sizeof small), -EINVAL);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, "resourc", 7);
    assert_int_equal(otlp_json_read(json, strlen(json), &pb, &len, NULL, 0), -EINVAL);
    assert_null(pb);
}

/* The input need not be NUL-terminated: only len bytes are read. */
static void test_reads_only_len_bytes(void **state)
{
    (void)state;
    const char *text = "{}garbage";
    size_t len;
    uint8_t *pb;
    char err[64];
    assert_int_equal(otlp_json_read(text, 2, &pb, &len, err, sizeof err), 0);
    assert_int_equal(len, 0);
    free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_request),
        cmocka_unit_test(test_reads_the_fields),
        cmocka_unit_test(test_hex_ids_any_case),
        cmocka_unit_test(test_integers_as_numbers_or_strings),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_base64_alphabets),
        cmocka_unit_test(test_unknown_and_null_ignored),
        cmocka_unit_test(test_escaped_strings),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_oneof_conflict),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_invalid_tokens),
        cmocka_unit_test(test_skipped_values),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_tokens_across_chunks),
        cmocka_unit_test(test_errors_in_order),
        cmocka_unit_test(test_escaped_keys),
        cmocka_unit_test(test_expansion_limit),
        cmocka_unit_test(test_error_buffer_sizes),
        cmocka_unit_test(test_reads_only_len_bytes),
    };
    return cmocka_run_group_tests_name("otlp_json_read", tests, NULL, NULL);
}
