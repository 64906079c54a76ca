/*
 * mx.h: the metadata_extractor processor's state, shared by its files.
 *
 * What the processor learns from the spans passing through it, kept by
 * span time in MX_SLICES slices of window/MX_SLICES each (the newest slice
 * is the one of the newest span seen; spans older than the oldest slice
 * are late and counted only):
 *   services    per service, its entry spans (server, consumer, roots):
 *               calls, errors, time, a latency histogram per slice;
 *   operations  the same per (service, span name), for every span;
 *   edges       requests from one service to another (a client or
 *               producer span and the server or consumer span under it,
 *               paired as the service_graph connector pairs them), with
 *               calls, errors and the client side's time per slice;
 *   anomalies   a ring of the latest findings (mx_anomaly.c).
 * Everything is under mx.mu: consume writes, the routes read. Memory is
 * bounded by the max_* keys; what does not fit is counted, never kept.
 */
#ifndef METADATA_EXTRACTOR_MX_H
#define METADATA_EXTRACTOR_MX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_walk.h>

#include "otlpmetrics/pbw.h"
#include "otlpmetrics/table.h"

enum {
    MX_SLICES = 15,
    MX_BUCKETS = 128, /* latency buckets of 2^(1/4): 1 µs up to about 71 minutes */
    MX_EXAMPLES = 5,  /* trace ids kept with an anomaly */
    MX_NAME_MAX = 256 /* longer service and span names are cut */
};

/* The host fills this from the key table (metadata_extractor.c). */
typedef struct mx_cfg {
    const char *endpoint;
    const otelc_node *tls, *auth;
    int64_t window_ns;
    int64_t store_ttl_ns, store_max_items;
    otelc_strlist peer_attributes, db_attributes;
    int64_t max_services, max_operations, max_edges, max_anomalies;
    double latency_factor;
    int64_t latency_min_samples;
    double error_rate_threshold;
    int64_t error_min_calls, error_window_ns;
    const char *anomaly_attribute;
} mx_cfg;

/* One slice of a service or an operation. */
typedef struct mx_slice {
    int64_t slot; /* span time / slice length; 0: unused */
    uint32_t calls, errors;
    double ms;    /* sum of durations */
    uint32_t hist[MX_BUCKETS];
} mx_slice;

typedef struct mx_service {
    otlpm_entry e;
    uint32_t id;
    bool virtual_node; /* named only by a client span's peer attribute */
    mx_slice *slices;  /* MX_SLICES, allocated with the first entry span */
    char name[];       /* also the key */
} mx_service;

typedef struct mx_op {
    otlpm_entry e;
    struct mx_op *next_of_service;
    uint32_t service;
    double p99_ms;       /* the window's p99 when last computed */
    uint32_t since_p99;  /* spans since */
    int64_t p99_slot;
    uint64_t episode;    /* the error_rate anomaly under way (sequence), 0: none */
    uint64_t slow;       /* the latest latency anomaly (sequence) */
    mx_slice slices[MX_SLICES];
    char *name;
    uint8_t key[];       /* service id, then the name */
} mx_op;

typedef struct mx_edge_slice {
    int64_t slot;
    uint32_t calls, errors;
    double ms; /* the client side's time */
} mx_edge_slice;

typedef struct mx_edge {
    otlpm_entry e;
    uint32_t client, server;
    uint8_t key[8];
    mx_edge_slice slices[MX_SLICES];
} mx_edge;

enum mx_kind { MX_LATENCY, MX_ERROR_RATE };

typedef struct mx_anomaly {
    uint64_t seq; /* 0: an empty place in the ring */
    enum mx_kind kind;
    uint32_t service;
    const mx_op *op;
    int64_t time_ns; /* span time of the first finding */
    uint32_t count;
    double value_ms, threshold_ms;              /* latency: the worst */
    double error_rate, baseline, threshold;     /* error_rate: the worst */
    uint8_t traces[MX_EXAMPLES][16];
    unsigned ntraces;
} mx_anomaly;

/* A request whose other side has not been seen yet (mx_pair.c). */
typedef struct mx_wait mx_wait;

/* Attribute names asked for, with their lengths (matched per attribute). */
typedef struct mx_names {
    otelc_strlist list;
    size_t *lens;
} mx_names;

