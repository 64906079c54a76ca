/*
 * The memory_limiter's limits, by the collector's rules: required
 * check_interval, limit in MiB or as a percentage of the memory the
 * process may use, the spike room (20 % by default) below it, and the
 * figures read from /proc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ml.h"

#define MIB (1ull << 20)

static ml_cfg cfg(int64_t mib, int64_t spike_mib, int64_t pct, int64_t spike_pct)
{
    return (ml_cfg){.check_interval_ns = 1000000000, .limit_mib = mib, .spike_limit_mib = spike_mib,
                    .limit_percentage = pct, .spike_limit_percentage = spike_pct};
}

static void test_limits_in_mib(void **state)
{
    ml_limits l;
    char why[200];
    ml_cfg c = cfg(4000, 800, 0, 0);
    assert_int_equal(ml_limits_of(&c, 0, &l, why, sizeof(why)), 0);
    assert_true(l.hard == 4000 * MIB && l.soft == 3200 * MIB);
    c = cfg(1000, 0, 0, 0); /* spike: 20 % of the limit */
    assert_int_equal(ml_limits_of(&c, 0, &l, why, sizeof(why)), 0);
    assert_true(l.soft == 1000 * MIB - 200 * MIB);
}

static void test_limits_in_percent(void **state)
{
    ml_limits l;
    char why[200];
    ml_cfg c = cfg(0, 0, 80, 25);
    assert_int_equal(ml_limits_of(&c, 1000 * MIB, &l, why, sizeof(why)), 0);
    assert_true(l.hard == 1000 * MIB / 100 * 80 && l.soft == 1000 * MIB / 100 * 55);
    c = cfg(0, 0, 80, 0);
    assert_int_equal(ml_limits_of(&c, 1000 * MIB, &l, why, sizeof(why)), 0);
    assert_true(l.soft == l.hard - l.hard / 5);
}

static void test_refusals(void **state)
{
    ml_limits l;
    char why[200];
    ml_cfg c = cfg(100, 0, 0, 0);
    c.check_interval_ns = 0;
    assert_int_equal(ml_limits_of(&c, 0, &l, why, sizeof(why)), -1);
    assert_string_equal(why, "check_interval must be greater than zero");
    c = cfg(0, 0, 0, 0);
    assert_int_equal(ml_limits_of(&c, MIB, &l, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "limit_mib or limit_percentage"));
    c = cfg(100, 100, 0, 0);
    assert_int_equal(ml_limits_of(&c, 0, &l, why, sizeof(why)), -1);
    assert_string_equal(why, "spike_limit_mib must be smaller than limit_mib");
    c = cfg(0, 0, 50, 60);
    assert_int_equal(ml_limits_of(&c, MIB * 100, &l, why, sizeof(why)), -1);
    c = cfg(0, 0, 101, 0);
    assert_int_equal(ml_limits_of(&c, MIB * 100, &l, why, sizeof(why)), -1);
    c = cfg(0, 0, 50, 0);
    assert_int_equal(ml_limits_of(&c, 0, &l, why, sizeof(why)), -1); /* no total to take 50 % of */
}

static void test_readings(void **state)
{
    uint64_t rss = ml_rss_anon(), total = ml_total_memory();
    assert_true(rss > 0);
    assert_true(total > rss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_in_mib),
        cmocka_unit_test(test_limits_in_percent),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_readings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
