/*
 * match_config.c: building a matcher from an include/exclude section, with
 * the collector's checks (filterconfig.ValidateForSpans, the filterset and
 * attribute matcher constructors).
 */
#include "match_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    attr_match *m;
} reader;

static int fail(const reader *rd, const otelc_node *at, const char *msg)
{
    rd->api->config_error(rd->ctx, at, "%s", msg);
    return -1;
}

static void strset_free(strset *s)
{
    for (size_t i = 0; s->re && i < s->items.n; i++)
        attr_regex_free(s->re[i]);
    free(s->re);
}

void attr_match_free(attr_match *m)
{
    if (!m)
        return;
    strset_free(&m->services);
    strset_free(&m->span_names);
    strset_free(&m->span_kinds);
    for (size_t i = 0; i < m->n_attrs; i++)
        attr_regex_free(m->attrs[i].re);
    for (size_t i = 0; i < m->n_res; i++)
        attr_regex_free(m->res[i].re);
    for (size_t i = 0; i < m->n_libs; i++) {
        strset_free(&m->libs[i].name);
        strset_free(&m->libs[i].version);
    }
    free(m->attrs);
    free(m->res);
    free(m->libs);
    free(m->lib_strings);
    attr_buf_free(&m->text);
    free(m);
}

static int compile_at(const reader *rd, const otelc_node *at, const char *pattern,
                      attr_regex **out)
{
    char err[256], msg[400];
    *out = attr_regex_compile(pattern, err, sizeof err);
    if (*out)
        return 0;
    snprintf(msg, sizeof msg, "regexp \"%s\" does not compile: %s", pattern, err);
    return fail(rd, at, msg);
}

/* A filterset over items; `at` is where a bad regex is reported. */
static int strset_init(const reader *rd, strset *s, otelc_strlist items, const otelc_node *at)
{
    s->on = items.n > 0;
    s->items = items;
    if (!s->on || !rd->m->regexp)
        return 0;
    if (!(s->re = calloc(items.n, sizeof(attr_regex *))))
        return -1;
    int rc = 0;
    for (size_t i = 0; i < items.n; i++)
        if (compile_at(rd, at, items.items[i], &s->re[i]) != 0)
            rc = -1;
    return rc;
}

static int one_string(const reader *rd, strset *s, const char **slot, const otelc_node *at)
{
    otelc_strlist one = {1, slot};
    return strset_init(rd, s, one, at);
}

static int check_kinds(const reader *rd, const otelc_strlist *kinds, const otelc_node *at)
{
    static const char *const valid[] = {"SPAN_KIND_CLIENT", "SPAN_KIND_CONSUMER",
                                        "SPAN_KIND_INTERNAL", "SPAN_KIND_PRODUCER",
                                        "SPAN_KIND_SERVER"};
    for (size_t i = 0; !rd->m->regexp && i < kinds->n; i++) {
        size_t j = 0;
        while (j < 5 && strcmp(kinds->items[i], valid[j]) != 0)
            j++;
        if (j == 5)
            return fail(rd, at, "span_kinds must be standard span kinds when match_type is "
                                "strict: SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER, "
                                "SPAN_KIND_INTERNAL, SPAN_KIND_PRODUCER or SPAN_KIND_SERVER");
    }
    return 0;
}

/* A list node's length; absent is empty; -1 after an error. */
static long list_len(const reader *rd, const otelc_node *n, const char *what)
{
    int kind = rd->api->node_kind(n);
    char msg[128];
    if (kind == OTELC_NODE_NULL)
        return 0;
    if (kind == OTELC_NODE_LIST)
        return (long)rd->api->node_len(n);
    snprintf(msg, sizeof msg, "%s must be a list", what);
    return fail(rd, n, msg);
}

/* A string member of an entry map; absent leaves *out NULL. */
static int member(const reader *rd, const otelc_node *map, const char *key, const char **out)
{
    const otelc_node *n = rd->api->node_get(map, key);
    *out = NULL;
    return n ? rd->api->node_string(rd->ctx, n, out) : 0;
}

static int only_keys(const reader *rd, const otelc_node *map, const char *a, const char *b)
{
    char msg[160];
    int rc = 0;
    for (size_t i = 0; i < rd->api->node_len(map); i++) {
        const otelc_node *c = rd->api->node_at(map, i);
        const char *k = rd->api->node_key(c);
        if (k && (strcmp(k, a) == 0 || strcmp(k, b) == 0))
            continue;
        snprintf(msg, sizeof msg, "unknown key %s; an entry has %s and %s", k ? k : "", a, b);
        rc = fail(rd, c, msg);
    }
    return rc;
}

/* Under regexp the value's text is the pattern: otelc cannot see YAML
 * quotes, so "123" is taken as text rather than refused as an int. */
static int read_cond_value(const reader *rd, const otelc_node *vn, attr_cond *c)
{
    const char *text;
    if (!vn || rd->api->node_kind(vn) == OTELC_NODE_NULL)
        return 0;
    if (rd->api->node_kind(vn) != OTELC_NODE_SCALAR)
        return fail(rd, vn, "lists and maps as values are not supported yet");
    if (rd->api->node_string(rd->ctx, vn, &text) != 0)
        return -1;
    if (rd->m->regexp)
        return compile_at(rd, vn, text, &c->re);
    c->has_value = attr_value_from_yaml(text, &c->value);
    return 0;
}

