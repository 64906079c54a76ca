/*
 * durable_dead.c: dead letters. A batch refused for good moves, entries
 * and all, into the queue's dead-letter table in one commit; from there
 * it can be listed, replayed (its entries return as a recorded batch with
 * the same batch_id and enqueued_ns, so a re-upload lands on the same
 * object) or purged.
 */
#include "durable_queue_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <otelc/sdk/clock.h>

#include "telemetry/health.h"
#include "telemetry/log.h"

/* ---- moving a batch in ---- */

typedef struct dead_op {
    dw_op op;
    durable_queue *q;
    const dq_job *job;
    const char *reason;
    uint64_t cost; /* out */
} dead_op;

/* The entries still on disk, gathered into one dead-letter value. The
 * copy keeps the bytes safe from LMDB spilling dirty pages meanwhile. */
static uint8_t *gather(dead_op *o, MDB_txn *txn, size_t *len, int *rc)
{
    const dq_job *j = o->job;
    size_t total = 0, n = 0, rl = strlen(o->reason);
    uint8_t kb[8];
    for (size_t i = 0; i < j->n; i++) {
        MDB_val k = dq_key(kb, j->items[i].id), v;
        if (mdb_get(txn, o->q->dbi_entries, &k, &v) == 0) {
            total += v.mv_size;
            n++;
        }
    }
    if (rl > 1024)
        rl = 1024;
    *len = df_dead_len(rl, total, n);
    uint8_t *buf = malloc(*len);
    if (!buf) {
        *rc = ENOMEM;
        return NULL;
    }
    df_dead d = {.batch_id = j->batch_id, .enqueued_ns = j->enqueued_ns,
                 .died_ns = otelc_real_ns(), .spans = (uint32_t)j->spans, .nentries = n,
                 .reason = o->reason, .reason_len = rl};
    uint8_t *p = df_dead_write_head(buf, &d);
    for (size_t i = 0; i < j->n; i++) {
        MDB_val k = dq_key(kb, j->items[i].id), v;
        if (mdb_get(txn, o->q->dbi_entries, &k, &v) == 0)
            p = df_dead_put_entry(p, v.mv_data, v.mv_size);
    }
    *rc = 0;
    return buf;
}

