/*
 * tq_service.c: the trace_query extension: descriptor, lifecycle, routes
 * and the query threads.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq_compact.h"
#include "trace_query.h"

static void answer_text(tq_query *q, otelc_http_req *req, int status, const char *text)
{
    static const char *const h[] = {"Content-Type", "text/plain; charset=utf-8", NULL};
    q->api->http_respond(req, status, h, text, strlen(text));
}

void query_fail(tq_query *q, otelc_http_req *req, int status, const char *msg)
{
    static const char *const h[] = {"Content-Type", "application/json", NULL};
    qout o;
    qout_init(&o, q->api, NULL, 0, NULL);
    qout_puts(&o, "{\"error\":");
    jw_cstr(&o, msg);
    qout_puts(&o, "}\n");
    if (o.failed)
        answer_text(q, req, status, msg);
    else
        q->api->http_respond(req, status, h, o.buf, o.len);
    qout_free(&o);
}

/* Admin thread: queues the route's work for a query thread. */
static void on_route(void *arg, otelc_http_req *req)
{
    query_route *r = arg;
    tq_query *q = r->q;
    query_job *job = calloc(1, sizeof(*job));
    if (!job) {
        query_fail(q, req, 500, "out of memory");
        return;
    }
    job->fn = r->fn;
    job->req = req;
    pthread_mutex_lock(&q->mu);
    bool open = q->open, busy = q->queued >= QUERY_QUEUE_MAX;
    if (open && !busy) {
        *q->tail = job;
        q->tail = &job->next;
        q->queued++;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    if (!open || busy) {
        free(job);
        query_fail(q, req, 503, open ? "too many queries waiting: try again" : "shutting down");
    }
}

static void on_echo(void *arg, otelc_http_req *req)
{
    answer_text(arg, req, 200, "echo");
}

static void on_ready(void *arg, otelc_http_req *req)
{
    tq_query *q = arg;
    pthread_mutex_lock(&q->mu);
    bool open = q->open;
    pthread_mutex_unlock(&q->mu);
    answer_text(q, req, open ? 200 : 503, open ? "ready" : "shutting down");
}

static void *worker_main(void *arg)
{
    tq_query *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->head && q->open)
            pthread_cond_wait(&q->cv, &q->mu);
        query_job *job = q->head;
        if (!job)
            break;
        q->head = job->next;
        if (!q->head)
            q->tail = &q->head;
        q->queued--;
        bool open = q->open;
        pthread_mutex_unlock(&q->mu);
        if (open)
            job->fn(q, job->req);
        else
            query_fail(q, job->req, 503, "shutting down");
        free(job);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static int add_route(tq_query *q, size_t *i, const char *pattern, query_fn fn)
{
    q->routes[*i] = (query_route){q, fn};
    return q->api->route(q->ctx, "GET", pattern, on_route, &q->routes[(*i)++]);
}

static int register_routes(tq_query *q)
{
    size_t i = 0;
    if (add_route(q, &i, "/spans", q_spans) != 0 ||
        add_route(q, &i, "/api/services", q_services) != 0 ||
        add_route(q, &i, "/api/services/{service}/operations", q_operations) != 0 ||
        add_route(q, &i, "/api/operations", q_operations_v2) != 0 ||
        add_route(q, &i, "/api/traces", q_search) != 0 ||
        add_route(q, &i, "/api/traces/{traceId}", q_trace) != 0 ||
        add_route(q, &i, "/api/v2/traces/{traceId}", q_trace_v2) != 0)
        return -1;
    if (q->api->route(q->ctx, "GET", "/api/echo", on_echo, q) != 0 ||
        q->api->route(q->ctx, "GET", "/ready", on_ready, q) != 0)
        return -1;
    return 0;
}

static int start_workers(tq_query *q)
{
    int rc = 0;
    for (; q->nworkers < QUERY_WORKERS; q->nworkers++)
        if ((rc = pthread_create(&q->workers[q->nworkers], NULL, worker_main, q)) != 0)
            break;
    return rc == 0 ? 0 : -1;
}

/* The query API on its endpoint, with tls and auth when the config has
 * them (a host older than http_serve_settings cannot serve those). */
static int serve(tq_query *q)
{
    const otelc_host_api *api = q->api;
    if (otelc_host_has(api, http_serve_settings))
        return api->http_serve_settings(q->ctx, q->cfg->endpoint, api->config_node(q->ctx));
    if (q->cfg->tls || q->cfg->auth) {
        api->config_error(q->ctx, q->cfg->tls ? q->cfg->tls : q->cfg->auth,
                          "the host is too old for tls and auth on this endpoint");
        return -1;
    }
    return otelc_host_has(api, http_serve) ? api->http_serve(q->ctx, q->cfg->endpoint) : -1;
}

static int tq_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg_, void **state)
{
    const tq_cfg *cfg = cfg_;
    char err[512];
    tq_query *q = calloc(1, sizeof(*q));
    if (!q)
        return -1;
    *q = (tq_query){.api = api, .ctx = ctx, .cfg = cfg};
    q->tail = &q->head;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    pthread_cond_init(&q->compact_cv, NULL);
    *state = q;
    if (tq_settings_init(&q->set, cfg, err, sizeof(err)) != 0) {
        api->config_error(ctx, api->config_node(ctx), "%s", err);
        return -1;
    }
    if (serve(q) != 0)
        return -1;
    return register_routes(q) == 0 ? 0 : -1;
}

