/* The flush loop of a metrics-deriving connector; see emitter.h. */
#include "emitter.h"

#include <pthread.h>
#include <stdlib.h>

#include <otelc/sdk/clock.h>

struct otlpm_emitter {
    otlpm_emitter_cfg cfg;
    pthread_mutex_t flush_mu; /* one flush at a time */
    pthread_mutex_t mu;       /* everything below */
    pthread_cond_t cv;        /* the thread's wake-up; an emit completed */
    pthread_t thread;
    bool running, stopping, woken, stopped;
    bool orphaned;          /* freed by its owner: ctx and api are gone */
    otelc_batch *held;      /* answered RETRY: offered again next time */
    otelc_batch *in_flight; /* answered PENDING: its completion is due */
    int refs;               /* the owner's, and one while in flight */
    uint64_t refused;
};

otlpm_emitter *otlpm_emitter_new(const otlpm_emitter_cfg *cfg)
{
    otlpm_emitter *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&e->mu, NULL);
    pthread_mutex_init(&e->flush_mu, NULL);
    e->cfg = *cfg;
    e->refs = 1;
    return e;
}

static void destroy(otlpm_emitter *e)
{
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    pthread_mutex_destroy(&e->flush_mu);
    free(e);
}

/* What happens to b after the downstream's final answer st. mu held. */
static void settle(otlpm_emitter *e, otelc_batch *b, otelc_status st)
{
    if (st == OTELC_RETRY && !e->orphaned) {
        e->held = b; /* our reference moves with it */
        return;
    }
    if (st == OTELC_REJECT && !e->orphaned) {
        uint32_t points = otelc_batch_spans(b);
        e->refused += points;
        e->cfg.api->log(e->cfg.ctx, OTELC_LOG_ERROR,
                        "the metrics pipelines refused %u data points for good", points);
    }
    otelc_batch_unref(b);
}

static void on_done(void *arg, otelc_status st)
{
    otlpm_emitter *e = arg;
    pthread_mutex_lock(&e->mu);
    otelc_batch *b = e->in_flight;
    e->in_flight = NULL;
    if (b)
        settle(e, b, st);
    bool last = --e->refs == 0;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    if (last)
        destroy(e);
}

/* Emits b (our reference); returns the immediate answer. */
static otelc_status send_batch(otlpm_emitter *e, otelc_batch *b)
{
    pthread_mutex_lock(&e->mu);
    e->in_flight = b;
    e->refs++;
    pthread_mutex_unlock(&e->mu);
    otelc_status st = e->cfg.api->emit(e->cfg.ctx, b, on_done, e);
    if (st == OTELC_PENDING)
        return st; /* on_done settles it, perhaps already has */
    pthread_mutex_lock(&e->mu);
    e->in_flight = NULL;
    e->refs--;
    settle(e, b, st);
    pthread_mutex_unlock(&e->mu);
    return st;
}

/* Offers the held batch again; true when the way is clear for new data. */
static bool send_held(otlpm_emitter *e)
{
    pthread_mutex_lock(&e->mu);
    bool busy = e->in_flight != NULL;
    otelc_batch *b = busy ? NULL : e->held;
    e->held = NULL;
    pthread_mutex_unlock(&e->mu);
    if (busy)
        return false;
    return !b || send_batch(e, b) == OTELC_OK;
}

static void flush_once(otlpm_emitter *e, bool final)
{
    pthread_mutex_lock(&e->flush_mu);
    if (send_held(e)) {
        otelc_batch *b = e->cfg.build(e->cfg.arg, final);
        if (b)
            send_batch(e, b);
    }
    pthread_mutex_unlock(&e->flush_mu);
}

/* Waits for an emit in flight; true when nothing is held any more. */
static bool wait_idle(otlpm_emitter *e, int64_t deadline_ns)
{
    struct timespec ts = otelc_timespec(deadline_ns);
    pthread_mutex_lock(&e->mu);
    while (e->in_flight && otelc_mono_ns() < deadline_ns)
        pthread_cond_timedwait(&e->cv, &e->mu, &ts);
    bool idle = !e->in_flight && !e->held;
    pthread_mutex_unlock(&e->mu);
    return idle;
}

