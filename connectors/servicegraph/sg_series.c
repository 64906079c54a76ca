/*
 * sg_series.c: completed requests as the collector's service graph
 * metrics, all cumulative from the connector's start, in one resource
 * without attributes and the scope "traces_service_graph":
 *
 *   traces_service_graph_request_total          monotonic sum
 *   traces_service_graph_request_failed_total   monotonic sum (failed only)
 *   traces_service_graph_request_server         histogram, s: server span
 *   traces_service_graph_request_client         histogram, s: client span
 *
 * with attributes client, server, connection_type, failed (a bool),
 * client_<d> and server_<d> for the dimensions seen, and virtual_node
 * with virtual_node_extra_label. A series without requests for 15 minutes
 * is dropped (every cache_loop); at most max_series are kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "otlpmetrics/attrs.h"
#include "otlpmetrics/write.h"
#include "sg.h"

#define STALE_NS (15LL * 60 * 1000000000) /* the collector's 15 minutes */

static const char *conn_name(enum sg_conn c)
{
    static const char *const names[] = {"", "messaging_system", "database", "virtual_node"};
    return names[c];
}

static const char *virtual_name(enum sg_virtual v)
{
    static const char *const names[] = {"", "client", "server"};
    return names[v];
}

static void key_part(pbw *k, const char *s)
{
    pbw_raw(k, s, strlen(s));
    pbw_raw(k, "", 1);
}

/* The collector's series key: client, server, type, failed, then each
 * dimension seen as kind_name_value. */
static void series_key(const sg *g, const sg_edge *e, pbw *k)
{
    static const char *const kinds[] = {"client", "server"};
    const otelc_strlist *d = &g->cfg->dimensions;
    pbw_reset(k);
    key_part(k, e->client);
    key_part(k, e->server);
    key_part(k, conn_name(e->conn));
    key_part(k, e->failed ? "true" : "false");
    for (size_t i = 0; i < d->n; i++) {
        for (size_t kind = 0; kind < 2; kind++) {
            const char *v = e->dims[kind * d->n + i];
            if (!v)
                continue;
            key_part(k, kinds[kind]);
            key_part(k, d->items[i]);
            key_part(k, v);
        }
    }
}

static void dim_attrs(const sg *g, const sg_edge *e, pbw *a, const char *kind, size_t base)
{
    const otelc_strlist *d = &g->cfg->dimensions;
    for (size_t i = 0; i < d->n; i++) {
        const char *v = e->dims[base + i];
        if (!v)
            continue;
        char name[256];
        snprintf(name, sizeof(name), "%s_%s", kind, d->items[i]);
        otlpm_attr_str(a, name, v, strlen(v));
    }
}

static uint8_t *edge_attrs(sg *g, const sg_edge *e, size_t *len)
{
    pbw a;
    pbw_init(&a);
    otlpm_attr_str(&a, "client", e->client, strlen(e->client));
    otlpm_attr_str(&a, "server", e->server, strlen(e->server));
    otlpm_attr_str(&a, "connection_type", conn_name(e->conn), strlen(conn_name(e->conn)));
    otlpm_attr_bool(&a, "failed", e->failed);
    dim_attrs(g, e, &a, "client", 0);
    dim_attrs(g, e, &a, "server", g->cfg->dimensions.n);
    if (g->cfg->extra_label)
        otlpm_attr_str(&a, "virtual_node", virtual_name(e->vlabel),
                       strlen(virtual_name(e->vlabel)));
    return pbw_take(&a, len);
}

static void series_drop(sg_series *s)
{
    free(s->attrs);
    free(s->server_h);
    free(s->client_h);
    free(s->server_x);
    free(s->client_x);
    free(s);
}

static bool histograms(sg *g, sg_series *s)
{
    uint32_t max = (uint32_t)g->cfg->exponential_max_size;
    if (max) {
        s->server_x = otlpm_expo_new(max);
        s->client_x = otlpm_expo_new(max);
        return s->server_x && s->client_x;
    }
    s->server_h = otlpm_hist_new(g->nbounds);
    s->client_h = otlpm_hist_new(g->nbounds);
    return s->server_h && s->client_h;
}

static sg_series *series_new(sg *g, const pbw *key, uint64_t h)
{
    if (g->series.count >= (size_t)g->cfg->max_series) {
        g->api->metric_add(g->m_capped, 1);
        return NULL;
    }
    sg_series *s = calloc(1, sizeof(*s) + key->len);
    if (!s)
        return NULL;
    memcpy(s + 1, key->p, key->len);
    s->e = (otlpm_entry){.hash = h, .key = (const uint8_t *)(s + 1), .klen = key->len};
    if (!histograms(g, s) || otlpm_table_insert(&g->series, &s->e) != 0) {
        series_drop(s);
        return NULL;
    }
    return s;
}

/* The series' labels are the latest edge's, as the collector overwrites
 * them; only the virtual_node label can differ within one key. */
static void relabel(sg *g, sg_series *s, const sg_edge *e)
{
    if (s->attrs && s->vlabel == e->vlabel)
        return;
    size_t len;
    uint8_t *a = edge_attrs(g, e, &len);
    if (!a)
        return;
    free(s->attrs);
    s->attrs = a;
    s->alen = len;
    s->vlabel = e->vlabel;
}

