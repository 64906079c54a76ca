/*
 * actions_config.c: reading and checking a list of attribute actions with
 * the host's config node services, with the collector's rules
 * (attraction.NewAttrProc) and messages that name the key at fault.
 */
#include "actions_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct reader {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const char *what; /* the list's key: "actions" or "attributes" */
} reader;

/* What one action map holds, before the checks. */
typedef struct raw_action {
    const otelc_node *map, *value_node, *pattern_node;
    const char *key, *action, *from_attribute, *from_context, *pattern, *converted_type;
    bool has_value;
} raw_action;

static const char *const action_names[] = {"insert", "update", "upsert", "delete",
                                           "hash",   "extract", "convert", NULL};

static int fail(const reader *rd, const otelc_node *at, const char *fmt, ...)
    OTELC_PRINTF(3, 4);
static int fail(const reader *rd, const otelc_node *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rd->api->config_error(rd->ctx, at, "%s", msg);
    return -1;
}

/* A string member of map m; absent and empty both read as NULL, as the
 * collector compares with "". */
static int opt_string(const reader *rd, const otelc_node *m, const char *key, const char **out)
{
    const otelc_node *n = rd->api->node_get(m, key);
    *out = NULL;
    if (!n || rd->api->node_kind(n) == OTELC_NODE_NULL)
        return 0;
    if (rd->api->node_string(rd->ctx, n, out) != 0)
        return -1;
    if (*out && !**out)
        *out = NULL;
    return 0;
}

static int only_known_keys(const reader *rd, const otelc_node *m)
{
    static const char *const known[] = {"key",          "action",  "value",          "from_attribute",
                                        "from_context", "pattern", "converted_type", NULL};
    int rc = 0;
    for (size_t i = 0; i < rd->api->node_len(m); i++) {
        const otelc_node *c = rd->api->node_at(m, i);
        const char *k = rd->api->node_key(c);
        size_t j = 0;
        while (known[j] && strcmp(known[j], k ? k : "") != 0)
            j++;
        if (!known[j])
            rc = fail(rd, c, "unknown key %s; an action has key, action, value, from_attribute, "
                             "from_context, pattern and converted_type", k ? k : "");
    }
    return rc;
}

/* The YAML value of `value`, typed; a null value counts as none. */
static int read_value(const reader *rd, raw_action *ra, otlp_anyvalue *out)
{
    const char *text;
    ra->value_node = rd->api->node_get(ra->map, "value");
    int kind = rd->api->node_kind(ra->value_node);
    if (kind == OTELC_NODE_NULL)
        return 0;
    if (kind != OTELC_NODE_SCALAR)
        return fail(rd, ra->value_node, "lists and maps as values are not supported yet");
    if (rd->api->node_string(rd->ctx, ra->value_node, &text) != 0)
        return -1;
    ra->has_value = attr_value_from_yaml(text, out);
    return 0;
}

static int read_raw(const reader *rd, raw_action *ra, otlp_anyvalue *value)
{
    if (rd->api->node_kind(ra->map) != OTELC_NODE_MAP)
        return fail(rd, ra->map, "each entry of %s must be a map", rd->what);
    ra->pattern_node = rd->api->node_get(ra->map, "pattern");
    int rc = only_known_keys(rd, ra->map);
    if (opt_string(rd, ra->map, "key", &ra->key) || opt_string(rd, ra->map, "action", &ra->action) ||
        opt_string(rd, ra->map, "from_attribute", &ra->from_attribute) ||
        opt_string(rd, ra->map, "from_context", &ra->from_context) ||
        opt_string(rd, ra->map, "pattern", &ra->pattern) ||
        opt_string(rd, ra->map, "converted_type", &ra->converted_type) ||
        read_value(rd, ra, value))
        return -1;
    return rc;
}

/* The action, case-insensitive as in the collector. */
static int read_kind(const reader *rd, const raw_action *ra, enum act_kind *out)
{
    const otelc_node *at = rd->api->node_get(ra->map, "action");
    if (!ra->action)
        return fail(rd, ra->map, "action is required: insert, update, upsert, delete, hash, "
                                 "extract or convert");
    for (int i = 0; action_names[i]; i++)
        if (strcasecmp(ra->action, action_names[i]) == 0) {
            *out = (enum act_kind)i;
            return 0;
        }
    return fail(rd, at, "unsupported action \"%s\": use insert, update, upsert, delete, hash, "
                        "extract or convert", ra->action);
}

static int sources(const raw_action *ra)
{
    return ra->has_value + (ra->from_attribute != NULL) + (ra->from_context != NULL);
}

/* A field the action does not use must be absent. */
static int unused(const reader *rd, const raw_action *ra, bool present, const char *field)
{
    if (!present)
        return 0;
    return fail(rd, ra->map, "action \"%s\" does not use %s; remove it", ra->action, field);
}

static int check_set(const reader *rd, const raw_action *ra)
{
    int n = sources(ra);
    if (n == 0)
        return fail(rd, ra->map, "action \"%s\" needs one of value, from_attribute or "
                                 "from_context", ra->action);
    if (n > 1)
        return fail(rd, ra->map, "action \"%s\" takes only one of value, from_attribute and "
                                 "from_context", ra->action);
    if (unused(rd, ra, ra->pattern, "pattern") || unused(rd, ra, ra->converted_type, "converted_type"))
        return -1;
    return 0;
}

static int check_delete_hash(const reader *rd, const raw_action *ra)
{
    bool source = ra->has_value || ra->from_attribute;
    if (unused(rd, ra, source, "value or from_attribute") ||
        unused(rd, ra, ra->converted_type, "converted_type"))
        return -1;
    return 0;
}

