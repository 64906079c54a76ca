/*
 * filter.c: the collector's filter processor, for traces. Resources,
 * scopes, spans and span events that match a condition are dropped (a
 * scope or resource left without spans goes with them); each span
 * dropped is counted in otelcol_processor_filter_spans_filtered_total.
 * One pass of the SDK's editor per request, evaluating at each level the
 * groups of that context; a request where nothing matched goes on as it
 * came (no copy), one where everything matched is done (nothing to send).
 */
#include "filter.h"

#include <stdlib.h>

typedef struct pass {
    filter_proc *p;
    otlp_resource r;
    otlp_scope s;
    size_t events_dropped;
    bool failed;         /* a condition failed under error_mode propagate */
    const char *why;     /* ... its text */
} pass;

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
    for (size_t k = 0; k < p->groups.n && !ps->failed; k++) {
        const ottl_group *g = &p->groups.g[k];
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
    filter_proc *p = ps->p;
    if (p->include && !attr_match_span(p->include, &ps->r, &ps->s, sp))
        return true;
    return p->exclude && attr_match_span(p->exclude, &ps->r, &ps->s, sp);
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
        bool gone = unmatched(ps, &sp) || (p->has[OTTL_CTX_SPAN] && matches(ps, OTTL_CTX_SPAN));
        if (gone)
            rc = drop(p, OTLP_EDIT_SPAN);
        else if (p->has[OTTL_CTX_SPANEVENT])
            rc = filter_events(ps);
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int filter_scopes(pass *ps)
{
    filter_proc *p = ps->p;
    int rc;
    while ((rc = otlp_edit_scope(p->ed, &ps->s)) > 0 && !ps->failed) {
        ottl_env_scope(p->env, &ps->s);
        if (p->has[OTTL_CTX_SCOPE] && matches(ps, OTTL_CTX_SCOPE))
            rc = drop(p, OTLP_EDIT_SCOPE);
        else
            rc = filter_spans(ps);
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int filter_request(pass *ps, const uint8_t *in, size_t len, size_t *spans)
{
    filter_proc *p = ps->p;
    int rc;
    otlp_edit_begin(p->ed, in, len);
    while ((rc = otlp_edit_resource(p->ed, &ps->r)) > 0 && !ps->failed) {
        ottl_env_resource(p->env, p->ed, &ps->r);
        if (p->has[OTTL_CTX_RESOURCE] && matches(ps, OTTL_CTX_RESOURCE))
            rc = drop(p, OTLP_EDIT_RESOURCE);
        else
            rc = filter_scopes(ps);
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
    pass ps = {.p = p};
    const uint8_t *in = otelc_batch_flat(b);
    size_t spans = 0, before = otelc_batch_spans(b);
    if (!in)
        return OTELC_RETRY;
    int rc = filter_request(&ps, in, otelc_batch_len(b), &spans);
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
        p->api->metric_add(p->filtered, (double)(before - spans));
    return emit_filtered(p, b, spans, t);
}

static void filter_destroy(void *state)
{
    filter_proc *p = state;
    ottl_groups_free(&p->groups);
    attr_match_free(p->include);
    attr_match_free(p->exclude);
    otlp_editor_free(p->ed);
    ottl_env_free(p->env);
    free(p);
}

static void register_metric(filter_proc *p)
{
    const char *pipeline = p->api->pipeline_id(p->ctx);
    const char *labels[] = {"filter", p->api->instance_id(p->ctx), "pipeline",
                            pipeline ? pipeline : "", NULL};
    otelc_metric_desc d = {.name = "otelcol_processor_filter_spans_filtered_total",
                           .help = "Number of spans dropped by the filter processor",
                           .type = OTELC_COUNTER,
                           .labels = labels};
    p->filtered = p->api->metric(p->ctx, &d);
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
    register_metric(p);
    if (!p->filtered) {
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
    .doc = "drops spans, span events, scopes and resources that OTTL conditions or match "
           "properties select",
    .config_keys = filter_keys,
    .config_size = sizeof(filter_cfg),
    .create = filter_create,
    .consume = filter_consume,
    .shutdown = filter_shutdown,
    .destroy = filter_destroy,
    .signals = OTELC_TRACES,
};

OTELC_PLUGIN(filter_desc)
