/*
 * sg.h: the service_graph connector's state, shared by its files.
 *
 * Two structures, both under sg.mu: the store of half-seen requests
 * (edges keyed by trace id and the client span's id, oldest first for
 * expiry, at most store.max_items) and the series of completed requests
 * (keyed by client, server, connection type, failed and dimensions, at
 * most max_series). consume fills the store; an edge whose two sides were
 * seen, or which expired, is added to its series; the emitter's thread
 * expires the store on its tick and writes the series at each flush.
 */
#ifndef SERVICEGRAPH_SG_H
#define SERVICEGRAPH_SG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_walk.h>

#include "otlpmetrics/emitter.h"
#include "otlpmetrics/hist.h"
#include "otlpmetrics/pbw.h"
#include "otlpmetrics/table.h"

/* The host fills this from the key table (sg_config.c). */
typedef struct sg_cfg {
    const otelc_node *latency_buckets;
    otelc_strlist dimensions;
    int64_t store_ttl_ns, store_max_items;
    int64_t cache_loop_ns, store_expiration_loop_ns;
    otelc_strlist peer_attributes;
    bool extra_label;
    int64_t flush_interval_ns;
    otelc_strlist database_name_attributes;
    int64_t exponential_max_size;
    int64_t timestamp_offset_ns;
    int64_t max_series;
} sg_cfg;

/* The collector's connection_type values. */
enum sg_conn { SG_CONN_UNSET, SG_CONN_MESSAGING, SG_CONN_DATABASE, SG_CONN_VIRTUAL };
/* The virtual_node label (virtual_node_extra_label). */
enum sg_virtual { SG_VIRTUAL_NONE, SG_VIRTUAL_CLIENT, SG_VIRTUAL_SERVER };

/* One request, as far as its spans were seen. Strings are the edge's. */
typedef struct sg_edge {
    otlpm_entry e;
    uint8_t key[24];           /* trace id, then the client span's id */
    struct sg_edge *prev, *next; /* older and younger edges */
    int64_t expires_ns;        /* monotonic */
    char *client, *server;     /* service names; NULL: side not seen */
    double client_s, server_s; /* durations in seconds */
    bool failed;
    enum sg_conn conn;
    enum sg_virtual vlabel;
    char *peer;                /* the first virtual_node_peer_attributes value */
    char **dims;               /* client_<d> values, then server_<d>; NULL: absent */
} sg_edge;

typedef struct sg_series {
    otlpm_entry e;
    uint8_t *attrs; /* malloc'ed: replaced when the virtual_node label changes */
    size_t alen;
    enum sg_virtual vlabel;
    int64_t total, failed;
    otlpm_hist *server_h, *client_h;
    otlpm_expo *server_x, *client_x;
    int64_t updated_ns; /* monotonic */
} sg_series;

typedef struct sg {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const sg_cfg *cfg;
    /* derived from the config */
    double *bounds;
    size_t nbounds;
    const otelc_strlist *peer_attributes, *db_attributes;
    otelc_strlist default_peers, default_db;
    int64_t start_ns; /* unix ns: the start of every cumulative point */
    /* state, under mu */
    pthread_mutex_t mu;
    otlpm_table edges, series;
    sg_edge *oldest, *youngest;
    int64_t next_clean_ns, clean_every_ns;
    pbw key, scratch;
    otlpm_emitter *emitter;
    otelc_batch_meta meta; /* of the batch being built */
    /* telemetry: the collector's, and otelc's own */
    otelc_series *m_dropped, *m_expired, *m_total, *m_capped;
} sg;

/* sg_config.c */
extern const otelc_cfg_key sg_keys[];
int sg_config_init(sg *g);
void sg_config_free(sg *g);

/* sg_store.c. Which side of a request a span is. */
typedef struct sg_side {
    bool client;
    enum sg_conn conn;
    const char *service;
    size_t service_len;
    const otlp_resource *res;
    const otlp_span *sp;
} sg_side;
/* Records one side of a request; completes or stores its edge. */
void sg_store_upsert(sg *g, const sg_side *side);
/* Expires the edges older than store.ttl (virtual nodes as the collector
 * makes them). */
void sg_store_expire(sg *g, int64_t now_ns);
void sg_store_free(sg *g);

/* sg_series.c */
void sg_series_add(sg *g, const sg_edge *e);
void sg_series_clean(sg *g, int64_t now_ns);
void sg_series_free(sg *g);
otelc_batch *sg_build(void *arg, bool final);

/* sg_consume.c: a request's spans into the store; OTLP_OK or an error. */
int sg_aggregate(sg *g, const uint8_t *buf, size_t len);

#endif /* SERVICEGRAPH_SG_H */
