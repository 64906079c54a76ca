/*
 * filter.c: the collector's filter processor. Resources, scopes, spans,
 * span events, log records, metrics and data points that match a
 * condition of their signal are dropped (a metric left without data
 * points, and a scope or resource left without items, go with them);
 * each span, log record or data point dropped is counted in
 * otelcol_processor_filter_{spans,logs,datapoints}_filtered_total. One
 * pass of the SDK's editor per request, evaluating at each level the
 * groups of that context; a request where nothing matched goes on as it
 * came (no copy), one where everything matched is done (nothing to send).
 */
#include "filter.h"

#include <stdlib.h>

typedef struct pass {
    filter_proc *p;
    const filter_signal *sig; /* the request's signal's conditions */
    otlp_resource r;
    otlp_scope s;
    size_t events_dropped;
    bool failed;         /* a condition failed under error_mode propagate */
    const char *why;     /* ... its text */
} pass;

/* Where a signal's settings are in filter_proc.sig. */
static int signal_index(otelc_signal s)
{
    return s == OTELC_METRICS ? FILTER_METRICS : s == OTELC_LOGS ? FILTER_LOGS : FILTER_TRACES;
}

/* ---- conditions ---- */

/* A condition's failure: ignored (logged or not), or the request's. */
static void failed_condition(pass *ps, const ottl_group *g, const ottl_condition *c)
{
    filter_proc *p = ps->p;
    if (g->mode == OTTL_PROPAGATE) {
        ps->failed = true;
        ps->why = ottl_condition_text(c);
        p->api->log(p->ctx, OTELC_LOG_WARN, "failed to execute condition: %s: %s",
                    ottl_condition_text(c), ottl_env_error(p->env));
    } else if (g->mode == OTTL_IGNORE) {
        ottl_log_eval_error(&p->errors, p->ctx, p->api, "condition", ottl_condition_text(c),
                            ottl_env_error(p->env));
    }
}

/* Whether a condition of a group of context ctx matches where the env
 * stands (conditions are ORed, groups too). */
static bool matches(pass *ps, ottl_context ctx)
{
    filter_proc *p = ps->p;
    const ottl_groups *gs = &ps->sig->groups;
    if (!ps->sig->has[ctx])
        return false;
    for (size_t k = 0; k < gs->n && !ps->failed; k++) {
        const ottl_group *g = &gs->g[k];
        for (size_t i = 0; g->ctx == ctx && i < g->nconds && !ps->failed; i++) {
            bool m = false;
            if (ottl_condition_eval(g->conds[i], p->env, &m) != 0)
                failed_condition(ps, g, g->conds[i]);
            else if (m)
                return true;
        }
    }
    return false;
}

/* The older match properties: dropped when not included or excluded. */
static bool unmatched(pass *ps, const otlp_span *sp)
{
    const filter_signal *fs = ps->sig;
    if (fs->include && !attr_match_span(fs->include, &ps->r, &ps->s, sp))
        return true;
    return fs->exclude && attr_match_span(fs->exclude, &ps->r, &ps->s, sp);
}

static bool unmatched_log(pass *ps, const otlp_log *l)
{
    const filter_signal *fs = ps->sig;
    if (fs->include && !attr_match_log(fs->include, &ps->r, &ps->s, l))
        return true;
    return fs->exclude && attr_match_log(fs->exclude, &ps->r, &ps->s, l);
}

static bool unmatched_metric(pass *ps, const otlp_metric *m)
{
    const filter_signal *fs = ps->sig;
    if (fs->include && !attr_match_metric(fs->include, m))
        return true;
    return fs->exclude && attr_match_metric(fs->exclude, m);
}

/* ---- the walk ---- */

static int drop(filter_proc *p, enum otlp_edit_target at)
{
    int rc = otlp_edit_drop(p->ed, at);
    return rc < 0 ? rc : 0;
}

