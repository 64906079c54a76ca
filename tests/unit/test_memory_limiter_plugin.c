/*
 * The memory_limiter plugin on the SDK test kit: above its limit it
 * refuses data with RETRY and asks the host to give memory back, paced by
 * min_gc_interval_when_hard_limited; in a metrics or logs pipeline it
 * counts what it refuses in that signal's unit.
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

/* An empty ResourceLogs / ResourceMetrics: the limiter never reads the
 * bytes, only the item count the batch carries. */
static const uint8_t one_resource[] = {0x0a, 0x00};

static void started_for(otelc_test_host *h, void **state, otelc_signal s, const char *yaml)
{
    otelc_test_host_set_signals_fed(h, s);
    *state = started(h, yaml);
}

static void logs_are_refused_and_counted_as_log_records(void **unused)
{
    otelc_test_host *h = otelc_test_host_new();
    void *state;
    started_for(h, &state, OTELC_LOGS, "check_interval: 20ms\nlimit_mib: 1\n");
    otelc_batch *b = otelc_test_batch_of(OTELC_LOGS, one_resource, sizeof(one_resource), 7);
    assert_int_equal(otelc_test_plugin_consume(h, b, NULL), OTELC_RETRY);
    otelc_batch_unref(b);
    assert_true(otelc_test_metric(h, "otelcol_processor_refused_log_records_total", NULL) == 7);
    assert_int_equal(otelc_test_metric_series(h, "otelcol_processor_refused_spans_total"), 0);
    stop(h, state);
}

static void metrics_pass_unchanged_below_the_limit(void **unused)
{
    otelc_test_host *h = otelc_test_host_new();
    void *state;
    started_for(h, &state, OTELC_METRICS, "check_interval: 1s\nlimit_mib: 1000000\n");
    otelc_batch *b = otelc_test_batch_of(OTELC_METRICS, one_resource, sizeof(one_resource), 3);
    assert_int_equal(otelc_test_plugin_consume(h, b, NULL), OTELC_OK);
    assert_ptr_equal(otelc_test_emitted(h, 0), b); /* the batch itself: no copy */
    otelc_batch_unref(b);
    assert_int_equal(otelc_test_metric_series(h, "otelcol_processor_refused_metric_points_total"),
                     1);
    stop(h, state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(above_the_limit_memory_is_released_and_data_refused),
        cmocka_unit_test(releases_are_paced),
        cmocka_unit_test(logs_are_refused_and_counted_as_log_records),
        cmocka_unit_test(metrics_pass_unchanged_below_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
