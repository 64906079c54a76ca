/*
 * tk_config.c: what the host does before create: the ABI check, the key
 * table's checks and the filled config struct; then create itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit_impl.h"

/* An exporter's keys that the host's queue reads; never the plugin's. */
static const char *const exporter_host_keys[] = {"sending_queue", "retry_on_failure", "timeout",
                                                 NULL};

static void *field(void *cfg, const otelc_cfg_key *k)
{
    return (char *)cfg + k->offset;
}

static bool has_field(const otelc_cfg_key *k)
{
    return k->type != OTELC_CFG_SECTION &&
           !(k->flags & (OTELC_KEY_UNSUPPORTED | OTELC_KEY_IGNORED));
}

/* A default is the plugin's own YAML text: one that does not parse is a
 * plugin bug, reported like a config error. */
static void store_default(otelc_test_host *h, const otelc_cfg_key *k, void *cfg)
{
    const char *t = k->dflt, *bad = NULL;
    char *end = NULL;
    switch (k->type) {
    case OTELC_CFG_STRING: *(const char **)field(cfg, k) = t; return;
    case OTELC_CFG_BOOL: *(bool *)field(cfg, k) = strcmp(t, "true") == 0; return;
    case OTELC_CFG_INT: *(int64_t *)field(cfg, k) = strtoll(t, &end, 10); break;
    case OTELC_CFG_DOUBLE: *(double *)field(cfg, k) = strtod(t, &end); break;
    case OTELC_CFG_DURATION: bad = tk_parse_duration(t, (int64_t *)field(cfg, k)); break;
    case OTELC_CFG_SIZE: bad = tk_parse_size(t, (uint64_t *)field(cfg, k)); break;
    default: return;
    }
    if (bad || (end && *end))
        tk_config_error(h, NULL, false, "bad default \"%s\" for key %s", t, k->name);
}

static void store_strlist(otelc_test_host *h, const otelc_cfg_key *k, const otelc_node *v,
                          void *cfg)
{
    if (v->kind == OTELC_NODE_NULL)
        return;
    if (v->kind != OTELC_NODE_LIST) {
        tk_config_error(h, v, false, "expected a list of strings");
        return;
    }
    const char **items = calloc(v->children.n + 1, sizeof(*items));
    if (!items || tk_vec_push(&h->cfg_allocs, (void *)items) != 0) {
        free((void *)items);
        tk_config_error(h, v, false, "out of memory");
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < v->children.n; i++)
        if (tk_read_string(h, v->children.items[i], &items[n]) > 0)
            n++;
    *(otelc_strlist *)field(cfg, k) = (otelc_strlist){n, items};
}

static void store_value(otelc_test_host *h, const otelc_cfg_key *k, const otelc_node *v,
                        void *cfg)
{
    switch (k->type) {
    case OTELC_CFG_STRING: tk_read_string(h, v, (const char **)field(cfg, k)); break;
    case OTELC_CFG_BOOL: tk_read_bool(h, v, (bool *)field(cfg, k)); break;
    case OTELC_CFG_INT: tk_read_int(h, v, (int64_t *)field(cfg, k)); break;
    case OTELC_CFG_DOUBLE: tk_read_double(h, v, (double *)field(cfg, k)); break;
    case OTELC_CFG_DURATION: tk_read_duration(h, v, (int64_t *)field(cfg, k)); break;
    case OTELC_CFG_SIZE: tk_read_size(h, v, (uint64_t *)field(cfg, k)); break;
    case OTELC_CFG_NODE: *(const otelc_node **)field(cfg, k) = v; break;
    case OTELC_CFG_STRLIST: store_strlist(h, k, v, cfg); break;
    default: break;
    }
}

