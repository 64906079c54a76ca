/*
 * durable_recover.c: rebuilding a durable queue from disk when its store
 * opens. Recorded batches come back exactly as recorded (same entries,
 * same batch_id and enqueued_ns) and leave first; the other entries go
 * back into the index, due at once; dead letters are counted.
 *
 * Entry ids are (generation << 40) | sequence, the generation bumped at
 * every open, so an id (and the batch id derived from it) is never used
 * twice, even after the queue emptied.
 */
#include "durable_queue_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <otelc/sdk/clock.h>

#include "telemetry/log.h"

#define GEN_SHIFT 40

typedef struct rec_range {
    uint64_t first, last;
    dq_job *job;
} rec_range;

typedef struct recovery {
    durable_queue *q;
    MDB_txn *txn;
    unsigned page_size;
    rec_range *ranges; /* sorted by first; ranges never overlap */
    size_t nranges, cap;
    dq_job **jobs; /* in record order */
    size_t njobs;
    char *err;
    size_t errlen;
} recovery;

static int fail(recovery *r, const char *fmt, ...) OTELC_PRINTF(2, 3);
static int fail(recovery *r, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "directory %s: queue of %s: %s",
             durable_store_dir(r->q->st), r->q->id, msg);
    return -1;
}

static int open_dbi(recovery *r, const char *prefix, MDB_dbi *out)
{
    char name[512];
    snprintf(name, sizeof(name), "%s:%s", prefix, r->q->id);
    int rc = mdb_dbi_open(r->txn, name, MDB_CREATE, out);
    return rc == 0 ? 0 : fail(r, "table %s: %s", name, mdb_strerror(rc));
}

/* A u64 kept in the format table under "<what>:<queue id>". */
static int meta_u64(recovery *r, const char *what, uint64_t *val, bool *found)
{
    MDB_dbi fmt;
    char name[512];
    int rc = mdb_dbi_open(r->txn, "otelc", 0, &fmt);
    snprintf(name, sizeof(name), "%s:%s", what, r->q->id);
    MDB_val k = {strlen(name), name}, v;
    if (rc == 0)
        rc = mdb_get(r->txn, fmt, &k, &v);
    *found = rc == 0 && v.mv_size == 8;
    if (*found) {
        *val = df_key_get(v.mv_data, 8);
        return 0;
    }
    uint8_t b[8];
    df_key_put(b, *val);
    v = (MDB_val){8, b};
    rc = rc == 0 || rc == MDB_NOTFOUND ? mdb_put(r->txn, fmt, &k, &v, 0) : rc;
    return rc == 0 ? 0 : fail(r, "%s: %s", what, mdb_strerror(rc));
}

static int identity(recovery *r)
{
    durable_queue *q = r->q;
    bool found;
    uint64_t gen = 0;
    if (getrandom(&q->epoch, sizeof(q->epoch), 0) != sizeof(q->epoch))
        q->epoch = (uint64_t)otelc_real_ns() ^ (uint64_t)otelc_mono_ns() << 17;
    if (meta_u64(r, "epoch", &q->epoch, &found) != 0 || meta_u64(r, "generation", &gen, &found))
        return -1;
    gen++;
    /* The bumped generation is written back by the same transaction. */
    MDB_dbi fmt;
    char name[512];
    uint8_t b[8];
    snprintf(name, sizeof(name), "generation:%s", q->id);
    df_key_put(b, gen);
    MDB_val k = {strlen(name), name}, v = {8, b};
    int rc = mdb_dbi_open(r->txn, "otelc", 0, &fmt);
    if (rc == 0)
        rc = mdb_put(r->txn, fmt, &k, &v, 0);
    q->next_id = (gen << GEN_SHIFT) + 1;
    return rc == 0 ? 0 : fail(r, "generation: %s", mdb_strerror(rc));
}

/* ---- recorded batches ---- */

static int add_range(recovery *r, uint64_t first, uint32_t count, dq_job *j)
{
    if (r->nranges == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        rec_range *grown = realloc(r->ranges, cap * sizeof(*grown));
        if (!grown)
            return -1;
        r->ranges = grown;
        r->cap = cap;
    }
    r->ranges[r->nranges++] = (rec_range){first, first + count - 1, j};
    return 0;
}

