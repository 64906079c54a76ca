/*
 * policy_leaf.c: each simple policy type's block (`latency: {...}`,
 * `string_attribute: {...}`, ...), with the collector's defaults and
 * checks.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_config_int.h"

#define DEFAULT_HASH_SALT "default-hash-seed"
#define DEFAULT_REGEX_CACHE 128
#define MAX_TRACESTATE_MEMBER 256

/* The type's block: NULL when absent (all defaults); *rc -1 when it is
 * not a map or holds unknown keys. */
static const otelc_node *type_block(ts_rd *rd, const otelc_node *map, const char *type,
                                    const char *const *keys, int *rc)
{
    const otelc_node *b = rd->api->node_get(map, type);
    *rc = 0;
    if (!b || rd->api->node_kind(b) == OTELC_NODE_NULL)
        return NULL;
    if (rd->api->node_kind(b) != OTELC_NODE_MAP)
        *rc = ts_rd_fail(rd, b, "%s must be a map", type);
    else
        *rc = ts_rd_keys(rd, b, keys);
    return b;
}

static void set_attr_key(ts_attr_match *m, const char *key, bool invert)
{
    m->key = key ? key : "";
    m->key_len = strlen(m->key);
    m->invert = invert;
}

static int leaf_latency(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"threshold_ms", "upper_threshold_ms", NULL};
    int rc;
    const otelc_node *b = type_block(rd, map, "latency", keys, &rc);
    return rc | ts_rd_int(rd, b, "threshold_ms", &p->u.latency.lower_ms) |
           ts_rd_int(rd, b, "upper_threshold_ms", &p->u.latency.upper_ms);
}

/* A bound of 0 is no bound (the collector passes only non-zero ones). */
static int leaf_numeric(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"key", "min_value", "max_value", "invert_match", NULL};
    const char *key = NULL;
    bool invert = false;
    int rc;
    const otelc_node *b = type_block(rd, map, "numeric_attribute", keys, &rc);
    rc |= ts_rd_str(rd, b, "key", &key) | ts_rd_bool(rd, b, "invert_match", &invert) |
          ts_rd_int(rd, b, "min_value", &p->u.numeric.min) |
          ts_rd_int(rd, b, "max_value", &p->u.numeric.max);
    set_attr_key(&p->u.numeric.m, key, invert);
    if (p->u.numeric.min == 0)
        p->u.numeric.min = INT64_MIN;
    if (p->u.numeric.max == 0)
        p->u.numeric.max = INT64_MAX;
    return rc;
}

static int leaf_probabilistic(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"hash_salt", "sampling_percentage", NULL};
    const char *salt = NULL;
    double pct = 0;
    int rc;
    const otelc_node *b = type_block(rd, map, "probabilistic", keys, &rc);
    rc |= ts_rd_str(rd, b, "hash_salt", &salt) | ts_rd_double(rd, b, "sampling_percentage", &pct);
    p->u.probabilistic.salt = salt && *salt ? salt : DEFAULT_HASH_SALT;
    p->u.probabilistic.salt_len = strlen(p->u.probabilistic.salt);
    p->u.probabilistic.threshold = ts_probability_threshold(pct);
    return rc;
}

static int status_bit(const char *code)
{
    static const char *const names[] = {"UNSET", "OK", "ERROR"}; /* Status.StatusCode order */
    for (int i = 0; i < 3; i++)
        if (strcmp(code, names[i]) == 0)
            return i;
    return -1;
}

static int leaf_status(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"status_codes", NULL};
    const char **codes;
    size_t n;
    int rc;
    const otelc_node *b = type_block(rd, map, "status_code", keys, &rc);
    if (rc != 0 || ts_rd_strlist(rd, b, "status_codes", &codes, &n) != 0)
        return -1;
    if (n == 0)
        rc = ts_rd_fail(rd, b ? b : map, "expected at least one status code to filter on");
    for (size_t i = 0; i < n && rc == 0; i++) {
        int bit = status_bit(codes[i]);
        if (bit < 0)
            rc = ts_rd_fail(rd, b, "unknown status code \"%s\", supported: OK, ERROR, UNSET",
                            codes[i]);
        else
            p->u.status_mask |= 1u << bit;
    }
    free(codes);
    return rc;
}

static int compile_regexes(ts_rd *rd, const otelc_node *b, ts_string_match *m)
{
    const otelc_node *at = rd->api->node_get(b, "values");
    m->regex = calloc(m->nvalues ? m->nvalues : 1, sizeof(attr_regex *));
    if (!m->regex)
        return ts_rd_fail(rd, at, "out of memory");
    for (size_t i = 0; i < m->nvalues; i++) {
        char err[200];
        m->regex[i] = attr_regex_compile(m->values[i], err, sizeof(err));
        if (!m->regex[i])
            return ts_rd_fail(rd, at, "values: regular expression \"%s\": %s", m->values[i], err);
        m->nregex++;
    }
    return 0;
}

