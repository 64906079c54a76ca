/*
 * conv_config.c: the converter's key table and its list-shaped keys,
 * read from config nodes with the host's accessors.
 */
#include "conv_config.h"

#include <stdlib.h>
#include <string.h>

const otelc_cfg_key cv_config_keys[] = {
    {"semconv_upgrade", OTELC_CFG_BOOL, "true",
     "rename deprecated semantic-convention attributes to current ones",
     offsetof(cv_cfg, semconv_upgrade), 0},
    {"renames", OTELC_CFG_NODE, NULL, "extra renames: a list of {from, to}",
     offsetof(cv_cfg, renames), 0},
    {"delete", OTELC_CFG_STRLIST, NULL, "attribute keys to delete from resources and spans",
     offsetof(cv_cfg, delete_keys), 0},
    {"from_resource", OTELC_CFG_NODE, NULL,
     "resource attributes copied to spans: a list of key or {key, action: copy|move}",
     offsetof(cv_cfg, from_resource), 0},
    {"to_resource", OTELC_CFG_NODE, NULL,
     "span attributes raised to the resource: a list of key or {key, action: copy|move}",
     offsetof(cv_cfg, to_resource), 0},
    {"coerce", OTELC_CFG_NODE, NULL,
     "value types by key: a list of {key, to: string|int|double|bool}",
     offsetof(cv_cfg, coerce), 0},
    {"max_attributes_per_span", OTELC_CFG_INT, "0", "attributes kept per span; 0 = all",
     offsetof(cv_cfg, max_attributes_per_span), 0},
    {"max_attribute_value_length", OTELC_CFG_INT, "0",
     "longest string or bytes value in bytes (UTF-8 safe); 0 = no limit",
     offsetof(cv_cfg, max_attribute_value_length), 0},
    {"max_events_per_span", OTELC_CFG_INT, "0", "events kept per span; 0 = all",
     offsetof(cv_cfg, max_events_per_span), 0},
    {"max_links_per_span", OTELC_CFG_INT, "0", "links kept per span; 0 = all",
     offsetof(cv_cfg, max_links_per_span), 0},
    {0},
};

typedef struct reader {
    otelc_ctx *ctx;
    const otelc_host_api *api;
} reader;

/* A list node's length, or -1 after an error; an absent key is empty. */
static long list_len(const reader *rd, const otelc_node *n, const char *key)
{
    int kind = n ? rd->api->node_kind(n) : OTELC_NODE_NULL;
    if (kind == OTELC_NODE_NULL)
        return 0;
    if (kind != OTELC_NODE_LIST) {
        rd->api->config_error(rd->ctx, n, "%s must be a list", key);
        return -1;
    }
    return (long)rd->api->node_len(n);
}

/* Every key of map m must be one of allowed (NULL-terminated). */
static int only_keys(const reader *rd, const otelc_node *m, const char *const *allowed)
{
    int rc = 0;
    for (size_t i = 0; i < rd->api->node_len(m); i++) {
        const otelc_node *c = rd->api->node_at(m, i);
        const char *k = rd->api->node_key(c);
        size_t a = 0;
        while (allowed[a] && strcmp(allowed[a], k ? k : "") != 0)
            a++;
        if (!allowed[a]) {
            rd->api->config_error(rd->ctx, c, "unknown key %s", k ? k : "");
            rc = -1;
        }
    }
    return rc;
}

/* A required non-empty string member of map m. */
static int member(const reader *rd, const otelc_node *m, const char *key, const char **out)
{
    const otelc_node *n = rd->api->node_get(m, key);
    if (!n) {
        rd->api->config_error(rd->ctx, m, "%s is required", key);
        return -1;
    }
    if (rd->api->node_string(rd->ctx, n, out) != 0)
        return -1;
    if (!*out || !**out) {
        rd->api->config_error(rd->ctx, n, "%s must not be empty", key);
        return -1;
    }
    return 0;
}

static int expect_map(const reader *rd, const otelc_node *n, const char *what)
{
    if (rd->api->node_kind(n) == OTELC_NODE_MAP)
        return 0;
    rd->api->config_error(rd->ctx, n, "each %s entry must be a map", what);
    return -1;
}

static int read_renames(const reader *rd, const otelc_node *list, conv_rename_spec **out,
                        size_t *n)
{
    static const char *const keys[] = {"from", "to", NULL};
    long len = list_len(rd, list, "renames");
    int rc = len < 0 ? -1 : 0;
    *n = 0;
    if (len <= 0)
        return rc;
    if (!(*out = calloc((size_t)len, sizeof(**out))))
        return -1;
    for (long i = 0; i < len; i++) {
        const otelc_node *e = rd->api->node_at(list, (size_t)i);
        if (expect_map(rd, e, "renames") != 0 || only_keys(rd, e, keys) != 0 ||
            member(rd, e, "from", &(*out)[i].from) != 0 || member(rd, e, "to", &(*out)[i].to) != 0)
            rc = -1;
    }
    *n = (size_t)len;
    return rc;
}