static int cmp_range(const void *a, const void *b)
{
    const rec_range *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int add_record(recovery *r, uint64_t key, const MDB_val *v)
{
    df_batch rec;
    if (df_batch_read(v->mv_data, v->mv_size, &rec) != 0)
        return fail(r, "a batch record is malformed (the file is damaged)");
    size_t total = 0;
    for (size_t i = 0; i < rec.nranges; i++)
        total += df_batch_range(&rec, i).count;
    dq_item *items = calloc(total ? total : 1, sizeof(*items));
    dq_job *j = items ? dq_job_new(items, 0) : NULL;
    dq_job **grown = j ? realloc(r->jobs, (r->njobs + 1) * sizeof(dq_job *)) : NULL;
    if (!grown) {
        dq_job_free(j);
        return fail(r, "out of memory");
    }
    r->jobs = grown;
    r->jobs[r->njobs++] = j;
    j->batch_id = rec.batch_id;
    j->enqueued_ns = rec.enqueued_ns;
    j->recorded = true;
    j->noted = true; /* counted before the restart */
    j->record_key = key;
    for (size_t i = 0; i < rec.nranges; i++) {
        df_range dr = df_batch_range(&rec, i);
        if (dr.count && add_range(r, dr.first, dr.count, j) != 0)
            return fail(r, "out of memory");
    }
    return 0;
}

static int scan_records(recovery *r)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(r->txn, r->q->dbi_batches, &c);
    if (rc != 0)
        return fail(r, "%s", mdb_strerror(rc));
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
        if (add_record(r, df_key_get(k.mv_data, k.mv_size), &v) != 0)
            break;
    mdb_cursor_close(c);
    if (rc != MDB_NOTFOUND)
        return rc == 0 ? -1 : fail(r, "%s", mdb_strerror(rc));
    if (r->nranges > 1)
        qsort(r->ranges, r->nranges, sizeof(*r->ranges), cmp_range);
    return 0;
}

/* ---- entries ---- */

/* The recorded batch that claims id, walking the sorted ranges along
 * with the ascending entry ids. */
static dq_job *claimed_by(recovery *r, size_t *pos, uint64_t id)
{
    while (*pos < r->nranges && r->ranges[*pos].last < id)
        (*pos)++;
    if (*pos < r->nranges && r->ranges[*pos].first <= id)
        return r->ranges[*pos].job;
    return NULL;
}

static int add_entry(recovery *r, uint64_t id, const MDB_val *v, dq_job *owner)
{
    durable_queue *q = r->q;
    df_entry e;
    if (df_entry_read(v->mv_data, v->mv_size, &e) != 0)
        return fail(r, "entry %llu is malformed (the file is damaged)", (unsigned long long)id);
    dq_item it = {.id = id, .committed_ns = e.committed_ns, .spans = e.spans,
                  .signal = (uint8_t)e.signal,
                  .bytes = (uint32_t)e.payload_len,
                  .cost = (uint32_t)df_cost(v->mv_size, r->page_size)};
    q->live_count++;
    q->live_spans += it.spans;
    q->live_bytes += it.bytes;
    q->disk_used += it.cost;
    if (owner) {
        owner->items[owner->n++] = it;
        owner->spans += it.spans;
        owner->bytes += it.bytes;
        owner->cost += it.cost;
        return 0;
    }
    otelc_kv pairs[DF_MAX_PAIRS], part[DF_MAX_PAIRS];
    df_pairs(&e, pairs, DF_MAX_PAIRS);
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .pairs = pairs, .npairs = e.npairs,
                             .signal = e.signal};
    size_t npart = queue_partition_pairs(&meta, &q->cfg.batch, part, DF_MAX_PAIRS);
    it.meta = dq_index_meta(q->index, part, npart);
    if (it.meta == UINT32_MAX || dq_index_push(q->index, &it) != 0)
        return fail(r, "out of memory");
    return 0;
}

