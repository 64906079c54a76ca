/*
 * batch_proc.c: the batch processor plugin. It holds nothing: each
 * request goes on at once (cut into pieces of send_batch_max_size first),
 * and at create it asks the host to form the batches its keys describe on
 * the read side of the exporter queues of its pipeline (export_batching).
 * Its metrics count those batches as the queues report them.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <otelc/sdk/signal.h>

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

/* A batch left an exporter queue of this pipeline (any thread). */
static void on_send(void *arg, uint32_t items, otelc_send_trigger why)
{
    bp *p = arg;
    p->api->metric_observe(p->m.send_size, items);
    if (why == OTELC_SEND_SIZE)
        p->api->metric_add(p->m.size_sends, 1);
    else if (why == OTELC_SEND_TIMEOUT)
        p->api->metric_add(p->m.timeout_sends, 1);
}

/* With a timeout, the exporters' queues batch; without one (timeout: 0)
 * every request goes out as it came, as the collector does. */
static int ask_batching(bp *p)
{
    const bp_cfg *cfg = p->cfg;
    if (cfg->timeout_ns == 0)
        return 0;
    otelc_batching b = {
        .struct_size = sizeof(b),
        .min_items = (uint64_t)cfg->send_batch_size,
        .max_items = (uint64_t)cfg->send_batch_max_size,
        .flush_timeout_ns = cfg->timeout_ns,
        .metadata_keys = cfg->metadata_keys,
        .on_send = on_send,
        .arg = p,
    };
    if (!otelc_host_has(p->api, export_batching)) {
        p->api->log(p->ctx, OTELC_LOG_ERROR, "this host cannot batch on the way out (ABI %u.%u "
                    "< 1.2)", p->api->abi_major, p->api->abi_minor);
        return -1;
    }
    return p->api->export_batching(p->ctx, &b);
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
    if (bp_seen_init(&p->seen) != 0)
        goto out_free;
    if (register_metrics(p) != 0 || ask_batching(p) != 0)
        goto out_seen;
    *state = p;
    return 0;
out_seen:
    bp_seen_free(&p->seen);
out_free:
    free(p);
    return -1;
}

/* ---- requests larger than send_batch_max_size ---- */

/* The pieces of one request in flight: the request's ticket completes
 * with the worst outcome (RETRY > REJECT > OK) once every piece has one. */
typedef struct split_join {
    atomic_int remaining;
    atomic_int worst;
    otelc_ticket *t;
    const otelc_host_api *api;
} split_join;

static int rank(otelc_status s)
{
    return s == OTELC_RETRY ? 2 : s == OTELC_REJECT ? 1 : 0;
}

static void join_note(split_join *j, otelc_status s)
{
    int cur = atomic_load(&j->worst);
    while (rank(s) > rank((otelc_status)cur) &&
           !atomic_compare_exchange_weak(&j->worst, &cur, (int)s)) {
    }
}

/* Drops one count. The last one out frees j and returns the outcome,
 * completing the ticket too when it is a late completion (async); the
 * others return PENDING. */
static otelc_status join_leave(split_join *j, bool async)
{
    if (atomic_fetch_sub(&j->remaining, 1) != 1)
        return OTELC_PENDING;
    otelc_status st = (otelc_status)atomic_load(&j->worst);
    if (async)
        j->api->complete(j->t, st);
    free(j);
    return st;
}

static void piece_done(void *arg, otelc_status st)
{
    split_join *j = arg;
    join_note(j, st);
    join_leave(j, true);
}

/* Emits the pieces in order and stops at the first the pipeline refuses
 * at once (the client resends the request; pieces taken before it are
 * then delivered twice: at-least-once). */
static otelc_status emit_pieces(bp *p, const bp_pieces *pc, otelc_ticket *t)
{
    split_join *j = malloc(sizeof(*j));
    if (!j)
        return OTELC_RETRY;
    atomic_init(&j->remaining, 1); /* ours, while emitting */
    atomic_init(&j->worst, OTELC_OK);
    j->t = t;
    j->api = p->api;
    for (size_t i = 0; i < pc->n; i++) {
        atomic_fetch_add(&j->remaining, 1);
        otelc_status st = p->api->emit(p->ctx, pc->b[i], piece_done, j);
        if (st == OTELC_PENDING)
            continue;
        join_note(j, st);
        atomic_fetch_sub(&j->remaining, 1);
        if (st != OTELC_OK)
            break;
    }
    /* Last out answers: if every piece finished already, say so now. */
    return join_leave(j, false);
}

static otelc_status emit_split(bp *p, otelc_batch *b, otelc_ticket *t)
{
    bp_pieces pc;
    uint64_t max = (uint64_t)p->cfg->send_batch_max_size;
    otelc_signal s = otelc_batch_signal(b);
    int rc = s == OTELC_METRICS ? bp_split_metrics(p->api, b, max, &pc)
                                : bp_split(p->api, b, max, &pc);
    if (rc != 0) {
        p->api->log(p->ctx, OTELC_LOG_WARN, "cannot split a request of %u %s: out of memory",
                    otelc_batch_spans(b), otelc_signal_items(s));
        return OTELC_RETRY;
    }
    otelc_status st = emit_pieces(p, &pc, t);
    bp_pieces_free(&pc);
    return st;
}

static otelc_status bp_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    bp *p = state;
    otelc_status st = bp_seen_note(p, b);
    if (st == OTELC_REJECT)
        p->api->log(p->ctx, OTELC_LOG_WARN, "metadata_cardinality_limit reached: request "
                                            "refused");
    if (st != OTELC_OK)
        return st;
    uint64_t max = (uint64_t)p->cfg->send_batch_max_size;
    bool split = t && max > 0 && otelc_batch_spans(b) > max;
    if (p->cfg->timeout_ns == 0) /* no batching downstream: each request is a send */
        on_send(p, otelc_batch_spans(b), OTELC_SEND_SIZE);
    return split ? emit_split(p, b, t) : p->api->emit_ticket(p->ctx, b, t);
}

static int bp_shutdown(void *state, int64_t deadline_ns)
{
    (void)state;
    (void)deadline_ns;
    return 0; /* nothing is held */
}

static void bp_destroy(void *state)
{
    bp *p = state;
    bp_seen_free(&p->seen);
    free(p);
}

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "batch",
    .version = "2.0.0",
    .doc = "batches on the way out: the exporter queues merge requests by item count and time",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .signals = OTELC_ALL_SIGNALS,
    .config_keys = bp_config_keys,
    .config_size = sizeof(bp_cfg),
    .create = bp_create,
    .consume = bp_consume,
    .shutdown = bp_shutdown,
    .destroy = bp_destroy,
};

OTELC_PLUGIN(desc)
