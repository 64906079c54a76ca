/*
 * index_prune.c: removing objects from the index (retention, size) and
 * emptying it.
 */
#include "index_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OPS_PRUNE_EVERY_NS (60 * 1000000000LL)

/* Trace ids met while removing an object's spans. */
typedef struct tid_set {
    uint8_t (*ids)[16];
    size_t n, cap;
} tid_set;

static int tid_add(tid_set *s, const uint8_t *tid)
{
    if (s->n && memcmp(s->ids[s->n - 1], tid, 16) == 0)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        void *p = realloc(s->ids, cap * 16);
        if (!p)
            return ENOMEM;
        s->ids = p;
        s->cap = cap;
    }
    memcpy(s->ids[s->n++], tid, 16);
    return 0;
}

static int cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* Deletes the spans of object id (the keys its byobj row lists), noting
 * their trace ids. */
static int drop_spans(ix_env *e, MDB_txn *txn, const uint8_t id[8], tid_set *tids)
{
    MDB_val k = {8, (void *)id}, v;
    int rc = mdb_get(txn, e->byobj, &k, &v);
    if (rc != 0)
        return rc == MDB_NOTFOUND ? 0 : rc;
    size_t n = v.mv_size / IX_SPAN_KEY;
    uint8_t *keys = malloc(v.mv_size ? v.mv_size : 1); /* the view dies with the deletes */
    if (!keys)
        return ENOMEM;
    memcpy(keys, v.mv_data, v.mv_size);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        MDB_val sk = {IX_SPAN_KEY, keys + IX_SPAN_KEY * i};
        rc = mdb_del(txn, e->spans, &sk, NULL);
        if (rc == MDB_NOTFOUND) /* indexed again by a later object */
            rc = 0;
        if (rc == 0)
            rc = tid_add(tids, keys + IX_SPAN_KEY * i + 8);
    }
    free(keys);
    if (rc == 0 && (rc = mdb_del(txn, e->byobj, &k, NULL)) == MDB_NOTFOUND)
        rc = 0;
    return rc;
}

/* Takes object id out of a trace's entry; the entry goes with its last. */
static int unlink_trace(ix_env *e, MDB_txn *txn, const uint8_t *tid, uint64_t id)
{
    MDB_val k = {16, (void *)tid}, v;
    int rc = mdb_get(txn, e->traces, &k, &v);
    if (rc != 0)
        return rc == MDB_NOTFOUND ? 0 : rc;
    size_t n = v.mv_size >= IX_TRACE_FIXED ? (v.mv_size - IX_TRACE_FIXED) / 8 : 0;
    uint8_t *copy = malloc(v.mv_size);
    if (!copy)
        return ENOMEM;
    memcpy(copy, v.mv_data, v.mv_size);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = copy + IX_TRACE_FIXED + 8 * i;
        if (ix_get_le64(p) != id)
            memmove(copy + IX_TRACE_FIXED + 8 * kept++, p, 8);
    }
    MDB_val nv = {IX_TRACE_FIXED + 8 * kept, copy};
    rc = kept ? mdb_put(txn, e->traces, &k, &nv, 0) : mdb_del(txn, e->traces, &k, NULL);
    free(copy);
    return rc;
}

