/*
 * decide.c: deciding a trace (the policies, the collector's final rule,
 * the metrics and the decision caches), and what follows from it: a
 * sampled trace joins a send, another one's spans and storage keys go.
 * Everything here runs under the processor's lock.
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "ts.h"

#define SMALL_TRACE 8 /* pieces looked at without an allocation */
#define RETRY_DECISION_NS 1000000000LL

static void forget(ts_proc *p, ts_trace *tr, int64_t now_ns)
{
    ts_observe(&p->m, p->m.removal_age, ts_seconds(now_ns - tr->arrival_ns));
    ts_table_remove(&p->table, tr);
}

/* Runs the policies in order; seen[d] records every answer. */
static void run_policies(ts_proc *p, const ts_trace_view *v, bool seen[TS_ERROR + 1])
{
    int64_t start = otelc_mono_ns();
    for (size_t i = 0; i < p->policies.n; i++) {
        ts_decision d = ts_policy_eval(p->policies.v[i], v);
        ts_observe(&p->m, p->m.policy[i].latency, ts_micros(otelc_mono_ns() - start));
        seen[d] = true;
        if (d == TS_ERROR) {
            ts_count(&p->m, p->m.eval_errors, 1);
            continue;
        }
        int di = ts_dec_index(d);
        ts_count(&p->m, p->m.policy[i].traces[di], 1);
        ts_count(&p->m, p->m.policy[i].spans[di], (double)v->spans);
        if (d == TS_DROPPED || (p->cfg->sample_on_first_match && d == TS_SAMPLED))
            break;
    }
}

/* The trace's decision; TS_ERROR only when its pieces cannot be read. */
static ts_decision evaluate(ts_proc *p, const ts_trace *tr, int64_t now_ns)
{
    const uint8_t *small_data[SMALL_TRACE];
    size_t small_len[SMALL_TRACE];
    bool big = tr->npieces > SMALL_TRACE;
    const uint8_t **data = big ? malloc(tr->npieces * sizeof(*data)) : small_data;
    size_t *len = big ? malloc(tr->npieces * sizeof(*len)) : small_len;
    bool seen[TS_ERROR + 1] = {false};
    bool readable = data && len;
    for (size_t i = 0; readable && i < tr->npieces; i++) {
        data[i] = otelc_batch_flat(tr->pieces[i].b);
        len[i] = otelc_batch_len(tr->pieces[i].b);
        readable = data[i] != NULL;
    }
    if (readable) {
        ts_trace_view v = {tr->id, data, len, tr->npieces, tr->spans, tr->bytes, now_ns};
        run_policies(p, &v, seen);
    }
    if (big) {
        free((void *)data);
        free(len);
    }
    return readable ? ts_final_decision(seen) : TS_ERROR;
}

static void remember(ts_proc *p, const ts_trace *tr)
{
    ts_lru *c = tr->sampled ? p->sampled_cache : p->dropped_cache;
    if (c)
        (void)ts_lru_put(c, tr->id, TS_TRACE_ID_LEN, tr->sampled); /* best effort */
}

bool ts_decide(ts_proc *p, ts_trace *tr, int64_t now_ns)
{
    ts_decision d = evaluate(p, tr, now_ns);
    if (d == TS_ERROR) { /* out of memory: try again a little later */
        tr->deadline_ns = now_ns + RETRY_DECISION_NS;
        ts_wait_insert(&p->table, tr);
        return false;
    }
    ts_count(&p->m, p->m.global[ts_dec_index(d)], 1);
    tr->sampled = d == TS_SAMPLED;
    tr->decided_ns = now_ns;
    remember(p, tr);
    if (tr->sampled)
        return ts_send_add(p, tr);
    ts_queue_deletes(p, tr);
    ts_trace_drop_pieces(tr);
    tr->state = TS_DONE;
    return false;
}

size_t ts_decide_due(ts_proc *p, int64_t now_ns, size_t max)
{
    size_t n = 0;
    ts_trace *tr;
    while (n < max && (tr = p->table.whead) && tr->deadline_ns <= now_ns) {
        ts_wait_unlink(&p->table, tr);
        ts_decide(p, tr, now_ns);
        n++;
    }
    return n;
}

void ts_evict_oldest(ts_proc *p, int64_t now_ns)
{
    ts_trace *tr = p->table.fhead;
    ts_fifo_unlink(&p->table, tr);
    if (tr->state == TS_WAITING) {
        /* Never dropped: decided now, with what arrived so far. */
        ts_wait_unlink(&p->table, tr);
        ts_count(&p->m, p->m.decided_early, 1);
        ts_decide(p, tr, now_ns);
    }
    if (tr->state == TS_SENDING)
        p->detached++; /* leaves once downstream took it */
    else if (tr->state == TS_DONE)
        forget(p, tr, now_ns);
    else
        ts_fifo_push(&p->table, tr); /* its decision ran out of memory: still counted */
}

void ts_queue_deletes(ts_proc *p, const ts_trace *tr)
{
    if (!p->storage || tr->npieces == 0)
        return;
    size_t need = (p->ndels + tr->npieces) * TS_KEY_LEN;
    if (need > p->capdels) {
        size_t cap = p->capdels ? p->capdels : (size_t)64 * TS_KEY_LEN;
        while (cap < need)
            cap *= 2;
        uint8_t *v = realloc(p->dels, cap);
        if (!v)
            return; /* the keys stay: decided again after a restart (at-least-once) */
        p->dels = v;
        p->capdels = cap;
    }
    for (size_t i = 0; i < tr->npieces; i++)
        ts_key(p->dels + (p->ndels++) * TS_KEY_LEN, tr->id, tr->pieces[i].seq);
}

void ts_send_seal(ts_proc *p)
{
    ts_send *s = p->filling;
    if (!s)
        return;
    p->filling = NULL;
    s->next = NULL;
    if (p->sendq_tail)
        p->sendq_tail->next = s;
    else
        p->sendq = s;
    p->sendq_tail = s;
}

static int send_append(ts_proc *p, ts_trace *tr)
{
    ts_send *s = p->filling;
    if (!s && !(s = p->filling = calloc(1, sizeof(*s))))
        return -1;
    s->p = p;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        ts_trace **v = realloc(s->traces, cap * sizeof(ts_trace *));
        if (!v)
            return -1;
        s->traces = v;
        s->cap = cap;
    }
    s->traces[s->n++] = tr;
    s->spans += tr->spans;
    return 0;
}

bool ts_send_add(ts_proc *p, ts_trace *tr)
{
    if (send_append(p, tr) != 0) { /* out of memory: decided again a little later */
        tr->deadline_ns = tr->decided_ns + RETRY_DECISION_NS;
        ts_wait_insert(&p->table, tr);
        return false;
    }
    tr->state = TS_SENDING;
    if (p->filling->spans >= TS_SEND_SPANS)
        ts_send_seal(p);
    return true;
}
