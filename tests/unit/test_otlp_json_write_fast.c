/*
 * test_otlp_json_write_fast.c: the OTLP/JSON writer's single pass and its
 * value formatting at their edges. Each case is written twice: as an
 * encoder writes it (the single pass) and with an unknown field added,
 * which the single pass gives up on, so the two-pass writer writes it;
 * both must give the expected text, or the same error.
 */
#include "test_otlp_json_wire.h"

#include <errno.h>
#include <inttypes.h>

/* A copy of w, with an unknown field appended when `unknown` is set. */
static struct wire copy_of(const struct wire *w, bool unknown)
{
    struct wire c = {0};
    w_raw(&c, w->p, w->len);
    if (unknown)
        f_varint(&c, 99, 1);
    return c;
}

/* The request around a span, written; returns the writer's result. */
static int write_span(const struct wire *span, bool unknown, struct otlp_buf *out)
{
    struct wire s = copy_of(span, unknown);
    struct wire req = request_of_span(&s);
    int rc = otlp_json_write_buf(req.p, req.len, out);
    free(req.p);
    return rc;
}

/* Both writers give the span's JSON `want` (without the request around
 * it); frees span. */
static void expect_span_both(struct wire *span, const char *want)
{
    size_t want_len = strlen(SPAN_JSON_PREFIX) + strlen(want) + strlen(SPAN_JSON_SUFFIX);
    char *full = malloc(want_len + 1);
    assert_non_null(full);
    snprintf(full, want_len + 1, SPAN_JSON_PREFIX "%s" SPAN_JSON_SUFFIX, want);
    for (int unknown = 0; unknown < 2; unknown++) {
        struct otlp_buf out = {0};
        assert_int_equal(write_span(span, unknown, &out), 0);
        assert_same_json(out.data, out.len, full, want_len);
        otlp_buf_free(&out);
    }
    free(full);
    free(span->p);
    memset(span, 0, sizeof *span);
}

static void expect_span_error_both(struct wire *span, int want_rc)
{
    for (int unknown = 0; unknown < 2; unknown++) {
        struct otlp_buf out = {0};
        assert_int_equal(write_span(span, unknown, &out), want_rc);
        otlp_buf_free(&out);
    }
    free(span->p);
    memset(span, 0, sizeof *span);
}

/* An attribute value written by both writers (the unknown field goes
 * into the AnyValue itself); frees av. */
static void expect_value_both(struct wire *av, const char *want_value)
{
    char want[512];
    struct wire with_unknown = copy_of(av, true);
    snprintf(want, sizeof want, "{\"attributes\":[{\"key\":\"k\",\"value\":%s}]}", want_value);
    struct wire span = span_with_value(av);
    expect_span_both(&span, want);
    span = span_with_value(&with_unknown);
    expect_span_both(&span, want);
}

/* JSON's escape of one byte, as the writer must give it. */
static size_t reference_escape(char *d, uint8_t c)
{
    switch (c) {
    case '"': return (size_t)sprintf(d, "\\\"");
    case '\\': return (size_t)sprintf(d, "\\\\");
    case '\b': return (size_t)sprintf(d, "\\b");
    case '\f': return (size_t)sprintf(d, "\\f");
    case '\n': return (size_t)sprintf(d, "\\n");
    case '\r': return (size_t)sprintf(d, "\\r");
    case '\t': return (size_t)sprintf(d, "\\t");
    default:
        if (c < 0x20)
            return (size_t)sprintf(d, "\\u%04x", c);
        *d = (char)c;
        return 1;
    }
}

/* {"name":"<s escaped>"} into want (large enough). */
static void name_json(char *want, const uint8_t *s, size_t n)
{
    char *d = want + sprintf(want, "{\"name\":\"");
    for (size_t i = 0; i < n; i++)
        d += reference_escape(d, s[i]);
    memcpy(d, "\"}", 3);
}

static void expect_name(const uint8_t *s, size_t n)
{
    char *want = malloc(6 * n + 16);
    assert_non_null(want);
    struct wire span = {0};
    f_bytes(&span, 5, s, n);
    name_json(want, s, n);
    expect_span_both(&span, want);
    free(want);
}

/* Each byte that needs an escape, at every position of strings a few
 * words long: the scan works a word at a time and reads the tail apart. */
static void test_escapes_at_every_position(void **state)
{
    (void)state;
    static const uint8_t specials[] = {0x01, '\b', '\t', '\n', '\f', '\r', 0x1f, '"', '\\'};
    uint8_t s[24];
    for (size_t len = 1; len <= sizeof s; len++)
        for (size_t pos = 0; pos < len; pos++)
            for (size_t k = 0; k < sizeof specials; k++) {
                memset(s, 'a', len);
                s[pos] = specials[k];
                s[len - 1 - (len - 1 - pos) / 2] = specials[(k + 1) % sizeof specials];
                expect_name(s, len);
            }
    memset(s, '"', sizeof s);
    expect_name(s, sizeof s);
}

