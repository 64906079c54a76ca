/* The logger: line format, levels, OTELC_LOG, and whole lines from many
 * threads at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "telemetry/log.h"

typedef struct captured {
    char lines[4][5000];
    size_t count;
} captured;

static captured seen;

static void capture(void *arg, otelc_log_level level, const char *line)
{
    captured *c = arg;

    if (c->count < 4)
        snprintf(c->lines[c->count++], sizeof(c->lines[0]), "%s", line);
}

static int setup(void **state)
{
    memset(&seen, 0, sizeof(seen));
    otelc_log_set_level(OTELC_LOG_INFO);
    otelc_log_set_sink(capture, &seen);
    return 0;
}

static int teardown(void **state)
{
    otelc_log_set_sink(NULL, NULL);
    otelc_log_set_level(OTELC_LOG_INFO);
    unsetenv("OTELC_LOG");
    return 0;
}

static void test_line_format(void **state)
{
    otelc_log(OTELC_LOG_INFO, "awss3/primary", "uploaded %d objects", 3);
    otelc_log(OTELC_LOG_ERROR, NULL, "two\nlines\r");
    assert_int_equal(seen.count, 2);
    assert_string_equal(seen.lines[0], "INFO awss3/primary: uploaded 3 objects");
    assert_string_equal(seen.lines[1], "ERROR otelc: two lines ");
}

static void test_levels_filter(void **state)
{
    otelc_log(OTELC_LOG_DEBUG, "x", "hidden");
    assert_int_equal(seen.count, 0);
    assert_false(otelc_log_enabled(OTELC_LOG_DEBUG));
    otelc_log_set_level(OTELC_LOG_ERROR);
    otelc_log(OTELC_LOG_WARN, "x", "hidden too");
    otelc_log(OTELC_LOG_ERROR, "x", "shown");
    assert_int_equal(seen.count, 1);
    assert_string_equal(seen.lines[0], "ERROR x: shown");
    otelc_log_set_level(OTELC_LOG_DEBUG);
    otelc_log(OTELC_LOG_DEBUG, "x", "now shown");
    assert_string_equal(seen.lines[1], "DEBUG x: now shown");
}

static void test_long_message_is_cut(void **state)
{
    static char big[6000];

    memset(big, 'a', sizeof(big) - 1);
    otelc_log(OTELC_LOG_WARN, "c", "%s", big);
    assert_int_equal(seen.count, 1);
    assert_int_equal(strlen(seen.lines[0]), 4095);
    assert_memory_equal(seen.lines[0], "WARN c: aaa", 11);
    assert_string_equal(seen.lines[0] + 4092, "...");
}

static void test_level_names(void **state)
{
    otelc_log_level level = OTELC_LOG_INFO;

    assert_int_equal(otelc_log_level_parse("DEBUG", &level), 0);
    assert_int_equal(level, OTELC_LOG_DEBUG);
    assert_int_equal(otelc_log_level_parse("warning", &level), 0);
    assert_int_equal(level, OTELC_LOG_WARN);
    assert_int_equal(otelc_log_level_parse("error", &level), 0);
    assert_int_equal(level, OTELC_LOG_ERROR);
    assert_int_equal(otelc_log_level_parse("verbose", &level), -1);
    assert_int_equal(otelc_log_level_parse(NULL, &level), -1);
    assert_int_equal(level, OTELC_LOG_ERROR);
}

static void test_level_from_env(void **state)
{
    unsetenv("OTELC_LOG");
    assert_int_equal(otelc_log_init_from_env(), 0);
    assert_int_equal(otelc_log_get_level(), OTELC_LOG_INFO);
    setenv("OTELC_LOG", "debug", 1);
    assert_int_equal(otelc_log_init_from_env(), 1);
    assert_int_equal(otelc_log_get_level(), OTELC_LOG_DEBUG);
    setenv("OTELC_LOG", "loud", 1);
    assert_int_equal(otelc_log_init_from_env(), -1);
    assert_int_equal(otelc_log_get_level(), OTELC_LOG_DEBUG);
    assert_string_equal(seen.lines[0], "WARN otelc: OTELC_LOG='loud' is not one of error, warn, "
                                       "info, debug; ignored");
}

#define THREADS 4
#define LINES_PER_THREAD 300

#define PADDING "padding-padding-padding-padding-padding-padding-padding-padding"

static const char *const thread_names[THREADS] = {"alpha", "bravo", "charlie", "delta"};

static void *log_many(void *arg)
{
    const char *name = arg;

    for (int i = 0; i < LINES_PER_THREAD; i++)
        otelc_log(OTELC_LOG_INFO, "t", "%s %s", name, PADDING);
    return NULL;
}

/* A line is whole when it is exactly one thread's event. */
static bool is_whole_line(const char *line)
{
    char expected[256];

    for (int t = 0; t < THREADS; t++) {
        snprintf(expected, sizeof(expected), "INFO t: %s %s\n", thread_names[t], PADDING);
        if (strcmp(line, expected) == 0)
            return true;
    }
    return false;
}

/* Many threads writing to stderr at once: every line comes out whole. */
static void test_threads_write_whole_lines(void **state)
{
    char path[] = "/tmp/otelc-log-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    pthread_t threads[THREADS];
    char line[256];
    int count = 0;
    FILE *f;

    otelc_log_set_sink(NULL, NULL);
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    for (int t = 0; t < THREADS; t++) {
        void *name = (void *)thread_names[t]; /* only read by the thread */
        assert_int_equal(pthread_create(&threads[t], NULL, log_many, name), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    f = fdopen(fd, "r");
    assert_non_null(f);
    rewind(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (!is_whole_line(line))
            fail_msg("torn line: %s", line);
        count++;
    }
    fclose(f);
    unlink(path);
    assert_int_equal(count, THREADS * LINES_PER_THREAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_from_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_write_whole_lines, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
