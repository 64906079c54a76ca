/*
 * policy_config.c: the `policies` list (policy_config.h): names, types,
 * the keys each level of policy may hold, and the policies made of
 * policies (and, drop, not, composite). Each simple type's block is read
 * in policy_leaf.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_config_int.h"

/* Where a policy sits decides what it may be, as in the collector:
 * composite sub-policies may be `and`, and/drop/not sub-policies only
 * simple types. */
typedef enum level { LEVEL_TOP, LEVEL_COMPOSITE_SUB, LEVEL_SUB } level;

typedef struct type_name {
    const char *name;
    int type; /* ts_policy_type */
    level deepest;
} type_name;

static const type_name types[] = {
    {"always_sample", TS_ALWAYS_SAMPLE, LEVEL_SUB},
    {"latency", TS_LATENCY, LEVEL_SUB},
    {"numeric_attribute", TS_NUMERIC_ATTRIBUTE, LEVEL_SUB},
    {"probabilistic", TS_PROBABILISTIC, LEVEL_SUB},
    {"status_code", TS_STATUS_CODE, LEVEL_SUB},
    {"string_attribute", TS_STRING_ATTRIBUTE, LEVEL_SUB},
    {"rate_limiting", TS_RATE_LIMITING, LEVEL_SUB},
    {"bytes_limiting", TS_BYTES_LIMITING, LEVEL_SUB},
    {"span_count", TS_SPAN_COUNT, LEVEL_SUB},
    {"trace_state", TS_TRACE_STATE, LEVEL_SUB},
    {"boolean_attribute", TS_BOOLEAN_ATTRIBUTE, LEVEL_SUB},
    {"trace_flags", TS_TRACE_FLAGS, LEVEL_SUB},
    {"ottl_condition", TS_OTTL_CONDITION, LEVEL_SUB},
    {"and", TS_AND, LEVEL_COMPOSITE_SUB},
    {"drop", TS_DROP, LEVEL_TOP},
    {"not", TS_NOT, LEVEL_TOP},
    {"composite", TS_COMPOSITE, LEVEL_TOP},
};

/* The keys of a policy map: its name, its type and the blocks of every
 * type it could have at its level (only its own type's block is read). */
static const char *const simple_keys[] = {
    "name", "type", "latency", "numeric_attribute", "probabilistic", "status_code",
    "string_attribute", "rate_limiting", "bytes_limiting", "span_count", "trace_state",
    "boolean_attribute", "ottl_condition", NULL};

static bool policy_key(const char *k, level lv)
{
    for (const char *const *s = simple_keys; *s; s++)
        if (strcmp(k, *s) == 0)
            return true;
    if (strcmp(k, "and") == 0)
        return lv <= LEVEL_COMPOSITE_SUB;
    return lv == LEVEL_TOP &&
           (strcmp(k, "drop") == 0 || strcmp(k, "not") == 0 || strcmp(k, "composite") == 0);
}

static ts_policy *read_policy(ts_rd *rd, const otelc_node *map, level lv);

/* ---- reporting and typed reads ---- */

int ts_rd_fail(ts_rd *rd, const otelc_node *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (rd->policy)
        rd->api->config_error(rd->ctx, n, "policy \"%s\": %s", rd->policy, msg);
    else
        rd->api->config_error(rd->ctx, n, "%s", msg);
    return -1;
}

static bool allowed_key(const char *k, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(k, *allowed) == 0)
            return true;
    return false;
}

int ts_rd_keys(ts_rd *rd, const otelc_node *map, const char *const *allowed)
{
    int rc = 0;
    for (size_t i = 0; i < rd->api->node_len(map); i++) {
        const otelc_node *c = rd->api->node_at(map, i);
        const char *k = rd->api->node_key(c);
        if (k && !allowed_key(k, allowed))
            rc = ts_rd_fail(rd, c, "unknown key %s", k);
    }
    return rc;
}

/* map[key], or NULL when absent or null. */
static const otelc_node *value_at(ts_rd *rd, const otelc_node *map, const char *key)
{
    const otelc_node *n = map ? rd->api->node_get(map, key) : NULL;
    return n && rd->api->node_kind(n) != OTELC_NODE_NULL ? n : NULL;
}