/* Exact values: an empty one never matches, so it is left out. */
static void drop_empty(const char **v, size_t *n)
{
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++)
        if (*v[i])
            v[kept++] = v[i];
    *n = kept;
}

static int leaf_string(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"key", "values", "enabled_regex_matching",
                                       "cache_max_size", "invert_match", NULL};
    ts_string_match *m = &p->u.string;
    const char *key = NULL, **values = NULL;
    bool regex = false, invert = false;
    int64_t cache = 0;
    int rc;
    const otelc_node *b = type_block(rd, map, "string_attribute", keys, &rc);
    rc |= ts_rd_str(rd, b, "key", &key) | ts_rd_bool(rd, b, "invert_match", &invert) |
          ts_rd_bool(rd, b, "enabled_regex_matching", &regex) |
          ts_rd_int(rd, b, "cache_max_size", &cache) |
          ts_rd_strlist(rd, b, "values", &values, &m->nvalues);
    m->values = values;
    set_attr_key(&m->m, key, invert);
    if (rc != 0 || !regex) {
        drop_empty(values, &m->nvalues);
        return rc;
    }
    m->cache = ts_lru_new(cache > 0 ? (size_t)cache : DEFAULT_REGEX_CACHE);
    if (!m->cache)
        return ts_rd_fail(rd, b, "out of memory");
    return compile_regexes(rd, b, m);
}

static int leaf_budget(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const rate_keys[] = {"spans_per_second", NULL};
    static const char *const bytes_keys[] = {"bytes_per_second", "burst_capacity", NULL};
    bool bytes = p->type == TS_BYTES_LIMITING;
    int64_t rate = 0, burst = 0;
    int rc;
    const otelc_node *b = type_block(rd, map, bytes ? "bytes_limiting" : "rate_limiting",
                                     bytes ? bytes_keys : rate_keys, &rc);
    rc |= ts_rd_int(rd, b, bytes ? "bytes_per_second" : "spans_per_second", &rate) |
          ts_rd_int(rd, b, "burst_capacity", &burst);
    if (rate < 0 || burst < 0)
        rc = ts_rd_fail(rd, b, "rates and burst_capacity cannot be negative");
    /* The bucket holds twice the rate unless bytes_limiting says. */
    ts_bucket_init(&p->u.bucket, (double)rate, (double)(burst ? burst : 2 * rate));
    return rc;
}

static int leaf_span_count(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"min_spans", "max_spans", NULL};
    int rc;
    const otelc_node *b = type_block(rd, map, "span_count", keys, &rc);
    return rc | ts_rd_int(rd, b, "min_spans", &p->u.span_count.min) |
           ts_rd_int(rd, b, "max_spans", &p->u.span_count.max);
}

static int leaf_trace_state(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"key", "values", NULL};
    const char *key = "", **values = NULL;
    size_t n = 0, kept = 0;
    int rc;
    const otelc_node *b = type_block(rd, map, "trace_state", keys, &rc);
    rc |= ts_rd_str(rd, b, "key", &key) | ts_rd_strlist(rd, b, "values", &values, &n);
    /* A member longer than the W3C limit can never be there. */
    for (size_t i = 0; i < n; i++)
        if (*values[i] && strlen(key) + strlen(values[i]) < MAX_TRACESTATE_MEMBER)
            values[kept++] = values[i];
    p->u.trace_state.key = key;
    p->u.trace_state.values = values;
    p->u.trace_state.nvalues = kept;
    return rc;
}

static int leaf_boolean(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"key", "value", "invert_match", NULL};
    const char *key = NULL;
    bool invert = false;
    int rc;
    const otelc_node *b = type_block(rd, map, "boolean_attribute", keys, &rc);
    rc |= ts_rd_str(rd, b, "key", &key) | ts_rd_bool(rd, b, "value", &p->u.boolean.value) |
          ts_rd_bool(rd, b, "invert_match", &invert);
    set_attr_key(&p->u.boolean.m, key, invert);
    return rc;
}

int ts_read_leaf(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    switch (p->type) {
    case TS_LATENCY: return leaf_latency(rd, map, p);
    case TS_NUMERIC_ATTRIBUTE: return leaf_numeric(rd, map, p);
    case TS_PROBABILISTIC: return leaf_probabilistic(rd, map, p);
    case TS_STATUS_CODE: return leaf_status(rd, map, p);
    case TS_STRING_ATTRIBUTE: return leaf_string(rd, map, p);
    case TS_RATE_LIMITING:
    case TS_BYTES_LIMITING: return leaf_budget(rd, map, p);
    case TS_SPAN_COUNT: return leaf_span_count(rd, map, p);
    case TS_TRACE_STATE: return leaf_trace_state(rd, map, p);
    case TS_BOOLEAN_ATTRIBUTE: return leaf_boolean(rd, map, p);
    case TS_OTTL_CONDITION: return ts_read_ottl(rd, map, p);
    default: return 0; /* always_sample, trace_flags: nothing to read */
    }
}
