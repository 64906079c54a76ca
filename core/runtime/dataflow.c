/*
 * dataflow.c: emit, tickets and fan-out: how a batch moves between stages
 * and how completions find their way back.
 */
#include <stdlib.h>

#include "pipeline.h"
#include "telemetry/log.h"

#define OTELC_TICKET_MAGIC 0x71c4e7a1u

struct otelc_ticket {
    uint32_t magic;
    atomic_int completed;
    otelc_done_fn done;
    void *arg;
};

static otelc_ticket *ticket_new(otelc_done_fn done, void *arg)
{
    otelc_ticket *t = malloc(sizeof(*t));
    if (!t)
        return NULL;
    t->magic = OTELC_TICKET_MAGIC;
    atomic_init(&t->completed, 0);
    t->done = done;
    t->arg = arg;
    return t;
}

static void ticket_free(otelc_ticket *t)
{
    t->magic = 0;
    free(t);
}


void host_complete(otelc_ticket *t, otelc_status st)
{
    if (!t || t->magic != OTELC_TICKET_MAGIC || atomic_exchange(&t->completed, 1)) {
        otelc_log(OTELC_LOG_ERROR, "host", "a ticket was completed twice or after its consume "
                                           "returned: plugin bug");
        abort();
    }
    if (st == OTELC_PENDING)
        st = OTELC_OK;
    otelc_done_fn done = t->done;
    void *arg = t->arg;
    ticket_free(t);
    done(arg, st);
}

/* The plugin calls the host makes with a batch or a request: consume,
 * export_prepare, export_send. */
typedef enum call_kind { CALL_CONSUME, CALL_PREPARE, CALL_SEND } call_kind;

/* Calls one of them, serialised unless the plugin says it is thread-safe. */
static otelc_status call_plugin(otelc_ctx *c, call_kind k, void *in, otelc_ticket *t,
                                otelc_request **out)
{
    const otelc_plugin *d = c->plugin->desc;
    bool serial = !(d->flags & OTELC_CONSUME_THREAD_SAFE);
    if (serial)
        pthread_mutex_lock(&c->consume_mu);
    otelc_status st = k == CALL_CONSUME ? d->consume(c->state, in, t)
                      : k == CALL_SEND  ? d->export_send(c->state, in, t)
                                        : d->export_prepare(c->state, in, out);
    if (serial)
        pthread_mutex_unlock(&c->consume_mu);
    return st;
}

/* consume or export_send with a ticket for done(arg, ...). */
static otelc_status call_with_ticket(otelc_ctx *c, call_kind k, void *in, otelc_done_fn done,
                                     void *arg)
{
    otelc_ticket *t = ticket_new(done, arg);
    if (!t)
        return OTELC_RETRY;
    otelc_status st = call_plugin(c, k, in, t, NULL);
    if (st != OTELC_PENDING)
        ticket_free(t);
    return st;
}

static otelc_status call_consume(otelc_ctx *c, otelc_batch *b, otelc_done_fn done, void *arg)
{
    return call_with_ticket(c, CALL_CONSUME, b, done, arg);
}

bool host_request_based(const otelc_plugin *d)
{
    return d->struct_size >= offsetof(otelc_plugin, request_free) + sizeof(d->request_free) &&
           d->export_prepare && d->export_send && d->request_free;
}

static void resume_cb(void *arg)
{
    host_resume_waiters(arg);
}

otelc_status host_export(void *ctx, otelc_batch *b, void **req, queue_done_fn done,
                         void *done_arg)
{
    otelc_ctx *c = ctx;
    if (!host_request_based(c->plugin->desc))
        return call_consume(c, b, done, done_arg);
    if (!*req) {
        otelc_request *r = NULL;
        otelc_status st = call_plugin(c, CALL_PREPARE, b, NULL, &r);
        if (st != OTELC_OK)
            return st == OTELC_REJECT ? OTELC_REJECT : OTELC_RETRY;
        *req = r;
    }
    return call_with_ticket(c, CALL_SEND, *req, done, done_arg);
}

void host_export_release(void *ctx, void *req)
{
    otelc_ctx *c = ctx;
    c->plugin->desc->request_free(c->state, req);
}

size_t host_export_request_bytes(void *ctx, const void *req)
{
    const otelc_plugin *d = ((otelc_ctx *)ctx)->plugin->desc;
    bool has = d->struct_size >= offsetof(otelc_plugin, request_bytes) + sizeof(d->request_bytes);
    return has && d->request_bytes ? d->request_bytes(((otelc_ctx *)ctx)->state, req) : 0;
}

/* Joins the outcomes of pushes that answer separately (the pipelines of
 * one emit; the queues and the queue-less exporters of one fan-out):
 * RETRY wins over REJECT, which wins over OK (the client must resend what
 * any refused). Whoever finishes last reports, so a fully synchronous
 * join returns its outcome directly and never calls `done`. */
typedef struct join {
    atomic_int remaining; /* pushes not finished, +1 while still pushing */
    atomic_int worst;
    otelc_done_fn done;
    void *arg;
} join;

static int rank(otelc_status s)
{
    return s == OTELC_RETRY ? 2 : s == OTELC_REJECT ? 1 : 0;
}

