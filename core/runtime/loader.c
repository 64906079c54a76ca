/*
 * loader.c: dlopen plugins and refuse the ones the host cannot trust.
 */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/log.h"

const char *kind_name(otelc_kind kind)
{
    switch (kind) {
    case OTELC_RECEIVER: return "receiver";
    case OTELC_PROCESSOR: return "processor";
    case OTELC_EXPORTER: return "exporter";
    case OTELC_EXTENSION: return "extension";
    case OTELC_CONNECTOR: return "connector";
    }
    return "?";
}

const char *signal_name(otelc_signal s)
{
    return s == OTELC_METRICS ? "metrics" : s == OTELC_LOGS ? "logs" : "traces";
}

/* Whether descriptor d is new enough to have the member ending at end. */
static bool covers(const otelc_plugin *d, size_t end)
{
    return d->struct_size >= end;
}

#define MEMBER_END(m) (offsetof(otelc_plugin, m) + sizeof(((otelc_plugin *)0)->m))

static const otelc_connect *connects_of(const otelc_plugin *d)
{
    return d->kind == OTELC_CONNECTOR && covers(d, MEMBER_END(connects)) ? d->connects : NULL;
}

uint32_t plugin_signals(const otelc_plugin *d, otelc_kind side)
{
    if (d->kind == OTELC_EXTENSION)
        return 0;
    if (d->kind == OTELC_CONNECTOR) {
        uint32_t mask = 0;
        for (const otelc_connect *c = connects_of(d); c && c->in; c++)
            mask |= side == OTELC_RECEIVER ? (uint32_t)c->out : (uint32_t)c->in;
        return mask;
    }
    uint32_t mask = covers(d, MEMBER_END(signals)) ? d->signals & OTELC_ALL_SIGNALS : 0;
    return mask ? mask : OTELC_TRACES;
}

bool plugin_connects(const otelc_plugin *d, otelc_signal in, otelc_signal out)
{
    for (const otelc_connect *c = connects_of(d); c && c->in; c++)
        if (c->in == in && c->out == out)
            return true;
    return false;
}

