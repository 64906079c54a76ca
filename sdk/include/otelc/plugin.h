/*
 * otelc/plugin.h: the otelc plugin ABI. A plugin author's manual.
 *
 * ABI changelog (major.minor; a plugin with the same major and a minor not
 * newer than the host's loads):
 *   1.0  first stable ABI: descriptor, key table, lifecycle, consume/resume,
 *        batches, emit/complete, exporter pause, metrics, health, admin
 *        routes, config nodes.
 *   1.1  otelc_batch_meta.transport: the receiver's transport ("grpc",
 *        "http") for the transport label of the host's receiver metrics.
 *   1.2  (open: docs/abi.md lists what it holds when complete)
 *        otelc_host_api.export_batching, otelc_batching,
 *        otelc_send_trigger: a processor asks the exporter queues of its
 *        pipeline to batch on their read side instead of holding data.
 *        otelc_plugin.export_prepare, export_send, request_free,
 *        otelc_request: request-based exporters (the host keeps each
 *        outgoing batch's prepared request across its retries).
 *        otelc_host_api.http_serve: a component's routes on an endpoint
 *        of its own instead of the admin endpoint.
 *        otelc_host_api.service_provide, service_lookup, otelc_auth_server,
 *        otelc_auth_client: services extensions offer (authenticators);
 *        otelc_host_api.memory_release.
 *        otelc_plugin.request_bytes: what a prepared request holds.
 *        otelc_signal, otelc_batch_meta.signal, otelc_plugin.signals,
 *        otelc_host_api.signals_fed: traces, metrics and logs pipelines.
 *        OTELC_CONNECTOR, otelc_connect, otelc_plugin.connects:
 *        connectors join pipelines.
 *        OTELC_SERVICE_STORAGE, otelc_storage, otelc_storage_op: durable
 *        key-value state for components, offered by file_storage.
 *        otelc_host_api.http_serve_settings: http_serve with the
 *        collector's server tls and auth keys.
 *        otelc_host_api.pipeline_storage: the storage extension every
 *        exporter downstream keeps its sending queue in, if one.
 *
 * Rules that hold everywhere below:
 *
 * OWNERSHIP. A batch passed into a call is LENT for that call only. Take a
 * reference (otelc_batch_ref) to keep it past the call, and release every
 * reference exactly once (otelc_batch_unref). Batches are immutable: a stage
 * that changes spans builds a new batch. Strings the host hands out (config
 * values, ids, request fields) live as long as the object they came from
 * and are never freed by the plugin. Strings and buffers a plugin passes to
 * the host are copied by the host before the call returns, unless the
 * declaration says "adopts".
 *
 * THREADS. create, start, flush, shutdown and destroy run on the host's
 * main thread, one after another. consume runs on the caller's thread (a
 * receiver loop for processors, a host queue consumer for exporters); the
 * host never runs one instance's consume concurrently with itself unless
 * the descriptor sets OTELC_CONSUME_THREAD_SAFE. resume and completion
 * callbacks may run on any thread: post to your own loop if you need it.
 * Every function of the host table may be called from any thread, except
 * config_error and node_* which belong to create. The host blocks SIGINT,
 * SIGTERM and SIGPIPE before it loads plugins, so threads a plugin starts
 * inherit that mask: signals are the main thread's, and a write to a
 * closed socket fails with EPIPE instead of killing the process.
 *
 * OUTCOMES. consume and emit answer with otelc_status: OK, PENDING, RETRY
 * or REJECT. Nothing is ever dropped silently: RETRY makes the caller keep
 * the data, REJECT sends it to dead letters where it is counted and logged.
 *
 * EVOLUTION. Structs grow only by appending. The host reads a descriptor
 * field only when struct_size covers it; a plugin reads a host table entry
 * only when the table's struct_size covers it (otelc_host_has()).
 */
#ifndef OTELC_PLUGIN_H
#define OTELC_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OTELC_ABI_MAJOR 1 /* bumped when anything is removed or changed */
#define OTELC_ABI_MINOR 2 /* bumped when something is appended */

#if defined(__GNUC__)
#define OTELC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define OTELC_EXPORT __attribute__((visibility("default")))
#else
#define OTELC_PRINTF(f, a)
#define OTELC_EXPORT
#endif

typedef enum otelc_kind {
    OTELC_RECEIVER = 1,
    OTELC_PROCESSOR = 2,
    OTELC_EXPORTER = 3,
    OTELC_EXTENSION = 4,
    OTELC_CONNECTOR = 5, /* 1.2: an exporter in some pipelines, a receiver in others */
} otelc_kind;

