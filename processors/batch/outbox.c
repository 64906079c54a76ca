/*
 * outbox.c: flights on their way to the next stage. One thread at a time
 * offers them in order; a refusal (RETRY, now or later through the done
 * callback) puts the flight back at the head and blocks the outbox until
 * resume() or the retry timer, so nothing the next stage refuses is lost.
 */
#include <stdlib.h>

#include "bp.h"

bp_flight *bp_flight_new(bp *p, otelc_batch *b, uint32_t spans, size_t norigins)
{
    bp_flight *f = malloc(sizeof(*f) + norigins * sizeof(bp_origin *));
    if (!f)
        return NULL;
    f->p = p;
    f->b = b;
    f->spans = spans;
    f->next = NULL;
    f->norigins = norigins;
    return f;
}

void bp_outbox_push(bp *p, bp_flight *f)
{
    f->next = NULL;
    if (p->out_tail)
        p->out_tail->next = f;
    else
        p->out_head = f;
    p->out_tail = f;
    p->out_spans += f->spans;
}

static void push_front(bp *p, bp_flight *f)
{
    f->next = p->out_head;
    p->out_head = f;
    if (!p->out_tail)
        p->out_tail = f;
    p->out_spans += f->spans;
}

static bp_flight *pop_front(bp *p)
{
    bp_flight *f = p->out_head;
    if (!f)
        return NULL;
    p->out_head = f->next;
    if (!p->out_head)
        p->out_tail = NULL;
    p->out_spans -= f->spans;
    f->next = NULL;
    return f;
}

/* Refused: back to the head, and the outbox waits. Under p->mu. */
static void block_on(bp *p, bp_flight *f)
{
    push_front(p, f);
    p->blocked = true;
    p->retry_at_ns = bp_now_ns() + p->retry_ns;
    bp_timer_poke(p, p->retry_at_ns);
}

/* A final outcome (OK or REJECT; RETRY at shutdown): every origin learns
 * it, and the flight is gone. No lock held. */
static void flight_finish(bp_flight *f, otelc_status st)
{
    bp *p = f->p;
    if (st == OTELC_REJECT)
        p->api->log(p->ctx, OTELC_LOG_WARN, "the next stage refused %u spans for good",
                    f->spans);
    for (size_t i = 0; i < f->norigins; i++)
        bp_origin_release(p, f->origins[i], st);
    otelc_batch_unref(f->b);
    free(f);
    pthread_mutex_lock(&p->mu);
    p->inflight--;
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
}

/* The next stage's late answer for a PENDING emit; any thread. */
static void flight_done(void *arg, otelc_status st)
{
    bp_flight *f = arg;
    bp *p = f->p;
    if (st != OTELC_RETRY) {
        flight_finish(f, st);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->inflight--;
    block_on(p, f);
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
}

/* Offers one flight; returns false when the outbox must stop. Called with
 * p->mu held; drops it around the emit. */
static bool offer_one(bp *p, bp_flight *f)
{
    uint64_t resumes = p->resumes;
    p->inflight++;
    pthread_mutex_unlock(&p->mu);
    otelc_status st = p->api->emit(p->ctx, f->b, flight_done, f);
    if (st == OTELC_OK || st == OTELC_REJECT)
        flight_finish(f, st);
    pthread_mutex_lock(&p->mu);
    if (st != OTELC_RETRY)
        return true; /* PENDING: flight_done owns f now */
    p->inflight--;
    if (p->resumes != resumes) {
        /* resume() came while we were refused: offer it again at once. */
        push_front(p, f);
        return true;
    }
    block_on(p, f);
    return false;
}

void bp_pump(bp *p)
{
    pthread_mutex_lock(&p->mu);
    if (p->pumping) {
        pthread_mutex_unlock(&p->mu);
        return;
    }
    p->pumping = true;
    while (!p->blocked && p->out_head) {
        if (!offer_one(p, pop_front(p)))
            break;
    }
    p->pumping = false;
    bool wake = p->refused_upstream && p->out_spans < p->unsent_bound;
    if (wake)
        p->refused_upstream = false;
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
    /* Those refused at the bound may send again; outside the lock, since
     * the host calls their resume() right away. */
    if (wake && otelc_host_has(p->api, consume_ready))
        p->api->consume_ready(p->ctx);
}

void bp_outbox_abandon(bp *p)
{
    pthread_mutex_lock(&p->mu);
    bp_flight *f = p->out_head;
    p->out_head = p->out_tail = NULL;
    p->out_spans = 0;
    for (bp_flight *g = f; g; g = g->next)
        p->inflight++; /* flight_finish counts each one down */
    pthread_mutex_unlock(&p->mu);
    while (f) {
        bp_flight *next = f->next;
        flight_finish(f, OTELC_RETRY);
        f = next;
    }
}