static int compile(const reader *rd, const raw_action *ra, action *a)
{
    char err[256];
    if (!ra->pattern)
        return 0;
    a->re = attr_regex_compile(ra->pattern, err, sizeof err);
    if (!a->re)
        return fail(rd, ra->pattern_node, "pattern does not compile: %s", err);
    return 0;
}

/* Every group of an extract pattern names the attribute it fills. */
static int check_groups(const reader *rd, const raw_action *ra, const attr_regex *re)
{
    size_t n = attr_regex_groups(re);
    if (n == 0)
        return fail(rd, ra->pattern_node, "pattern has no named groups (?P<name>...) to extract");
    for (size_t i = 1; i <= n; i++)
        if (!attr_regex_group_name(re, i))
            return fail(rd, ra->pattern_node, "pattern group %zu has no name; extract needs "
                                              "(?P<name>...) for every group", i);
    return 0;
}

static int check_extract(const reader *rd, const raw_action *ra, action *a)
{
    if (unused(rd, ra, sources(ra) > 0, "value, from_attribute or from_context") ||
        unused(rd, ra, ra->converted_type, "converted_type"))
        return -1;
    if (!ra->pattern)
        return fail(rd, ra->map, "action \"extract\" needs a pattern");
    return compile(rd, ra, a) != 0 ? -1 : check_groups(rd, ra, a->re);
}

static int check_convert(const reader *rd, const raw_action *ra, action *a)
{
    static const char *const types[] = {"string", "int", "double", NULL};
    const otelc_node *at = rd->api->node_get(ra->map, "converted_type");
    if (unused(rd, ra, sources(ra) > 0 || ra->pattern, "value sources or pattern"))
        return -1;
    if (!ra->converted_type)
        return fail(rd, ra->map, "action \"convert\" needs converted_type: string, int or double");
    for (int i = 0; types[i]; i++)
        if (strcmp(ra->converted_type, types[i]) == 0) {
            a->to = (enum attr_conv)i;
            return 0;
        }
    return fail(rd, at, "converted_type \"%s\" is not string, int or double", ra->converted_type);
}

static int check_key(const reader *rd, const raw_action *ra, enum act_kind kind)
{
    bool by_pattern = kind == ACT_DELETE || kind == ACT_HASH;
    if (ra->key || (by_pattern && ra->pattern))
        return 0;
    if (by_pattern)
        return fail(rd, ra->map, "key or pattern is required for action \"%s\"", ra->action);
    return fail(rd, ra->map, "key is required for action \"%s\"", ra->action);
}

static int check_kind(const reader *rd, const raw_action *ra, action *a)
{
    switch (a->kind) {
    case ACT_INSERT:
    case ACT_UPDATE:
    case ACT_UPSERT: return check_set(rd, ra);
    case ACT_DELETE:
    case ACT_HASH: return check_delete_hash(rd, ra) != 0 ? -1 : compile(rd, ra, a);
    case ACT_EXTRACT: return check_extract(rd, ra, a);
    default: return check_convert(rd, ra, a);
    }
}

static void take_source(const raw_action *ra, const otlp_anyvalue *value, action *a)
{
    a->key = ra->key;
    if (a->kind > ACT_UPSERT)
        return;
    a->src = ra->has_value ? SRC_VALUE : ra->from_attribute ? SRC_ATTRIBUTE : SRC_CONTEXT;
    a->value = *value;
    a->from = ra->from_attribute ? ra->from_attribute : ra->from_context;
}

static int read_action(const reader *rd, const otelc_node *map, action *a)
{
    raw_action ra = {.map = map};
    otlp_anyvalue value = {.type = OTLP_ANY_EMPTY};
    if (read_raw(rd, &ra, &value) != 0 || read_kind(rd, &ra, &a->kind) != 0 ||
        check_key(rd, &ra, a->kind) != 0 || check_kind(rd, &ra, a) != 0)
        return -1;
    take_source(&ra, &value, a);
    return 0;
}

void attr_actions_free(attr_actions *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        attr_regex_free(a->v[i].re);
    free(a->v);
    attr_buf_free(&a->scratch);
    attr_buf_free(&a->keys);
    free(a);
}

/* The list itself: present, a list, not empty. */
static long list_len(const reader *rd, const otelc_node *list)
{
    int kind = rd->api->node_kind(list);
    if (kind == OTELC_NODE_LIST && rd->api->node_len(list) > 0)
        return (long)rd->api->node_len(list);
    if (kind == OTELC_NODE_LIST || kind == OTELC_NODE_NULL)
        fail(rd, list ? list : rd->api->config_node(rd->ctx), "%s is required: a list of actions",
             rd->what);
    else
        fail(rd, list, "%s must be a list of actions", rd->what);
    return -1;
}

int attr_actions_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                       const char *what, attr_actions **out)
{
    reader rd = {ctx, api, what};
    long n = list_len(&rd, list);
    int rc = 0;
    attr_actions *a = n > 0 ? calloc(1, sizeof(*a)) : NULL;
    if (n <= 0 || !a || !(a->v = calloc((size_t)n, sizeof(action)))) {
        free(a);
        return -1;
    }
    a->n = (size_t)n;
    for (size_t i = 0; i < a->n; i++)
        if (read_action(&rd, api->node_at(list, i), &a->v[i]) != 0)
            rc = -1;
    if (rc != 0) {
        attr_actions_free(a);
        return -1;
    }
    *out = a;
    return 0;
}