/* 1.2: the OTLP signals. A batch's bytes are its signal's serialized
 * Export{Trace,Metrics,Logs}ServiceRequest; its items are spans, data
 * points or log records. Values are bits so that a set is a mask. */
typedef enum otelc_signal {
    OTELC_TRACES = 1,
    OTELC_METRICS = 2,
    OTELC_LOGS = 4,
} otelc_signal;
#define OTELC_ALL_SIGNALS (OTELC_TRACES | OTELC_METRICS | OTELC_LOGS)

/* 1.2: one signal pair a connector joins: what it consumes as an
 * exporter (in) and emits as a receiver (out). */
typedef struct otelc_connect {
    otelc_signal in, out;
} otelc_connect;

typedef enum otelc_status {
    OTELC_OK = 0,      /* accepted; the caller's duty ends */
    OTELC_PENDING = 1, /* accepted for async work; completion comes exactly once */
    OTELC_RETRY = 2,   /* not now (full, slow, down): caller keeps the data */
    OTELC_REJECT = 3,  /* never, for this data (malformed, refused for good) */
} otelc_status;

typedef enum otelc_log_level {
    OTELC_LOG_ERROR = 0,
    OTELC_LOG_WARN = 1,
    OTELC_LOG_INFO = 2,
    OTELC_LOG_DEBUG = 3,
} otelc_log_level;

/* Opaque handles. The host creates them all; plugins never free them. */
typedef struct otelc_ctx otelc_ctx;         /* one plugin instance, as the host sees it */
typedef struct otelc_ticket otelc_ticket;   /* a pending consume, to complete once */
typedef struct otelc_node otelc_node;       /* a config subtree; knows file:line:col */
typedef struct otelc_series otelc_series;   /* one metric series (name + labels) */
typedef struct otelc_http_req otelc_http_req; /* one admin HTTP exchange */
typedef struct otelc_request otelc_request; /* an exporter's prepared batch (its own type) */

/* ------------------------------------------------------------------ */
/* Batches                                                             */
/* ------------------------------------------------------------------ */

/* One metadata pair (e.g. a request header kept by include_metadata). */
typedef struct otelc_kv {
    const char *key;
    const char *value;
} otelc_kv;

/* What travels beside the bytes. Owned by the batch; read-only. */
typedef struct otelc_batch_meta {
    uint32_t struct_size;
    int64_t received_ns;   /* receive time, unix ns (earliest of merged parts) */
    uint64_t batch_id;     /* identity the exporter queue recorded; 0 before */
    int64_t enqueued_ns;   /* enqueue time the queue recorded; 0 before */
    const otelc_kv *pairs; /* metadata keys, sorted by key; may be NULL */
    size_t npairs;
    /* 1.1: how a receiver got the data ("grpc", "http"): the transport
     * label of otelcol_receiver_*_spans_total (copied; at most 31 bytes).
     * NULL: the receiver's type. Set struct_size = sizeof to pass it. */
    const char *transport;
    /* 1.2: the batch's signal (otelc_signal). 0, or a meta too short to
     * hold it: traces. Read it with otelc_batch_signal(). */
    uint32_t signal;
} otelc_batch_meta;

typedef struct otelc_batch otelc_batch;

/* The host's batch implementation, reached through every batch so that all
 * plugins, whatever SDK they were built with, share one. Use the inline
 * wrappers below rather than calling these directly. */
typedef struct otelc_batch_ops {
    uint32_t struct_size;
    otelc_batch *(*ref)(otelc_batch *b);
    void (*unref)(otelc_batch *b);
    size_t (*len)(const otelc_batch *b);
    uint32_t (*spans)(const otelc_batch *b);
    const otelc_batch_meta *(*meta)(const otelc_batch *b);
    /* Fills up to max iovecs with the segments in order; returns how many
     * segments the batch has (call again with more room if > max). The
     * iovecs point into the batch and live as long as a reference. */
    size_t (*segments)(const otelc_batch *b, struct iovec *iov, size_t max);
    /* One contiguous view of the bytes, built once on first call (segments
     * gathered) and kept with the batch; NULL only if memory ran out. */
    const uint8_t *(*flat)(otelc_batch *b);
} otelc_batch_ops;

/* Every batch starts with this header; the rest is the host's. */
struct otelc_batch {
    uint32_t magic; /* OTELC_BATCH_MAGIC while alive: misuse fails loudly */
    const otelc_batch_ops *ops;
};
#define OTELC_BATCH_MAGIC 0x0b47c4e5u

