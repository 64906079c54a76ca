/*
 * test_client_stats.c: the example client's counters and latency
 * percentiles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

static void assert_near(uint64_t got, uint64_t want, double tolerance)
{
    double d = (double)got - (double)want;
    if (d < 0)
        d = -d;
    if (d > tolerance * (double)want)
        fail_msg("%llu is not within %.0f%% of %llu", (unsigned long long)got,
                 tolerance * 100, (unsigned long long)want);
}

/* 1..10000 us, shuffled: percentiles within the histogram's 3 %. */
static void test_percentiles(void **state)
{
    client_stats *st = malloc(sizeof(*st));

    stats_init(st);
    assert_int_equal(stats_latency_us(st, 0.5), 0);
    for (uint64_t i = 0; i < 10000; i++) {
        uint64_t us = (i * 7919) % 10000 + 1;
        stats_record(st, GRPC_OK, 1, us * 1000, NULL);
    }
    assert_near(stats_latency_us(st, 0.50), 5000, 0.03);
    assert_near(stats_latency_us(st, 0.99), 9900, 0.03);
    assert_int_equal(stats_latency_us(st, 1.0), 10000);
    assert_int_equal(st->latency_max_us, 10000);
    /* small values are exact */
    stats_init(st);
    for (int i = 0; i < 10; i++)
        stats_record(st, GRPC_OK, 1, 3000, NULL);
    assert_int_equal(stats_latency_us(st, 0.5), 3);
    /* a huge latency lands in a bucket, and the answer never passes the max */
    stats_record(st, GRPC_OK, 1, (uint64_t)1 << 62, NULL);
    assert_int_equal(stats_latency_us(st, 1.0), st->latency_max_us);
    free(st);
}

static void test_counts_and_failure(void **state)
{
    client_stats *st = malloc(sizeof(*st));

    stats_init(st);
    stats_record(st, GRPC_OK, 100, 1000, "OK");
    stats_record(st, GRPC_OK, 100, 1000, NULL);
    assert_false(stats_failed(st));
    assert_string_equal(st->first_message[GRPC_OK], "");
    stats_record(st, GRPC_UNAVAILABLE, 50, 1000, "queue full");
    stats_record(st, GRPC_UNAVAILABLE, 50, 1000, "something else");
    stats_record(st, 99, 10, 1000, "bad code");
    assert_true(stats_failed(st));
    assert_int_equal(st->requests, 5);
    assert_int_equal(st->by_code[GRPC_OK], 2);
    assert_int_equal(st->by_code[GRPC_UNAVAILABLE], 2);
    assert_int_equal(st->by_code[GRPC_UNKNOWN], 1);
    assert_int_equal(st->spans_ok, 200);
    assert_int_equal(st->spans_failed, 110);
    assert_string_equal(st->first_message[GRPC_UNAVAILABLE], "queue full");

    /* rejected spans inside OK answers fail the run too */
    stats_init(st);
    stats_record(st, GRPC_OK, 100, 1000, NULL);
    stats_rejected(st, 0, "");
    assert_false(stats_failed(st));
    stats_rejected(st, 3, "too old");
    stats_rejected(st, 2, "later message");
    assert_true(stats_failed(st));
    assert_int_equal(st->spans_rejected, 5);
    assert_string_equal(st->rejected_message, "too old");
    free(st);
}

static void test_print(void **state)
{
    client_stats *st = malloc(sizeof(*st));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    stats_init(st);
    stats_record(st, GRPC_OK, 100, 2000000, NULL);
    stats_record(st, GRPC_UNAVAILABLE, 100, 4000000, "try later");
    stats_print(st, f, 2.0);
    fclose(f);
    assert_non_null(strstr(text, "requests: 2 sent, 1 ok, 1 failed"));
    assert_non_null(strstr(text, "grpc-status 14 UNAVAILABLE"));
    assert_non_null(strstr(text, "try later"));
    assert_non_null(strstr(text, "spans: 100 acknowledged, 100 failed, 0 rejected"));
    assert_non_null(strstr(text, "rate: 50 spans/s"));
    assert_non_null(strstr(text, "max 4.000 ms"));
    free(text);

    /* spans an OK answer rejected are not counted as acknowledged */
    stats_rejected(st, 30, "too old");
    f = open_memstream(&text, &len);
    stats_print(st, f, 2.0);
    fclose(f);
    assert_non_null(strstr(text, "spans: 70 acknowledged, 100 failed, 30 rejected: too old"));
    assert_non_null(strstr(text, "rate: 35 spans/s"));
    free(text);
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_counts_and_failure),
        cmocka_unit_test(test_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
