/* The collector's config shape: top-level sections, component ids and
 * the service section; pipelines and telemetry have files of their own. */
#include "config_shape.h"

#include <stdlib.h>
#include <string.h>

#include "config_ids.h"
#include "config_value.h"

static const char *const component_sections[] = {"receivers", "processors", "exporters",
                                                  "extensions", "connectors", NULL};

static bool is_component_section(const char *key)
{
    for (size_t i = 0; component_sections[i] != NULL; i++) {
        if (strcmp(component_sections[i], key) == 0)
            return true;
    }
    return false;
}

/* Every key of a section must be a component id whose value is a map (or
 * empty: all defaults). */
static void check_section(const otelc_node *section, otelc_errors *errs)
{
    char type[OTELC_COMPONENT_TYPE_MAX + 1];
    const char *name;

    if (otelc_cfg_map(section, errs) != OTELC_CFG_OK)
        return;
    for (const otelc_node *c = otelc_node_first(section); c != NULL; c = otelc_node_next(c)) {
        const char *why = otelc_component_id_parse(otelc_node_key(c), type, sizeof(type), &name);

        if (why != NULL)
            otelc_errors_add_key(errs, c, "invalid component id '%s': %s", otelc_node_key(c),
                                 why);
        else
            otelc_cfg_map(c, errs);
    }
}

static void check_top_level(const otelc_node *root, otelc_errors *errs)
{
    for (const otelc_node *c = otelc_node_first(root); c != NULL; c = otelc_node_next(c)) {
        const char *key = otelc_node_key(c);

        if (is_component_section(key))
            check_section(c, errs);
        else if (strcmp(key, "service") != 0)
            otelc_errors_add_key(errs, c,
                                 "unknown key; the top level holds receivers, processors, "
                                 "exporters, connectors, extensions and service");
    }
}

/* service.admin: otelc's own HTTP server (health, metrics, queries),
 * with confighttp's tls and auth. */
static void check_admin(otelc_config *cfg, const otelc_node *admin, otelc_errors *errs)
{
    static const char *const keys[] = {"enabled", "endpoint", "tls", "auth", NULL};

    if (otelc_cfg_map(admin, errs) != OTELC_CFG_OK)
        return;
    otelc_cfg_check_keys(admin, keys, errs);
    otelc_cfg_bool(otelc_node_child(admin, "enabled"), errs, &cfg->admin_enabled);
    otelc_cfg_string(otelc_node_child(admin, "endpoint"), errs, &cfg->admin_endpoint);
    otelc_http_server_read(otelc_node_child(admin, "tls"), otelc_node_child(admin, "auth"),
                           &cfg->admin_server, errs);
}

static void check_service(otelc_config *cfg, const otelc_node *service, otelc_errors *errs)
{
    static const char *const keys[] = {"extensions", "pipelines", "telemetry", "admin",
                                       "shutdown_timeout", NULL};

    if (service == NULL) {
        otelc_errors_add_pos(errs, otelc_node_pos(cfg->root),
                             "no service section; otelc needs service.pipelines");
        return;
    }
    if (otelc_cfg_map(service, errs) == OTELC_CFG_ERROR)
        return;
    otelc_cfg_check_keys(service, keys, errs);
    otelc_config_resolve_list(cfg, otelc_node_child(service, "extensions"), "extensions",
                              "extension", &cfg->extensions, errs);
    otelc_config_check_pipelines(cfg, service, otelc_node_child(service, "pipelines"), errs);
    otelc_config_check_telemetry(cfg, otelc_node_child(service, "telemetry"), errs);
    check_admin(cfg, otelc_node_child(service, "admin"), errs);
    otelc_cfg_duration(otelc_node_child(service, "shutdown_timeout"), errs, false,
                       &cfg->shutdown_timeout_ns);
}

int otelc_config_check_shape(otelc_config *cfg, otelc_errors *errs)
{
    size_t before = otelc_errors_count(errs);

    cfg->admin_enabled = true;
    cfg->admin_endpoint = OTELC_ADMIN_DEFAULT_ENDPOINT;
    otelc_http_server_read(NULL, NULL, &cfg->admin_server, errs);
    cfg->shutdown_timeout_ns = OTELC_SHUTDOWN_TIMEOUT_DEFAULT_NS;
    if (otelc_cfg_map(cfg->root, errs) == OTELC_CFG_ERROR)
        return -1;
    check_top_level(cfg->root, errs);
    check_service(cfg, otelc_node_child(cfg->root, "service"), errs);
    return otelc_errors_count(errs) > before ? -1 : 0;
}

void otelc_config_free_model(otelc_config *cfg)
{
    for (size_t i = 0; i < cfg->n_pipelines; i++) {
        free(cfg->pipelines[i].receivers.items);
        free(cfg->pipelines[i].processors.items);
        free(cfg->pipelines[i].exporters.items);
    }
    free(cfg->pipelines);
    free(cfg->extensions.items);
    cfg->pipelines = NULL;
    cfg->n_pipelines = 0;
    cfg->extensions.items = NULL;
    cfg->extensions.count = 0;
}
