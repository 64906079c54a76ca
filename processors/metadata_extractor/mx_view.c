/*
 * mx_view.c: the routes.
 *
 *   GET /api/dependencies?endTs=&lookback=   Jaeger's shape, for Grafana's
 *                                             service graph
 *   GET /api/metadata/services?endTs=&lookback=
 *   GET /api/anomalies?endTs=&lookback=&limit=
 *   GET /ui/                                  the page (ui/index.html)
 *
 * endTs and lookback are milliseconds as Jaeger's API takes them; the
 * view answers whole slices (window/15) and at most the window. Answers
 * are built under the model's lock: they read only what is in memory.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "mx.h"

enum { ANOMALIES_LIMIT = 100 };
#define QUERY_MAX 10000000000000LL /* ms: the year 2286; ns of it still fit */

typedef struct range {
    int64_t from, to;         /* slots */
    int64_t start_ns, end_ns; /* what the answer covers */
} range;

static void respond_json(mx *m, otelc_http_req *req, int status, json_t *doc)
{
    static const char *const h[] = {"Content-Type", "application/json", NULL};
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        m->api->http_respond(req, 500, h, oom, sizeof(oom) - 1);
        return;
    }
    m->api->http_respond(req, status, h, text, strlen(text));
    free(text);
}

static void bad_request(mx *m, otelc_http_req *req, const char *msg)
{
    respond_json(m, req, 400, json_pack("{s:s}", "error", msg));
}

/* A non-negative integer query parameter; absent: def. -1 if malformed. */
static int query_int(mx *m, otelc_http_req *req, const char *name, int64_t def, int64_t *out)
{
    const char *v = m->api->http_query(req, name);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < 0 || n > QUERY_MAX)
        return -1;
    *out = n;
    return 0;
}

static int64_t slot_of(const mx *m, int64_t ns)
{
    return ns / m->slice_ns + 1;
}

/* Under the lock. endTs and lookback (ms) as slots within the window. */
static int read_range(mx *m, otelc_http_req *req, range *r)
{
    int64_t newest = m->newest_slot ? m->newest_slot : slot_of(m, otelc_real_ns());
    int64_t oldest = newest - MX_SLICES + 1, end_ms, lookback_ms;
    if (query_int(m, req, "endTs", -1, &end_ms) != 0 ||
        query_int(m, req, "lookback", -1, &lookback_ms) != 0)
        return -1;
    /* without endTs, the end of the newest slice (Jaeger's "now") */
    int64_t end_ns = end_ms < 0 ? newest * m->slice_ns : end_ms * 1000000;
    r->to = slot_of(m, end_ns);
    r->to = r->to > newest ? newest : r->to;
    r->from = lookback_ms < 0 ? oldest : slot_of(m, end_ns - lookback_ms * 1000000);
    r->from = r->from < oldest ? oldest : r->from;
    r->start_ns = (r->from - 1) * m->slice_ns;
    r->end_ns = r->to * m->slice_ns;
    return 0;
}

static double per_second(const range *r, uint64_t n)
{
    double s = (double)(r->end_ns - r->start_ns) / 1e9;
    return s > 0 ? (double)n / s : 0;
}

/* A quantile in ms; null without calls (a virtual node's, say). */
static json_t *quantile(const mx_sum *s, double q)
{
    return s->calls ? json_real(mx_quantile(s, q)) : json_null();
}

static json_t *red(const range *r, const mx_sum *s)
{
    double rate = s->calls ? (double)s->errors / (double)s->calls : 0;
    return json_pack("{s:I,s:f,s:I,s:f,s:o,s:o,s:o}", "calls", (json_int_t)s->calls, "rate",
                     per_second(r, s->calls), "errors", (json_int_t)s->errors, "error_rate", rate,
                     "p50_ms", quantile(s, 0.5), "p95_ms", quantile(s, 0.95), "p99_ms",
                     quantile(s, 0.99));
}

static json_t *operations(const mx *m, const range *r, uint32_t service)
{
    json_t *ops = json_array();
    mx_sum sum;
    for (const mx_op *op = m->first_op[service]; op; op = op->next_of_service) {
        mx_sum_slices(op->slices, r->from, r->to, &sum);
        if (sum.calls == 0)
            continue;
        json_t *o = red(r, &sum);
        json_object_set_new(o, "name", json_string(op->name));
        json_array_append_new(ops, o);
    }
    return ops;
}

