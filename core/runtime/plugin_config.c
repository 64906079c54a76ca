/*
 * plugin_config.c: key tables → config structs.
 */
#include "plugin_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_units.h"
#include "config/config_value.h"
#include "loader.h"
#include "telemetry/log.h"

static void *field(void *cfg, const otelc_cfg_key *k)
{
    return (char *)cfg + k->offset;
}

static int has_field(const otelc_cfg_key *k)
{
    return k->type != OTELC_CFG_SECTION && !(k->flags & (OTELC_KEY_UNSUPPORTED | OTELC_KEY_IGNORED));
}

/* Stores a row's default. Defaults are the plugin's own text: one that
 * does not parse is a plugin bug, reported like a config error. */
static void store_default(const otelc_plugin *d, const otelc_cfg_key *k, void *cfg,
                          otelc_errors *errs)
{
    const char *t = k->dflt;
    const char *bad = NULL;
    char *end = NULL;
    switch (k->type) {
    case OTELC_CFG_STRING: *(const char **)field(cfg, k) = t; return;
    case OTELC_CFG_BOOL: *(bool *)field(cfg, k) = strcmp(t, "true") == 0; return;
    case OTELC_CFG_INT: *(int64_t *)field(cfg, k) = strtoll(t, &end, 10); break;
    case OTELC_CFG_DOUBLE: *(double *)field(cfg, k) = strtod(t, &end); break;
    case OTELC_CFG_DURATION: bad = otelc_parse_duration(t, (int64_t *)field(cfg, k)); break;
    case OTELC_CFG_SIZE: bad = otelc_parse_size(t, (uint64_t *)field(cfg, k)); break;
    default: return;
    }
    if (bad || (end && *end))
        otelc_errors_add(errs, "plugin %s: bad default \"%s\" for key %s", d->type, t, k->name);
}

static const otelc_cfg_key *find_row(const otelc_plugin *d, const char *name)
{
    for (const otelc_cfg_key *k = d->config_keys; k && k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static int is_host_key(const char *const *host_keys, const char *name)
{
    for (size_t i = 0; host_keys && host_keys[i]; i++)
        if (strcmp(host_keys[i], name) == 0)
            return 1;
    return 0;
}

static void store_value(const otelc_cfg_key *k, const otelc_node *v, void *cfg,
                        cfg_allocs *allocs, otelc_errors *errs)
{
    switch (k->type) {
    case OTELC_CFG_STRING: otelc_cfg_string(v, errs, (const char **)field(cfg, k)); break;
    case OTELC_CFG_BOOL: otelc_cfg_bool(v, errs, (bool *)field(cfg, k)); break;
    case OTELC_CFG_INT:
        otelc_cfg_int(v, errs, INT64_MIN, INT64_MAX, (int64_t *)field(cfg, k));
        break;
    case OTELC_CFG_DOUBLE: otelc_cfg_double(v, errs, (double *)field(cfg, k)); break;
    case OTELC_CFG_DURATION: otelc_cfg_duration(v, errs, false, (int64_t *)field(cfg, k)); break;
    case OTELC_CFG_SIZE: otelc_cfg_size(v, errs, (uint64_t *)field(cfg, k)); break;
    case OTELC_CFG_NODE: *(const otelc_node **)field(cfg, k) = v; break;
    case OTELC_CFG_STRLIST: {
        const char **items = NULL;
        size_t n = 0;
        if (otelc_cfg_string_list(v, errs, &items, &n) != OTELC_CFG_OK)
            break;
        void **grown = realloc(allocs->ptrs, (allocs->n + 1) * sizeof(void *));
        if (!grown) {
            free(items);
            break;
        }
        allocs->ptrs = grown;
        allocs->ptrs[allocs->n++] = items;
        *(otelc_strlist *)field(cfg, k) = (otelc_strlist){n, items};
        break;
    }
    default: break;
    }
}

static size_t fill_map(const otelc_plugin *d, const otelc_node *map, const char *prefix,
                       const char *const *host_keys, void *cfg, cfg_allocs *allocs,
                       otelc_errors *errs)
{
    size_t before = otelc_errors_count(errs);
    for (const otelc_node *c = otelc_node_first(map); c; c = otelc_node_next(c)) {
        char name[512];
        snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", otelc_node_key(c));
        if (!*prefix && is_host_key(host_keys, name))
            continue;
        const otelc_cfg_key *k = find_row(d, name);
        if (!k) {
            otelc_errors_add_key(errs, c, "unknown key for %s %s", kind_name(d->kind), d->type);
        } else if (k->flags & OTELC_KEY_UNSUPPORTED) {
            otelc_errors_add_key(errs, c, "collector key %s is not supported yet", name);
        } else if (k->flags & OTELC_KEY_IGNORED) {
            char at[512];
            otelc_errors_prefix(at, sizeof(at), c, true);
            otelc_log(OTELC_LOG_WARN, "config", "%scollector key %s is ignored by otelc", at,
                      name);
        } else if (k->type == OTELC_CFG_SECTION) {
            if (otelc_cfg_map(c, errs) != OTELC_CFG_ERROR)
                fill_map(d, c, name, host_keys, cfg, allocs, errs);
        } else {
            store_value(k, c, cfg, allocs, errs);
        }
    }
    return otelc_errors_count(errs) - before;
}

size_t plugin_config_fill(const otelc_plugin *d, const otelc_node *node,
                          const char *const *host_keys, void *cfg, cfg_allocs *allocs,
                          otelc_errors *errs)
{
    size_t before = otelc_errors_count(errs);
    for (const otelc_cfg_key *k = d->config_keys; k && k->name; k++)
        if (has_field(k) && k->dflt && k->offset + 1 <= d->config_size)
            store_default(d, k, cfg, errs);
    if (otelc_cfg_map(node, errs) != OTELC_CFG_ERROR)
        fill_map(d, node, "", host_keys, cfg, allocs, errs);
    return otelc_errors_count(errs) - before;
}

void cfg_allocs_free(cfg_allocs *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptrs[i]);
    free(a->ptrs);
    a->ptrs = NULL;
    a->n = 0;
}
