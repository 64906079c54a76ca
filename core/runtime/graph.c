/*
 * graph.c: instances and the wiring between them.
 */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "queue/builtin_file_storage.h"
#include "queue/exporter_cfg.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

static otelc_ctx *find_instance(host *h, otelc_kind kind, const char *id, const char *pipeline)
{
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (c->plugin->desc->kind == kind && strcmp(c->id, id) == 0 &&
            (!pipeline || (c->pipeline && strcmp(c->pipeline, pipeline) == 0)))
            return c;
    }
    return NULL;
}

static int add_comp(host *h, otelc_ctx *c)
{
    otelc_ctx **grown = realloc(h->comps, (h->ncomps + 1) * sizeof(otelc_ctx *));
    if (!grown)
        return -1;
    h->comps = grown;
    h->comps[h->ncomps++] = c;
    return 0;
}

static const char *const exporter_host_keys[] = {"sending_queue", "retry_on_failure", "timeout",
                                                 NULL};

static otelc_ctx *instance_new(host *h, const plugin_entry *pe, const otelc_component_ref *ref,
                               const char *pipeline, otelc_errors *errs)
{
    const otelc_plugin *d = pe->desc;
    otelc_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->magic = OTELC_CTX_MAGIC;
    c->h = h;
    c->plugin = pe;
    c->node = ref->config;
    c->id = strdup(ref->id);
    c->pipeline = pipeline ? strdup(pipeline) : NULL;
    size_t ln = strlen(ref->id) + (pipeline ? strlen(pipeline) + 1 : 0) + 1;
    c->log_name = malloc(ln);
    c->cfg = calloc(1, d->config_size ? d->config_size : 1);
    pthread_mutex_init(&c->consume_mu, NULL);
    pthread_mutex_init(&c->m_transport_mu, NULL);
    atomic_init(&c->m_ntransports, 0);
    atomic_init(&c->wants_resume, false);
    if (add_comp(h, c) != 0 || !c->id || !c->log_name || !c->cfg || (pipeline && !c->pipeline))
        return NULL; /* graph_free reclaims what was added */
    snprintf(c->log_name, ln, "%s%s%s", ref->id, pipeline ? "@" : "", pipeline ? pipeline : "");
    bool exporter = d->kind == OTELC_EXPORTER;
    plugin_config_fill(d, ref->config, exporter ? exporter_host_keys : NULL, c->cfg, &c->allocs,
                       errs);
    if (exporter)
        exporter_cfg_parse(ref->config, &c->qcfg, errs);
    return c;
}

/* Components the collector removed, with its advice, so an old config
 * is told what to write instead of only "unknown". */
static const struct removed {
    otelc_kind kind;
    const char *type, *hint;
} removed[] = {
    /* The collector's own words (its config unmarshalling refuses it so). */
    {OTELC_EXPORTER, "logging", "the logging exporter has been deprecated, use the debug "
                                "exporter instead"},
    {OTELC_EXPORTER, "jaeger", "the collector removed the jaeger exporter: Jaeger takes OTLP, "
                               "use an OTLP exporter instead"},
    {OTELC_EXPORTER, "jaeger_thrift", "the collector removed the jaeger_thrift exporter: Jaeger "
                                      "takes OTLP, use an OTLP exporter instead"},
    {OTELC_PROCESSOR, "spanmetrics", "the collector removed the spanmetrics processor: use the "
                                     "spanmetrics connector instead"},
    {OTELC_PROCESSOR, "queued_retry", "the collector removed the queued_retry processor: every "
                                      "exporter has sending_queue and retry_on_failure"},
    {OTELC_EXTENSION, "memory_ballast", "the collector removed the memory_ballast extension: "
                                        "remove it (memory_limiter bounds memory)"},
};

static const char *removed_hint(otelc_kind kind, const char *type)
{
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
        if (removed[i].kind == kind && strcmp(removed[i].type, type) == 0)
            return removed[i].hint;
    return NULL;
}

/* Names the collector renamed and still accepts with a warning: the
 * deprecated type finds the plugin of the canonical one. */
