/*
 * host_api.c: the services table handed to every plugin. Each entry
 * checks the handle it is given (a magic number) so that ABI misuse fails
 * loudly, then forwards to the module that does the work.
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "host_batch.h"
#include "config/config_value.h"
#include "graph.h"
#include "telemetry/health.h"
#include "host_metrics.h"
#include "host_serve.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

static otelc_ctx *CTX(otelc_ctx *c)
{
    if (!c || c->magic != OTELC_CTX_MAGIC) {
        otelc_log(OTELC_LOG_ERROR, "host", "plugin passed an invalid context: ABI misuse");
        abort();
    }
    return c;
}

static void api_log(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...)
    OTELC_PRINTF(3, 4);
static void api_log(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    otelc_vlog(level, CTX(ctx)->log_name, fmt, ap);
    va_end(ap);
}

static void api_exporter_pause(otelc_ctx *ctx, const char *reason)
{
    otelc_ctx *c = CTX(ctx);
    if (!c->queue)
        return;
    queue_pause(c->queue, reason);
    health_report(c->health, OTELC_HEALTH_UNHEALTHY, reason);
}

static void api_exporter_resume(otelc_ctx *ctx)
{
    otelc_ctx *c = CTX(ctx);
    if (!c->queue)
        return;
    queue_resume(c->queue);
    health_report(c->health, OTELC_HEALTH_OK, NULL);
}

static otelc_series *api_metric(otelc_ctx *ctx, const otelc_metric_desc *d)
{
    return metrics_series(CTX(ctx)->h->metrics, d);
}

static void api_health(otelc_ctx *ctx, otelc_health status, const char *detail)
{
    health_report(CTX(ctx)->health, status, detail);
}

static int api_route(otelc_ctx *ctx, const char *method, const char *pattern, otelc_route_fn fn,
                     void *arg)
{
    otelc_ctx *c = CTX(ctx);
    unsigned scope = c->route_scope ? c->route_scope : ADMIN_SCOPE_API;
    /* admin_route_scoped logs why a claim fails. */
    return admin_route_scoped(c->h->admin, scope, method, pattern, fn, arg);
}


static void api_config_error(otelc_ctx *ctx, const otelc_node *at, const char *fmt, ...)
    OTELC_PRINTF(3, 4);
