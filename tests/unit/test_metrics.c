/* Unit tests for core/telemetry/metrics.c and core/telemetry/procstat.c: registration rules,
 * lock-free updates, the Prometheus text, and promtool's verdict on it. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "telemetry/metrics.h"
#include "telemetry/procstat.h"

static const double latency_buckets[] = {0.005, 0.1, 1, 2.5};

/* The registry's text as a NUL-terminated string (caller frees). */
static char *render(metrics_registry *r)
{
    struct evbuffer *out = evbuffer_new();
    size_t len;
    char *text;

    assert_non_null(out);
    assert_int_equal(metrics_render(r, out), 0);
    len = evbuffer_get_length(out);
    text = malloc(len + 1);
    assert_non_null(text);
    evbuffer_remove(out, text, len);
    text[len] = '\0';
    evbuffer_free(out);
    return text;
}

static otelc_series *series(metrics_registry *r, const char *name, otelc_metric_type type,
                            const char *const *labels)
{
    otelc_metric_desc d = {.name = name, .help = "help text", .type = type, .labels = labels};
    if (type == OTELC_HISTOGRAM) {
        d.buckets = latency_buckets;
        d.nbuckets = 4;
    }
    return metrics_series(r, &d);
}

static void test_same_labels_same_series(void **state)
{
    metrics_registry *r = metrics_new();
    const char *const ab[] = {"a", "1", "b", "2", NULL};
    const char *const ba[] = {"b", "2", "a", "1", NULL};
    const char *const other[] = {"a", "1", "b", "3", NULL};
    otelc_series *s1 = series(r, "x_total", OTELC_COUNTER, ab);

    assert_non_null(s1);
    assert_ptr_equal(series(r, "x_total", OTELC_COUNTER, ba), s1);
    assert_ptr_not_equal(series(r, "x_total", OTELC_COUNTER, other), s1);
    assert_ptr_not_equal(series(r, "x_total", OTELC_COUNTER, NULL), s1);
    metrics_free(r);
}

static void test_conflicts_and_invalid_descs(void **state)
{
    metrics_registry *r = metrics_new();
    const char *const dup[] = {"a", "1", "a", "2", NULL};
    const char *const le[] = {"le", "1", NULL};
    const char *const bad_key[] = {"1a", "x", NULL};
    const char *const reserved[] = {"__x", "x", NULL};
    const double unsorted[] = {1, 0.5};
    otelc_metric_desc h = {.name = "h", .type = OTELC_HISTOGRAM, .buckets = unsorted,
                           .nbuckets = 2};

    assert_non_null(series(r, "thing", OTELC_COUNTER, NULL));
    assert_null(series(r, "thing", OTELC_GAUGE, NULL));
    assert_null(series(r, "thing", OTELC_HISTOGRAM, NULL));
    assert_null(series(r, "9bad", OTELC_GAUGE, NULL));
    assert_null(series(r, "has-dash", OTELC_GAUGE, NULL));
    assert_null(series(r, "g", OTELC_GAUGE, dup));
    assert_null(series(r, "g", OTELC_GAUGE, bad_key));
    assert_null(series(r, "g", OTELC_GAUGE, reserved));
    assert_null(series(r, "hist", OTELC_HISTOGRAM, le));
    assert_null(metrics_series(r, &h));
    h.buckets = NULL;
    assert_null(metrics_series(r, &h));
    /* the same histogram name with other buckets conflicts */
    assert_non_null(series(r, "lat", OTELC_HISTOGRAM, NULL));
    h.name = "lat";
    h.buckets = latency_buckets;
    h.nbuckets = 3;
    assert_null(metrics_series(r, &h));
    metrics_free(r);
}

static void test_updates_follow_type(void **state)
{
    metrics_registry *r = metrics_new();
    otelc_series *c = series(r, "c_total", OTELC_COUNTER, NULL);
    otelc_series *g = series(r, "g", OTELC_GAUGE, NULL);

    metrics_add(c, 2.5);
    metrics_add(c, -1); /* counters only go up */
    metrics_add(c, NAN);
    assert_true(metrics_value(c) == 2.5);
    metrics_set(g, 10);
    metrics_add(g, -3);
    assert_true(metrics_value(g) == 7);
    metrics_free(r);
}

