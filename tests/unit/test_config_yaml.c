/* YAML to config tree: kinds, positions, flags and every parse error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_node_impl.h"
#include "config/config_yaml.h"

#define DATA OTELC_TEST_DATA "/config/"

static otelc_node *parse_ok(const char *text)
{
    otelc_errors errs;
    otelc_node *root = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_string("t.yaml", text, strlen(text), &errs, &root), 0);
    assert_int_equal(otelc_errors_count(&errs), 0);
    otelc_errors_fini(&errs);
    assert_non_null(root);
    return root;
}

/* Parses text that must fail with exactly one error line, `expected`. */
static void parse_fails(const char *text, const char *expected)
{
    otelc_errors errs;
    otelc_node *root = (otelc_node *)1;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_string("t.yaml", text, strlen(text), &errs, &root), -1);
    assert_null(root);
    assert_int_equal(otelc_errors_count(&errs), 1);
    assert_string_equal(otelc_errors_line(&errs, 0), expected);
    otelc_errors_fini(&errs);
}

static void assert_pos(otelc_pos pos, unsigned line, unsigned col)
{
    assert_string_equal(pos.file, "t.yaml");
    assert_int_equal(pos.line, line);
    assert_int_equal(pos.col, col);
}

static void test_tree_kinds_and_positions(void **state)
{
    otelc_node *root = parse_ok("receivers:\n"
                                "  otlp:\n"
                                "    protocols:\n"
                                "      grpc:\n"
                                "      http: { endpoint: \"0.0.0.0:4318\" }\n"
                                "list: [a, 'b', ~, null]\n");
    const otelc_node *grpc, *http, *endpoint, *list, *item;
    char path[64];

    assert_int_equal(otelc_node_kind_of(root), OTELC_NODE_MAP);
    assert_int_equal(otelc_node_count(root), 2);
    grpc = otelc_node_child(otelc_node_child(otelc_node_child(otelc_node_child(root, "receivers"),
                                                              "otlp"),
                                             "protocols"),
                            "grpc");
    assert_int_equal(otelc_node_kind_of(grpc), OTELC_NODE_NULL);
    assert_true(otelc_node_is_map_like(grpc));
    assert_pos(otelc_node_key_pos(grpc), 4, 7);
    http = otelc_node_next(grpc);
    assert_string_equal(otelc_node_key(http), "http");
    endpoint = otelc_node_child(http, "endpoint");
    assert_string_equal(otelc_node_text(endpoint), "0.0.0.0:4318");
    assert_true(otelc_node_is_quoted(endpoint));
    assert_false(otelc_node_is_expanded(endpoint));
    assert_pos(otelc_node_key_pos(endpoint), 5, 15);
    assert_pos(otelc_node_pos(endpoint), 5, 25);
    otelc_node_path(endpoint, path, sizeof(path));
    assert_string_equal(path, "receivers.otlp.protocols.http.endpoint");

    list = otelc_node_child(root, "list");
    assert_int_equal(otelc_node_kind_of(list), OTELC_NODE_LIST);
    assert_int_equal(otelc_node_count(list), 4);
    item = otelc_node_first(list);
    assert_string_equal(otelc_node_text(item), "a");
    assert_false(otelc_node_is_quoted(item));
    assert_null(otelc_node_key(item));
    item = otelc_node_next(item);
    assert_true(otelc_node_is_quoted(item));
    assert_pos(otelc_node_pos(item), 6, 11);
    otelc_node_path(item, path, sizeof(path));
    assert_string_equal(path, "list[1]");
    item = otelc_node_next(item);
    assert_int_equal(otelc_node_kind_of(item), OTELC_NODE_NULL);
    assert_int_equal(otelc_node_kind_of(otelc_node_next(item)), OTELC_NODE_NULL);
    assert_null(otelc_node_next(otelc_node_next(item)));
    otelc_node_free(root);
}

static void test_quoted_null_is_a_string(void **state)
{
    otelc_node *root = parse_ok("a: \"\"\nb: 'null'\nc: !!str 12\nd: |\n  text\n");

    assert_int_equal(otelc_node_kind_of(otelc_node_child(root, "a")), OTELC_NODE_SCALAR);
    assert_string_equal(otelc_node_text(otelc_node_child(root, "a")), "");
    assert_string_equal(otelc_node_text(otelc_node_child(root, "b")), "null");
    assert_true(otelc_node_is_quoted(otelc_node_child(root, "c")));
    assert_string_equal(otelc_node_text(otelc_node_child(root, "d")), "text\n");
    assert_true(otelc_node_is_quoted(otelc_node_child(root, "d")));
    otelc_node_free(root);
}

static void test_path_is_cut_to_the_buffer(void **state)
{
    otelc_node *root = parse_ok("service:\n  pipelines:\n    traces: {}\n");
    const otelc_node *traces =
        otelc_node_child(otelc_node_child(otelc_node_child(root, "service"), "pipelines"),
                         "traces");
    char small[8];

    assert_int_equal(otelc_node_path(traces, small, sizeof(small)),
                     strlen("service.pipelines.traces"));
    assert_string_equal(small, "service");
    assert_int_equal(otelc_node_path(root, small, sizeof(small)), 0);
    assert_string_equal(small, "");
    otelc_node_free(root);
}

