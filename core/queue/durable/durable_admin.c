/*
 * durable_admin.c: what a durable queue shows to operators: its admin
 * routes for dead letters, its metric series, and its /health fields.
 *
 *   GET    /api/queue/<exporter>/deadletters[?limit=N]   list (oldest first)
 *   POST   /api/queue/<exporter>/deadletters/replay[?id=N]  back into the queue
 *   DELETE /api/queue/<exporter>/deadletters[?id=N]      purge for good
 *
 * <exporter> is the exporter id as configured, slash included
 * ("/api/queue/awss3/primary/deadletters").
 */
#include "durable_admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <otelc/sdk/clock.h>

#include "admin/admin.h"
#include "durable_queue_int.h"
#include "runtime/graph.h"
#include "telemetry/health.h"
#include "telemetry/metrics.h"

struct dq_metrics {
    otelc_series *bytes, *spans, *oldest, *disk, *budget, *retries, *dead, *dead_total;
};

/* ---- routes ---- */

static const char *const json_hdrs[] = {"Content-Type", "application/json", NULL};

static void respond_json(otelc_http_req *r, int status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (!text) {
        admin_respond(r, 500, NULL, "out of memory\n", 14);
    } else {
        admin_respond(r, status, json_hdrs, text, strlen(text));
        free(text);
    }
    json_decref(doc);
}

static uint64_t query_u64(otelc_http_req *r, const char *name, uint64_t dflt, bool *bad)
{
    const char *v = admin_req_query(r, name);
    char *end;
    if (!v || !*v)
        return dflt;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    *bad |= *end != 0 || errno != 0 || v[0] == '-';
    return n;
}

static void on_list(void *arg, otelc_http_req *r)
{
    bool bad = false;
    uint64_t limit = query_u64(r, "limit", 100, &bad);
    if (bad) {
        admin_respond(r, 400, NULL, "limit must be a number\n", 23);
        return;
    }
    json_t *doc = durable_dead_list(arg, limit);
    if (!doc) {
        admin_respond(r, 503, NULL, "the queue's storage is closed\n", 30);
        return;
    }
    respond_json(r, 200, doc);
}

typedef struct revive_req {
    otelc_http_req *r;
    const char *verb;
    uint64_t id;
} revive_req;

static void revive_answer(void *arg, int rc, uint64_t batches, uint64_t spans)
{
    revive_req *x = arg;
    if (rc != 0) {
        char msg[200];
        int n = snprintf(msg, sizeof(msg), "cannot %s: %s\n", x->verb, mdb_strerror(rc));
        admin_respond(x->r, rc == ESHUTDOWN ? 503 : 500, NULL, msg, (size_t)n);
    } else if (x->id && batches == 0) {
        admin_respond(x->r, 404, NULL, "no such dead letter\n", 20);
    } else {
        respond_json(x->r, 200, json_pack("{s:I,s:I}", strcmp(x->verb, "replay") == 0
                                                            ? "replayed" : "purged",
                                          (json_int_t)batches, "spans", (json_int_t)spans));
    }
    free(x);
}

static void revive_route(durable_queue *q, otelc_http_req *r, bool purge)
{
    bool bad = false;
    uint64_t id = query_u64(r, "id", 0, &bad);
    revive_req *x = bad ? NULL : malloc(sizeof(*x));
    if (!x) {
        admin_respond(r, bad ? 400 : 500, NULL, bad ? "bad id\n" : "out of memory\n",
                      bad ? 7 : 14);
        return;
    }
    *x = (revive_req){r, purge ? "purge" : "replay", id};
    if (purge)
        durable_dead_purge(q, id, revive_answer, x);
    else
        durable_dead_replay(q, id, revive_answer, x);
}

static void on_replay(void *arg, otelc_http_req *r)
{
    revive_route(arg, r, false);
}

static void on_purge(void *arg, otelc_http_req *r)
{
    revive_route(arg, r, true);
}

static int routes(durable_queue *q, admin_server *a)
{
    char base[512], path[600];
    snprintf(base, sizeof(base), "/api/queue/%s/deadletters", q->id);
    snprintf(path, sizeof(path), "%s/replay", base);
    if (admin_route(a, "GET", base, on_list, q) != 0 ||
        admin_route(a, "DELETE", base, on_purge, q) != 0 ||
        admin_route(a, "POST", path, on_replay, q) != 0)
        return -1;
    return 0;
}

/* ---- metrics ---- */

static otelc_series *series(durable_queue *q, const char *name, const char *help,
                            otelc_metric_type type)
{
    const char *labels[] = {"exporter", q->id, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = type, .labels = labels};
    return metrics_series(durable_store_metrics(q->st), &d);
}

