/*
 * tail_sampling.c: the collector's tail_sampling processor that loses
 * nothing. Spans are grouped by trace and each trace is decided by the
 * policies decision_wait after its first span; sampled traces go on,
 * the rest are dropped. No client waits for a decision: with `storage`
 * (a file_storage extension), or without the key when every exporter
 * downstream queues in one file_storage, a request is answered once its
 * spans are on disk, and a restart resumes every undecided trace;
 * otherwise (`storage: none`, or an exporter queues in memory) the answer
 * is immediate and a crash loses the undecided traces, as in the
 * collector. This file: the descriptor and the lifecycle.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/sdk/clock.h>

#include "ts.h"

#define DESTROY_WAIT_NS 5000000000LL /* completions still due at destroy */

static int init_sync(ts_proc *p)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        pthread_cond_destroy(&p->cv);
        return -1;
    }
    return 0;
}

static int init_caches(ts_proc *p)
{
    const ts_cfg *c = p->cfg;
    if (c->sampled_cache_size > 0 &&
        !(p->sampled_cache = ts_lru_new((size_t)c->sampled_cache_size)))
        return -1;
    if (c->non_sampled_cache_size > 0 &&
        !(p->dropped_cache = ts_lru_new((size_t)c->non_sampled_cache_size)))
        return -1;
    return 0;
}

/* Traces expected at once: new ones per second over the wait. */
static size_t table_hint(const ts_cfg *c)
{
    int64_t secs = c->decision_wait_ns / 1000000000 + 1;
    int64_t n = c->expected_new_traces_per_sec * secs;
    return n > 0 && n < c->num_traces ? (size_t)n : (size_t)c->num_traces;
}

static void release(ts_proc *p)
{
    ts_sends_free(p);
    ts_table_free(&p->table);
    ts_lru_free(p->sampled_cache);
    ts_lru_free(p->dropped_cache);
    ts_metrics_free(&p->m);
    ts_policy_set_free(&p->policies);
    free(p->dels);
    free(p);
}

/* The extension id that keeps undecided traces: `storage`'s, or without
 * the key the one every exporter downstream queues in, so that the traces
 * are as durable as the queues they go to (*from_exporters); NULL: in
 * memory (`storage: none`, or an exporter downstream queues in memory). */
static const char *storage_choice(const ts_proc *p, bool *from_exporters)
{
    const char *id = p->cfg->storage;
    *from_exporters = false;
    if (id && *id)
        return strcmp(id, TS_STORAGE_NONE) == 0 ? NULL : id;
    if (!otelc_host_has(p->api, pipeline_storage))
        return NULL;
    *from_exporters = true;
    return p->api->pipeline_storage(p->ctx);
}

/* Finds the storage service (ts_config_check made sure an explicit one
 * exists; the exporters' is a file_storage extension the host checked). */
static void pick_storage(ts_proc *p)
{
    bool from_exporters;
    const char *id = storage_choice(p, &from_exporters);
    if (!id)
        return;
    p->storage = p->api->service_lookup(p->ctx, OTELC_SERVICE_STORAGE, id, &p->storage_state);
    if (!p->storage) {
        p->api->log(p->ctx, OTELC_LOG_WARN, "the exporters queue in %s, which offers no storage "
                    "service: undecided traces are kept in memory only", id);
        return;
    }
    p->storage_id = id;
    if (from_exporters)
        p->api->log(p->ctx, OTELC_LOG_INFO, "undecided traces are kept on disk in %s, as every "
                    "exporter downstream queues there (storage: none keeps them in memory)", id);
}

static int ts_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    const ts_cfg *c = cfg;
    if (ts_config_check(ctx, api, c) != 0)
        return -1;
    ts_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->api = api;
    p->cfg = c;
    p->next_seq = 1;
    if (ts_policies_read(ctx, api, c->policies, &p->policies) != 0) {
        free(p);
        return -1;
    }
    pick_storage(p);
    if (init_caches(p) != 0 || ts_table_init(&p->table, table_hint(c)) != 0 ||
        ts_metrics_init(&p->m, ctx, api, &p->policies) != 0 || init_sync(p) != 0) {
        release(p);
        return -1;
    }
    *state = p;
    return 0;
}

