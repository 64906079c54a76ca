/*
 * test_otlp_json_write.c: the OTLP/JSON writer on hand-made wire bytes:
 * the exact JSON it gives, and that it reads back to what protobuf-c makes
 * of the same bytes (merges, last-one-wins, defaults), plus its errors.
 */
#include "test_otlp_json_wire.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>

/* Writes the request and checks the exact JSON; frees req. */
static void expect_json(struct wire *req, const char *want)
{
    struct otlp_buf json = to_json(req->p, req->len);
    assert_same_json(json.data, json.len, want, strlen(want));
    otlp_buf_free(&json);
    free(req->p);
    memset(req, 0, sizeof *req);
}

/* The JSON reads back to protobuf-c's re-encoding of the same bytes. */
static void assert_reader_agrees(const struct wire *req)
{
    size_t want_len, got_len;
    uint8_t *want = repack(req->p, req->len, &want_len);
    struct otlp_buf json = to_json(req->p, req->len);
    uint8_t *got = from_json(json.data, json.len, &got_len);
    assert_same_bytes(got, got_len, want, want_len);
    free(got);
    free(want);
    otlp_buf_free(&json);
}

/* The span's exact JSON, and agreement with protobuf-c; frees span. */
static void expect_span(struct wire *span, const char *want_span)
{
    char want[4096];
    struct wire req = request_of_span(span);
    snprintf(want, sizeof want, SPAN_JSON_PREFIX "%s" SPAN_JSON_SUFFIX, want_span);
    assert_reader_agrees(&req);
    expect_json(&req, want);
}

/* The JSON of an attribute value; frees av. */
static void expect_attr_value(struct wire *av, const char *want_value)
{
    char want[1024];
    struct wire span = span_with_value(av);
    snprintf(want, sizeof want, "{\"attributes\":[{\"key\":\"k\",\"value\":%s}]}", want_value);
    expect_span(&span, want);
}

static void expect_error(struct wire *req, int want_rc)
{
    struct otlp_buf out = {0};
    assert_int_equal(otlp_json_write_buf(req->p, req->len, &out), want_rc);
    assert_int_equal(out.len, 0);
    otlp_buf_free(&out);
    free(req->p);
    memset(req, 0, sizeof *req);
}

static void test_empty_request(void **state)
{
    (void)state;
    struct otlp_buf out = {0};
    assert_int_equal(otlp_json_write_buf(NULL, 0, &out), 0);
    assert_same_json(out.data, out.len, "{}", 2);
    assert_int_equal(otlp_json_writev_buf(NULL, 0, &out), 0);
    assert_same_json(out.data, out.len, "{}{}", 4); /* appended */
    otlp_buf_free(&out);
}

static void test_defaults_are_left_out(void **state)
{
    (void)state;
    struct wire span = {0};
    f_bytes(&span, 1, "", 0); /* trace_id */
    f_str(&span, 3, "");      /* trace_state */
    f_str(&span, 5, "");      /* name */
    f_varint(&span, 6, 0);    /* kind */
    f_fixed64(&span, 7, 0);   /* start_time_unix_nano */
    f_varint(&span, 10, 0);   /* dropped_attributes_count */
    f_fixed32(&span, 16, 0);  /* flags */
    expect_span(&span, "{}");
}

static void test_set_value_keeps_zero(void **state)
{
    (void)state;
    struct wire av = {0};
    f_str(&av, 1, "");
    expect_attr_value(&av, "{\"stringValue\":\"\"}");
    f_varint(&av, 2, 0);
    expect_attr_value(&av, "{\"boolValue\":false}");
    f_varint(&av, 3, 0);
    expect_attr_value(&av, "{\"intValue\":\"0\"}");
    f_double(&av, 4, 0.0);
    expect_attr_value(&av, "{\"doubleValue\":0}");
    f_bytes(&av, 7, "", 0);
    expect_attr_value(&av, "{\"bytesValue\":\"\"}");
    f_varint(&av, 8, 0);
    expect_attr_value(&av, "{\"stringValueStrindex\":0}");
    f_bytes(&av, 5, "", 0);
    expect_attr_value(&av, "{\"arrayValue\":{}}");
    expect_attr_value(&av, "{}"); /* an AnyValue with nothing set */
}