static const struct renamed {
    otelc_kind kind;
    const char *old_type, *type;
} renamed[] = {
    {OTELC_EXPORTER, "otlphttp", "otlp_http"},
    {OTELC_EXPORTER, "otlp", "otlp_grpc"},
    {OTELC_EXPORTER, "loadbalancing", "load_balancing"},
    {OTELC_CONNECTOR, "spanmetrics", "span_metrics"},
    {OTELC_CONNECTOR, "servicegraph", "service_graph"},
};

/* The plugin for a deprecated type, with the collector's warning. */
static const plugin_entry *renamed_find(host *h, otelc_kind kind, const otelc_component_ref *ref)
{
    for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
        if (renamed[i].kind != kind || strcmp(renamed[i].old_type, ref->type) != 0)
            continue;
        const plugin_entry *pe = registry_find(h->reg, kind, renamed[i].type);
        if (pe) {
            char at[512];
            otelc_errors_prefix(at, sizeof(at), ref->config ? ref->config : ref->ref, true);
            otelc_log(OTELC_LOG_WARN, "config", "%s\"%s\" alias is deprecated; use \"%s\" "
                      "instead", at, renamed[i].old_type, renamed[i].type);
        }
        return pe;
    }
    return NULL;
}

/* The instance for ref in kind's section: shared unless a processor. */
static otelc_ctx *instance_for(host *h, otelc_kind kind, const otelc_component_ref *ref,
                               const char *pipeline, otelc_errors *errs)
{
    const char *pl = kind == OTELC_PROCESSOR ? pipeline : NULL;
    otelc_ctx *c = find_instance(h, kind, ref->id, pl);
    if (c)
        return c;
    const plugin_entry *pe = registry_find(h->reg, kind, ref->type);
    if (!pe)
        pe = renamed_find(h, kind, ref);
    const char *hint = pe ? NULL : removed_hint(kind, ref->type);
    if (hint) {
        otelc_errors_add_key(errs, ref->config ? ref->config : ref->ref, "%s", hint);
        return NULL;
    }
    if (!pe) {
        otelc_errors_add_key(errs, ref->config ? ref->config : ref->ref,
                             "unknown %s type \"%s\": no plugin provides it (see otelc "
                             "components)",
                             kind_name(kind), ref->type);
        return NULL;
    }
    return instance_new(h, pe, ref, pl, errs);
}

static int resolve_list(host *h, otelc_kind kind, const otelc_component_list *l,
                        const char *pipeline, otelc_ctx ***out, size_t *n, otelc_errors *errs)
{
    *out = calloc(l->count ? l->count : 1, sizeof(otelc_ctx *));
    if (!*out)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < l->count; i++) {
        otelc_kind k = l->items[i].connector ? OTELC_CONNECTOR : kind;
        otelc_ctx *c = instance_for(h, k, &l->items[i], pipeline, errs);
        if (!c) {
            rc = -1;
            continue;
        }
        (*out)[(*n)++] = c;
    }
    return rc;
}

static int add_next(otelc_ctx *c, stage *st)
{
    for (size_t i = 0; i < c->nnext; i++)
        if (c->next[i] == st)
            return 0;
    stage **grown = realloc(c->next, (c->nnext + 1) * sizeof(stage *));
    if (!grown)
        return -1;
    c->next = grown;
    c->next[c->nnext++] = st;
    return 0;
}

/* Processor stages, then the fan-out; receivers feed the first. */
static int wire_pipeline(host_pipeline *p)
{
    p->stages = calloc(p->nproc + 1, sizeof(stage));
    if (!p->stages)
        return -1;
    for (size_t i = 0; i < p->nproc; i++)
        p->stages[i] = (stage){.kind = STAGE_PROCESSOR, .signal = p->signal,
                               .proc = p->processors[i]};
    stage *fan = &p->stages[p->nproc];
    fan->kind = STAGE_FANOUT;
    fan->signal = p->signal;
    fan->exporters = p->exporters;
    fan->n = p->nexp;
    fan->queues = calloc(p->nexp ? p->nexp : 1, sizeof(exporter_queue *));
    if (!fan->queues)
        return -1;
    for (size_t i = 0; i < p->nproc; i++)
        if (add_next(p->processors[i], &p->stages[i + 1]) != 0)
            return -1;
    for (size_t i = 0; i < p->nrecv; i++)
        if (add_next(p->receivers[i], &p->stages[0]) != 0)
            return -1;
    return 0;
}