/* Multi-byte characters anywhere are copied as they are, and an escape
 * after one is still made. */
static void test_utf8_at_every_position(void **state)
{
    (void)state;
    static const char *chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x7f"};
    uint8_t s[40];
    for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
        size_t cl = strlen(chars[c]);
        for (size_t len = 0; len <= 20; len++)
            for (size_t pos = 0; pos <= len; pos++) {
                memset(s, 'b', len);
                memcpy(s + pos, chars[c], cl);
                memset(s + pos + cl, 'b', len - pos);
                s[len + cl] = '\n';
                expect_name(s, len + cl + 1);
            }
    }
}

/* Invalid UTF-8 anywhere fails both writers the same way. */
static void test_invalid_utf8_at_every_position(void **state)
{
    (void)state;
    static const char *bad[] = {"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\x80", "\x80"};
    uint8_t s[40];
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        size_t bl = strlen(bad[b]);
        for (size_t len = 0; len <= 18; len++)
            for (size_t pos = 0; pos <= len; pos++) {
                struct wire span = {0};
                memset(s, 'c', len + bl);
                memcpy(s + pos, bad[b], bl);
                f_bytes(&span, 5, s, len + bl);
                expect_span_error_both(&span, -EILSEQ);
            }
    }
    struct wire av = {0};
    f_str(&av, 1, "fine \xe2\x82\xac then \xc3");
    struct wire span = span_with_value(&av);
    expect_span_error_both(&span, -EILSEQ);
}

/* Strings longer than one reservation are escaped in pieces; characters
 * and escapes fall across the pieces' edges. */
static void test_long_strings(void **state)
{
    (void)state;
    static const char unit[] = "ab\"\xe2\x82\xac\n\\\x01xyz\xf0\x9f\x98\x80";
    size_t n = 0, len = 9000;
    uint8_t *s = malloc(len + sizeof unit);
    assert_non_null(s);
    while (n < len) {
        memcpy(s + n, unit, sizeof unit - 1);
        n += sizeof unit - 1;
    }
    expect_name(s, n);
    memset(s, 'q', n);
    expect_name(s, n);
    free(s);
}

/* An integer written quoted (fixed64), bare (uint32) and negative
 * (int64), when it fits each. */
static void expect_integer(uint64_t v)
{
    char want[128];
    struct wire span = {0}, av = {0};
    f_fixed64(&span, 7, v);
    snprintf(want, sizeof want, "{\"startTimeUnixNano\":\"%" PRIu64 "\"}", v);
    expect_span_both(&span, want);
    if (v <= UINT32_MAX) {
        f_varint(&span, 10, v);
        snprintf(want, sizeof want, "{\"droppedAttributesCount\":%" PRIu64 "}", v);
        expect_span_both(&span, want);
    }
    if (v <= (uint64_t)INT64_MAX + 1) {
        int64_t neg = (int64_t)(0 - v);
        f_varint(&av, 3, (uint64_t)neg);
        snprintf(want, sizeof want, "{\"intValue\":\"%" PRId64 "\"}", neg);
        expect_value_both(&av, want);
    }
}

/* Integers at every digit count and its edges. */
static void test_integer_digit_counts(void **state)
{
    (void)state;
    uint64_t p = 1;
    for (int k = 0; k < 20; k++, p *= 10) {
        expect_integer(p);
        if (p > 1)
            expect_integer(p - 1);
    }
    expect_integer(UINT64_MAX);
    expect_integer((uint64_t)INT64_MAX + 1);
}

static void test_doubles_both_writers(void **state)
{
    (void)state;
    static const struct {
        double d;
        const char *text;
    } cases[] = {{0.5, "0.5"},       {12.25, "12.25"},     {-1234.5678, "-1234.5678"},
                 {0.001234, "0.001234"}, {1e-4, "0.0001"}, {42.0, "42"},
                 {1.0 / 3, "0.3333333333333333"}, {-0.0, "-0.0"}, {1e300, "1e+300"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[128];
        struct wire av = {0};
        f_double(&av, 4, cases[i].d);
        snprintf(want, sizeof want, "{\"doubleValue\":%s}", cases[i].text);
        expect_value_both(&av, want);
    }
}

/* Every byte value as hex, in an id and in bytes of any length. */
static void test_hex_every_byte(void **state)
{
    (void)state;
    uint8_t all[256];
    char want[600];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char *d = want + sprintf(want, "{\"traceId\":\"");
    for (int i = 0; i < 256; i++)
        d += sprintf(d, "%02x", i);
    memcpy(d, "\"}", 3);
    struct wire span = {0};
    f_bytes(&span, 1, all, sizeof all);
    expect_span_both(&span, want);
    f_bytes(&span, 2, "\xff\x00\x10\xab\xcd\xef\x01\x99", 8);
    expect_span_both(&span, "{\"spanId\":\"ff0010abcdef0199\"}");
}

/* RFC 4648's test vectors, and every padding case. */
static void test_base64_lengths(void **state)
{
    (void)state;
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd\xfc"};
    static const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
                                "//79/A=="};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char want[64];
        struct wire av = {0};
        f_bytes(&av, 7, in[i], strlen(in[i]));
        snprintf(want, sizeof want, "{\"bytesValue\":\"%s\"}", out[i]);
        expect_value_both(&av, want);
    }
}

