/*
 * ottl_cfg.h: OTTL in a processor's config, read the way the collector's
 * transform and filter processors read it, from create (the same for
 * log_statements and metric_statements, with their signal's contexts):
 *
 *   error_mode: ignore                 # propagate | ignore | silent
 *   trace_statements:                  # or the filter's trace_conditions
 *     - set(span.name, "x")            # basic: every string of the list is
 *     - delete_key(resource.attributes, "k")   one group, context inferred
 *   trace_statements:
 *     - context: span                  # advanced: groups
 *       error_mode: propagate          # overrides the top-level mode
 *       conditions: [span.kind == SPAN_KIND_SERVER]   # ORed, optional
 *       statements: [set(name, "x")]
 *
 * A list holds either strings or groups (the collector refuses both in
 * one list). Every text is compiled; an error names the node of the text
 * (file:line:col and key, from the host) and the place in the text
 * ("at 1:14"). Every error is reported, not just the first.
 */
#ifndef OTTL_OTTL_CFG_H
#define OTTL_OTTL_CFG_H

#include "ottl.h"

#include <otelc/plugin.h>

/* One group: its context, error mode, and statements or conditions
 * (conds holds the group's conditions of a statement group, or the
 * conditions themselves for the filter). */
typedef struct ottl_group {
    ottl_context ctx;
    ottl_error_mode mode;
    ottl_statement **stmts;
    size_t nstmts;
    ottl_condition **conds;
    size_t nconds;
} ottl_group;

typedef struct ottl_groups {
    ottl_group *g;
    size_t n;
} ottl_groups;

void ottl_groups_free(ottl_groups *gs);

/*
 * The error_mode at node (NULL: dflt). 0, or -1 after config_error.
 */
int ottl_cfg_error_mode(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *node,
                        ottl_error_mode dflt, ottl_error_mode *out);

/*
 * A list of condition strings at `list` compiled for context fixed (the
 * filter's traces.span and traces.spanevent), appended to *out as one
 * group. An absent list appends nothing. 0, or -1 after config_error.
 */
int ottl_cfg_conditions(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                        ottl_context fixed, ottl_error_mode mode, ottl_groups *out);

/*
 * A trace_statements, log_statements or metric_statements list
 * (statements true), or a trace_conditions, log_conditions or
 * metric_conditions list, of `signal`, at `list`, appended to *out group
 * by group, in order: a group's context must be one of the signal's. 0,
 * or -1 after config_error.
 */
int ottl_cfg_groups(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                    otelc_signal signal, bool statements, ottl_error_mode mode,
                    ottl_groups *out);

/*
 * Evaluation errors under error_mode ignore, logged as the collector
 * logs them ("failed to execute statement: <text>: <why>") but at most
 * once a second per instance, with the count of those not logged since:
 * a statement failing on every span must not flood the log. One per
 * instance, used by its consume (not thread-safe).
 */
typedef struct ottl_error_log {
    int64_t next_ns;
    uint64_t skipped;
} ottl_error_log;

/* what: "statement" or "condition". */
void ottl_log_eval_error(ottl_error_log *l, otelc_ctx *ctx, const otelc_host_api *api,
                         const char *what, const char *text, const char *why);

#endif /* OTTL_OTTL_CFG_H */
