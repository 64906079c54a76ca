/*
 * test_ottl_alloc.c: evaluation allocates nothing in steady state. A
 * set of statements and conditions (attribute writes, a regex replace,
 * Concat, math, comparisons, a span event context) runs over the
 * reference request twice with one editor and one env; the third run is
 * counted with malloc, calloc and realloc wrapped at link time and must
 * make no allocation. (The wrap sees otelc's code, the SDK's editor and
 * libs/ottl; PCRE2 reuses the match data each regex keeps.)
 */
#include "test_ottl_util.h"

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_json.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- counting allocator (-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc) ---- */

static long allocs;
static bool counting;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    allocs += counting;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    allocs += counting;
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    allocs += counting;
    return __real_realloc(p, n);
}

static const char *const span_stmts[] = {
    "set(attributes[\"env\"], \"prod\") where kind == SPAN_KIND_SERVER",
    "replace_pattern(attributes[\"http.target\"], \"password=[^&]*\", \"password=***\")",
    "set(attributes[\"c\"], Concat([name, attributes[\"retries\"], kind], \"|\"))",
    "set(attributes[\"ms\"], Milliseconds(end_time - start_time))",
    "set(name, ToUpperCase(name)) where IsMatch(name, \"^(health|SELECT)$\")",
    "truncate_all(attributes, 12)",
};

static const char *const conds[] = {
    "attributes[\"http.method\"] == \"GET\" and not IsMatch(name, \"^health\")",
    "end_time - start_time > Duration(\"100ms\") or resource.attributes[\"host.name\"] == nil",
};

typedef struct world {
    otlp_editor *ed;
    ottl_env *env;
    ottl_statement *stmts[6];
    ottl_condition *conds[2];
    ottl_statement *event_stmt;
    uint8_t *pb;
    size_t len;
} world;

static void run_span(world *w)
{
    bool m;
    for (size_t k = 0; k < 2; k++)
        assert_int_equal(ottl_condition_eval(w->conds[k], w->env, &m), 0);
    for (size_t k = 0; k < 6; k++)
        assert_int_equal(ottl_statement_run(w->stmts[k], w->env), 0);
}

/* One pass over the request; the output stays the editor's. */
static void pass(world *w)
{
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    otlp_event ev;
    otlp_edit_begin(w->ed, w->pb, w->len);
    while (otlp_edit_resource(w->ed, &r) > 0) {
        ottl_env_resource(w->env, w->ed, &r);
        while (otlp_edit_scope(w->ed, &s) > 0) {
            ottl_env_scope(w->env, &s);
            while (otlp_edit_span(w->ed, &sp) > 0) {
                ottl_env_span(w->env, &sp);
                run_span(w);
                while (otlp_edit_event(w->ed, &ev) > 0) {
                    ottl_env_event(w->env, &ev);
                    assert_int_equal(ottl_statement_run(w->event_stmt, w->env), 0);
                }
            }
        }
    }
    assert_int_equal(otlp_edit_finish(w->ed, NULL), OTLP_OK);
}

static void test_steady_state(void **state)
{
    (void)state;
    world w;
    ottl_error err;
    char why[128];
    const char *event_stmt = "set(attributes[\"span\"], span.name) where name == \"exception\"";
    assert_int_equal(ottl_compile_statements(span_stmts, 6, OTTL_CTX_SPAN, w.stmts, NULL, &err,
                                             NULL), 0);
    assert_int_equal(ottl_compile_conditions(conds, 2, OTTL_CTX_SPAN, w.conds, NULL, &err, NULL),
                     0);
    assert_int_equal(ottl_compile_statements(&event_stmt, 1, OTTL_CTX_SPANEVENT, &w.event_stmt,
                                             NULL, &err, NULL), 0);
    assert_int_equal(otlp_json_read(ottl_fixture_json, strlen(ottl_fixture_json), &w.pb, &w.len,
                                    why, sizeof why), 0);
    w.ed = otlp_editor_new();
    w.env = ottl_env_new();
    pass(&w);
    pass(&w);
    counting = true;
    pass(&w);
    counting = false;
    assert_int_equal(allocs, 0);
    assert_true(ottl_env_changes(w.env) > 0);
    for (size_t k = 0; k < 6; k++)
        ottl_statement_free(w.stmts[k]);
    ottl_condition_free(w.conds[0]);
    ottl_condition_free(w.conds[1]);
    ottl_statement_free(w.event_stmt);
    ottl_env_free(w.env);
    otlp_editor_free(w.ed);
    free(w.pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
