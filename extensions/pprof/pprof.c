/*
 * pprof.c: the collector's pprof extension, accepted so that collector
 * configs run unchanged. The collector serves Go's net/http/pprof
 * profiles; otelc is not a Go program and has none to serve, so the
 * extension checks its keys, opens nothing and says so once at start.
 * Profile otelc with perf instead (docs/performance.md).
 */
#include <stdint.h>
#include <stdlib.h>

#include <otelc/plugin.h>

typedef struct pprof_cfg {
    const char *endpoint;
    int64_t block_profile_fraction;
    int64_t mutex_profile_fraction;
    const char *save_to_file;
} pprof_cfg;

typedef struct pprof {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const pprof_cfg *cfg;
} pprof;

static int pprof_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    pprof *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    *p = (pprof){ctx, api, cfg};
    *state = p;
    return 0;
}

static int pprof_start(void *state)
{
    pprof *p = state;
    p->api->log(p->ctx, OTELC_LOG_WARN, "otelc serves no Go profiles: %s is not opened%s "
                "(profile otelc with perf)", p->cfg->endpoint,
                p->cfg->save_to_file ? " and save_to_file writes nothing" : "");
    return 0;
}

static void pprof_destroy(void *state)
{
    free(state);
}

static const otelc_cfg_key pprof_keys[] = {
    {"endpoint", OTELC_CFG_STRING, "localhost:1777", "where the collector serves pprof",
     offsetof(pprof_cfg, endpoint), 0},
    {"block_profile_fraction", OTELC_CFG_INT, "0", "Go's block profile rate",
     offsetof(pprof_cfg, block_profile_fraction), 0},
    {"mutex_profile_fraction", OTELC_CFG_INT, "0", "Go's mutex profile fraction",
     offsetof(pprof_cfg, mutex_profile_fraction), 0},
    {"save_to_file", OTELC_CFG_STRING, NULL, "a CPU profile written at exit",
     offsetof(pprof_cfg, save_to_file), 0},
    {0},
};

static const otelc_plugin pprof_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = "pprof",
    .version = OTELC_VERSION,
    .doc = "the collector's pprof extension: keys accepted, no Go profiles to serve",
    .config_keys = pprof_keys,
    .config_size = sizeof(pprof_cfg),
    .create = pprof_create,
    .start = pprof_start,
    .destroy = pprof_destroy,
};

OTELC_PLUGIN(pprof_desc)