/* A span with every kind of field, as an encoder writes it. */
static struct wire full_span(void)
{
    struct wire span = {0}, kv = {0}, av = {0}, arr = {0}, ev = {0}, link = {0}, st = {0};
    f_bytes(&span, 1, "0123456789abcdef", 16);
    f_bytes(&span, 2, "01234567", 8);
    f_str(&span, 3, "k=v");
    f_bytes(&span, 4, "76543210", 8);
    f_str(&span, 5, "GET /a");
    f_varint(&span, 6, 2);
    f_fixed64(&span, 7, 1767225599178439296u);
    f_fixed64(&span, 8, 1767225599324574919u);
    for (int i = 0; i < 3; i++) {
        f_str(&kv, 1, "attr");
        f_varint(&av, 3, (uint64_t)(i - 1));
        f_msg(&arr, 1, &av);
        f_str(&av, 1, "x");
        f_msg(&arr, 1, &av);
        f_msg(&av, 5, &arr);
        f_msg(&kv, 2, &av);
        f_msg(&span, 9, &kv);
    }
    f_varint(&span, 10, 1);
    f_fixed64(&ev, 1, 5);
    f_str(&ev, 2, "exception");
    f_msg(&span, 11, &ev);
    f_varint(&span, 12, 2);
    f_bytes(&link, 1, "0123456789abcdef", 16);
    f_fixed32(&link, 6, 1);
    f_msg(&span, 13, &link);
    f_varint(&span, 14, 3);
    f_str(&st, 2, "failed");
    f_varint(&st, 3, 2);
    f_msg(&span, 15, &st);
    f_fixed32(&span, 16, 257);
    return span;
}

#define FULL_SPAN_ATTR                                                                             \
    "{\"key\":\"attr\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":\"%d\"},"         \
    "{\"stringValue\":\"x\"}]}}}"

/* Every field kind of a span, and a span too large for the single pass
 * (whose attributes still go through it). */
static void test_full_span_both_writers(void **state)
{
    (void)state;
    char want[2048];
    struct wire span = full_span();
    snprintf(want, sizeof want,
             "{\"traceId\":\"30313233343536373839616263646566\",\"spanId\":\"3031323334353637\","
             "\"traceState\":\"k=v\",\"parentSpanId\":\"3736353433323130\",\"name\":\"GET /a\","
             "\"kind\":2,\"startTimeUnixNano\":\"1767225599178439296\","
             "\"endTimeUnixNano\":\"1767225599324574919\",\"attributes\":[" FULL_SPAN_ATTR
             "," FULL_SPAN_ATTR "," FULL_SPAN_ATTR "],\"droppedAttributesCount\":1,"
             "\"events\":[{\"timeUnixNano\":\"5\",\"name\":\"exception\"}],"
             "\"droppedEventsCount\":2,\"links\":[{\"traceId\":"
             "\"30313233343536373839616263646566\",\"flags\":1}],\"droppedLinksCount\":3,"
             "\"status\":{\"message\":\"failed\",\"code\":2},\"flags\":257}",
             -1, 0, 1);
    expect_span_both(&span, want);

    struct wire big = {0};
    char *big_want = malloc((size_t)64 * 1024);
    assert_non_null(big_want);
    char *d = big_want + sprintf(big_want, "{\"attributes\":[");
    for (int i = 0; i < 200; i++) {
        struct wire kv = {0}, av = {0};
        f_str(&kv, 1, "key");
        f_str(&av, 1, "a value");
        f_msg(&kv, 2, &av);
        f_msg(&big, 9, &kv);
        d += sprintf(d, "%s{\"key\":\"key\",\"value\":{\"stringValue\":\"a value\"}}",
                     i ? "," : "");
    }
    memcpy(d, "]}", 3);
    assert_true(big.len > 1024); /* past what the single pass takes at once */
    expect_span_both(&big, big_want);
    free(big_want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_at_every_position),
        cmocka_unit_test(test_utf8_at_every_position),
        cmocka_unit_test(test_invalid_utf8_at_every_position),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_integer_digit_counts),
        cmocka_unit_test(test_doubles_both_writers),
        cmocka_unit_test(test_hex_every_byte),
        cmocka_unit_test(test_base64_lengths),
        cmocka_unit_test(test_full_span_both_writers),
    };
    return cmocka_run_group_tests_name("otlp_json_write_fast", tests, NULL, NULL);
}
