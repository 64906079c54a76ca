/*
 * consume.c: a request in. It is cut per trace id; each trace's piece
 * joins its undecided trace (or starts one) and, with storage, is
 * committed to disk; pieces of traces already decided follow the
 * decision: those of sampled traces go on at once, the others are
 * dropped and counted. The client's ticket completes when every part is
 * done: the commit is on disk and the next stage took the late spans.
 * Without storage, nothing waits: the answer comes at once.
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/otlp_walk.h>

#include "ts.h"

/* ---- the join: one ticket, several parts ---- */

typedef struct ts_join {
    ts_proc *p;
    otelc_ticket *t;
    atomic_int parts; /* consume itself, the commit, the late emit */
    atomic_int worst; /* the outcome: RETRY beats REJECT beats OK */
} ts_join;

static int rank(otelc_status s)
{
    return s == OTELC_RETRY ? 2 : s == OTELC_REJECT ? 1 : 0;
}

static void join_note(ts_join *j, otelc_status s)
{
    int cur = atomic_load(&j->worst);
    while (rank(s) > rank((otelc_status)cur) &&
           !atomic_compare_exchange_weak(&j->worst, &cur, (int)s))
        ;
}

/* One part is done. The last one completes the ticket; the join holds a
 * count in p->commits while it lives, so the instance outlives it. */
static void join_part_done(ts_join *j, otelc_status s)
{
    join_note(j, s);
    if (atomic_fetch_sub(&j->parts, 1) != 1)
        return;
    ts_proc *p = j->p;
    p->api->complete(j->t, (otelc_status)atomic_load(&j->worst));
    free(j);
    atomic_fetch_sub(&p->commits, 1);
}

/* consume's own part: its answer, or PENDING when parts are still out. */
static otelc_status join_finish(ts_join *j)
{
    if (atomic_fetch_sub(&j->parts, 1) != 1)
        return OTELC_PENDING;
    ts_proc *p = j->p;
    otelc_status st = (otelc_status)atomic_load(&j->worst);
    free(j);
    atomic_fetch_sub(&p->commits, 1);
    return st;
}

static void commit_done(void *arg, int status)
{
    join_part_done(arg, status == 0 ? OTELC_OK : OTELC_RETRY);
}

static void emit_done(void *arg, otelc_status status)
{
    join_part_done(arg, status);
}

/* ---- one request's intake ---- */

typedef struct intake {
    ts_proc *p;
    otelc_batch *b;
    ts_cuts cuts;
    int64_t now_ns;
    otelc_storage_op *ops;
    uint8_t *keys;
    size_t nops;
    size_t *late; /* indexes of cuts of sampled traces, to pass on */
    size_t nlate;
} intake;

static void free_value(void *arg, void *buf)
{
    (void)arg;
    free((uint8_t *)buf - TS_VALUE_HDR); /* the batch starts after the stored header */
}

static ts_trace *new_trace(ts_proc *p, const uint8_t *id, int64_t now_ns)
{
    /* Each step frees a slot, unless a decision ran out of memory. */
    for (size_t tries = p->table.fcount; p->table.fcount >= (size_t)p->cfg->num_traces && tries;
         tries--)
        ts_evict_oldest(p, now_ns);
    ts_trace *tr = ts_table_add(&p->table, id);
    if (!tr)
        return NULL;
    tr->arrival_ns = now_ns;
    tr->deadline_ns = now_ns + p->cfg->decision_wait_ns;
    ts_fifo_push(&p->table, tr);
    ts_wait_insert(&p->table, tr);
    ts_count(&p->m, p->m.new_traces, 1);
    return tr;
}

/* Adds cut i as a piece of tr; with storage, its put joins the commit. */
static int store_piece(intake *in, ts_trace *tr, ts_cut *c)
{
    ts_proc *p = in->p;
    otelc_batch *pb = p->api->batch_adopt(c->buf + TS_VALUE_HDR, c->len, c->spans, free_value,
                                          NULL, otelc_batch_meta_of(in->b));
    if (!pb)
        return -1;
    uint64_t seq = p->next_seq++;
    if (ts_trace_add_piece(tr, pb, seq) != 0) {
        otelc_batch_unref(pb); /* frees the buffer */
        c->buf = NULL;
        return -1;
    }
    ts_value_header(c->buf, in->now_ns, c->spans);
    if (p->storage) {
        uint8_t *key = in->keys + in->nops * TS_KEY_LEN;
        ts_key(key, c->trace_id, seq);
        in->ops[in->nops++] = (otelc_storage_op){key, TS_KEY_LEN, c->buf, TS_VALUE_HDR + c->len};
    }
    c->buf = NULL; /* the piece's batch owns it */
    return 0;
}

/* A piece of a decided trace: passed on or dropped, and counted. */
static void late_piece(intake *in, size_t i, bool sampled, bool from_cache)
{
    ts_proc *p = in->p;
    uint32_t spans = in->cuts.v[i].spans;
    if (from_cache)
        ts_count(&p->m, p->m.cache_release[sampled], spans);
    ts_count(&p->m, p->m.late_spans[sampled], spans);
    if (sampled)
        in->late[in->nlate++] = i;
}

static bool cached(ts_lru *c, const uint8_t *id)
{
    return c && ts_lru_get(c, id, TS_TRACE_ID_LEN, NULL);
}

static int take_cut(intake *in, size_t i)
{
    ts_proc *p = in->p;
    ts_cut *c = &in->cuts.v[i];
    bool sampled = cached(p->sampled_cache, c->trace_id);
    if (sampled || cached(p->dropped_cache, c->trace_id)) {
        late_piece(in, i, sampled, true);
        return 0;
    }
    ts_trace *tr = ts_table_find(&p->table, c->trace_id);
    if (tr && tr->state != TS_WAITING) {
        ts_observe(&p->m, p->m.late_age, ts_seconds(in->now_ns - tr->decided_ns));
        late_piece(in, i, tr->sampled, false);
        return 0;
    }
    if (!tr && !(tr = new_trace(p, c->trace_id, in->now_ns)))
        return -1;
    return store_piece(in, tr, c);
}

