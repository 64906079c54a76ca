/* Merging several --config files: deep maps, replaced lists, positions
 * from the file that supplied each value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/config_merge.h"
#include "config/config_node_impl.h"
#include "config/config_yaml.h"

#define DATA OTELC_TEST_DATA "/config/"
#define BASE DATA "merge_base.yaml"
#define OVER DATA "merge_over.yaml"

static otelc_node *parse(const char *name, const char *text)
{
    otelc_errors errs;
    otelc_node *root = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_string(name, text, strlen(text), &errs, &root), 0);
    otelc_errors_fini(&errs);
    return root;
}

static otelc_node *merged_files(void)
{
    otelc_errors errs;
    otelc_node *base = NULL, *over = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_file(BASE, &errs, &base), 0);
    assert_int_equal(otelc_yaml_parse_file(OVER, &errs, &over), 0);
    otelc_errors_fini(&errs);
    return otelc_config_merge(base, over);
}

static const otelc_node *get(const otelc_node *n, const char *path)
{
    char key[64];

    while (n != NULL && *path != '\0') {
        size_t len = strcspn(path, ".");
        memcpy(key, path, len);
        key[len] = '\0';
        n = otelc_node_child(n, key);
        path += len + (path[len] == '.');
    }
    return n;
}

static void assert_at(otelc_pos pos, const char *file, unsigned line, unsigned col)
{
    assert_string_equal(pos.file, file);
    assert_int_equal(pos.line, line);
    assert_int_equal(pos.col, col);
}

static void test_maps_merge_deeply(void **state)
{
    otelc_node *root = merged_files();
    const otelc_node *grpc = get(root, "receivers.otlp.protocols.grpc.endpoint");
    const otelc_node *http = get(root, "receivers.otlp.protocols.http.endpoint");

    assert_string_equal(otelc_node_text(grpc), "127.0.0.1:14317");
    assert_at(otelc_node_pos(grpc), OVER, 5, 19);
    assert_at(otelc_node_key_pos(grpc), OVER, 5, 9);
    assert_string_equal(otelc_node_text(http), "0.0.0.0:4318");
    assert_at(otelc_node_pos(http), BASE, 7, 19);
    otelc_node_free(root);
}

static void test_empty_value_keeps_the_map(void **state)
{
    otelc_node *root = merged_files();
    const otelc_node *timeout = get(root, "processors.batch.timeout");

    assert_string_equal(otelc_node_text(timeout), "200ms");
    assert_at(otelc_node_pos(timeout), BASE, 10, 14);
    otelc_node_free(root);
}

static void test_new_keys_come_after_old_ones(void **state)
{
    otelc_node *root = merged_files();
    const otelc_node *exporters = get(root, "exporters");

    assert_int_equal(otelc_node_count(exporters), 2);
    assert_string_equal(otelc_node_key(otelc_node_first(exporters)), "debug");
    assert_string_equal(otelc_node_key(otelc_node_next(otelc_node_first(exporters))), "file");
    assert_at(otelc_node_pos(get(root, "exporters.file.path")), OVER, 10, 11);
    otelc_node_free(root);
}

static void test_lists_replace(void **state)
{
    otelc_node *root = merged_files();
    const otelc_node *extensions = get(root, "service.extensions");
    const otelc_node *traces = get(root, "service.pipelines.traces");

    assert_int_equal(otelc_node_count(extensions), 1);
    assert_string_equal(otelc_node_text(otelc_node_first(extensions)), "c");
    assert_at(otelc_node_pos(extensions), OVER, 12, 15);
    assert_string_equal(otelc_node_text(otelc_node_first(get(traces, "exporters"))), "file");
    assert_int_equal(otelc_node_count(get(traces, "exporters")), 1);
    /* Untouched lists stay as the first file had them. */
    assert_string_equal(otelc_node_text(otelc_node_first(get(traces, "receivers"))), "otlp");
    assert_at(otelc_node_pos(get(traces, "receivers")), BASE, 17, 18);
    otelc_node_free(root);
}

static void test_errors_point_into_the_right_file(void **state)
{
    const char *files[] = {BASE, OVER};
    otelc_errors errs;

    otelc_errors_init(&errs);
    assert_null(otelc_config_load(files, 2, &errs));
    /* base's [a, b] was replaced: only over's 'c' is reported. */
    assert_int_equal(otelc_errors_count(&errs), 1);
    assert_string_equal(otelc_errors_line(&errs, 0),
                        OVER ":12:16: key 'service.extensions[0]': extension 'c' is not "
                             "defined in extensions");
    otelc_errors_fini(&errs);
}

static void test_scalars_and_kinds_replace(void **state)
{
    otelc_node *root = otelc_config_merge(parse("a.yaml", "x: 1\ny: {k: v}\nz: [1]\n"),
                                          parse("b.yaml", "x: 2\ny: [1]\nz: {k: v}\n"));

    assert_string_equal(otelc_node_text(get(root, "x")), "2");
    assert_at(otelc_node_pos(get(root, "x")), "b.yaml", 1, 4);
    assert_int_equal(otelc_node_kind_of(get(root, "y")), OTELC_NODE_LIST);
    assert_int_equal(otelc_node_kind_of(get(root, "z")), OTELC_NODE_MAP);
    otelc_node_free(root);
}

static void test_empty_files(void **state)
{
    otelc_node *root = otelc_config_merge(parse("a.yaml", "x: 1\n"), parse("b.yaml", ""));

    assert_string_equal(otelc_node_text(get(root, "x")), "1");
    root = otelc_config_merge(parse("c.yaml", ""), root);
    assert_string_equal(otelc_node_text(get(root, "x")), "1");
    otelc_node_free(root);
    assert_null(otelc_config_merge(NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps_merge_deeply),
        cmocka_unit_test(test_empty_value_keeps_the_map),
        cmocka_unit_test(test_new_keys_come_after_old_ones),
        cmocka_unit_test(test_lists_replace),
        cmocka_unit_test(test_errors_point_into_the_right_file),
        cmocka_unit_test(test_scalars_and_kinds_replace),
        cmocka_unit_test(test_empty_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
