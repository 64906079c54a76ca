/*
 * pipeline.h: the running graph: plugin instances, the stages between
 * them, and the table of services plugins call.
 *
 * Each pipeline is receivers → processor chain → fan-out to its exporters'
 * queues. Receivers, exporters and extensions used by several pipelines
 * are one instance; processors get one instance per pipeline.
 */
#ifndef OTELC_CORE_PIPELINE_H
#define OTELC_CORE_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <otelc/plugin.h>

#include "config/config_error.h"
#include "config/config_node.h"
#include "queue/exporter_queue.h"
#include "loader.h"
#include "plugin_config.h"

typedef struct host host;
typedef struct stage stage;

#define OTELC_CTX_MAGIC 0x07e1c0c7u

/* One plugin instance. */
struct otelc_ctx {
    uint32_t magic;
    host *h;
    const plugin_entry *plugin;
    char *id;       /* "awss3/primary" */
    char *pipeline; /* processors: "traces/a"; else NULL */
    char *log_name; /* id, or id@pipeline for processors */
    const otelc_node *node;
    void *cfg;
    cfg_allocs allocs;
    void *state;
    bool created, started;
    unsigned route_scope; /* http_serve's admin scope; 0: the admin endpoint's */
    atomic_int config_errors; /* reported through config_error in create */
    pthread_mutex_t consume_mu;
    atomic_bool wants_resume; /* its emit saw RETRY */

    stage **next; /* receivers, connectors: every pipeline's entry; processors: one */
    size_t nnext;

    exporter_queue *queue; /* exporters */
    queue_cfg qcfg;
    /* Processors: the read-side batching asked through export_batching;
     * metadata_keys points at the copies in batching_keys. */
    bool has_batching;
    otelc_batching batching;
    char *batching_keys[QUEUE_MAX_PARTITION_KEYS];
    /* Exporters: the processor whose batching the queue applies, or NULL. */
    otelc_ctx *batching_from;
    struct health_component *health;

    /* The host's own series (host_metrics.c); NULL where not this kind.
     * Receivers: accepted and refused items per signal and transport (the
     * receiver's type when its batches name none), made on first use and
     * never removed, so only what carried data has a series. */
    struct rx_transport {
        char name[32];
        otelc_signal signal;
        otelc_series *accepted, *refused;
    } m_transports[12];
    atomic_size_t m_ntransports;
    pthread_mutex_t m_transport_mu;
    /* Exporters: sent, failed and refused items per signal (indexed as
     * queue_signal_index), for the signals of its pipelines. */
    otelc_series *m_sent[QUEUE_NSIGNALS], *m_failed[QUEUE_NSIGNALS],
        *m_enqueue_failed[QUEUE_NSIGNALS];
    otelc_series *m_queue_size, *m_queue_capacity;
    otelc_series *m_batch_items, *m_batch_bytes; /* otelcol_exporter_queue_batch_send_size* */
};

enum stage_kind { STAGE_PROCESSOR = 1, STAGE_FANOUT = 2 };

struct stage {
    enum stage_kind kind;
    otelc_signal signal;   /* its pipeline's */
    otelc_ctx *proc;       /* STAGE_PROCESSOR */
    otelc_ctx **exporters; /* STAGE_FANOUT */
    exporter_queue **queues; /* of the exporters with a sending queue */
    size_t n, nqueued;
};

typedef struct host_pipeline {
    char *id;
    otelc_signal signal;
    otelc_ctx **receivers, **processors, **exporters;
    size_t nrecv, nproc, nexp;
    stage *stages; /* nproc processor stages, then the fan-out */
} host_pipeline;

/* The services table every plugin receives (host_api.c). */
extern const otelc_host_api host_api_table;

/* Hands b (lent) to stage st on behalf of from. Outcomes as emit. */
otelc_status stage_push(otelc_ctx *from, stage *st, otelc_batch *b, otelc_done_fn done,
                        void *arg);

/* host_api's emit, emit_ticket and complete. Any thread. */
otelc_status host_emit(otelc_ctx *c, otelc_batch *b, otelc_done_fn done, void *arg);
otelc_status host_emit_ticket(otelc_ctx *c, otelc_batch *b, otelc_ticket *t);
void host_complete(otelc_ticket *t, otelc_status st);

/* The signals of the pipelines c feeds (a mask): a receiver's or a
 * connector's pipelines, a processor's own. */
uint32_t host_signals_fed(const otelc_ctx *c);
/* The signals of the pipelines exporter (or connector) c is an exporter
 * in (a mask). */
uint32_t host_signals_exported(const otelc_ctx *c);

/* Calls resume() of every instance whose emit saw RETRY since. Any thread. */
void host_resume_waiters(host *h);

/* Applies every processor's export_batching to the queue configs of the
 * exporters of its pipeline and sets their on_send hooks. Main thread,
 * after every create, before the queues exist. */
void host_apply_batching(host *h);

/* The exporter side of a queue (ctx is the exporter's otelc_ctx), a
 * queue_export_fn: the plugin's consume, or for a request-based exporter
 * export_prepare at the first attempt (the request kept in *req) and
 * export_send at each; host_export_release is the queue's release_fn. */
otelc_status host_export(void *ctx, otelc_batch *b, void **req, queue_done_fn done,
                         void *done_arg);
void host_export_release(void *ctx, void *req);
/* The bytes a request holds, by the exporter's request_bytes; 0 when the
 * exporter does not say. */
size_t host_export_request_bytes(void *ctx, const void *req);

/* Whether descriptor d fills the request-based exporter calls (ABI 1.2). */
bool host_request_based(const otelc_plugin *d);

#endif
