/*
 * tk_emit_rec.c: emit and tickets. Every emit is recorded with the answer
 * the test chose; PENDING ones wait for the test to complete them, as
 * downstream stages of the real host would, later and from any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit_impl.h"

static otelc_status next_answer(otelc_test_host *h)
{
    if (h->nqueued == 0)
        return h->answer;
    otelc_status st = h->queued[0];
    memmove(h->queued, h->queued + 1, --h->nqueued * sizeof(h->queued[0]));
    return st;
}

static otelc_status record(otelc_test_host *h, otelc_batch *b, otelc_done_fn done, void *arg,
                           otelc_ticket *t)
{
    tk_emit_rec *e = calloc(1, sizeof(*e));
    if (!e)
        return OTELC_RETRY; /* what a host out of memory answers */
    pthread_mutex_lock(&h->mu);
    *e = (tk_emit_rec){otelc_batch_ref(b), next_answer(h), done, arg, t, false};
    otelc_status st = e->answer;
    if (tk_vec_push(&h->emits, e) != 0) {
        otelc_batch_unref(e->b);
        free(e);
        st = OTELC_RETRY;
    }
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->mu);
    return st;
}

otelc_status tk_emit(otelc_ctx *ctx, otelc_batch *b, otelc_done_fn done, void *arg)
{
    return record(tk_host(ctx), b, done, arg, NULL);
}

otelc_status tk_emit_ticket(otelc_ctx *ctx, otelc_batch *b, otelc_ticket *t)
{
    return record(tk_host(ctx), b, NULL, NULL, t);
}

static otelc_ticket *T(const otelc_ticket *t)
{
    if (!t || t->magic != TK_TICKET_MAGIC) {
        fprintf(stderr, "otelc testkit: not a ticket of the kit: ABI misuse\n");
        abort();
    }
    return (otelc_ticket *)t;
}

void tk_complete(otelc_ticket *t, otelc_status status)
{
    otelc_test_host *h = T(t)->h;
    pthread_mutex_lock(&h->mu);
    t->completions++;
    t->status = status;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->mu);
}

void tk_emits_free(otelc_test_host *h)
{
    for (size_t i = 0; i < h->emits.n; i++) {
        tk_emit_rec *e = h->emits.items[i];
        otelc_batch_unref(e->b);
        free(e);
    }
    tk_vec_clear(&h->emits, NULL);
    for (size_t i = 0; i < h->tickets.n; i++)
        ((otelc_ticket *)h->tickets.items[i])->magic = 0;
    tk_vec_clear(&h->tickets, free);
}

void otelc_test_host_answer(otelc_test_host *h, otelc_status answer)
{
    pthread_mutex_lock(&h->mu);
    h->answer = answer;
    pthread_mutex_unlock(&h->mu);
}

void otelc_test_host_answer_next(otelc_test_host *h, otelc_status answer)
{
    pthread_mutex_lock(&h->mu);
    if (h->nqueued < sizeof(h->queued) / sizeof(h->queued[0]))
        h->queued[h->nqueued++] = answer;
    pthread_mutex_unlock(&h->mu);
}

/* The i-th emit, or NULL; called with the lock held. */
static tk_emit_rec *emit_at(otelc_test_host *h, size_t i)
{
    return i < h->emits.n ? h->emits.items[i] : NULL;
}

size_t otelc_test_emitted_count(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    size_t n = h->emits.n;
    pthread_mutex_unlock(&h->mu);
    return n;
}

otelc_batch *otelc_test_emitted(otelc_test_host *h, size_t i)
{
    pthread_mutex_lock(&h->mu);
    tk_emit_rec *e = emit_at(h, i);
    pthread_mutex_unlock(&h->mu);
    return e ? e->b : NULL;
}

const uint8_t *otelc_test_emitted_bytes(otelc_test_host *h, size_t i, size_t *len)
{
    otelc_batch *b = otelc_test_emitted(h, i);
    if (len)
        *len = b ? otelc_batch_len(b) : 0;
    return b ? otelc_batch_flat(b) : NULL;
}

uint32_t otelc_test_emitted_spans(otelc_test_host *h, size_t i)
{
    otelc_batch *b = otelc_test_emitted(h, i);
    return b ? otelc_batch_spans(b) : 0;
}

otelc_status otelc_test_emitted_answer(otelc_test_host *h, size_t i)
{
    pthread_mutex_lock(&h->mu);
    tk_emit_rec *e = emit_at(h, i);
    otelc_status st = e ? e->answer : OTELC_REJECT;
    pthread_mutex_unlock(&h->mu);
    return st;
}

uint64_t otelc_test_emitted_spans_total(otelc_test_host *h)
{
    uint64_t n = 0;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->emits.n; i++) {
        const tk_emit_rec *e = h->emits.items[i];
        if (e->answer == OTELC_OK || e->answer == OTELC_PENDING)
            n += otelc_batch_spans(e->b);
    }
    pthread_mutex_unlock(&h->mu);
    return n;
}

size_t otelc_test_emitted_wait(otelc_test_host *h, size_t n, int timeout_ms)
{
    struct timespec until = tk_deadline(timeout_ms);
    pthread_mutex_lock(&h->mu);
    while (h->emits.n < n && pthread_cond_timedwait(&h->changed, &h->mu, &until) == 0) {
    }
    size_t got = h->emits.n;
    pthread_mutex_unlock(&h->mu);
    return got;
}

