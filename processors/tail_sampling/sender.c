/*
 * sender.c: the decider thread. It sleeps until the next trace's
 * deadline, decides the traces due, emits sampled ones downstream (their
 * pieces merged by reference, up to TS_SEND_SPANS spans per batch) and
 * commits the deletion of every trace that is settled: not sampled, or
 * sampled and taken by the next stage (its emit answered OK, at once or
 * through its done callback). A RETRY keeps the batch for resume() or a
 * second later; nothing is deleted before it was taken.
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "ts.h"

#define RETRY_AFTER_NS 1000000000LL /* a refused send is tried again after this */
#define MAX_SLEEP_NS 1000000000LL
/* Traces decided per hold of the lock: consume waits no longer than
 * this many evaluations when a crowd is due at once (after a restart). */
#define DECIDE_BATCH 1024

typedef struct work {
    uint8_t *dels;
    size_t ndels;
    ts_send *sends;
} work;

static void send_free(ts_send *s)
{
    if (s->merged)
        otelc_batch_unref(s->merged);
    free(s->traces);
    free(s);
}

/* Puts the chain first..(its end) back at the head of the queue. */
static void requeue(ts_proc *p, ts_send *first)
{
    ts_send *last = first;
    while (last->next)
        last = last->next;
    last->next = p->sendq;
    if (!p->sendq)
        p->sendq_tail = last;
    p->sendq = first;
    p->blocked = true;
    p->retry_at_ns = otelc_mono_ns() + RETRY_AFTER_NS;
}

/* Puts the chain first..(its end) right after s, which is queued (only
 * this thread takes sends off the queue). */
static void queue_after(ts_proc *p, ts_send *s, ts_send *first)
{
    ts_send *last = first;
    while (last->next)
        last = last->next;
    last->next = s->next;
    s->next = first;
    if (p->sendq_tail == s)
        p->sendq_tail = last;
}

/* The next stage took s (or refused it for good): its traces are done. */
static void finish(ts_proc *p, ts_send *s, int64_t now_ns)
{
    for (size_t i = 0; i < s->n; i++) {
        ts_trace *tr = s->traces[i];
        ts_queue_deletes(p, tr);
        ts_trace_drop_pieces(tr);
        tr->state = TS_DONE;
        if (!tr->in_fifo) { /* pushed out of the fifo while sending */
            p->detached--;
            ts_observe(&p->m, p->m.removal_age, ts_seconds(now_ns - tr->arrival_ns));
            ts_table_remove(&p->table, tr);
        }
    }
    send_free(s);
}

static void settle(ts_proc *p, ts_send *s, otelc_status st)
{
    bool ready = false;
    pthread_mutex_lock(&p->mu);
    p->in_flight--;
    if (st == OTELC_RETRY) {
        s->next = NULL;
        requeue(p, s);
    } else {
        if (st == OTELC_REJECT) {
            p->api->log(p->ctx, OTELC_LOG_ERROR, "the next stage refused %zu sampled traces "
                        "(%llu spans) for good", s->n, (unsigned long long)s->spans);
            ts_count(&p->m, p->m.refused_downstream, (double)s->n);
        }
        finish(p, s, otelc_real_ns());
        ready = p->refused && p->detached < (size_t)p->cfg->num_traces;
        p->refused = p->refused && !ready;
        ts_gauge(&p->m, p->m.on_memory, (double)p->table.count);
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (ready)
        p->api->consume_ready(p->ctx);
}

static void send_done(void *arg, otelc_status status)
{
    ts_send *s = arg;
    settle(s->p, s, status);
}

/* One batch of every piece of s's traces; NULL if memory ran out. */
static otelc_batch *merge(ts_proc *p, const ts_send *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->traces[i]->npieces;
    otelc_batch **parts = malloc((n ? n : 1) * sizeof(otelc_batch *));
    if (!parts)
        return NULL;
    n = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->traces[i]->npieces; k++)
            parts[n++] = s->traces[i]->pieces[k].b;
    otelc_batch *b = p->api->batch_merge(parts, n);
    free(parts);
    return b;
}

/* Emits s; the outcome, or PENDING when send_done will settle it. */
static otelc_status send_one(ts_proc *p, ts_send *s)
{
    pthread_mutex_lock(&p->mu);
    p->in_flight++;
    pthread_mutex_unlock(&p->mu);
    /* The traces of s cannot change while it is queued or in flight. */
    if (!s->merged)
        s->merged = merge(p, s);
    otelc_status st = s->merged ? p->api->emit(p->ctx, s->merged, send_done, s) : OTELC_RETRY;
    if (st != OTELC_PENDING)
        settle(p, s, st);
    return st;
}