uint32_t host_signals_exported(const otelc_ctx *c)
{
    const host *h = c->h;
    uint32_t mask = 0;
    for (size_t i = 0; i < h->npipes; i++)
        for (size_t k = 0; k < h->pipes[i].nexp; k++)
            if (h->pipes[i].exporters[k] == c)
                mask |= h->pipes[i].signal;
    return mask;
}

/* Defined but unused components are legal, as in the collector: warn. */
static void warn_unused(host *h, const otelc_config *cfg, const char *section, otelc_kind kind)
{
    const otelc_node *sec = otelc_config_section(cfg, section);
    for (const otelc_node *c = otelc_node_first(sec); c; c = otelc_node_next(c)) {
        bool used = false;
        for (size_t i = 0; i < h->ncomps && !used; i++)
            used = h->comps[i]->plugin->desc->kind == kind &&
                   strcmp(h->comps[i]->id, otelc_node_key(c)) == 0;
        if (!used) {
            char at[512];
            otelc_errors_prefix(at, sizeof(at), c, true);
            otelc_log(OTELC_LOG_WARN, "config", "%s %s %s is defined but not used in any "
                      "pipeline", at, kind_name(kind), otelc_node_key(c));
        }
    }
}

int graph_build(host *h, const otelc_config *cfg, plugin_registry *reg, otelc_errors *errs)
{
    h->cfg = cfg;
    h->reg = reg;
    h->pipes = calloc(cfg->n_pipelines ? cfg->n_pipelines : 1, sizeof(host_pipeline));
    if (!h->pipes)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < cfg->n_pipelines; i++) {
        const otelc_pipeline *cp = &cfg->pipelines[i];
        host_pipeline *p = &h->pipes[h->npipes++];
        p->id = strdup(cp->id);
        p->signal = cp->signal;
        rc |= resolve_list(h, OTELC_EXPORTER, &cp->exporters, cp->id, &p->exporters, &p->nexp,
                           errs);
        rc |= resolve_list(h, OTELC_PROCESSOR, &cp->processors, cp->id, &p->processors,
                           &p->nproc, errs);
        rc |= resolve_list(h, OTELC_RECEIVER, &cp->receivers, cp->id, &p->receivers, &p->nrecv,
                           errs);
    }
    otelc_component_list ext = cfg->extensions;
    for (size_t i = 0; i < ext.count; i++)
        rc |= instance_for(h, OTELC_EXTENSION, &ext.items[i], NULL, errs) ? 0 : -1;
    if (rc == 0)
        graph_check_signals(h, errs);
    if (rc == 0)
        file_storage_check(h, errs);
    if (rc != 0 || otelc_errors_count(errs) > 0)
        return -1;
    for (size_t i = 0; i < h->npipes; i++)
        if (wire_pipeline(&h->pipes[i]) != 0)
            return -1;
    warn_unused(h, cfg, "receivers", OTELC_RECEIVER);
    warn_unused(h, cfg, "processors", OTELC_PROCESSOR);
    warn_unused(h, cfg, "exporters", OTELC_EXPORTER);
    warn_unused(h, cfg, "extensions", OTELC_EXTENSION);
    warn_unused(h, cfg, "connectors", OTELC_CONNECTOR);
    return 0;
}

/* ---- batching on the way out (otelc_host_api.export_batching) ---- */

static void on_send(void *arg, uint32_t spans, uint64_t bytes, otelc_send_trigger why)
{
    otelc_ctx *e = arg;
    if (e->m_batch_items) {
        metrics_observe(e->m_batch_items, spans);
        metrics_observe(e->m_batch_bytes, (double)bytes);
    }
    const otelc_ctx *p = e->batching_from;
    if (p && p->batching.on_send)
        p->batching.on_send(p->batching.arg, spans, why);
}