static void api_config_error(otelc_ctx *ctx, const otelc_node *at, const char *fmt, ...)
{
    otelc_ctx *c = CTX(ctx);
    char msg[1024], where[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    atomic_fetch_add(&c->config_errors, 1);
    otelc_errors_prefix(where, sizeof(where), at ? at : c->node, false);
    otelc_log(OTELC_LOG_ERROR, c->log_name, "%s%s", where, msg);
}

static int api_node_kind(const otelc_node *n)
{
    return otelc_node_kind_of(n);
}

static const otelc_node *api_node_at(const otelc_node *n, size_t i)
{
    const otelc_node *c = otelc_node_first(n);
    while (c && i--)
        c = otelc_node_next(c);
    return c;
}

/* Typed node reads report through the logger: create() then fails. */
static int report(otelc_ctx *ctx, int rc, otelc_errors *errs)
{
    for (size_t i = 0; i < otelc_errors_count(errs); i++) {
        atomic_fetch_add(&CTX(ctx)->config_errors, 1);
        otelc_log(OTELC_LOG_ERROR, CTX(ctx)->log_name, "%s", otelc_errors_line(errs, i));
    }
    otelc_errors_fini(errs);
    return rc == OTELC_CFG_ERROR ? -1 : 0;
}

static int api_node_string(otelc_ctx *ctx, const otelc_node *n, const char **out)
{
    otelc_errors e;
    otelc_errors_init(&e);
    return report(ctx, otelc_cfg_string(n, &e, out), &e);
}

static int api_node_int(otelc_ctx *ctx, const otelc_node *n, int64_t *out)
{
    otelc_errors e;
    otelc_errors_init(&e);
    return report(ctx, otelc_cfg_int(n, &e, INT64_MIN, INT64_MAX, out), &e);
}

static int api_node_bool(otelc_ctx *ctx, const otelc_node *n, bool *out)
{
    otelc_errors e;
    otelc_errors_init(&e);
    return report(ctx, otelc_cfg_bool(n, &e, out), &e);
}

static int api_node_duration(otelc_ctx *ctx, const otelc_node *n, int64_t *out)
{
    otelc_errors e;
    otelc_errors_init(&e);
    return report(ctx, otelc_cfg_duration(n, &e, false, out), &e);
}

static const char *api_instance_id(otelc_ctx *ctx)
{
    return CTX(ctx)->id;
}

static const char *api_pipeline_id(otelc_ctx *ctx)
{
    return CTX(ctx)->pipeline;
}

static int64_t api_exporter_timeout(otelc_ctx *ctx)
{
    return CTX(ctx)->qcfg.timeout_ns;
}

static uint32_t api_exporter_consumers(otelc_ctx *ctx)
{
    return CTX(ctx)->qcfg.num_consumers;
}

/* A receiver's emit is counted when its outcome is known. */
typedef struct counted {
    otelc_ctx *c;
    uint32_t spans; /* items of signal */
    otelc_signal signal;
    char transport[32]; /* "": none named */
    otelc_done_fn done;
    void *arg;
} counted;

static void counted_done(void *arg, otelc_status st)
{
    counted *k = arg;
    host_metrics_receiver(k->c, st, k->signal, k->spans, k->transport[0] ? k->transport : NULL);
    k->done(k->arg, st);
    free(k);
}

static otelc_status api_emit(otelc_ctx *ctx, otelc_batch *b, otelc_done_fn done, void *arg)
{
    otelc_ctx *c = CTX(ctx);
    if (c->plugin->desc->kind != OTELC_RECEIVER)
        return host_emit(c, b, done, arg);
    counted *k = malloc(sizeof(*k));
    if (!k)
        return OTELC_RETRY;
    *k = (counted){.c = c, .spans = otelc_batch_spans(b), .signal = otelc_batch_signal(b),
                   .done = done, .arg = arg};
    const otelc_batch_meta *m = otelc_batch_meta_of(b);
    if (m && m->transport) /* the host's own batch: always the full struct */
        snprintf(k->transport, sizeof(k->transport), "%s", m->transport);
    otelc_status st = host_emit(c, b, counted_done, k);
    if (st != OTELC_PENDING) {
        host_metrics_receiver(c, st, k->signal, k->spans, k->transport[0] ? k->transport : NULL);
        free(k);
    }
    return st;
}

static const otelc_node *api_config_node(otelc_ctx *ctx)
{
    return CTX(ctx)->node;
}

static void api_consume_ready(otelc_ctx *ctx)
{
    host_resume_waiters(CTX(ctx)->h);
}

static otelc_status api_emit_ticket(otelc_ctx *ctx, otelc_batch *b, otelc_ticket *t)
{
    return host_emit_ticket(CTX(ctx), b, t);
}

/* Why b cannot be taken, or NULL. */
static const char *batching_problem(const otelc_ctx *c, const otelc_batching *b)
{
    if (c->plugin->desc->kind != OTELC_PROCESSOR || c->created)
        return "export_batching is for processors, from create";
    if (!b || b->struct_size < offsetof(otelc_batching, arg) + sizeof(b->arg))
        return "export_batching: otelc_batching too small";
    if (b->flush_timeout_ns <= 0)
        return "export_batching: flush_timeout must be positive";
    if (b->max_items && b->max_items < b->min_items)
        return "export_batching: max_items below min_items";
    if (b->metadata_keys.n > QUEUE_MAX_PARTITION_KEYS)
        return "export_batching: too many metadata keys";
    return NULL;
}

/* The instance's routes on an endpoint of their own, with srv's tls and
 * auth (NULL: none asked). */
static int serve(otelc_ctx *c, const char *endpoint, const otelc_http_server *srv)
{
    char err[512];
    const otelc_node *at = otelc_node_child(c->node, "endpoint");
    if (!at)
        at = c->node;
    if (c->created || c->route_scope) {
        api_config_error(c, at, "http_serve: from create, once");
        return -1;
    }
    c->route_scope = admin_scope_new(c->h->admin);
    if (!c->route_scope) {
        api_config_error(c, at, "http_serve: too many component endpoints");
        return -1;
    }
    if (!endpoint || host_serve_component(c, endpoint, srv, err, sizeof(err)) != 0) {
        api_config_error(c, at, "endpoint: %s", endpoint ? err : "missing");
        return -1;
    }
    return 0;
}

static int api_http_serve(otelc_ctx *ctx, const char *endpoint)
{
    return serve(CTX(ctx), endpoint, NULL);
}

static int api_http_serve_settings(otelc_ctx *ctx, const char *endpoint, const otelc_node *server)
{
    otelc_ctx *c = CTX(ctx);
    otelc_http_server srv;
    if (host_serve_read(c, otelc_node_child(server, "tls"), otelc_node_child(server, "auth"),
                        &srv) != 0)
        return -1;
    return serve(c, endpoint, &srv);
}

/* ---- services ---- */

/* The kind as the host's own static string, or NULL for one it does not
 * know (a provider from a newer ABI; nobody could look it up anyway). */
static const char *known_kind(const char *kind)
{
    static const char *const kinds[] = {OTELC_SERVICE_AUTH_SERVER, OTELC_SERVICE_AUTH_CLIENT,
                                        OTELC_SERVICE_STORAGE};
    for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kind, kinds[i]) == 0)
            return kinds[i];
    return NULL;
}

