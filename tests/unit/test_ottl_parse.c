/*
 * test_ottl_parse.c: what the grammar accepts (the collector's quirks
 * included) and every refusal with its position in the text (line and
 * column) and its reason: syntax, literals, names the collector refuses
 * after parsing, paths, enums, functions, arguments, contexts.
 */
#include <ottl/ottl.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SPAN OTTL_CTX_SPAN
#define EVENT OTTL_CTX_SPANEVENT
#define RES OTTL_CTX_RESOURCE
#define SCOPE OTTL_CTX_SCOPE
#define INFER OTTL_CTX_INFER

typedef struct bad_case {
    ottl_context ctx;
    bool statement;
    const char *text;
    unsigned line, col;
    const char *msg; /* a part of the message */
} bad_case;

static const bad_case bad_cases[] = {
    /* syntax */
    {SPAN, true, "set(name, \"x\"", 1, 14, "unexpected end of text, expected \",\" or \")\""},
    {SPAN, true, "set(name \"x\")", 1, 10, "unexpected \"\"x\"\", expected \",\" or \")\""},
    {SPAN, true, "set(name, \"x\") where", 1, 21, "unexpected end of text"},
    {SPAN, true, "set(name, \"x\") where name = \"y\"", 1, 27,
     "unexpected \"=\", expected a comparison operator"},
    {SPAN, true, "set(name, \"x\") where name == \"a\" name", 1, 34,
     "unexpected \"name\", expected the end"},
    {SPAN, true, "set(name, \"x\") when name == \"a\"", 1, 16,
     "unexpected \"when\", expected \"where\" or the end"},
    {SPAN, true, "set(name,\n  \"x\" \"y\")", 2, 7, "unexpected \"\"y\"\""},
    {SPAN, true, "set(name, 'x')", 1, 11, "invalid character '''"},
    {SPAN, true, "set(name, \"x)", 1, 11, "a string is not closed"},
    {SPAN, true, "set(name, \"x\") where attributes[\"a\"]", 1, 37,
     "expected a comparison operator"},
    {SPAN, true, "set(attributes[\"a\", 1)", 1, 19, "expected \"]\""},
    {SPAN, true, "set(attributes[\"a\"], 1 -1)", 1, 24, "unexpected \"-1\""},
    {SPAN, true, "name == \"x\"", 1, 1, "expected an editor call"},
    {SPAN, false, "name ==", 1, 8, "unexpected end of text, expected a value"},
    {SPAN, false, "(name == \"x\"", 1, 13, "expected \")\""},
    {SPAN, false, "not not true", 1, 5, "unexpected \"not\""},
    {SPAN, true, "set(name, Name)", 1, 11, "\"Name\" is not a value"},
    {SPAN, true, "set(attributesX, 1)", 1, 5, "path names are lower case"},
    /* literals */
    {SPAN, true, "set(name, \"a\\qb\")", 1, 14, "invalid escape in string"},
    {SPAN, true, "set(name, \"a\nb\")", 1, 11, "may not hold a line break"},
    {SPAN, true, "set(name, \"\\xff\")", 1, 11, "not valid UTF-8"},
    {SPAN, true, "set(attributes[\"b\"], 0x123)", 1, 22, "even number of hex digits"},
    {SPAN, true, "set(attributes[\"i\"], 99999999999999999999)", 1, 22,
     "integer out of range"},
    /* what the collector refuses after parsing */
    {SPAN, true, "Set(name, \"x\")", 1, 1,
     "editor names must start with a lowercase letter but got 'Set'"},
    {SPAN, true, "set(name, concat([\"a\"], \"\"))", 1, 11,
     "converter names must start with an uppercase letter but got 'concat'"},
    {SPAN, true, "set(name, \"x\")[\"k\"]", 1, 16,
     "only paths and converters may be indexed, not editors"},
    {SPAN, true, "set(attributes[\"a\"][\"b\"], 1)", 1, 5,
     "more than one index) is not supported by otelc yet"},
    {SPAN, true, "set(status[\"x\"].code, 1)", 1, 17, "only the last field of a path"},
    /* functions and arguments */
    {SPAN, true, "foo(name)", 1, 1, "undefined function \"foo\""},
    {SPAN, true, "flatten(attributes)", 1, 1,
     "the function flatten is not supported by otelc yet"},
    {SPAN, true, "set(name, ParseJSON(\"{}\"))", 1, 11,
     "the function ParseJSON is not supported by otelc yet"},
    {SPAN, true, "set(name)", 1, 1, "incorrect number of arguments. Expected: 2 Received: 1"},
    {SPAN, true, "set(name, 1, 2)", 1, 14, "incorrect number of arguments"},
    {SPAN, true, "truncate_all(limit = 3, attributes)", 1, 25,
     "named arguments must come after all unnamed ones"},
    {SPAN, true, "truncate_all(attributes, 3, marker = \"x\")", 1, 29,
     "truncate_all has no argument named marker"},
    {SPAN, true, "truncate_all(attributes, -1)", 1, 1, "cannot be negative"},
    {SPAN, true, "truncate_all(attributes, 2, truncation_marker = \"...\")", 1, 1,
     "longer than the limit"},
    {SPAN, true, "limit(attributes, 1, [\"a\", \"b\"])", 1, 1,
     "cannot be less than the number of priority keys"},
    {SPAN, true, "keep_keys(attributes, \"a\")", 1, 23, "must be a list of string literals"},
    {SPAN, true, "delete_key(name, \"a\")", 1, 12, "must be attributes (a map path)"},
    {SPAN, true, "set(\"x\", 1)", 1, 5, "the target argument of set must be a path"},
    {SPAN, true, "set(dropped_attributes_count, 1)", 1, 5, "cannot be set (read-only"},
    {SPAN, true, "merge_maps(attributes, attributes, \"overwrite\")", 1, 1,
     "invalid value for strategy"},
    {SPAN, true, "replace_all_patterns(attributes, \"keys\", \"a\", \"b\")", 1, 1,
     "invalid mode, must be key or value"},
    {SPAN, true, "replace_pattern(name, \"(\", \"b\")", 1, 23, "is not a valid regex"},
    {SPAN, true, "replace_pattern(name, attributes[\"r\"], \"b\")", 1, 23,
     "must be a string literal"},
    {SPAN, true, "replace_match(name, \"[a\", \"b\")", 1, 21, "is not a valid pattern"},
    {SPAN, true, "replace_pattern(name, \"a\", \"b\", Sha)", 1, 33,
     "must name a converter from a string to a string"},
    {SPAN, true, "replace_pattern(name, \"a\", \"b\", SHA256, \"%s-%s\")", 1, 1,
     "replacement_format must hold exactly one %s"},
    {SPAN, true, "set_semconv_span_name(\"1.30.0\")", 1, 1, "unsupported semconv version"},
    {SPAN, false, "IsMatch(name, \"(\")", 1, 15, "is not a valid regex"},
    /* paths, enums and contexts */
    {SPAN, true, "set(span.nope, 1)", 1, 10, "\"nope\" is not a path of the span context"},
    {SPAN, true, "set(cache[\"x\"], 1)", 1, 5, "the path \"cache\" is not supported by otelc yet"},
    {SPAN, true, "set(name, SPAN_KIND_BOGUS)", 1, 11, "enum symbol, SPAN_KIND_BOGUS, not found"},
    {RES, true, "set(attributes[\"x\"], name)", 1, 22,
     "\"name\" is not a path of the resource context"},
    {RES, true, "set(attributes[\"k\"], SPAN_KIND_SERVER)", 1, 22,
     "enums aren't supported for the resource context"},
    {RES, true, "set(attributes[\"r\"], true) where IsRootSpan()", 1, 34,
     "the function IsRootSpan is not available in the resource context"},
    {SPAN, true, "set(spanevent.name, \"x\")", 1, 5,
     "the span context cannot read spanevent paths"},
    {SCOPE, true, "set(span.name, \"x\")", 1, 5, "the scope context cannot read span paths"},
    {INFER, true, "set(name, \"x\")", 1, 5, "missing context name for path \"name\""},
    {INFER, true, "set(resource.attributes[\"a\"], scope.name)", 1, 31,
     "the resource context cannot read scope paths"},
    {SPAN, true, "set(instrumentation_scope.name, \"x\")", 1, 5,
     "the path scope.name cannot be set (read-only in otelc)"},
    {INFER, true, "set(log.body, \"x\")", 1, 5, "the log context is not one of traces"},
    {INFER, true, "set_semconv_span_name(\"1.37.0\")", 1, 1, "unable to infer a context"},
};

