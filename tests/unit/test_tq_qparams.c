/*
 * trace_query: query parameters: RFC 3339 times and Go durations, limits, times
 * in nanoseconds and Jaeger's microseconds, trace ids (Jaeger's short
 * form too), search tags; every refusal names its parameter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qparams.h"
#include "timeparse.h"

static void test_rfc3339(void **state)
{
    int64_t ns;
    assert_int_equal(s3_parse_rfc3339("1970-01-01T00:00:00Z", &ns), 0);
    assert_int_equal(ns, 0);
    assert_int_equal(s3_parse_rfc3339("2023-11-14T22:13:20Z", &ns), 0);
    assert_int_equal(ns, 1700000000000000000ll);
    assert_int_equal(s3_parse_rfc3339("2023-11-14T22:13:20.000000123Z", &ns), 0);
    assert_int_equal(ns, 1700000000000000123ll);
    assert_int_equal(s3_parse_rfc3339("2023-11-14t22:13:20.5z", &ns), 0);
    assert_int_equal(ns, 1700000000500000000ll);
    assert_int_equal(s3_parse_rfc3339("2023-11-15T00:13:20+02:00", &ns), 0);
    assert_int_equal(ns, 1700000000000000000ll);
    assert_int_equal(s3_parse_rfc3339("2023-11-14 20:13:20-02:00", &ns), 0);
    assert_int_equal(ns, 1700000000000000000ll);
    const char *bad[] = {"2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z",
                         "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zjunk", "yesterday",
                         "2023-11-14T22:13:20+2:00", "",
                         /* past what unix nanoseconds hold in 64 bits (found by fuzz_s3xml) */
                         "2263-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1600-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(s3_parse_rfc3339(bad[i], &ns), -1);
    assert_int_equal(s3_parse_rfc3339("2262-01-01T00:00:00Z", &ns), 0);
    assert_int_equal(ns, 9214646400000000000ll);
}

static void test_durations(void **state)
{
    int64_t ns;
    static const struct {
        const char *text;
        int64_t ns;
    } ok[] = {{"0", 0},          {"1ns", 1},           {"1.5us", 1500},  {"2\xc2\xb5s", 2000},
              {"100ms", 100000000}, {"1.2s", 1200000000}, {"1m", 60000000000},
              {"1h2m3.5s", 3723500000000}, {".5s", 500000000}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(tq_parse_duration(ok[i].text, &ns), 0);
        assert_int_equal(ns, ok[i].ns);
    }
    const char *bad[] = {"", "5", "5 s", "5parsecs", "-1s", "s", "1.5", "1e3ms"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(tq_parse_duration(bad[i], &ns), -1);
}

static void test_limits_times_durations(void **state)
{
    char err[256];
    size_t n;
    int64_t ns = 77;
    assert_int_equal(qp_limit("limit", NULL, 100, 10000, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 100);
    assert_int_equal(qp_limit("limit", "10000", 100, 10000, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 10000);
    assert_int_equal(qp_limit("limit", "10001", 100, 10000, &n, err, sizeof(err)), -1);
    assert_string_equal(err, "bad parameter limit: 10001 is above the limit of 10000");
    assert_int_equal(qp_limit("limit", "0", 100, 10000, &n, err, sizeof(err)), -1);
    assert_int_equal(qp_limit("limit", "12abc", 100, 10000, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad parameter limit"));

    assert_int_equal(qp_time("start", "", &ns, err, sizeof(err)), 0);
    assert_int_equal(ns, 77); /* absent: untouched */
    assert_int_equal(qp_time("start", "1700000000000000123", &ns, err, sizeof(err)), 0);
    assert_int_equal(ns, 1700000000000000123ll);
    assert_int_equal(qp_time("start", "2023-11-14T22:13:20Z", &ns, err, sizeof(err)), 0);
    assert_int_equal(ns, 1700000000000000000ll);
    assert_int_equal(qp_time("end", "soon", &ns, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad parameter end"));
    assert_int_equal(qp_time_us("start", "1700000000000000", &ns, err, sizeof(err)), 0);
    assert_int_equal(ns, 1700000000000000000ll);
    assert_int_equal(qp_time_us("start", "2023-11-14T22:13:20Z", &ns, err, sizeof(err)), -1);
    assert_int_equal(qp_duration("minDuration", "1.5ms", &ns, err, sizeof(err)), 0);
    assert_int_equal(ns, 1500000);
    assert_int_equal(qp_duration("minDuration", "2500", &ns, err, sizeof(err)), 0);
    assert_int_equal(ns, 2500);
    assert_int_equal(qp_duration("maxDuration", "fast", &ns, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad parameter maxDuration"));
}

static void test_trace_ids(void **state)
{
    char err[256];
    uint8_t id[16], want[16] = {0};
    assert_int_equal(qp_trace_id("trace_id", "0102030405060708090a0b0c0d0e0F10", id, err,
                                 sizeof(err)),
                     0);
    for (int i = 0; i < 16; i++)
        want[i] = (uint8_t)(i + 1);
    assert_memory_equal(id, want, 16);
    assert_int_equal(qp_trace_id("traceId", "abc", id, err, sizeof(err)), 0);
    memset(want, 0, 16);
    want[14] = 0x0a;
    want[15] = 0xbc;
    assert_memory_equal(id, want, 16);
    assert_int_equal(qp_trace_id("traceId", "xyz", id, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad parameter traceId"));
    assert_int_equal(qp_trace_id("traceId", "", id, err, sizeof(err)), -1);
    assert_int_equal(qp_trace_id("traceId", "0102030405060708090a0b0c0d0e0f1011", id, err,
                                 sizeof(err)),
                     -1);
}

static void test_tags(void **state)
{
    char err[256];
    jaeger_tag_cond *c;
    size_t n;
    assert_int_equal(qp_tags("tags", "{\"error\":true,\"http.status_code\":500,\"a\":\"b\"}", &c,
                             &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 3);
    assert_string_equal(c[0].key, "error");
    assert_string_equal(c[0].value, "true");
    assert_string_equal(c[1].value, "500");
    assert_string_equal(c[2].value, "b");
    qp_tags_free(c, n);
    assert_int_equal(qp_tags("tags", NULL, &c, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
    const char *bad[] = {"error=true", "[1]", "{\"a\":{\"b\":1}}", "{\"a\":null}",
                         "{\"a\":\"1\",\"a\":\"2\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(qp_tags("tags", bad[i], &c, &n, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "bad parameter tags"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_limits_times_durations),
        cmocka_unit_test(test_trace_ids),
        cmocka_unit_test(test_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