/* The service of kind offered by provider, or by the instance named id. */
static host_service *find_service(host *h, const char *kind, const otelc_ctx *provider,
                                  const char *id)
{
    for (size_t i = 0; i < h->nservices; i++) {
        host_service *s = &h->services[i];
        bool who = provider ? s->provider == provider : id && strcmp(s->provider->id, id) == 0;
        if (who && strcmp(s->kind, kind) == 0)
            return s;
    }
    return NULL;
}

static const char *provide_problem(otelc_ctx *c, const char *kind, const void *vtable)
{
    if (c->plugin->desc->kind != OTELC_EXTENSION || c->created)
        return "service_provide is for extensions, from create";
    if (!vtable || !known_kind(kind))
        return "service_provide: an unknown service kind or no vtable";
    if (find_service(c->h, known_kind(kind), c, NULL))
        return "service_provide: this service is offered already";
    return NULL;
}

static int api_service_provide(otelc_ctx *ctx, const char *kind, const void *vtable, void *state)
{
    otelc_ctx *c = CTX(ctx);
    const char *why = provide_problem(c, kind, vtable);
    host *h = c->h;
    host_service *grown = why ? NULL : realloc(h->services, (h->nservices + 1) * sizeof(*grown));
    if (!why && !grown)
        why = "service_provide: out of memory";
    if (why) {
        api_config_error(c, c->node, "%s", why);
        return -1;
    }
    h->services = grown;
    h->services[h->nservices++] = (host_service){known_kind(kind), c, vtable, state};
    return 0;
}

static const void *api_service_lookup(otelc_ctx *ctx, const char *kind, const char *id,
                                      void **state)
{
    otelc_ctx *c = CTX(ctx);
    const char *k = known_kind(kind);
    const host_service *s = k && id ? find_service(c->h, k, NULL, id) : NULL;
    if (state)
        *state = s ? s->state : NULL;
    return s ? s->vtable : NULL;
}

static void api_memory_release(otelc_ctx *ctx)
{
    host *h = CTX(ctx)->h;
    if (atomic_flag_test_and_set(&h->releasing))
        return;
    uint64_t bytes = 0;
    for (size_t i = 0; i < h->ncomps; i++)
        if (h->comps[i]->queue)
            bytes += queue_release_memory(h->comps[i]->queue);
    malloc_trim(0);
    otelc_log(OTELC_LOG_INFO, CTX(ctx)->log_name,
              "memory release: %llu bytes of queued requests dropped from memory, free "
              "pages returned to the system", (unsigned long long)bytes);
    atomic_flag_clear(&h->releasing);
}

