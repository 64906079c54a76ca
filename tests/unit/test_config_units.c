/* Durations and sizes at their edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config_units.h"

static void duration_is(const char *text, int64_t expected)
{
    int64_t ns = 12345;
    const char *why = otelc_parse_duration(text, &ns);

    if (why != NULL)
        fail_msg("'%s': %s", text, why);
    assert_int_equal(ns, expected);
}

static void duration_fails(const char *text, const char *expected_why)
{
    int64_t ns = 12345;
    const char *why = otelc_parse_duration(text, &ns);

    if (why == NULL)
        fail_msg("'%s' parsed as %lld", text, (long long)ns);
    assert_string_equal(why, expected_why);
    assert_int_equal(ns, 12345);
}

static void size_is(const char *text, uint64_t expected)
{
    uint64_t bytes = 12345;
    const char *why = otelc_parse_size(text, &bytes);

    if (why != NULL)
        fail_msg("'%s': %s", text, why);
    assert_true(bytes == expected);
}

static void size_fails(const char *text, const char *expected_why)
{
    uint64_t bytes = 12345;
    const char *why = otelc_parse_size(text, &bytes);

    if (why == NULL)
        fail_msg("'%s' parsed as %llu", text, (unsigned long long)bytes);
    assert_string_equal(why, expected_why);
    assert_true(bytes == 12345);
}

static void test_duration_common_forms(void **state)
{
    duration_is("200ms", 200000000LL);
    duration_is("5s", 5000000000LL);
    duration_is("1h", 3600000000000LL);
    duration_is("1m30s", 90000000000LL);
    duration_is("1.5s", 1500000000LL);
    duration_is(".5s", 500000000LL);
    duration_is("1.s", 1000000000LL);
    duration_is("300us", 300000LL);
    duration_is("300\xc2\xb5s", 300000LL);
    duration_is("300\xce\xbcs", 300000LL);
    duration_is("1h2m3s4ms5us6ns", 3723004005006LL);
    duration_is("+2s", 2000000000LL);
}

static void test_duration_zero_and_tiny(void **state)
{
    duration_is("0", 0);
    duration_is("-0", 0);
    duration_is("0s", 0);
    duration_is("1ns", 1);
    duration_is("0.1ns", 0);
    duration_is("1.0000000001s", 1000000000LL);
}

static void test_duration_limits(void **state)
{
    duration_is("9223372036854775807ns", INT64_MAX);
    duration_is("2562047h47m16.854775807s", INT64_MAX);
    duration_is("-9223372036854775808ns", INT64_MIN);
    duration_is("-1s", -1000000000LL);
    duration_fails("9223372036854775808ns", "out of range");
    duration_fails("2562048h", "out of range");
    duration_fails("2562047h48m", "out of range");
    duration_fails("99999999999999999999ns", "out of range");
    duration_fails("-9223372036854775809ns", "out of range");
}

static void test_duration_malformed(void **state)
{
    duration_fails("", "not a duration");
    duration_fails("-", "not a duration");
    duration_fails("5", "missing unit (ns, us, ms, s, m, h)");
    duration_fails("1s5", "missing unit (ns, us, ms, s, m, h)");
    duration_fails("0.0", "missing unit (ns, us, ms, s, m, h)");
    duration_fails("5x", "unknown unit (ns, us, ms, s, m, h)");
    duration_fails("5 s", "unknown unit (ns, us, ms, s, m, h)");
    duration_fails("5S", "unknown unit (ns, us, ms, s, m, h)");
    duration_fails("1d", "unknown unit (ns, us, ms, s, m, h)");
    duration_fails("s", "not a duration");
    duration_fails(".s", "not a duration");
    duration_fails("--1s", "not a duration");
}

static void test_size_forms(void **state)
{
    size_is("0", 0);
    size_is("0B", 0);
    size_is("512", 512);
    size_is("1B", 1);
    size_is("4MiB", 4194304ULL);
    size_is("20MiB", 20971520ULL);
    size_is("512KiB", 524288ULL);
    size_is("1GiB", 1073741824ULL);
    size_is("2TiB", 2199023255552ULL);
    size_is("1MB", 1000000ULL);
    size_is("1kB", 1000ULL);
    size_is("1KB", 1000ULL);
    size_is("3GB", 3000000000ULL);
    size_is("1TB", 1000000000000ULL);
}

static void test_size_limits(void **state)
{
    size_is("18446744073709551615", UINT64_MAX);
    size_is("17179869183GiB", 17179869183ULL << 30);
    size_fails("18446744073709551616", "out of range");
    size_fails("17179869184GiB", "out of range");
    size_fails("99999999999999999999999", "out of range");
}

static void test_size_malformed(void **state)
{
    size_fails("", "not a size");
    size_fails("MiB", "not a size");
    size_fails("-1", "must not be negative");
    size_fails("-1KiB", "must not be negative");
    size_fails("1.5MiB", "not a whole number");
    size_fails("4mib", "unknown unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
    size_fails("4 MiB", "unknown unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
    size_fails("4MiBs", "unknown unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
    size_fails("1EiB", "unknown unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_common_forms),
        cmocka_unit_test(test_duration_zero_and_tiny),
        cmocka_unit_test(test_duration_limits),
        cmocka_unit_test(test_duration_malformed),
        cmocka_unit_test(test_size_forms),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_size_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