static int filter_events(pass *ps)
{
    filter_proc *p = ps->p;
    otlp_event ev;
    int rc;
    while ((rc = otlp_edit_event(p->ed, &ev)) > 0) {
        ottl_env_event(p->env, &ev);
        if (matches(ps, OTTL_CTX_SPANEVENT)) {
            if ((rc = drop(p, OTLP_EDIT_EVENT)) < 0)
                return rc;
            ps->events_dropped++;
        }
    }
    return rc;
}

static int filter_spans(pass *ps)
{
    filter_proc *p = ps->p;
    otlp_span sp;
    int rc;
    while ((rc = otlp_edit_span(p->ed, &sp)) > 0 && !ps->failed) {
        ottl_env_span(p->env, &sp);
        bool gone = unmatched(ps, &sp) || matches(ps, OTTL_CTX_SPAN);
        if (gone)
            rc = drop(p, OTLP_EDIT_SPAN);
        else if (ps->sig->has[OTTL_CTX_SPANEVENT])
            rc = filter_events(ps);
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int filter_logs(pass *ps)
{
    filter_proc *p = ps->p;
    otlp_log l;
    int rc;
    while ((rc = otlp_edit_log(p->ed, &l)) > 0 && !ps->failed) {
        ottl_env_log(p->env, &l);
        if (unmatched_log(ps, &l) || matches(ps, OTTL_CTX_LOG))
            if ((rc = drop(p, OTLP_EDIT_LOG)) < 0)
                return rc;
    }
    return rc;
}

static int filter_points(pass *ps)
{
    filter_proc *p = ps->p;
    otlp_datapoint dp;
    int rc;
    while ((rc = otlp_edit_datapoint(p->ed, &dp)) > 0 && !ps->failed) {
        ottl_env_datapoint(p->env, &dp);
        if (matches(ps, OTTL_CTX_DATAPOINT) && (rc = drop(p, OTLP_EDIT_DATAPOINT)) < 0)
            return rc;
    }
    return rc;
}

/* A metric whose points all go is removed by the editor. */
static int filter_metrics(pass *ps)
{
    filter_proc *p = ps->p;
    otlp_metric m;
    int rc;
    while ((rc = otlp_edit_metric(p->ed, &m)) > 0 && !ps->failed) {
        ottl_env_metric(p->env, &m);
        if (unmatched_metric(ps, &m) || matches(ps, OTTL_CTX_METRIC))
            rc = drop(p, OTLP_EDIT_METRIC);
        else if (ps->sig->has[OTTL_CTX_DATAPOINT])
            rc = filter_points(ps);
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int filter_items(pass *ps, otelc_signal signal)
{
    switch (signal) {
    case OTELC_LOGS: return filter_logs(ps);
    case OTELC_METRICS: return filter_metrics(ps);
    default: return filter_spans(ps);
    }
}

static int filter_scopes(pass *ps, otelc_signal signal)
{
    filter_proc *p = ps->p;
    int rc;
    while ((rc = otlp_edit_scope(p->ed, &ps->s)) > 0 && !ps->failed) {
        ottl_env_scope(p->env, &ps->s);
        if (matches(ps, OTTL_CTX_SCOPE))
            rc = drop(p, OTLP_EDIT_SCOPE);
        else
            rc = filter_items(ps, signal);
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int filter_request(pass *ps, otelc_signal signal, const uint8_t *in, size_t len,
                          size_t *spans)
{
    filter_proc *p = ps->p;
    int rc;
    otlp_edit_begin_signal(p->ed, signal, in, len);
    while ((rc = otlp_edit_resource(p->ed, &ps->r)) > 0 && !ps->failed) {
        ottl_env_resource(p->env, p->ed, &ps->r);
        if (matches(ps, OTTL_CTX_RESOURCE))
            rc = drop(p, OTLP_EDIT_RESOURCE);
        else
            rc = filter_scopes(ps, signal);
        if (rc < 0)
            return rc;
    }
    return rc < 0 ? rc : otlp_edit_finish(p->ed, spans);
}

/* ---- the plugin ---- */

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

static otelc_status emit_filtered(filter_proc *p, otelc_batch *b, size_t spans,
                                  otelc_ticket *t)
{
    uint8_t *out;
    size_t len;
    if (spans == 0)
        return OTELC_OK; /* everything was filtered: nothing goes on */
    if (otlp_edit_take(p->ed, &out, &len) != OTLP_OK)
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

/* b is lent: its bytes are read during the call only. */
static otelc_status filter_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    filter_proc *p = state;
    otelc_signal signal = otelc_batch_signal(b);
    const filter_signal *fs = &p->sig[signal_index(signal)];
    pass ps = {.p = p, .sig = fs};
    const uint8_t *in = otelc_batch_flat(b);
    size_t spans = 0, before = otelc_batch_spans(b);
    if (!in)
        return OTELC_RETRY;
    int rc = filter_request(&ps, signal, in, otelc_batch_len(b), &spans);
    if (ps.failed)
        return OTELC_REJECT; /* error_mode propagate: logged where it failed */
    if (rc == OTLP_ENOMEM)
        return OTELC_RETRY;
    if (rc < 0) {
        p->api->log(p->ctx, OTELC_LOG_WARN, "a request was refused: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    if (spans == before && ps.events_dropped == 0)
        return p->api->emit_ticket(p->ctx, b, t);
    if (before > spans)
        p->api->metric_add(fs->filtered, (double)(before - spans));
    return emit_filtered(p, b, spans, t);
}

static void filter_destroy(void *state)
{
    filter_proc *p = state;
    for (int s = 0; s < FILTER_SIGNALS; s++) {
        ottl_groups_free(&p->sig[s].groups);
        attr_match_free(p->sig[s].include);
        attr_match_free(p->sig[s].exclude);
    }
    otlp_editor_free(p->ed);
    ottl_env_free(p->env);
    free(p);
}

/* The collector's counters: otelcol_processor_filter_spans.filtered,
 * logs.filtered and datapoints.filtered, as Prometheus names them. */
static int register_metrics(filter_proc *p)
{
    static const char *const names[FILTER_SIGNALS][2] = {
        {"otelcol_processor_filter_spans_filtered_total",
         "Number of spans dropped by the filter processor"},
        {"otelcol_processor_filter_datapoints_filtered_total",
         "Number of metric data points dropped by the filter processor"},
        {"otelcol_processor_filter_logs_filtered_total",
         "Number of logs dropped by the filter processor"},
    };
    const char *pipeline = p->api->pipeline_id(p->ctx);
    const char *labels[] = {"filter", p->api->instance_id(p->ctx), "pipeline",
                            pipeline ? pipeline : "", NULL};
    for (int s = 0; s < FILTER_SIGNALS; s++) {
        otelc_metric_desc d = {.name = names[s][0], .help = names[s][1],
                               .type = OTELC_COUNTER, .labels = labels};
        if (!(p->sig[s].filtered = p->api->metric(p->ctx, &d)))
            return -1;
    }
    return 0;
}

static int filter_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg,
                         void **state)
{
    filter_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->api = api;
    p->ed = otlp_editor_new();
    p->env = ottl_env_new();
    if (!p->ed || !p->env || filter_configure(p, cfg) != 0) {
        filter_destroy(p); /* destroy follows only a successful create */
        return -1;
    }
    if (register_metrics(p) != 0) {
        filter_destroy(p);
        return -1;
    }
    *state = p;
    return 0;
}

static int filter_shutdown(void *state, int64_t deadline_ns)
{
    (void)state, (void)deadline_ns;
    return 0; /* nothing is held between requests */
}

static const otelc_plugin filter_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "filter",
    .version = "1.0.0",
    .doc = "drops spans, span events, log records, metrics, data points, scopes and resources "
           "that OTTL conditions or match properties select",
    .config_keys = filter_keys,
    .config_size = sizeof(filter_cfg),
    .create = filter_create,
    .consume = filter_consume,
    .shutdown = filter_shutdown,
    .destroy = filter_destroy,
    .signals = OTELC_TRACES | OTELC_METRICS | OTELC_LOGS,
};

OTELC_PLUGIN(filter_desc)