/* Removes one object (the record at k/v of the objects database). */
static int remove_object(ix_env *e, MDB_txn *txn, const MDB_val *k, const MDB_val *v)
{
    uint8_t id[8], hash[IX_OBJKEY_HASH];
    char key[1100];
    size_t klen = v->mv_size > IX_OBJ_FIXED ? v->mv_size - IX_OBJ_FIXED : 0;
    memcpy(id, k->mv_data, 8);
    if (klen >= sizeof(key))
        klen = sizeof(key) - 1;
    memcpy(key, (const uint8_t *)v->mv_data + IX_OBJ_FIXED, klen);
    key[klen] = 0;
    tid_set tids = {0};
    int rc = drop_spans(e, txn, id, &tids);
    if (rc == 0 && tids.n)
        qsort(tids.ids, tids.n, 16, cmp16);
    for (size_t i = 0; rc == 0 && i < tids.n; i++)
        if (i == 0 || memcmp(tids.ids[i], tids.ids[i - 1], 16) != 0)
            rc = unlink_trace(e, txn, tids.ids[i], ix_get_be64(id));
    free(tids.ids);
    ix_objkey_hash(key, hash);
    MDB_val hk = {IX_OBJKEY_HASH, hash}, ik = {8, id};
    if (rc == 0 && (rc = mdb_del(txn, e->objkeys, &hk, NULL)) == MDB_NOTFOUND)
        rc = 0;
    return rc == 0 ? mdb_del(txn, e->objects, &ik, NULL) : rc;
}

/* Whether the oldest object (stored at stored_ns) has to go now. */
static bool must_go(ix_env *e, uint64_t used, int64_t stored_ns, int64_t cutoff,
                    uint64_t force_until)
{
    if (stored_ns < cutoff || used > force_until)
        return true;
    if (used > e->max_size)
        e->shrinking = true;
    if (e->shrinking && used <= e->max_size / 10 * 9)
        e->shrinking = false;
    return e->shrinking;
}

/* Forgets operations last seen before cutoff. */
static int prune_ops(ix_env *e, MDB_txn *txn, int64_t cutoff)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, e->ops, &c);
    if (rc != 0)
        return rc;
    MDB_val k, v;
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        if (v.mv_size == 8 && (int64_t)ix_get_le64(v.mv_data) < cutoff &&
            (rc = mdb_cursor_del(c, 0)) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int ix_prune(ix_env *e, MDB_txn *txn, int64_t now_ns, size_t budget, uint64_t force_bytes,
             size_t *removed)
{
    int64_t cutoff = e->retention_ns > 0 ? now_ns - e->retention_ns : INT64_MIN;
    uint64_t used = 0;
    int rc = ix_used_bytes(e, txn, &used);
    uint64_t force_until = force_bytes && used > force_bytes ? used - force_bytes : UINT64_MAX;
    if (force_bytes && used <= force_bytes)
        force_until = 0; /* free everything that can go */
    *removed = 0;
    while (rc == 0 && *removed < budget) {
        MDB_cursor *c;
        MDB_val k, v;
        if ((rc = mdb_cursor_open(txn, e->objects, &c)) != 0)
            break;
        rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
        mdb_cursor_close(c);
        if (rc != 0 || v.mv_size < IX_OBJ_FIXED ||
            !must_go(e, used, (int64_t)ix_get_le64(v.mv_data), cutoff, force_until))
            break;
        MDB_val kc = k, vc = v; /* the views die with the deletes */
        uint8_t kbuf[8], *vbuf = malloc(v.mv_size);
        if (!vbuf)
            return ENOMEM;
        memcpy(kbuf, k.mv_data, 8);
        memcpy(vbuf, v.mv_data, v.mv_size);
        kc.mv_data = kbuf;
        vc.mv_data = vbuf;
        rc = remove_object(e, txn, &kc, &vc);
        free(vbuf);
        if (rc == 0 && (rc = ix_used_bytes(e, txn, &used)) == 0)
            (*removed)++;
    }
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    /* Operations age by the minute: no need to look at them every commit. */
    if (rc != 0 || cutoff == INT64_MIN || now_ns - e->ops_pruned_ns < OPS_PRUNE_EVERY_NS)
        return rc;
    e->ops_pruned_ns = now_ns;
    return prune_ops(e, txn, cutoff);
}

int ix_clear(ix_env *e, MDB_txn *txn)
{
    MDB_dbi dbis[] = {e->spans, e->traces, e->objects, e->objkeys, e->byobj, e->ops};
    for (size_t i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
        int rc = mdb_drop(txn, dbis[i], 0);
        if (rc != 0)
            return rc;
    }
    e->shrinking = false;
    return 0;
}
