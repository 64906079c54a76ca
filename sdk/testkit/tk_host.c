/*
 * tk_host.c: the test host itself: its table, the instance's identity,
 * logs and errors, health, pause and the end-of-test check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "host_batch.h"
#include "testkit_impl.h"

int tk_vec_push(tk_vec *v, void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void **grown = realloc(v->items, cap * sizeof(*grown));
        if (!grown)
            return -1;
        v->items = grown;
        v->cap = cap;
    }
    v->items[v->n++] = item;
    return 0;
}

void tk_vec_clear(tk_vec *v, void (*free_fn)(void *))
{
    for (size_t i = 0; free_fn && i < v->n; i++)
        free_fn(v->items[i]);
    free(v->items);
    *v = (tk_vec){0};
}

struct timespec tk_deadline(int timeout_ms)
{
    return otelc_timespec(otelc_mono_ns() + (int64_t)timeout_ms * 1000000);
}

otelc_test_host *tk_host(otelc_ctx *ctx)
{
    if (!ctx || ctx->magic != TK_CTX_MAGIC) {
        fprintf(stderr, "otelc testkit: plugin passed an invalid context: ABI misuse\n");
        abort();
    }
    return ctx->h;
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void tk_vlog(otelc_test_host *h, otelc_log_level level, const char *fmt, va_list ap)
{
    char msg[1024];
    char *line = NULL;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    const char *name = (unsigned)level < 4 ? level_names[level] : "debug";
    if (asprintf(&line, "%s: %s", name, msg) < 0)
        return;
    pthread_mutex_lock(&h->mu);
    if (tk_vec_push(&h->logs, line) != 0)
        free(line);
    pthread_mutex_unlock(&h->mu);
}

void tk_log(otelc_test_host *h, otelc_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tk_vlog(h, level, fmt, ap);
    va_end(ap);
}

/* Replaces the last error with msg (taken). */
static void set_last_error(otelc_test_host *h, char *msg)
{
    pthread_mutex_lock(&h->mu);
    free(h->last_error);
    h->last_error = msg;
    pthread_mutex_unlock(&h->mu);
}

void tk_error(otelc_test_host *h, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    tk_log(h, OTELC_LOG_ERROR, "%s", msg);
    set_last_error(h, msg);
}

static void api_log(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...)
    OTELC_PRINTF(3, 4);
static void api_log(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tk_vlog(tk_host(ctx), level, fmt, ap);
    va_end(ap);
}

static void api_config_error(otelc_ctx *ctx, const otelc_node *at, const char *fmt, ...)
    OTELC_PRINTF(3, 4);
static void api_config_error(otelc_ctx *ctx, const otelc_node *at, const char *fmt, ...)
{
    va_list ap;
    tk_note_config_call(tk_host(ctx));
    va_start(ap, fmt);
    tk_vconfig_error(tk_host(ctx), at, false, fmt, ap);
    va_end(ap);
}

/* Replaces *slot with a copy of text (NULL stays NULL). */
static void set_text(otelc_test_host *h, char **slot, const char *text)
{
    char *copy = text ? strdup(text) : NULL;
    pthread_mutex_lock(&h->mu);
    free(*slot);
    *slot = copy;
    pthread_mutex_unlock(&h->mu);
}

static void api_exporter_pause(otelc_ctx *ctx, const char *reason)
{
    otelc_test_host *h = tk_host(ctx);
    set_text(h, &h->pause_reason, reason);
    pthread_mutex_lock(&h->mu);
    h->paused = true;
    pthread_mutex_unlock(&h->mu);
}

static void api_exporter_resume(otelc_ctx *ctx)
{
    otelc_test_host *h = tk_host(ctx);
    pthread_mutex_lock(&h->mu);
    h->paused = false;
    pthread_mutex_unlock(&h->mu);
}

