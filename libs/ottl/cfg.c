/*
 * cfg.c: statement and condition groups from a processor's config nodes
 * (see ottl_cfg.h).
 */
#include "ottl_cfg.h"

#include <otelc/sdk/clock.h>

#include <stdlib.h>
#include <string.h>

typedef struct cfg {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    otelc_signal signal; /* whose statements or conditions these are */
} cfg;

static const char *signal_contexts(otelc_signal s)
{
    return s == OTELC_LOGS      ? "logs (resource, scope, log)"
           : s == OTELC_METRICS ? "metrics (resource, scope, metric, datapoint)"
                                : "traces (resource, scope, span, spanevent)";
}

/* The texts of a list of strings, with their nodes (malloc'ed arrays). */
typedef struct texts {
    const char **s;
    const otelc_node **node;
    size_t n;
} texts;

static void texts_free(texts *t)
{
    free(t->s);
    free(t->node);
    t->s = NULL;
    t->node = NULL;
    t->n = 0;
}

static int read_texts(cfg *c, const otelc_node *list, const char *what, texts *out)
{
    const otelc_host_api *api = c->api;
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (!list)
        return 0;
    if (api->node_kind(list) != OTELC_NODE_LIST) {
        api->config_error(c->ctx, list, "%s must be a list of strings", what);
        return -1;
    }
    size_t n = api->node_len(list);
    out->s = calloc(n ? n : 1, sizeof(char *));
    out->node = calloc(n ? n : 1, sizeof(otelc_node *));
    if (!out->s || !out->node) {
        api->config_error(c->ctx, list, "out of memory");
        texts_free(out);
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        out->node[k] = api->node_at(list, k);
        rc |= api->node_string(c->ctx, out->node[k], &out->s[k]);
    }
    out->n = n;
    if (rc != 0)
        texts_free(out); /* the errors are reported; nothing is kept */
    return rc;
}

static void report(cfg *c, const otelc_node *at, bool statement, const ottl_error *err)
{
    c->api->config_error(c->ctx, at, "OTTL %s, at %u:%u: %s",
                         statement ? "statement" : "condition", err->line, err->col, err->msg);
}

/* Compiles the texts for ctx one by one (so that every error is
 * reported) into stmts[0..n) or, stmts NULL, conds[0..n). 0, or -1 after
 * config_error. */
static int compile_each(cfg *c, const texts *t, ottl_context ctx, ottl_statement **stmts,
                        ottl_condition **conds)
{
    int rc = 0;
    for (size_t k = 0; k < t->n; k++) {
        ottl_error err;
        int r = stmts ? ottl_compile_statements(&t->s[k], 1, ctx, &stmts[k], NULL, &err, NULL)
                      : ottl_compile_conditions(&t->s[k], 1, ctx, &conds[k], NULL, &err, NULL);
        if (r != 0)
            report(c, t->node[k], stmts != NULL, &err);
        rc |= r;
    }
    return rc;
}

/* ---- groups ---- */

static void group_release(ottl_group *g)
{
    for (size_t k = 0; g->stmts && k < g->nstmts; k++)
        ottl_statement_free(g->stmts[k]);
    for (size_t k = 0; g->conds && k < g->nconds; k++)
        ottl_condition_free(g->conds[k]);
    free(g->stmts);
    free(g->conds);
    memset(g, 0, sizeof *g);
}

void ottl_groups_free(ottl_groups *gs)
{
    for (size_t k = 0; k < gs->n; k++)
        group_release(&gs->g[k]);
    free(gs->g);
    gs->g = NULL;
    gs->n = 0;
}

static int append(cfg *c, const otelc_node *at, ottl_groups *gs, ottl_group *g)
{
    ottl_group *more = realloc(gs->g, (gs->n + 1) * sizeof(ottl_group));
    if (!more) {
        c->api->config_error(c->ctx, at, "out of memory");
        group_release(g);
        return -1;
    }
    gs->g = more;
    gs->g[gs->n++] = *g;
    return 0;
}

