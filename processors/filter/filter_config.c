/*
 * filter_config.c: the filter processor's keys, as the collector's:
 * error_mode; OTTL conditions in traces.span, traces.spanevent,
 * logs.log_record, metrics.metric and metrics.datapoint, or in the newer
 * trace_conditions, log_conditions and metric_conditions (strings with
 * their context inferred, or groups with context, conditions and
 * error_mode); or the older match properties spans.include/exclude,
 * logs.include/exclude and metrics.include/exclude. The profiles keys
 * are refused as not supported yet.
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
    {"logs", OTELC_CFG_SECTION, NULL, "OTTL conditions or match properties for logs", 0, 0},
    {"logs.log_record", OTELC_CFG_NODE, NULL,
     "conditions (log context): a log record matching any is dropped",
     offsetof(filter_cfg, log_record), 0},
    ATTR_MATCH_KEYS("logs.include", filter_cfg, log_include),
    ATTR_MATCH_KEYS("logs.exclude", filter_cfg, log_exclude),
    {"metrics", OTELC_CFG_SECTION, NULL, "OTTL conditions or match properties for metrics", 0,
     0},
    {"metrics.metric", OTELC_CFG_NODE, NULL,
     "conditions (metric context): a metric matching any is dropped",
     offsetof(filter_cfg, metric), 0},
    {"metrics.datapoint", OTELC_CFG_NODE, NULL,
     "conditions (datapoint context): a data point matching any is dropped",
     offsetof(filter_cfg, datapoint), 0},
    ATTR_MATCH_KEYS("metrics.include", filter_cfg, metric_include),
    ATTR_MATCH_KEYS("metrics.exclude", filter_cfg, metric_exclude),
    {"log_conditions", OTELC_CFG_NODE, NULL,
     "conditions with inferred contexts, or groups {context, conditions, error_mode}",
     offsetof(filter_cfg, log_conditions), 0},
    {"metric_conditions", OTELC_CFG_NODE, NULL,
     "conditions with inferred contexts, or groups {context, conditions, error_mode}",
     offsetof(filter_cfg, metric_conditions), 0},
    {"profiles", OTELC_CFG_NODE, NULL, "profiles filters", 0, OTELC_KEY_UNSUPPORTED},
    {"profile_conditions", OTELC_CFG_NODE, NULL, "profiles conditions", 0,
     OTELC_KEY_UNSUPPORTED},
    {0},
};

static const otelc_node *key_node(filter_proc *p, const char *a, const char *b)
{
    const otelc_node *n = p->api->node_get(p->api->config_node(p->ctx), a);
    return n && b ? p->api->node_get(n, b) : n;
}

/* One signal's keys: its OTTL lists (the older fixed-context ones and
 * the newer inferred list) and its match sections. */
typedef struct signal_keys {
    otelc_signal signal;
    const char *section; /* "spans", "logs", "metrics": match properties */
    const char *fixed_names, *list_name; /* for messages */
    const otelc_node *fixed[2];
    ottl_context fixed_ctx[2];
    const otelc_node *inferred;
    const attr_match_cfg *include, *exclude;
} signal_keys;

/* The collector refuses OTTL conditions beside match properties, and
 * otelc the two OTTL forms together. */
static int check_forms(filter_proc *p, const signal_keys *k)
{
    bool ottl = k->fixed[0] || k->fixed[1];
    bool match = key_node(p, k->section, "include") || key_node(p, k->section, "exclude");
    if ((ottl || k->inferred) && match) {
        p->api->config_error(p->ctx, key_node(p, k->section, NULL),
                             "cannot use ottl conditions and include/exclude for %s at the "
                             "same time", k->section);
        return -1;
    }
    if (ottl && k->inferred) {
        p->api->config_error(p->ctx, k->inferred,
                             "use either %s or %s", k->list_name, k->fixed_names);
        return -1;
    }
    return 0;
}

static int read_conditions(filter_proc *p, const signal_keys *k, filter_signal *fs,
                           ottl_error_mode mode)
{
    int rc = 0;
    for (int i = 0; i < 2; i++)
        rc |= ottl_cfg_conditions(p->ctx, p->api, k->fixed[i], k->fixed_ctx[i], mode,
                                  &fs->groups);
    rc |= ottl_cfg_groups(p->ctx, p->api, k->inferred, k->signal, false, mode, &fs->groups);
    for (size_t g = 0; g < fs->groups.n; g++)
        fs->has[fs->groups.g[g].ctx] = true;
    return rc;
}

static int read_match(filter_proc *p, const signal_keys *k, filter_signal *fs)
{
    int rc = attr_match_parse(p->ctx, p->api, k->signal, k->include,
                              key_node(p, k->section, "include"), &fs->include);
    rc |= attr_match_parse(p->ctx, p->api, k->signal, k->exclude,
                           key_node(p, k->section, "exclude"), &fs->exclude);
    return rc;
}

static int read_signal(filter_proc *p, const signal_keys *k, filter_signal *fs,
                       ottl_error_mode mode)
{
    if (check_forms(p, k) != 0)
        return -1;
    return read_conditions(p, k, fs, mode) | read_match(p, k, fs);
}

int filter_configure(filter_proc *p, const filter_cfg *cfg)
{
    const signal_keys keys[FILTER_SIGNALS] = {
        {OTELC_TRACES, "spans", "traces.span and traces.spanevent", "trace_conditions",
         {cfg->span, cfg->spanevent},
         {OTTL_CTX_SPAN, OTTL_CTX_SPANEVENT}, cfg->trace_conditions, &cfg->include,
         &cfg->exclude},
        {OTELC_METRICS, "metrics", "metrics.metric and metrics.datapoint",
         "metric_conditions", {cfg->metric, cfg->datapoint},
         {OTTL_CTX_METRIC, OTTL_CTX_DATAPOINT}, cfg->metric_conditions, &cfg->metric_include,
         &cfg->metric_exclude},
        {OTELC_LOGS, "logs", "logs.log_record", "log_conditions", {cfg->log_record, NULL},
         {OTTL_CTX_LOG, OTTL_CTX_LOG}, cfg->log_conditions, &cfg->log_include, &cfg->log_exclude},
    };
    ottl_error_mode mode = OTTL_IGNORE;
    int rc = ottl_cfg_error_mode(p->ctx, p->api, key_node(p, "error_mode", NULL), OTTL_IGNORE,
                                 &mode);
    if (rc != 0)
        return -1;
    for (int s = 0; s < FILTER_SIGNALS; s++)
        rc |= read_signal(p, &keys[s], &p->sig[s], mode);
    return rc;
}
