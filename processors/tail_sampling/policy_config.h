/*
 * policy_config.h: the `policies` list of a tail_sampling config read
 * into policies (policy.h), with the collector's keys, rules and
 * messages. Errors are reported at their node (file:line:col) through
 * config_error, all of them in one pass.
 */
#ifndef OTELC_TS_POLICY_CONFIG_H
#define OTELC_TS_POLICY_CONFIG_H

#include <stddef.h>

#include <otelc/plugin.h>

#include "policy.h"

/* What the processor evaluates: drop policies first (a drop decides the
 * trace whatever the others say), then the others in config order. */
typedef struct ts_policy_set {
    ts_policy **v; /* malloc'd; the policies too */
    size_t n;
} ts_policy_set;

/* Reads list (the `policies` node; create only). 0 with *out filled, or
 * -1 after reporting every problem (nothing to free then). Strings in the
 * policies point into the config tree and live as long as it. */
int ts_policies_read(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                     ts_policy_set *out);
void ts_policy_set_free(ts_policy_set *s);

#endif /* OTELC_TS_POLICY_CONFIG_H */
