/*
 * attributes.c: the collector's attributes processor, for traces, metrics
 * and logs. Its `actions` (insert, update, upsert, delete, hash, extract,
 * convert) run on the attributes of every span, log record, or data
 * point of every metric, that `include` selects and `exclude` does not;
 * the rest, and requests with nothing to change, pass as they are.
 * Actions, matching and the editing pass are libs/attraction's.
 */
#include <stdlib.h>

#include <attraction/actions.h>
#include <attraction/match.h>
#include <attraction/pass.h>
#include <otelc/plugin.h>
#include <otelc/sdk/signal.h>

typedef struct attributes_cfg {
    const otelc_node *actions;
    attr_match_cfg include, exclude;
} attributes_cfg;

typedef struct attributes_proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    otelc_signal signal; /* its pipeline's: what include and exclude read */
    attr_actions *actions;
    attr_match *include, *exclude; /* NULL: not configured */
    otlp_editor *ed; /* one per instance: consume never runs concurrently */
} attributes_proc;

/* One request's pass: where the walk stands, and what changed. */
typedef struct pass {
    attributes_proc *p;
    const otelc_batch_meta *meta;
    otlp_resource r;
    otlp_scope s;
    bool metric_selected; /* the current metric's points get the actions */
    int changes;
} pass;

static int on_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    (void)ed;
    ((pass *)arg)->r = *r;
    return 0;
}

static int on_scope(void *arg, otlp_editor *ed, const otlp_scope *s)
{
    (void)ed;
    ((pass *)arg)->s = *s;
    return 0;
}

/* The collector's skip rule: not included, or excluded. */
static bool selected(pass *ps, const otlp_span *sp)
{
    attributes_proc *p = ps->p;
    if (p->include && !attr_match_span(p->include, &ps->r, &ps->s, sp))
        return false;
    return !p->exclude || !attr_match_span(p->exclude, &ps->r, &ps->s, sp);
}

/* Runs the actions on the current item's attributes. */
static int apply(pass *ps, otlp_editor *ed, enum otlp_edit_target at)
{
    int rc = attr_actions_apply(ps->p->actions, ed, at, ps->meta);
    if (rc > 0)
        ps->changes += rc;
    return rc < 0 ? rc : 0;
}

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    pass *ps = arg;
    return selected(ps, sp) ? apply(ps, ed, OTLP_EDIT_SPAN) : 0;
}

static bool log_selected(pass *ps, const otlp_log *l)
{
    attributes_proc *p = ps->p;
    if (p->include && !attr_match_log(p->include, &ps->r, &ps->s, l))
        return false;
    return !p->exclude || !attr_match_log(p->exclude, &ps->r, &ps->s, l);
}

static int on_log(void *arg, otlp_editor *ed, const otlp_log *l)
{
    pass *ps = arg;
    return log_selected(ps, l) ? apply(ps, ed, OTLP_EDIT_LOG) : 0;
}

/* The collector selects metrics, then edits every point of those. */
static int on_metric(void *arg, otlp_editor *ed, const otlp_metric *m)
{
    pass *ps = arg;
    attributes_proc *p = ps->p;
    (void)ed;
    ps->metric_selected = (!p->include || attr_match_metric(p->include, m)) &&
                          (!p->exclude || !attr_match_metric(p->exclude, m));
    return 0;
}

static int on_datapoint(void *arg, otlp_editor *ed, const otlp_metric *m,
                        const otlp_datapoint *dp)
{
    pass *ps = arg;
    (void)m, (void)dp;
    return ps->metric_selected ? apply(ps, ed, OTLP_EDIT_DATAPOINT) : 0;
}

static const otlp_edit_fns item_fns = {.resource = on_resource, .scope = on_scope,
                                       .span = on_span, .log = on_log,
                                       .metric = on_metric, .datapoint = on_datapoint};

/* b is lent: its bytes are read during the call only. */
static otelc_status attributes_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    attributes_proc *p = state;
    pass ps = {.p = p, .meta = otelc_batch_meta_of(b)};
    return attr_pass(p->ctx, p->api, p->ed, b, t, &item_fns, &ps, &ps.changes);
}

static void attributes_destroy(void *state)
{
    attributes_proc *p = state;
    attr_actions_free(p->actions);
    attr_match_free(p->include);
    attr_match_free(p->exclude);
    otlp_editor_free(p->ed);
    free(p);
}

/* Reads actions, include and exclude; every error is reported. */
static int attributes_parse(attributes_proc *p, const attributes_cfg *cfg)
{
    const otelc_node *root = p->api->config_node(p->ctx);
    int rc = attr_actions_parse(p->ctx, p->api, cfg->actions, "actions", &p->actions);
    rc |= attr_match_parse(p->ctx, p->api, p->signal, &cfg->include,
                           p->api->node_get(root, "include"), &p->include);
    rc |= attr_match_parse(p->ctx, p->api, p->signal, &cfg->exclude,
                           p->api->node_get(root, "exclude"), &p->exclude);
    return rc;
}

static int attributes_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg,
                             void **state)
{
    attributes_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->api = api;
    p->signal = otelc_signal_only(otelc_host_has(api, signals_fed) ? api->signals_fed(ctx) : 0);
    p->ed = otlp_editor_new();
    if (!p->ed || attributes_parse(p, cfg) != 0) {
        attributes_destroy(p); /* destroy follows only a successful create */
        return -1;
    }
    *state = p;
    return 0;
}

static int attributes_shutdown(void *state, int64_t deadline_ns)
{
    (void)state, (void)deadline_ns;
    return 0; /* nothing is held between batches */
}

static const otelc_cfg_key attributes_keys[] = {
    {"actions", OTELC_CFG_NODE, NULL,
     "a list of {key, action, value | from_attribute | from_context, pattern, converted_type}",
     offsetof(attributes_cfg, actions), 0},
    ATTR_MATCH_KEYS("include", attributes_cfg, include),
    ATTR_MATCH_KEYS("exclude", attributes_cfg, exclude),
    {0},
};

static const otelc_plugin attributes_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "attributes",
    .version = "1.0.0",
    .doc = "inserts, updates, deletes, hashes, extracts and converts span, log record and "
           "data point attributes",
    .config_keys = attributes_keys,
    .config_size = sizeof(attributes_cfg),
    .signals = OTELC_ALL_SIGNALS,
    .create = attributes_create,
    .consume = attributes_consume,
    .shutdown = attributes_shutdown,
    .destroy = attributes_destroy,
};

OTELC_PLUGIN(attributes_desc)