static void observe(sg *g, sg_series *s, const sg_edge *e)
{
    if (s->server_x) {
        otlpm_expo_add(s->server_x, e->server_s, 1);
        otlpm_expo_add(s->client_x, e->client_s, 1);
    } else {
        otlpm_hist_add(s->server_h, g->bounds, e->server_s, 1);
        otlpm_hist_add(s->client_h, g->bounds, e->client_s, 1);
    }
}

void sg_series_add(sg *g, const sg_edge *e)
{
    series_key(g, e, &g->key);
    if (g->key.failed)
        return;
    uint64_t h = otlpm_table_hash(&g->series, g->key.p, g->key.len);
    sg_series *s = (sg_series *)otlpm_table_find(&g->series, h, g->key.p, g->key.len);
    if (!s && !(s = series_new(g, &g->key, h)))
        return;
    relabel(g, s, e);
    s->total++;
    s->failed += e->failed;
    observe(g, s, e);
    s->updated_ns = otelc_mono_ns();
}

void sg_series_clean(sg *g, int64_t now_ns)
{
    otlpm_iter it;
    otlpm_iter_init(&it, &g->series);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));) {
        sg_series *s = (sg_series *)e;
        if (now_ns - s->updated_ns > STALE_NS) {
            otlpm_table_remove(&g->series, e);
            series_drop(s);
        }
    }
}

void sg_series_free(sg *g)
{
    otlpm_iter it;
    otlpm_iter_init(&it, &g->series);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
        series_drop((sg_series *)e);
    otlpm_table_free(&g->series);
}

/* ---- the flush ---- */

enum sg_metric { M_TOTAL, M_FAILED, M_SERVER, M_CLIENT };

static const char *const metric_names[] = {
    "traces_service_graph_request_total", "traces_service_graph_request_failed_total",
    "traces_service_graph_request_server", "traces_service_graph_request_client"};

/* The collector's README words them so; its metrics carry none, but a
 * scrape without HELP text fails promtool. */
static const char *const descriptions[] = {
    "Total count of requests between two nodes",
    "Total count of failed requests between two nodes",
    "Time for a request between two nodes as seen from the server",
    "Time for a request between two nodes as seen from the client"};

static uint32_t write_point(sg *g, pbw *w, enum sg_metric m, const sg_series *s, uint64_t now)
{
    otlpm_point p = {.attrs = s->attrs, .alen = s->alen, .start_ns = (uint64_t)g->start_ns,
                     .time_ns = now};
    if (m == M_FAILED && !s->failed)
        return 0;
    if (m <= M_FAILED)
        otlpm_sum_point(w, &p, m == M_TOTAL ? s->total : s->failed);
    else if (s->server_x)
        otlpm_expo_point(w, &p, m == M_SERVER ? s->server_x : s->client_x);
    else
        otlpm_hist_point(w, &p, g->bounds, g->nbounds, m == M_SERVER ? s->server_h : s->client_h);
    return 1;
}

static uint32_t write_metric(sg *g, pbw *w, enum sg_metric m, uint64_t now)
{
    size_t before = w->len;
    enum otlpm_kind kind = m <= M_FAILED            ? OTLPM_SUM
                           : g->cfg->exponential_max_size ? OTLPM_EXPONENTIAL
                                                          : OTLPM_HISTOGRAM;
    otlpm_frame f =
        otlpm_metric_begin(w, metric_names[m], descriptions[m], m <= M_FAILED ? "" : "s", kind);
    uint32_t points = 0;
    otlpm_iter it;
    otlpm_iter_init(&it, &g->series);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
        points += write_point(g, w, m, (const sg_series *)e, now);
    otlpm_metric_end(w, f, OTLPM_CUMULATIVE);
    if (!points)
        pbw_truncate(w, before); /* the collector leaves empty metrics out */
    return points;
}

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

static otelc_batch *adopt(sg *g, pbw *w, uint32_t points)
{
    size_t len;
    uint8_t *buf = pbw_take(w, &len);
    if (!buf)
        return NULL;
    g->meta = (otelc_batch_meta){.struct_size = sizeof(g->meta), .received_ns = otelc_real_ns(),
                                 .signal = OTELC_METRICS};
    otelc_batch *b = g->api->batch_adopt(buf, len, points, free_buf, NULL, &g->meta);
    if (!b)
        free(buf);
    return b;
}

otelc_batch *sg_build(void *arg, bool final)
{
    sg *g = arg;
    (void)final;
    uint64_t now = (uint64_t)(otelc_real_ns() - g->cfg->timestamp_offset_ns);
    uint32_t points = 0;
    otelc_batch *b = NULL;
    pbw w;
    pbw_init(&w);
    pthread_mutex_lock(&g->mu);
    if (g->series.count) {
        otlpm_frame r = otlpm_resource_begin(&w, NULL, 0, "traces_service_graph");
        for (int m = M_TOTAL; m <= M_CLIENT; m++)
            points += write_metric(g, &w, (enum sg_metric)m, now);
        otlpm_resource_end(&w, r);
        b = points ? adopt(g, &w, points) : NULL;
    }
    pthread_mutex_unlock(&g->mu);
    pbw_free(&w);
    return b;
}