static int compile(const bad_case *c, ottl_error *err)
{
    ottl_statement *s = NULL;
    ottl_condition *k = NULL;
    int rc = c->statement ? ottl_compile_statements(&c->text, 1, c->ctx, &s, NULL, err, NULL)
                          : ottl_compile_conditions(&c->text, 1, c->ctx, &k, NULL, err, NULL);
    ottl_statement_free(s);
    ottl_condition_free(k);
    return rc;
}

static void test_refusals(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        ottl_error err = {0};
        int rc = compile(c, &err);
        if (rc == 0 || err.line != c->line || err.col != c->col || !strstr(err.msg, c->msg)) {
            print_error("case %zu: %s\n  want %u:%u %s\n  got  %u:%u %s (rc %d)\n", i, c->text,
                        c->line, c->col, c->msg, err.line, err.col, err.msg, rc);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

typedef struct good_case {
    ottl_context ctx;
    bool statement;
    const char *text;
} good_case;

/* Forms the collector's grammar reads, its odd ones included. */
static const good_case good_cases[] = {
    {SPAN, true, "set(name, \"x\")"},
    {SPAN, true, "set ( name , \"x\" ) where ( name == \"a\" ) "},
    {SPAN, true, "set(attributes[\"l\"], [1 2 3])"},
    {SPAN, true, "set(attributes[\"l\"], [, 1])"},
    {SPAN, true, "set(attributes[\"l\"], [])"},
    {SPAN, true, "set(attributes[\"m\"], {\"a\": 1 \"b\": 2,})"},
    {SPAN, true, "set(attributes[\"m\"], {})"},
    {SPAN, true, "set(attributes[\"x\"], -.5)"},
    {SPAN, true, "set(attributes[\"x\"], +1.5e3)"},
    {SPAN, true, "set(attributes[\"x\"], 1 - -1)"},
    {SPAN, true, "set(attributes[\"x\"], (1 + 2) * 3 / (4 - 5))"},
    {SPAN, true, "set(attributes[\"x\"], \"\\u00e9\\U0001F600\\t\\\\\\\"\\x41\\101\")"},
    {SPAN, true, "set(attributes[attributes[\"k\"]], 1)"},
    {SPAN, true, "set(attributes[\"x\"], Split(name, \" \")[0])"},
    {SPAN, true, "truncate_all(attributes, 3, truncation_marker = \"…\", utf8_safe = false)"},
    {SPAN, true, "replace_pattern(name, \"a\", \"b\", function = SHA256)"},
    {SPAN, true, "set(name, \"x\") where not IsMatch(name, \"a\") and kind != 1 or true"},
    {SPAN, false, "(name == \"a\" or name == \"b\") and not (kind == 2)"},
    {SPAN, false, "nil == attributes[\"x\"]"},
    {SPAN, false, "not true"},
    {SPAN, false, "IsMatch(name, \"x\") == false"},
    {EVENT, true, "set(span.attributes[\"x\"], name)"},
    {INFER, true, "set(span.name, resource.attributes[\"service.name\"])"},
    {INFER, true, "set(instrumentation_scope.attributes[\"x\"], 1)"},
};

static void test_accepted(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
        const good_case *g = &good_cases[i];
        bad_case c = {g->ctx, g->statement, g->text, 0, 0, ""};
        ottl_error err = {0};
        if (compile(&c, &err) != 0) {
            print_error("case %zu: %s\n  refused: %u:%u %s\n", i, g->text, err.line, err.col,
                        err.msg);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* The collector's priority when a group infers its context. */
static void test_inference(void **state)
{
    (void)state;
    static const struct {
        const char *stmts[3];
        ottl_context want;
    } cases[] = {
        {{"set(span.name, \"x\")", "set(resource.attributes[\"a\"], 1)"}, SPAN},
        {{"set(resource.attributes[\"a\"], 1)"}, RES},
        {{"set(scope.attributes[\"a\"], 1)"}, SCOPE},
        {{"set(spanevent.name, \"x\")", "set(span.name, \"y\")"}, EVENT},
        {{"set(resource.attributes[\"r\"], 1) where IsRootSpan()"}, SPAN},
        {{"set(resource.attributes[\"k\"], SPAN_KIND_SERVER)"}, EVENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 0;
        while (n < 3 && cases[i].stmts[n])
            n++;
        ottl_context got = OTTL_CTX_COUNT;
        ottl_error err;
        assert_int_equal(ottl_infer_context(OTELC_TRACES, cases[i].stmts, n, NULL, 0, &got, &err,
                                            NULL),
                         0);
        assert_int_equal(got, cases[i].want);
    }
}

/* Nesting is bounded: a config cannot make the parser recurse without end. */
static void test_nesting(void **state)
{
    (void)state;
    char text[2048];
    size_t n = 0;
    ottl_statement *s = NULL;
    ottl_error err;
    n += (size_t)snprintf(text, sizeof text, "set(attributes[\"x\"], ");
    for (int k = 0; k < 300; k++)
        text[n++] = '(';
    text[n++] = '1';
    for (int k = 0; k < 300; k++)
        text[n++] = ')';
    snprintf(text + n, sizeof text - n, ")");
    const char *texts[] = {text};
    assert_int_equal(ottl_compile_statements(texts, 1, SPAN, &s, NULL, &err, NULL), -1);
    assert_non_null(strstr(err.msg, "nested more than 60 levels deep"));
    n = (size_t)snprintf(text, sizeof text, "set(attributes[\"x\"], ");
    for (int k = 0; k < 40; k++)
        text[n++] = '[';
    for (int k = 0; k < 40; k++)
        text[n++] = ']';
    snprintf(text + n, sizeof text - n, ")");
    assert_int_equal(ottl_compile_statements(texts, 1, SPAN, &s, NULL, &err, NULL), 0);
    ottl_statement_free(s);
}

static void test_names(void **state)
{
    (void)state;
    ottl_context c;
    ottl_error_mode m;
    assert_int_equal(ottl_context_parse("SpanEvent", &c), 0);
    assert_int_equal(c, EVENT);
    assert_int_equal(ottl_context_parse("Log", &c), 0);
    assert_int_equal(c, OTTL_CTX_LOG);
    assert_int_equal(ottl_context_parse("datapoint", &c), 0);
    assert_int_equal(c, OTTL_CTX_DATAPOINT);
    assert_int_equal(ottl_context_parse("exemplar", &c), -2);
    assert_true(ottl_context_in_signal(OTTL_CTX_METRIC, OTELC_METRICS));
    assert_false(ottl_context_in_signal(OTTL_CTX_LOG, OTELC_METRICS));
    assert_true(ottl_context_in_signal(OTTL_CTX_RESOURCE, OTELC_LOGS));
    assert_int_equal(ottl_context_parse("nope", &c), -1);
    assert_int_equal(ottl_error_mode_parse("IGNORE", &m), 0);
    assert_int_equal(m, OTTL_IGNORE);
    assert_int_equal(ottl_error_mode_parse("silent", &m), 0);
    assert_int_equal(m, OTTL_SILENT);
    assert_int_equal(ottl_error_mode_parse("loud", &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_inference),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