static void run(ts_proc *p, work *w)
{
    if (w->ndels)
        ts_store_flush_deletes(p, w->dels, w->ndels);
    free(w->dels);
    while (w->sends) {
        ts_send *s = w->sends;
        w->sends = s->next;
        s->next = NULL;
        if (send_one(p, s) == OTELC_RETRY && w->sends) {
            pthread_mutex_lock(&p->mu);
            queue_after(p, s, w->sends); /* s is queued again: the rest follow it */
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
}

/* Takes what is to do now: deletes, and the queued sends unless the
 * next stage asked to wait. */
static bool take_work(ts_proc *p, work *w)
{
    *w = (work){p->dels, p->ndels, NULL};
    p->dels = NULL;
    p->ndels = p->capdels = 0;
    if (p->sendq && (!p->blocked || otelc_mono_ns() >= p->retry_at_ns)) {
        p->blocked = false;
        w->sends = p->sendq;
        p->sendq = p->sendq_tail = NULL;
    }
    return w->ndels || w->sends;
}

/* Sleeps until the next deadline, a retry, or a signal. */
static void sleep_until_due(ts_proc *p)
{
    int64_t now = otelc_mono_ns(), wake = now + MAX_SLEEP_NS;
    if (p->table.whead) {
        int64_t due = now + (p->table.whead->deadline_ns - otelc_real_ns());
        wake = due < wake ? due : wake;
    }
    if (p->sendq && p->blocked && p->retry_at_ns < wake)
        wake = p->retry_at_ns;
    if (wake <= now)
        return;
    struct timespec ts = otelc_timespec(wake);
    pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

static void *decider_main(void *arg)
{
    ts_proc *p = arg;
    work w;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        int64_t start = otelc_mono_ns();
        size_t decided = ts_decide_due(p, otelc_real_ns(), DECIDE_BATCH);
        if (decided)
            ts_observe(&p->m, p->m.timer_latency, ts_millis(otelc_mono_ns() - start));
        ts_send_seal(p);
        if (!take_work(p, &w)) {
            if (decided == DECIDE_BATCH) { /* more are due: let consume in first */
                pthread_mutex_unlock(&p->mu);
                pthread_mutex_lock(&p->mu);
            } else {
                sleep_until_due(p);
            }
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        run(p, &w);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int ts_sender_start(ts_proc *p)
{
    if (pthread_create(&p->thread, NULL, decider_main, p) != 0) {
        p->api->log(p->ctx, OTELC_LOG_ERROR, "cannot start the decision thread");
        return -1;
    }
    p->thread_started = true;
    return 0;
}

void ts_sender_stop(ts_proc *p)
{
    if (!p->thread_started)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->thread_started = false;
    /* Deletes queued after the thread's last round still go out. */
    pthread_mutex_lock(&p->mu);
    work w = {p->dels, p->ndels, NULL};
    p->dels = NULL;
    p->ndels = p->capdels = 0;
    pthread_mutex_unlock(&p->mu);
    run(p, &w);
}

/* Whether draining must go on: something is queued or in flight, unless
 * the next stage refuses and the storage keeps what is queued anyway. */
static bool draining(const ts_proc *p)
{
    if (p->storage && p->blocked && !p->in_flight)
        return false;
    return p->sendq || p->in_flight;
}

int ts_sender_drain(ts_proc *p, int64_t deadline_ns)
{
    pthread_mutex_lock(&p->mu);
    ts_send_seal(p);
    pthread_cond_broadcast(&p->cv);
    while (draining(p) && p->thread_started && otelc_mono_ns() < deadline_ns) {
        int64_t step = otelc_mono_ns() + 10000000; /* settles broadcast; look again anyway */
        struct timespec ts = otelc_timespec(step < deadline_ns ? step : deadline_ns);
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    int rc = p->sendq || p->in_flight ? -1 : 0;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

size_t ts_sends_pending(ts_proc *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->filling ? p->filling->n : 0;
    for (const ts_send *s = p->sendq; s; s = s->next)
        n += s->n;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void ts_resume(void *state)
{
    ts_proc *p = state;
    pthread_mutex_lock(&p->mu);
    p->blocked = false;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void ts_sends_free(ts_proc *p)
{
    for (ts_send *s = p->sendq, *next; s; s = next) {
        next = s->next;
        send_free(s);
    }
    p->sendq = p->sendq_tail = NULL;
    if (p->filling)
        send_free(p->filling);
    p->filling = NULL;
}