static void counter(tq_query *q, otelc_series **out, const char *name, const char *help)
{
    const otelc_metric_desc d = {.name = name, .help = help, .type = OTELC_COUNTER};
    *out = q->api->metric(q->ctx, &d);
}

static int tq_start(void *state)
{
    tq_query *q = state;
    char err[512] = "libcurl failed";
    s3_creds *creds = NULL;
    s3_creds_in in = {q->cfg->access_key_id, q->cfg->secret_access_key, q->cfg->session_token,
                      NULL};
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        s3_creds_resolve(&in, &creds, err, sizeof(err)) != 0) {
        q->api->log(q->ctx, OTELC_LOG_ERROR, "%s", err);
        return -1;
    }
    counter(q, &q->files_skipped, "otelc_trace_query_files_skipped_total",
            "objects in the table's prefix that are not trace-table files");
    counter(q, &q->gets, "otelc_trace_query_gets_total", "GETs of the bucket");
    counter(q, &q->bytes_read, "otelc_trace_query_read_bytes_total", "bytes read from the bucket");
    counter(q, &q->compact_outputs, "otelc_trace_query_compaction_outputs_total",
            "compacted files written");
    counter(q, &q->compact_files, "otelc_trace_query_compaction_inputs_total",
            "small files merged into compacted ones and deleted");
    counter(q, &q->compact_spans, "otelc_trace_query_compaction_spans_total",
            "spans written into compacted files");
    counter(q, &q->compact_failures, "otelc_trace_query_compaction_failures_total",
            "groups of files that could not be compacted (retried next round)");
    q->reader = s3_reader_new(&q->set.ep, creds);
    q->table = tq_table_new(q->set.cache_max_size);
    char space[1100];
    snprintf(space, sizeof(space), "%s%s", q->set.ep.base_url, q->set.ep.path_prefix);
    snprintf(space + strlen(space), sizeof(space) - strlen(space), " %s", q->set.ep.bucket);
    q->disk = tq_disk_open(q->set.cache_dir, space, q->set.cache_max_size, err, sizeof(err));
    if (q->set.cache_dir[0] && !q->disk) {
        q->api->log(q->ctx, OTELC_LOG_ERROR, "%s", err);
        return -1;
    }
    if (!q->reader || !q->table || s3_reader_start(q->reader) != 0) {
        q->api->log(q->ctx, OTELC_LOG_ERROR, "cannot start: out of resources");
        return -1;
    }
    /* Open before the workers run: a worker that finds the queue closed
     * and empty ends. */
    pthread_mutex_lock(&q->mu);
    q->open = true;
    pthread_mutex_unlock(&q->mu);
    if (start_workers(q) != 0 || tq_compact_start(q) != 0) {
        q->api->log(q->ctx, OTELC_LOG_ERROR, "cannot start the query threads");
        return -1;
    }
    q->api->log(q->ctx, OTELC_LOG_INFO, "serving the trace table of bucket %s%s%s at %s",
                q->set.ep.bucket, q->set.key_prefix[0] ? " under " : "", q->set.key_prefix,
                q->set.ep.base_url);
    return 0;
}

static int tq_shutdown(void *state, int64_t deadline_ns)
{
    tq_query *q = state;
    (void)deadline_ns;
    pthread_mutex_lock(&q->mu);
    q->open = false;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (q->reader)
        s3_reader_stop(q->reader); /* a query waiting on the bucket wakes up */
    for (size_t i = 0; i < q->nworkers; i++)
        pthread_join(q->workers[i], NULL);
    q->nworkers = 0;
    tq_compact_stop(q);
    return 0;
}

static void tq_destroy(void *state)
{
    tq_query *q = state;
    tq_shutdown(q, 0);
    s3_reader_free(q->reader);
    tq_table_free(q->table);
    tq_disk_close(q->disk);
    pthread_cond_destroy(&q->cv);
    pthread_cond_destroy(&q->compact_cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

static const otelc_plugin tq_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = "trace_query",
    .version = OTELC_VERSION,
    .doc = "Jaeger, Tempo and /spans queries over the Parquet trace table in S3",
    .config_keys = tq_config_keys,
    .config_size = sizeof(tq_cfg),
    .create = tq_create,
    .start = tq_start,
    .shutdown = tq_shutdown,
    .destroy = tq_destroy,
};

OTELC_PLUGIN(tq_plugin)