static int ts_start(void *state)
{
    ts_proc *p = state;
    if (p->storage && ts_store_open(p) != 0)
        return -1;
    return ts_sender_start(p);
}

/* Undecided traces at shutdown: without storage, decided now with what
 * arrived (the collector's default) or dropped; with storage they stay
 * on disk for the next start, unless they are to be dropped. */
static void settle_waiting(ts_proc *p)
{
    bool drop = p->cfg->drop_pending_traces_on_shutdown;
    size_t n = 0;
    int64_t now = otelc_real_ns();
    ts_trace *tr;
    if (p->storage && !drop)
        return;
    /* Bounded: a decision that ran out of memory puts its trace back. */
    for (size_t left = p->table.wcount; left && (tr = p->table.whead); left--) {
        ts_wait_unlink(&p->table, tr);
        n++;
        if (!drop) {
            ts_decide(p, tr, now); /* no storage: what arrived is all there is */
            continue;
        }
        ts_queue_deletes(p, tr);
        ts_table_remove(&p->table, tr);
    }
    if (n)
        p->api->log(p->ctx, OTELC_LOG_INFO, "%zu undecided traces %s at shutdown", n,
                    drop ? "dropped (drop_pending_traces_on_shutdown)" : "decided");
}

static int ts_flush(void *state, int64_t deadline_ns)
{
    ts_proc *p = state;
    pthread_mutex_lock(&p->mu);
    settle_waiting(p);
    pthread_mutex_unlock(&p->mu);
    return ts_sender_drain(p, deadline_ns);
}

/* Waits for the commits and joins still out (they hold p). */
static bool wait_commits(ts_proc *p, int64_t deadline_ns)
{
    while (atomic_load(&p->commits) > 0 && otelc_mono_ns() < deadline_ns) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return atomic_load(&p->commits) == 0;
}

static int ts_shutdown(void *state, int64_t deadline_ns)
{
    ts_proc *p = state;
    int rc = ts_sender_drain(p, deadline_ns);
    ts_sender_stop(p);
    size_t left = ts_sends_pending(p);
    if (left)
        p->api->log(p->ctx, p->storage ? OTELC_LOG_INFO : OTELC_LOG_WARN,
                    "%zu sampled traces not taken by the next stage at shutdown: %s", left,
                    p->storage ? "kept in storage for the next start" : "lost");
    if (!wait_commits(p, deadline_ns))
        rc = -1;
    return rc;
}

static void ts_destroy(void *state)
{
    ts_proc *p = state;
    ts_sender_stop(p);
    bool idle = wait_commits(p, otelc_mono_ns() + DESTROY_WAIT_NS);
    pthread_mutex_lock(&p->mu);
    idle = idle && p->in_flight == 0;
    pthread_mutex_unlock(&p->mu);
    if (!idle) {
        /* A completion may still come: keeping the memory is safer. */
        p->api->log(p->ctx, OTELC_LOG_ERROR, "completions still outstanding at destroy");
        return;
    }
    if (p->client)
        p->storage->client_close(p->client);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    release(p);
}

static const otelc_plugin ts_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "tail_sampling",
    .version = "1.0.0",
    .doc = "samples whole traces by policies after decision_wait; on disk (storage, or the "
           "exporters' when durable), loses nothing",
    .config_keys = ts_config_keys,
    .config_size = sizeof(ts_cfg),
    .create = ts_create,
    .start = ts_start,
    .consume = ts_consume,
    .resume = ts_resume,
    .flush = ts_flush,
    .shutdown = ts_shutdown,
    .destroy = ts_destroy,
    .signals = OTELC_TRACES,
};

OTELC_PLUGIN(ts_desc)
