/*
 * timer.c: the processor's own timer thread. It sends shards whose
 * timeout passed and offers a refused outbox again every retry interval,
 * sleeping on a CLOCK_MONOTONIC condition variable until the earliest of
 * those moments.
 */
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "bp.h"

/* Sends the shards due by now; returns the next deadline. Under p->mu. */
static int64_t send_due(bp *p, int64_t now)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < p->nshards; i++) {
        bp_shard *s = p->shards[i];
        if (s->deadline_ns && s->deadline_ns <= now) {
            /* A cut that ran out of memory is tried again a retry later. */
            int rc = bp_shard_cut(p, s, BP_TRIGGER_TIMEOUT);
            s->deadline_ns = s->spans ? now + (rc == 0 ? p->cfg->timeout_ns : p->retry_ns) : 0;
        }
        if (s->deadline_ns && s->deadline_ns < next)
            next = s->deadline_ns;
    }
    return next;
}

static void wait_until(bp *p, int64_t at)
{
    p->timer_wake_ns = at;
    if (at == INT64_MAX) {
        pthread_cond_wait(&p->wake, &p->mu);
    } else {
        struct timespec ts = {at / 1000000000, at % 1000000000};
        pthread_cond_timedwait(&p->wake, &p->mu, &ts);
    }
    p->timer_wake_ns = 0;
}

static void *timer_main(void *arg)
{
    bp *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->timer_stop) {
        int64_t now = bp_now_ns();
        int64_t next = send_due(p, now);
        if (p->blocked && p->retry_at_ns <= now)
            p->blocked = false;
        if (!p->blocked && p->out_head && !p->pumping) {
            pthread_mutex_unlock(&p->mu);
            bp_pump(p);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        if (p->blocked && p->retry_at_ns < next)
            next = p->retry_at_ns;
        wait_until(p, next);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int bp_timer_start(bp *p)
{
    sigset_t all, old;
    sigfillset(&all);
    /* Signals belong to the host's main thread; the new thread inherits
     * this mask. */
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&p->timer, NULL, timer_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    p->timer_started = true;
    return 0;
}

void bp_timer_stop(bp *p)
{
    if (!p->timer_started)
        return;
    pthread_mutex_lock(&p->mu);
    p->timer_stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->timer, NULL);
    p->timer_started = false;
}

void bp_timer_poke(bp *p, int64_t at_ns)
{
    /* Only an earlier wake-up than the one planned needs the thread. */
    if (p->timer_wake_ns == 0 || at_ns < p->timer_wake_ns)
        pthread_cond_broadcast(&p->wake);
}
