/*
 * match_config.c: building a matcher from an include/exclude section, with
 * the collector's checks (filterconfig.ValidateForSpans and
 * ValidateForLogs, the filterset and attribute matcher constructors, the
 * metrics matcher's reading of the section).
 */
#include "match_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct reader {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    otelc_signal signal;
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
    strset_free(&m->log_bodies);
    strset_free(&m->severity_texts);
    strset_free(&m->metric_names);
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
    if (rd->signal == OTELC_METRICS && strcmp(t, "expr") == 0)
        return fail(rd, rd->api->node_get(section, "match_type"),
                    "match_type expr is not supported yet (strict or regexp)");
    if (strcmp(t, "strict") != 0 && strcmp(t, "regexp") != 0)
        return fail(rd, rd->api->node_get(section, "match_type"),
                    "match_type must be strict or regexp");
    rd->m->regexp = strcmp(t, "regexp") == 0;
    return 0;
}

static bool has_common_property(const reader *rd, const attr_match_cfg *cfg)
{
    return rd->api->node_len(cfg->attributes) || rd->api->node_len(cfg->resources) ||
           rd->api->node_len(cfg->libraries);
}

static bool has_span_property(const attr_match_cfg *cfg)
{
    return cfg->services.n || cfg->span_names.n || cfg->span_kinds.n;
}

static bool has_log_property(const attr_match_cfg *cfg)
{
    return cfg->log_bodies.n || cfg->log_severity_texts.n || cfg->log_severity_number;
}

/* A property the collector reads in no pipeline of this signal: said
 * once, not refused, since one config often serves several pipelines. */
static void ignored(const reader *rd, const otelc_node *section, const char *key)
{
    if (rd->api->node_get(section, key))
        rd->api->log(rd->ctx, OTELC_LOG_WARN, "%s.%s does not apply to %s and is ignored, as the "
                     "collector ignores it", rd->api->node_key(section), key,
                     rd->signal == OTELC_METRICS ? "metrics" : rd->signal == OTELC_LOGS
                                                                   ? "logs" : "traces");
}

/* filterconfig.ValidateForSpans: the logs properties are errors. */
static int refuse_log_properties(const reader *rd, const otelc_node *section)
{
    static const char *const keys[] = {"log_bodies", "log_severity_texts",
                                       "log_severity_number"};
    char msg[96];
    for (size_t i = 0; i < 3; i++) {
        const otelc_node *n = rd->api->node_get(section, keys[i]);
        if (n && rd->api->node_kind(n) != OTELC_NODE_NULL) {
            snprintf(msg, sizeof msg, "%s should not be specified for trace spans", keys[i]);
            return fail(rd, n, msg);
        }
    }
    return 0;
}