static const otelc_cfg_key *find_row(const otelc_plugin *d, const char *name)
{
    for (const otelc_cfg_key *k = d->config_keys; k && k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static bool is_host_key(const otelc_plugin *d, const char *name)
{
    for (size_t i = 0; d->kind == OTELC_EXPORTER && exporter_host_keys[i]; i++)
        if (strcmp(exporter_host_keys[i], name) == 0)
            return true;
    return false;
}

static const char *kind_name(otelc_kind kind)
{
    static const char *const names[] = {"component", "receiver", "processor", "exporter",
                                        "extension"};
    return (unsigned)kind < 5 ? names[kind] : names[0];
}

static void fill_map(otelc_test_host *h, const otelc_plugin *d, const otelc_node *map,
                     const char *prefix, void *cfg);

static void fill_entry(otelc_test_host *h, const otelc_plugin *d, const otelc_node *c,
                       const char *name, void *cfg)
{
    const otelc_cfg_key *k = find_row(d, name);
    if (!k)
        tk_config_error(h, c, true, "unknown key for %s %s", kind_name(d->kind), d->type);
    else if (k->flags & OTELC_KEY_UNSUPPORTED)
        tk_config_error(h, c, true, "collector key %s is not supported yet", name);
    else if (k->flags & OTELC_KEY_IGNORED)
        tk_log(h, OTELC_LOG_WARN, "config:%u:%u: collector key %s is ignored by otelc",
               c->key_line, c->key_col, name);
    else if (k->type == OTELC_CFG_SECTION && c->kind == OTELC_NODE_MAP)
        fill_map(h, d, c, name, cfg);
    else if (k->type == OTELC_CFG_SECTION && c->kind != OTELC_NODE_NULL)
        tk_config_error(h, c, false, "expected a map");
    else if (k->offset + 1 <= d->config_size)
        store_value(h, k, c, cfg);
}

static void fill_map(otelc_test_host *h, const otelc_plugin *d, const otelc_node *map,
                     const char *prefix, void *cfg)
{
    for (size_t i = 0; i < map->children.n; i++) {
        const otelc_node *c = map->children.items[i];
        char name[512];
        snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", c->key);
        if (!*prefix && is_host_key(d, name))
            continue;
        fill_entry(h, d, c, name, cfg);
    }
}

size_t tk_config_fill(otelc_test_host *h, const otelc_plugin *d, const otelc_node *root,
                      void *cfg)
{
    size_t before = otelc_test_host_config_errors(h);
    for (const otelc_cfg_key *k = d->config_keys; k && k->name; k++)
        if (has_field(k) && k->dflt && k->offset + 1 <= d->config_size)
            store_default(h, k, cfg);
    if (root->kind == OTELC_NODE_MAP)
        fill_map(h, d, root, "", cfg);
    else if (root->kind != OTELC_NODE_NULL)
        tk_config_error(h, root, false, "expected a map");
    return otelc_test_host_config_errors(h) - before;
}

const otelc_node *otelc_test_host_config(otelc_test_host *h, const char *yaml)
{
    otelc_node *root = tk_yaml_parse(h, yaml ? yaml : "");
    if (!root)
        return NULL;
    tk_node_free(h->config);
    h->config = root;
    return root;
}

/* The loader's refusals, with both versions as it names them. */
static int check_abi(otelc_test_host *h, const otelc_plugin *d)
{
    const char *why = NULL;
    if (!d || d->struct_size < offsetof(otelc_plugin, destroy) + sizeof(d->destroy))
        why = "descriptor too small";
    else if (d->abi_major != OTELC_ABI_MAJOR)
        why = "major differs";
    else if (d->abi_minor > OTELC_ABI_MINOR)
        why = "plugin is newer than the host";
    else if (!d->type || !d->create || !d->destroy)
        why = "type, create or destroy missing";
    if (!why)
        return 0;
    tk_error(h, "plugin ABI %u.%u, host ABI %d.%d: %s", d ? d->abi_major : 0,
             d ? d->abi_minor : 0, OTELC_ABI_MAJOR, OTELC_ABI_MINOR, why);
    return -1;
}

/* Parses and fills the config; the struct stays the host's. */
static int prepare_config(otelc_test_host *h, const otelc_plugin *d, const char *yaml)
{
    if (!otelc_test_host_config(h, yaml))
        return -1;
    h->cfg = calloc(1, d->config_size ? d->config_size : 1);
    if (!h->cfg) {
        tk_error(h, "out of memory");
        return -1;
    }
    if (tk_config_fill(h, d, h->config, h->cfg) == 0)
        return 0;
    tk_log(h, OTELC_LOG_ERROR, "%s: config refused; create not called", d->type);
    return -1;
}

int otelc_test_plugin_create(otelc_test_host *h, const otelc_plugin *desc, const char *id,
                             const char *yaml, void **state)
{
    if (h->desc) {
        tk_error(h, "one plugin instance per test host");
        return -1;
    }
    if (check_abi(h, desc) != 0)
        return -1;
    h->desc = desc;
    otelc_test_host_set_ids(h, id ? id : desc->type,
                            desc->kind == OTELC_PROCESSOR ? h->pipeline_id : NULL);
    if (prepare_config(h, desc, yaml) != 0)
        return -1;
    size_t errors = otelc_test_host_config_errors(h);
    int rc = desc->create(&h->ctx, otelc_test_host_api(h), h->cfg, &h->state);
    if (rc != 0) {
        /* A config error create reported says more than this. */
        if (otelc_test_host_config_errors(h) == errors)
            tk_error(h, "%s: create failed", desc->type);
        return -1;
    }
    h->created = true;
    *state = h->state;
    return 0;
}