static void test_render_text(void **state)
{
    metrics_registry *r = metrics_new();
    const char *const recv[] = {"transport", "grpc", "receiver", "otlp", NULL};
    otelc_series *c = series(r, "otelcol_receiver_accepted_spans_total", OTELC_COUNTER, recv);
    otelc_series *g = series(r, "otelcol_exporter_queue_size", OTELC_GAUGE, NULL);
    otelc_series *h = series(r, "otelc_latency_seconds", OTELC_HISTOGRAM, NULL);
    char *text;

    metrics_add(c, 3);
    metrics_set(g, 0.25);
    metrics_observe(h, 0.05);
    metrics_observe(h, 0.05);
    metrics_observe(h, 7);
    text = render(r);
    assert_string_equal(text, "# HELP otelc_latency_seconds help text\n"
                              "# TYPE otelc_latency_seconds histogram\n"
                              "otelc_latency_seconds_bucket{le=\"0.005\"} 0\n"
                              "otelc_latency_seconds_bucket{le=\"0.1\"} 2\n"
                              "otelc_latency_seconds_bucket{le=\"1\"} 2\n"
                              "otelc_latency_seconds_bucket{le=\"2.5\"} 2\n"
                              "otelc_latency_seconds_bucket{le=\"+Inf\"} 3\n"
                              "otelc_latency_seconds_sum 7.1\n"
                              "otelc_latency_seconds_count 3\n"
                              "# HELP otelcol_exporter_queue_size help text\n"
                              "# TYPE otelcol_exporter_queue_size gauge\n"
                              "otelcol_exporter_queue_size 0.25\n"
                              "# HELP otelcol_receiver_accepted_spans_total help text\n"
                              "# TYPE otelcol_receiver_accepted_spans_total counter\n"
                              "otelcol_receiver_accepted_spans_total{receiver=\"otlp\","
                              "transport=\"grpc\"} 3\n");
    free(text);
    metrics_free(r);
}

static void test_label_values_and_help_escaped(void **state)
{
    metrics_registry *r = metrics_new();
    const char *const labels[] = {"path", "C:\\dir \"x\"\nnext", NULL};
    otelc_metric_desc d = {.name = "esc", .help = "line\\one\ntwo \"q\"", .type = OTELC_GAUGE,
                           .labels = labels};
    char *text;

    assert_non_null(metrics_series(r, &d));
    text = render(r);
    assert_non_null(strstr(text, "# HELP esc line\\\\one\\ntwo \"q\"\n"));
    assert_non_null(strstr(text, "esc{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 0\n"));
    free(text);
    metrics_free(r);
}

static void test_format_value(void **state)
{
    char buf[32];

    assert_string_equal(metrics_format_value(0, buf, sizeof(buf)), "0");
    assert_string_equal(metrics_format_value(123456789012.0, buf, sizeof(buf)), "123456789012");
    assert_string_equal(metrics_format_value(-42, buf, sizeof(buf)), "-42");
    assert_string_equal(metrics_format_value(0.1, buf, sizeof(buf)), "0.1");
    assert_string_equal(metrics_format_value(1.0 / 3, buf, sizeof(buf)), "0.33333333333333331");
    assert_string_equal(metrics_format_value(INFINITY, buf, sizeof(buf)), "+Inf");
    assert_string_equal(metrics_format_value(-INFINITY, buf, sizeof(buf)), "-Inf");
    assert_string_equal(metrics_format_value(NAN, buf, sizeof(buf)), "NaN");
    assert_true(strtod(metrics_format_value(1e300, buf, sizeof(buf)), NULL) == 1e300);
}

typedef struct hammer {
    otelc_series *counter, *hist;
} hammer;

static void *hammer_main(void *arg)
{
    hammer *h = arg;
    for (int i = 0; i < 100000; i++) {
        metrics_add(h->counter, 1);
        metrics_observe(h->hist, 0.5);
    }
    return NULL;
}