static int dead_apply(dw_op *op, MDB_txn *txn)
{
    dead_op *o = (dead_op *)op;
    durable_queue *q = o->q;
    size_t len;
    int rc;
    uint8_t *buf = gather(o, txn, &len, &rc);
    if (!buf)
        return rc;
    uint8_t kb[8];
    MDB_val k = dq_key(kb, q->next_dead++), v = {len, buf};
    rc = mdb_put(txn, q->dbi_dead, &k, &v, MDB_APPEND);
    free(buf);
    for (size_t i = 0; rc == 0 && i < o->job->n; i++) {
        k = dq_key(kb, o->job->items[i].id);
        rc = mdb_del(txn, q->dbi_entries, &k, NULL);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    if (rc == 0 && o->job->recorded) {
        k = dq_key(kb, o->job->record_key);
        rc = mdb_del(txn, q->dbi_batches, &k, NULL);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    o->cost = df_cost(len, durable_store_page_size(q->st));
    return rc;
}

int dq_dead_move(durable_queue *q, dq_job *job, const char *reason, uint64_t *cost)
{
    dead_op o = {.op = {.apply = dead_apply}, .q = q, .job = job, .reason = reason};
    int rc = dw_run(durable_store_writer(q->st), &o.op);
    *cost = o.cost;
    return rc;
}

/* ---- listing ---- */

static json_t *dead_json(uint64_t id, const df_dead *d, size_t bytes)
{
    char bid[20], enq[32], died[32];
    snprintf(bid, sizeof(bid), "%016" PRIx64, d->batch_id);
    return json_pack("{s:I,s:s,s:s,s:s,s:s%,s:I,s:I,s:I}", "id", (json_int_t)id, "batch_id", bid,
                     "enqueued", health_format_time(d->enqueued_ns, enq, sizeof(enq)), "died",
                     health_format_time(d->died_ns, died, sizeof(died)), "reason", d->reason,
                     d->reason_len, "spans", (json_int_t)d->spans, "bytes", (json_int_t)bytes,
                     "entries", (json_int_t)d->nentries);
}

/* Appends up to limit dead letters from a read transaction. */
static int list_into(durable_queue *q, MDB_txn *txn, size_t limit, json_t *arr)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, q->dbi_dead, &c);
    if (rc != 0)
        return rc;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && json_array_size(arr) < limit;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        df_dead d;
        if (df_dead_read(v.mv_data, v.mv_size, &d) != 0)
            continue;
        json_array_append_new(arr, dead_json(df_key_get(k.mv_data, k.mv_size), &d,
                                             d.entries_len - 4 * d.nentries));
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

json_t *durable_dead_list(durable_queue *q, size_t limit)
{
    MDB_txn *txn;
    json_t *arr = json_array();
    if (!arr || durable_store_read_begin(q->st, &txn) != 0) {
        json_decref(arr);
        return NULL;
    }
    int rc = list_into(q, txn, limit, arr);
    durable_store_read_end(q->st, txn);
    if (rc != 0) {
        json_decref(arr);
        return NULL;
    }
    pthread_mutex_lock(&q->snd.mu);
    json_t *out = json_pack("{s:s,s:I,s:I,s:I,s:o}", "exporter", q->id, "count",
                            (json_int_t)q->dead_count, "spans", (json_int_t)q->dead_spans,
                            "bytes", (json_int_t)q->dead_cost, "deadletters", arr);
    pthread_mutex_unlock(&q->snd.mu);
    return out;
}

/* ---- replay and purge ---- */

typedef struct revive_op {
    dw_op op;
    durable_queue *q;
    uint64_t only; /* 0: all */
    bool purge;
    durable_dead_done done;
    void *arg;
    /* Results, rebuilt by every apply. */
    dq_job **jobs;
    size_t njobs, cap;
    uint64_t letters, spans, freed;
} revive_op;

static void drop_results(revive_op *o)
{
    for (size_t i = 0; i < o->njobs; i++)
        dq_job_free(o->jobs[i]);
    o->njobs = 0;
    o->letters = o->spans = o->freed = 0;
}

/* The next dead letter to handle (copied out), or MDB_NOTFOUND. */
static int next_letter(revive_op *o, MDB_txn *txn, uint64_t *id, uint8_t **copy, size_t *len)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t kb[8];
    int rc = mdb_cursor_open(txn, o->q->dbi_dead, &c);
    if (rc != 0)
        return rc;
    k = dq_key(kb, o->only);
    rc = mdb_cursor_get(c, &k, &v, o->only ? MDB_SET_KEY : MDB_FIRST);
    if (rc == 0) {
        *id = df_key_get(k.mv_data, k.mv_size);
        *len = v.mv_size;
        *copy = malloc(v.mv_size);
        if (*copy)
            memcpy(*copy, v.mv_data, v.mv_size);
        else
            rc = ENOMEM;
    }
    mdb_cursor_close(c);
    return rc;
}

/* Writes a dead letter's entries back under new ids into j (whose items
 * array holds d->nentries). */
static int put_entries_back(durable_queue *q, MDB_txn *txn, const df_dead *d, dq_job *j)
{
    const uint8_t *e;
    size_t off = 0, len;
    int rc = 0;
    while (rc == 0 && df_dead_next(d, &off, &e, &len) > 0) {
        df_entry de;
        uint8_t kb[8];
        if (df_entry_read(e, len, &de) != 0)
            continue; /* a malformed entry stays out */
        dq_item *it = &j->items[j->n++];
        *it = (dq_item){.id = q->next_id++, .committed_ns = de.committed_ns, .spans = de.spans,
                        .bytes = (uint32_t)de.payload_len,
                        .cost = (uint32_t)df_cost(len, durable_store_page_size(q->st))};
        MDB_val k = dq_key(kb, it->id), v = {len, NULL};
        rc = mdb_put(txn, q->dbi_entries, &k, &v, MDB_RESERVE | MDB_APPEND);
        if (rc == 0)
            memcpy(v.mv_data, e, len);
        j->spans += it->spans;
        j->bytes += it->bytes;
        j->cost += it->cost;
    }
    return rc;
}

/* Records j (consecutive new ids) as one batch with the letter's
 * identity. */
static int record_revived(durable_queue *q, MDB_txn *txn, const dq_job *j)
{
    df_range r = {j->items[0].id, (uint32_t)j->n};
    uint8_t kb[8];
    MDB_val k = dq_key(kb, r.first), v = {df_batch_len(1), NULL};
    int rc = mdb_put(txn, q->dbi_batches, &k, &v, MDB_RESERVE);
    if (rc == 0)
        df_batch_write(v.mv_data, j->batch_id, j->enqueued_ns, &r, 1);
    return rc;
}

/* Puts a dead letter's entries back with new ids and records them as one
 * batch with the letter's identity; the job joins o's results. */
