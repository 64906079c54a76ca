/*
 * metadata_extractor.c: the processor's descriptor, keys, lifecycle and
 * consume. Spans pass through unchanged (or, with anomaly_attribute, the
 * flagged ones with that attribute); on the way they feed the model the
 * view (mx_view.c) answers from, on the trace_query endpoint.
 */
#include <stdlib.h>
#include <string.h>

#include <attraction/pass.h>
#include <otelc/sdk/clock.h>

#include "mx.h"
#include "otlpmetrics/config.h"

#define AT(f) offsetof(mx_cfg, f)

static const otelc_cfg_key mx_keys[] = {
    {"endpoint", OTELC_CFG_STRING, "localhost:16686",
     "where the view is served: trace_query's endpoint shares its listener", AT(endpoint), 0},
    {"tls", OTELC_CFG_NODE, NULL,
     "TLS of the endpoint: cert_file, key_file, client_ca_file, min_version (1.2), max_version",
     AT(tls), 0},
    {"auth", OTELC_CFG_NODE, NULL,
     "authenticator: the id of an extension checking requests (basicauth, bearertokenauth)",
     AT(auth), 0},
    {"window", OTELC_CFG_DURATION, "15m",
     "span time the view covers, in 15 slices; older spans are late and only counted",
     AT(window_ns), 0},
    {"store", OTELC_CFG_SECTION, NULL, "the requests waiting for their other span", 0, 0},
    {"store.ttl", OTELC_CFG_DURATION, "2s", "how long a request waits for its other span",
     AT(store_ttl_ns), 0},
    {"store.max_items", OTELC_CFG_INT, "1000", "requests waiting at most; more are dropped",
     AT(store_max_items), 0},
    {"virtual_node_peer_attributes", OTELC_CFG_STRLIST, NULL,
     "client span attributes naming an uninstrumented server (default peer.service, db.name, "
     "db.system)",
     AT(peer_attributes), 0},
    {"database_name_attributes", OTELC_CFG_STRLIST, NULL,
     "client span (or resource) attributes naming a database (default db.name)",
     AT(db_attributes), 0},
    {"max_services", OTELC_CFG_INT, "1000", "services and virtual nodes kept", AT(max_services), 0},
    {"max_operations", OTELC_CFG_INT, "2000", "operations (service, span name) kept",
     AT(max_operations), 0},
    {"max_edges", OTELC_CFG_INT, "10000", "edges between services kept", AT(max_edges), 0},
    {"anomalies", OTELC_CFG_SECTION, NULL, "what counts as an anomaly", 0, 0},
    {"anomalies.latency_factor", OTELC_CFG_DOUBLE, "3",
     "a span slower than this times its operation's p99 is an anomaly", AT(latency_factor), 0},
    {"anomalies.latency_min_samples", OTELC_CFG_INT, "100",
     "spans an operation needs in the window before its p99 is trusted",
     AT(latency_min_samples), 0},
    {"anomalies.error_rate_threshold", OTELC_CFG_DOUBLE, "0.2",
     "an operation whose error rate over error_window reaches this, after staying below it, "
     "is an anomaly",
     AT(error_rate_threshold), 0},
    {"anomalies.error_window", OTELC_CFG_DURATION, "1m", "span time the error rate is taken over",
     AT(error_window_ns), 0},
    {"anomalies.error_min_calls", OTELC_CFG_INT, "20",
     "calls needed within error_window before its error rate counts", AT(error_min_calls), 0},
    {"anomalies.max_kept", OTELC_CFG_INT, "1000", "anomalies kept, the oldest dropped first",
     AT(max_anomalies), 0},
    {"anomaly_attribute", OTELC_CFG_STRING, NULL,
     "if set, spans in an anomaly get this attribute: \"latency\" or \"error_rate\"",
     AT(anomaly_attribute), 0},
    {0},
};

static const char *const default_peers[] = {"peer.service", "db.name", "db.system"};
static const char *const default_db[] = {"db.name"};

enum { KIND_SERVER = 2, KIND_CLIENT = 3, KIND_PRODUCER = 4, KIND_CONSUMER = 5 };

static double span_ms(const otlp_span *sp)
{
    uint64_t a = sp->start_time_unix_nano, b = sp->end_time_unix_nano;
    return b > a ? (double)(b - a) / 1e6 : 0; /* an end before its start: no time */
}

