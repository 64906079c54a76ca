/*
 * builtin_health_check.c: the collector's health_check extension. On the
 * admin address it adds its path to the admin server; on an address of
 * its own it gets a listener that serves only its path.
 */
#include <stdlib.h>

#include "admin.h"
#include "runtime/builtin.h"
#include "queue/builtin_file_storage.h"
#include "runtime/graph.h"
#include "runtime/host_serve.h"

typedef struct health_check_cfg {
    const char *endpoint;
    const char *path;
    const otelc_node *tls; /* confighttp's, read by host_serve */
    const otelc_node *auth;
} health_check_cfg;

static int hc_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    const health_check_cfg *cfg = cfgp;
    otelc_http_server srv;
    *state = NULL;
    if (host_serve_read(ctx, cfg->tls, cfg->auth, &srv) != 0)
        return -1;
    return host_serve_health_check(ctx, cfg->endpoint, cfg->path, &srv);
}

static void hc_destroy(void *state) {}

static const otelc_cfg_key hc_keys[] = {
    {"endpoint", OTELC_CFG_STRING, "localhost:13133", "address to answer on",
     offsetof(health_check_cfg, endpoint), 0},
    {"path", OTELC_CFG_STRING, "/", "path of the health answer", offsetof(health_check_cfg, path),
     0},
    {"tls", OTELC_CFG_NODE, NULL,
     "TLS: cert_file, key_file, client_ca_file, min_version (1.2), max_version",
     offsetof(health_check_cfg, tls), 0},
    {"cors", OTELC_CFG_NODE, NULL, "CORS settings", 0, OTELC_KEY_IGNORED},
    {"auth", OTELC_CFG_NODE, NULL, "authenticator: an extension id (basicauth, bearertokenauth)",
     offsetof(health_check_cfg, auth), 0},
    {"response_body", OTELC_CFG_NODE, NULL, "custom bodies", 0, OTELC_KEY_UNSUPPORTED},
    {"check_collector_pipeline", OTELC_CFG_NODE, NULL, "deprecated in the collector", 0,
     OTELC_KEY_IGNORED},
    {"max_request_body_size", OTELC_CFG_SIZE, NULL, "request body limit", 0, OTELC_KEY_IGNORED},
    {"include_metadata", OTELC_CFG_BOOL, NULL, "keep request metadata", 0, OTELC_KEY_IGNORED},
    {"response_headers", OTELC_CFG_NODE, NULL, "extra headers", 0, OTELC_KEY_UNSUPPORTED},
    {0},
};

static const otelc_plugin health_check_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = "health_check",
    .version = OTELC_VERSION,
    .doc = "the collector's health check answer",
    .config_keys = hc_keys,
    .config_size = sizeof(health_check_cfg),
    .create = hc_create,
    .destroy = hc_destroy,
};

int builtin_register(plugin_registry *reg)
{
    if (loader_add_builtin(reg, &health_check_desc) != 0)
        return -1;
    return loader_add_builtin(reg, &builtin_file_storage_desc);
}