/* Takes a reference; returns b. */
static inline otelc_batch *otelc_batch_ref(otelc_batch *b) { return b->ops->ref(b); }
/* Releases one reference; the last one frees the batch. */
static inline void otelc_batch_unref(otelc_batch *b) { b->ops->unref(b); }
/* Total bytes of the serialized Export*ServiceRequest. */
static inline size_t otelc_batch_len(const otelc_batch *b) { return b->ops->len(b); }
/* The batch's items: spans, data points or log records by its signal
 * (the name stays from 1.0, when batches held spans only). */
static inline uint32_t otelc_batch_spans(const otelc_batch *b) { return b->ops->spans(b); }
static inline const otelc_batch_meta *otelc_batch_meta_of(const otelc_batch *b)
{
    return b->ops->meta(b);
}
/* The batch's signal; traces for a batch made by an older plugin. */
static inline otelc_signal otelc_batch_signal(const otelc_batch *b)
{
    const otelc_batch_meta *m = b->ops->meta(b);
    bool has = m->struct_size >= offsetof(otelc_batch_meta, signal) + sizeof(m->signal);
    return has && m->signal ? (otelc_signal)m->signal : OTELC_TRACES;
}
static inline size_t otelc_batch_segments(const otelc_batch *b, struct iovec *iov, size_t max)
{
    return b->ops->segments(b, iov, max);
}
static inline const uint8_t *otelc_batch_flat(otelc_batch *b) { return b->ops->flat(b); }

/* Completion of a PENDING emit; called exactly once, from any thread. */
typedef void (*otelc_done_fn)(void *arg, otelc_status status);

/* ------------------------------------------------------------------ */
/* Metrics, health, admin routes                                       */
/* ------------------------------------------------------------------ */

typedef enum otelc_metric_type {
    OTELC_COUNTER = 1,   /* monotonic; otelc_host_api.metric_add */
    OTELC_GAUGE = 2,     /* set to a value; metric_set */
    OTELC_HISTOGRAM = 3, /* observations into buckets; metric_observe */
} otelc_metric_type;

typedef struct otelc_metric_desc {
    const char *name;           /* Prometheus name, e.g. otelcol_exporter_sent_spans_total */
    const char *help;
    otelc_metric_type type;
    const char *const *labels;  /* key, value, key, value, ..., NULL; may be NULL */
    const double *buckets;      /* histogram upper bounds, ascending; else NULL */
    size_t nbuckets;
} otelc_metric_desc;

typedef enum otelc_health {
    OTELC_HEALTH_OK = 0,        /* working */
    OTELC_HEALTH_DEGRADED = 1,  /* working with trouble (retrying, slow backend) */
    OTELC_HEALTH_UNHEALTHY = 2, /* not working (failed start, paused on auth) */
} otelc_health;

/* An admin route handler; runs on the admin loop thread. It answers with
 * http_respond (or http_stream_*) now, or later from any thread: a request
 * the handler returns from without answering stays open until it does.
 * Exactly one answer per request. */
typedef void (*otelc_route_fn)(void *arg, otelc_http_req *req);

/* ------------------------------------------------------------------ */
/* Batching on the way out (1.2)                                        */
/* ------------------------------------------------------------------ */

/* A list of strings (config values of type OTELC_CFG_STRLIST). */
typedef struct otelc_strlist {
    size_t n;
    const char *const *items;
} otelc_strlist;

/* Why an exporter queue let a batch leave. */
typedef enum otelc_send_trigger {
    OTELC_SEND_SIZE = 0,    /* min_items were queued (or no batching) */
    OTELC_SEND_TIMEOUT = 1, /* the oldest entry waited flush_timeout */
    OTELC_SEND_FLUSH = 2,   /* draining at shutdown */
} otelc_send_trigger;

/* Called for each batch an exporter queue forms under a processor's
 * otelc_batching, as it leaves for the exporter; any thread, often
 * several at once. items: spans in it. */
typedef void (*otelc_send_fn)(void *arg, uint32_t items, otelc_send_trigger why);

/* Read-side batching a processor asks of the exporter queues at the end
 * of its pipeline (the batch processor's keys). Copied by the host. */
typedef struct otelc_batching {
    uint32_t struct_size;        /* sizeof(otelc_batching) */
    uint64_t min_items;          /* a batch leaves once this many spans are queued */
    uint64_t max_items;          /* most spans in one batch (entries are never split); 0: none */
    int64_t flush_timeout_ns;    /* ... or once its oldest entry waited this long; > 0 */
    otelc_strlist metadata_keys; /* one partition per distinct value set; may be empty */
    otelc_send_fn on_send;       /* may be NULL */
    void *arg;                   /* for on_send; must outlive the instance's shutdown */
} otelc_batching;