static int flush_now(otlpm_emitter *e, int64_t deadline_ns, bool final)
{
    wait_idle(e, deadline_ns);
    if (e->cfg.tick)
        e->cfg.tick(e->cfg.arg);
    flush_once(e, final);
    return wait_idle(e, deadline_ns) ? 0 : -1;
}

int otlpm_emitter_flush(otlpm_emitter *e, int64_t deadline_ns)
{
    return flush_now(e, deadline_ns, false);
}

/* When the thread must next wake up; INT64_MAX: only when woken. */
static int64_t next_wake(const otlpm_emitter *e, int64_t next_flush, int64_t next_tick)
{
    int64_t t = e->cfg.interval_ns > 0 ? next_flush : INT64_MAX;
    if (e->cfg.tick_ns > 0 && next_tick < t)
        t = next_tick;
    return t;
}

static void wait_until(otlpm_emitter *e, int64_t t)
{
    if (t == INT64_MAX) {
        pthread_cond_wait(&e->cv, &e->mu);
        return;
    }
    struct timespec ts = otelc_timespec(t);
    pthread_cond_timedwait(&e->cv, &e->mu, &ts);
}

static void *loop(void *arg)
{
    otlpm_emitter *e = arg;
    int64_t start = otelc_mono_ns();
    int64_t next_flush = start + e->cfg.interval_ns, next_tick = start + e->cfg.tick_ns;
    pthread_mutex_lock(&e->mu);
    while (!e->stopping) {
        int64_t now = otelc_mono_ns();
        bool flush = e->woken || (e->cfg.interval_ns > 0 && now >= next_flush);
        bool tick = e->cfg.tick_ns > 0 && now >= next_tick;
        if (!flush && !tick) {
            wait_until(e, next_wake(e, next_flush, next_tick));
            continue;
        }
        e->woken = false;
        pthread_mutex_unlock(&e->mu);
        if (tick) {
            e->cfg.tick(e->cfg.arg);
            next_tick = now + e->cfg.tick_ns;
        }
        if (flush) {
            flush_once(e, false);
            next_flush = now + e->cfg.interval_ns;
        }
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

int otlpm_emitter_start(otlpm_emitter *e)
{
    if (pthread_create(&e->thread, NULL, loop, e) != 0) {
        e->cfg.api->log(e->cfg.ctx, OTELC_LOG_ERROR, "cannot start the flush thread");
        return -1;
    }
    e->running = true;
    return 0;
}

void otlpm_emitter_wake(otlpm_emitter *e)
{
    pthread_mutex_lock(&e->mu);
    e->woken = true;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Ends the thread; true the first time. */
static bool end_thread(otlpm_emitter *e)
{
    pthread_mutex_lock(&e->mu);
    bool first = !e->stopped;
    e->stopped = e->stopping = true;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    if (e->running)
        pthread_join(e->thread, NULL);
    e->running = false;
    return first;
}

int otlpm_emitter_stop(otlpm_emitter *e, int64_t deadline_ns)
{
    if (!end_thread(e))
        return wait_idle(e, deadline_ns) ? 0 : -1;
    return flush_now(e, deadline_ns, true);
}

uint64_t otlpm_emitter_refused(otlpm_emitter *e)
{
    pthread_mutex_lock(&e->mu);
    uint64_t n = e->refused;
    pthread_mutex_unlock(&e->mu);
    return n;
}

void otlpm_emitter_free(otlpm_emitter *e)
{
    if (!e)
        return;
    end_thread(e);
    pthread_mutex_lock(&e->mu);
    otelc_batch *held = e->held;
    e->held = NULL;
    e->orphaned = true;
    bool last = --e->refs == 0;
    pthread_mutex_unlock(&e->mu);
    if (held) {
        e->cfg.api->log(e->cfg.ctx, OTELC_LOG_WARN,
                        "%u data points were never taken by the metrics pipelines",
                        otelc_batch_spans(held));
        otelc_batch_unref(held);
    }
    if (last)
        destroy(e);
}
