/*
 * durable_consumer.c: the durable backend's side of the sender. take
 * gives the next batch (a recorded one first, else a fresh one from the
 * index per sending_queue.batch); open records its composition in a
 * commit before the exporter sees it and builds its bytes (from memory,
 * or from LMDB in a short read transaction after a restart); settle
 * deletes its entries after success, moves them to the dead letters, or
 * leaves them on disk for the next start.
 */
#include "durable_queue_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <otelc/sdk/clock.h>

#include "host_batch.h"
#include "telemetry/log.h"

/* A store write that failed waits this long before the next try. */
#define STORE_RETRY_NS 1000000000LL

/* Waits for wait_ns unless the queue is closing; false if it is. For the
 * rare store write that fails: the batch's slot waits with it. */
static bool store_retry_wait(durable_queue *q, int64_t wait_ns)
{
    int64_t deadline = otelc_mono_ns() + wait_ns;
    pthread_mutex_lock(&q->snd.mu);
    while (!q->snd.closing && otelc_mono_ns() < deadline)
        sender_wait_locked(&q->snd, deadline);
    bool closing = q->snd.closing;
    pthread_mutex_unlock(&q->snd.mu);
    return !closing;
}

/* ---- taking a job ---- */

static void inflight_add_locked(durable_queue *q, dq_job *j)
{
    j->prev = NULL;
    j->next = q->inflight;
    if (q->inflight)
        q->inflight->prev = j;
    q->inflight = j;
}

static void inflight_remove_locked(durable_queue *q, dq_job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        q->inflight = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->next = j->prev = NULL;
}

/* The next job, or NULL with *due the monotonic time to look again (0:
 * when woken). */
static dq_job *next_job_locked(durable_queue *q, int64_t *due)
{
    if (q->hold_until_ns > otelc_mono_ns()) {
        *due = q->hold_until_ns;
        return NULL;
    }
    if (q->ready) {
        dq_job *j = q->ready;
        q->ready = j->next;
        if (!q->ready)
            q->ready_tail = NULL;
        return j;
    }
    dq_item *items;
    otelc_send_trigger why;
    long n = dq_index_take(q->index, &q->limits, otelc_mono_ns(), false, &items, due, &why);
    if (n <= 0) {
        if (n < 0)
            *due = otelc_mono_ns() + 100000000;
        return NULL;
    }
    dq_job *j = dq_job_new(items, (size_t)n);
    if (!j) {
        dq_index_unshift(q->index, items, (size_t)n);
        free(items);
        *due = otelc_mono_ns() + 100000000;
        return NULL;
    }
    /* Derived from the entries: a batch that leaves alone (no
     * sending_queue.batch) needs no record to keep its identity. */
    j->batch_id = df_batch_id(q->epoch, items[0].id);
    j->enqueued_ns = items[0].committed_ns;
    j->record_key = items[0].id;
    j->why = why;
    return j;
}

static void *take_locked(void *backend, int64_t *due)
{
    durable_queue *q = backend;
    dq_job *j = next_job_locked(q, due);
    if (j)
        inflight_add_locked(q, j);
    return j;
}

/* Puts a job back where it came from (its record, if any, stays), and
 * holds the queue a while: what failed is the store. */
static void requeue(durable_queue *q, dq_job *j)
{
    pthread_mutex_lock(&q->snd.mu);
    q->hold_until_ns = otelc_mono_ns() + STORE_RETRY_NS;
    inflight_remove_locked(q, j);
    if (j->recorded) {
        j->next = q->ready;
        q->ready = j;
        if (!q->ready_tail)
            q->ready_tail = j;
        j = NULL;
    } else if (dq_index_unshift(q->index, j->items, j->n) != 0) {
        otelc_log(OTELC_LOG_ERROR, q->id, "out of memory: %zu entries wait on disk for the "
                  "next start", j->n);
    } else {
        for (size_t i = 0; i < j->n; i++) /* the index holds them now */
            j->items[i].hot = NULL;
    }
    pthread_cond_signal(&q->snd.cv);
    pthread_mutex_unlock(&q->snd.mu);
    dq_job_release(q, j);
}

/* ---- writes: the composition record, the deletion ---- */

typedef struct job_op {
    dw_op op;
    durable_queue *q;
    dq_job *job;
} job_op;

static size_t count_ranges(const dq_job *j)
{
    size_t n = 1;
    for (size_t i = 1; i < j->n; i++)
        n += j->items[i].id != j->items[i - 1].id + 1;
    return n;
}

