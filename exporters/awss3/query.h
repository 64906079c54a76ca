/*
 * query.h: the query API the exporter serves on the host's admin server,
 * from its index and, for everything the index does not hold (attributes,
 * whole spans), from the objects themselves, read back from the bucket
 * through a cache of decoded objects.
 *
 *   GET  /spans                              newest spans, flattened (q_spans.c)
 *   GET  /api/services                       Jaeger: services (q_jaeger.c)
 *   GET  /api/services/{service}/operations  Jaeger: a service's operations
 *   GET  /api/operations?service=&spanKind=  Jaeger: the same with kinds
 *   GET  /api/traces?service=...             Jaeger: search
 *   GET  /api/traces/{traceId}               Jaeger JSON, or OTLP protobuf for
 *                                            Accept: application/protobuf (Tempo)
 *   GET  /api/v2/traces/{traceId}            Tempo TraceByIDResponse (q_tempo.c)
 *   GET  /api/echo, GET /ready               Tempo's probes
 *   POST /api/reindex                        rebuild from the bucket (reindex.c)
 *
 * Threads: the handlers run on the admin thread and only queue the work;
 * a few query threads do it (index reads, fetches through the exporter's
 * loop, decoding) and answer, streaming large answers.
 */
#ifndef OTELC_AWSS3_QUERY_H
#define OTELC_AWSS3_QUERY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "awss3.h"
#include "index.h"
#include "objcache.h"
#include "qout.h"

#define QUERY_WORKERS 2
#define QUERY_QUEUE_MAX 64 /* requests waiting for a query thread; more get 503 */
#define QUERY_MAX_OBJECT (256u << 20)  /* largest object read back, stored form */
#define QUERY_MAX_DECODED (1024u << 20) /* and decoded */

typedef struct awss3_query awss3_query;
typedef void (*query_fn)(awss3_query *q, otelc_http_req *req);

typedef struct query_job {
    query_fn fn;
    otelc_http_req *req;
    struct query_job *next;
} query_job;

/* A route: what its handler queues. */
typedef struct query_route {
    awss3_query *q;
    query_fn fn;
} query_route;

struct awss3_query {
    awss3 *x;
    const otelc_host_api *api;
    otelc_ctx *ctx;
    ix_env *env;
    awss3_objcache *cache;
    query_route routes[12];

    pthread_mutex_t mu;
    pthread_cond_t cv;
    query_job *head, **tail; /* under mu */
    size_t queued;           /* under mu */
    bool open;               /* under mu: taking requests */
    pthread_t workers[QUERY_WORKERS];
    size_t nworkers;

    /* Reindex: one at a time, on a thread of its own (reindex.c). */
    bool reindexing;           /* under mu */
    bool reindex_joinable;     /* main thread / under mu */
    pthread_t reindex_thread;
    otelc_http_req *reindex_req; /* answered when done; NULL at start-up */
    atomic_bool stop_reindex;
};

/*
 * Creates the query service of exporter x (whose index, writer and loop
 * run), registers its routes and starts its threads; x->query is set.
 * Returns 0, or -1 after logging why (a route claimed already, no
 * memory). Main thread, from start.
 */
int awss3_query_start(awss3 *x);

/* Stops taking requests, ends a running reindex, cancels fetches and
 * joins the query threads; queued requests are answered 503. The loop
 * and the writer must still run. Idempotent. Main thread. */
void awss3_query_stop(awss3 *x);

/* Frees what awss3_query_start made (after stop). NULL-safe. */
void awss3_query_free(awss3 *x);

/*
 * Gives objs[i] the decoded object stored under keys[i] (one reference
 * each, release with awss3_obj_unref), from the cache or the bucket.
 * objs[i] is NULL when the object is gone from the bucket. Returns 0, or
 * -1 with a reason in err (the bucket failed, or shutdown): then no
 * reference is held. Query threads.
 */
int awss3_query_load(awss3_query *q, const char *const *keys, size_t n, awss3_obj **objs,
                     char *err, size_t err_size);

/* Answers with status and a one-line JSON error {"error": msg}. */
void query_fail(awss3_query *q, otelc_http_req *req, int status, const char *msg);

/* The handlers. */
void q_spans(awss3_query *q, otelc_http_req *req);
void q_services(awss3_query *q, otelc_http_req *req);
void q_operations(awss3_query *q, otelc_http_req *req);
void q_operations_v2(awss3_query *q, otelc_http_req *req);
void q_search(awss3_query *q, otelc_http_req *req);
void q_trace(awss3_query *q, otelc_http_req *req);
void q_trace_v2(awss3_query *q, otelc_http_req *req);

/* Starts a reindex on its thread; req (NULL at start-up) is answered when
 * it ends. With clear, the index is emptied first. Returns 0, or the
 * status to answer req with (and req is not answered): 409 when one runs
 * already, 503 after stop, 500 when no thread could be had. Any thread. */
int awss3_reindex_start(awss3_query *q, otelc_http_req *req, bool clear);

/*
 * Loads trace tid from the index and the objects into *t (initialized
 * here; finish with trace_build_fini). Returns 0, 404 when the index has
 * no such trace, or an HTTP status (502, 503) with a reason in err. Also
 * sets *inspected to the bytes of decoded objects read. Query threads.
 */
struct trace_build;
int query_load_trace(awss3_query *q, const uint8_t tid[16], struct trace_build *t,
                     uint64_t *inspected, char *err, size_t err_size);

#endif /* OTELC_AWSS3_QUERY_H */
