/*
 * graph_storage.c: the storage extension the exporters downstream of an
 * instance keep their sending queues in (pipeline_storage, ABI 1.2). A
 * component that must hold data (tail_sampling's traces awaiting a
 * decision) keeps it there and is then exactly as durable as the queues
 * it feeds: one answer for all of them, or none. A connector holds
 * nothing (no host queue in front of it, as in the collector), so the
 * question passes through it to the pipelines it feeds.
 */
#include <stdio.h>
#include <string.h>

#include "graph.h"

typedef struct storage_walk {
    const host *h;
    const char *id; /* what every exporter met so far names; NULL: none met yet */
    char *why;      /* why there is no answer */
    size_t why_size;
    size_t depth; /* pipelines on the way: more than there are is a cycle */
} storage_walk;

static bool walk_pipeline(storage_walk *w, const host_pipeline *p);

static bool walk_connector(storage_walk *w, const host_pipeline *from, const otelc_ctx *c)
{
    bool feeds = false;
    for (size_t i = 0; i < w->h->npipes; i++) {
        const host_pipeline *to = &w->h->pipes[i];
        if (!graph_joins(c, from, to))
            continue;
        feeds = true;
        if (!walk_pipeline(w, to))
            return false;
    }
    if (!feeds)
        snprintf(w->why, w->why_size, "connector \"%s\" feeds no pipeline", c->id);
    return feeds;
}

static bool walk_exporter(storage_walk *w, const host_pipeline *p, const otelc_ctx *e)
{
    if (e->plugin->desc->kind == OTELC_CONNECTOR)
        return walk_connector(w, p, e);
    const char *storage = e->qcfg.enabled ? e->qcfg.storage : NULL;
    if (!storage) {
        snprintf(w->why, w->why_size, "exporter \"%s\" %s", e->id,
                 e->qcfg.enabled ? "queues in memory" : "has no sending queue");
        return false;
    }
    if (w->id && strcmp(w->id, storage) != 0) {
        snprintf(w->why, w->why_size, "exporter \"%s\" queues in %s, another one in %s", e->id,
                 storage, w->id);
        return false;
    }
    w->id = storage;
    return true;
}

static bool walk_pipeline(storage_walk *w, const host_pipeline *p)
{
    if (++w->depth > w->h->npipes) { /* graph_check_signals refuses cycles: never here */
        snprintf(w->why, w->why_size, "connectors form a cycle");
        return false;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < p->nexp; i++)
        ok = walk_exporter(w, p, p->exporters[i]);
    w->depth--;
    return ok;
}

/* Whether c's output enters pipeline p: a processor's own, a receiver's
 * or a connector's. */
static bool feeds(const otelc_ctx *c, const host_pipeline *p)
{
    otelc_kind k = c->plugin->desc->kind;
    if (k == OTELC_PROCESSOR)
        return graph_listed(p->processors, p->nproc, c);
    return (k == OTELC_RECEIVER || k == OTELC_CONNECTOR) &&
           graph_listed(p->receivers, p->nrecv, c);
}

const char *graph_pipeline_storage(const otelc_ctx *c, char *why, size_t why_size)
{
    storage_walk w = {.h = c->h, .why = why, .why_size = why_size};
    snprintf(why, why_size, "%s \"%s\" feeds no pipeline", kind_name(c->plugin->desc->kind),
             c->id);
    for (size_t i = 0; i < c->h->npipes; i++)
        if (feeds(c, &c->h->pipes[i]) && !walk_pipeline(&w, &c->h->pipes[i]))
            return NULL;
    return w.id;
}