static void test_empty_file_is_an_empty_value(void **state)
{
    otelc_node *root = parse_ok("# only a comment\n");

    assert_int_equal(otelc_node_kind_of(root), OTELC_NODE_NULL);
    assert_pos(otelc_node_pos(root), 1, 1);
    otelc_node_free(root);
}

static void test_key_defined_twice(void **state)
{
    parse_fails("exporters:\n  awss3:\n    a: 1\n  debug:\n  awss3:\n    b: 2\n",
                "t.yaml:5:3: key 'exporters.awss3': defined twice (first at line 2, column 3)");
}

static void test_every_duplicate_is_reported(void **state)
{
    const char *text = "a: 1\nb: 2\na: 3\nm:\n  x: 1\n  x: 2\n";
    otelc_errors errs;
    otelc_node *root = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_string("t.yaml", text, strlen(text), &errs, &root), -1);
    assert_int_equal(otelc_errors_count(&errs), 2);
    assert_string_equal(otelc_errors_line(&errs, 0),
                        "t.yaml:3:1: key 'a': defined twice (first at line 1, column 1)");
    assert_string_equal(otelc_errors_line(&errs, 1),
                        "t.yaml:6:3: key 'm.x': defined twice (first at line 5, column 3)");
    otelc_errors_fini(&errs);
}

static void test_syntax_error_from_file(void **state)
{
    otelc_errors errs;
    otelc_node *root = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_file(DATA "syntax_error.yaml", &errs, &root), -1);
    assert_int_equal(otelc_errors_count(&errs), 1);
    assert_string_equal(otelc_errors_line(&errs, 0),
                        DATA "syntax_error.yaml:5:7: did not find expected ',' or '}' "
                             "(while parsing a flow mapping that starts at line 4, column 13)");
    otelc_errors_fini(&errs);
}

static void test_syntax_error_bad_indent(void **state)
{
    parse_fails("a:\n  b: 1\n c: 2\n",
                "t.yaml:3:2: did not find expected key "
                "(while parsing a block mapping that starts at line 1, column 1)");
}

static void test_anchor_and_alias_refused(void **state)
{
    parse_fails("base: &b { x: 1 }\n", "t.yaml:1:7: YAML anchors (&name) are not supported");
    parse_fails("a: 1\nb: *a\n", "t.yaml:2:4: YAML aliases (*name) are not supported");
}

static void test_second_document_refused(void **state)
{
    parse_fails("a: 1\n---\nb: 2\n", "t.yaml:2:1: a config file holds one YAML document only");
}

static void test_complex_key_refused(void **state)
{
    parse_fails("? [a, b]\n: 1\n",
                "t.yaml:1:3: a map key must be a plain value, not a map or list");
}

static void test_nesting_limit(void **state)
{
    char text[256];
    size_t n = 0;

    for (int i = 0; i < OTELC_YAML_MAX_DEPTH; i++)
        text[n++] = '[';
    text[n] = '\0';
    /* 64 levels parse (until the text ends); the 65th is refused. */
    parse_fails(text, "t.yaml:2:1: did not find expected node content "
                      "(while parsing a flow node that starts at line 2, column 1)");
    text[n++] = '[';
    text[n] = '\0';
    parse_fails(text, "t.yaml:1:65: nesting is deeper than 64 levels");
}

static void test_nul_in_value_refused(void **state)
{
    parse_fails("a: \"x\\0y\"\n", "t.yaml:1:4: a value holds a NUL character");
}

static void test_invalid_utf8_position(void **state)
{
    parse_fails("a: 1\nb: \xff\n", "t.yaml:2:4: invalid leading UTF-8 octet");
}

static void test_missing_file(void **state)
{
    otelc_errors errs;
    otelc_node *root = NULL;

    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_file(DATA "no-such-file.yaml", &errs, &root), -1);
    assert_string_equal(otelc_errors_line(&errs, 0),
                        DATA "no-such-file.yaml: cannot open: No such file or directory");
    otelc_errors_fini(&errs);
    otelc_errors_init(&errs);
    assert_int_equal(otelc_yaml_parse_file(DATA, &errs, &root), -1);
    assert_string_equal(otelc_errors_line(&errs, 0), DATA ": cannot read: not a regular file");
    otelc_errors_fini(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_kinds_and_positions),
        cmocka_unit_test(test_quoted_null_is_a_string),
        cmocka_unit_test(test_path_is_cut_to_the_buffer),
        cmocka_unit_test(test_empty_file_is_an_empty_value),
        cmocka_unit_test(test_key_defined_twice),
        cmocka_unit_test(test_every_duplicate_is_reported),
        cmocka_unit_test(test_syntax_error_from_file),
        cmocka_unit_test(test_syntax_error_bad_indent),
        cmocka_unit_test(test_anchor_and_alias_refused),
        cmocka_unit_test(test_second_document_refused),
        cmocka_unit_test(test_complex_key_refused),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_nul_in_value_refused),
        cmocka_unit_test(test_invalid_utf8_position),
        cmocka_unit_test(test_missing_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
