/*
 * index_add.c: indexing one stored object and its span summaries.
 */
#include "index_int.h"
#include "index_group.h"

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

static size_t span_value(const ix_span *s, uint64_t obj, uint8_t *val)
{
    size_t slen = clip(s->service.len), nlen = clip(s->name.len);
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
    return IX_SPAN_FIXED + slen + nlen;
}

/* The object's list of its span keys: what removing it removes. */
static int put_keys(ix_env *e, MDB_txn *txn, const ix_span *spans, size_t n, uint64_t obj)
{
    uint8_t id[8];
    ix_put_be64(id, obj);
    MDB_val k = {8, id}, v = {IX_SPAN_KEY * n, NULL};
    int rc = mdb_put(txn, e->byobj, &k, &v, MDB_RESERVE | MDB_APPEND);
    if (rc == MDB_KEYEXIST) /* ids only grow; but an older index may say otherwise */
        rc = mdb_put(txn, e->byobj, &k, &v, MDB_RESERVE);
    for (size_t i = 0; rc == 0 && i < n; i++)
        span_key(&spans[i], (uint8_t *)v.mv_data + IX_SPAN_KEY * i);
    return rc;
}

/* How many of the sorted spans sort at or before the last row. */
static int count_not_after_end(MDB_cursor *c, const ix_span *spans, size_t n, size_t *out)
{
    MDB_val lk, lv;
    int rc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
    *out = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0 || lk.mv_size != IX_SPAN_KEY)
        return rc ? rc : MDB_CORRUPTED;
    uint8_t key[IX_SPAN_KEY];
    while (*out < n) {
        span_key(&spans[*out], key);
        if (memcmp(key, lk.mv_data, IX_SPAN_KEY) > 0)
            break;
        (*out)++;
    }
    return 0;
}

/*
 * Writes the rows of the spans, sorted by key. Spans mostly start after
 * everything indexed before them, so most rows are appended at the end
 * of the tree without a search from the root.
 */
static int put_spans(ix_env *e, MDB_txn *txn, const ix_span *spans, size_t n, uint64_t obj)
{
    MDB_cursor *c;
    int rc = n ? mdb_cursor_open(txn, e->spans, &c) : 0;
    if (rc != 0 || n == 0)
        return rc;
    size_t older = 0;
    rc = count_not_after_end(c, spans, n, &older);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint8_t key[IX_SPAN_KEY], val[IX_SPAN_FIXED + 2 * IX_NAME_MAX];
        span_key(&spans[i], key);
        MDB_val k = {IX_SPAN_KEY, key}, v = {span_value(&spans[i], obj, val), val};
        rc = i >= older ? mdb_cursor_put(c, &k, &v, MDB_APPEND) : MDB_KEYEXIST;
        if (rc == MDB_KEYEXIST) /* older, or the same span twice */
            rc = mdb_cursor_put(c, &k, &v, 0);
    }
    mdb_cursor_close(c);
    return rc == 0 ? put_keys(e, txn, spans, n, obj) : rc;
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
    uint8_t small[8 * 64]; /* most traces live in a few objects */
    uint8_t *keep = n > 64 ? malloc(8 * n) : small;
    if (!keep)
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
    if (keep != small)
        free(keep);
    return rc;
}

static int put_traces(ix_env *e, MDB_txn *txn, const ix_span *spans, size_t n, uint64_t id)
{
    if (n == 0)
        return 0;
    ix_trace_range *traces = malloc(n * sizeof(*traces));
    size_t count = traces ? ix_group_traces(spans, n, traces) : (size_t)-1;
    int rc = count == (size_t)-1 ? ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = merge_trace(e, txn, traces[i].id, traces[i].lo, traces[i].hi, id);
    free(traces);
    return rc;
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
    uint8_t key[2 * OPS_NAME_MAX + 3], when[8];
    ix_put_le64(when, (uint64_t)now_ns);
    if (n == 0)
        return 0;
    size_t *distinct = malloc(n * sizeof(*distinct));
    size_t count = distinct ? ix_distinct_ops(spans, n, distinct) : (size_t)-1;
    int rc = count == (size_t)-1 ? ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        MDB_val k = {ops_key(&spans[distinct[i]], key), key}, v = {8, when};
        rc = mdb_put(txn, e->ops, &k, &v, 0);
    }
    free(distinct);
    return rc;
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
    ix_sort_spans(spans, n);
    rc = put_object(e, txn, o, id, n, hash);
    if (rc == 0)
        rc = put_spans(e, txn, spans, n, id);
    if (rc == 0)
        rc = put_ops(e, txn, spans, n, o->stored_ns);
    if (rc == 0)
        rc = put_traces(e, txn, spans, n, id);
    e->next_object = id + 1; /* even if the txn aborts: ids need not be dense */
    return rc == 0 ? bump_next(e, txn) : rc;
}
