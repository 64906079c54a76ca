/*
 * zpages.c: the collector's zpages extension, accepted so that collector
 * configs run unchanged. The collector serves in-process debug pages
 * (/debug/tracez, /debug/pipelinez, ...); otelc has no such pages: the
 * extension checks its keys, opens nothing and says so once at start,
 * naming what otelc offers instead (/health, /metrics).
 */
#include <stdbool.h>
#include <stdlib.h>

#include <otelc/plugin.h>

typedef struct zpages_cfg {
    const char *endpoint;
    bool expvar_enabled;
} zpages_cfg;

typedef struct zpages {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const zpages_cfg *cfg;
} zpages;

static int zpages_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg,
                         void **state)
{
    zpages *z = calloc(1, sizeof(*z));
    if (!z)
        return -1;
    *z = (zpages){ctx, api, cfg};
    *state = z;
    return 0;
}

static int zpages_start(void *state)
{
    zpages *z = state;
    z->api->log(z->ctx, OTELC_LOG_WARN, "otelc serves no zPages: %s is not opened (the admin "
                "server's /health and /metrics tell what zPages would)", z->cfg->endpoint);
    return 0;
}

static void zpages_destroy(void *state)
{
    free(state);
}

static const otelc_cfg_key zpages_keys[] = {
    {"endpoint", OTELC_CFG_STRING, "localhost:55679", "where the collector serves zPages",
     offsetof(zpages_cfg, endpoint), 0},
    {"expvar", OTELC_CFG_SECTION, NULL, "Go's expvar page", 0, 0},
    {"expvar.enabled", OTELC_CFG_BOOL, "false", "serve /debug/expvarz",
     offsetof(zpages_cfg, expvar_enabled), 0},
    {0},
};

static const otelc_plugin zpages_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = "zpages",
    .version = OTELC_VERSION,
    .doc = "the collector's zpages extension: keys accepted, no pages to serve",
    .config_keys = zpages_keys,
    .config_size = sizeof(zpages_cfg),
    .create = zpages_create,
    .start = zpages_start,
    .destroy = zpages_destroy,
};

OTELC_PLUGIN(zpages_desc)