static void test_concurrent_updates_are_exact(void **state)
{
    metrics_registry *r = metrics_new();
    hammer h = {series(r, "n_total", OTELC_COUNTER, NULL),
                series(r, "lat", OTELC_HISTOGRAM, NULL)};
    pthread_t t[4];
    char *text;

    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_true(metrics_value(h.counter) == 400000);
    text = render(r);
    assert_non_null(strstr(text, "lat_bucket{le=\"1\"} 400000\n"));
    assert_non_null(strstr(text, "lat_sum 200000\n"));
    assert_non_null(strstr(text, "lat_count 400000\n"));
    free(text);
    metrics_free(r);
}

static void test_procstat_parsers(void **state)
{
    /* a command name with spaces and a ')' must not shift the fields */
    const char *stat = "4242 (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
                       "250 50 0 0 20 0 3 0 12345 1000000 500 18446744073709551615";
    const char *status = "Name:\tx\nVmRSS:\t  9000 kB\nRssAnon:\t    1234 kB\nRssFile:\t 1 kB\n";
    double cpu, start;
    uint64_t rss;

    assert_int_equal(procstat_parse_stat(stat, 100, &cpu, &start), 0);
    assert_true(cpu == 3.0);
    assert_true(start == 123.45);
    assert_int_equal(procstat_parse_stat("12 (short) S 1 2", 100, &cpu, &start), -1);
    assert_int_equal(procstat_parse_status(status, &rss), 0);
    assert_int_equal(rss, 1234 * 1024);
    assert_int_equal(procstat_parse_status("VmRSS:\t 9000 kB\n", &rss), -1);
}

static void test_process_metrics_render(void **state)
{
    metrics_registry *r = metrics_new();
    procstat st;
    char *text, *line;

    assert_int_equal(procstat_read(&st), 0);
    assert_true(st.rss_anon_bytes > 0);
    assert_int_equal(procstat_register_metrics(r), 0);
    text = render(r);
    assert_non_null(strstr(text, "# TYPE otelcol_process_cpu_seconds_total counter\n"));
    assert_non_null(strstr(text, "# TYPE otelcol_process_uptime_seconds_total counter\n"));
    line = strstr(text, "\notelcol_process_memory_rss_bytes ");
    assert_non_null(line);
    assert_true(strtod(line + strlen("\notelcol_process_memory_rss_bytes "), NULL) > 0);
    free(text);
    metrics_free(r);
}

/* Exit status of `promtool check metrics < path`, or -1 without promtool. */
static int promtool_check(const char *path)
{
    char cmd[512];
    int rc;

    if (system("command -v promtool >/dev/null 2>&1") != 0)
        return -1;
    snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
    rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

static void test_promtool_accepts_the_text(void **state)
{
    metrics_registry *r = metrics_new();
    const char *const labels[] = {"exporter", "awss3/a \"b\"\\c\nd", NULL};
    char path[] = "/tmp/otelc-metrics-XXXXXX";
    const char *ci = getenv("CI");
    char *text;
    int fd, rc;

    metrics_add(series(r, "otelcol_exporter_sent_spans_total", OTELC_COUNTER, labels), 12);
    metrics_set(series(r, "otelcol_exporter_queue_size", OTELC_GAUGE, labels), 3);
    metrics_observe(series(r, "otelc_export_seconds", OTELC_HISTOGRAM, labels), 0.2);
    assert_int_equal(procstat_register_metrics(r), 0);
    text = render(r);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    rc = promtool_check(path);
    unlink(path);
    free(text);
    metrics_free(r);
    if (rc == -1 && !(ci && strcmp(ci, "true") == 0))
        skip(); /* CI installs promtool (Debian package prometheus) */
    assert_int_equal(rc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_labels_same_series),
        cmocka_unit_test(test_conflicts_and_invalid_descs),
        cmocka_unit_test(test_updates_follow_type),
        cmocka_unit_test(test_render_text),
        cmocka_unit_test(test_label_values_and_help_escaped),
        cmocka_unit_test(test_format_value),
        cmocka_unit_test(test_concurrent_updates_are_exact),
        cmocka_unit_test(test_procstat_parsers),
        cmocka_unit_test(test_process_metrics_render),
        cmocka_unit_test(test_promtool_accepts_the_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
