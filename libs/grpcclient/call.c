/*
 * call.c: unary Export calls on the loop thread, from the moment a
 * consumer hands one over to its ticket's completion: waiting for a
 * connection, on a stream, or waiting out the delay a RetryInfo asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "client.h"

#define NS_PER_S 1000000000LL

static void list_add(ogrpc *x, og_call *call)
{
    call->prev = NULL;
    call->next = x->calls;
    if (x->calls)
        x->calls->prev = call;
    x->calls = call;
}

static void list_remove(ogrpc *x, og_call *call)
{
    if (call->prev)
        call->prev->next = call->next;
    else
        x->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    call->next = call->prev = NULL;
}

/* Completes the call's ticket and frees it: the end of every attempt. */
static void finish(ogrpc *x, og_call *call, otelc_status st)
{
    list_remove(x, call);
    if (call->timer_set)
        evtimer_del(&call->timer);
    if (call->conn)
        og_conn_cancel(call->conn, call);
    otelc_ticket *t = call->ticket;
    otelc_done_fn done = call->done;
    void *arg = call->done_arg;
    if (call->owns_req)
        og_payload_free(call->req);
    og_answer_free(&call->answer);
    og_headers_free(&call->auth);
    free(call);
    if (t)
        x->api->complete(t, st);
    else
        done(arg, st);
    pthread_mutex_lock(&x->mu);
    x->inflight--;
    pthread_cond_broadcast(&x->idle);
    pthread_mutex_unlock(&x->mu);
}

static og_outcome outcome_of(otelc_status st)
{
    return st == OTELC_OK ? OG_OUT_OK : st == OTELC_RETRY ? OG_OUT_RETRY : OG_OUT_REJECT;
}

/* A call that got no answer: reported and completed with RETRY (or
 * REJECT for a code no retry helps). */
static void fail_local(ogrpc *x, og_call *call, int code, const char *desc, bool pause)
{
    og_verdict v;
    og_verdict_local(&v, code, desc);
    pause = pause && x->may_pause;
    og_report(x, call->req, pause ? OG_OUT_PAUSE : outcome_of(v.status), &v);
    finish(x, call, pause ? OTELC_RETRY : v.status);
}

static void arm(og_call *call, int64_t at_ns)
{
    int64_t wait = at_ns - otelc_mono_ns();
    wait = wait > 0 ? wait : 0;
    struct timeval tv = {(time_t)(wait / NS_PER_S), (suseconds_t)(wait % NS_PER_S / 1000)};
    call->timer_set = evtimer_add(&call->timer, &tv) == 0;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    og_call *call = arg;
    ogrpc *x = call->owner;
    og_conn *c = call->conn;
    (void)fd;
    (void)what;
    call->timer_set = false;
    if (call->state == OG_CALL_HOLDING) {
        finish(x, call, OTELC_RETRY);
        return;
    }
    fail_local(x, call, OG_CODE_DEADLINE_EXCEEDED, "context deadline exceeded", false);
    if (c)
        og_conn_flush(c); /* sends the RST_STREAM */
}

/* The server asked to wait: the ticket completes with RETRY only then,
 * so the host's back-off starts after the wait. */
static void hold(ogrpc *x, og_call *call, int64_t wait_ns)
{
    pthread_mutex_lock(&x->mu);
    bool releasing = x->releasing; /* shutdown began: no new waits */
    pthread_mutex_unlock(&x->mu);
    if (releasing) {
        finish(x, call, OTELC_RETRY);
        return;
    }
    if (call->timer_set)
        evtimer_del(&call->timer);
    call->state = OG_CALL_HOLDING;
    arm(call, otelc_mono_ns() + (wait_ns < OG_HOLD_MAX_NS ? wait_ns : OG_HOLD_MAX_NS));
    if (!call->timer_set)
        finish(x, call, OTELC_RETRY);
}

void og_call_closed(og_call *call, uint32_t h2_error)
{
    ogrpc *x = call->owner;
    og_verdict v;
    call->conn = NULL;
    og_answer_verdict(&call->answer, h2_error, &v);
    og_report(x, call->req, outcome_of(v.status), &v);
    if (v.status == OTELC_OK)
        og_count(x, x->metrics.bytes, (double)call->req->body.len);
    if (v.status == OTELC_RETRY && v.retry_after_ns > 0) {
        hold(x, call, v.retry_after_ns);
        return;
    }
    finish(x, call, v.status);
}

static bool submit(og_conn *c, og_call *call)
{
    if (og_conn_submit(c, call))
        return true;
    fail_local(c->x, call, OG_CODE_UNAVAILABLE, "cannot open a stream", false);
    return false;
}

static bool backoff_pending(const ogrpc *x)
{
    return x->backoff && evtimer_pending(x->backoff, NULL);
}

void og_call_start(ogrpc *x, og_call *call)
{
    list_add(x, call);
    call->state = OG_CALL_WAITING;
    og_answer_init(&call->answer);
    evtimer_assign(&call->timer, x->base, on_timer, call);
    if (call->deadline_ns)
        arm(call, call->deadline_ns);
    og_conn *c = x->conn;
    if (c && c->connected && !c->draining) {
        if (submit(c, call))
            og_conn_flush(c);
        return;
    }
    if (!c && x->failing && !x->cfg->wait_for_ready) {
        fail_local(x, call, OG_CODE_UNAVAILABLE, x->conn_error, x->conn_error_pause);
        return;
    }
    if (!c && !backoff_pending(x))
        og_conn_open(x);
}

void og_calls_flush_waiting(ogrpc *x)
{
    og_conn *c = x->conn;
    og_call *call = x->calls;
    while (c && call) {
        og_call *next = call->next;
        if (call->state == OG_CALL_WAITING)
            submit(c, call);
        call = next;
    }
}

void og_on_conn_ready(ogrpc *x, og_conn *c)
{
    if (x->conn == c)
        og_calls_flush_waiting(x);
}

/* Calls on the lost connection end with UNAVAILABLE (the server may not
 * have seen them; the host retries). When the connection never came up,
 * waiting calls fail too unless they wait for ready; otherwise they get
 * a new connection at once. */
void og_on_conn_lost(ogrpc *x, og_conn *c, const char *why, bool pause)
{
    bool never = !c || !c->connected;
    bool waiting = false;
    og_call *call = x->calls;
    while (call) {
        og_call *next = call->next;
        if (c && call->conn == c) {
            call->conn = NULL; /* its stream died with the session */
            fail_local(x, call, OG_CODE_UNAVAILABLE, why, false);
        } else if (call->state == OG_CALL_WAITING && never && !x->cfg->wait_for_ready) {
            fail_local(x, call, OG_CODE_UNAVAILABLE, why, pause);
        } else if (call->state == OG_CALL_WAITING) {
            waiting = true;
        }
        call = next;
    }
    if (waiting && !x->conn && !backoff_pending(x))
        og_conn_open(x);
}

void og_calls_end(ogrpc *x, bool cancel)
{
    og_conn *conns[2] = {x->conn, x->old};
    og_call *call = x->calls;
    while (call) {
        og_call *next = call->next;
        if (call->state == OG_CALL_HOLDING || cancel)
            finish(x, call, OTELC_RETRY);
        call = next;
    }
    for (size_t i = 0; cancel && i < 2; i++)
        if (conns[i])
            og_conn_flush(conns[i]);
}
