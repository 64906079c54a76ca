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

/* The collector's unit of each signal in its metric names. */
static const char *const unit_of[QUEUE_NSIGNALS] = {"spans", "metric_points", "log_records"};
static const char *const unit_text[QUEUE_NSIGNALS] = {"Spans", "Metric points", "Log records"};

/* "otelcol_<kind>_<verb>_<unit>_total" for signal s. */
static const char *name_of(char *buf, size_t n, const char *prefix, otelc_signal s)
{
    snprintf(buf, n, "otelcol_%s_%s_total", prefix, unit_of[queue_signal_index(s)]);
    return buf;
}

static const char *help_of(char *buf, size_t n, const char *what, otelc_signal s)
{
    snprintf(buf, n, "%s %s", unit_text[queue_signal_index(s)], what);
    return buf;
}

static otelc_series *rx_series(host *h, otelc_ctx *c, bool accepted, otelc_signal s,
                               const char *transport)
{
    char name[96], help[128];
    return series(h, name_of(name, sizeof(name), accepted ? "receiver_accepted"
                                                          : "receiver_refused", s),
                  help_of(help, sizeof(help), accepted ? "the receiver accepted into the "
                          "pipeline." : "the receiver could not push into the pipeline.", s),
                  OTELC_COUNTER, "receiver", c, transport);
}

static struct rx_transport *transport_find(otelc_ctx *c, size_t n, otelc_signal s, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (c->m_transports[i].signal == s && strcmp(c->m_transports[i].name, t) == 0)
            return &c->m_transports[i];
    return NULL;
}

/* The entry of (signal, transport t), added on first use; NULL when the
 * table is full. Entries are published by the count, so lookups take no
 * lock. */
static struct rx_transport *transport_of(otelc_ctx *c, otelc_signal s, const char *t)
{
    struct rx_transport *found = transport_find(c, atomic_load(&c->m_ntransports), s, t);
    if (found)
        return found;
    pthread_mutex_lock(&c->m_transport_mu);
    size_t n = atomic_load(&c->m_ntransports);
    found = transport_find(c, n, s, t);
    if (!found && n < sizeof(c->m_transports) / sizeof(c->m_transports[0])) {
        struct rx_transport *e = &c->m_transports[n];
        snprintf(e->name, sizeof(e->name), "%s", t);
        e->signal = s;
        e->accepted = rx_series(c->h, c, true, s, e->name);
        e->refused = rx_series(c->h, c, false, s, e->name);
        if (e->accepted && e->refused) {
            atomic_store(&c->m_ntransports, n + 1);
            found = e;
        }
    }
    pthread_mutex_unlock(&c->m_transport_mu);
    return found;
}

void host_metrics_receiver(otelc_ctx *c, otelc_status st, otelc_signal s, uint32_t items,
                           const char *transport)
{
    bool ok = st == OTELC_OK || st == OTELC_PENDING;
    struct rx_transport *t = transport_of(c, s, transport ? transport : c->plugin->desc->type);
    if (t)
        metrics_add(ok ? t->accepted : t->refused, items);
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
        for (unsigned k = 0; k < QUEUE_NSIGNALS; k++) {
            if (!c->m_sent[k])
                continue;
            metrics_set(c->m_sent[k], (double)qs.sent[k]);
            metrics_set(c->m_failed[k], (double)qs.failed[k]);
            metrics_set(c->m_enqueue_failed[k], (double)qs.enqueue_failed[k]);
        }
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

/* sent, send_failed and enqueue_failed items of signal s. */
static int exporter_signal_series(host *h, otelc_ctx *c, otelc_signal s)
{
    unsigned k = queue_signal_index(s);
    char name[96], help[128];
    c->m_sent[k] = series(h, name_of(name, sizeof(name), "exporter_sent", s),
                          help_of(help, sizeof(help), "the exporter sent successfully.", s),
                          OTELC_COUNTER, "exporter", c, NULL);
    c->m_failed[k] = series(h, name_of(name, sizeof(name), "exporter_send_failed", s),
                            help_of(help, sizeof(help), "the exporter failed to send.", s),
                            OTELC_COUNTER, "exporter", c, NULL);
    c->m_enqueue_failed[k] = series(h, name_of(name, sizeof(name), "exporter_enqueue_failed", s),
                                    help_of(help, sizeof(help), "refused because the sending "
                                            "queue was full.", s),
                                    OTELC_COUNTER, "exporter", c, NULL);
    return c->m_sent[k] && c->m_failed[k] && c->m_enqueue_failed[k] ? 0 : -1;
}

static int exporter_series(host *h, otelc_ctx *c)
{
    uint32_t mask = host_signals_exported(c);
    for (unsigned k = 0; k < QUEUE_NSIGNALS; k++)
        if ((mask & queue_signal_of_index(k)) &&
            exporter_signal_series(h, c, queue_signal_of_index(k)) != 0)
            return -1;
    c->m_queue_size = series(h, "otelcol_exporter_queue_size",
                             "Current size of the sending queue.", OTELC_GAUGE, "exporter", c,
                             NULL);
    c->m_queue_capacity = series(h, "otelcol_exporter_queue_capacity",
                                 "Capacity of the sending queue.", OTELC_GAUGE, "exporter", c,
                                 NULL);
    return c->m_queue_size && c->m_queue_capacity ? batch_series(h, c) : -1;
}

int host_metrics_register(host *h)
{
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (c->plugin->desc->kind == OTELC_EXPORTER && exporter_series(h, c) != 0)
            return -1;
    }
    return metrics_add_render_hook(h->metrics, refresh, h);
}