static void join_note(join *j, otelc_status s)
{
    int cur = atomic_load(&j->worst);
    while (rank(s) > rank((otelc_status)cur) &&
           !atomic_compare_exchange_weak(&j->worst, &cur, (int)s)) {
    }
}

static void join_done(void *arg, otelc_status s)
{
    join *j = arg;
    join_note(j, s);
    if (atomic_fetch_sub(&j->remaining, 1) == 1) {
        j->done(j->arg, (otelc_status)atomic_load(&j->worst));
        free(j);
    }
}

static join *join_new(otelc_done_fn done, void *arg)
{
    join *j = malloc(sizeof(*j));
    if (!j)
        return NULL;
    atomic_init(&j->remaining, 1); /* held until every push is made */
    atomic_init(&j->worst, OTELC_OK);
    j->done = done;
    j->arg = arg;
    return j;
}

/* Before each push that completes through join_done(j, ...). */
static void join_enter(join *j)
{
    atomic_fetch_add(&j->remaining, 1);
}

/* The push's own answer: anything but PENDING finished it already. */
static void join_settle(join *j, otelc_status s)
{
    if (s != OTELC_PENDING) {
        join_note(j, s);
        atomic_fetch_sub(&j->remaining, 1);
    }
}

/* Every push is made: the joined outcome if all finished, else PENDING
 * (the last to finish calls done). */
static otelc_status join_end(join *j)
{
    if (atomic_fetch_sub(&j->remaining, 1) != 1)
        return OTELC_PENDING;
    otelc_status s = (otelc_status)atomic_load(&j->worst);
    free(j);
    return s;
}

/*
 * A fan-out to exporters of which some have no sending queue. As in the
 * collector, a queue-less exporter is called by the fan-out itself, in
 * the caller's thread, and the answer waits for it. The queues take the
 * batch first (all or nothing, as below); a RETRY from them calls no
 * exporter, so the client's retry duplicates nowhere.
 */
static otelc_status fanout_direct(otelc_ctx *from, stage *st, otelc_batch *b, otelc_done_fn done,
                                  void *arg)
{
    join *j = join_new(done, arg);
    if (!j)
        return OTELC_RETRY;
    otelc_status s = OTELC_OK;
    if (st->nqueued > 0) {
        join_enter(j);
        s = queue_offer(st->queues, st->nqueued, b, resume_cb, from->h, join_done, j);
        join_settle(j, s);
    }
    for (size_t i = 0; i < st->n && s != OTELC_RETRY; i++) {
        if (st->exporters[i]->qcfg.enabled)
            continue;
        join_enter(j);
        join_settle(j, call_consume(st->exporters[i], b, join_done, j));
    }
    return join_end(j);
}

otelc_status stage_push(otelc_ctx *from, stage *st, otelc_batch *b, otelc_done_fn done,
                        void *arg)
{
    otelc_status s;
    if (st->kind == STAGE_PROCESSOR)
        s = call_consume(st->proc, b, done, arg);
    else if (st->nqueued == st->n) /* durable queues answer PENDING, then call done */
        s = queue_offer(st->queues, st->n, b, resume_cb, from->h, done, arg);
    else if (st->n == 1) /* sending_queue disabled: export in the caller's thread */
        s = call_consume(st->exporters[0], b, done, arg);
    else
        s = fanout_direct(from, st, b, done, arg);
    if (s == OTELC_RETRY)
        atomic_store(&from->wants_resume, true);
    return s;
}

/* The stages of c's pipelines that carry signal s: how many, and the
 * first in *only. */
static size_t stages_of(const otelc_ctx *c, otelc_signal s, stage **only)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nnext; i++)
        if (c->next[i]->signal == s && n++ == 0)
            *only = c->next[i];
    return n;
}

/* A batch goes to the pipelines of its signal that c feeds. */
otelc_status host_emit(otelc_ctx *c, otelc_batch *b, otelc_done_fn done, void *arg)
{
    otelc_signal s = otelc_batch_signal(b);
    stage *only = NULL;
    size_t n = stages_of(c, s, &only);
    if (n == 1)
        return stage_push(c, only, b, done, arg);
    if (n == 0) {
        otelc_log(OTELC_LOG_WARN, c->log_name, "emitted %s, which no pipeline it feeds "
                  "carries: refused", signal_name(s));
        return OTELC_REJECT;
    }
    join *j = join_new(done, arg);
    if (!j)
        return OTELC_RETRY;
    for (size_t i = 0; i < c->nnext; i++) {
        if (c->next[i]->signal != s)
            continue;
        join_enter(j);
        join_settle(j, stage_push(c, c->next[i], b, join_done, j));
    }
    return join_end(j);
}

uint32_t host_signals_fed(const otelc_ctx *c)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < c->nnext; i++)
        mask |= c->next[i]->signal;
    return mask;
}

static void forward_done(void *arg, otelc_status s)
{
    host_complete(arg, s);
}


otelc_status host_emit_ticket(otelc_ctx *c, otelc_batch *b, otelc_ticket *t)
{
    return host_emit(c, b, forward_done, t);
}
