/* The built otelc binary: exit codes and what it prints for validate,
 * --version, --help, usage errors and broken configs. Every config here
 * fails before plugins are looked at, so no plugin needs to be built. */
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

#define DATA OTELC_TEST_DATA "/config/"

static char output[16384];

/* Runs `otelc ARGS` through the shell with stderr merged into stdout;
 * returns its exit code, output in `output`. */
static int run(const char *env, const char *args)
{
    char command[2048];
    size_t len = 0, n;
    FILE *p;
    int status;

    snprintf(command, sizeof(command), "%s '%s' %s 2>&1", env, OTELC_BIN, args);
    p = popen(command, "r");
    assert_non_null(p);
    while ((n = fread(output + len, 1, sizeof(output) - 1 - len, p)) > 0)
        len += n;
    output[len] = '\0';
    status = pclose(p);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void assert_output_has(const char *text)
{
    if (strstr(output, text) == NULL)
        fail_msg("missing \"%s\" in:\n%s", text, output);
}

static void test_validate_broken_config(void **state)
{
    assert_int_equal(run("", "validate --config=" DATA "cli_broken.yaml"), 1);
    assert_string_equal(output, DATA "cli_broken.yaml:9:26: key "
                                     "'service.pipelines.traces.exporters[1]': exporter "
                                     "'missing' is not defined in exporters\n"
                                     "otelc: the config has 1 error(s)\n");
}

static void test_every_error_is_printed(void **state)
{
    /* signals.yaml's traces lists replace those of undefined.yaml, so of
     * the latter only the extension and batch/fast errors remain. */
    assert_int_equal(run("", "validate --config " DATA "undefined.yaml --config " DATA
                             "signals.yaml"),
                     1);
    assert_output_has(DATA "undefined.yaml:10:30: key 'service.extensions[1]'");
    assert_output_has(DATA "signals.yaml:13:5: key 'service.pipelines.profiles': unknown "
                           "signal 'profiles'");
    /* The plugins' findings come in the same run (how many depends on
     * which signals the bundled plugins handle). */
    assert_output_has("otelc: the config has ");
}

/* Components the collector removed: each refused at its own position
 * with what to use instead, all in one run. */
static void test_removed_components_hint(void **state)
{
    assert_int_equal(run("", "validate --config " DATA "removed.yaml"), 1);
    assert_output_has(DATA "removed.yaml:4:3: key 'processors.queued_retry': the collector "
                           "removed the queued_retry processor: every exporter has "
                           "sending_queue and retry_on_failure\n");
    assert_output_has(DATA "removed.yaml:5:3: key 'processors.spanmetrics': the collector "
                           "removed the spanmetrics processor: use the spanmetrics connector "
                           "instead\n");
    assert_output_has(DATA "removed.yaml:8:3: key 'exporters.logging': the logging exporter "
                           "has been deprecated, use the debug exporter instead\n");
    assert_output_has(DATA "removed.yaml:10:3: key 'exporters.jaeger': the collector removed "
                           "the jaeger exporter: Jaeger takes OTLP, use an OTLP exporter "
                           "instead\n");
    assert_output_has(DATA "removed.yaml:12:3: key 'exporters.jaeger_thrift': the collector "
                           "removed the jaeger_thrift exporter");
    assert_output_has(DATA "removed.yaml:15:3: key 'extensions.memory_ballast': the "
                           "collector removed the memory_ballast extension");
}

static void test_missing_config_file(void **state)
{
    assert_int_equal(run("", "validate --config " DATA "absent.yaml"), 1);
    assert_output_has(DATA "absent.yaml: cannot open: No such file or directory\n");
}

/* Without --config, ./pipelines.yaml is the config (a broken one here, so
 * that the run stops at the config whatever plugins exist). */
static void test_default_config_is_the_local_one(void **state)
{
    char dir[] = "/tmp/otelc-default-XXXXXX";
    char env[512];

    assert_non_null(mkdtemp(dir));
    snprintf(env, sizeof(env), "cp '%s' '%s/pipelines.yaml' && cd '%s' &&",
             DATA "cli_broken.yaml", dir, dir);
    assert_int_equal(run(env, "validate"), 1);
    assert_memory_equal(output, "pipelines.yaml:9:26: key ", 25);
    snprintf(env, sizeof(env), "rm -r '%s'", dir);
    assert_int_equal(system(env), 0);
}

static void test_unset_variable_warns_unless_quiet(void **state)
{
    const char *error = DATA "env_broken.yaml:10:5: key 'service.pipelines.traces': a pipeline "
                             "needs at least one exporter\n"
                             "otelc: the config has 1 error(s)\n";
    char expected[2048];

    snprintf(expected, sizeof(expected),
             "WARN config: " DATA "env_broken.yaml:5:19: key "
             "'receivers.otlp.protocols.grpc.endpoint': environment variable "
             "'OTELC_TEST_UNSET' is not set; using an empty value\n%s",
             error);
    assert_int_equal(run("unset OTELC_TEST_UNSET OTELC_LOG;",
                         "validate --config " DATA "env_broken.yaml"),
                     1);
    assert_string_equal(output, expected);
    assert_int_equal(run("OTELC_LOG=error", "validate --config " DATA "env_broken.yaml"), 1);
    assert_string_equal(output, error);
}

static void test_version_and_help(void **state)
{
    assert_int_equal(run("", "--version"), 0);
    assert_string_equal(output, "otelc " OTELC_VERSION_EXPECTED "\n");
    assert_int_equal(run("", "validate --help"), 0);
    assert_output_has("Exit codes:\n  0  success\n");
}

static void test_usage_errors_exit_2(void **state)
{
    assert_int_equal(run("", "--config"), 2);
    assert_string_equal(output, "otelc: --config needs a file\n");
    assert_int_equal(run("", "frobnicate"), 2);
    assert_string_equal(output, "otelc: unknown command 'frobnicate'; see otelc --help\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_broken_config),
        cmocka_unit_test(test_every_error_is_printed),
        cmocka_unit_test(test_removed_components_hint),
        cmocka_unit_test(test_missing_config_file),
        cmocka_unit_test(test_default_config_is_the_local_one),
        cmocka_unit_test(test_unset_variable_warns_unless_quiet),
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_usage_errors_exit_2),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