int ts_rd_str(ts_rd *rd, const otelc_node *map, const char *key, const char **out)
{
    const otelc_node *n = value_at(rd, map, key);
    return n ? rd->api->node_string(rd->ctx, n, out) : 0;
}

int ts_rd_int(ts_rd *rd, const otelc_node *map, const char *key, int64_t *out)
{
    const otelc_node *n = value_at(rd, map, key);
    return n ? rd->api->node_int(rd->ctx, n, out) : 0;
}

int ts_rd_bool(ts_rd *rd, const otelc_node *map, const char *key, bool *out)
{
    const otelc_node *n = value_at(rd, map, key);
    return n ? rd->api->node_bool(rd->ctx, n, out) : 0;
}

int ts_rd_double(ts_rd *rd, const otelc_node *map, const char *key, double *out)
{
    const otelc_node *n = value_at(rd, map, key);
    const char *text;
    char *end;
    if (!n)
        return 0;
    if (rd->api->node_string(rd->ctx, n, &text) != 0)
        return -1;
    *out = strtod(text, &end);
    if (end == text || *end)
        return ts_rd_fail(rd, n, "%s must be a number, not \"%s\"", key, text);
    return 0;
}

int ts_rd_strlist(ts_rd *rd, const otelc_node *map, const char *key, const char ***out,
                  size_t *n)
{
    const otelc_node *list = value_at(rd, map, key);
    *out = NULL;
    *n = 0;
    if (!list)
        return 0;
    if (rd->api->node_kind(list) != OTELC_NODE_LIST)
        return ts_rd_fail(rd, list, "%s must be a list of strings", key);
    size_t len = rd->api->node_len(list);
    *out = calloc(len ? len : 1, sizeof(const char *));
    if (!*out)
        return ts_rd_fail(rd, list, "out of memory");
    for (size_t i = 0; i < len; i++)
        if (rd->api->node_string(rd->ctx, rd->api->node_at(list, i), &(*out)[*n]) == 0)
            (*n)++;
    return *n == len ? 0 : -1;
}

/* ---- policies made of policies ---- */

/* The block `key` of map, which must be a map when present. */
static const otelc_node *block(ts_rd *rd, const otelc_node *map, const char *key, int *rc)
{
    const otelc_node *b = value_at(rd, map, key);
    if (b && rd->api->node_kind(b) != OTELC_NODE_MAP) {
        *rc = ts_rd_fail(rd, b, "%s must be a map", key);
        return NULL;
    }
    return b;
}

/* Reads the list blk[key] of sub-policies at level lv into *subs. */
static int read_subs(ts_rd *rd, const otelc_node *blk, const char *key, level lv,
                     ts_policy ***subs, size_t *n)
{
    const otelc_node *list = value_at(rd, blk, key);
    const otelc_node *at = blk ? blk : rd->api->config_node(rd->ctx);
    size_t len = list ? rd->api->node_len(list) : 0;
    if (!list || rd->api->node_kind(list) != OTELC_NODE_LIST || len == 0)
        return ts_rd_fail(rd, list ? list : at, "%s must list at least one policy", key);
    *subs = calloc(len, sizeof(ts_policy *));
    if (!*subs)
        return ts_rd_fail(rd, list, "out of memory");
    int rc = 0;
    const char *outer = rd->policy;
    for (size_t i = 0; i < len; i++) {
        (*subs)[*n] = read_policy(rd, rd->api->node_at(list, i), lv);
        rd->policy = outer;
        if ((*subs)[*n])
            (*n)++;
        else
            rc = -1;
    }
    return rc;
}

static int read_combo(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const and_keys[] = {"and_sub_policy", NULL};
    static const char *const drop_keys[] = {"drop_sub_policy", NULL};
    bool is_and = p->type == TS_AND;
    int rc = 0;
    const otelc_node *blk = block(rd, map, is_and ? "and" : "drop", &rc);
    if (rc == 0 && blk)
        rc = ts_rd_keys(rd, blk, is_and ? and_keys : drop_keys);
    if (rc == 0)
        rc = read_subs(rd, blk, is_and ? "and_sub_policy" : "drop_sub_policy", LEVEL_SUB,
                       &p->u.combo.subs, &p->u.combo.n);
    return rc;
}

