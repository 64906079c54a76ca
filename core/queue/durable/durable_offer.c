/*
 * durable_offer.c: an offered batch becomes one entry in each durable
 * queue it is offered to, committed in one transaction per store, before
 * the offer completes. Room is reserved up front (all queues or none),
 * so an offer the writer takes never overruns a budget.
 */
#include "durable_queue_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <otelc/sdk/clock.h>

#include "telemetry/log.h"

typedef struct offer_join {
    atomic_int remaining;
    atomic_int worst;
    queue_done_fn done;
    void *arg;
} offer_join;

typedef struct offer_slot {
    durable_queue *q;
    uint64_t id;   /* assigned on the writer thread */
    uint64_t cost;
} offer_slot;

typedef struct offer_op {
    dw_op op;
    offer_join *join;
    otelc_batch *b; /* referenced until done */
    size_t meta_len, len;
    int64_t committed_ns;
    size_t n;
    offer_slot slots[];
} offer_op;

/* ---- reservation ---- */

typedef enum room { ROOM_OK, ROOM_FULL, ROOM_NEVER, ROOM_CLOSED } room;

static int64_t units(const durable_queue *q, otelc_batch *b)
{
    switch (q->cfg.sizer) {
    case SIZER_ITEMS: return otelc_batch_spans(b);
    case SIZER_BYTES: return (int64_t)otelc_batch_len(b);
    default: return 1;
    }
}

static room check_locked(durable_queue *q, otelc_batch *b, uint64_t cost)
{
    if (q->draining)
        return ROOM_CLOSED;
    if (cost > q->cfg.max_disk_size)
        return ROOM_NEVER;
    if (q->disk_used + q->rsv_cost + cost > q->cfg.max_disk_size)
        return ROOM_FULL;
    int64_t reserved = q->cfg.sizer == SIZER_ITEMS   ? (int64_t)q->rsv_spans
                       : q->cfg.sizer == SIZER_BYTES ? (int64_t)q->rsv_bytes
                                                     : (int64_t)q->rsv_count;
    bool empty = q->live_count + q->rsv_count == 0;
    if (!empty && dq_size_locked(q) + reserved + units(q, b) > q->cfg.queue_size)
        return ROOM_FULL;
    return ROOM_OK;
}

static void add_waiter_locked(durable_queue *q, void (*fn)(void *), void *arg)
{
    for (size_t i = 0; i < q->nwaiters; i++)
        if (q->waiters[i].fn == fn && q->waiters[i].arg == arg)
            return;
    if (q->nwaiters < DQ_MAX_WAITERS)
        q->waiters[q->nwaiters++] = (dq_waiter){fn, arg};
}

static void reserve_locked(durable_queue *q, otelc_batch *b, uint64_t cost, int sign)
{
    uint64_t s = otelc_batch_spans(b), l = otelc_batch_len(b);
    if (sign > 0) {
        q->rsv_cost += cost;
        q->rsv_count++;
        q->rsv_spans += s;
        q->rsv_bytes += l;
        q->offers++;
    } else {
        q->rsv_cost -= cost;
        q->rsv_count--;
        q->rsv_spans -= s;
        q->rsv_bytes -= l;
        q->offers--;
        pthread_cond_broadcast(&q->idle_cv);
    }
}

/* Reserves room in q or says why not (registering on_space when full). */
static room reserve(durable_queue *q, otelc_batch *b, uint64_t cost, void (*on_space)(void *),
                    void *space_arg)
{
    pthread_mutex_lock(&q->snd.mu);
    room r = check_locked(q, b, cost);
    bool newly_full = false;
    if (r == ROOM_OK) {
        reserve_locked(q, b, cost, 1);
    } else if (r == ROOM_FULL) {
        queue_count(&q->enqueue_failed, otelc_batch_signal(b), otelc_batch_spans(b));
        if (on_space)
            add_waiter_locked(q, on_space, space_arg);
        newly_full = !q->at_budget && q->disk_used + q->rsv_cost + cost > q->cfg.max_disk_size;
        q->at_budget |= newly_full;
    }
    pthread_mutex_unlock(&q->snd.mu);
    if (newly_full)
        dq_report_budget(q, true);
    return r;
}