static void test_keys_in_field_number_order(void **state)
{
    (void)state;
    struct wire span = {0}, status = {0};
    f_fixed32(&span, 16, 1);
    f_varint(&status, 3, 2);
    f_msg(&span, 15, &status);
    f_fixed64(&span, 8, 20);
    f_fixed64(&span, 7, 10);
    f_varint(&span, 6, 3);
    f_str(&span, 5, "n");
    f_bytes(&span, 2, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    expect_span(&span, "{\"spanId\":\"0102030405060708\",\"name\":\"n\",\"kind\":3,"
                       "\"startTimeUnixNano\":\"10\",\"endTimeUnixNano\":\"20\","
                       "\"status\":{\"code\":2},\"flags\":1}");
}

static void test_last_scalar_wins(void **state)
{
    (void)state;
    struct wire span = {0};
    f_str(&span, 5, "first");
    f_varint(&span, 6, 2);
    f_str(&span, 5, "second");
    f_varint(&span, 6, 3);
    expect_span(&span, "{\"name\":\"second\",\"kind\":3}");
}

static void test_repeated_fields_interleaved(void **state)
{
    (void)state;
    struct wire span = {0}, kv = {0}, ev = {0};
    f_str(&kv, 1, "a");
    f_msg(&span, 9, &kv);
    f_str(&span, 5, "n");
    f_str(&kv, 1, "b");
    f_msg(&span, 9, &kv);
    f_str(&ev, 2, "e");
    f_msg(&span, 11, &ev);
    f_str(&kv, 1, "c");
    f_msg(&span, 9, &kv);
    expect_span(&span, "{\"name\":\"n\",\"attributes\":[{\"key\":\"a\"},{\"key\":\"b\"},"
                       "{\"key\":\"c\"}],\"events\":[{\"name\":\"e\"}]}");
}

static void test_singular_message_merged(void **state)
{
    (void)state;
    struct wire span = {0}, st = {0};
    f_str(&st, 2, "m");
    f_msg(&span, 15, &st);
    f_str(&span, 5, "n");
    f_varint(&st, 3, 2);
    f_msg(&span, 15, &st);
    expect_span(&span, "{\"name\":\"n\",\"status\":{\"message\":\"m\",\"code\":2}}");

    /* a resource given twice: attributes append, the later count wins */
    struct wire res = {0}, kv = {0}, rs = {0}, req = {0};
    f_str(&kv, 1, "a");
    f_msg(&res, 1, &kv);
    f_varint(&res, 2, 1);
    f_msg(&rs, 1, &res);
    f_str(&kv, 1, "b");
    f_msg(&res, 1, &kv);
    f_varint(&res, 2, 7);
    f_msg(&rs, 1, &res);
    f_msg(&req, 1, &rs);
    assert_reader_agrees(&req);
    expect_json(&req, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"a\"},"
                      "{\"key\":\"b\"}],\"droppedAttributesCount\":7}}]}");
}

static void test_merge_limit(void **state)
{
    (void)state;
    struct wire span = {0}, st = {0};
    for (int i = 0; i < OTLP_JSON_MAX_MERGE; i++) {
        f_varint(&st, 3, 1);
        f_msg(&span, 15, &st);
    }
    struct wire ok = {0};
    w_raw(&ok, span.p, span.len);
    expect_span(&ok, "{\"status\":{\"code\":1}}");
    f_msg(&span, 15, &st);
    struct wire req = request_of_span(&span);
    expect_error(&req, -E2BIG);
}

/* Within a oneof only the last member set counts, as in protobuf-c, which
 * also keeps only the last of repeated message members. */
static void test_oneof_last_member_wins(void **state)
{
    (void)state;
    struct wire av = {0}, arr = {0}, item = {0};
    f_str(&av, 1, "a");
    f_varint(&av, 3, 5);
    expect_attr_value(&av, "{\"intValue\":\"5\"}");
    f_varint(&av, 3, 5);
    f_str(&av, 1, "a");
    expect_attr_value(&av, "{\"stringValue\":\"a\"}");
    f_varint(&item, 3, 1);
    f_msg(&arr, 1, &item);
    f_msg(&av, 5, &arr);
    f_varint(&item, 3, 2);
    f_msg(&arr, 1, &item);
    f_msg(&av, 5, &arr);
    expect_attr_value(&av, "{\"arrayValue\":{\"values\":[{\"intValue\":\"2\"}]}}");
}

static void add_unknown_fields(struct wire *w)
{
    f_varint(w, 99, 1);
    f_fixed64(w, 100, 2);
    f_fixed32(w, 101, 3);
    f_str(w, 102, "junk");
}

static void test_unknown_fields_skipped(void **state)
{
    (void)state;
    struct wire av = {0}, kv = {0}, span = {0}, ss = {0}, rs = {0}, req = {0};
    add_unknown_fields(&av);
    f_str(&av, 1, "v");
    add_unknown_fields(&kv);
    f_str(&kv, 1, "k");
    f_msg(&kv, 2, &av);
    add_unknown_fields(&span);
    f_msg(&span, 9, &kv);
    add_unknown_fields(&ss);
    f_msg(&ss, 2, &span);
    f_msg(&rs, 2, &ss);
    add_unknown_fields(&rs);
    add_unknown_fields(&req);
    f_msg(&req, 1, &rs);
    add_unknown_fields(&req);
    expect_json(&req, SPAN_JSON_PREFIX
                "{\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":\"v\"}}]}"
                SPAN_JSON_SUFFIX);
}

static void test_malformed_input(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\x0a", 1},                 /* field 1 without its length */
        {"\x0a\x05\x12\x00", 4},     /* length past the end */
        {"\x08\x01", 2},             /* resource_spans as a varint */
        {"\x0a\x02\x1a\x80", 4},     /* truncated varint length */
        {"\x0a\x02\x0b\x00", 4},     /* group start */
        {"\x00\x01", 2},             /* field number 0 */
        {"\xf8\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11}, /* varint over 64 bits */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wire req = {0};
        w_raw(&req, bad[i].bytes, bad[i].len);
        expect_error(&req, -EBADMSG);
    }
    /* deeper: a span name as a varint, a truncated fixed64 */
    struct wire span = {0}, req;
    f_varint(&span, 5, 1);
    req = request_of_span(&span);
    expect_error(&req, -EBADMSG);
    w_tag(&span, 7, PB_I64);
    w_raw(&span, "\x01\x02\x03", 3);
    req = request_of_span(&span);
    expect_error(&req, -EBADMSG);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *bad[] = {"\xc3", "a\xed\xa0\x80z", "\xc0\x80", "\xff", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wire span = {0}, req;
        f_str(&span, 5, bad[i]);
        req = request_of_span(&span);
        expect_error(&req, -EILSEQ);
    }
}

/* An attribute whose value is an array nested `depth` levels deep. */
static struct wire nested_request(int depth)
{
    struct wire av = {0};
    f_varint(&av, 3, 1);
    for (int i = 1; i < depth; i++) {
        struct wire arr = {0};
        f_msg(&arr, 1, &av);
        f_msg(&av, 5, &arr);
    }
    struct wire span = span_with_value(&av);
    return request_of_span(&span);
}

static void test_depth_limit(void **state)
{
    (void)state;
    struct wire req = nested_request(OTLP_JSON_MAX_DEPTH);
    assert_reader_agrees(&req);
    struct otlp_buf out = to_json(req.p, req.len);
    otlp_buf_free(&out);
    free(req.p);
    req = nested_request(OTLP_JSON_MAX_DEPTH + 1);
    expect_error(&req, -ELOOP);
}

static void test_string_escapes(void **state)
{
    (void)state;
    char raw[64];
    size_t n = 0;
    for (int c = 1; c < 0x20; c++)
        raw[n++] = (char)c;
    static const char tail[] = "\"\\/\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    memcpy(raw + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    struct wire span = {0}, req;
    f_bytes(&span, 5, raw, n);
    expect_span(&span,
                "{\"name\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
                "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014"
                "\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e"
                "\\u001f\\\"\\\\/\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}");
    /* protobuf-c cannot hold NUL in a string, so only the text is checked */
    f_bytes(&span, 5, "a\0b", 3);
    req = request_of_span(&span);
    expect_json(&req, SPAN_JSON_PREFIX "{\"name\":\"a\\u0000b\"}" SPAN_JSON_SUFFIX);
}

static void test_hex_and_base64(void **state)
{
    (void)state;
    struct wire span = {0}, av = {0};
    f_bytes(&span, 1, "\x0a\xbc\xff", 3); /* not an id's length: still written */
    struct wire req = request_of_span(&span);
    expect_json(&req, SPAN_JSON_PREFIX "{\"traceId\":\"0abcff\"}" SPAN_JSON_SUFFIX);
    f_bytes(&av, 7, "\xfb\xff\xbf", 3);
    expect_attr_value(&av, "{\"bytesValue\":\"+/+/\"}");
    f_bytes(&av, 7, "ab", 2);
    expect_attr_value(&av, "{\"bytesValue\":\"YWI=\"}");
}

static void test_integers(void **state)
{
    (void)state;
    struct wire av = {0}, span = {0}, kv = {0};
    f_varint(&av, 3, (uint64_t)INT64_MIN);
    expect_attr_value(&av, "{\"intValue\":\"-9223372036854775808\"}");
    f_varint(&av, 3, INT64_MAX);
    expect_attr_value(&av, "{\"intValue\":\"9223372036854775807\"}");
    f_varint(&kv, 3, (uint64_t)-1); /* key_strindex -1: ten-byte varint */
    f_msg(&span, 9, &kv);
    f_varint(&span, 6, 0xffffffffu);                /* kind: int32 -1 */
    f_fixed64(&span, 7, UINT64_MAX);
    f_varint(&span, 10, 0xffffffffu);
    f_varint(&span, 12, ((uint64_t)1 << 32) | 5u); /* uint32 keeps 32 bits */
    f_varint(&span, 14, (uint64_t)1 << 32);        /* ... so this is 0 */
    expect_span(&span, "{\"kind\":-1,\"startTimeUnixNano\":\"18446744073709551615\","
                       "\"attributes\":[{\"keyStrindex\":-1}],"
                       "\"droppedAttributesCount\":4294967295,\"droppedEventsCount\":5}");
}

static void expect_double_text(double d, const char *want)
{
    char json[128];
    struct wire av = {0};
    f_double(&av, 4, d);
    snprintf(json, sizeof json, "{\"doubleValue\":%s}", want);
    expect_attr_value(&av, json);
    if (isfinite(d)) {
        double back = strtod(want, NULL);
        assert_memory_equal(&back, &d, sizeof d);
    }
}

static void test_doubles(void **state)
{
    (void)state;
    expect_double_text(0.1, "0.1");
    expect_double_text(149.99, "149.99");
    expect_double_text(-2.5, "-2.5");
    expect_double_text(3.0, "3");
    expect_double_text(123456789.125, "123456789.125");
    expect_double_text(0.0001, "0.0001");
    expect_double_text(0.00001, "1e-05");
    expect_double_text(1e-7, "1e-07");
    expect_double_text(1e14, "100000000000000");
    expect_double_text(1e15, "1e+15");
    expect_double_text(1e21, "1e+21");
    expect_double_text(9007199254740992.0, "9007199254740992");
    expect_double_text(0.30000000000000004, "0.30000000000000004");
    expect_double_text(1.0 / 3, "0.3333333333333333");
    expect_double_text(2.0 / 3, "0.6666666666666666");
    expect_double_text(DBL_MAX, "1.7976931348623157e+308");
    expect_double_text(DBL_MIN, "2.2250738585072014e-308");
    expect_double_text(5e-324, "5e-324");
    expect_double_text(-1.5e-300, "-1.5e-300");
    expect_double_text(-0.0, "-0.0");
    expect_double_text(NAN, "\"NaN\"");
    expect_double_text(INFINITY, "\"Infinity\"");
    expect_double_text(-INFINITY, "\"-Infinity\"");
}

/* Numbers are written in the C locale whatever the process uses. */
static void test_doubles_ignore_locale(void **state)
{
    (void)state;
    static const char *comma_locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR"};
    const char *set = NULL;
    for (size_t i = 0; !set && i < sizeof comma_locales / sizeof comma_locales[0]; i++)
        set = setlocale(LC_NUMERIC, comma_locales[i]);
    if (!set)
        skip(); /* no locale with a decimal comma is installed */
    expect_double_text(0.1, "0.1");
    expect_double_text(1.0 / 3, "0.3333333333333333");
    setlocale(LC_NUMERIC, "C");
}

struct counting_sink {
    struct otlp_buf got;
    int calls;
    int fail_with;
};

static int counting_sink(void *ctx, const char *p, size_t n)
{
    struct counting_sink *s = ctx;
    s->calls++;
    assert_true(n > 0);
    if (s->fail_with)
        return s->fail_with;
    s->got.data = realloc(s->got.data, s->got.len + n);
    assert_non_null(s->got.data);
    memcpy(s->got.data + s->got.len, p, n);
    s->got.len += n;
    return 0;
}

/* A span with many attributes: JSON much larger than the sink's chunks. */
static struct wire big_request(void)
{
    struct wire span = {0};
    for (int i = 0; i < 2000; i++) {
        struct wire av = {0}, kv = {0};
        char key[32];
        snprintf(key, sizeof key, "attribute.%d", i);
        f_str(&kv, 1, key);
        f_str(&av, 1, "some value of moderate length \"quoted\"");
        f_msg(&kv, 2, &av);
        f_msg(&span, 9, &kv);
    }
    return request_of_span(&span);
}

static void test_sink_gets_same_bytes(void **state)
{
    (void)state;
    struct wire req = big_request();
    struct otlp_buf want = to_json(req.p, req.len);
    struct counting_sink s = {0};
    assert_int_equal(otlp_json_write(req.p, req.len, counting_sink, &s), 0);
    assert_true(s.calls > 1);
    assert_same_json(s.got.data, s.got.len, want.data, want.len);
    otlp_buf_free(&s.got);
    otlp_buf_free(&want);
    free(req.p);
}

static void test_sink_error_stops_writer(void **state)
{
    (void)state;
    struct wire req = big_request();
    struct counting_sink s = {.fail_with = 42};
    assert_int_equal(otlp_json_write(req.p, req.len, counting_sink, &s), 42);
    assert_int_equal(s.calls, 1);
    free(req.p);
}

static void test_buffer_append_and_rollback(void **state)
{
    (void)state;
    struct otlp_buf out = {0};
    struct wire span = {0}, req;
    out.data = malloc(8);
    out.cap = 8;
    out.len = 3;
    memcpy(out.data, "xyz", 3);
    f_str(&span, 5, "n");
    req = request_of_span(&span);
    assert_int_equal(otlp_json_write_buf(req.p, req.len, &out), 0);
    const char *want = "xyz" SPAN_JSON_PREFIX "{\"name\":\"n\"}" SPAN_JSON_SUFFIX;
    assert_same_json(out.data, out.len, want, strlen(want));
    free(req.p);

    f_str(&span, 5, "\xff");
    req = request_of_span(&span);
    size_t before = out.len;
    assert_int_equal(otlp_json_write_buf(req.p, req.len, &out), -EILSEQ);
    assert_int_equal(out.len, before);
    assert_memory_equal(out.data, want, before);
    otlp_buf_free(&out);
    assert_null(out.data);
    free(req.p);
}

static void test_writev_joins_parts(void **state)
{
    (void)state;
    struct wire a = {0}, b = {0}, sa = {0}, sb = {0};
    f_str(&sa, 5, "a");
    f_str(&sb, 5, "b");
    a = request_of_span(&sa);
    b = request_of_span(&sb);
    pb_bytes parts[3] = {{a.p, a.len}, {NULL, 0}, {b.p, b.len}};
    struct otlp_buf out = {0};
    assert_int_equal(otlp_json_writev_buf(parts, 3, &out), 0);
    const char *want = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\"}]}]},"
                       "{\"scopeSpans\":[{\"spans\":[{\"name\":\"b\"}]}]}]}";
    assert_same_json(out.data, out.len, want, strlen(want));
    parts[1] = (pb_bytes){(const uint8_t *)"\x0a", 1};
    out.len = 0;
    assert_int_equal(otlp_json_writev_buf(parts, 3, &out), -EBADMSG);
    otlp_buf_free(&out);
    free(a.p);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_request),
        cmocka_unit_test(test_defaults_are_left_out),
        cmocka_unit_test(test_set_value_keeps_zero),
        cmocka_unit_test(test_keys_in_field_number_order),
        cmocka_unit_test(test_last_scalar_wins),
        cmocka_unit_test(test_repeated_fields_interleaved),
        cmocka_unit_test(test_singular_message_merged),
        cmocka_unit_test(test_merge_limit),
        cmocka_unit_test(test_oneof_last_member_wins),
        cmocka_unit_test(test_unknown_fields_skipped),
        cmocka_unit_test(test_malformed_input),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_hex_and_base64),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_doubles_ignore_locale),
        cmocka_unit_test(test_sink_gets_same_bytes),
        cmocka_unit_test(test_sink_error_stops_writer),
        cmocka_unit_test(test_buffer_append_and_rollback),
        cmocka_unit_test(test_writev_joins_parts),
    };
    return cmocka_run_group_tests_name("otlp_json_write", tests, NULL, NULL);
}
