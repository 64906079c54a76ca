/* service.telemetry: the collector's logs and metrics shapes. Keys the
 * collector has and otelc does not honour yet are refused where ignoring
 * them would surprise (log output paths) and ignored with a warning where
 * it is harmless (log encoding, the collector's own traces). */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "config_shape.h"
#include "config_value.h"
#include "telemetry/log.h"

typedef enum support { KEY_CHECKED, KEY_IGNORED, KEY_REFUSED } support;

typedef struct known_key {
    const char *key;
    support support;
} known_key;

static const known_key telemetry_keys[] = {
    {"logs", KEY_CHECKED},      {"metrics", KEY_CHECKED}, {"traces", KEY_IGNORED},
    {"resource", KEY_IGNORED},  {NULL, KEY_CHECKED},
};

static const known_key logs_keys[] = {
    {"level", KEY_CHECKED},
    {"development", KEY_IGNORED},
    {"encoding", KEY_IGNORED},
    {"disable_caller", KEY_IGNORED},
    {"disable_stacktrace", KEY_IGNORED},
    {"sampling", KEY_IGNORED},
    {"initial_fields", KEY_IGNORED},
    {"output_paths", KEY_REFUSED},
    {"error_output_paths", KEY_REFUSED},
    {"processors", KEY_REFUSED},
    {NULL, KEY_CHECKED},
};

static const known_key metrics_keys[] = {
    {"level", KEY_CHECKED},   {"address", KEY_CHECKED}, {"readers", KEY_CHECKED},
    {"views", KEY_IGNORED},   {NULL, KEY_CHECKED},
};

static void warn_ignored(const otelc_node *child)
{
    char where[640];

    otelc_errors_prefix(where, sizeof(where), child, true);
    otelc_log(OTELC_LOG_WARN, "config", "%scollector key is not supported yet; ignored", where);
}

/* Reports unknown and refused keys of `map`, warns about ignored ones. */
static void check_keys(const otelc_node *map, const known_key *table, otelc_errors *errs)
{
    for (const otelc_node *c = otelc_node_first(map); c != NULL; c = otelc_node_next(c)) {
        const known_key *k = table;

        while (k->key != NULL && strcmp(k->key, otelc_node_key(c)) != 0)
            k++;
        if (k->key == NULL)
            otelc_cfg_unknown_key(errs, c);
        else if (k->support == KEY_REFUSED)
            otelc_errors_add_key(errs, c, "collector key is not supported yet");
        else if (k->support == KEY_IGNORED)
            warn_ignored(c);
    }
}

/* Reads a string that must be one of `allowed` (any case). */
static const char *read_choice(const otelc_node *node, const char *const *allowed,
                               const char *expected, otelc_errors *errs)
{
    const char *value = NULL;

    if (otelc_cfg_string(node, errs, &value) != OTELC_CFG_OK)
        return NULL;
    for (size_t i = 0; allowed[i] != NULL; i++) {
        if (strcasecmp(value, allowed[i]) == 0)
            return value;
    }
    otelc_errors_add_value(errs, node, "expected %s, got '%s'", expected, value);
    return NULL;
}

static void check_logs(otelc_config *cfg, const otelc_node *logs, otelc_errors *errs)
{
    static const char *const levels[] = {"debug", "info", "warn", "error", NULL};

    if (otelc_cfg_map(logs, errs) != OTELC_CFG_OK)
        return;
    check_keys(logs, logs_keys, errs);
    cfg->telemetry.log_level = read_choice(otelc_node_child(logs, "level"), levels,
                                           "debug, info, warn or error", errs);
}

static void check_readers(const otelc_node *readers, otelc_errors *errs)
{
    if (otelc_cfg_list(readers, errs) != OTELC_CFG_OK)
        return;
    for (const otelc_node *r = otelc_node_first(readers); r != NULL; r = otelc_node_next(r))
        otelc_cfg_map(r, errs);
}

static void check_metrics(otelc_config *cfg, const otelc_node *metrics, otelc_errors *errs)
{
    static const char *const levels[] = {"none", "basic", "normal", "detailed", NULL};
    const otelc_node *readers = otelc_node_child(metrics, "readers");

    if (otelc_cfg_map(metrics, errs) != OTELC_CFG_OK)
        return;
    check_keys(metrics, metrics_keys, errs);
    cfg->telemetry.metrics_level = read_choice(otelc_node_child(metrics, "level"), levels,
                                               "none, basic, normal or detailed", errs);
    otelc_cfg_string(otelc_node_child(metrics, "address"), errs,
                     &cfg->telemetry.metrics_address);
    check_readers(readers, errs);
    cfg->telemetry.metrics_readers = readers;
}

void otelc_config_check_telemetry(otelc_config *cfg, const otelc_node *telemetry,
                                  otelc_errors *errs)
{
    if (otelc_cfg_map(telemetry, errs) != OTELC_CFG_OK)
        return;
    check_keys(telemetry, telemetry_keys, errs);
    check_logs(cfg, otelc_node_child(telemetry, "logs"), errs);
    check_metrics(cfg, otelc_node_child(telemetry, "metrics"), errs);
}
