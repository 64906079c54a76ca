/* The loaded config: the merged, expanded tree of every --config file,
 * checked for the collector's shape (sections, component ids, service,
 * pipelines), and the small model the host builds its pipeline graph
 * from. Each component's own keys are not checked here: its node stays
 * reachable for the plugin's key table.
 *
 * A loaded config is read-only; any thread may read it. Everything it
 * points to (ids, nodes, file names) lives until otelc_config_free(). */
#ifndef OTELC_CONFIG_H
#define OTELC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_error.h"
#include "config_node.h"
#include "config_server.h"

/* ^[a-zA-Z][0-9a-zA-Z_]{0,62}$: a component type fits in 64 bytes. */
#define OTELC_COMPONENT_TYPE_MAX 63

#define OTELC_ADMIN_DEFAULT_ENDPOINT "localhost:13133"
#define OTELC_SHUTDOWN_TIMEOUT_DEFAULT_NS (30LL * 1000000000LL)

/* One component named in a pipeline or in service.extensions. */
typedef struct otelc_component_ref {
    const char *id;                          /* "batch/fast" */
    char type[OTELC_COMPONENT_TYPE_MAX + 1]; /* "batch" */
    const char *name;                        /* "fast" (inside id), or NULL */
    const otelc_node *config;                /* its node in its section; may
                                                be an empty value */
    const otelc_node *ref;                   /* where the list names it */
    bool connector; /* a receiver or exporter list names an id of connectors */
} otelc_component_ref;

typedef struct otelc_component_list {
    otelc_component_ref *items;
    size_t count;
} otelc_component_list;

typedef struct otelc_pipeline {
    const char *id;   /* "traces" or "traces/name" */
    const char *name; /* "name" (inside id), or NULL */
    otelc_signal signal; /* what it carries, by its id's type */
    const otelc_node *node;
    otelc_component_list receivers;
    otelc_component_list processors; /* in order; may be empty */
    otelc_component_list exporters;
} otelc_pipeline;

/* service.telemetry, values checked; NULL where the config is silent. */
typedef struct otelc_telemetry {
    const char *log_level;           /* logs.level: debug|info|warn|error */
    const char *metrics_level;       /* metrics.level: none|basic|normal|detailed */
    const char *metrics_address;     /* metrics.address */
    const otelc_node *metrics_readers; /* metrics.readers (a list), shape only */
} otelc_telemetry;

typedef struct otelc_config {
    otelc_node *root;                /* the merged tree */
    char **files;                    /* names of the files, in load order */
    size_t n_files;
    otelc_pipeline *pipelines;       /* in document order */
    size_t n_pipelines;
    otelc_component_list extensions; /* service.extensions, in order */
    bool admin_enabled;              /* service.admin.enabled, default true */
    const char *admin_endpoint;      /* service.admin.endpoint */
    otelc_http_server admin_server;  /* service.admin.tls and .auth */
    int64_t shutdown_timeout_ns;     /* service.shutdown_timeout, default 30s */
    otelc_telemetry telemetry;
} otelc_config;

/* Loads `files[0..n_files)` (later files merge over earlier ones), expands
 * `${env:...}`, and checks the shape. Returns a new config (the caller's,
 * freed with otelc_config_free()), or NULL when anything is wrong: then
 * `errs` holds every problem found, one "FILE:LINE:COL: ..." line each.
 * `files` is only read during the call. Warnings (unset variables) go to
 * the logger. */
otelc_config *otelc_config_load(const char *const *files, size_t n_files, otelc_errors *errs);

/* The same, but a config whose shape has errors is still returned (with
 * the errors in `errs`) when its tree is a map, so that the plugin checks
 * can add theirs and one run names every problem; NULL only when nothing
 * usable was read. Such a config must never run. */
otelc_config *otelc_config_load_all(const char *const *files, size_t n_files,
                                    otelc_errors *errs);

/* Frees the config, its tree and its model; NULL is fine. */
void otelc_config_free(otelc_config *cfg);

/* A section of the merged tree ("receivers", "exporters", ...) or NULL. */
const otelc_node *otelc_config_section(const otelc_config *cfg, const char *section);

#endif