static int api_export_batching(otelc_ctx *ctx, const otelc_batching *b)
{
    otelc_ctx *c = CTX(ctx);
    const char *why = batching_problem(c, b);
    if (why) {
        otelc_log(OTELC_LOG_ERROR, c->log_name, "%s", why);
        return -1;
    }
    c->batching = *b;
    c->batching.struct_size = sizeof(c->batching);
    for (size_t i = 0; i < b->metadata_keys.n; i++) {
        free(c->batching_keys[i]);
        if (!(c->batching_keys[i] = strdup(b->metadata_keys.items[i]))) {
            otelc_log(OTELC_LOG_ERROR, c->log_name, "export_batching: out of memory");
            return -1;
        }
    }
    c->batching.metadata_keys.items = (const char *const *)c->batching_keys;
    c->has_batching = true;
    return 0;
}

/* What the instance feeds, or for an exporter what it is fed. */
static uint32_t api_signals_fed(otelc_ctx *ctx)
{
    otelc_kind k = CTX(ctx)->plugin->desc->kind;
    if (k == OTELC_EXPORTER)
        return host_signals_exported(CTX(ctx));
    return k == OTELC_EXTENSION ? 0 : host_signals_fed(CTX(ctx));
}

/* The storage every exporter downstream queues in, or NULL; the debug log
 * says which, or why none, for an operator who expected otherwise. */
static const char *api_pipeline_storage(otelc_ctx *ctx)
{
    otelc_ctx *c = CTX(ctx);
    char why[512];
    const char *id = graph_pipeline_storage(c, why, sizeof(why));
    if (id)
        otelc_log(OTELC_LOG_DEBUG, c->log_name, "pipeline_storage: %s: every exporter "
                  "downstream queues there", id);
    else
        otelc_log(OTELC_LOG_DEBUG, c->log_name, "pipeline_storage: none: %s", why);
    return id;
}

const otelc_host_api host_api_table = {
    .struct_size = sizeof(otelc_host_api),
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .log = api_log,
    .batch_adopt = otelc_hbatch_adopt,
    .batch_copy = otelc_hbatch_copy,
    .batch_merge = otelc_hbatch_merge,
    .emit = api_emit,
    .emit_ticket = api_emit_ticket,
    .complete = host_complete,
    .exporter_pause = api_exporter_pause,
    .exporter_resume = api_exporter_resume,
    .metric = api_metric,
    .metric_add = metrics_add,
    .metric_set = metrics_set,
    .metric_observe = metrics_observe,
    .health = api_health,
    .route = api_route,
    .http_param = admin_req_param,
    .http_query = admin_req_query,
    .http_header = admin_req_header,
    .http_body = admin_req_body,
    .http_respond = admin_respond,
    .http_stream_start = admin_stream_start,
    .http_stream_chunk = admin_stream_chunk,
    .http_stream_end = admin_stream_end,
    .config_error = api_config_error,
    .node_kind = api_node_kind,
    .node_len = otelc_node_count,
    .node_at = api_node_at,
    .node_key = otelc_node_key,
    .node_get = otelc_node_child,
    .node_string = api_node_string,
    .node_int = api_node_int,
    .node_bool = api_node_bool,
    .node_duration = api_node_duration,
    .instance_id = api_instance_id,
    .pipeline_id = api_pipeline_id,
    .exporter_timeout_ns = api_exporter_timeout,
    .exporter_consumers = api_exporter_consumers,
    .config_node = api_config_node,
    .consume_ready = api_consume_ready,
    .export_batching = api_export_batching,
    .http_serve = api_http_serve,
    .service_provide = api_service_provide,
    .service_lookup = api_service_lookup,
    .memory_release = api_memory_release,
    .signals_fed = api_signals_fed,
    .http_serve_settings = api_http_serve_settings,
    .pipeline_storage = api_pipeline_storage,
};
