/* Typed accessors: values, defaults, and each error at FILE:LINE:COL with
 * the dotted key path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_node_impl.h"
#include "config/config_value.h"
#include "config/config_yaml.h"

#define FILE_NAME OTELC_TEST_DATA "/config/values.yaml"

static otelc_node *root;
static otelc_errors errs;

static int load(void **state)
{
    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_file(FILE_NAME, &errs, &root), 0);
    return 0;
}

static int unload(void **state)
{
    otelc_node_free(root);
    otelc_errors_fini(&errs);
    return 0;
}

static const otelc_node *v(const char *section, const char *key)
{
    return otelc_node_child(otelc_node_child(root, section), key);
}

/* The call returned an error and recorded exactly `line`. */
static void expect_error(int rc, const char *line)
{
    assert_int_equal(rc, OTELC_CFG_ERROR);
    assert_int_equal(otelc_errors_count(&errs), 1);
    assert_string_equal(otelc_errors_line(&errs, 0), line);
    otelc_errors_fini(&errs);
}

static void test_strings(void **state)
{
    const char *s = "default";

    assert_int_equal(otelc_cfg_string(v("strings", "plain"), &errs, &s), OTELC_CFG_OK);
    assert_string_equal(s, "hello");
    assert_int_equal(otelc_cfg_string(v("strings", "number"), &errs, &s), OTELC_CFG_OK);
    assert_string_equal(s, "2024");
    s = "default";
    assert_int_equal(otelc_cfg_string(v("strings", "empty"), &errs, &s), OTELC_CFG_DEFAULT);
    assert_int_equal(otelc_cfg_string(v("strings", "absent"), &errs, &s), OTELC_CFG_DEFAULT);
    assert_string_equal(s, "default");
    assert_int_equal(otelc_errors_count(&errs), 0);
    expect_error(otelc_cfg_string(v("strings", "list"), &errs, &s),
                 FILE_NAME ":6:9: key 'strings.list': expected a string, got a list");
}

static void test_bools(void **state)
{
    bool b = false;

    assert_int_equal(otelc_cfg_bool(v("bools", "yes_true"), &errs, &b), OTELC_CFG_OK);
    assert_true(b);
    assert_int_equal(otelc_cfg_bool(v("bools", "title"), &errs, &b), OTELC_CFG_OK);
    assert_false(b);
    assert_int_equal(otelc_cfg_bool(v("bools", "upper"), &errs, &b), OTELC_CFG_OK);
    assert_true(b);
    b = false;
    assert_int_equal(otelc_cfg_bool(v("bools", "quoted"), &errs, &b), OTELC_CFG_OK);
    assert_true(b);
    expect_error(otelc_cfg_bool(v("bools", "word"), &errs, &b),
                 FILE_NAME ":11:9: key 'bools.word': expected true or false, got 'yes'");
}

static void test_ints(void **state)
{
    int64_t i = 0;

    assert_int_equal(otelc_cfg_int(v("ints", "small"), &errs, 1, 100000, &i), OTELC_CFG_OK);
    assert_int_equal(i, 8192);
    assert_int_equal(otelc_cfg_int(v("ints", "quoted"), &errs, 0, 100, &i), OTELC_CFG_OK);
    assert_int_equal(i, 42);
    assert_int_equal(otelc_cfg_int(v("ints", "negative"), &errs, INT64_MIN, 0, &i), OTELC_CFG_OK);
    assert_int_equal(i, -5);
    expect_error(otelc_cfg_int(v("ints", "negative"), &errs, 0, 10, &i),
                 FILE_NAME ":16:13: key 'ints.negative': -5 is out of range [0, 10]");
    expect_error(otelc_cfg_int(v("ints", "huge"), &errs, INT64_MIN, INT64_MAX, &i),
                 FILE_NAME ":17:9: key 'ints.huge': 9223372036854775808 is out of range "
                           "[-9223372036854775808, 9223372036854775807]");
    expect_error(otelc_cfg_int(v("ints", "text"), &errs, 0, 100, &i),
                 FILE_NAME ":18:9: key 'ints.text': expected an integer, got '12abc'");
    expect_error(otelc_cfg_int(v("ints", "hex"), &errs, 0, 100, &i),
                 FILE_NAME ":19:8: key 'ints.hex': expected an integer, got '0x10'");
    assert_int_equal(i, -5);
}

static void test_doubles(void **state)
{
    double d = 0;

    assert_int_equal(otelc_cfg_double(v("doubles", "half"), &errs, &d), OTELC_CFG_OK);
    assert_true(d == 0.5);
    assert_int_equal(otelc_cfg_double(v("doubles", "exp"), &errs, &d), OTELC_CFG_OK);
    assert_true(d == 1000.0);
    expect_error(otelc_cfg_double(v("doubles", "inf"), &errs, &d),
                 FILE_NAME ":23:8: key 'doubles.inf': expected a number, got '.inf'");
    expect_error(otelc_cfg_double(v("doubles", "word"), &errs, &d),
                 FILE_NAME ":24:9: key 'doubles.word': expected a number, got 'abc'");
}

