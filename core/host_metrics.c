/* host_metrics.c: series per receiver and exporter, refreshed on render. */
#include "host_metrics.h"

#include "metrics.h"

static otelc_series *series(host *h, const char *name, const char *help, otelc_metric_type type,
                            const char *label, otelc_ctx *c, const char *transport)
{
    const char *labels[] = {label, c->id, transport ? "transport" : NULL, transport, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = type, .labels = labels};
    return metrics_series(h->metrics, &d);
}

void host_metrics_receiver(otelc_ctx *c, otelc_status st, uint32_t spans)
{
    otelc_series *s = (st == OTELC_OK || st == OTELC_PENDING) ? c->m_accepted : c->m_refused;
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

int host_metrics_register(host *h)
{
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        otelc_kind k = c->plugin->desc->kind;
        if (k == OTELC_RECEIVER) {
            c->m_accepted = series(h, "otelcol_receiver_accepted_spans_total",
                                   "Spans the receiver accepted into the pipeline.",
                                   OTELC_COUNTER, "receiver", c, c->plugin->desc->type);
            c->m_refused = series(h, "otelcol_receiver_refused_spans_total",
                                  "Spans the receiver could not push into the pipeline.",
                                  OTELC_COUNTER, "receiver", c, c->plugin->desc->type);
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
                !c->m_queue_capacity)
                return -1;
        }
    }
    return metrics_add_render_hook(h->metrics, refresh, h);
}
