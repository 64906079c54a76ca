/*
 * query.c: the query service's routes, threads and lifecycle.
 */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void on_reindex(void *arg, otelc_http_req *req)
{
    tq_query *q = arg;
    pthread_mutex_lock(&q->mu);
    bool open = q->open;
    pthread_mutex_unlock(&q->mu);
    int status = open ? awss3_reindex_start(q, req, true) : 503;
    if (status != 0)
        query_fail(q, req, status, status == 409   ? "a reindex is running already"
                                   : status == 503 ? "shutting down"
                                                   : "cannot start a thread");
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
        q->api->route(q->ctx, "GET", "/ready", on_ready, q) != 0 ||
        q->api->route(q->ctx, "POST", "/api/reindex", on_reindex, q) != 0)
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

int tq_query_start(awss3 *x)
{
    tq_query *q = calloc(1, sizeof(*q));
    if (!q)
        return -1;
    x->query = q;
    q->x = x;
    q->api = x->api;
    q->ctx = x->ctx;
    q->env = x->index;
    q->tail = &q->head;
    q->open = true;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    atomic_init(&q->stop_reindex, false);
    q->cache = awss3_objcache_new(x->set.index_cache_size);
    if (!q->cache || start_workers(q) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "query API: out of resources");
        return -1;
    }
    if (register_routes(q) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "query API: a route is served already (another "
                                             "awss3 exporter? set index.enabled: false on all "
                                             "but one)");
        return -1;
    }
    return 0;
}

void tq_query_stop(awss3 *x)
{
    tq_query *q = x->query;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->open = false;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    atomic_store(&q->stop_reindex, true);
    awss3_fetch_stop(x); /* a thread waiting on the bucket wakes up */
    for (size_t i = 0; i < q->nworkers; i++)
        pthread_join(q->workers[i], NULL);
    q->nworkers = 0;
    pthread_mutex_lock(&q->mu);
    bool join = q->reindex_joinable;
    q->reindex_joinable = false;
    pthread_mutex_unlock(&q->mu);
    if (join)
        pthread_join(q->reindex_thread, NULL);
}

void tq_query_free(awss3 *x)
{
    tq_query *q = x->query;
    if (!q)
        return;
    awss3_objcache_free(q->cache);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
    x->query = NULL;
}
