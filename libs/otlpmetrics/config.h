/*
 * config.h: config shapes the metrics connectors share, read from the
 * host's config nodes in create (the node_* services belong to create).
 *
 * Errors are reported with api->config_error at the offending node, so
 * the message names file, line, column and key; the functions return -1
 * after reporting. What they allocate is the caller's, freed with the
 * matching *_free (or free() where said).
 */
#ifndef OTLPMETRICS_CONFIG_H
#define OTLPMETRICS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <otelc/plugin.h>

/* A dimension: a span (or resource, or event) attribute's name, and the
 * value used when no attribute has it (none: the dimension is left out). */
typedef struct otlpm_dim {
    const char *name; /* the config's string, alive until destroy */
    const char *dflt; /* NULL: no default */
} otlpm_dim;

typedef struct otlpm_dims {
    size_t n;
    otlpm_dim *v; /* malloc'ed */
} otlpm_dims;

/* A list of {name, default} maps (NULL node: an empty list). */
int otlpm_dims_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                     otlpm_dims *out);
void otlpm_dims_free(otlpm_dims *d);

/* A list of durations ("2ms", "1s") as multiples of unit_ns, ascending;
 * *out malloc'ed (free()), *n its length. NULL node: *out NULL, *n 0. */
int otlpm_durations_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                          double unit_ns, double **out, size_t *n);

/* Whether the instance's config map has key path (dots between levels,
 * "histogram.exponential"), whatever its value. */
bool otlpm_config_has(otelc_ctx *ctx, const otelc_host_api *api, const char *path);
/* The node at path in the instance's config, or NULL. */
const otelc_node *otlpm_config_at(otelc_ctx *ctx, const otelc_host_api *api, const char *path);

#endif /* OTLPMETRICS_CONFIG_H */