static int scan_entries(recovery *r)
{
    MDB_cursor *c;
    MDB_val k = {0, NULL}, v;
    size_t pos = 0;
    int rc = mdb_cursor_open(r->txn, r->q->dbi_entries, &c);
    if (rc != 0)
        return fail(r, "%s", mdb_strerror(rc));
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint64_t id = df_key_get(k.mv_data, k.mv_size);
        if (id >= r->q->next_id)
            r->q->next_id = id + 1; /* appends must stay in key order */
        if (add_entry(r, id, &v, claimed_by(r, &pos, id)) != 0)
            break;
    }
    mdb_cursor_close(c);
    if (rc != MDB_NOTFOUND)
        return rc == 0 ? -1 : fail(r, "%s", mdb_strerror(rc));
    return 0;
}

/* Recorded batches go to the ready list; a record whose entries are all
 * gone (it cannot be, but a damaged file might) is deleted. */
static int settle_records(recovery *r)
{
    durable_queue *q = r->q;
    int rc = 0;
    for (size_t i = 0; i < r->njobs; i++) {
        dq_job *j = r->jobs[i];
        r->jobs[i] = NULL;
        if (j->n > 0) {
            dq_ready_push_locked(q, j);
            continue;
        }
        otelc_log(OTELC_LOG_WARN, q->id, "deleting a batch record without entries");
        uint8_t kb[8];
        MDB_val k = dq_key(kb, j->record_key);
        dq_job_free(j);
        if (rc == 0)
            rc = mdb_del(r->txn, q->dbi_batches, &k, NULL);
    }
    return rc == 0 ? 0 : fail(r, "%s", mdb_strerror(rc));
}

/* ---- dead letters ---- */

static int scan_dead(recovery *r)
{
    durable_queue *q = r->q;
    MDB_cursor *c;
    MDB_val k = {0, NULL}, v;
    uint64_t last = 0;
    int rc = mdb_cursor_open(r->txn, q->dbi_dead, &c);
    if (rc != 0)
        return fail(r, "%s", mdb_strerror(rc));
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        df_dead d;
        last = df_key_get(k.mv_data, k.mv_size);
        uint64_t cost = df_cost(v.mv_size, r->page_size);
        q->dead_count++;
        q->dead_spans += df_dead_read(v.mv_data, v.mv_size, &d) == 0 ? d.spans : 0;
        q->dead_cost += cost;
        q->disk_used += cost;
    }
    mdb_cursor_close(c);
    q->next_dead = last + 1;
    return rc == MDB_NOTFOUND ? 0 : fail(r, "%s", mdb_strerror(rc));
}

static void recovery_fini(recovery *r)
{
    for (size_t i = 0; i < r->njobs; i++)
        dq_job_free(r->jobs[i]);
    free(r->jobs);
    free(r->ranges);
}

int durable_queue_recover(durable_queue *q, MDB_txn *txn, char *err, size_t errlen)
{
    recovery r = {.q = q, .txn = txn, .page_size = durable_store_page_size(q->st),
                  .err = err, .errlen = errlen};
    pthread_mutex_lock(&q->snd.mu);
    int rc = -1;
    if (open_dbi(&r, "entries", &q->dbi_entries) == 0 &&
        open_dbi(&r, "batches", &q->dbi_batches) == 0 && open_dbi(&r, "dead", &q->dbi_dead) == 0 &&
        identity(&r) == 0 && scan_records(&r) == 0 && scan_entries(&r) == 0 &&
        settle_records(&r) == 0 && scan_dead(&r) == 0)
        rc = 0;
    pthread_mutex_unlock(&q->snd.mu);
    recovery_fini(&r);
    if (rc == 0 && q->live_count + q->dead_count > 0)
        otelc_log(OTELC_LOG_INFO, q->id, "resuming %llu queued entries (%llu spans) and %llu "
                  "dead letters from %s", (unsigned long long)q->live_count,
                  (unsigned long long)q->live_spans, (unsigned long long)q->dead_count,
                  durable_store_dir(q->st));
    return rc;
}