/* Gives back a reservation that will not be committed. */
static void unreserve(durable_queue *q, otelc_batch *b, uint64_t cost)
{
    pthread_mutex_lock(&q->snd.mu);
    reserve_locked(q, b, cost, -1);
    bool recovered = dq_budget_check_locked(q);
    pthread_mutex_unlock(&q->snd.mu);
    if (recovered)
        dq_report_budget(q, false);
    dq_wake_waiters(q);
}

/* ---- the commit ---- */

static int offer_apply(dw_op *op, MDB_txn *txn)
{
    offer_op *o = (offer_op *)op;
    const otelc_batch_meta *meta = otelc_batch_meta_of(o->b);
    struct iovec iov[64];
    size_t nseg = otelc_batch_segments(o->b, iov, 64);
    const uint8_t *flat = nseg > 64 ? otelc_batch_flat(o->b) : NULL;
    if (nseg > 64 && !flat)
        return ENOMEM;
    o->committed_ns = otelc_real_ns();
    for (size_t i = 0; i < o->n; i++) {
        durable_queue *q = o->slots[i].q;
        uint8_t kb[8];
        o->slots[i].id = q->next_id++;
        MDB_val k = dq_key(kb, o->slots[i].id), v = {o->len, NULL};
        int rc = mdb_put(txn, q->dbi_entries, &k, &v, MDB_RESERVE | MDB_APPEND);
        if (rc != 0)
            return rc;
        uint8_t *p = df_entry_write_head(v.mv_data, meta, o->meta_len, otelc_batch_spans(o->b),
                                         o->committed_ns);
        if (flat) {
            memcpy(p, flat, otelc_batch_len(o->b));
            continue;
        }
        for (size_t s = 0; s < nseg; s++) {
            memcpy(p, iov[s].iov_base, iov[s].iov_len);
            p += iov[s].iov_len;
        }
    }
    return 0;
}

/* After the commit: the entry joins the queue's index. */
static void committed(offer_op *o, offer_slot *s)
{
    durable_queue *q = s->q;
    const otelc_batch_meta *meta = otelc_batch_meta_of(o->b);
    dq_item it = {
        .id = s->id,
        .committed_ns = o->committed_ns,
        .signal = (uint8_t)otelc_batch_signal(o->b),
        .due_ns = q->limits.batching ? otelc_mono_ns() + q->cfg.batch.flush_timeout_ns : 0,
        .spans = otelc_batch_spans(o->b),
        .bytes = (uint32_t)otelc_batch_len(o->b),
        .cost = (uint32_t)s->cost,
    };
    otelc_kv part[DF_MAX_PAIRS];
    size_t npart = queue_partition_pairs(meta, &q->cfg.batch, part, DF_MAX_PAIRS);
    /* Kept in memory too while the budget allows: the consumers take it
     * from there, and read the disk only after a restart. */
    if (atomic_fetch_add(&q->hot_bytes, it.bytes) + it.bytes <= q->cfg.max_memory_size)
        it.hot = otelc_batch_ref(o->b);
    else
        atomic_fetch_sub(&q->hot_bytes, it.bytes);
    pthread_mutex_lock(&q->snd.mu);
    it.meta = dq_index_meta(q->index, part, npart);
    reserve_locked(q, o->b, s->cost, -1);
    q->live_count++;
    q->live_spans += it.spans;
    q->live_bytes += it.bytes;
    q->disk_used += it.cost;
    if (dq_index_push(q->index, &it) != 0)
        otelc_log(OTELC_LOG_ERROR, q->id, "out of memory: entry %llu waits on disk for the "
                  "next start", (unsigned long long)it.id);
    pthread_cond_signal(&q->snd.cv);
    pthread_mutex_unlock(&q->snd.mu);
}

static void join_note(offer_join *j, otelc_status st)
{
    if (st != OTELC_OK)
        atomic_store(&j->worst, (int)st);
    if (atomic_fetch_sub(&j->remaining, 1) == 1) {
        j->done(j->arg, (otelc_status)atomic_load(&j->worst));
        free(j);
    }
}