/* ------------------------------------------------------------------ */
/* Services (1.2): what extensions offer other components              */
/* ------------------------------------------------------------------ */

/* An extension offers a service of a kind (service_provide, from its
 * create); a receiver or exporter finds it by the extension's id named
 * in its config (service_lookup, from create or start). The vtable and
 * state stay valid until the provider's destroy, which the host runs
 * after every other component's. A vtable starts with struct_size: a
 * caller reads a member only when struct_size covers it. */

/* Authenticates the requests a receiver takes (`auth: { authenticator:
 * <id> }` on a receiver protocol), as the collector's server
 * authenticators do. */
#define OTELC_SERVICE_AUTH_SERVER "auth.server"
typedef struct otelc_auth_server {
    uint32_t struct_size; /* sizeof(otelc_auth_server) */
    /* Whether a request may come in. headers: its header names (lower
     * case) and values, name, value, ..., NULL; lent for the call. OK, or
     * REJECT with a one-line reason (never a secret) in reason; the
     * receiver answers UNAUTHENTICATED / 401 and counts it. Runs on a
     * receiver's loop thread, several at once: no blocking I/O. */
    otelc_status (*authenticate)(void *state, const char *const *headers, char *reason,
                                 size_t reason_size);
} otelc_auth_server;

/* Adds credentials to the requests an exporter sends (`auth: {
 * authenticator: <id> }` on an exporter), as the collector's client
 * authenticators do. */
#define OTELC_SERVICE_AUTH_CLIENT "auth.client"
typedef struct otelc_auth_client {
    uint32_t struct_size; /* sizeof(otelc_auth_client) */
    /* Calls add(arg, name, value) for every header the next request must
     * carry (strings lent for the call of add). metadata: the batch's
     * client metadata, key, value, ..., NULL (may be NULL), for
     * authenticators that forward it. Returns 0, or -1 when no credentials
     * can be had now (the exporter answers RETRY). Any thread, several at
     * once. */
    int (*headers)(void *state, const char *const *metadata,
                   void (*add)(void *arg, const char *name, const char *value), void *arg);
} otelc_auth_client;

/* Durable key-value storage for a component's own state (`storage:
 * <extension id>` in its config), as the collector's storage extension
 * clients: file_storage offers it on its LMDB directory, where commits
 * share the queues' group commit. 1.2. */
#define OTELC_SERVICE_STORAGE "storage"
typedef struct otelc_storage_client otelc_storage_client; /* the provider's */

/* One write of a commit: key set to value, or deleted when value is NULL.
 * Keys are at most 511 bytes; both are copied by commit. */
typedef struct otelc_storage_op {
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
} otelc_storage_op;

typedef struct otelc_storage {
    uint32_t struct_size; /* sizeof(otelc_storage) */
    /* A client on the table `name` of component `owner` (its instance id:
     * "tail_sampling/a"), created on first use and kept across restarts.
     * From start on (the provider opens its directory at its own start).
     * NULL with a one-line reason in err when it cannot be had. */
    otelc_storage_client *(*client)(void *state, const char *owner, const char *name,
                                    char *err, size_t err_size);
    /* Applies ops atomically and calls done(arg, 0) once they are
     * committed to disk, or done(arg, an errno value) if they failed
     * (ESHUTDOWN: the storage closed first), exactly once, from any
     * thread; ops are copied before it returns. Returns 0, or -1 (an
     * empty or too long key, no memory): then done is not called. Any
     * thread. */
    int (*commit)(otelc_storage_client *c, const otelc_storage_op *ops, size_t n,
                  void (*done)(void *arg, int status), void *arg);
    /* Calls fn for every key in byte order on one consistent snapshot,
     * the pointers lent for the call, until fn returns nonzero. 0, or -1
     * if the table could not be read. Any thread; do not commit from fn. */
    int (*scan)(otelc_storage_client *c,
                int (*fn)(void *arg, const void *key, size_t key_len, const void *value,
                          size_t value_len),
                void *arg);
    /* Ends the client; later calls are not allowed. Its data stays. */
    void (*client_close)(otelc_storage_client *c);
} otelc_storage;

/* ------------------------------------------------------------------ */
/* The host services table                                             */
/* ------------------------------------------------------------------ */