/* Compiles statements and conditions of one group into g. */
static int compile_group(cfg *c, const texts *stmts, const texts *conds, ottl_group *g)
{
    g->stmts = calloc(stmts->n ? stmts->n : 1, sizeof(ottl_statement *));
    g->conds = calloc(conds->n ? conds->n : 1, sizeof(ottl_condition *));
    if (!g->stmts || !g->conds)
        return -1;
    g->nstmts = stmts->n;
    g->nconds = conds->n;
    int rc = compile_each(c, stmts, g->ctx, g->stmts, NULL);
    rc |= compile_each(c, conds, g->ctx, NULL, g->conds);
    return rc;
}

/* The group's context: named, or inferred from all its texts. */
static int group_context(cfg *c, const otelc_node *name, const texts *stmts, const texts *conds,
                         const otelc_node *at, ottl_context *out)
{
    const char *s;
    ottl_error err;
    size_t bad = 0;
    if (name) {
        if (c->api->node_string(c->ctx, name, &s) != 0)
            return -1;
        int rc = ottl_context_parse(s, out);
        if (rc == 0 && ottl_context_in_signal(*out, c->signal))
            return 0;
        if (rc == -1)
            c->api->config_error(c->ctx, name, "unknown context %s", s);
        else
            c->api->config_error(c->ctx, name, "the %s context is not one of %s%s", s,
                                 signal_contexts(c->signal),
                                 rc == -2 ? ", nor supported by otelc" : "");
        return -1;
    }
    if (ottl_infer_context(c->signal, stmts->s, stmts->n, conds->s, conds->n, out, &err, &bad) == 0)
        return 0;
    bool in_stmt = bad < stmts->n;
    const otelc_node *node = at;
    if (in_stmt)
        node = stmts->node[bad];
    else if (bad - stmts->n < conds->n)
        node = conds->node[bad - stmts->n];
    report(c, node, in_stmt, &err);
    return -1;
}

static int build_group(cfg *c, const otelc_node *at, const otelc_node *context,
                       const texts *stmts, const texts *conds, ottl_error_mode mode,
                       ottl_groups *out)
{
    ottl_group g = {.mode = mode};
    if (group_context(c, context, stmts, conds, at, &g.ctx) != 0)
        return -1;
    if (compile_group(c, stmts, conds, &g) != 0) {
        group_release(&g);
        return -1;
    }
    return append(c, at, out, &g);
}

/* ---- one map of the advanced style ---- */

static bool key_known(const char *k, bool statements)
{
    static const char *const stmt_keys[] = {"context", "statements", "conditions",
                                            "error_mode", "shared_cache", "flatten"};
    static const char *const cond_keys[] = {"context", "conditions", "error_mode"};
    size_t n = statements ? 6 : 3;
    for (size_t i = 0; i < n; i++)
        if (strcmp(k, statements ? stmt_keys[i] : cond_keys[i]) == 0)
            return true;
    return false;
}

static int check_keys(cfg *c, const otelc_node *map, bool statements)
{
    int rc = 0;
    for (size_t k = 0; k < c->api->node_len(map); k++) {
        const otelc_node *item = c->api->node_at(map, k);
        const char *key = c->api->node_key(item);
        if (key && !key_known(key, statements)) {
            c->api->config_error(c->ctx, item, "unknown key %s (expected %s)", key,
                                 statements ? "context, statements, conditions, error_mode, "
                                              "shared_cache"
                                            : "context, conditions, error_mode");
            rc = -1;
        }
    }
    return rc;
}

/* flatten is for log statements; shared_cache only shares the `cache`
 * path, which otelc refuses anyway. */
static int check_flags(cfg *c, const otelc_node *map)
{
    const otelc_node *flatten = c->api->node_get(map, "flatten");
    const otelc_node *shared = c->api->node_get(map, "shared_cache");
    bool b = false;
    if (shared && c->api->node_bool(c->ctx, shared, &b) != 0)
        return -1;
    if (flatten && (c->api->node_bool(c->ctx, flatten, &b) != 0 || b)) {
        if (b)
            c->api->config_error(c->ctx, flatten, c->signal == OTELC_LOGS
                                                      ? "flatten is not supported by otelc yet"
                                                      : "flatten applies to log statements "
                                                        "only");
        return -1;
    }
    return 0;
}

