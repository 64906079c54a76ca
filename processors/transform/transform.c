/*
 * transform.c: the collector's transform processor. Its
 * trace_statements, metric_statements and log_statements (the basic
 * style: statements whose context is inferred; or groups with context,
 * conditions, error_mode) run group after group over the whole request
 * of their signal, as the collector runs them: each group is one pass of
 * the SDK's editor over what the groups before it made, visiting the
 * resources, scopes, spans, span events, log records, metrics or data
 * points of its context. A group's conditions (ORed) decide per item whether its
 * statements run. A pass that changes nothing costs no copy; a request
 * that no group changed goes on as it came.
 */
#include <ottl/ottl_cfg.h>
#include <otelc/plugin.h>

#include <stdlib.h>

typedef struct transform_cfg {
    const char *error_mode;
    const otelc_node *trace_statements, *metric_statements, *log_statements;
} transform_cfg;

typedef struct transform_proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    ottl_groups groups[3]; /* by signal_index: traces, metrics, logs */
    /* Two editors: a pass reads what the other wrote. consume never runs
     * concurrently, so they are the instance's. */
    otlp_editor *ed[2];
    ottl_env *env;
    ottl_error_log errors;
} transform_proc;

/* Where a signal's groups are in transform_proc.groups. */
static size_t signal_index(otelc_signal s)
{
    return s == OTELC_METRICS ? 1 : s == OTELC_LOGS ? 2 : 0;
}

/* One group's pass over the request. */
typedef struct pass {
    transform_proc *p;
    const ottl_group *g;
    otlp_editor *ed;
    otelc_signal signal;
    bool failed; /* a statement or condition failed under propagate */
} pass;

/* ---- one item ---- */

static void failed(pass *ps, const char *what, const char *text)
{
    transform_proc *p = ps->p;
    if (ps->g->mode == OTTL_PROPAGATE || ottl_env_oom(p->env)) {
        ps->failed = true;
        p->api->log(p->ctx, OTELC_LOG_WARN, "failed to execute %s: %s: %s", what, text,
                    ottl_env_error(p->env));
    } else if (ps->g->mode == OTTL_IGNORE) {
        ottl_log_eval_error(&p->errors, p->ctx, p->api, what, text, ottl_env_error(p->env));
    }
}

/* The group's conditions, ORed; none means every item. */
static bool selected(pass *ps)
{
    const ottl_group *g = ps->g;
    for (size_t k = 0; k < g->nconds && !ps->failed; k++) {
        bool m = false;
        if (ottl_condition_eval(g->conds[k], ps->p->env, &m) != 0)
            failed(ps, "condition", ottl_condition_text(g->conds[k]));
        else if (m)
            return true;
    }
    return g->nconds == 0;
}

static void run_item(pass *ps)
{
    const ottl_group *g = ps->g;
    if (!selected(ps))
        return;
    for (size_t k = 0; k < g->nstmts && !ps->failed; k++)
        if (ottl_statement_run(g->stmts[k], ps->p->env) != 0)
            failed(ps, "statement", ottl_statement_text(g->stmts[k]));
}

/* ---- the walk of one pass ---- */

static int walk_events(pass *ps)
{
    otlp_event ev;
    int rc;
    while ((rc = otlp_edit_event(ps->ed, &ev)) > 0 && !ps->failed) {
        ottl_env_event(ps->p->env, &ev);
        run_item(ps);
    }
    return rc;
}

static int walk_spans(pass *ps)
{
    otlp_span sp;
    int rc;
    while ((rc = otlp_edit_span(ps->ed, &sp)) > 0 && !ps->failed) {
        ottl_env_span(ps->p->env, &sp);
        if (ps->g->ctx == OTTL_CTX_SPAN)
            run_item(ps);
        else if ((rc = walk_events(ps)) < 0)
            return rc;
    }
    return rc;
}

static int walk_logs(pass *ps)
{
    otlp_log l;
    int rc;
    while ((rc = otlp_edit_log(ps->ed, &l)) > 0 && !ps->failed) {
        ottl_env_log(ps->p->env, &l);
        run_item(ps);
    }
    return rc;
}