typedef struct otelc_host_api {
    uint32_t struct_size;
    uint32_t abi_major, abi_minor; /* the host's */

    /* Logging; the host prefixes the component id. Never log secrets. */
    void (*log)(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...) OTELC_PRINTF(3, 4);

    /* Batches. adopt takes ownership of buf (released later with
     * free_fn(free_arg, buf) on the last unref, from any thread) without
     * copying; copy duplicates len bytes. meta may be NULL; it is copied.
     * spans is the request's item count (spans, data points or log records
     * by meta's signal; the caller validated it). Both
     * return a batch with one reference, or NULL if memory ran out (then
     * adopt has NOT taken buf). */
    otelc_batch *(*batch_adopt)(uint8_t *buf, size_t len, uint32_t spans,
                                void (*free_fn)(void *free_arg, void *buf), void *free_arg,
                                const otelc_batch_meta *meta);
    otelc_batch *(*batch_copy)(const uint8_t *buf, size_t len, uint32_t spans,
                               const otelc_batch_meta *meta);
    /* A new batch whose bytes are parts[0..n) concatenated (a valid merged
     * request: resource_spans is repeated). References the parts' segments,
     * copies nothing; the parts stay the caller's. Metadata from parts[0],
     * received_ns the earliest. NULL if memory ran out. */
    otelc_batch *(*batch_merge)(otelc_batch *const *parts, size_t n);

    /* Hands b (lent) to the next stage of every pipeline this instance
     * feeds. OK: taken, done is never called. PENDING: taken, done(arg,
     * status) is called exactly once, from any thread, when everything
     * downstream took responsibility (status OK) or refused (RETRY/REJECT).
     * RETRY: nothing was taken; the host calls this instance's resume()
     * when there is room again. REJECT: refused for good. Receivers and
     * processors only. */
    otelc_status (*emit)(otelc_ctx *ctx, otelc_batch *b, otelc_done_fn done, void *arg);
    /* Like emit, but a PENDING outcome completes ticket t (the one the
     * caller's consume received) instead of calling a function. The
     * caller returns the result from consume unchanged. */
    otelc_status (*emit_ticket)(otelc_ctx *ctx, otelc_batch *b, otelc_ticket *t);
    /* Completes a consume that returned PENDING: exactly once, any thread.
     * status is OK, RETRY or REJECT. */
    void (*complete)(otelc_ticket *t, otelc_status status);

    /* Exporters: stop (pause) or restart taking batches, with a reason
     * shown in logs and /health (e.g. "SignatureDoesNotMatch: ..."). A
     * paused exporter keeps its queue; the host offers it one batch on a
     * slow timer and resumes it on the first success. */
    void (*exporter_pause)(otelc_ctx *ctx, const char *reason);
    void (*exporter_resume)(otelc_ctx *ctx);

    /* Metrics: returns the series for desc (registered on first use, the
     * same series for the same name and labels), or NULL on a conflicting
     * type. Series live until exit; updates are lock-free. */
    otelc_series *(*metric)(otelc_ctx *ctx, const otelc_metric_desc *desc);
    void (*metric_add)(otelc_series *s, double v);
    void (*metric_set)(otelc_series *s, double v);
    void (*metric_observe)(otelc_series *s, double v);

    /* Health of this instance; detail (copied) is shown in /health. */
    void (*health)(otelc_ctx *ctx, otelc_health status, const char *detail);

    /* Admin routes, registered from create or start. pattern is a path
     * whose segments may be {name} parameters ("/api/traces/{id}");
     * method "GET", "POST", ... Returns 0, or -1 if the route is claimed
     * already (a start error: the plugin fails). */
    int (*route)(otelc_ctx *ctx, const char *method, const char *pattern, otelc_route_fn fn,
                 void *arg);
    /* Request accessors; the strings live until the request is answered. */
    const char *(*http_param)(otelc_http_req *r, const char *name); /* {name} */
    const char *(*http_query)(otelc_http_req *r, const char *name); /* ?name= */
    const char *(*http_header)(otelc_http_req *r, const char *name);
    const uint8_t *(*http_body)(otelc_http_req *r, size_t *len);
    /* Answers: a whole body (copied), or a stream of chunks. Any thread.
     * headers: key, value, ..., NULL (may be NULL). */
    void (*http_respond)(otelc_http_req *r, int status, const char *const *headers,
                         const void *body, size_t len);
    void (*http_stream_start)(otelc_http_req *r, int status, const char *const *headers);
    void (*http_stream_chunk)(otelc_http_req *r, const void *data, size_t len);
    void (*http_stream_end)(otelc_http_req *r);

    /* Config subtrees of keys declared OTELC_CFG_NODE (create only). A NULL
     * node is an absent key. Accessors return 0 on success, -1 after
     * reporting an error at the node's position. */
    void (*config_error)(otelc_ctx *ctx, const otelc_node *at, const char *fmt, ...)
        OTELC_PRINTF(3, 4);
    int (*node_kind)(const otelc_node *n); /* OTELC_NODE_* */
    size_t (*node_len)(const otelc_node *n);  /* entries of a map or list */
    const otelc_node *(*node_at)(const otelc_node *n, size_t i);
    const char *(*node_key)(const otelc_node *n); /* its key in a map, else NULL */
    const otelc_node *(*node_get)(const otelc_node *map, const char *key);
    int (*node_string)(otelc_ctx *ctx, const otelc_node *n, const char **out);
    int (*node_int)(otelc_ctx *ctx, const otelc_node *n, int64_t *out);
    int (*node_bool)(otelc_ctx *ctx, const otelc_node *n, bool *out);
    int (*node_duration)(otelc_ctx *ctx, const otelc_node *n, int64_t *out_ns);

    /* What the host knows of this instance. */
    const char *(*instance_id)(otelc_ctx *ctx);     /* "awss3/primary" */
    /* A processor's pipeline ("traces/a"): processors get one instance per
     * pipeline, all with the same instance_id. NULL for other kinds. */
    const char *(*pipeline_id)(otelc_ctx *ctx);
    int64_t (*exporter_timeout_ns)(otelc_ctx *ctx); /* `timeout`; 0 = none */
    uint32_t (*exporter_consumers)(otelc_ctx *ctx); /* sending_queue.num_consumers */

    /* The instance's own config map (for create's checks: config_error at
     * node_get(config_node(ctx), "key") points at that key's line). */
    const otelc_node *(*config_node)(otelc_ctx *ctx);

    /* A processor whose consume answered RETRY calls this once it can take
     * data again: the host then calls resume() of every stage that saw a
     * RETRY. Any thread. */
    void (*consume_ready)(otelc_ctx *ctx);

    /* 1.2: processors, from create only. Asks that the sending_queue of
     * every exporter at the end of this instance's pipeline form the
     * batches it hands its exporter as b says, merging queued entries
     * (never splitting one, never mixing metadata partitions), so that
     * nothing upstream holds data, or a client's answer, to group it. An
     * exporter whose own config sets sending_queue.batch keeps that; when
     * pipelines ask different batching of one exporter, the first in
     * config order wins (a warning names the others); an exporter without
     * a queue cannot batch (a warning). Returns 0, or -1 after reporting
     * (called outside create, or a bad b). */
    int (*export_batching)(otelc_ctx *ctx, const otelc_batching *b);

    /* 1.2: from create only. This instance's routes (route() calls made
     * after this one) are served on a listener of their own at endpoint
     * ("host:port", "[v6]:port", ":port" for localhost; port 0 picks a
     * free one, logged as "listening on <endpoint> (port N)") instead of on
     * the admin endpoint: a query API on Jaeger's port, say. An endpoint
     * equal to another listener's shares it. Once per instance. Returns 0,
     * or -1 after reporting at the instance's config (a bad endpoint, an
     * address in use, a second call). `otelc validate` checks the endpoint
     * without binding it. */
    int (*http_serve)(otelc_ctx *ctx, const char *endpoint);

    /* 1.2: extensions, from create only. Offers a service of kind
     * (OTELC_SERVICE_*) under this instance's id; vtable and state (not
     * copied) must stay valid until destroy. One service per kind per
     * instance. Returns 0, or -1 after reporting (not an extension, not
     * in create, offered twice). */
    int (*service_provide)(otelc_ctx *ctx, const char *kind, const void *vtable, void *state);
    /* 1.2: from create or start. The service of kind that extension id
     * (as the config names it: "bearertokenauth", "basicauth/in")
     * offers, with its state in *state; NULL when that extension is not
     * running (not defined, not in service.extensions) or offers no such
     * service: the caller reports it as a config error. */
    const void *(*service_lookup)(otelc_ctx *ctx, const char *kind, const char *id,
                                  void **state);
    /* 1.2: asks the host to give back memory it can do without: the
     * durable queues drop their in-memory copies of committed entries
     * (consumers read them from disk), and the allocator returns free
     * pages to the system. The memory_limiter calls it above its hard
     * limit. Any thread; returns at once if another call is running. */
    void (*memory_release)(otelc_ctx *ctx);
    /* 1.2: the signals (a mask of otelc_signal) of the pipelines this
     * instance is in. Receivers and connectors: those they feed, so that
     * a receiver serves only those (the otlp receiver answers a metrics
     * request with Unimplemented / 404 when no metrics pipeline takes
     * it). Processors: their pipeline's. Exporters: those of every
     * pipeline they end, so that one can check its settings per signal
     * or say at start what it does with each. Extensions: 0. From create
     * on; any thread. */
    uint32_t (*signals_fed)(otelc_ctx *ctx);

    /* 1.2: http_serve, with the collector's confighttp server settings
     * that the host reads from map server (the instance's config node, or
     * a section of it): `tls` (cert_file, key_file, client_ca_file,
     * min_version (default 1.2), max_version) and `auth` (authenticator:
     * an extension id offering OTELC_SERVICE_AUTH_SERVER). Declare both as
     * OTELC_CFG_NODE keys: the host checks what they hold and reports
     * errors at their positions. With auth, a request the authenticator
     * refuses is answered 401 before any route runs; the id is resolved
     * after every create, so the extension may come later in
     * service.extensions. An endpoint other machines can reach without
     * auth gets a warning at start. From create, once, instead of
     * http_serve; returns as http_serve does. */
    int (*http_serve_settings)(otelc_ctx *ctx, const char *endpoint, const otelc_node *server);

    /* 1.2: from create or start. The id of the storage extension (as the
     * config names it: "file_storage", "file_storage/q") in which every
     * exporter this instance's output reaches keeps its sending queue
     * (sending_queue.storage), when they all name the same one; a
     * connector on the way counts as the exporters of the pipelines it
     * feeds, through any number of connectors. NULL when any of them
     * queues in memory or has no sending queue, when they name different
     * extensions, and for exporters and extensions. Processors: the
     * exporters at the end of their pipeline; receivers and connectors:
     * those of every pipeline they feed. The string lives as long as the
     * instance. A component that must keep data (tail_sampling's traces
     * awaiting a decision) finds that extension's OTELC_SERVICE_STORAGE
     * with service_lookup and is then exactly as durable as the queues
     * it feeds. */
    const char *(*pipeline_storage)(otelc_ctx *ctx);
} otelc_host_api;