/* Takes the i-th emit's completion if it is owed; lock held. */
static bool claim_pending(otelc_test_host *h, size_t i, tk_emit_rec *out)
{
    tk_emit_rec *e = emit_at(h, i);
    if (!e || e->answer != OTELC_PENDING || e->completed)
        return false;
    e->completed = true;
    *out = *e;
    return true;
}

/* Outside the lock: done functions and tickets may call back into the
 * host (a receiver's done emitting the next batch, say). */
static void deliver(const tk_emit_rec *e, otelc_status status)
{
    if (e->t)
        tk_complete(e->t, status);
    else if (e->done)
        e->done(e->arg, status);
}

int otelc_test_host_complete_emit(otelc_test_host *h, size_t i, otelc_status status)
{
    tk_emit_rec e;
    pthread_mutex_lock(&h->mu);
    bool owed = claim_pending(h, i, &e);
    pthread_mutex_unlock(&h->mu);
    if (!owed)
        return -1;
    deliver(&e, status);
    return 0;
}

size_t otelc_test_host_complete_all(otelc_test_host *h, otelc_status status)
{
    size_t done = 0;
    for (size_t i = 0; i < otelc_test_emitted_count(h); i++)
        done += otelc_test_host_complete_emit(h, i, status) == 0;
    return done;
}

otelc_ticket *otelc_test_ticket_new(otelc_test_host *h)
{
    otelc_ticket *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    *t = (otelc_ticket){.magic = TK_TICKET_MAGIC, .h = h, .status = OTELC_PENDING};
    pthread_mutex_lock(&h->mu);
    int rc = tk_vec_push(&h->tickets, t);
    pthread_mutex_unlock(&h->mu);
    if (rc != 0) {
        free(t);
        return NULL;
    }
    return t;
}

int otelc_test_ticket_completions(const otelc_ticket *t)
{
    otelc_test_host *h = T(t)->h;
    pthread_mutex_lock(&h->mu);
    int n = t->completions;
    pthread_mutex_unlock(&h->mu);
    return n;
}

bool otelc_test_ticket_done(const otelc_ticket *t)
{
    return otelc_test_ticket_completions(t) > 0;
}

otelc_status otelc_test_ticket_status(const otelc_ticket *t)
{
    otelc_test_host *h = T(t)->h;
    pthread_mutex_lock(&h->mu);
    otelc_status st = t->status;
    pthread_mutex_unlock(&h->mu);
    return st;
}

bool otelc_test_ticket_wait(const otelc_ticket *t, int timeout_ms)
{
    otelc_test_host *h = T(t)->h;
    struct timespec until = tk_deadline(timeout_ms);
    pthread_mutex_lock(&h->mu);
    while (t->completions == 0 && pthread_cond_timedwait(&h->changed, &h->mu, &until) == 0) {
    }
    bool done = t->completions > 0;
    pthread_mutex_unlock(&h->mu);
    return done;
}

otelc_status otelc_test_plugin_consume(otelc_test_host *h, otelc_batch *b, otelc_ticket **tp)
{
    otelc_ticket *t = otelc_test_ticket_new(h);
    if (tp)
        *tp = t;
    if (!t || !h->created || !h->desc->consume) {
        tk_error(h, "consume: no created instance with a consume, or out of memory");
        return OTELC_REJECT;
    }
    otelc_status st = h->desc->consume(h->state, b, t);
    pthread_mutex_lock(&h->mu);
    t->consumed = true;
    t->outcome = st;
    pthread_mutex_unlock(&h->mu);
    return st;
}

/* One ticket's broken promises, appended to *msg; lock held. */
static size_t ticket_problems(const otelc_ticket *t, size_t index, char **msg)
{
    size_t before = *msg ? strlen(*msg) : 0;
    if (t->completions > 1)
        tk_append(msg, "ticket %zu completed %d times", index, t->completions);
    if (t->completions && (t->status < OTELC_OK || t->status > OTELC_REJECT ||
                           t->status == OTELC_PENDING))
        tk_append(msg, "ticket %zu completed with status %d", index, (int)t->status);
    if (t->consumed && t->outcome != OTELC_PENDING && t->completions)
        tk_append(msg, "ticket %zu completed though consume answered %d", index,
                  (int)t->outcome);
    if (t->consumed && t->outcome == OTELC_PENDING && !t->completions)
        tk_append(msg, "ticket %zu: consume answered PENDING, never completed", index);
    return (*msg ? strlen(*msg) : 0) != before;
}

size_t tk_emit_problems(otelc_test_host *h, char **msg)
{
    size_t n = 0;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->tickets.n; i++)
        n += ticket_problems(h->tickets.items[i], i, msg);
    for (size_t i = 0; i < h->emits.n; i++) {
        const tk_emit_rec *e = h->emits.items[i];
        if (e->answer == OTELC_PENDING && !e->completed) {
            tk_append(msg, "emit %zu answered PENDING was never completed by the test", i);
            n++;
        }
    }
    if (h->late_config_calls) {
        tk_append(msg, "config_error or node_* called %zu times after create",
                  h->late_config_calls);
        n++;
    }
    pthread_mutex_unlock(&h->mu);
    return n;
}

void tk_append(char **msg, const char *fmt, ...)
{
    char part[256];
    char *joined = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(part, sizeof(part), fmt, ap);
    va_end(ap);
    if (asprintf(&joined, "%s%s%s", *msg ? *msg : "", *msg ? "; " : "", part) < 0)
        return;
    free(*msg);
    *msg = joined;
}
