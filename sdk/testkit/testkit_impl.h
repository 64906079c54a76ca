/*
 * testkit_impl.h: what the test kit's files share (see otelc/testkit.h).
 * One mutex per host guards everything the host records; the config tree
 * is built on the test's thread and only read afterwards.
 */
#ifndef OTELC_TESTKIT_IMPL_H
#define OTELC_TESTKIT_IMPL_H

#include <pthread.h>
#include <stdarg.h>

#include <otelc/testkit.h>

#define TK_CTX_MAGIC 0x7e57c7a5u
#define TK_TICKET_MAGIC 0x7e57719cu

/* A growable array of pointers. */
typedef struct tk_vec {
    void **items;
    size_t n, cap;
} tk_vec;

int tk_vec_push(tk_vec *v, void *item);
/* Frees every item with free_fn (may be NULL) and the array. */
void tk_vec_clear(tk_vec *v, void (*free_fn)(void *));

/* A config node, as the host's: its key in a map and both positions. */
struct otelc_node {
    otelc_node_kind kind;
    const struct otelc_node *parent;
    tk_vec children; /* otelc_node *, in document order */
    char *key;
    unsigned line, col;         /* of the value */
    unsigned key_line, key_col; /* of the key in a map, else the value's */
    char *text;                 /* scalars only */
};

/* The plugin's view of its host: the context handed to create. */
struct otelc_ctx {
    uint32_t magic;
    otelc_test_host *h;
};

struct otelc_ticket {
    uint32_t magic;
    otelc_test_host *h;
    int completions;
    otelc_status status;
    bool consumed;            /* made by otelc_test_plugin_consume */
    otelc_status outcome;     /* what that consume answered */
};

/* One emit: the batch (a reference) and how it was answered. */
typedef struct tk_emit_rec {
    otelc_batch *b;
    otelc_status answer;
    otelc_done_fn done;
    void *arg;
    otelc_ticket *t; /* emit_ticket */
    bool completed;
} tk_emit_rec;

typedef struct tk_route_rec {
    char *method, *pattern;
    otelc_route_fn fn;
    void *arg;
} tk_route_rec;

struct otelc_test_host {
    pthread_mutex_t mu;
    pthread_cond_t changed; /* emits, completions, answers (CLOCK_MONOTONIC) */
    struct otelc_ctx ctx;
    char *instance_id, *pipeline_id;
    int64_t exporter_timeout_ns;
    uint32_t exporter_consumers;
    /* config and the instance */
    otelc_node *config;
    const otelc_plugin *desc;
    void *cfg, *state;
    tk_vec cfg_allocs; /* string-list arrays the filled config points to */
    bool created;
    size_t late_config_calls; /* config_error, node_* after create */
    /* emits and tickets */
    otelc_status answer;
    otelc_status queued[64];
    size_t nqueued;
    tk_vec emits;   /* tk_emit_rec * */
    tk_vec tickets; /* otelc_ticket * */
    /* the rest of what the plugin did */
    tk_vec series;  /* otelc_series * */
    tk_vec logs;    /* char * */
    char *last_error;
    size_t config_errors;
    otelc_health health;
    char *health_detail;
    bool paused;
    char *pause_reason;
    size_t ready_calls;
    int batching_calls;
    otelc_batching batching;
    tk_vec batching_keys; /* char * */
    tk_vec routes;        /* tk_route_rec * */
    tk_vec requests;      /* otelc_test_http * */
    char *serve_endpoint; /* http_serve's endpoint; NULL: the admin endpoint */
    char *serve_auth;     /* http_serve_settings' auth.authenticator, or NULL */
    tk_vec provided;      /* tk_service_rec *: what the plugin offered */
    tk_vec offered;       /* tk_service_rec *: what the test offers the plugin */
    size_t memory_releases;
    _Atomic uint32_t signals_fed; /* what signals_fed answers */
    char *pipeline_storage;       /* what pipeline_storage answers; NULL until set */
};

/* A service: offered by the plugin (id NULL) or by the test. */
typedef struct tk_service_rec {
    char *kind, *id;
    const void *vtable;
    void *state;
} tk_service_rec;

/* The host behind a context; aborts on a context that is not one, as the
 * real host does, so ABI misuse fails loudly. */
otelc_test_host *tk_host(otelc_ctx *ctx);

/* Records a log line (takes the lock). */
void tk_log(otelc_test_host *h, otelc_log_level level, const char *fmt, ...) OTELC_PRINTF(3, 4);
void tk_vlog(otelc_test_host *h, otelc_log_level level, const char *fmt, va_list ap)
    OTELC_PRINTF(3, 0);
/* Records message as the last error and as an error log line. */
void tk_error(otelc_test_host *h, const char *fmt, ...) OTELC_PRINTF(2, 3);
/* A config error at node (NULL: the config root), with its position and
 * path, counted in config_errors. */
void tk_config_error(otelc_test_host *h, const otelc_node *at, bool at_key, const char *fmt,
                     ...) OTELC_PRINTF(4, 5);