/* A view route's argument: which answer, of which instance. */
typedef struct mx_route {
    struct mx *m;
    int view;
} mx_route;

typedef struct mx {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const mx_cfg *cfg;
    int64_t slice_ns;
    mx_names peers, dbs; /* the config's, or the defaults */
    pthread_mutex_t mu;
    /* the model (mx_model.c) */
    otlpm_table services, ops, edges;
    mx_service **by_id;
    size_t nservices;
    mx_op **first_op; /* per service id */
    int64_t newest_slot;
    /* the store of half-seen requests (mx_pair.c) */
    otlpm_table waits;
    mx_wait *oldest, *youngest;
    char *res_db;      /* the current resource's database name, if read */
    bool res_db_known;
    pbw scratch;
    /* anomalies (mx_anomaly.c) */
    mx_anomaly *ring;
    uint64_t next_seq;
    /* the consume in progress */
    otlp_editor *ed;
    const otlp_resource *res;
    const mx_service *svc;
    int64_t now_ns;   /* the wall clock at the consume's start */
    unsigned flagged; /* spans given anomaly_attribute */
    mx_route routes[3];
    /* telemetry */
    otelc_series *m_spans, *m_late, *m_capped, *m_dropped, *m_expired, *m_anomalies[2];
} mx;

/* A span as the model takes it. */
typedef struct mx_span {
    const otlp_span *sp;
    uint32_t service;
    int64_t slot;
    double ms;
    bool error, entry;
} mx_span;

/* mx_model.c */
int mx_model_init(mx *m);
void mx_model_free(mx *m);
/* The service of this name, added if new (virtual: named by a peer);
 * NULL past max_services (counted). */
mx_service *mx_service_get(mx *m, const char *name, size_t len, bool virtual_node);
/* The operation of this span; NULL past max_operations (counted). */
mx_op *mx_op_get(mx *m, uint32_t service, const pb_bytes *name);
/* The slot of a span time; false for a late span (counted). */
bool mx_slot_of(mx *m, uint64_t time_ns, int64_t *slot);
void mx_slice_add(mx_slice *ring, const mx_span *s);
void mx_edge_add(mx *m, uint32_t client, uint32_t server, int64_t slot, double ms, bool error);
/* Sums of a ring's slices within [from, to]. */
typedef struct mx_sum {
    uint64_t calls, errors;
    double ms;
    uint64_t hist[MX_BUCKETS];
} mx_sum;
void mx_sum_slices(const mx_slice *ring, int64_t from, int64_t to, mx_sum *out);
void mx_sum_edge(const mx_edge *e, int64_t from, int64_t to, mx_sum *out);
/* Only the calls and errors: what a check per span can afford. */
void mx_count_slices(const mx_slice *ring, int64_t from, int64_t to, uint64_t *calls,
                     uint64_t *errors);
/* The q quantile (0..1) of a sum's histogram in ms; 0 when empty. */
double mx_quantile(const mx_sum *s, double q);

/* mx_pair.c */
typedef struct mx_side {
    const otlp_span *sp;
    const otlp_resource *res;
    uint32_t service;
    bool client;
    int64_t slot;
    double ms;
} mx_side;
void mx_pair_side(mx *m, const mx_side *side);
/* A new resource begins: what was read of the last one is forgotten. */
void mx_pair_resource(mx *m);
void mx_pair_expire(mx *m, int64_t now_ns);
void mx_pair_free(mx *m);

/* mx_anomaly.c */
int mx_anomaly_init(mx *m);
void mx_anomaly_free(mx *m);
/* Counts s in op's slices and checks it against what op did before:
 * "latency" or "error_rate" when s is part of an anomaly (recorded in
 * the ring), else NULL. */
const char *mx_anomaly_check(mx *m, mx_op *op, const mx_span *s);
const mx_anomaly *mx_anomaly_at(const mx *m, uint64_t seq);

/* mx_view.c: the routes. */
int mx_view_routes(mx *m);

/* ui.c, generated from ui/index.html at build time */
extern const unsigned char mx_ui_html[];
extern const unsigned long mx_ui_html_len;

#endif /* METADATA_EXTRACTOR_MX_H */