static bool same_batching(const otelc_batching *a, const otelc_batching *b)
{
    bool same = a->min_items == b->min_items && a->max_items == b->max_items &&
                a->flush_timeout_ns == b->flush_timeout_ns &&
                a->metadata_keys.n == b->metadata_keys.n;
    for (size_t i = 0; same && i < a->metadata_keys.n; i++)
        same = strcasecmp(a->metadata_keys.items[i], b->metadata_keys.items[i]) == 0;
    return same;
}

/* Why exporter e cannot take p's batching, logged; false if it can. */
static bool batching_refused(otelc_ctx *e, const otelc_ctx *p)
{
    if (e->batching_from) {
        if (!same_batching(&e->batching_from->batching, &p->batching))
            otelc_log(OTELC_LOG_WARN, e->log_name, "batches as %s asked first; the batching "
                      "of %s does not apply", e->batching_from->log_name, p->log_name);
        return true;
    }
    if (e->qcfg.batch.enabled)
        otelc_log(OTELC_LOG_INFO, e->log_name, "keeps its own sending_queue.batch; the "
                  "batching of %s does not apply", p->log_name);
    else if (!e->qcfg.enabled)
        otelc_log(OTELC_LOG_WARN, e->log_name, "has no sending_queue, so nothing batches for "
                  "it: %s sends requests as they come", p->log_name);
    return e->qcfg.batch.enabled || !e->qcfg.enabled;
}

static void adopt_batching(otelc_ctx *e, otelc_ctx *p)
{
    if (batching_refused(e, p))
        return;
    queue_batch_cfg *b = &e->qcfg.batch;
    b->enabled = true;
    b->sizer = SIZER_ITEMS;
    b->min_size = (int64_t)p->batching.min_items;
    b->max_size = (int64_t)p->batching.max_items;
    b->flush_timeout_ns = p->batching.flush_timeout_ns;
    b->npartition_keys = p->batching.metadata_keys.n;
    for (size_t i = 0; i < b->npartition_keys; i++)
        b->partition_keys[i] = p->batching.metadata_keys.items[i];
    e->batching_from = p;
    if (e->qcfg.sizer == SIZER_ITEMS && e->qcfg.queue_size < b->min_size)
        otelc_log(OTELC_LOG_WARN, e->log_name, "sending_queue.queue_size %lld is below the "
                  "batch size %lld of %s: batches leave on its timeout",
                  (long long)e->qcfg.queue_size, (long long)b->min_size, p->log_name);
}

void host_apply_batching(host *h)
{
    for (size_t i = 0; i < h->npipes; i++) {
        host_pipeline *p = &h->pipes[i];
        for (size_t k = 0; k < p->nproc; k++)
            for (size_t x = 0; p->processors[k]->has_batching && x < p->nexp; x++)
                if (p->exporters[x]->plugin->desc->kind == OTELC_EXPORTER)
                    adopt_batching(p->exporters[x], p->processors[k]);
    }
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (c->plugin->desc->kind == OTELC_EXPORTER) {
            c->qcfg.on_send = on_send;
            c->qcfg.on_send_arg = c;
        }
    }
}

void graph_free(host *h)
{
    for (size_t i = 0; i < h->npipes; i++) {
        host_pipeline *p = &h->pipes[i];
        if (p->stages)
            free(p->stages[p->nproc].queues);
        free(p->stages);
        free(p->receivers);
        free(p->processors);
        free(p->exporters);
        free(p->id);
    }
    free(h->pipes);
    free(h->services);
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        queue_free(c->queue);
        cfg_allocs_free(&c->allocs);
        pthread_mutex_destroy(&c->consume_mu);
        pthread_mutex_destroy(&c->m_transport_mu);
        for (size_t k = 0; k < QUEUE_MAX_PARTITION_KEYS; k++)
            free(c->batching_keys[k]);
        free(c->next);
        free(c->cfg);
        free(c->log_name);
        free(c->pipeline);
        free(c->id);
        c->magic = 0;
        free(c);
    }
    free(h->comps);
    h->comps = NULL;
    h->ncomps = 0;
    h->pipes = NULL;
    h->npipes = 0;
}