static int read_action(const reader *rd, const otelc_node *e, conv_action *out)
{
    const otelc_node *n = rd->api->node_get(e, "action");
    const char *a = "copy";
    if (n && rd->api->node_string(rd->ctx, n, &a) != 0)
        return -1;
    if (a && strcmp(a, "copy") == 0) {
        *out = CONV_COPY;
    } else if (a && strcmp(a, "move") == 0) {
        *out = CONV_MOVE;
    } else {
        rd->api->config_error(rd->ctx, n, "action must be copy or move");
        return -1;
    }
    return 0;
}

static int read_move(const reader *rd, const otelc_node *e, conv_key_action *out)
{
    static const char *const keys[] = {"key", "action", NULL};
    out->action = CONV_COPY;
    if (rd->api->node_kind(e) == OTELC_NODE_SCALAR) {
        if (rd->api->node_string(rd->ctx, e, &out->key) != 0)
            return -1;
        if (out->key && *out->key)
            return 0;
        rd->api->config_error(rd->ctx, e, "a key must not be empty");
        return -1;
    }
    if (expect_map(rd, e, "from_resource/to_resource") != 0 || only_keys(rd, e, keys) != 0 ||
        member(rd, e, "key", &out->key) != 0)
        return -1;
    return read_action(rd, e, &out->action);
}

static int read_moves(const reader *rd, const otelc_node *list, const char *what,
                      conv_key_action **out, size_t *n)
{
    long len = list_len(rd, list, what);
    int rc = len < 0 ? -1 : 0;
    *n = 0;
    if (len <= 0)
        return rc;
    if (!(*out = calloc((size_t)len, sizeof(**out))))
        return -1;
    for (long i = 0; i < len; i++)
        if (read_move(rd, rd->api->node_at(list, (size_t)i), &(*out)[i]) != 0)
            rc = -1;
    *n = (size_t)len;
    return rc;
}

static int read_type(const reader *rd, const otelc_node *e, conv_type *out)
{
    static const char *const names[] = {"string", "int", "double", "bool"};
    const char *t;
    if (member(rd, e, "to", &t) != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(t, names[i]) == 0) {
            *out = (conv_type)(CONV_TO_STRING + i);
            return 0;
        }
    rd->api->config_error(rd->ctx, rd->api->node_get(e, "to"),
                          "to must be string, int, double or bool");
    return -1;
}

static int read_coerce(const reader *rd, const otelc_node *list, conv_coerce_spec **out,
                       size_t *n)
{
    static const char *const keys[] = {"key", "to", NULL};
    long len = list_len(rd, list, "coerce");
    int rc = len < 0 ? -1 : 0;
    *n = 0;
    if (len <= 0)
        return rc;
    if (!(*out = calloc((size_t)len, sizeof(**out))))
        return -1;
    for (long i = 0; i < len; i++) {
        const otelc_node *e = rd->api->node_at(list, (size_t)i);
        if (expect_map(rd, e, "coerce") != 0 || only_keys(rd, e, keys) != 0 ||
            member(rd, e, "key", &(*out)[i].key) != 0 || read_type(rd, e, &(*out)[i].to) != 0)
            rc = -1;
    }
    *n = (size_t)len;
    return rc;
}

static int check_limits(const reader *rd, const cv_cfg *cfg)
{
    if (cfg->max_attributes_per_span < 0 || cfg->max_attribute_value_length < 0 ||
        cfg->max_events_per_span < 0 || cfg->max_links_per_span < 0) {
        rd->api->config_error(rd->ctx, NULL, "the max_* limits must not be negative");
        return -1;
    }
    return 0;
}

int cv_config_read(otelc_ctx *ctx, const otelc_host_api *api, const cv_cfg *cfg,
                   conv_spec *spec, cv_spec_store *store)
{
    reader rd = {ctx, api};
    *store = (cv_spec_store){0};
    *spec = (conv_spec){
        .semconv_upgrade = cfg->semconv_upgrade,
        .deletes = cfg->delete_keys.items,
        .ndeletes = cfg->delete_keys.n,
        .max_attributes_per_span = cfg->max_attributes_per_span,
        .max_attribute_value_length = cfg->max_attribute_value_length,
        .max_events_per_span = cfg->max_events_per_span,
        .max_links_per_span = cfg->max_links_per_span,
    };
    int rc = check_limits(&rd, cfg);
    rc |= read_renames(&rd, cfg->renames, &store->renames, &spec->nrenames);
    rc |= read_moves(&rd, cfg->from_resource, "from_resource", &store->from_resource,
                     &spec->nfrom_resource);
    rc |= read_moves(&rd, cfg->to_resource, "to_resource", &store->to_resource,
                     &spec->nto_resource);
    rc |= read_coerce(&rd, cfg->coerce, &store->coerce, &spec->ncoerce);
    spec->renames = store->renames;
    spec->from_resource = store->from_resource;
    spec->to_resource = store->to_resource;
    spec->coerce = store->coerce;
    if (rc != 0)
        cv_spec_store_free(store);
    return rc ? -1 : 0;
}

void cv_spec_store_free(cv_spec_store *store)
{
    free(store->renames);
    free(store->from_resource);
    free(store->to_resource);
    free(store->coerce);
    *store = (cv_spec_store){0};
}
