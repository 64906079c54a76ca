/*
 * compile.c: texts to compiled statements and conditions: parse all,
 * infer the group's context when asked, bind each.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Statements and conditions are both a parsed text and a context,
 * compiled the same way; each wraps this as its first member. */
typedef struct compiled {
    parsed p;
    ottl_context ctx;
} compiled;

struct ottl_statement {
    compiled c;
};

struct ottl_condition {
    compiled c;
};

static void compiled_free(compiled *c)
{
    if (!c)
        return;
    ottl_parsed_release(&c->p);
    free(c);
}

static void free_all(compiled **out, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        compiled_free(out[k]);
        out[k] = NULL;
    }
}

static int parse_all(const char *const *texts, size_t n, bool statements, compiled **out,
                     ottl_error *err, size_t *bad)
{
    for (size_t k = 0; k < n; k++) {
        *bad = k;
        /* the wrappers' only member is a compiled: the same size */
        if (!(out[k] = calloc(1, sizeof(compiled))))
            return ottl_fail(err, texts[k], 0, "out of memory");
        if (ottl_parse(&out[k]->p, texts[k], statements, err) != 0)
            return -1;
    }
    return 0;
}

static otelc_signal infer_signal(ottl_context infer)
{
    return infer == OTTL_CTX_INFER_LOGS      ? OTELC_LOGS
           : infer == OTTL_CTX_INFER_METRICS ? OTELC_METRICS
                                             : OTELC_TRACES;
}

static int infer(compiled **out, size_t n, ottl_context *ctx, ottl_error *err, size_t *bad)
{
    parsed **ps = calloc(n ? n : 1, sizeof(parsed *));
    if (!ps)
        return ottl_fail(err, "", 0, "out of memory");
    for (size_t k = 0; k < n; k++)
        ps[k] = &out[k]->p;
    int rc = ottl_infer(ps, n, infer_signal(*ctx), ctx, err, bad);
    free(ps);
    return rc;
}

static int compile_into(const char *const *texts, size_t n, ottl_context ctx, bool statements,
                        compiled **out, ottl_context *used, ottl_error *err, size_t *bad)
{
    size_t at = 0;
    int rc = parse_all(texts, n, statements, out, err, &at);
    if (rc == 0 && ctx < 0)
        rc = infer(out, n, &ctx, err, &at);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        at = k;
        out[k]->ctx = ctx;
        rc = ottl_bind(&out[k]->p, ctx, err);
    }
    if (bad)
        *bad = at;
    if (rc != 0) {
        free_all(out, n);
        return -1;
    }
    if (used)
        *used = ctx;
    return 0;
}

/* Compiles into a temporary array; out[k] gets each compiled text. */
static int compile_all(const char *const *texts, size_t n, ottl_context ctx, bool statements,
                       void **out, ottl_context *used, ottl_error *err, size_t *bad)
{
    compiled **tmp = calloc(n ? n : 1, sizeof(compiled *));
    memset(err, 0, sizeof *err);
    if (!tmp)
        return ottl_fail(err, "", 0, "out of memory");
    int rc = compile_into(texts, n, ctx, statements, tmp, used, err, bad);
    for (size_t k = 0; k < n; k++)
        out[k] = rc == 0 ? tmp[k] : NULL;
    free(tmp);
    return rc;
}

int ottl_compile_statements(const char *const *texts, size_t n, ottl_context ctx,
                            ottl_statement **out, ottl_context *used, ottl_error *err,
                            size_t *bad)
{
    void **tmp = calloc(n ? n : 1, sizeof(void *));
    int rc = tmp ? compile_all(texts, n, ctx, true, tmp, used, err, bad)
                 : ottl_fail(err, "", 0, "out of memory");
    for (size_t k = 0; k < n; k++)
        out[k] = tmp ? tmp[k] : NULL;
    free(tmp);
    return rc;
}

int ottl_compile_conditions(const char *const *texts, size_t n, ottl_context ctx,
                            ottl_condition **out, ottl_context *used, ottl_error *err,
                            size_t *bad)
{
    void **tmp = calloc(n ? n : 1, sizeof(void *));
    int rc = tmp ? compile_all(texts, n, ctx, false, tmp, used, err, bad)
                 : ottl_fail(err, "", 0, "out of memory");
    for (size_t k = 0; k < n; k++)
        out[k] = tmp ? tmp[k] : NULL;
    free(tmp);
    return rc;
}

int ottl_infer_context(otelc_signal signal, const char *const *stmts, size_t nstmts,
                       const char *const *conds, size_t nconds, ottl_context *out,
                       ottl_error *err, size_t *bad)
{
    size_t n = nstmts + nconds, at = 0;
    parsed *ps = calloc(n ? n : 1, sizeof(parsed));
    parsed **pp = calloc(n ? n : 1, sizeof(parsed *));
    int rc = 0;
    if (!ps || !pp) {
        free(ps);
        free(pp);
        return ottl_fail(err, "", 0, "out of memory");
    }
    for (size_t k = 0; rc == 0 && k < n; k++) {
        at = k;
        pp[k] = &ps[k];
        rc = ottl_parse(&ps[k], k < nstmts ? stmts[k] : conds[k - nstmts], k < nstmts, err);
    }
    if (rc == 0)
        rc = ottl_infer(pp, n, signal, out, err, &at);
    for (size_t k = 0; k < n; k++)
        ottl_parsed_release(&ps[k]);
    free(ps);
    free(pp);
    if (bad)
        *bad = at;
    return rc;
}

void ottl_statement_free(ottl_statement *s)
{
    compiled_free(s ? &s->c : NULL);
}

void ottl_condition_free(ottl_condition *c)
{
    compiled_free(c ? &c->c : NULL);
}

const char *ottl_statement_text(const ottl_statement *s)
{
    return s->c.p.text;
}

const char *ottl_condition_text(const ottl_condition *c)
{
    return c->c.p.text;
}

int ottl_condition_eval(const ottl_condition *c, ottl_env *e, bool *match)
{
    ottl_arena_reset(&e->scratch);
    e->err[0] = 0;
    e->oom = false;
    return ottl_eval_bool(e, c->c.p.where, match);
}

int ottl_statement_run(const ottl_statement *s, ottl_env *e)
{
    bool run = true;
    value ignored;
    ottl_arena_reset(&e->scratch);
    e->err[0] = 0;
    e->oom = false;
    if (s->c.p.where && ottl_eval_bool(e, s->c.p.where, &run) != 0)
        return -1;
    return run ? ottl_eval(e, s->c.p.editor, &ignored) : 0;
}