void tk_vconfig_error(otelc_test_host *h, const otelc_node *at, bool at_key, const char *fmt,
                      va_list ap) OTELC_PRINTF(4, 0);

/* YAML text to a tree; NULL with the error recorded. */
otelc_node *tk_yaml_parse(otelc_test_host *h, const char *yaml);
void tk_node_free(otelc_node *n);

/* The node services of the table (tk_node.c). */
int tk_node_kind(const otelc_node *n);
size_t tk_node_len(const otelc_node *n);
const otelc_node *tk_node_at(const otelc_node *n, size_t i);
const char *tk_node_key(const otelc_node *n);
const otelc_node *tk_node_get(const otelc_node *map, const char *key);
int tk_node_string(otelc_ctx *ctx, const otelc_node *n, const char **out);
int tk_node_int(otelc_ctx *ctx, const otelc_node *n, int64_t *out);
int tk_node_bool(otelc_ctx *ctx, const otelc_node *n, bool *out);
int tk_node_duration(otelc_ctx *ctx, const otelc_node *n, int64_t *out_ns);

/* Counts a config service called after create returned: the real host's
 * config tree is the host's then, not the plugin's (plugin.h, THREADS). */
void tk_note_config_call(otelc_test_host *h);

/* Typed reads for the key table (tk_values.c): 1 value stored, 0 absent
 * (keep the default), -1 reported as a config error. */
int tk_read_string(otelc_test_host *h, const otelc_node *n, const char **out);
int tk_read_bool(otelc_test_host *h, const otelc_node *n, bool *out);
int tk_read_int(otelc_test_host *h, const otelc_node *n, int64_t *out);
int tk_read_double(otelc_test_host *h, const otelc_node *n, double *out);
int tk_read_duration(otelc_test_host *h, const otelc_node *n, int64_t *out);
int tk_read_size(otelc_test_host *h, const otelc_node *n, uint64_t *out);
/* Durations and sizes from text: NULL, or why not. */
const char *tk_parse_duration(const char *text, int64_t *out_ns);
const char *tk_parse_size(const char *text, uint64_t *out);


/* Emit services (tk_emit_rec.c). */
otelc_status tk_emit(otelc_ctx *ctx, otelc_batch *b, otelc_done_fn done, void *arg);
otelc_status tk_emit_ticket(otelc_ctx *ctx, otelc_batch *b, otelc_ticket *t);
void tk_complete(otelc_ticket *t, otelc_status status);
void tk_emits_free(otelc_test_host *h);
/* Appends the contract problems of emits and tickets to *msg (check). */
size_t tk_emit_problems(otelc_test_host *h, char **msg);
/* Appends "; "-separated text to a malloc'ed string. */
void tk_append(char **msg, const char *fmt, ...) OTELC_PRINTF(2, 3);

/* Metric services (tk_metrics.c). */
otelc_series *tk_metric(otelc_ctx *ctx, const otelc_metric_desc *desc);
void tk_metric_add(otelc_series *s, double v);
void tk_metric_set(otelc_series *s, double v);
void tk_metric_observe(otelc_series *s, double v);
void tk_series_free(void *s);
int tk_export_batching(otelc_ctx *ctx, const otelc_batching *b);
int tk_http_serve(otelc_ctx *ctx, const char *endpoint);
int tk_http_serve_settings(otelc_ctx *ctx, const char *endpoint, const otelc_node *server);
int tk_service_provide(otelc_ctx *ctx, const char *kind, const void *vtable, void *state);
const void *tk_service_lookup(otelc_ctx *ctx, const char *kind, const char *id, void **state);
void tk_memory_release(otelc_ctx *ctx);
uint32_t tk_signals_fed(otelc_ctx *ctx);
void tk_services_free(otelc_test_host *h);

/* Route services (tk_http.c). */
int tk_route(otelc_ctx *ctx, const char *method, const char *pattern, otelc_route_fn fn,
             void *arg);
const char *tk_http_param(otelc_http_req *r, const char *name);
const char *tk_http_query(otelc_http_req *r, const char *name);
const char *tk_http_header(otelc_http_req *r, const char *name);
const uint8_t *tk_http_body(otelc_http_req *r, size_t *len);
void tk_http_respond(otelc_http_req *r, int status, const char *const *headers,
                     const void *body, size_t len);
void tk_http_stream_start(otelc_http_req *r, int status, const char *const *headers);
void tk_http_stream_chunk(otelc_http_req *r, const void *data, size_t len);
void tk_http_stream_end(otelc_http_req *r);
void tk_routes_free(otelc_test_host *h);

/* Key table → config struct (tk_config.c); the number of problems. */
size_t tk_config_fill(otelc_test_host *h, const otelc_plugin *d, const otelc_node *root,
                      void *cfg);

/* Absolute CLOCK_MONOTONIC time timeout_ms from now, for timed waits. */
struct timespec tk_deadline(int timeout_ms);

#endif