static void refuse(plugin_registry *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void refuse(plugin_registry *r, char *err, size_t errlen, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    char **grown = realloc(r->refusals, (r->nrefusals + 1) * sizeof(char *));
    if (!grown)
        return;
    r->refusals = grown;
    r->refusals[r->nrefusals] = strdup(msg);
    if (r->refusals[r->nrefusals])
        r->nrefusals++;
}

/* A component type as configs spell it: [a-zA-Z][a-zA-Z0-9_]{0,62}. */
static int type_valid(const char *t)
{
    if (!t || !((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z')))
        return 0;
    size_t n = 1;
    for (; t[n]; n++) {
        char c = t[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return n <= 63;
}

const plugin_entry *registry_find(const plugin_registry *r, otelc_kind kind, const char *type)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].desc->kind == kind && strcmp(r->items[i].desc->type, type) == 0)
            return &r->items[i];
    return NULL;
}

/* The descriptor checks after the symbol was found, in the documented order. */
static int check_desc(plugin_registry *r, const char *path, const otelc_plugin *d, char *err,
                      size_t errlen)
{
    const unsigned hmaj = OTELC_ABI_MAJOR, hmin = OTELC_ABI_MINOR;
    if (d->abi_major != hmaj) {
        refuse(r, err, errlen, "%s: ABI major version differs (plugin ABI %u.%u, host ABI %u.%u)",
               path, d->abi_major, d->abi_minor, hmaj, hmin);
        return -1;
    }
    if (d->abi_minor > hmin) {
        refuse(r, err, errlen,
               "%s: plugin needs a newer host (plugin ABI %u.%u, host ABI %u.%u)", path,
               d->abi_major, d->abi_minor, hmaj, hmin);
        return -1;
    }
    if (d->struct_size < OTELC_PLUGIN_V1_0_SIZE) {
        refuse(r, err, errlen,
               "%s: descriptor too small: %u bytes, ABI 1.0 needs %zu (plugin ABI %u.%u, host "
               "ABI %u.%u)",
               path, d->struct_size, (size_t)OTELC_PLUGIN_V1_0_SIZE, d->abi_major, d->abi_minor,
               hmaj, hmin);
        return -1;
    }
    if (d->kind < OTELC_RECEIVER || d->kind > OTELC_CONNECTOR || !type_valid(d->type) ||
        !d->create || !d->destroy || (d->kind == OTELC_CONNECTOR && !connects_of(d))) {
        refuse(r, err, errlen,
               "%s: descriptor has no valid kind, type, create, destroy or (connectors) connects "
               "(plugin ABI %u.%u, "
               "host ABI %u.%u)",
               path, d->abi_major, d->abi_minor, hmaj, hmin);
        return -1;
    }
    const plugin_entry *dup = registry_find(r, d->kind, d->type);
    if (dup) {
        refuse(r, err, errlen, "%s: %s type \"%s\" is already provided by %s (plugin ABI %u.%u, "
               "host ABI %u.%u)", path, kind_name(d->kind), d->type, dup->path, d->abi_major,
               d->abi_minor, hmaj, hmin);
        return -1;
    }
    return 0;
}

static int registry_add(plugin_registry *r, const char *path, const otelc_plugin *d, int builtin)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        plugin_entry *grown = realloc(r->items, cap * sizeof(*grown));
        if (!grown)
            return -1;
        r->items = grown;
        r->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    r->items[r->n++] = (plugin_entry){.path = copy, .desc = d, .builtin = builtin};
    return 0;
}

int loader_add_builtin(plugin_registry *r, const otelc_plugin *desc)
{
    if (check_desc(r, "(built in)", desc, NULL, 0) != 0)
        return -1;
    return registry_add(r, "(built in)", desc, 1);
}

int loader_load_file(plugin_registry *r, const char *path, char *err, size_t errlen)
{
    const unsigned hmaj = OTELC_ABI_MAJOR, hmin = OTELC_ABI_MINOR;
    /* NODELETE: a plugin's threads or atexit hooks may outlive any close. */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h) {
        refuse(r, err, errlen, "%s: cannot load: %s (host ABI %u.%u)", path, dlerror(), hmaj,
               hmin);
        return -1;
    }
    otelc_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, OTELC_PLUGIN_ENTRY);
    if (!entry) {
        refuse(r, err, errlen, "%s: no %s symbol: not an otelc plugin (host ABI %u.%u)", path,
               OTELC_PLUGIN_ENTRY, hmaj, hmin);
        return -1;
    }
    const otelc_plugin *d = entry();
    if (!d) {
        refuse(r, err, errlen, "%s: %s returned no descriptor (host ABI %u.%u)", path,
               OTELC_PLUGIN_ENTRY, hmaj, hmin);
        return -1;
    }
    if (check_desc(r, path, d, err, errlen) != 0)
        return -1;
    if (registry_add(r, path, d, 0) != 0) {
        refuse(r, err, errlen, "%s: out of memory", path);
        return -1;
    }
    otelc_log(OTELC_LOG_DEBUG, "loader", "loaded %s %s %s from %s", kind_name(d->kind), d->type,
              d->version ? d->version : "", path);
    return 0;
}

static int ends_with_so(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int loader_scan_dir(plugin_registry *r, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        otelc_log(OTELC_LOG_ERROR, "loader", "cannot read plugin directory %s", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!ends_with_so(e->d_name))
            continue;
        char **grown = realloc(names, (n + 1) * sizeof(char *));
        if (!grown)
            break;
        names = grown;
        if ((names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(char *), cmp_names);
    int loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096], err[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (loader_load_file(r, path, err, sizeof(err)) == 0)
            loaded++;
        else
            otelc_log(OTELC_LOG_ERROR, "loader", "%s", err);
        free(names[i]);
    }
    free(names);
    return loaded;
}

void registry_free(plugin_registry *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].path);
    for (size_t i = 0; i < r->nrefusals; i++)
        free(r->refusals[i]);
    free(r->items);
    free(r->refusals);
    *r = (plugin_registry){0};
}