static int read_group(cfg *c, const otelc_node *map, bool statements, ottl_error_mode mode,
                      ottl_groups *out)
{
    const otelc_host_api *api = c->api;
    texts stmts = {0}, conds = {0};
    int rc = check_keys(c, map, statements);
    if (statements)
        rc |= check_flags(c, map);
    rc |= ottl_cfg_error_mode(c->ctx, api, api->node_get(map, "error_mode"), mode, &mode);
    if (statements)
        rc |= read_texts(c, api->node_get(map, "statements"), "statements", &stmts);
    rc |= read_texts(c, api->node_get(map, "conditions"), "conditions", &conds);
    if (!statements && rc == 0 && conds.n == 0) {
        api->config_error(c->ctx, map, "a group needs conditions");
        rc = -1;
    }
    if (rc == 0)
        rc = build_group(c, map, api->node_get(map, "context"), &stmts, &conds, mode, out);
    texts_free(&stmts);
    texts_free(&conds);
    return rc;
}

/* ---- entry points ---- */

int ottl_cfg_error_mode(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *node,
                        ottl_error_mode dflt, ottl_error_mode *out)
{
    const char *s;
    *out = dflt;
    if (!node)
        return 0;
    if (api->node_string(ctx, node, &s) != 0)
        return -1;
    if (ottl_error_mode_parse(s, out) == 0)
        return 0;
    api->config_error(ctx, node, "unknown error mode %s (use propagate, ignore or silent)", s);
    return -1;
}

int ottl_cfg_conditions(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                        ottl_context fixed, ottl_error_mode mode, ottl_groups *out)
{
    cfg c = {ctx, api, OTELC_TRACES}; /* the context is given */
    texts conds, none = {0};
    ottl_group g = {.ctx = fixed, .mode = mode};
    if (!list)
        return 0;
    if (read_texts(&c, list, "conditions", &conds) != 0)
        return -1;
    int rc = compile_group(&c, &none, &conds, &g);
    texts_free(&conds);
    if (rc != 0) {
        group_release(&g);
        return -1;
    }
    return append(&c, list, out, &g);
}

/* The basic style: every string of the list is one group. */
static int read_basic(cfg *c, const otelc_node *list, bool statements, ottl_error_mode mode,
                      ottl_groups *out)
{
    texts t, none = {0};
    if (read_texts(c, list, statements ? "statements" : "conditions", &t) != 0)
        return -1;
    int rc = statements ? build_group(c, list, NULL, &t, &none, mode, out)
                        : build_group(c, list, NULL, &none, &t, mode, out);
    texts_free(&t);
    return rc;
}

int ottl_cfg_groups(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                    otelc_signal signal, bool statements, ottl_error_mode mode,
                    ottl_groups *out)
{
    cfg c = {ctx, api, signal};
    size_t maps = 0, n;
    int rc = 0;
    if (!list)
        return 0;
    if (api->node_kind(list) != OTELC_NODE_LIST) {
        api->config_error(ctx, list, "must be a list");
        return -1;
    }
    n = api->node_len(list);
    for (size_t k = 0; k < n; k++)
        maps += api->node_kind(api->node_at(list, k)) == OTELC_NODE_MAP;
    if (maps == 0)
        return n ? read_basic(&c, list, statements, mode, out) : 0;
    if (maps != n) {
        api->config_error(ctx, list, "configuring multiple configuration styles is not "
                                     "supported, please use only Basic configuration or only "
                                     "Advanced configuration");
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        rc |= read_group(&c, api->node_at(list, k), statements, mode, out);
    return rc;
}

void ottl_log_eval_error(ottl_error_log *l, otelc_ctx *ctx, const otelc_host_api *api,
                         const char *what, const char *text, const char *why)
{
    int64_t now = otelc_mono_ns();
    if (now < l->next_ns) {
        l->skipped++;
        return;
    }
    l->next_ns = now + 1000000000;
    if (l->skipped)
        api->log(ctx, OTELC_LOG_WARN, "failed to execute %s: %s: %s (and %llu more errors)",
                 what, text, why, (unsigned long long)l->skipped);
    else
        api->log(ctx, OTELC_LOG_WARN, "failed to execute %s: %s: %s", what, text, why);
    l->skipped = 0;
}