static void pair(mx *m, const mx_span *s)
{
    int32_t k = s->sp->kind;
    bool client = k == KIND_CLIENT || k == KIND_PRODUCER;
    if (!client && k != KIND_SERVER && k != KIND_CONSUMER)
        return;
    mx_side side = {.sp = s->sp, .res = m->res, .service = s->service, .client = client,
                    .slot = s->slot, .ms = s->ms};
    mx_pair_side(m, &side);
}

/* One span into the model: the anomaly it is part of, or NULL. */
static const char *learn(mx *m, const otlp_span *sp)
{
    mx_span s = {.sp = sp, .ms = span_ms(sp), .error = sp->status_code == 2};
    m->api->metric_add(m->m_spans, 1);
    if (!m->svc || !mx_slot_of(m, sp->end_time_unix_nano, &s.slot))
        return NULL;
    s.service = m->svc->id;
    s.entry = sp->kind == KIND_SERVER || sp->kind == KIND_CONSUMER || sp->parent_span_id.len == 0;
    if (s.entry)
        mx_slice_add(m->svc->slices, &s);
    pair(m, &s);
    mx_op *op = mx_op_get(m, s.service, &sp->name);
    return op ? mx_anomaly_check(m, op, &s) : NULL;
}

static void enter_resource(mx *m, const otlp_resource *r)
{
    m->res = r;
    m->svc = NULL;
    mx_pair_resource(m);
    if (r->service_name.ptr) /* the collector's connectors skip the others too */
        m->svc = mx_service_get(m, (const char *)r->service_name.ptr, r->service_name.len, false);
}

static int on_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    (void)ed;
    enter_resource(arg, r);
    return 0;
}

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    mx *m = arg;
    const char *finding = learn(m, sp);
    if (!finding)
        return 0;
    const char *key = m->cfg->anomaly_attribute;
    otlp_anyvalue v = {.type = OTLP_ANY_STRING,
                       .bytes = {(const uint8_t *)finding, strlen(finding)}};
    int rc = otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, key, strlen(key), &v, OTLP_ATTR_UPSERT);
    m->flagged += rc > 0;
    return rc < 0 ? rc : 0;
}

static const otlp_edit_fns flag_fns = {.resource = on_resource, .span = on_span};

static int walk(mx *m, const uint8_t *buf, size_t len)
{
    otlp_walker w;
    otlp_resource res;
    otlp_scope sc;
    otlp_span sp;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &res) > 0) {
        enter_resource(m, &res);
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0)
                learn(m, &sp);
    }
    return otlp_walk_error(&w);
}

