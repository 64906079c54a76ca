/*
 * graph_signals.c: what a pipeline of one signal may hold, and the
 * collector's rules for connectors: each is used as an exporter in some
 * pipeline and as a receiver in another, with a signal pair it joins,
 * and the pipelines they join form no cycle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

/* The signals d handles, as "traces, metrics". */
static void signal_list(uint32_t mask, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t s = OTELC_TRACES; s <= OTELC_LOGS; s <<= 1)
        if (mask & s)
            used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s",
                                     used ? ", " : "", signal_name((otelc_signal)s));
}

/* One list of one pipeline: every component must handle its signal. */
static void check_list(const otelc_component_list *refs, otelc_ctx *const *ctxs, otelc_kind side,
                       const host_pipeline *p, otelc_errors *errs)
{
    for (size_t i = 0; i < refs->count; i++) {
        const otelc_plugin *d = ctxs[i]->plugin->desc;
        uint32_t mask = plugin_signals(d, side);
        if (d->kind == OTELC_CONNECTOR || (mask & p->signal))
            continue;
        char handles[64];
        signal_list(mask, handles, sizeof(handles));
        otelc_errors_add_value(errs, refs->items[i].ref,
                               "%s \"%s\" does not support %s (pipeline \"%s\"): telemetry "
                               "type is not supported; it handles %s",
                               kind_name(d->kind), refs->items[i].id, signal_name(p->signal),
                               p->id, handles);
    }
}

bool graph_listed(otelc_ctx *const *list, size_t n, const otelc_ctx *c)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == c)
            return true;
    return false;
}

bool graph_joins(const otelc_ctx *c, const host_pipeline *from, const host_pipeline *to)
{
    return graph_listed(to->receivers, to->nrecv, c) &&
           plugin_connects(c->plugin->desc, from->signal, to->signal);
}

/* Whether connector c, used as `side` in pipeline p, has a counterpart:
 * a pipeline where it is the other side with a pair it joins. */
static bool has_counterpart(const host *h, const otelc_ctx *c, const host_pipeline *p,
                            otelc_kind side)
{
    for (size_t i = 0; i < h->npipes; i++) {
        const host_pipeline *q = &h->pipes[i];
        bool exporter_in_q = graph_listed(q->exporters, q->nexp, c);
        if (side == OTELC_EXPORTER ? graph_joins(c, p, q) : exporter_in_q && graph_joins(c, q, p))
            return true;
    }
    return false;
}

static void check_connectors(const host *h, const otelc_component_list *refs,
                             otelc_ctx *const *ctxs, otelc_kind side, const host_pipeline *p,
                             otelc_errors *errs)
{
    for (size_t i = 0; i < refs->count; i++) {
        if (!refs->items[i].connector || has_counterpart(h, ctxs[i], p, side))
            continue;
        bool exp = side == OTELC_EXPORTER;
        otelc_errors_add_value(errs, refs->items[i].ref,
                               "connector \"%s\" used as %s in %s pipeline but not used in any "
                               "supported %s pipeline",
                               refs->items[i].id, exp ? "exporter" : "receiver",
                               signal_name(p->signal), exp ? "receiver" : "exporter");
    }
}

/* ---- cycles: pipelines joined by connectors ---- */

enum { WHITE, GREY, BLACK };

typedef struct walk {
    const host *h;
    unsigned char *color;
    size_t *path; /* pipeline indexes from the walk's start */
    size_t depth;
} walk;

/* The connector that joins pipeline a to pipeline b. */
static const otelc_ctx *joiner(const host *h, size_t a, size_t b)
{
    const host_pipeline *from = &h->pipes[a], *to = &h->pipes[b];
    for (size_t i = 0; i < from->nexp; i++)
        if (from->exporters[i]->plugin->desc->kind == OTELC_CONNECTOR &&
            graph_joins(from->exporters[i], from, to))
            return from->exporters[i];
    return NULL;
}

/* "pipeline "a" -> connector "x" -> pipeline "b" ..." from path[at] back to b. */
static void report_cycle(const walk *w, size_t at, size_t back, otelc_errors *errs)
{
    char text[1024];
    size_t used = 0;
    for (size_t i = at; i < w->depth; i++) {
        size_t a = w->path[i], b = i + 1 < w->depth ? w->path[i + 1] : back;
        used += (size_t)snprintf(text + used, used < sizeof(text) ? sizeof(text) - used : 0,
                                 "pipeline \"%s\" -> connector \"%s\" -> ", w->h->pipes[a].id,
                                 joiner(w->h, a, b)->id);
    }
    otelc_errors_add_key(errs, w->h->cfg->pipelines[back].node, "cycle detected: %spipeline "
                         "\"%s\"", text, w->h->pipes[back].id);
}

static bool visit(walk *w, size_t p, otelc_errors *errs)
{
    w->color[p] = GREY;
    w->path[w->depth++] = p;
    for (size_t q = 0; q < w->h->npipes; q++) {
        if (!joiner(w->h, p, q) || w->color[q] == BLACK)
            continue;
        if (w->color[q] == GREY) {
            size_t at = 0;
            while (w->path[at] != q)
                at++;
            report_cycle(w, at, q, errs);
            return false;
        }
        if (!visit(w, q, errs))
            return false;
    }
    w->depth--;
    w->color[p] = BLACK;
    return true;
}

static void check_cycles(const host *h, otelc_errors *errs)
{
    walk w = {.h = h, .color = calloc(h->npipes + 1, 1),
              .path = calloc(h->npipes + 1, sizeof(size_t))};
    for (size_t p = 0; w.color && w.path && p < h->npipes; p++)
        if (w.color[p] == WHITE && !visit(&w, p, errs))
            break;
    free(w.color);
    free(w.path);
}

void graph_check_signals(host *h, otelc_errors *errs)
{
    for (size_t i = 0; i < h->npipes; i++) {
        const otelc_pipeline *cp = &h->cfg->pipelines[i];
        const host_pipeline *p = &h->pipes[i];
        if (!p->signal)
            continue; /* an unknown signal, reported with the config's errors */
        check_list(&cp->receivers, p->receivers, OTELC_RECEIVER, p, errs);
        check_list(&cp->processors, p->processors, OTELC_PROCESSOR, p, errs);
        check_list(&cp->exporters, p->exporters, OTELC_EXPORTER, p, errs);
        check_connectors(h, &cp->receivers, p->receivers, OTELC_RECEIVER, p, errs);
        check_connectors(h, &cp->exporters, p->exporters, OTELC_EXPORTER, p, errs);
    }
    if (otelc_errors_count(errs) == 0)
        check_cycles(h, errs);
}