static json_t *service_doc(const mx *m, const range *r, const mx_service *s, mx_sum *sum)
{
    mx_sum_slices(s->slices, r->from, r->to, sum);
    json_t *o = red(r, sum);
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "virtual", json_boolean(s->virtual_node));
    json_object_set_new(o, "operations", operations(m, r, s->id));
    json_object_set_new(o, "upstream", json_array());
    json_object_set_new(o, "downstream", json_array());
    return o;
}

typedef void (*edge_fn)(const mx *m, const mx_edge *e, const mx_sum *s, void *arg);

/* fn for each edge with calls in r. */
static void each_edge(const mx *m, const range *r, edge_fn fn, void *arg)
{
    otlpm_iter it;
    otlpm_iter_init(&it, &m->edges);
    for (const otlpm_entry *x; (x = otlpm_iter_next(&it));) {
        mx_sum s;
        mx_sum_edge((const mx_edge *)x, r->from, r->to, &s);
        if (s.calls)
            fn(m, (const mx_edge *)x, &s, arg);
    }
}

typedef struct neighbours {
    json_t **docs;       /* per service id */
    const mx_sum *sums;  /* per service id: its entry spans */
} neighbours;

/* An edge into its two services' lists. */
static void add_edge(const mx *m, const mx_edge *e, const mx_sum *s, void *arg)
{
    const neighbours *n = arg;
    const char *client = m->by_id[e->client]->name, *server = m->by_id[e->server]->name;
    double own = n->sums[e->client].ms;
    json_array_append_new(json_object_get(n->docs[e->server], "upstream"),
                          json_pack("{s:s,s:I,s:I}", "service", client, "calls",
                                    (json_int_t)s->calls, "errors", (json_int_t)s->errors));
    json_array_append_new(json_object_get(n->docs[e->client], "downstream"),
                          json_pack("{s:s,s:I,s:I,s:o}", "service", server, "calls",
                                    (json_int_t)s->calls, "errors", (json_int_t)s->errors,
                                    "latency_share",
                                    own > 0 ? json_real(s->ms / own) : json_null()));
}

static int by_name(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "name"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "name"));
    return strcmp(x ? x : "", y ? y : "");
}

static json_t *services_doc(const mx *m, const range *r)
{
    size_t n = m->nservices;
    json_t **docs = calloc(n + 1, sizeof(json_t *));
    mx_sum *sums = calloc(n + 1, sizeof(*sums));
    json_t *list = json_array();
    for (size_t i = 0; docs && sums && i < n; i++)
        docs[i] = service_doc(m, r, m->by_id[i], &sums[i]);
    if (docs && sums) {
        neighbours nb = {docs, sums};
        each_edge(m, r, add_edge, &nb);
        qsort(docs, n, sizeof(json_t *), by_name);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(list, docs[i]);
    }
    free(docs);
    free(sums);
    return json_pack("{s:{s:I,s:I},s:o}", "window", "start", (json_int_t)(r->start_ns / 1000000),
                     "end", (json_int_t)(r->end_ns / 1000000), "services", list);
}

static void add_dependency(const mx *m, const mx_edge *e, const mx_sum *s, void *data)
{
    json_array_append_new(data, json_pack("{s:s,s:s,s:I}", "parent", m->by_id[e->client]->name,
                                          "child", m->by_id[e->server]->name, "callCount",
                                          (json_int_t)s->calls));
}

static json_t *dependencies_doc(const mx *m, const range *r)
{
    json_t *data = json_array();
    each_edge(m, r, add_dependency, data);
    return json_pack("{s:o,s:I,s:i,s:i,s:n}", "data", data, "total",
                     (json_int_t)json_array_size(data), "limit", 0, "offset", 0, "errors");
}

static json_t *trace_ids(const mx_anomaly *a)
{
    static const char hex[] = "0123456789abcdef";
    json_t *ids = json_array();
    for (unsigned i = 0; i < a->ntraces; i++) {
        char id[33];
        for (size_t j = 0; j < 16; j++) {
            id[2 * j] = hex[a->traces[i][j] >> 4];
            id[2 * j + 1] = hex[a->traces[i][j] & 15];
        }
        id[32] = '\0';
        json_array_append_new(ids, json_string(id));
    }
    return ids;
}

