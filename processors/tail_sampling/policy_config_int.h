/*
 * policy_config_int.h: what the two halves of the policy reader share
 * (policy_config.c: lists, names, types, the policies made of policies;
 * policy_leaf.c: each simple type's own block).
 */
#ifndef OTELC_TS_POLICY_CONFIG_INT_H
#define OTELC_TS_POLICY_CONFIG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "policy_config.h"

typedef struct ts_rd {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const char *policy; /* the policy being read, for messages */
} ts_rd;

/* Reports at node n (the message is prefixed with the policy's name);
 * returns -1. */
int ts_rd_fail(ts_rd *rd, const otelc_node *n, const char *fmt, ...) OTELC_PRINTF(3, 4);

/* A map's keys must all be in allowed (NULL-terminated); 0 or -1. */
int ts_rd_keys(ts_rd *rd, const otelc_node *map, const char *const *allowed);

/* Typed reads of map[key]; an absent or null key leaves *out as it is.
 * 0, or -1 after reporting. */
int ts_rd_str(ts_rd *rd, const otelc_node *map, const char *key, const char **out);
int ts_rd_int(ts_rd *rd, const otelc_node *map, const char *key, int64_t *out);
int ts_rd_bool(ts_rd *rd, const otelc_node *map, const char *key, bool *out);
int ts_rd_double(ts_rd *rd, const otelc_node *map, const char *key, double *out);
/* A list of strings: *out malloc'd (NULL when empty); free it. */
int ts_rd_strlist(ts_rd *rd, const otelc_node *map, const char *key, const char ***out,
                  size_t *n);

/* Fills p (its type set) from its type's block in map (the policy map).
 * 0 or -1. */
int ts_read_leaf(ts_rd *rd, const otelc_node *map, ts_policy *p);

/* ottl_condition's block: error_mode, span and spanevent conditions,
 * compiled (policy_ottl.c). 0 or -1. */
int ts_read_ottl(ts_rd *rd, const otelc_node *map, ts_policy *p);

#endif /* OTELC_TS_POLICY_CONFIG_INT_H */