static void api_health(otelc_ctx *ctx, otelc_health status, const char *detail)
{
    otelc_test_host *h = tk_host(ctx);
    set_text(h, &h->health_detail, detail);
    pthread_mutex_lock(&h->mu);
    h->health = status;
    pthread_mutex_unlock(&h->mu);
}

static const char *api_instance_id(otelc_ctx *ctx)
{
    return tk_host(ctx)->instance_id;
}

static const char *api_pipeline_id(otelc_ctx *ctx)
{
    return tk_host(ctx)->pipeline_id;
}

static const char *api_pipeline_storage(otelc_ctx *ctx)
{
    return tk_host(ctx)->pipeline_storage;
}

static int64_t api_exporter_timeout(otelc_ctx *ctx)
{
    return tk_host(ctx)->exporter_timeout_ns;
}

static uint32_t api_exporter_consumers(otelc_ctx *ctx)
{
    return tk_host(ctx)->exporter_consumers;
}

static const otelc_node *api_config_node(otelc_ctx *ctx)
{
    return tk_host(ctx)->config;
}

static void api_consume_ready(otelc_ctx *ctx)
{
    otelc_test_host *h = tk_host(ctx);
    pthread_mutex_lock(&h->mu);
    h->ready_calls++;
    pthread_mutex_unlock(&h->mu);
}

static const otelc_host_api test_api = {
    .struct_size = sizeof(otelc_host_api),
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .log = api_log,
    .batch_adopt = otelc_hbatch_adopt,
    .batch_copy = otelc_hbatch_copy,
    .batch_merge = otelc_hbatch_merge,
    .emit = tk_emit,
    .emit_ticket = tk_emit_ticket,
    .complete = tk_complete,
    .exporter_pause = api_exporter_pause,
    .exporter_resume = api_exporter_resume,
    .metric = tk_metric,
    .metric_add = tk_metric_add,
    .metric_set = tk_metric_set,
    .metric_observe = tk_metric_observe,
    .health = api_health,
    .route = tk_route,
    .http_param = tk_http_param,
    .http_query = tk_http_query,
    .http_header = tk_http_header,
    .http_body = tk_http_body,
    .http_respond = tk_http_respond,
    .http_stream_start = tk_http_stream_start,
    .http_stream_chunk = tk_http_stream_chunk,
    .http_stream_end = tk_http_stream_end,
    .config_error = api_config_error,
    .node_kind = tk_node_kind,
    .node_len = tk_node_len,
    .node_at = tk_node_at,
    .node_key = tk_node_key,
    .node_get = tk_node_get,
    .node_string = tk_node_string,
    .node_int = tk_node_int,
    .node_bool = tk_node_bool,
    .node_duration = tk_node_duration,
    .instance_id = api_instance_id,
    .pipeline_id = api_pipeline_id,
    .exporter_timeout_ns = api_exporter_timeout,
    .exporter_consumers = api_exporter_consumers,
    .config_node = api_config_node,
    .consume_ready = api_consume_ready,
    .export_batching = tk_export_batching,
    .http_serve = tk_http_serve,
    .service_provide = tk_service_provide,
    .service_lookup = tk_service_lookup,
    .memory_release = tk_memory_release,
    .signals_fed = tk_signals_fed,
    .http_serve_settings = tk_http_serve_settings,
    .pipeline_storage = api_pipeline_storage,
};

/* Timed waits use CLOCK_MONOTONIC so a clock step cannot stretch them. */
static int init_sync(otelc_test_host *h)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&h->changed, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&h->mu, NULL) != 0) {
        pthread_cond_destroy(&h->changed);
        return -1;
    }
    return 0;
}

otelc_test_host *otelc_test_host_new(void)
{
    otelc_test_host *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    if (init_sync(h) != 0) {
        free(h);
        return NULL;
    }
    h->ctx = (struct otelc_ctx){TK_CTX_MAGIC, h};
    h->exporter_consumers = 1;
    h->answer = OTELC_OK;
    h->health = OTELC_HEALTH_OK;
    h->instance_id = strdup("test");
    h->pipeline_id = strdup("traces");
    h->signals_fed = OTELC_TRACES;
    if (!h->instance_id || !h->pipeline_id) {
        otelc_test_host_free(h);
        return NULL;
    }
    return h;
}