/* ---- room ---- */

static bool is_new(ts_proc *p, const uint8_t *id)
{
    return !cached(p->sampled_cache, id) && !cached(p->dropped_cache, id) &&
           !ts_table_find(&p->table, id);
}

/* Whether the request may come in. Sampled traces that downstream has
 * not taken yet are bounded by num_traces too; with block_on_overflow,
 * so are undecided ones: decided traces make room, others do not. */
static bool room_for(ts_proc *p, const ts_cuts *cuts)
{
    size_t max = (size_t)p->cfg->num_traces, fresh = 0;
    if (p->detached >= max)
        return false;
    if (!p->cfg->block_on_overflow)
        return true;
    for (size_t i = 0; i < cuts->n; i++)
        fresh += is_new(p, cuts->v[i].trace_id);
    while (p->table.fcount + fresh > max && p->table.fhead && p->table.fhead->state == TS_DONE)
        ts_evict_oldest(p, otelc_real_ns());
    return p->table.fcount + fresh <= max;
}

/* ---- the two halves: under the lock, then the late emit outside ---- */

static int take_all(intake *in, ts_join *j)
{
    ts_proc *p = in->p;
    int rc = 0;
    for (size_t i = 0; i < in->cuts.n && rc == 0; i++)
        rc = take_cut(in, i);
    if (in->nops) {
        atomic_fetch_add(&j->parts, 1);
        if (p->storage->commit(p->client, in->ops, in->nops, commit_done, j) != 0) {
            atomic_fetch_sub(&j->parts, 1);
            rc = -1;
        }
    }
    if (p->filling || p->sendq)
        pthread_cond_signal(&p->cv); /* early decisions to send */
    return rc;
}

static otelc_status intake_locked(intake *in, ts_join *j)
{
    ts_proc *p = in->p;
    pthread_mutex_lock(&p->mu);
    if (!room_for(p, &in->cuts)) {
        p->refused = true;
        pthread_mutex_unlock(&p->mu);
        return OTELC_RETRY;
    }
    int rc = take_all(in, j);
    ts_gauge(&p->m, p->m.on_memory, (double)p->table.count);
    pthread_mutex_unlock(&p->mu);
    return rc == 0 ? OTELC_OK : OTELC_RETRY;
}

/* The late spans of sampled traces, as one batch to the next stage. */
static void pass_late(intake *in, ts_join *j)
{
    ts_proc *p = in->p;
    otelc_batch **parts = calloc(in->nlate, sizeof(otelc_batch *));
    size_t n = 0;
    for (size_t k = 0; parts && k < in->nlate; k++) {
        ts_cut *c = &in->cuts.v[in->late[k]];
        parts[n] = p->api->batch_adopt(c->buf + TS_VALUE_HDR, c->len, c->spans, free_value,
                                       NULL, otelc_batch_meta_of(in->b));
        if (parts[n]) {
            c->buf = NULL;
            n++;
        }
    }
    otelc_batch *all = n == in->nlate ? p->api->batch_merge(parts, n) : NULL;
    for (size_t k = 0; k < n; k++)
        otelc_batch_unref(parts[k]);
    free(parts);
    if (!all) {
        join_note(j, OTELC_RETRY);
        return;
    }
    atomic_fetch_add(&j->parts, 1);
    otelc_status st = p->api->emit(p->ctx, all, emit_done, j);
    otelc_batch_unref(all);
    if (st != OTELC_PENDING)
        join_part_done(j, st);
}

static otelc_status run(ts_proc *p, otelc_batch *b, intake *in, otelc_ticket *t)
{
    size_t n = in->cuts.n;
    ts_join *j = calloc(1, sizeof(*j));
    in->ops = p->storage ? calloc(n, sizeof(*in->ops)) : NULL;
    in->keys = p->storage ? malloc(n * TS_KEY_LEN) : NULL;
    in->late = calloc(n, sizeof(*in->late));
    otelc_status st = OTELC_RETRY;
    if (j && in->late && (!p->storage || (in->ops && in->keys))) {
        j->p = p;
        j->t = t;
        atomic_init(&j->parts, 1);
        atomic_init(&j->worst, OTELC_OK);
        atomic_fetch_add(&p->commits, 1);
        in->b = b;
        join_note(j, intake_locked(in, j));
        if (in->nlate)
            pass_late(in, j);
        /* j is alive here: consume's own part is still counted in it (the
         * analyzer cannot follow the atomic count). */
        st = join_finish(j); /* NOLINT(clang-analyzer-unix.Malloc) */
        j = NULL;
    }
    free(j);
    free(in->ops);
    free(in->keys);
    free(in->late);
    return st;
}

/* b is lent: its bytes are cut into pieces of our own during the call. */
otelc_status ts_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    ts_proc *p = state;
    intake in = {.p = p, .now_ns = otelc_real_ns()};
    const uint8_t *flat = otelc_batch_flat(b);
    if (!flat)
        return OTELC_RETRY;
    int rc = ts_group(flat, otelc_batch_len(b), TS_VALUE_HDR, &in.cuts);
    if (rc == OTLP_ENOMEM)
        return OTELC_RETRY;
    if (rc != OTLP_OK) {
        p->api->log(p->ctx, OTELC_LOG_WARN, "a request was refused: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    otelc_status st = in.cuts.n ? run(p, b, &in, t) : OTELC_OK;
    ts_cuts_free(&in.cuts);
    return st;
}
