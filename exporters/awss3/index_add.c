/*
 * index_add.c: indexing one stored object and its span summaries.
 */
#include "index_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OPS_NAME_MAX 240 /* per part of an ops key; LMDB keys stop at 511 bytes */

static size_t clip(size_t len)
{
    return len < IX_NAME_MAX ? len : IX_NAME_MAX;
}

static void span_key(const ix_span *s, uint8_t key[IX_SPAN_KEY])
{
    ix_put_be64(key, s->start_ns);
    memcpy(key + 8, s->trace_id, 16);
    memcpy(key + 24, s->span_id, 8);
}

static int put_span(ix_env *e, MDB_txn *txn, const ix_span *s, uint64_t obj)
{
    uint8_t key[IX_SPAN_KEY], val[IX_SPAN_FIXED + 2 * IX_NAME_MAX];
    size_t slen = clip(s->service.len), nlen = clip(s->name.len);
    span_key(s, key);
    memcpy(val, s->parent_id, 8);
    ix_put_le64(val + 8, s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0);
    ix_put_le64(val + 16, obj);
    val[24] = s->kind;
    val[25] = s->status;
    ix_put_le16(val + 26, (uint16_t)slen);
    ix_put_le16(val + 28, (uint16_t)nlen);
    if (slen)
        memcpy(val + IX_SPAN_FIXED, s->service.ptr, slen);
    if (nlen)
        memcpy(val + IX_SPAN_FIXED + slen, s->name.ptr, nlen);
    MDB_val k = {IX_SPAN_KEY, key}, v = {IX_SPAN_FIXED + slen + nlen, val};
    int rc = mdb_put(txn, e->spans, &k, &v, 0);
    if (rc != 0)
        return rc;
    uint8_t id[8];
    ix_put_be64(id, obj);
    MDB_val ok = {8, id}, ov = {IX_SPAN_KEY, key};
    return mdb_put(txn, e->byobj, &ok, &ov, 0);
}

static int put_object(ix_env *e, MDB_txn *txn, const ix_object *o, uint64_t id, size_t nspans,
                      const uint8_t hash[IX_OBJKEY_HASH])
{
    size_t klen = strlen(o->key);
    uint8_t idkey[8];
    ix_put_be64(idkey, id);
    MDB_val k = {8, idkey}, v = {IX_OBJ_FIXED + klen, NULL};
    int rc = mdb_put(txn, e->objects, &k, &v, MDB_RESERVE);
    if (rc != 0)
        return rc;
    uint8_t *p = v.mv_data;
    ix_put_le64(p, (uint64_t)o->stored_ns);
    ix_put_le64(p + 8, o->size);
    for (int i = 0; i < 4; i++)
        p[16 + i] = (uint8_t)(nspans >> (8 * i));
    memcpy(p + IX_OBJ_FIXED, o->key, klen);
    MDB_val hk = {IX_OBJKEY_HASH, (void *)hash}, hv = {8, idkey};
    return mdb_put(txn, e->objkeys, &hk, &hv, 0);
}

/* Adds object id to a trace's entry, widening its time range. */
static int merge_trace(ix_env *e, MDB_txn *txn, const uint8_t tid[16], uint64_t lo, uint64_t hi,
                       uint64_t id)
{
    MDB_val k = {16, (void *)tid}, old;
    int rc = mdb_get(txn, e->traces, &k, &old);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    size_t n = rc == 0 && old.mv_size >= IX_TRACE_FIXED ? (old.mv_size - IX_TRACE_FIXED) / 8 : 0;
    uint8_t head[IX_TRACE_FIXED];
    if (n) {
        const uint8_t *p = old.mv_data;
        uint64_t olo = ix_get_le64(p), ohi = ix_get_le64(p + 8);
        lo = olo < lo ? olo : lo;
        hi = ohi > hi ? ohi : hi;
        if (ix_get_le64(p + IX_TRACE_FIXED + 8 * (n - 1)) == id || n >= IX_TRACE_OBJECTS)
            id = 0; /* already there, or full: keep the range only */
    }
    ix_put_le64(head, lo);
    ix_put_le64(head + 8, hi);
    MDB_val v = {IX_TRACE_FIXED + 8 * (n + (id != 0)), NULL};
    uint8_t *keep = n ? malloc(8 * n) : NULL;
    if (n && !keep)
        return ENOMEM;
    if (n)
        memcpy(keep, (const uint8_t *)old.mv_data + IX_TRACE_FIXED, 8 * n);
    rc = mdb_put(txn, e->traces, &k, &v, MDB_RESERVE);
    if (rc == 0) {
        uint8_t *p = v.mv_data;
        memcpy(p, head, IX_TRACE_FIXED);
        if (n)
            memcpy(p + IX_TRACE_FIXED, keep, 8 * n);
        if (id)
            ix_put_le64(p + IX_TRACE_FIXED + 8 * n, id);
    }
    free(keep);
    return rc;
}