void otelc_test_host_free(otelc_test_host *h)
{
    if (!h)
        return;
    tk_emits_free(h);
    tk_routes_free(h);
    free(h->serve_endpoint);
    free(h->serve_auth);
    tk_services_free(h);
    tk_vec_clear(&h->series, tk_series_free);
    tk_vec_clear(&h->logs, free);
    tk_vec_clear(&h->batching_keys, free);
    tk_vec_clear(&h->cfg_allocs, free);
    tk_node_free(h->config);
    free(h->cfg);
    free(h->instance_id);
    free(h->pipeline_id);
    free(h->pipeline_storage);
    free(h->last_error);
    free(h->health_detail);
    free(h->pause_reason);
    h->ctx.magic = 0;
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

const otelc_host_api *otelc_test_host_api(otelc_test_host *h)
{
    (void)h; /* one table serves every host: the context tells them apart */
    return &test_api;
}

otelc_ctx *otelc_test_host_ctx(otelc_test_host *h)
{
    return &h->ctx;
}

void otelc_test_host_set_ids(otelc_test_host *h, const char *instance_id,
                             const char *pipeline_id)
{
    set_text(h, &h->instance_id, instance_id);
    set_text(h, &h->pipeline_id, pipeline_id);
}

void otelc_test_host_set_pipeline_storage(otelc_test_host *h, const char *storage_id)
{
    set_text(h, &h->pipeline_storage, storage_id);
}

void otelc_test_host_set_exporter(otelc_test_host *h, int64_t timeout_ns, uint32_t consumers)
{
    pthread_mutex_lock(&h->mu);
    h->exporter_timeout_ns = timeout_ns;
    h->exporter_consumers = consumers;
    pthread_mutex_unlock(&h->mu);
}

int otelc_test_host_check(otelc_test_host *h)
{
    char *msg = NULL;
    size_t problems = tk_emit_problems(h, &msg);
    if (problems == 0)
        return 0;
    tk_log(h, OTELC_LOG_ERROR, "check: %s", msg ? msg : "out of memory");
    set_last_error(h, msg);
    return -1;
}

const char *otelc_test_host_last_error(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    const char *e = h->last_error;
    pthread_mutex_unlock(&h->mu);
    return e;
}

size_t otelc_test_host_config_errors(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    size_t n = h->config_errors;
    pthread_mutex_unlock(&h->mu);
    return n;
}

size_t otelc_test_log_count(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    size_t n = h->logs.n;
    pthread_mutex_unlock(&h->mu);
    return n;
}

const char *otelc_test_log_line(otelc_test_host *h, size_t i)
{
    pthread_mutex_lock(&h->mu);
    const char *line = i < h->logs.n ? h->logs.items[i] : NULL;
    pthread_mutex_unlock(&h->mu);
    return line;
}

size_t otelc_test_logged(otelc_test_host *h, const char *needle)
{
    size_t n = 0;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->logs.n; i++)
        n += strstr(h->logs.items[i], needle) != NULL;
    pthread_mutex_unlock(&h->mu);
    return n;
}

otelc_health otelc_test_host_health(otelc_test_host *h, const char **detail)
{
    pthread_mutex_lock(&h->mu);
    otelc_health st = h->health;
    if (detail)
        *detail = h->health_detail;
    pthread_mutex_unlock(&h->mu);
    return st;
}

bool otelc_test_host_paused(otelc_test_host *h, const char **reason)
{
    pthread_mutex_lock(&h->mu);
    bool paused = h->paused;
    if (reason)
        *reason = h->pause_reason;
    pthread_mutex_unlock(&h->mu);
    return paused;
}

size_t otelc_test_host_ready_calls(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    size_t n = h->ready_calls;
    pthread_mutex_unlock(&h->mu);
    return n;
}
