/*
 * batch_proc.c: the batch processor plugin. It merges consumed requests
 * by reference (no copy) into batches counted in spans, answers PENDING
 * for what it holds and completes those tickets only when its own emit of
 * the merged batch completes. Sends on size, on timeout (own timer
 * thread) and on flush/shutdown; keeps whatever the next stage refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "bp.h"

/* The collector's bucket bounds for otelcol_processor_batch_batch_send_size. */
static const double send_size_buckets[] = {10,   25,   50,   75,    100,   250,   500,   750,
                                           1000, 2000, 3000, 4000,  5000,  6000,  7000,  8000,
                                           9000, 10000, 20000, 30000, 50000, 100000};

/* Registers one series labelled with this instance into *out. */
static void series(bp *p, otelc_series **out, const char *name, const char *help,
                   otelc_metric_type type)
{
    const char *labels[] = {"processor", p->api->instance_id(p->ctx), "pipeline",
                            p->api->pipeline_id(p->ctx), NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = type, .labels = labels};
    if (type == OTELC_HISTOGRAM) {
        d.buckets = send_size_buckets;
        d.nbuckets = sizeof(send_size_buckets) / sizeof(send_size_buckets[0]);
    }
    *out = p->api->metric(p->ctx, &d);
}

static int register_metrics(bp *p)
{
    bp_metrics *m = &p->m;
    series(p, &m->send_size, "otelcol_processor_batch_batch_send_size",
           "Number of units in the batch", OTELC_HISTOGRAM);
    series(p, &m->size_sends, "otelcol_processor_batch_batch_size_trigger_send_total",
           "Number of times the batch was sent due to a size trigger", OTELC_COUNTER);
    series(p, &m->timeout_sends, "otelcol_processor_batch_timeout_trigger_send_total",
           "Number of times the batch was sent due to a timeout trigger", OTELC_COUNTER);
    series(p, &m->cardinality, "otelcol_processor_batch_metadata_cardinality",
           "Number of distinct metadata value combinations being processed", OTELC_GAUGE);
    return m->send_size && m->size_sends && m->timeout_sends && m->cardinality ? 0 : -1;
}

static int64_t retry_interval(const bp_cfg *cfg)
{
    int64_t ns = cfg->timeout_ns > 0 ? cfg->timeout_ns : 100000000;
    if (ns < 10000000)
        ns = 10000000;
    return ns > 1000000000 ? 1000000000 : ns;
}

static int sync_init(bp *p)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_mutex_init(&p->mu, NULL) || pthread_cond_init(&p->wake, &ca) ||
             pthread_cond_init(&p->idle, NULL);
    pthread_condattr_destroy(&ca);
    return rc ? -1 : 0;
}

static int bp_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    const bp_cfg *cfg = cfgp;
    char why[160];
    if (bp_config_check(cfg, why, sizeof(why)) != 0) {
        api->config_error(ctx, NULL, "%s", why);
        return -1;
    }
    bp *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    *p = (bp){.ctx = ctx, .api = api, .cfg = cfg};
    p->unsent_bound = bp_config_unsent_bound(cfg);
    p->retry_ns = retry_interval(cfg);
    if (sync_init(p) != 0)
        goto out_free;
    if (register_metrics(p) != 0 || (cfg->metadata_keys.n == 0 && !bp_shard_default(p)))
        goto out_shards;
    *state = p;
    return 0;
out_shards:
    for (size_t i = 0; i < p->nshards; i++)
        bp_shard_free(p->shards[i]);
    free(p->shards);
out_free:
    free(p);
    return -1;
}

static int bp_start(void *state)
{
    bp *p = state;
    if (bp_timer_start(p) != 0) {
        p->api->log(p->ctx, OTELC_LOG_ERROR, "cannot start the timer thread");
        return -1;
    }
    return 0;
}

/* Sends on size (or at once without a timeout), else arms the timeout.
 * Under p->mu. */
static void after_add(bp *p, bp_shard *s)
{
    const bp_cfg *cfg = p->cfg;
    int64_t now = bp_now_ns();
    bool send = cfg->timeout_ns == 0 || s->spans >= (uint64_t)cfg->send_batch_size;
    if (send && bp_shard_cut(p, s, BP_TRIGGER_SIZE) != 0)
        s->deadline_ns = now + p->retry_ns; /* out of memory: the timer tries again */
    else if (send) /* like the collector, a size send restarts the timeout */
        s->deadline_ns = s->spans && cfg->timeout_ns ? now + cfg->timeout_ns : 0;
    else if (!s->deadline_ns)
        s->deadline_ns = now + cfg->timeout_ns;
    else
        return;
    if (s->deadline_ns)
        bp_timer_poke(p, s->deadline_ns);
}

