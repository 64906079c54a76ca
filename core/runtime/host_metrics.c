/* host_metrics.c: series per receiver and exporter, refreshed on render. */
#include "host_metrics.h"

#include <stdio.h>
#include <string.h>

#include "telemetry/metrics.h"

static otelc_series *series(host *h, const char *name, const char *help, otelc_metric_type type,
                            const char *label, otelc_ctx *c, const char *transport)
{
    const char *labels[] = {label, c->id, transport ? "transport" : NULL, transport, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = type, .labels = labels};
    return metrics_series(h->metrics, &d);
}

static otelc_series *accepted_series(host *h, otelc_ctx *c, const char *transport)
{
    return series(h, "otelcol_receiver_accepted_spans_total",
                  "Spans the receiver accepted into the pipeline.", OTELC_COUNTER, "receiver", c,
                  transport);
}

static otelc_series *refused_series(host *h, otelc_ctx *c, const char *transport)
{
    return series(h, "otelcol_receiver_refused_spans_total",
                  "Spans the receiver could not push into the pipeline.", OTELC_COUNTER,
                  "receiver", c, transport);
}

/* The entry of transport t, added on first use; NULL when the table is
 * full (the receiver's type labels the rest). Entries are published by
 * the count, so lookups take no lock. */
static struct rx_transport *transport_of(otelc_ctx *c, const char *t)
{
    size_t n = atomic_load(&c->m_ntransports);
    for (size_t i = 0; i < n; i++)
        if (strcmp(c->m_transports[i].name, t) == 0)
            return &c->m_transports[i];
    struct rx_transport *found = NULL;
    pthread_mutex_lock(&c->m_transport_mu);
    n = atomic_load(&c->m_ntransports);
    for (size_t i = 0; i < n && !found; i++)
        if (strcmp(c->m_transports[i].name, t) == 0)
            found = &c->m_transports[i];
    if (!found && n < sizeof(c->m_transports) / sizeof(c->m_transports[0])) {
        struct rx_transport *e = &c->m_transports[n];
        snprintf(e->name, sizeof(e->name), "%s", t);
        e->accepted = accepted_series(c->h, c, e->name);
        e->refused = refused_series(c->h, c, e->name);
        if (e->accepted && e->refused) {
            atomic_store(&c->m_ntransports, n + 1);
            found = e;
        }
    }
    pthread_mutex_unlock(&c->m_transport_mu);
    return found;
}

void host_metrics_receiver(otelc_ctx *c, otelc_status st, uint32_t spans, const char *transport)
{
    bool ok = st == OTELC_OK || st == OTELC_PENDING;
    struct rx_transport *t = transport ? transport_of(c, transport) : NULL;
    otelc_series *s = t ? (ok ? t->accepted : t->refused) : (ok ? c->m_accepted : c->m_refused);
    if (s)
        metrics_add(s, spans);
}

static void refresh(void *arg)
{
    host *h = arg;
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (!c->queue)
            continue;
        queue_stats qs;
        queue_stats_get(c->queue, &qs);
        metrics_set(c->m_queue_size, (double)qs.size);
        metrics_set(c->m_queue_capacity, (double)qs.capacity);
        metrics_set(c->m_sent, (double)qs.sent_spans);
        metrics_set(c->m_failed, (double)qs.failed_spans);
        metrics_set(c->m_enqueue_failed, (double)qs.enqueue_failed_spans);
    }
}

/* The exporterhelper's histograms of what each batch held. */
static int batch_series(host *h, otelc_ctx *c)
{
    static const double items[] = {10,   25,   50,   75,    100,   250,   500,   750,
                                   1000, 2000, 3000, 4000,  5000,  6000,  7000,  8000,
                                   9000, 10000, 20000, 30000, 50000, 100000};
    static const double bytes[] = {1024,     4096,     16384,    65536,    262144,
                                   1048576,  4194304,  16777216, 67108864};
    const char *labels[] = {"exporter", c->id, NULL};
    otelc_metric_desc d = {.name = "otelcol_exporter_queue_batch_send_size",
                           .help = "Number of units in the batch",
                           .type = OTELC_HISTOGRAM, .labels = labels, .buckets = items,
                           .nbuckets = sizeof(items) / sizeof(items[0])};
    c->m_batch_items = metrics_series(h->metrics, &d);
    d.name = "otelcol_exporter_queue_batch_send_size_bytes";
    d.help = "Number of bytes in the batch";
    d.buckets = bytes;
    d.nbuckets = sizeof(bytes) / sizeof(bytes[0]);
    c->m_batch_bytes = metrics_series(h->metrics, &d);
    return c->m_batch_items && c->m_batch_bytes ? 0 : -1;
}

int host_metrics_register(host *h)
{
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        otelc_kind k = c->plugin->desc->kind;
        if (k == OTELC_RECEIVER) {
            c->m_accepted = accepted_series(h, c, c->plugin->desc->type);
            c->m_refused = refused_series(h, c, c->plugin->desc->type);
        } else if (k == OTELC_EXPORTER) {
            c->m_sent = series(h, "otelcol_exporter_sent_spans_total",
                               "Spans the exporter sent successfully.", OTELC_COUNTER,
                               "exporter", c, NULL);
            c->m_failed = series(h, "otelcol_exporter_send_failed_spans_total",
                                 "Spans the exporter failed to send.", OTELC_COUNTER,
                                 "exporter", c, NULL);
            c->m_enqueue_failed = series(h, "otelcol_exporter_enqueue_failed_spans_total",
                                         "Spans refused because the sending queue was full.",
                                         OTELC_COUNTER, "exporter", c, NULL);
            c->m_queue_size = series(h, "otelcol_exporter_queue_size",
                                     "Current size of the sending queue.", OTELC_GAUGE,
                                     "exporter", c, NULL);
            c->m_queue_capacity = series(h, "otelcol_exporter_queue_capacity",
                                         "Capacity of the sending queue.", OTELC_GAUGE,
                                         "exporter", c, NULL);
            if (!c->m_sent || !c->m_failed || !c->m_enqueue_failed || !c->m_queue_size ||
                !c->m_queue_capacity || batch_series(h, c) != 0)
                return -1;
        }
    }
    return metrics_add_render_hook(h->metrics, refresh, h);
}