static int record_apply(dw_op *op, MDB_txn *txn)
{
    job_op *o = (job_op *)op;
    const dq_job *j = o->job;
    size_t nr = count_ranges(j);
    df_range *r = malloc(nr * sizeof(*r));
    if (!r)
        return ENOMEM;
    size_t k = 0;
    r[0] = (df_range){j->items[0].id, 1};
    for (size_t i = 1; i < j->n; i++) {
        if (j->items[i].id == r[k].first + r[k].count)
            r[k].count++;
        else
            r[++k] = (df_range){j->items[i].id, 1};
    }
    uint8_t kb[8];
    MDB_val key = dq_key(kb, j->record_key), v = {df_batch_len(nr), NULL};
    int rc = mdb_put(txn, o->q->dbi_batches, &key, &v, MDB_RESERVE);
    if (rc == 0)
        df_batch_write(v.mv_data, j->batch_id, j->enqueued_ns, r, nr);
    free(r);
    return rc;
}

static int delete_apply(dw_op *op, MDB_txn *txn)
{
    job_op *o = (job_op *)op;
    uint8_t kb[8];
    for (size_t i = 0; i < o->job->n; i++) {
        MDB_val k = dq_key(kb, o->job->items[i].id);
        int rc = mdb_del(txn, o->q->dbi_entries, &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return rc;
    }
    if (!o->job->recorded)
        return 0;
    MDB_val k = dq_key(kb, o->job->record_key);
    int rc = mdb_del(txn, o->q->dbi_batches, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int run_op(durable_queue *q, dq_job *j, int (*apply)(dw_op *, MDB_txn *))
{
    job_op o = {.op = {.apply = apply}, .q = q, .job = j};
    return dw_run(durable_store_writer(q->st), &o.op);
}

/* Keeps trying a write until it commits or the queue stops. */
static int run_op_until_done(durable_queue *q, dq_job *j, int (*apply)(dw_op *, MDB_txn *),
                             const char *what)
{
    for (;;) {
        int rc = run_op(q, j, apply);
        if (rc == 0)
            return 0;
        otelc_log(OTELC_LOG_ERROR, q->id, "cannot %s: %s; trying again", what,
                  mdb_strerror(rc));
        if (rc == ESHUTDOWN || !store_retry_wait(q, STORE_RETRY_NS))
            return rc;
    }
}

/* After the deletion: the room it frees goes to waiting emitters. */
static void forget_delivered(durable_queue *q, dq_job *j)
{
    pthread_mutex_lock(&q->snd.mu);
    inflight_remove_locked(q, j);
    q->live_count -= j->n;
    q->live_spans -= j->spans;
    q->live_bytes -= j->bytes;
    q->disk_used -= j->cost;
    bool recovered = dq_budget_check_locked(q);
    pthread_mutex_unlock(&q->snd.mu);
    if (recovered)
        dq_report_budget(q, false);
    dq_wake_waiters(q);
}

/* ---- the batch's bytes ---- */

static bool all_hot(const dq_job *j)
{
    for (size_t i = 0; i < j->n; i++)
        if (!j->items[i].hot)
            return false;
    return true;
}

/* The batch of a job whose requests are all in memory: merged by
 * reference, with the identity the job recorded. 0 or ENOMEM. */
static int build_hot(const dq_job *j, otelc_batch **out)
{
    otelc_batch **parts = malloc(j->n * sizeof(otelc_batch *));
    if (!parts)
        return ENOMEM;
    const otelc_batch_meta *first = otelc_batch_meta_of(j->items[0].hot);
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .batch_id = j->batch_id,
                             .enqueued_ns = j->enqueued_ns, .pairs = first->pairs,
                             .npairs = first->npairs, .signal = j->items[0].signal};
    for (size_t i = 0; i < j->n; i++) {
        parts[i] = j->items[i].hot;
        int64_t r = otelc_batch_meta_of(parts[i])->received_ns;
        if (r && (meta.received_ns == 0 || r < meta.received_ns))
            meta.received_ns = r;
    }
    otelc_batch *merged = j->n == 1 ? otelc_batch_ref(parts[0]) : otelc_hbatch_merge(parts, j->n);
    free(parts);
    *out = merged ? otelc_hbatch_with_meta(merged, &meta) : NULL;
    if (merged)
        otelc_batch_unref(merged);
    return *out ? 0 : ENOMEM;
}

/* Copies the entries' requests out of one short read transaction into
 * one buffer. 0; ENOMEM or a store error (try later); EBADMSG when an
 * entry is missing or malformed. */
static int build_from_disk(durable_queue *q, const dq_job *j, otelc_batch **out)
{
    MDB_txn *txn;
    otelc_kv pairs[DF_MAX_PAIRS];
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .batch_id = j->batch_id,
                             .enqueued_ns = j->enqueued_ns, .pairs = pairs};
    uint8_t *buf = malloc(j->bytes ? j->bytes : 1);
    if (!buf)
        return ENOMEM;
    int rc = durable_store_read_begin(q->st, &txn);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    size_t off = 0;
    for (size_t i = 0; rc == 0 && i < j->n; i++) {
        uint8_t kb[8];
        MDB_val k = dq_key(kb, j->items[i].id), v;
        df_entry e;
        rc = mdb_get(txn, q->dbi_entries, &k, &v);
        if (rc == MDB_NOTFOUND || (rc == 0 && (df_entry_read(v.mv_data, v.mv_size, &e) != 0 ||
                                               e.payload_len != j->items[i].bytes)))
            rc = EBADMSG;
        if (rc != 0)
            break;
        memcpy(buf + off, e.payload, e.payload_len);
        off += e.payload_len;
        if (e.received_ns && (meta.received_ns == 0 || e.received_ns < meta.received_ns))
            meta.received_ns = e.received_ns;
        if (i == 0) {
            df_pairs(&e, pairs, DF_MAX_PAIRS);
            meta.npairs = e.npairs;
            meta.signal = e.signal;
        }
    }
    /* batch_adopt copies the metadata, which points into the map. */
    if (rc == 0 && !(*out = otelc_hbatch_adopt(buf, off, (uint32_t)j->spans, NULL, NULL, &meta)))
        rc = ENOMEM;
    durable_store_read_end(q->st, txn);
    if (rc != 0)
        free(buf);
    else
        atomic_fetch_add(&q->disk_reads, j->n);
    return rc;
}

/* The outgoing batch of j: from memory when every request is still
 * there, else from disk (after a restart, or past max_memory_size). */
static int build(durable_queue *q, const dq_job *j, otelc_batch **out)
{
    return all_hot(j) ? build_hot(j, out) : build_from_disk(q, j, out);
}

/* ---- one job, start to end ---- */

/* Lets go of a job whose entries stay on disk (shutdown, or a write that
 * keeps failing): they go out again after a restart. */
static void let_go(durable_queue *q, dq_job *j)
{
    pthread_mutex_lock(&q->snd.mu);
    inflight_remove_locked(q, j);
    pthread_mutex_unlock(&q->snd.mu);
    dq_job_release(q, j);
}

static void delivered(durable_queue *q, dq_job *j)
{
    if (run_op_until_done(q, j, delete_apply, "delete delivered entries") != 0) {
        let_go(q, j);
        return;
    }
    forget_delivered(q, j);
    dq_job_release(q, j);
}

static void dead(durable_queue *q, dq_job *j, const char *why)
{
    otelc_log(OTELC_LOG_ERROR, q->id, "moving a batch of %llu spans to the dead letters: %s",
              (unsigned long long)j->spans, why);
    for (;;) {
        uint64_t cost;
        int rc = dq_dead_move(q, j, why, &cost);
        if (rc == 0) {
            q->dead_lettered += j->spans;
            pthread_mutex_lock(&q->snd.mu);
            inflight_remove_locked(q, j);
            q->live_count -= j->n;
            q->live_spans -= j->spans;
            q->live_bytes -= j->bytes;
            q->disk_used += cost - j->cost;
            q->dead_count++;
            q->dead_spans += j->spans;
            q->dead_cost += cost;
            pthread_mutex_unlock(&q->snd.mu);
            dq_job_release(q, j);
            dq_wake_waiters(q);
            return;
        }
        otelc_log(OTELC_LOG_ERROR, q->id, "cannot write the dead letter: %s; trying again",
                  mdb_strerror(rc));
        if (rc == ESHUTDOWN || !store_retry_wait(q, STORE_RETRY_NS)) {
            let_go(q, j);
            return;
        }
    }
}

/* Tells cfg.on_send of a batch leaving for the first time, and why. */
static void note_send(durable_queue *q, dq_job *j)
{
    if (j->noted || !q->cfg.on_send)
        return;
    j->noted = true;
    q->cfg.on_send(q->cfg.on_send_arg, (uint32_t)j->spans, j->bytes, j->why);
}

static bool open_job(void *backend, void *job, otelc_batch **out)
{
    durable_queue *q = backend;
    dq_job *j = job;
    note_send(q, j);
    if (!j->recorded && q->limits.batching) {
        int rc = run_op(q, j, record_apply);
        if (rc != 0) {
            otelc_log(OTELC_LOG_ERROR, q->id, "cannot record a batch: %s", mdb_strerror(rc));
            requeue(q, j);
            return false;
        }
        j->recorded = true;
    }
    int rc = build(q, j, out);
    if (rc == EBADMSG) {
        queue_count(&q->snd.failed, (otelc_signal)j->items[0].signal, j->spans);
        dead(q, j, "an entry of the batch is missing or malformed on disk");
        return false;
    }
    if (rc != 0) {
        otelc_log(OTELC_LOG_ERROR, q->id, "cannot read a batch: %s", mdb_strerror(rc));
        requeue(q, j);
        return false;
    }
    return true;
}

static void settle_job(void *backend, void *job, send_outcome o, const char *why)
{
    durable_queue *q = backend;
    if (o == SEND_DELIVERED)
        delivered(q, job);
    else if (o == SEND_FAILED)
        dead(q, job, why);
    else
        let_go(q, job);
}

const sender_ops dq_sender_ops = {take_locked, open_job, settle_job};
