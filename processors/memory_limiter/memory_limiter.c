/*
 * memory_limiter.c: the collector's memory_limiter processor. A thread
 * reads the process's anonymous resident memory (RssAnon: the heap and
 * buffers, not LMDB's file-backed map) every check_interval. Above the
 * soft limit (limit minus spike) the processor refuses new data with
 * RETRY, so clients see UNAVAILABLE / 503 and back off; data already
 * accepted is never dropped. When memory falls below the soft limit again
 * it tells the host, which resumes the refused receivers. Requests pass
 * on unchanged while under the limit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/plugin.h>
#include <otelc/sdk/clock.h>
#include <otelc/sdk/signal.h>

#include "ml.h"

typedef struct ml {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    ml_limits lim;
    int64_t interval_ns;
    atomic_bool refusing;
    int64_t release_soft_ns, release_hard_ns;
    int64_t last_release_ns; /* checker thread */
    otelc_series *refused, *rss, *releases;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, started;
    pthread_t thread;
} ml;

/* Above a limit, the host is asked to give memory back (what the
 * collector does with a forced garbage collection), paced as its
 * min_gc_interval keys pace that. */
static void maybe_release(ml *m, uint64_t used)
{
    int64_t every = used > m->lim.hard ? m->release_hard_ns : m->release_soft_ns;
    int64_t now = otelc_mono_ns();
    if (used <= m->lim.soft || (used <= m->lim.hard && every == 0) ||
        (m->last_release_ns && now - m->last_release_ns < every) ||
        !otelc_host_has(m->api, memory_release))
        return;
    m->last_release_ns = now;
    m->api->memory_release(m->ctx);
    m->api->metric_add(m->releases, 1);
}

/* One check: the state follows the soft limit; the host hears when data
 * may come again. */
static void check(ml *m)
{
    uint64_t used = ml_rss_anon();
    if (!used)
        return; /* unreadable: keep the last verdict */
    m->api->metric_set(m->rss, (double)used);
    maybe_release(m, used);
    bool over = used > m->lim.soft;
    bool was = atomic_exchange(&m->refusing, over);
    if (over && !was)
        m->api->log(m->ctx, OTELC_LOG_WARN, "memory %llu MiB above the soft limit %llu MiB: "
                    "refusing data (limit %llu MiB)", (unsigned long long)(used >> 20),
                    (unsigned long long)(m->lim.soft >> 20), (unsigned long long)(m->lim.hard >> 20));
    if (!over && was) {
        m->api->log(m->ctx, OTELC_LOG_INFO, "memory %llu MiB below the soft limit: accepting "
                    "data again", (unsigned long long)(used >> 20));
        m->api->consume_ready(m->ctx);
    }
}

static void *checker(void *arg)
{
    ml *m = arg;
    pthread_mutex_lock(&m->mu);
    while (!m->stop) {
        pthread_mutex_unlock(&m->mu);
        check(m);
        pthread_mutex_lock(&m->mu);
        struct timespec at = otelc_timespec(otelc_mono_ns() + m->interval_ns);
        while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &at) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static void series(ml *m, otelc_series **out, const char *name, const char *help,
                   otelc_metric_type type)
{
    const char *labels[] = {"processor", m->api->instance_id(m->ctx), "pipeline",
                            m->api->pipeline_id(m->ctx), NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = type, .labels = labels};
    *out = m->api->metric(m->ctx, &d);
}

/* The refused items of the pipeline's signal, as the collector names
 * them: otelcol_processor_refused_{spans,metric_points,log_records}. */
static void register_refused(ml *m)
{
    uint32_t fed = otelc_host_has(m->api, signals_fed) ? m->api->signals_fed(m->ctx) : 0;
    otelc_signal s = otelc_signal_only(fed);
    char name[64], help[96];
    snprintf(name, sizeof(name), "otelcol_processor_refused_%s_total", otelc_signal_unit(s));
    snprintf(help, sizeof(help), "Number of %s refused because memory was above the soft limit",
             otelc_signal_items(s));
    series(m, &m->refused, name, help, OTELC_COUNTER);
}

static int ml_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    const ml_cfg *cfg = cfgp;
    ml_limits lim;
    char why[200];
    if (ml_limits_of(cfg, ml_total_memory(), &lim, why, sizeof(why)) != 0) {
        api->config_error(ctx, NULL, "%s", why);
        return -1;
    }
    ml *m = calloc(1, sizeof(*m));
    if (!m)
        return -1;
    *m = (ml){.ctx = ctx, .api = api, .lim = lim, .interval_ns = cfg->check_interval_ns,
              .release_soft_ns = cfg->release_soft_ns, .release_hard_ns = cfg->release_hard_ns};
    register_refused(m);
    series(m, &m->rss, "otelc_processor_memory_limiter_memory_bytes",
           "The process memory the limiter last measured (RssAnon)", OTELC_GAUGE);
    series(m, &m->releases, "otelc_processor_memory_limiter_releases_total",
           "Times the host was asked to give memory back above a limit", OTELC_COUNTER);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&m->mu, NULL);
    *state = m;
    return m->refused && m->rss && m->releases ? 0 : -1;
}

static int ml_start(void *state)
{
    ml *m = state;
    m->api->log(m->ctx, OTELC_LOG_INFO, "limit %llu MiB, soft limit %llu MiB, checked every "
                "%.3fs", (unsigned long long)(m->lim.hard >> 20),
                (unsigned long long)(m->lim.soft >> 20), (double)m->interval_ns / 1e9);
    check(m);
    if (pthread_create(&m->thread, NULL, checker, m) != 0)
        return -1;
    m->started = true;
    return 0;
}

static otelc_status ml_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    ml *m = state;
    if (atomic_load(&m->refusing)) {
        m->api->metric_add(m->refused, otelc_batch_spans(b));
        return OTELC_RETRY;
    }
    return m->api->emit_ticket(m->ctx, b, t);
}

static int ml_shutdown(void *state, int64_t deadline_ns)
{
    ml *m = state;
    pthread_mutex_lock(&m->mu);
    m->stop = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    if (m->started)
        pthread_join(m->thread, NULL);
    m->started = false;
    return 0;
}

static void ml_destroy(void *state)
{
    ml *m = state;
    ml_shutdown(m, 0);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static const otelc_plugin ml_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "memory_limiter",
    .version = OTELC_VERSION,
    .doc = "refuses data (RETRY) while the process's memory is above its soft limit",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .signals = OTELC_ALL_SIGNALS,
    .config_keys = ml_config_keys,
    .config_size = sizeof(ml_cfg),
    .create = ml_create,
    .start = ml_start,
    .consume = ml_consume,
    .shutdown = ml_shutdown,
    .destroy = ml_destroy,
};

OTELC_PLUGIN(ml_desc)