static void test_durations(void **state)
{
    int64_t ns = -7;

    assert_int_equal(otelc_cfg_duration(v("durations", "ms"), &errs, false, &ns), OTELC_CFG_OK);
    assert_int_equal(ns, 200000000);
    assert_int_equal(otelc_cfg_duration(v("durations", "zero"), &errs, false, &ns), OTELC_CFG_OK);
    assert_int_equal(ns, 0);
    assert_int_equal(otelc_cfg_duration(v("durations", "negative"), &errs, true, &ns),
                     OTELC_CFG_OK);
    assert_int_equal(ns, -1000000000LL);
    expect_error(otelc_cfg_duration(v("durations", "negative"), &errs, false, &ns),
                 FILE_NAME ":28:13: key 'durations.negative': invalid duration '-1s': "
                           "must not be negative");
    expect_error(otelc_cfg_duration(v("durations", "bare"), &errs, false, &ns),
                 FILE_NAME ":29:9: key 'durations.bare': invalid duration '5': "
                           "missing unit (ns, us, ms, s, m, h)");
    expect_error(otelc_cfg_duration(v("durations", "unit"), &errs, false, &ns),
                 FILE_NAME ":30:9: key 'durations.unit': invalid duration '5 parsecs': "
                           "unknown unit (ns, us, ms, s, m, h)");
    expect_error(otelc_cfg_duration(v("durations", "list"), &errs, false, &ns),
                 FILE_NAME ":31:9: key 'durations.list': expected a duration, got a list");
    assert_int_equal(ns, -1000000000LL);
}

static void test_sizes(void **state)
{
    uint64_t bytes = 1;

    assert_int_equal(otelc_cfg_size(v("sizes", "mib"), &errs, &bytes), OTELC_CFG_OK);
    assert_true(bytes == 4194304);
    assert_int_equal(otelc_cfg_size(v("sizes", "bytes"), &errs, &bytes), OTELC_CFG_OK);
    assert_true(bytes == 512);
    assert_int_equal(otelc_cfg_size(v("sizes", "zero"), &errs, &bytes), OTELC_CFG_OK);
    assert_true(bytes == 0);
    expect_error(otelc_cfg_size(v("sizes", "fraction"), &errs, &bytes),
                 FILE_NAME ":36:13: key 'sizes.fraction': invalid size '1.5MiB': "
                           "not a whole number");
    expect_error(otelc_cfg_size(v("sizes", "unit"), &errs, &bytes),
                 FILE_NAME ":37:9: key 'sizes.unit': invalid size '4MiBs': unknown unit "
                           "(B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
    expect_error(otelc_cfg_size(v("sizes", "negative"), &errs, &bytes),
                 FILE_NAME ":38:13: key 'sizes.negative': invalid size '-1KiB': "
                           "must not be negative");
}

static void test_string_lists(void **state)
{
    const char **items = NULL;
    size_t n = 99;

    assert_int_equal(otelc_cfg_string_list(v("lists", "ids"), &errs, &items, &n), OTELC_CFG_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[0], "otlp");
    assert_string_equal(items[1], "otlp/2");
    assert_string_equal(items[2], "x");
    free(items);
    assert_int_equal(otelc_cfg_string_list(v("lists", "empty"), &errs, &items, &n), OTELC_CFG_OK);
    assert_int_equal(n, 0);
    assert_null(items);
    assert_int_equal(otelc_cfg_string_list(v("lists", "none"), &errs, &items, &n),
                     OTELC_CFG_DEFAULT);
    expect_error(otelc_cfg_string_list(v("lists", "scalar"), &errs, &items, &n),
                 FILE_NAME ":43:11: key 'lists.scalar': expected a list, got 'otlp'");
    expect_error(otelc_cfg_string_list(v("lists", "nested"), &errs, &items, &n),
                 FILE_NAME ":44:15: key 'lists.nested[1]': expected a string, got a list");
}

static void test_maps_and_keys(void **state)
{
    static const char *const known[] = {"plain", "quoted", "number", "empty", NULL};

    assert_int_equal(otelc_cfg_map(v("strings", NULL), &errs), OTELC_CFG_DEFAULT);
    assert_int_equal(otelc_cfg_map(otelc_node_child(root, "strings"), &errs), OTELC_CFG_OK);
    assert_int_equal(otelc_cfg_map(v("strings", "empty"), &errs), OTELC_CFG_DEFAULT);
    assert_int_equal(otelc_cfg_check_keys(otelc_node_child(root, "strings"), known, &errs), 1);
    assert_string_equal(otelc_errors_line(&errs, 0),
                        FILE_NAME ":6:3: key 'strings.list': unknown key");
    otelc_errors_fini(&errs);
    expect_error(otelc_cfg_map(v("strings", "plain"), &errs),
                 FILE_NAME ":2:10: key 'strings.plain': expected a map, got 'hello'");
    expect_error(otelc_cfg_list(v("strings", "plain"), &errs),
                 FILE_NAME ":2:10: key 'strings.plain': expected a list, got 'hello'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),     cmocka_unit_test(test_bools),
        cmocka_unit_test(test_ints),        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_durations),   cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_string_lists), cmocka_unit_test(test_maps_and_keys),
    };

    return cmocka_run_group_tests(tests, load, unload);
}
