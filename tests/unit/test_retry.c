/* Back-off intervals: growth, cap, jitter bounds, max_elapsed_time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "queue/retry.h"

#define S 1000000000LL

static void test_grows_and_caps(void **state)
{
    retry_cfg c;
    retry_cfg_defaults(&c);
    c.randomization_factor = 0;
    retry_state st;
    uint64_t seed = 1;
    retry_begin(&st, &c, 0);
    assert_int_equal(retry_next(&st, &c, 0, &seed), 5 * S);
    assert_int_equal(retry_next(&st, &c, 0, &seed), 7500000000LL);
    for (int i = 0; i < 20; i++)
        retry_next(&st, &c, 0, &seed);
    assert_int_equal(retry_next(&st, &c, 0, &seed), 30 * S);
}

static void test_jitter_stays_in_bounds(void **state)
{
    retry_cfg c;
    retry_cfg_defaults(&c);
    uint64_t seed = 42;
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 1000; i++) {
        retry_state st;
        retry_begin(&st, &c, 0);
        int64_t w = retry_next(&st, &c, 0, &seed);
        assert_true(w >= 2500000000LL && w <= 7500000000LL);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    assert_true(hi - lo > 2 * S); /* it does spread */
}

static void test_max_elapsed_time(void **state)
{
    retry_cfg c;
    retry_cfg_defaults(&c);
    c.randomization_factor = 0;
    c.max_elapsed_time = 10 * S;
    retry_state st;
    uint64_t seed = 1;
    retry_begin(&st, &c, 0);
    assert_int_equal(retry_next(&st, &c, 0, &seed), 5 * S);
    assert_int_equal(retry_next(&st, &c, 5 * S, &seed), -1); /* 5s + 7.5s > 10s */
    c.max_elapsed_time = 0; /* forever */
    retry_begin(&st, &c, 0);
    assert_true(retry_next(&st, &c, 1000000 * S, &seed) > 0);
    c.enabled = false;
    assert_int_equal(retry_next(&st, &c, 0, &seed), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows_and_caps),
        cmocka_unit_test(test_jitter_stays_in_bounds),
        cmocka_unit_test(test_max_elapsed_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