static int build_spans(const reader *rd, const attr_match_cfg *cfg, const otelc_node *section)
{
    attr_match *m = rd->m;
    const otelc_node *kinds = rd->api->node_get(section, "span_kinds");
    int rc = 0;
    if (refuse_log_properties(rd, section) != 0)
        return -1;
    ignored(rd, section, "metric_names");
    if (!has_span_property(cfg) && !has_common_property(rd, cfg))
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

/* SeverityNumber by name, as the OpenTelemetry log data model spells
 * them (any case), or by number. -1 when neither. */
static int severity_number(const char *s)
{
    static const char *const names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    char *end;
    long n = strtol(s, &end, 10);
    if (*s && !*end)
        return n >= 0 && n <= 24 ? (int)n : -1;
    for (int i = 0; i < 6; i++) {
        size_t len = strlen(names[i]);
        if (strncasecmp(s, names[i], len) != 0)
            continue;
        if (!s[len])
            return i * 4 + 1;
        if (s[len] >= '2' && s[len] <= '4' && !s[len + 1])
            return i * 4 + 1 + (s[len] - '1');
    }
    return -1;
}

/* log_severity_number: {min, match_undefined}. */
static int read_severity(const reader *rd, const otelc_node *n)
{
    severity_cond *c = &rd->m->severity;
    const otelc_node *u;
    const char *min = NULL;
    if (!n || rd->api->node_kind(n) == OTELC_NODE_NULL)
        return 0;
    if (rd->api->node_kind(n) != OTELC_NODE_MAP)
        return fail(rd, n, "log_severity_number must be a map of min and match_undefined");
    if (only_keys(rd, n, "min", "match_undefined") != 0 || member(rd, n, "min", &min) != 0)
        return -1;
    c->on = true;
    c->min = min ? severity_number(min) : 0;
    if (c->min < 0)
        return fail(rd, rd->api->node_get(n, "min"), "min is not a valid severity: a name "
                    "(TRACE, DEBUG2, INFO, WARN, ERROR, FATAL4, ...) or a number 0 to 24");
    u = rd->api->node_get(n, "match_undefined");
    return u ? rd->api->node_bool(rd->ctx, u, &c->match_undefined) : 0;
}

/* filterconfig.ValidateForLogs, then filterlog's matcher. */
static int build_logs(const reader *rd, const attr_match_cfg *cfg, const otelc_node *section)
{
    attr_match *m = rd->m;
    int rc = 0;
    if (has_span_property(cfg))
        return fail(rd, section, "services, span_names, and span_kinds are not valid for log "
                                 "records");
    ignored(rd, section, "metric_names");
    if (!has_log_property(cfg) && !has_common_property(rd, cfg))
        return fail(rd, section, "at least one of \"attributes\", \"libraries\", \"span_kinds\", "
                                 "\"resources\", \"log_bodies\", \"log_severity_texts\" or "
                                 "\"log_severity_number\" field must be specified");
    rc |= strset_init(rd, &m->log_bodies, cfg->log_bodies,
                      rd->api->node_get(section, "log_bodies"));
    rc |= strset_init(rd, &m->severity_texts, cfg->log_severity_texts,
                      rd->api->node_get(section, "log_severity_texts"));
    rc |= read_severity(rd, cfg->log_severity_number);
    rc |= read_conds(rd, cfg->attributes, "attributes", &m->attrs, &m->n_attrs);
    rc |= read_conds(rd, cfg->resources, "resources", &m->res, &m->n_res);
    rc |= read_libs(rd, cfg->libraries);
    return rc ? -1 : 0;
}

/* The collector's metrics matcher reads match_type and metric_names;
 * the other properties are said to be ignored. */
static int build_metrics(const reader *rd, const attr_match_cfg *cfg, const otelc_node *section)
{
    static const char *const others[] = {"services", "span_names", "span_kinds", "attributes",
                                         "resources", "libraries", "log_bodies",
                                         "log_severity_texts", "log_severity_number"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        ignored(rd, section, others[i]);
    return strset_init(rd, &rd->m->metric_names, cfg->metric_names,
                       rd->api->node_get(section, "metric_names"));
}

static int build(const reader *rd, const attr_match_cfg *cfg, const otelc_node *section)
{
    if (check_match_type(rd, cfg, section) != 0)
        return -1;
    if (rd->signal == OTELC_LOGS)
        return build_logs(rd, cfg, section);
    return rd->signal == OTELC_METRICS ? build_metrics(rd, cfg, section)
                                       : build_spans(rd, cfg, section);
}

int attr_match_parse(otelc_ctx *ctx, const otelc_host_api *api, otelc_signal signal,
                     const attr_match_cfg *cfg, const otelc_node *section, attr_match **out)
{
    reader rd = {ctx, api, signal, NULL};
    *out = NULL;
    if (api->node_kind(section) == OTELC_NODE_NULL)
        return 0;
    if (!(rd.m = calloc(1, sizeof(attr_match))))
        return -1;
    if (build(&rd, cfg, section) != 0) {
        attr_match_free(rd.m);
        return -1;
    }
    /* Without metric names the collector's metrics matcher is none. */
    if (signal == OTELC_METRICS && !rd.m->metric_names.on) {
        attr_match_free(rd.m);
        return 0;
    }
    *out = rd.m;
    return 0;
}