static json_t *anomaly_doc(const mx *m, const mx_anomaly *a)
{
    bool slow = a->kind == MX_LATENCY;
    json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:o}", "kind", slow ? "latency" : "error_rate",
                          "service", m->by_id[a->service]->name, "operation", a->op->name,
                          "time", (json_int_t)(a->time_ns / 1000000), "count",
                          (json_int_t)a->count, "traces", trace_ids(a));
    if (slow) {
        json_object_set_new(o, "value_ms", json_real(a->value_ms));
        json_object_set_new(o, "threshold_ms", json_real(a->threshold_ms));
        double p99 = a->threshold_ms / m->cfg->latency_factor;
        json_object_set_new(o, "p99_ms", json_real(p99));
        json_object_set_new(o, "factor", json_real(a->value_ms / p99));
    } else {
        json_object_set_new(o, "error_rate", json_real(a->error_rate));
        json_object_set_new(o, "baseline_error_rate", json_real(a->baseline));
        json_object_set_new(o, "threshold", json_real(a->threshold));
    }
    return o;
}

static json_t *anomalies_doc(const mx *m, const range *r, int64_t limit)
{
    json_t *list = json_array();
    uint64_t cap = (uint64_t)m->cfg->max_anomalies;
    uint64_t stop = m->next_seq > cap ? m->next_seq - cap : 1;
    for (uint64_t seq = m->next_seq - 1; seq >= stop && seq > 0; seq--) {
        const mx_anomaly *a = mx_anomaly_at(m, seq);
        if ((int64_t)json_array_size(list) >= limit)
            break;
        if (a && slot_of(m, a->time_ns) >= r->from && slot_of(m, a->time_ns) <= r->to)
            json_array_append_new(list, anomaly_doc(m, a));
    }
    return json_pack("{s:o}", "anomalies", list);
}

enum { VIEW_SERVICES, VIEW_DEPENDENCIES, VIEW_ANOMALIES };

static json_t *view(const mx *m, int which, const range *r, int64_t limit)
{
    if (which == VIEW_SERVICES)
        return services_doc(m, r);
    return which == VIEW_DEPENDENCIES ? dependencies_doc(m, r) : anomalies_doc(m, r, limit);
}

static void on_view(void *arg, otelc_http_req *req)
{
    const mx_route *v = arg;
    mx *m = v->m;
    range r;
    int64_t limit;
    pthread_mutex_lock(&m->mu);
    mx_pair_expire(m, otelc_mono_ns()); /* requests due to a virtual node count now */
    int bad = read_range(m, req, &r) | query_int(m, req, "limit", ANOMALIES_LIMIT, &limit);
    json_t *doc = bad ? NULL : view(m, v->view, &r, limit);
    pthread_mutex_unlock(&m->mu);
    if (bad)
        bad_request(m, req, "endTs, lookback and limit are milliseconds and counts: integers");
    else
        respond_json(m, req, 200, doc);
}

static void on_ui(void *arg, otelc_http_req *req)
{
    static const char *const h[] = {"Content-Type", "text/html; charset=utf-8",
                                    "Cache-Control", "no-cache", NULL};
    const mx *m = arg;
    m->api->http_respond(req, 200, h, mx_ui_html, (size_t)mx_ui_html_len);
}

int mx_view_routes(mx *m)
{
    static const char *const paths[] = {[VIEW_SERVICES] = "/api/metadata/services",
                                        [VIEW_DEPENDENCIES] = "/api/dependencies",
                                        [VIEW_ANOMALIES] = "/api/anomalies"};
    for (int i = 0; i < 3; i++) {
        m->routes[i] = (mx_route){m, i};
        if (m->api->route(m->ctx, "GET", paths[i], on_view, &m->routes[i]) != 0)
            return -1;
    }
    return m->api->route(m->ctx, "GET", "/ui", on_ui, m) |
           m->api->route(m->ctx, "GET", "/ui/", on_ui, m);
}
