/*
 * filter_config.c: the filter processor's keys, as the collector's for
 * traces: error_mode; OTTL conditions in traces.span and
 * traces.spanevent or in the newer trace_conditions (strings with their
 * context inferred, or groups with context, conditions and error_mode);
 * or the older match properties spans.include and spans.exclude. The
 * metrics, logs and profiles keys are refused as not supported yet.
 */
#include "filter.h"

const otelc_cfg_key filter_keys[] = {
    {"error_mode", OTELC_CFG_STRING, "ignore", "propagate, ignore or silent",
     offsetof(filter_cfg, error_mode), 0},
    {"traces", OTELC_CFG_SECTION, NULL, "OTTL conditions for traces", 0, 0},
    {"traces.span", OTELC_CFG_NODE, NULL,
     "conditions (span context): a span matching any is dropped", offsetof(filter_cfg, span), 0},
    {"traces.spanevent", OTELC_CFG_NODE, NULL,
     "conditions (spanevent context): an event matching any is dropped",
     offsetof(filter_cfg, spanevent), 0},
    {"trace_conditions", OTELC_CFG_NODE, NULL,
     "conditions with inferred contexts, or groups {context, conditions, error_mode}",
     offsetof(filter_cfg, trace_conditions), 0},
    {"spans", OTELC_CFG_SECTION, NULL, "match properties (the older form)", 0, 0},
    ATTR_MATCH_KEYS("spans.include", filter_cfg, include),
    ATTR_MATCH_KEYS("spans.exclude", filter_cfg, exclude),
    {"metrics", OTELC_CFG_NODE, NULL, "metrics filters", 0, OTELC_KEY_UNSUPPORTED},
    {"logs", OTELC_CFG_NODE, NULL, "logs filters", 0, OTELC_KEY_UNSUPPORTED},
    {"profiles", OTELC_CFG_NODE, NULL, "profiles filters", 0, OTELC_KEY_UNSUPPORTED},
    {"metric_conditions", OTELC_CFG_NODE, NULL, "metrics conditions", 0, OTELC_KEY_UNSUPPORTED},
    {"log_conditions", OTELC_CFG_NODE, NULL, "logs conditions", 0, OTELC_KEY_UNSUPPORTED},
    {"profile_conditions", OTELC_CFG_NODE, NULL, "profiles conditions", 0,
     OTELC_KEY_UNSUPPORTED},
    {0},
};

static const otelc_node *key_node(filter_proc *p, const char *a, const char *b)
{
    const otelc_node *n = p->api->node_get(p->api->config_node(p->ctx), a);
    return n && b ? p->api->node_get(n, b) : n;
}

/* The collector refuses OTTL conditions beside match properties, and
 * otelc the two OTTL forms together. */
static int check_forms(filter_proc *p, const filter_cfg *cfg)
{
    bool ottl = cfg->span || cfg->spanevent;
    bool match = key_node(p, "spans", "include") || key_node(p, "spans", "exclude");
    if ((ottl || cfg->trace_conditions) && match) {
        p->api->config_error(p->ctx, key_node(p, "spans", NULL),
                             "cannot use ottl conditions and include/exclude for spans at the "
                             "same time");
        return -1;
    }
    if (ottl && cfg->trace_conditions) {
        p->api->config_error(p->ctx, cfg->trace_conditions,
                             "use either trace_conditions or traces.span and traces.spanevent");
        return -1;
    }
    return 0;
}

static int read_conditions(filter_proc *p, const filter_cfg *cfg, ottl_error_mode mode)
{
    int rc = ottl_cfg_conditions(p->ctx, p->api, cfg->span, OTTL_CTX_SPAN, mode, &p->groups);
    rc |= ottl_cfg_conditions(p->ctx, p->api, cfg->spanevent, OTTL_CTX_SPANEVENT, mode,
                              &p->groups);
    rc |= ottl_cfg_groups(p->ctx, p->api, cfg->trace_conditions, OTELC_TRACES, false, mode,
                          &p->groups);
    for (size_t k = 0; k < p->groups.n; k++)
        p->has[p->groups.g[k].ctx] = true;
    return rc;
}

static int read_match(filter_proc *p, const filter_cfg *cfg)
{
    int rc = attr_match_parse(p->ctx, p->api, OTELC_TRACES, &cfg->include,
                              key_node(p, "spans", "include"), &p->include);
    rc |= attr_match_parse(p->ctx, p->api, OTELC_TRACES, &cfg->exclude,
                           key_node(p, "spans", "exclude"), &p->exclude);
    return rc;
}

int filter_configure(filter_proc *p, const filter_cfg *cfg)
{
    ottl_error_mode mode = OTTL_IGNORE;
    int rc = ottl_cfg_error_mode(p->ctx, p->api, key_node(p, "error_mode", NULL), OTTL_IGNORE,
                                 &mode);
    rc |= check_forms(p, cfg);
    if (rc != 0)
        return -1;
    return read_conditions(p, cfg, mode) | read_match(p, cfg);
}