/* What node_kind answers. An absent node reads as NULL: "use the defaults". */
typedef enum otelc_node_kind {
    OTELC_NODE_NULL = 0,
    OTELC_NODE_SCALAR = 1,
    OTELC_NODE_MAP = 2,
    OTELC_NODE_LIST = 3,
} otelc_node_kind;

/* True when the host's table has the member (it is at least that new). */
#define otelc_host_has(api, member) \
    ((api)->struct_size >= offsetof(otelc_host_api, member) + sizeof((api)->member))

/* ------------------------------------------------------------------ */
/* Config key table                                                    */
/* ------------------------------------------------------------------ */

typedef enum otelc_cfg_type {
    OTELC_CFG_STRING = 1,   /* const char * (NULL if absent, no default) */
    OTELC_CFG_BOOL = 2,     /* bool */
    OTELC_CFG_INT = 3,      /* int64_t */
    OTELC_CFG_DOUBLE = 4,   /* double */
    OTELC_CFG_DURATION = 5, /* int64_t nanoseconds: "200ms", "5s", "1h" */
    OTELC_CFG_SIZE = 6,     /* uint64_t bytes: "4MiB", "512KiB", 1048576 */
    OTELC_CFG_STRLIST = 7,  /* otelc_strlist */
    OTELC_CFG_NODE = 8,     /* const otelc_node * (free-form; read with node_*) */
    OTELC_CFG_SECTION = 9,  /* a map whose keys are declared with "name.key" rows */
} otelc_cfg_type;