static int read_not(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const not_keys[] = {"not_sub_policy", NULL};
    int rc = 0;
    const otelc_node *blk = block(rd, map, "not", &rc);
    const otelc_node *sub = value_at(rd, blk, "not_sub_policy");
    if (rc == 0 && blk)
        rc = ts_rd_keys(rd, blk, not_keys);
    if (rc != 0)
        return rc;
    if (!sub)
        return ts_rd_fail(rd, blk ? blk : map, "not needs a not_sub_policy");
    p->u.combo.subs = calloc(1, sizeof(ts_policy *));
    if (!p->u.combo.subs)
        return ts_rd_fail(rd, sub, "out of memory");
    const char *outer = rd->policy;
    p->u.combo.subs[0] = read_policy(rd, sub, LEVEL_SUB);
    rd->policy = outer;
    p->u.combo.n = p->u.combo.subs[0] ? 1 : 0;
    return p->u.combo.n ? 0 : -1;
}

/* ---- composite ---- */

static int allocation_of(ts_rd *rd, const otelc_node *alloc, const char **name,
                         int64_t *percent)
{
    static const char *const keys[] = {"policy", "percent", NULL};
    if (rd->api->node_kind(alloc) != OTELC_NODE_MAP)
        return ts_rd_fail(rd, alloc, "a rate_allocation entry must be a map");
    *name = NULL;
    *percent = 0;
    if (ts_rd_keys(rd, alloc, keys) | ts_rd_str(rd, alloc, "policy", name) |
        ts_rd_int(rd, alloc, "percent", percent))
        return -1;
    return 0;
}

/* Spans per second of each sub-policy: its rate_allocation percent of
 * the total, an equal share for a percent of 0 or less, and nothing for
 * a sub-policy without an allocation (as the collector does). */
static int read_allocations(ts_rd *rd, const otelc_node *blk, ts_policy *p)
{
    const otelc_node *list = value_at(rd, blk, "rate_allocation");
    double total = (double)p->u.composite.max_total;
    double share = total / (double)p->u.composite.n;
    if (!list)
        return 0;
    if (rd->api->node_kind(list) != OTELC_NODE_LIST)
        return ts_rd_fail(rd, list, "rate_allocation must be a list");
    for (size_t i = 0; i < rd->api->node_len(list); i++) {
        const char *name = NULL;
        int64_t pct = 0;
        if (allocation_of(rd, rd->api->node_at(list, i), &name, &pct) != 0)
            return -1;
        for (size_t s = 0; name && s < p->u.composite.n; s++)
            if (strcmp(p->u.composite.subs[s].policy->name, name) == 0)
                p->u.composite.subs[s].allocated =
                    (int64_t)(pct > 0 ? (double)pct / 100 * total : share);
    }
    return 0;
}

static int read_composite(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"max_total_spans_per_second", "policy_order",
                                       "composite_sub_policy", "rate_allocation", NULL};
    int rc = 0;
    const otelc_node *blk = block(rd, map, "composite", &rc);
    ts_policy **subs = NULL;
    size_t n = 0;
    const char **order = NULL; /* read, unused: the collector evaluates in list order */
    size_t norder;
    if (rc == 0 && blk)
        rc = ts_rd_keys(rd, blk, keys) | ts_rd_int(rd, blk, "max_total_spans_per_second",
                                                    &p->u.composite.max_total) |
             ts_rd_strlist(rd, blk, "policy_order", &order, &norder);
    free(order);
    if (rc == 0)
        rc = read_subs(rd, blk, "composite_sub_policy", LEVEL_COMPOSITE_SUB, &subs, &n);
    p->u.composite.subs = calloc(n ? n : 1, sizeof(*p->u.composite.subs));
    for (size_t i = 0; p->u.composite.subs && i < n; i++)
        p->u.composite.subs[p->u.composite.n++].policy = subs[i];
    if (!p->u.composite.subs)
        for (size_t i = 0; i < n; i++)
            ts_policy_free(subs[i]);
    free(subs);
    if (rc == 0 && !p->u.composite.subs)
        rc = ts_rd_fail(rd, map, "out of memory");
    return rc == 0 ? read_allocations(rd, blk, p) : rc;
}

/* ---- one policy ---- */

static const type_name *type_of(const char *name)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(types[i].name, name) == 0)
            return &types[i];
    return NULL;
}

