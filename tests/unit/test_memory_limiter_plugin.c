/*
 * The memory_limiter plugin on the SDK test kit: above its limit it
 * refuses data with RETRY and asks the host to give memory back, paced by
 * min_gc_interval_when_hard_limited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <otelc/testkit.h>

const otelc_plugin *otelc_plugin_entry_v1(void);

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Memory the process holds (touched, so it is resident) while a test runs:
 * with a limit of 1 MiB the process is above it. */
static char *ballast;

static void *started(otelc_test_host *h, const char *yaml)
{
    void *state = NULL;
    ballast = malloc(4u << 20);
    assert_non_null(ballast);
    memset(ballast, 1, 4u << 20);
    assert_int_equal(otelc_test_plugin_create(h, otelc_plugin_entry_v1(), NULL, yaml, &state),
                     0);
    assert_int_equal(otelc_plugin_entry_v1()->start(state), 0);
    return state;
}

static void stop(otelc_test_host *h, void *state)
{
    otelc_plugin_entry_v1()->shutdown(state, 0);
    otelc_plugin_entry_v1()->destroy(state);
    free(ballast);
    assert_int_equal(otelc_test_host_check(h), 0);
    otelc_test_host_free(h);
}

static void above_the_limit_memory_is_released_and_data_refused(void **unused)
{
    otelc_test_host *h = otelc_test_host_new();
    void *state = started(h, "check_interval: 20ms\nlimit_mib: 1\n"
                             "min_gc_interval_when_hard_limited: 0s\n");
    sleep_ms(150);
    assert_true(otelc_test_host_memory_releases(h) >= 3); /* at every check */
    assert_true(otelc_test_metric(h, "otelc_processor_memory_limiter_releases_total", NULL) >= 3);
    otelc_batch *b = otelc_test_batch_spans("svc", 10);
    assert_int_equal(otelc_test_plugin_consume(h, b, NULL), OTELC_RETRY);
    otelc_batch_unref(b);
    stop(h, state);
}

static void releases_are_paced(void **unused)
{
    otelc_test_host *h = otelc_test_host_new();
    void *state = started(h, "check_interval: 20ms\nlimit_mib: 1\n");
    sleep_ms(150);
    assert_int_equal(otelc_test_host_memory_releases(h), 1); /* 10s apart by default */
    stop(h, state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(above_the_limit_memory_is_released_and_data_refused),
        cmocka_unit_test(releases_are_paced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
