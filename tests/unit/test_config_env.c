/* ${env:...} expansion: defaults, unset variables, $$, values that look
 * like YAML, typing by the declared key, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_env.h"
#include "config/config_node_impl.h"
#include "config/config_value.h"
#include "config/config_yaml.h"
#include "telemetry/log.h"

#define DATA OTELC_TEST_DATA "/config/"
#define ENV_FILE DATA "env.yaml"

typedef struct captured {
    char lines[8][1024];
    size_t count;
} captured;

static void capture(void *arg, otelc_log_level level, const char *line)
{
    captured *c = arg;

    if (c->count < 8)
        snprintf(c->lines[c->count++], sizeof(c->lines[0]), "%s", line);
}

static const otelc_node *at(const otelc_node *root, const char *a, const char *b, const char *c)
{
    const otelc_node *n = otelc_node_child(otelc_node_child(root, a), b);

    return c != NULL ? otelc_node_child(n, c) : n;
}

static const char *s3(const otelc_node *root, const char *key)
{
    return otelc_node_text(
        otelc_node_child(at(root, "exporters", "awss3", "s3uploader"), key));
}

/* Loads env.yaml and expands it, capturing warnings. */
static otelc_node *load_env_file(captured *warnings)
{
    otelc_errors errs;
    otelc_node *root = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_file(ENV_FILE, &errs, &root), 0);
    memset(warnings, 0, sizeof(*warnings));
    otelc_log_set_sink(capture, warnings);
    assert_int_equal(otelc_env_expand_tree(root, &errs), 0);
    otelc_log_set_sink(NULL, NULL);
    assert_int_equal(otelc_errors_count(&errs), 0);
    otelc_errors_fini(&errs);
    return root;
}

static int clear_env(void **state)
{
    static const char *const names[] = {"OTELC_TEST_HOST",   "OTELC_TEST_PORT",
                                        "OTELC_TEST_BATCH",  "OTELC_TEST_TIMEOUT",
                                        "OTELC_TEST_UNSET",  "OTELC_TEST_BUCKET",
                                        "OTELC_TEST_YAMLISH", "OTELC_TEST_EMPTY"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unsetenv(names[i]);
    return 0;
}

static void test_defaults_apply_when_unset(void **state)
{
    captured warnings;
    otelc_node *root = load_env_file(&warnings);
    const otelc_node *endpoint = at(at(root, "receivers", "otlp", "protocols"), "grpc",
                                    "endpoint", NULL);

    assert_string_equal(otelc_node_text(endpoint), "0.0.0.0:4317");
    assert_true(otelc_node_is_expanded(endpoint));
    assert_string_equal(s3(root, "endpoint"), "$HOME and $5 and fallback");
    otelc_node_free(root);
}

static void test_set_values_win(void **state)
{
    captured warnings;
    otelc_node *root;

    setenv("OTELC_TEST_HOST", "127.0.0.1", 1);
    setenv("OTELC_TEST_PORT", "14317", 1);
    setenv("OTELC_TEST_EMPTY", "", 1);
    root = load_env_file(&warnings);
    assert_string_equal(
        otelc_node_text(at(at(root, "receivers", "otlp", "protocols"), "grpc", "endpoint", NULL)),
        "127.0.0.1:14317");
    /* Set but empty stays empty, as in the collector: no default. */
    assert_string_equal(s3(root, "endpoint"), "$HOME and $5 and ");
    otelc_node_free(root);
}

static void test_unset_without_default_warns(void **state)
{
    captured warnings;
    otelc_node *root = load_env_file(&warnings);
    const otelc_node *region = otelc_node_child(at(root, "exporters", "awss3", "s3uploader"),
                                                "region");

    assert_int_equal(otelc_node_kind_of(region), OTELC_NODE_SCALAR);
    assert_string_equal(otelc_node_text(region), "");
    assert_true(otelc_node_is_expanded(region));
    /* batch size, timeout, region, bucket, s3_prefix: five unset, in order. */
    assert_int_equal(warnings.count, 5);
    assert_string_equal(warnings.lines[0],
                        "WARN config: " ENV_FILE ":8:22: key 'processors.batch.send_batch_size': "
                        "environment variable 'OTELC_TEST_BATCH' is not set; using an empty value");
    assert_string_equal(warnings.lines[2],
                        "WARN config: " ENV_FILE ":13:15: key 'exporters.awss3.s3uploader.region': "
                        "environment variable 'OTELC_TEST_UNSET' is not set; using an empty value");
    otelc_node_free(root);
}

static void test_dollar_escape(void **state)
{
    captured warnings;
    otelc_node *root;

    setenv("OTELC_TEST_BUCKET", "spans", 1);
    root = load_env_file(&warnings);
    assert_string_equal(s3(root, "s3_bucket"), "cost$center-spans");
    otelc_node_free(root);
}

static void test_value_that_looks_like_yaml_stays_a_string(void **state)
{
    captured warnings;
    otelc_node *root;
    const otelc_node *prefix;

    setenv("OTELC_TEST_YAMLISH", "{a: 1}\nb: [2]", 1);
    root = load_env_file(&warnings);
    prefix = otelc_node_child(at(root, "exporters", "awss3", "s3uploader"), "s3_prefix");
    assert_int_equal(otelc_node_kind_of(prefix), OTELC_NODE_SCALAR);
    assert_string_equal(otelc_node_text(prefix), "{a: 1}\nb: [2]");
    otelc_node_free(root);
}

static void test_expanded_value_typed_by_key(void **state)
{
    captured warnings;
    otelc_errors errs;
    otelc_node *root;
    int64_t size = 0, timeout = 0;

    setenv("OTELC_TEST_BATCH", "8192", 1);
    setenv("OTELC_TEST_TIMEOUT", "1m30s", 1);
    root = load_env_file(&warnings);
    otelc_errors_init(&errs);
    assert_int_equal(otelc_cfg_int(at(root, "processors", "batch", "send_batch_size"), &errs, 0,
                                   INT64_MAX, &size),
                     OTELC_CFG_OK);
    assert_int_equal(size, 8192);
    assert_int_equal(otelc_cfg_duration(at(root, "processors", "batch", "timeout"), &errs, false,
                                        &timeout),
                     OTELC_CFG_OK);
    assert_int_equal(timeout, 90000000000LL);
    assert_int_equal(otelc_errors_count(&errs), 0);
    otelc_errors_fini(&errs);
    otelc_node_free(root);
}

static void test_unset_typed_value_keeps_default(void **state)
{
    captured warnings;
    otelc_errors errs;
    otelc_node *root = load_env_file(&warnings);
    int64_t size = 512;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_cfg_int(at(root, "processors", "batch", "send_batch_size"), &errs, 0,
                                   INT64_MAX, &size),
                     OTELC_CFG_DEFAULT);
    assert_int_equal(size, 512);
    otelc_errors_fini(&errs);
    otelc_node_free(root);
}