/* The policy's type, checked against where it sits; NULL after reporting. */
static const type_name *read_type(ts_rd *rd, const otelc_node *map, level lv)
{
    const char *type = NULL;
    const otelc_node *at = value_at(rd, map, "type");
    if (ts_rd_str(rd, map, "type", &type) != 0)
        return NULL;
    const type_name *t = type ? type_of(type) : NULL;
    if (!t)
        ts_rd_fail(rd, at ? at : map, "unknown sampling policy type %s", type ? type : "(none)");
    else if (t->deepest < lv)
        ts_rd_fail(rd, at, "policy type %s cannot be a sub-policy here", type);
    else
        return t;
    return NULL;
}

static int read_body(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    switch (p->type) {
    case TS_AND:
    case TS_DROP: return read_combo(rd, map, p);
    case TS_NOT: return read_not(rd, map, p);
    case TS_COMPOSITE: return read_composite(rd, map, p);
    default: return ts_read_leaf(rd, map, p);
    }
}

static int policy_keys(ts_rd *rd, const otelc_node *map, level lv)
{
    int rc = 0;
    for (size_t i = 0; i < rd->api->node_len(map); i++) {
        const otelc_node *c = rd->api->node_at(map, i);
        const char *k = rd->api->node_key(c);
        if (k && !policy_key(k, lv))
            rc = ts_rd_fail(rd, c, "unknown key %s", k);
    }
    return rc;
}

static ts_policy *read_policy(ts_rd *rd, const otelc_node *map, level lv)
{
    const char *name = NULL;
    if (rd->api->node_kind(map) != OTELC_NODE_MAP) {
        ts_rd_fail(rd, map, "a policy must be a map");
        return NULL;
    }
    if (ts_rd_str(rd, map, "name", &name) != 0)
        return NULL;
    if (!name || !*name) {
        ts_rd_fail(rd, map, "policy name cannot be empty");
        return NULL;
    }
    rd->policy = name;
    const type_name *t = read_type(rd, map, lv);
    ts_policy *p = t ? calloc(1, sizeof(*p)) : NULL;
    if (!p || policy_keys(rd, map, lv) != 0)
        goto out_fail;
    p->type = (ts_policy_type)t->type;
    p->name = name;
    if (read_body(rd, map, p) == 0)
        return p;
out_fail:
    ts_policy_free(p);
    return NULL;
}

/* ---- the list ---- */

static bool name_taken(const ts_policy_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] && strcmp(s->v[i]->name, name) == 0)
            return true;
    return false;
}

/* Drop policies go first: a drop decides the trace, so the rest need not
 * run (the collector's order). */
static void drops_first(ts_policy_set *s)
{
    size_t at = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] && s->v[i]->type == TS_DROP) {
            ts_policy *d = s->v[i];
            memmove(&s->v[at + 1], &s->v[at], (i - at) * sizeof(ts_policy *));
            s->v[at++] = d;
        }
}

static int add_policy(ts_rd *rd, const otelc_node *map, ts_policy_set *out)
{
    ts_policy *p = read_policy(rd, map, LEVEL_TOP);
    rd->policy = NULL;
    if (!p)
        return -1;
    if (name_taken(out, p->name)) {
        ts_rd_fail(rd, map, "duplicate policy name \"%s\"", p->name);
        ts_policy_free(p);
        return -1;
    }
    out->v[out->n++] = p;
    return 0;
}

int ts_policies_read(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                     ts_policy_set *out)
{
    ts_rd rd = {ctx, api, NULL};
    memset(out, 0, sizeof(*out));
    if (!list || api->node_kind(list) != OTELC_NODE_LIST || api->node_len(list) == 0)
        return ts_rd_fail(&rd, list ? list : api->config_node(ctx),
                          "policies must list at least one policy");
    size_t len = api->node_len(list);
    out->v = calloc(len, sizeof(ts_policy *));
    if (!out->v)
        return ts_rd_fail(&rd, list, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < len; i++)
        rc |= add_policy(&rd, api->node_at(list, i), out);
    if (rc != 0) {
        ts_policy_set_free(out);
        return -1;
    }
    drops_first(out);
    return 0;
}

void ts_policy_set_free(ts_policy_set *s)
{
    for (size_t i = 0; s->v && i < s->n; i++)
        ts_policy_free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}