static int walk_points(pass *ps)
{
    otlp_datapoint dp;
    int rc;
    while ((rc = otlp_edit_datapoint(ps->ed, &dp)) > 0 && !ps->failed) {
        ottl_env_datapoint(ps->p->env, &dp);
        run_item(ps);
    }
    return rc;
}

/* A metric group runs per metric; a datapoint group per point, the
 * points of other groups' passes left unvisited (copied as they are). */
static int walk_metrics(pass *ps)
{
    otlp_metric m;
    int rc;
    while ((rc = otlp_edit_metric(ps->ed, &m)) > 0 && !ps->failed) {
        ottl_env_metric(ps->p->env, &m);
        if (ps->g->ctx == OTTL_CTX_METRIC)
            run_item(ps);
        else if ((rc = walk_points(ps)) < 0)
            return rc;
    }
    return rc;
}

static int walk_items(pass *ps)
{
    switch (ps->signal) {
    case OTELC_LOGS: return walk_logs(ps);
    case OTELC_METRICS: return walk_metrics(ps);
    default: return walk_spans(ps);
    }
}

static int walk_scopes(pass *ps)
{
    otlp_scope s;
    int rc;
    while ((rc = otlp_edit_scope(ps->ed, &s)) > 0 && !ps->failed) {
        ottl_env_scope(ps->p->env, &s);
        if (ps->g->ctx == OTTL_CTX_SCOPE)
            run_item(ps);
        else if ((rc = walk_items(ps)) < 0)
            return rc;
    }
    return rc;
}

/* Runs a group over in; *changed when it edited anything. */
static int run_pass(pass *ps, const uint8_t *in, size_t len, size_t *spans, bool *changed)
{
    otlp_resource r;
    int rc;
    uint64_t before = ottl_env_changes(ps->p->env);
    otlp_edit_begin_signal(ps->ed, ps->signal, in, len);
    while ((rc = otlp_edit_resource(ps->ed, &r)) > 0 && !ps->failed) {
        ottl_env_resource(ps->p->env, ps->ed, &r);
        if (ps->g->ctx == OTTL_CTX_RESOURCE)
            run_item(ps);
        else if ((rc = walk_scopes(ps)) < 0)
            return rc;
    }
    if (rc < 0 || ps->failed)
        return rc;
    *changed = ottl_env_changes(ps->p->env) != before;
    return otlp_edit_finish(ps->ed, spans);
}

/* ---- the plugin ---- */

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

static otelc_status emit_output(transform_proc *p, otlp_editor *ed, otelc_batch *b,
                                size_t spans, otelc_ticket *t)
{
    uint8_t *out;
    size_t len;
    if (otlp_edit_take(ed, &out, &len) != OTLP_OK)
        return OTELC_RETRY;
    otelc_batch *nb = p->api->batch_adopt(out, len, (uint32_t)spans, free_buf, NULL,
                                          otelc_batch_meta_of(b));
    if (!nb) {
        free(out); /* adopt did not take it */
        return OTELC_RETRY;
    }
    otelc_status st = p->api->emit_ticket(p->ctx, nb, t);
    otelc_batch_unref(nb);
    return st;
}

static otelc_status outcome(transform_proc *p, int rc)
{
    if (rc == OTLP_ENOMEM || ottl_env_oom(p->env))
        return OTELC_RETRY;
    if (rc < 0)
        p->api->log(p->ctx, OTELC_LOG_WARN, "a request was refused: %s", otlp_strerror(rc));
    return OTELC_REJECT; /* propagate: logged where it failed */
}

/* b is lent: its bytes are read during the call only. */
static otelc_status transform_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    transform_proc *p = state;
    const uint8_t *in = otelc_batch_flat(b);
    size_t len = otelc_batch_len(b), spans = otelc_batch_spans(b);
    int owner = -1; /* the editor whose output is the current request; -1: b */
    otelc_signal signal = otelc_batch_signal(b);
    const ottl_groups *groups = &p->groups[signal_index(signal)];
    if (!in)
        return OTELC_RETRY;
    for (size_t k = 0; k < groups->n; k++) {
        int next = owner == 0 ? 1 : 0;
        pass ps = {.p = p, .g = &groups->g[k], .ed = p->ed[next], .signal = signal};
        bool changed = false;
        int rc = run_pass(&ps, in, len, &spans, &changed);
        if (rc < 0 || ps.failed)
            return outcome(p, rc);
        if (changed) {
            in = otlp_edit_output(ps.ed, &len);
            owner = next;
        }
    }
    if (owner < 0)
        return p->api->emit_ticket(p->ctx, b, t);
    return emit_output(p, p->ed[owner], b, spans, t);
}