/* Holds b under its shard. Under p->mu. */
static otelc_status hold(bp *p, otelc_batch *b, otelc_ticket *t)
{
    otelc_status st;
    if (p->stopping)
        return OTELC_RETRY;
    if (p->out_spans >= p->unsent_bound) {
        p->refused_upstream = true; /* bp_pump wakes them when it drains */
        return OTELC_RETRY;
    }
    bp_shard *s = bp_shard_for(p, b, &st);
    if (!s) {
        if (st == OTELC_REJECT)
            p->api->log(p->ctx, OTELC_LOG_WARN,
                        "metadata_cardinality_limit reached: request refused");
        return st;
    }
    bp_origin *o = bp_origin_new(t, otelc_batch_spans(b));
    if (!o || bp_shard_add(s, b, o) != 0) {
        free(o);
        return OTELC_RETRY;
    }
    after_add(p, s);
    return OTELC_PENDING;
}

static otelc_status bp_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    bp *p = state;
    if (otelc_batch_spans(b) == 0 || !t)
        return p->api->emit_ticket(p->ctx, b, t); /* nothing to batch */
    pthread_mutex_lock(&p->mu);
    otelc_status st = hold(p, b, t);
    pthread_mutex_unlock(&p->mu);
    if (st == OTELC_PENDING)
        bp_pump(p);
    return st;
}

static void bp_resume(void *state)
{
    bp *p = state;
    pthread_mutex_lock(&p->mu);
    p->blocked = false;
    p->resumes++;
    pthread_mutex_unlock(&p->mu);
    bp_pump(p);
}

static bool drained(const bp *p)
{
    return !p->out_head && p->inflight == 0 && !p->pumping;
}

/* Waits until everything cut went out or the deadline; offers a refused
 * outbox again every retry interval meanwhile. Under p->mu. */
static void wait_drained(bp *p, int64_t deadline_ns)
{
    int64_t now;
    while (!drained(p) && (now = bp_now_ns()) < deadline_ns) {
        if (p->blocked && p->retry_at_ns <= now) {
            p->blocked = false;
            pthread_mutex_unlock(&p->mu);
            bp_pump(p);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        int64_t until = p->blocked && p->retry_at_ns < deadline_ns ? p->retry_at_ns : deadline_ns;
        int64_t wait = until - now < 20000000 ? until - now : 20000000;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + wait;
        ts = (struct timespec){at / 1000000000, at % 1000000000};
        pthread_cond_timedwait(&p->idle, &p->mu, &ts);
    }
}

static int bp_flush(void *state, int64_t deadline_ns)
{
    bp *p = state;
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nshards; i++) {
        if (bp_shard_cut(p, p->shards[i], BP_TRIGGER_FLUSH) != 0)
            rc = -1;
        else
            p->shards[i]->deadline_ns = 0;
    }
    pthread_mutex_unlock(&p->mu);
    bp_pump(p);
    pthread_mutex_lock(&p->mu);
    wait_drained(p, deadline_ns);
    if (!drained(p))
        rc = -1;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* What could not be delivered by the deadline is refused upstream with
 * RETRY: the clients keep it and send it again. */
static size_t abandon_held(bp *p)
{
    size_t left = 0;
    for (size_t i = 0; i < p->nshards; i++) {
        bp_origin **origins;
        pthread_mutex_lock(&p->mu);
        size_t n = bp_shard_drain(p->shards[i], &origins);
        pthread_mutex_unlock(&p->mu);
        for (size_t k = 0; k < n; k++)
            bp_origin_release(p, origins[k], OTELC_RETRY);
        free(origins);
        left += n;
    }
    return left;
}

static int bp_shutdown(void *state, int64_t deadline_ns)
{
    bp *p = state;
    pthread_mutex_lock(&p->mu);
    bool again = p->shut;
    p->stopping = p->shut = true;
    pthread_mutex_unlock(&p->mu);
    if (again)
        return p->shut_rc;
    int rc = bp_flush(p, deadline_ns);
    bp_timer_stop(p);
    pthread_mutex_lock(&p->mu);
    bool left = p->out_head != NULL;
    pthread_mutex_unlock(&p->mu);
    left = abandon_held(p) > 0 || left;
    bp_outbox_abandon(p);
    if (left) {
        p->api->log(p->ctx, OTELC_LOG_WARN, "shut down with undelivered spans: refused "
                                            "upstream with RETRY");
        rc = -1;
    }
    p->shut_rc = rc;
    return rc;
}

static void bp_destroy(void *state)
{
    bp *p = state;
    bp_timer_stop(p);
    abandon_held(p);
    bp_outbox_abandon(p);
    pthread_mutex_lock(&p->mu);
    size_t inflight = p->inflight;
    pthread_mutex_unlock(&p->mu);
    if (inflight) {
        /* Their completions will still touch p: keep it rather than crash. */
        p->api->log(p->ctx, OTELC_LOG_ERROR, "%zu batches still in flight at destroy", inflight);
        return;
    }
    for (size_t i = 0; i < p->nshards; i++)
        bp_shard_free(p->shards[i]);
    free(p->shards);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "batch",
    .version = "1.0.0",
    .doc = "merges requests into batches by span count, size and time",
    .config_keys = bp_config_keys,
    .config_size = sizeof(bp_cfg),
    .create = bp_create,
    .start = bp_start,
    .consume = bp_consume,
    .resume = bp_resume,
    .flush = bp_flush,
    .shutdown = bp_shutdown,
    .destroy = bp_destroy,
};

OTELC_PLUGIN(desc)