static int register_series(durable_queue *q)
{
    struct dq_metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return -1;
    q->metrics = m;
    m->bytes = series(q, "otelc_exporter_queue_bytes", "Request bytes in the durable queue.",
                      OTELC_GAUGE);
    m->spans = series(q, "otelc_exporter_queue_spans", "Spans in the durable queue.",
                      OTELC_GAUGE);
    m->oldest = series(q, "otelc_exporter_queue_oldest_age_seconds",
                       "Age of the oldest entry in the durable queue.", OTELC_GAUGE);
    m->disk = series(q, "otelc_exporter_queue_disk_bytes",
                     "Bytes the durable queue counts against max_disk_size.", OTELC_GAUGE);
    m->budget = series(q, "otelc_exporter_queue_disk_budget_bytes",
                       "The durable queue's max_disk_size.", OTELC_GAUGE);
    m->retries = series(q, "otelc_exporter_queue_retries_total",
                        "Export attempts answered RETRY.", OTELC_COUNTER);
    m->dead = series(q, "otelc_exporter_queue_dead_letters",
                     "Batches held in the dead-letter table.", OTELC_GAUGE);
    m->dead_total = series(q, "otelc_exporter_queue_dead_lettered_spans_total",
                           "Spans moved to the dead-letter table.", OTELC_COUNTER);
    return m->bytes && m->spans && m->oldest && m->disk && m->budget && m->retries && m->dead &&
                   m->dead_total
               ? 0
               : -1;
}

void dq_metrics_refresh(durable_queue *q)
{
    struct dq_metrics *m = q->metrics;
    queue_stats s;
    if (!m)
        return;
    durable_queue_stats(q, &s);
    int64_t now = otelc_real_ns();
    metrics_set(m->bytes, (double)s.bytes);
    metrics_set(m->spans, (double)s.spans);
    metrics_set(m->oldest, s.oldest_ns && now > s.oldest_ns ? (double)(now - s.oldest_ns) / 1e9
                                                            : 0);
    metrics_set(m->disk, (double)s.disk_used);
    metrics_set(m->budget, (double)s.disk_budget);
    metrics_set(m->retries, (double)s.retries);
    metrics_set(m->dead, (double)s.dead_letters);
    metrics_set(m->dead_total, (double)s.dead_lettered_spans);
}

static void refresh_one(void *arg, durable_queue *q)
{
    (void)arg;
    dq_metrics_refresh(q);
}

void durable_store_refresh_metrics(void *store)
{
    durable_store_each(store, refresh_one, NULL);
}

int dq_admin_register(durable_queue *q)
{
    admin_server *a = durable_store_admin(q->st);
    if (durable_store_metrics(q->st) && register_series(q) != 0)
        return -1;
    return a ? routes(q, a) : 0;
}

/* ---- /health ---- */

static json_t *queue_json(const queue_stats *s)
{
    int64_t now = otelc_real_ns();
    double age = s->oldest_ns && now > s->oldest_ns ? (double)(now - s->oldest_ns) / 1e9 : 0;
    json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:b}", "kind", s->durable ? "durable" : "memory",
                          "entries", (json_int_t)s->requests, "size", (json_int_t)s->size,
                          "capacity", (json_int_t)s->capacity, "paused", s->paused);
    if (!o || !s->durable)
        return o;
    json_t *d = json_pack("{s:I,s:I,s:f,s:I,s:I,s:b,s:I,s:I}", "spans", (json_int_t)s->spans,
                          "bytes", (json_int_t)s->bytes, "oldest_age_seconds", age,
                          "disk_used_bytes", (json_int_t)s->disk_used, "max_disk_size",
                          (json_int_t)s->disk_budget, "at_budget", s->at_budget, "dead_letters",
                          (json_int_t)s->dead_letters, "dead_letter_spans",
                          (json_int_t)s->dead_spans);
    json_object_update(o, d);
    json_decref(d);
    return o;
}

void durable_queue_health(durable_queue *q, json_t *fields)
{
    queue_stats s;
    durable_queue_stats(q, &s);
    json_t *o = queue_json(&s);
    if (o)
        json_object_set_new(fields, "queue", o);
}

void queue_health_extra(void *host_arg, const char *component_id, json_t *fields)
{
    host *h = host_arg;
    if (!component_id)
        return;
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (!c->queue || strcmp(c->log_name, component_id) != 0)
            continue;
        queue_stats s = {0};
        queue_stats_get(c->queue, &s);
        json_t *o = queue_json(&s);
        if (o)
            json_object_set_new(fields, "queue", o);
        return;
    }
}