/* b is lent: its bytes are read during the call only. */
static otelc_status mx_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    mx *m = state;
    const uint8_t *in = otelc_batch_flat(b);
    size_t spans = 0;
    if (!in)
        return OTELC_RETRY;
    bool flag = m->cfg->anomaly_attribute && *m->cfg->anomaly_attribute;
    pthread_mutex_lock(&m->mu);
    mx_pair_expire(m, otelc_mono_ns());
    m->now_ns = otelc_real_ns();
    m->flagged = 0;
    int rc = flag ? otlp_edit_run(m->ed, in, otelc_batch_len(b), &flag_fns, m, &spans)
                  : walk(m, in, otelc_batch_len(b));
    bool changed = m->flagged > 0;
    pthread_mutex_unlock(&m->mu);
    if (rc == OTLP_ENOMEM)
        return OTELC_RETRY;
    if (rc != OTLP_OK) {
        m->api->log(m->ctx, OTELC_LOG_WARN, "a request was refused: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    return attr_emit(m->ctx, m->api, m->ed, b, t, spans, changed);
}

static void counter(mx *m, otelc_series **out, const char *name, const char *help,
                    const char *kind)
{
    const char *labels[] = {"processor", m->api->instance_id(m->ctx), kind ? "kind" : NULL,
                            kind, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = OTELC_COUNTER, .labels = labels};
    *out = m->api->metric(m->ctx, &d);
}

#define P "otelc_processor_metadata_extractor_"

static void metrics_init(mx *m)
{
    counter(m, &m->m_spans, P "spans_total", "spans seen", NULL);
    counter(m, &m->m_late, P "late_spans_total", "spans older than the window, not counted", NULL);
    counter(m, &m->m_capped, P "capped_total",
            "spans of services, operations or edges not kept: a max_* key was reached", NULL);
    counter(m, &m->m_dropped, P "dropped_requests_total",
            "request sides not stored: store.max_items was reached", NULL);
    counter(m, &m->m_expired, P "expired_requests_total",
            "requests whose other side did not come within store.ttl", NULL);
    counter(m, &m->m_anomalies[MX_LATENCY], P "anomalies_total", "anomalies found", "latency");
    counter(m, &m->m_anomalies[MX_ERROR_RATE], P "anomalies_total", "anomalies found",
            "error_rate");
}

static void mx_destroy(void *state)
{
    mx *m = state;
    mx_pair_free(m);
    mx_model_free(m);
    mx_anomaly_free(m);
    otlp_editor_free(m->ed);
    pbw_free(&m->scratch);
    free(m->peers.lens);
    free(m->dbs.lens);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static int config_check(mx *m)
{
    const mx_cfg *c = m->cfg;
    const char *bad = c->window_ns < MX_SLICES * 1000000LL ? "window: at least 15ms"
                      : c->max_services < 1 || c->max_operations < 1 || c->max_edges < 1
                          ? "max_services, max_operations and max_edges: at least 1"
                      : c->max_anomalies < 1     ? "anomalies.max_kept: at least 1"
                      : c->latency_factor <= 0   ? "anomalies.latency_factor: above 0"
                      : c->store_max_items < 0   ? "store.max_items: not negative"
                      : c->error_rate_threshold <= 0 || c->error_rate_threshold > 1
                          ? "anomalies.error_rate_threshold: above 0, at most 1"
                          : NULL;
    if (bad)
        m->api->config_error(m->ctx, m->api->config_node(m->ctx), "%s", bad);
    return bad ? -1 : 0;
}

/* An absent peer list takes the default, an empty one turns virtual
 * nodes off; an empty database list takes the default (as the collector's
 * service graph does). */
static int names_init(mx_names *n, otelc_strlist list)
{
    n->list = list;
    n->lens = calloc(list.n + 1, sizeof(size_t));
    for (size_t i = 0; n->lens && i < list.n; i++)
        n->lens[i] = strlen(list.items[i]);
    return n->lens ? 0 : -1;
}

static int config_lists(mx *m)
{
    bool peers_set = otlpm_config_has(m->ctx, m->api, "virtual_node_peer_attributes");
    otelc_strlist dbs = m->cfg->db_attributes;
    return names_init(&m->peers, peers_set ? m->cfg->peer_attributes
                                           : (otelc_strlist){3, default_peers}) |
           names_init(&m->dbs, dbs.n ? dbs : (otelc_strlist){1, default_db});
}

static int serve(mx *m)
{
    const otelc_host_api *api = m->api;
    if (otelc_host_has(api, http_serve_settings))
        return api->http_serve_settings(m->ctx, m->cfg->endpoint, api->config_node(m->ctx));
    if (m->cfg->tls || m->cfg->auth) {
        api->config_error(m->ctx, api->config_node(m->ctx), "tls and auth need a newer host");
        return -1;
    }
    return otelc_host_has(api, http_serve) ? api->http_serve(m->ctx, m->cfg->endpoint) : -1;
}

static int mx_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    mx *m = calloc(1, sizeof(*m));
    if (!m)
        return -1;
    *m = (mx){.ctx = ctx, .api = api, .cfg = cfgp};
    pthread_mutex_init(&m->mu, NULL);
    pbw_init(&m->scratch);
    otlpm_table_init(&m->waits);
    m->slice_ns = m->cfg->window_ns / MX_SLICES;
    metrics_init(m);
    m->ed = otlp_editor_new();
    if (config_lists(m) != 0 || config_check(m) != 0 || !m->ed || mx_model_init(m) != 0 || mx_anomaly_init(m) != 0 ||
        serve(m) != 0 || mx_view_routes(m) != 0) {
        mx_destroy(m); /* destroy follows only a successful create */
        return -1;
    }
    *state = m;
    return 0;
}

static int mx_shutdown(void *state, int64_t deadline_ns)
{
    (void)state, (void)deadline_ns;
    return 0; /* nothing is held between batches */
}

static const otelc_plugin mx_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "metadata_extractor",
    .version = "1.0.0",
    .doc = "learns the service graph, RED figures and anomalies from the spans passing; serves "
           "them on the trace_query endpoint",
    .config_keys = mx_keys,
    .config_size = sizeof(mx_cfg),
    .signals = OTELC_TRACES,
    .create = mx_create,
    .consume = mx_consume,
    .shutdown = mx_shutdown,
    .destroy = mx_destroy,
};

OTELC_PLUGIN(mx_desc)