static void transform_destroy(void *state)
{
    transform_proc *p = state;
    for (int s = 0; s < 3; s++)
        ottl_groups_free(&p->groups[s]);
    otlp_editor_free(p->ed[0]);
    otlp_editor_free(p->ed[1]);
    ottl_env_free(p->env);
    free(p);
}

static int transform_configure(transform_proc *p, const transform_cfg *cfg)
{
    const otelc_node *root = p->api->config_node(p->ctx);
    ottl_error_mode mode = OTTL_IGNORE;
    if (ottl_cfg_error_mode(p->ctx, p->api, p->api->node_get(root, "error_mode"), OTTL_IGNORE,
                            &mode) != 0)
        return -1;
    int rc = ottl_cfg_groups(p->ctx, p->api, cfg->trace_statements, OTELC_TRACES, true, mode,
                             &p->groups[signal_index(OTELC_TRACES)]);
    rc |= ottl_cfg_groups(p->ctx, p->api, cfg->metric_statements, OTELC_METRICS, true, mode,
                          &p->groups[signal_index(OTELC_METRICS)]);
    rc |= ottl_cfg_groups(p->ctx, p->api, cfg->log_statements, OTELC_LOGS, true, mode,
                          &p->groups[signal_index(OTELC_LOGS)]);
    return rc;
}

static int transform_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg,
                            void **state)
{
    transform_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->api = api;
    p->ed[0] = otlp_editor_new();
    p->ed[1] = otlp_editor_new();
    p->env = ottl_env_new();
    if (!p->ed[0] || !p->ed[1] || !p->env || transform_configure(p, cfg) != 0) {
        transform_destroy(p); /* destroy follows only a successful create */
        return -1;
    }
    *state = p;
    return 0;
}

static int transform_shutdown(void *state, int64_t deadline_ns)
{
    (void)state, (void)deadline_ns;
    return 0; /* nothing is held between requests */
}

static const otelc_cfg_key transform_keys[] = {
    {"error_mode", OTELC_CFG_STRING, "ignore", "propagate, ignore or silent",
     offsetof(transform_cfg, error_mode), 0},
    {"trace_statements", OTELC_CFG_NODE, NULL,
     "statements (context inferred), or groups {context, statements, conditions, error_mode}",
     offsetof(transform_cfg, trace_statements), 0},
    {"metric_statements", OTELC_CFG_NODE, NULL,
     "statements (context inferred), or groups {context: metric|datapoint|resource|scope, ...}",
     offsetof(transform_cfg, metric_statements), 0},
    {"log_statements", OTELC_CFG_NODE, NULL,
     "statements (context inferred), or groups {context: log|resource|scope, ...}",
     offsetof(transform_cfg, log_statements), 0},
    {"profile_statements", OTELC_CFG_NODE, NULL, "profiles statements", 0,
     OTELC_KEY_UNSUPPORTED},
    {"flatten_data", OTELC_CFG_BOOL, "false", "logs only (behind a collector feature gate)", 0,
     OTELC_KEY_IGNORED},
    {0},
};

static const otelc_plugin transform_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "transform",
    .version = "1.0.0",
    .doc = "changes spans, span events, log records, metrics, data points, scopes and "
           "resources with OTTL statements",
    .config_keys = transform_keys,
    .config_size = sizeof(transform_cfg),
    .create = transform_create,
    .consume = transform_consume,
    .shutdown = transform_shutdown,
    .destroy = transform_destroy,
    .signals = OTELC_TRACES | OTELC_METRICS | OTELC_LOGS,
};

OTELC_PLUGIN(transform_desc)