static int read_cond(const reader *rd, const otelc_node *e, attr_cond *c)
{
    if (rd->api->node_kind(e) != OTELC_NODE_MAP)
        return fail(rd, e, "each attribute to match must be a map of key and value");
    if (only_keys(rd, e, "key", "value") != 0 || member(rd, e, "key", &c->key) != 0)
        return -1;
    if (!c->key || !*c->key)
        return fail(rd, e, "key is required: an attribute to match needs a non-empty key");
    return read_cond_value(rd, rd->api->node_get(e, "value"), c);
}

static int read_conds(const reader *rd, const otelc_node *list, const char *what,
                      attr_cond **out, size_t *n)
{
    long len = list_len(rd, list, what);
    int rc = 0;
    if (len <= 0)
        return (int)len;
    if (!(*out = calloc((size_t)len, sizeof(attr_cond))))
        return -1;
    *n = (size_t)len;
    for (size_t i = 0; i < *n; i++)
        if (read_cond(rd, rd->api->node_at(list, i), &(*out)[i]) != 0)
            rc = -1;
    return rc;
}

static int read_lib(const reader *rd, const otelc_node *e, lib_cond *l, const char **slots)
{
    if (rd->api->node_kind(e) != OTELC_NODE_MAP)
        return fail(rd, e, "each library to match must be a map of name and version");
    if (only_keys(rd, e, "name", "version") != 0 || member(rd, e, "name", &slots[0]) != 0 ||
        member(rd, e, "version", &slots[1]) != 0)
        return -1;
    if (!slots[0])
        slots[0] = "";
    if (one_string(rd, &l->name, &slots[0], e) != 0)
        return -1;
    return slots[1] && one_string(rd, &l->version, &slots[1], e) != 0 ? -1 : 0;
}

/* Each library keeps its name and version strings in two slots of
 * m->lib_strings, which its strsets view. */
static int read_libs(const reader *rd, const otelc_node *list)
{
    const char ***slots = &rd->m->lib_strings;
    attr_match *m = rd->m;
    long len = list_len(rd, list, "libraries");
    int rc = 0;
    if (len <= 0)
        return (int)len;
    m->libs = calloc((size_t)len, sizeof(lib_cond));
    *slots = calloc((size_t)len * 2, sizeof(const char *));
    if (!m->libs || !*slots)
        return -1;
    m->n_libs = (size_t)len;
    for (size_t i = 0; i < m->n_libs; i++)
        if (read_lib(rd, rd->api->node_at(list, i), &m->libs[i], *slots + 2 * i) != 0)
            rc = -1;
    return rc;
}

static int check_match_type(const reader *rd, const attr_match_cfg *cfg, const otelc_node *section)
{
    const char *t = cfg->match_type;
    if (!t || !*t)
        return fail(rd, section, "match_type is required: strict or regexp");
    if (strcmp(t, "strict") != 0 && strcmp(t, "regexp") != 0)
        return fail(rd, rd->api->node_get(section, "match_type"),
                    "match_type must be strict or regexp");
    rd->m->regexp = strcmp(t, "regexp") == 0;
    return 0;
}

static bool has_property(const reader *rd, const attr_match_cfg *cfg)
{
    return cfg->services.n || cfg->span_names.n || cfg->span_kinds.n ||
           rd->api->node_len(cfg->attributes) || rd->api->node_len(cfg->resources) ||
           rd->api->node_len(cfg->libraries);
}

static int build(const reader *rd, const attr_match_cfg *cfg, const otelc_node *section)
{
    attr_match *m = rd->m;
    const otelc_node *kinds = rd->api->node_get(section, "span_kinds");
    int rc = 0;
    if (check_match_type(rd, cfg, section) != 0)
        return -1;
    if (!has_property(rd, cfg))
        return fail(rd, section, "at least one of services, span_names, span_kinds, attributes, "
                                 "resources or libraries must be set");
    rc |= strset_init(rd, &m->services, cfg->services, rd->api->node_get(section, "services"));
    rc |= strset_init(rd, &m->span_names, cfg->span_names,
                      rd->api->node_get(section, "span_names"));
    rc |= check_kinds(rd, &cfg->span_kinds, kinds) | strset_init(rd, &m->span_kinds, cfg->span_kinds, kinds);
    rc |= read_conds(rd, cfg->attributes, "attributes", &m->attrs, &m->n_attrs);
    rc |= read_conds(rd, cfg->resources, "resources", &m->res, &m->n_res);
    rc |= read_libs(rd, cfg->libraries);
    return rc ? -1 : 0;
}

int attr_match_parse(otelc_ctx *ctx, const otelc_host_api *api, const attr_match_cfg *cfg,
                     const otelc_node *section, attr_match **out)
{
    reader rd = {ctx, api, NULL};
    *out = NULL;
    if (api->node_kind(section) == OTELC_NODE_NULL)
        return 0;
    if (!(rd.m = calloc(1, sizeof(attr_match))))
        return -1;
    if (build(&rd, cfg, section) != 0) {
        attr_match_free(rd.m);
        return -1;
    }
    *out = rd.m;
    return 0;
}