static int revive_one(revive_op *o, MDB_txn *txn, const df_dead *d)
{
    dq_item *items = calloc(d->nentries ? d->nentries : 1, sizeof(*items));
    dq_job *j = items ? dq_job_new(items, 0) : NULL;
    if (!j) {
        free(items);
        return ENOMEM;
    }
    int rc = put_entries_back(o->q, txn, d, j);
    j->batch_id = d->batch_id;
    j->enqueued_ns = d->enqueued_ns;
    j->recorded = true;
    j->record_key = items[0].id;
    if (rc == 0 && j->n == 0) {
        dq_job_free(j); /* nothing readable in it */
        return 0;
    }
    if (rc == 0)
        rc = record_revived(o->q, txn, j);
    dq_job **grown = rc == 0 ? realloc(o->jobs, (o->njobs + 1) * sizeof(dq_job *)) : NULL;
    if (!grown) {
        dq_job_free(j);
        return rc ? rc : ENOMEM;
    }
    o->jobs = grown;
    o->jobs[o->njobs++] = j;
    return 0;
}

/* Handles one dead letter (copied out of the table): replays or purges
 * it, then deletes it. A malformed one can only be deleted. */
static int revive_letter(revive_op *o, MDB_txn *txn, uint64_t id, const uint8_t *p, size_t len)
{
    df_dead d;
    int rc = 0;
    bool ok = df_dead_read(p, len, &d) == 0;
    if (!ok)
        otelc_log(OTELC_LOG_ERROR, o->q->id, "dead letter %llu is malformed; deleting it",
                  (unsigned long long)id);
    else if (!o->purge)
        rc = revive_one(o, txn, &d);
    if (rc != 0)
        return rc;
    uint8_t kb[8];
    MDB_val k = dq_key(kb, id);
    o->letters++;
    o->spans += ok ? d.spans : 0;
    o->freed += df_cost(len, durable_store_page_size(o->q->st));
    return mdb_del(txn, o->q->dbi_dead, &k, NULL);
}

static int revive_apply(dw_op *op, MDB_txn *txn)
{
    revive_op *o = (revive_op *)op;
    drop_results(o);
    for (;;) {
        uint64_t id = 0;
        uint8_t *copy = NULL;
        size_t len = 0;
        int rc = next_letter(o, txn, &id, &copy, &len);
        if (rc == MDB_NOTFOUND)
            return 0; /* done; an unknown id revives nothing */
        if (rc == 0)
            rc = revive_letter(o, txn, id, copy, len);
        free(copy);
        if (rc != 0 || o->only)
            return rc;
    }
}

static void revive_done(dw_op *op, int rc)
{
    revive_op *o = (revive_op *)op;
    durable_queue *q = o->q;
    if (rc == 0) {
        pthread_mutex_lock(&q->snd.mu);
        for (size_t i = 0; i < o->njobs; i++) {
            dq_job *j = o->jobs[i];
            q->live_count += j->n;
            q->live_spans += j->spans;
            q->live_bytes += j->bytes;
            q->disk_used += j->cost;
            dq_ready_push_locked(q, j);
        }
        o->njobs = 0; /* the queue has them now */
        q->dead_count -= o->letters;
        q->dead_spans -= o->spans;
        q->dead_cost -= o->freed;
        q->disk_used -= o->freed;
        bool recovered = dq_budget_check_locked(q);
        pthread_mutex_unlock(&q->snd.mu);
        if (recovered)
            dq_report_budget(q, false);
        dq_wake_waiters(q);
    }
    if (o->done)
        o->done(o->arg, rc, o->letters, o->spans);
    drop_results(o);
    free(o->jobs);
    free(o);
}

static void revive(durable_queue *q, uint64_t id, bool purge, durable_dead_done done, void *arg)
{
    revive_op *o = calloc(1, sizeof(*o));
    durable_writer *w = durable_store_writer(q->st);
    if (!o || !w) {
        int rc = o ? ESHUTDOWN : ENOMEM;
        free(o);
        if (done)
            done(arg, rc, 0, 0);
        return;
    }
    *o = (revive_op){.op = {.apply = revive_apply, .done = revive_done}, .q = q, .only = id,
                     .purge = purge, .done = done, .arg = arg};
    dw_submit(w, &o->op);
}

void durable_dead_replay(durable_queue *q, uint64_t id, durable_dead_done done, void *arg)
{
    revive(q, id, false, done, arg);
}

void durable_dead_purge(durable_queue *q, uint64_t id, durable_dead_done done, void *arg)
{
    revive(q, id, true, done, arg);
}
