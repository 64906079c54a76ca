/*
 * plugin_config.h: checks a component's config against its plugin's key
 * table and fills the plugin's config struct (otelc/plugin.h,
 * otelc_cfg_key). Main thread, before create().
 */
#ifndef OTELC_CORE_PLUGIN_CONFIG_H
#define OTELC_CORE_PLUGIN_CONFIG_H

#include <otelc/plugin.h>

#include "config/config_error.h"
#include "config/config_node.h"

/* Memory a filled config holds (string-list arrays); freed with it. */
typedef struct cfg_allocs {
    void **ptrs;
    size_t n;
} cfg_allocs;

/* Fills cfg (config_size zeroed bytes, caller-owned) with defaults, then
 * with node's values. Keys listed in host_keys (NULL-terminated; may be
 * NULL) are the host's and skipped. Every problem is added to errs with
 * file, line, column and key; returns the number of problems. Strings
 * stored in cfg point into the config tree or the key table. */
size_t plugin_config_fill(const otelc_plugin *d, const otelc_node *node,
                          const char *const *host_keys, void *cfg, cfg_allocs *allocs,
                          otelc_errors *errs);

void cfg_allocs_free(cfg_allocs *a);

#endif