static int cmp_trace(const void *a, const void *b)
{
    return memcmp(((const ix_span *)a)->trace_id, ((const ix_span *)b)->trace_id, 16);
}

static int put_traces(ix_env *e, MDB_txn *txn, ix_span *spans, size_t n, uint64_t id)
{
    qsort(spans, n, sizeof(*spans), cmp_trace);
    for (size_t i = 0; i < n;) {
        uint64_t lo = spans[i].start_ns, hi = spans[i].end_ns;
        size_t j = i + 1;
        for (; j < n && memcmp(spans[j].trace_id, spans[i].trace_id, 16) == 0; j++) {
            lo = spans[j].start_ns < lo ? spans[j].start_ns : lo;
            hi = spans[j].end_ns > hi ? spans[j].end_ns : hi;
        }
        int rc = merge_trace(e, txn, spans[i].trace_id, lo, hi, id);
        if (rc != 0)
            return rc;
        i = j;
    }
    return 0;
}

/* service NUL name NUL kind, each name cut to fit a key. */
static size_t ops_key(const ix_span *s, uint8_t *key)
{
    size_t sl = s->service.len < OPS_NAME_MAX ? s->service.len : OPS_NAME_MAX;
    size_t nl = s->name.len < OPS_NAME_MAX ? s->name.len : OPS_NAME_MAX;
    const uint8_t *nul = sl ? memchr(s->service.ptr, 0, sl) : NULL;
    sl = nul ? (size_t)(nul - s->service.ptr) : sl;
    if (sl)
        memcpy(key, s->service.ptr, sl);
    key[sl] = 0;
    if (nl)
        memcpy(key + sl + 1, s->name.ptr, nl);
    key[sl + 1 + nl] = 0;
    key[sl + 2 + nl] = s->kind;
    return sl + 3 + nl;
}

static int put_ops(ix_env *e, MDB_txn *txn, const ix_span *spans, size_t n, int64_t now_ns)
{
    uint8_t key[2 * OPS_NAME_MAX + 3], prev[sizeof(key)], when[8];
    size_t prev_len = 0;
    ix_put_le64(when, (uint64_t)now_ns);
    for (size_t i = 0; i < n; i++) {
        size_t len = ops_key(&spans[i], key);
        if (len == prev_len && memcmp(key, prev, len) == 0)
            continue; /* the same operation as the span before: common */
        MDB_val k = {len, key}, v = {8, when};
        int rc = mdb_put(txn, e->ops, &k, &v, 0);
        if (rc != 0)
            return rc;
        memcpy(prev, key, len);
        prev_len = len;
    }
    return 0;
}

static int bump_next(ix_env *e, MDB_txn *txn)
{
    uint8_t buf[8];
    ix_put_le64(buf, e->next_object);
    MDB_val k = {11, "next_object"}, v = {8, buf};
    return mdb_put(txn, e->meta, &k, &v, 0);
}

int ix_add(ix_env *e, MDB_txn *txn, const ix_object *o, ix_span *spans, size_t n, bool *dup)
{
    uint8_t hash[IX_OBJKEY_HASH];
    ix_objkey_hash(o->key, hash);
    MDB_val hk = {IX_OBJKEY_HASH, hash}, hv;
    int rc = mdb_get(txn, e->objkeys, &hk, &hv);
    *dup = rc == 0;
    if (rc != MDB_NOTFOUND)
        return rc;
    uint64_t id = e->next_object;
    rc = put_object(e, txn, o, id, n, hash);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = put_span(e, txn, &spans[i], id);
    if (rc == 0)
        rc = put_ops(e, txn, spans, n, o->stored_ns);
    if (rc == 0)
        rc = put_traces(e, txn, spans, n, id);
    e->next_object = id + 1; /* even if the txn aborts: ids need not be dense */
    return rc == 0 ? bump_next(e, txn) : rc;
}