static void test_expansion_errors(void **state)
{
    otelc_errors errs;
    otelc_node *root = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_file(DATA "env_errors.yaml", &errs, &root), 0);
    assert_int_equal(otelc_env_expand_tree(root, &errs), -1);
    assert_int_equal(otelc_errors_count(&errs), 4);
    assert_string_equal(otelc_errors_line(&errs, 0),
                        DATA "env_errors.yaml:4:15: key 'exporters.awss3.s3uploader.region': "
                             "config provider 'file' is not supported (only env)");
    assert_string_equal(otelc_errors_line(&errs, 1),
                        DATA "env_errors.yaml:5:18: key 'exporters.awss3.s3uploader.s3_bucket': "
                             "'${' without a closing '}'");
    assert_string_equal(otelc_errors_line(&errs, 2),
                        DATA "env_errors.yaml:6:18: key 'exporters.awss3.s3uploader.s3_prefix': "
                             "'${env:1BAD}' does not name an environment variable");
    assert_string_equal(otelc_errors_line(&errs, 3),
                        DATA "env_errors.yaml:7:17: key 'exporters.awss3.s3uploader.endpoint': "
                             "'${}' does not name an environment variable");
    otelc_errors_fini(&errs);
    otelc_node_free(root);
}

static void test_keys_and_results_are_not_expanded(void **state)
{
    const char *text = "${env:OTELC_TEST_HOST}: ${env:OTELC_TEST_HOST}\nplain: $$ only\n"
                       "tail: cost$\n";
    otelc_errors errs;
    otelc_node *root = NULL;
    const otelc_node *value, *plain;

    setenv("OTELC_TEST_HOST", "${env:HOME}", 1);
    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_string("t.yaml", text, strlen(text), &errs, &root), 0);
    assert_int_equal(otelc_env_expand_tree(root, &errs), 0);
    value = otelc_node_first(root);
    assert_string_equal(otelc_node_key(value), "${env:OTELC_TEST_HOST}");
    assert_string_equal(otelc_node_text(value), "${env:HOME}");
    plain = otelc_node_child(root, "plain");
    assert_string_equal(otelc_node_text(plain), "$ only");
    assert_false(otelc_node_is_expanded(plain));
    assert_string_equal(otelc_node_text(otelc_node_child(root, "tail")), "cost$");
    otelc_errors_fini(&errs);
    otelc_node_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults_apply_when_unset, clear_env),
        cmocka_unit_test_setup(test_set_values_win, clear_env),
        cmocka_unit_test_setup(test_unset_without_default_warns, clear_env),
        cmocka_unit_test_setup(test_dollar_escape, clear_env),
        cmocka_unit_test_setup(test_value_that_looks_like_yaml_stays_a_string, clear_env),
        cmocka_unit_test_setup(test_expanded_value_typed_by_key, clear_env),
        cmocka_unit_test_setup(test_unset_typed_value_keeps_default, clear_env),
        cmocka_unit_test_setup(test_expansion_errors, clear_env),
        cmocka_unit_test_setup(test_keys_and_results_are_not_expanded, clear_env),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
