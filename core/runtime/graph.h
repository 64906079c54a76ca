/*
 * graph.h: from a checked config and a plugin registry to instances wired
 * into pipelines. Main thread only.
 */
#ifndef OTELC_CORE_GRAPH_H
#define OTELC_CORE_GRAPH_H

#include "config/config.h"
#include "pipeline.h"

struct host {
    const otelc_config *cfg;
    plugin_registry *reg;
    otelc_ctx **comps; /* every instance, in creation order */
    size_t ncomps;
    host_pipeline *pipes;
    size_t npipes;
    struct metrics_registry *metrics;
    struct health_model *health;
    struct admin_server *admin;
    atomic_bool shutting_down;
    bool validating; /* `otelc validate`: create() runs, nothing binds or opens */
    struct host_service *services; /* service_provide's offers (main thread) */
    size_t nservices;
    atomic_flag releasing;         /* a memory_release is running */
    struct host_guard *guards;     /* host_serve.c: endpoints' authenticators */
};

/* Resolves every component of cfg against reg, checks and fills each
 * instance's config, and wires the pipelines: no plugin code runs. All
 * problems (unknown type, unknown key, wrong type, collector key not
 * supported yet) go to errs with file, line and column. Returns 0 or -1. */
int graph_build(host *h, const otelc_config *cfg, plugin_registry *reg, otelc_errors *errs);

/* Checks every pipeline's components against its signal and the
 * connectors' rules (used on both sides, with a pair they join, no
 * cycle); errors at the list entries' positions (graph_signals.c). */
void graph_check_signals(host *h, otelc_errors *errs);

/* Whether c is among the n instances of list. */
bool graph_listed(otelc_ctx *const *list, size_t n, const otelc_ctx *c);
/* Whether connector c, an exporter in pipeline `from`, feeds pipeline
 * `to`: a receiver there, with a signal pair it joins. */
bool graph_joins(const otelc_ctx *c, const host_pipeline *from, const host_pipeline *to);

/* pipeline_storage (ABI 1.2, graph_storage.c): the storage extension id
 * (the config's string, living as long as h->cfg) in which every exporter
 * reached from c keeps its sending queue, or NULL with the reason in why
 * (the first exporter that queues elsewhere, or c's kind). */
const char *graph_pipeline_storage(const otelc_ctx *c, char *why, size_t why_size);

/* Frees instances' host-side memory (after their destroy ran). */
void graph_free(host *h);

/* One service an extension offers (host_api.c). */
typedef struct host_service {
    const char *kind;       /* static: an OTELC_SERVICE_* the host knows */
    otelc_ctx *provider;
    const void *vtable;
    void *state;
} host_service;

#endif