enum {
    OTELC_KEY_UNSUPPORTED = 1u << 0, /* collector key otelc lacks: error "not supported yet" */
    OTELC_KEY_IGNORED = 1u << 1,     /* collector key harmless to ignore: warning */
    OTELC_KEY_SECRET = 1u << 2,      /* never printed (credentials) */
};

/* One row of a component's config schema; the table ends with a row whose
 * name is NULL. Nested keys use dots ("protocols.grpc.endpoint"), each
 * level declared as OTELC_CFG_SECTION. The host checks every key, type and
 * default before create() and fills a zeroed struct of config_size bytes:
 * the value (or default) of each row lands at offset. Rows flagged
 * UNSUPPORTED or IGNORED have no offset. */
typedef struct otelc_cfg_key {
    const char *name;
    otelc_cfg_type type;
    const char *dflt; /* default as YAML text, or NULL */
    const char *doc;  /* one line, shown by `otelc components --keys` */
    size_t offset;
    uint32_t flags;
} otelc_cfg_key;

/* ------------------------------------------------------------------ */
/* The descriptor                                                      */
/* ------------------------------------------------------------------ */

enum {
    OTELC_CONSUME_THREAD_SAFE = 1u << 0, /* consume may run concurrently */
};

typedef struct otelc_plugin {
    uint32_t abi_major;   /* OTELC_ABI_MAJOR */
    uint32_t abi_minor;   /* OTELC_ABI_MINOR */
    uint32_t struct_size; /* sizeof(otelc_plugin) */
    otelc_kind kind;
    const char *type;    /* component type in configs, unique: "awss3" */
    const char *version; /* the plugin's own version */
    const char *doc;     /* one line */
    uint32_t flags;      /* OTELC_CONSUME_THREAD_SAFE */

    const otelc_cfg_key *config_keys;
    size_t config_size;

    /* Parses (cfg is the filled config struct, valid until destroy) and
     * allocates; no I/O, no threads. Returns 0 and sets *state, or -1
     * after config_error/log said why. */
    int (*create)(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state);
    /* Opens sockets, starts threads. 0, or -1 after logging why. */
    int (*start)(void *state);
    /* Processors and exporters: take a lent batch. t is valid until
     * completed; only a PENDING outcome may complete it (once). */
    otelc_status (*consume)(void *state, otelc_batch *b, otelc_ticket *t);
    /* Downstream has room again after this instance's emit saw RETRY. */
    void (*resume)(void *state);
    /* Pushes held data downstream; returns when done or at deadline
     * (CLOCK_MONOTONIC ns). 0 or -1. May be NULL. */
    int (*flush)(void *state, int64_t deadline_ns);
    /* Stops accepting and drains until deadline; idempotent, safe without
     * start. 0, or -1 if something was left. */
    int (*shutdown)(void *state, int64_t deadline_ns);
    /* Frees everything; always called once after a successful create. */
    void (*destroy)(void *state);

    /* 1.2: request-based exporters: all three, or none. The host's queue
     * calls export_prepare once per outgoing batch (b lent) to turn it
     * into what goes on the wire (encoded, compressed, hashed: the
     * collector's request model): OK with *out set, RETRY (not now: the
     * batch is offered again later) or REJECT (never). It then calls
     * export_send for every attempt with the same request, lent until the
     * attempt's outcome (OK, PENDING completing t, RETRY, REJECT), and
     * request_free once the batch is done with (sent, dead-lettered, or
     * left on disk for the next start). No exporter caches anything
     * between retries. Both run on queue consumer threads, several at
     * once unless the exporter's consume is serialised (then these are
     * too). With its sending_queue disabled the host calls consume. */
    otelc_status (*export_prepare)(void *state, otelc_batch *b, otelc_request **out);
    otelc_status (*export_send)(void *state, otelc_request *r, otelc_ticket *t);
    void (*request_free)(void *state, otelc_request *r);
    /* 1.2: request-based exporters, optional (NULL: not counted). The
     * bytes r holds (its encoded payload), so the host can bound what it
     * keeps: requests waiting for a retry count against the queue's
     * max_memory_size, and past it a waiting request is freed and
     * prepared again at its next attempt. Any thread; no side effects. */
    size_t (*request_bytes)(void *state, const otelc_request *r);
    /* 1.2: the signals (mask of otelc_signal) this component handles:
     * what a processor or exporter consumes, what a receiver produces.
     * The host refuses a config that puts it in a pipeline of another
     * signal. 0, or a descriptor older than this member: traces only.
     * Connectors say it with connects instead. */
    uint32_t signals;
    /* 1.2: connectors: the {in, out} pairs they join, ended by {0, 0}. A
     * connector's consume is called as a queue-less exporter's in the
     * pipelines where it is an exporter; what it emits goes to the
     * pipelines of the batch's signal where it is a receiver, and a
     * PENDING emit answers its upstream when those pipelines answered. */
    const otelc_connect *connects;
} otelc_plugin;

/* The one symbol a plugin exports. The versioned name lets a future ABI 2
 * coexist. Define it with OTELC_PLUGIN(descriptor). */
#define OTELC_PLUGIN_ENTRY "otelc_plugin_entry_v1"
typedef const otelc_plugin *(*otelc_plugin_entry_fn)(void);
#define OTELC_PLUGIN(desc)                                                 \
    OTELC_EXPORT const otelc_plugin *otelc_plugin_entry_v1(void);         \
    OTELC_EXPORT const otelc_plugin *otelc_plugin_entry_v1(void) { return &(desc); }

#ifdef __cplusplus
}
#endif
#endif /* OTELC_PLUGIN_H */
