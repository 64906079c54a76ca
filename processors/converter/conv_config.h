/*
 * conv_config.h: the converter's keys and reading them into a conv_spec.
 */
#ifndef OTELC_PROC_CONV_CONFIG_H
#define OTELC_PROC_CONV_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "conv_rules.h"

typedef struct cv_cfg {
    bool semconv_upgrade;
    const otelc_node *renames;       /* [{from, to}] */
    otelc_strlist delete_keys;
    const otelc_node *from_resource; /* [key | {key, action}] */
    const otelc_node *to_resource;
    const otelc_node *coerce;        /* [{key, to}] */
    int64_t max_attributes_per_span;
    int64_t max_attribute_value_length;
    int64_t max_events_per_span;
    int64_t max_links_per_span;
} cv_cfg;

extern const otelc_cfg_key cv_config_keys[];

/* The arrays a spec read from config points into. */
typedef struct cv_spec_store {
    conv_rename_spec *renames;
    conv_key_action *from_resource, *to_resource;
    conv_coerce_spec *coerce;
} cv_spec_store;

/*
 * Reads cfg (filled by the host) into spec, whose arrays are allocated
 * into store and whose strings are the config's (they live until
 * destroy). Returns 0, or -1 after reporting each error through
 * api->config_error at its position. Create only.
 */
int cv_config_read(otelc_ctx *ctx, const otelc_host_api *api, const cv_cfg *cfg,
                   conv_spec *spec, cv_spec_store *store);
void cv_spec_store_free(cv_spec_store *store);

#endif