static void offer_done(dw_op *op, int rc)
{
    offer_op *o = (offer_op *)op;
    for (size_t i = 0; i < o->n; i++) {
        if (rc == 0)
            committed(o, &o->slots[i]);
        else
            unreserve(o->slots[i].q, o->b, o->slots[i].cost);
    }
    offer_join *j = o->join;
    otelc_batch_unref(o->b);
    free(o);
    join_note(j, rc == 0 ? OTELC_OK : OTELC_RETRY);
}

/* ---- offering ---- */

static otelc_status refuse(durable_queue *const *qs, size_t upto, otelc_batch *b,
                           const uint64_t *cost, room why)
{
    for (size_t i = 0; i < upto; i++)
        unreserve(qs[i], b, cost[i]);
    if (why == ROOM_NEVER)
        otelc_log(OTELC_LOG_ERROR, qs[upto]->id, "refusing a request of %zu bytes: larger "
                  "than max_disk_size", otelc_batch_len(b));
    return why == ROOM_NEVER ? OTELC_REJECT : OTELC_RETRY;
}

/* One write operation per store, each with the slots of its queues. */
static size_t build_ops(durable_queue *const *qs, size_t n, otelc_batch *b, const uint64_t *cost,
                        size_t meta_len, offer_join *j, offer_op **ops)
{
    size_t nops = 0;
    bool placed[64] = {false};
    for (size_t i = 0; i < n; i++) {
        if (placed[i])
            continue;
        offer_op *o = calloc(1, sizeof(*o) + n * sizeof(offer_slot));
        if (!o) {
            while (nops--)
                free(ops[nops]);
            return 0;
        }
        *o = (offer_op){.op = {.apply = offer_apply, .done = offer_done}, .join = j,
                        .b = b, .meta_len = meta_len,
                        .len = df_entry_len(meta_len, otelc_batch_len(b))};
        for (size_t k = i; k < n; k++) {
            if (!placed[k] && qs[k]->st == qs[i]->st) {
                o->slots[o->n++] = (offer_slot){.q = qs[k], .cost = cost[k]};
                placed[k] = true;
            }
        }
        ops[nops++] = o;
    }
    return nops;
}

otelc_status durable_offer(durable_queue *const *qs, size_t n, otelc_batch *b,
                           void (*on_space)(void *space_arg), void *space_arg,
                           queue_done_fn done, void *done_arg)
{
    const otelc_batch_meta *meta = otelc_batch_meta_of(b);
    size_t meta_len = df_meta_len(meta);
    uint64_t cost[64];
    offer_op *ops[64];
    if (n == 0 || n > 64 || (meta->npairs && !meta_len) || !done)
        return OTELC_REJECT;
    for (size_t i = 0; i < n; i++)
        if (!durable_store_writer(qs[i]->st))
            return OTELC_RETRY; /* its storage never opened */
    size_t len = df_entry_len(meta_len, otelc_batch_len(b));
    for (size_t i = 0; i < n; i++) {
        cost[i] = df_cost(len, durable_store_page_size(qs[i]->st));
        room r = reserve(qs[i], b, cost[i], on_space, space_arg);
        if (r != ROOM_OK)
            return refuse(qs, i, b, cost, r);
    }
    offer_join *j = malloc(sizeof(*j));
    size_t nops = j ? build_ops(qs, n, b, cost, meta_len, j, ops) : 0;
    if (nops == 0) {
        free(j);
        return refuse(qs, n, b, cost, ROOM_FULL);
    }
    atomic_init(&j->remaining, (int)nops);
    atomic_init(&j->worst, OTELC_OK);
    j->done = done;
    j->arg = done_arg;
    for (size_t i = 0; i < nops; i++) {
        ops[i]->b = otelc_batch_ref(b);
        dw_submit(durable_store_writer(ops[i]->slots[0].q->st), &ops[i]->op);
    }
    return OTELC_PENDING;
}
