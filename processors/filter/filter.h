/*
 * filter.h: the filter processor's state, shared by filter.c (the
 * plugin and its pass over a request) and filter_config.c (its keys).
 */
#ifndef OTELC_FILTER_H
#define OTELC_FILTER_H

#include <attraction/match.h>
#include <otelc/plugin.h>
#include <otelc/sdk/otlp_edit.h>
#include <ottl/ottl_cfg.h>

typedef struct filter_cfg {
    const char *error_mode;
    const otelc_node *span, *spanevent; /* traces.span, traces.spanevent */
    const otelc_node *log_record;       /* logs.log_record */
    const otelc_node *metric, *datapoint; /* metrics.metric, metrics.datapoint */
    const otelc_node *trace_conditions, *log_conditions, *metric_conditions;
    attr_match_cfg include, exclude;    /* spans.include, spans.exclude */
    attr_match_cfg log_include, log_exclude;       /* logs.include, logs.exclude */
    attr_match_cfg metric_include, metric_exclude; /* metrics.include, metrics.exclude */
} filter_cfg;

/* What the filter does to one signal. */
typedef struct filter_signal {
    ottl_groups groups;            /* conditions, by context, in config order */
    bool has[OTTL_CTX_COUNT];      /* whether a group of that context exists */
    attr_match *include, *exclude; /* the legacy match properties; NULL: none */
    otelc_series *filtered;        /* otelcol_processor_filter_<items>_filtered_total */
} filter_signal;

/* filter_proc.sig by signal: traces, metrics, logs. */
enum { FILTER_TRACES, FILTER_METRICS, FILTER_LOGS, FILTER_SIGNALS };

typedef struct filter_proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    filter_signal sig[FILTER_SIGNALS];
    otlp_editor *ed;               /* consume never runs concurrently: one each */
    ottl_env *env;
    ottl_error_log errors;
} filter_proc;

extern const otelc_cfg_key filter_keys[];

/* Reads the conditions and match properties; every error is reported.
 * 0, or -1 after config_error. */
int filter_configure(filter_proc *p, const filter_cfg *cfg);

#endif /* OTELC_FILTER_H */
