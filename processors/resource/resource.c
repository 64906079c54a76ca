/*
 * resource.c: the collector's resource processor, for traces, metrics
 * and logs. Its `attributes` actions (the attributes processor's,
 * libs/attraction's) run on the attributes of every resource
 * (ResourceSpans, ResourceMetrics, ResourceLogs); what is below is copied
 * as it is, and a request with nothing to change passes unchanged.
 */
#include <stdlib.h>

#include <attraction/actions.h>
#include <attraction/pass.h>
#include <otelc/plugin.h>

typedef struct resource_cfg {
    const otelc_node *attributes;
} resource_cfg;

typedef struct resource_proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    attr_actions *actions;
    otlp_editor *ed; /* one per instance: consume never runs concurrently */
} resource_proc;

typedef struct pass {
    resource_proc *p;
    const otelc_batch_meta *meta;
    int changes;
} pass;

static int on_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    pass *ps = arg;
    (void)r;
    int rc = attr_actions_apply(ps->p->actions, ed, OTLP_EDIT_RESOURCE, ps->meta);
    if (rc > 0)
        ps->changes += rc;
    return rc < 0 ? rc : 0;
}

/* Only the resource callback: scopes and items are copied undecoded. */
static const otlp_edit_fns resource_fns = {.resource = on_resource};

/* b is lent: its bytes are read during the call only. */
static otelc_status resource_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    resource_proc *p = state;
    pass ps = {.p = p, .meta = otelc_batch_meta_of(b)};
    return attr_pass(p->ctx, p->api, p->ed, b, t, &resource_fns, &ps, &ps.changes);
}

static void resource_destroy(void *state)
{
    resource_proc *p = state;
    attr_actions_free(p->actions);
    otlp_editor_free(p->ed);
    free(p);
}

static int resource_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp,
                           void **state)
{
    const resource_cfg *cfg = cfgp;
    resource_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->api = api;
    p->ed = otlp_editor_new();
    if (!p->ed || attr_actions_parse(ctx, api, cfg->attributes, "attributes", &p->actions) != 0) {
        resource_destroy(p); /* destroy follows only a successful create */
        return -1;
    }
    *state = p;
    return 0;
}

static int resource_shutdown(void *state, int64_t deadline_ns)
{
    (void)state, (void)deadline_ns;
    return 0; /* nothing is held between batches */
}

static const otelc_cfg_key resource_keys[] = {
    {"attributes", OTELC_CFG_NODE, NULL,
     "actions on resource attributes: a list of {key, action, value | from_attribute | "
     "from_context, pattern, converted_type}",
     offsetof(resource_cfg, attributes), 0},
    {0},
};

static const otelc_plugin resource_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "resource",
    .version = "1.0.0",
    .doc = "inserts, updates, deletes, hashes, extracts and converts resource attributes",
    .config_keys = resource_keys,
    .config_size = sizeof(resource_cfg),
    .signals = OTELC_ALL_SIGNALS,
    .create = resource_create,
    .consume = resource_consume,
    .shutdown = resource_shutdown,
    .destroy = resource_destroy,
};

OTELC_PLUGIN(resource_desc)
