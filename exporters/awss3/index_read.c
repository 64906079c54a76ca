/*
 * index_read.c: what queries read from the index.
 */
#include "index_int.h"

#include <string.h>

/* Positions c on the newest summary starting at or before hi_ns. */
static int seek_newest(MDB_cursor *c, uint64_t hi_ns, MDB_val *k, MDB_val *v)
{
    if (hi_ns == UINT64_MAX)
        return mdb_cursor_get(c, k, v, MDB_LAST);
    uint8_t key[IX_SPAN_KEY];
    ix_put_be64(key, hi_ns + 1);
    memset(key + 8, 0, IX_SPAN_KEY - 8);
    *k = (MDB_val){IX_SPAN_KEY, key};
    int rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
    if (rc == 0)
        return mdb_cursor_get(c, k, v, MDB_PREV);
    return rc == MDB_NOTFOUND ? mdb_cursor_get(c, k, v, MDB_LAST) : rc;
}

int ix_scan(ix_env *e, MDB_txn *txn, uint64_t lo_ns, uint64_t hi_ns, ix_scan_fn fn, void *arg)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, e->spans, &c);
    if (rc != 0)
        return rc;
    MDB_val k, v;
    for (rc = seek_newest(c, hi_ns, &k, &v); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
        ix_hit h;
        if (!ix_hit_decode(&k, &v, &h))
            continue;
        if (h.start_ns < lo_ns || fn(arg, &h) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int ix_trace_get(ix_env *e, MDB_txn *txn, const uint8_t trace_id[16], ix_trace *out)
{
    MDB_val k = {16, (void *)trace_id}, v;
    int rc = mdb_get(txn, e->traces, &k, &v);
    if (rc != 0)
        return rc;
    if (v.mv_size < IX_TRACE_FIXED || (v.mv_size - IX_TRACE_FIXED) % 8)
        return MDB_CORRUPTED;
    const uint8_t *p = v.mv_data;
    out->min_start_ns = ix_get_le64(p);
    out->max_end_ns = ix_get_le64(p + 8);
    out->nobjects = (v.mv_size - IX_TRACE_FIXED) / 8;
    if (out->nobjects > IX_TRACE_OBJECTS)
        out->nobjects = IX_TRACE_OBJECTS;
    for (size_t i = 0; i < out->nobjects; i++)
        out->objects[i] = ix_get_le64(p + IX_TRACE_FIXED + 8 * i);
    return 0;
}

int ix_object_key(ix_env *e, MDB_txn *txn, uint64_t id, char *key, size_t size)
{
    uint8_t idkey[8];
    ix_put_be64(idkey, id);
    MDB_val k = {8, idkey}, v;
    int rc = mdb_get(txn, e->objects, &k, &v);
    if (rc != 0)
        return rc;
    if (v.mv_size < IX_OBJ_FIXED)
        return MDB_CORRUPTED;
    size_t klen = v.mv_size - IX_OBJ_FIXED;
    if (klen >= size)
        return MDB_BAD_VALSIZE;
    memcpy(key, (const uint8_t *)v.mv_data + IX_OBJ_FIXED, klen);
    key[klen] = 0;
    return 0;
}

bool ix_has_object(ix_env *e, MDB_txn *txn, const char *key)
{
    uint8_t hash[IX_OBJKEY_HASH];
    ix_objkey_hash(key, hash);
    MDB_val k = {IX_OBJKEY_HASH, hash}, v;
    return mdb_get(txn, e->objkeys, &k, &v) == 0;
}

/* Splits an ops key into service, name and kind; false if malformed. */
static bool ops_split(const MDB_val *k, pb_bytes *service, pb_bytes *name, int *kind)
{
    const uint8_t *p = k->mv_data, *end = p + k->mv_size;
    const uint8_t *nul = k->mv_size >= 3 ? memchr(p, 0, k->mv_size - 2) : NULL;
    if (!nul || end[-2] != 0)
        return false;
    *service = (pb_bytes){p, (size_t)(nul - p)};
    *name = (pb_bytes){nul + 1, (size_t)(end - 2 - (nul + 1))};
    *kind = end[-1];
    return true;
}

int ix_services(ix_env *e, MDB_txn *txn, ix_name_fn fn, void *arg)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, e->ops, &c);
    if (rc != 0)
        return rc;
    MDB_val k, v;
    uint8_t next[IX_NAME_MAX + 2];
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;) {
        pb_bytes service, name;
        int kind;
        if (!ops_split(&k, &service, &name, &kind)) {
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
            continue;
        }
        if (fn(arg, service, -1) != 0 || service.len + 1 >= sizeof(next))
            break;
        /* Jump past every key of this service: "service\x01" sorts after them. */
        memcpy(next, service.ptr, service.len);
        next[service.len] = 1;
        k = (MDB_val){service.len + 1, next};
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int ix_operations(ix_env *e, MDB_txn *txn, const char *service, ix_name_fn fn, void *arg)
{
    size_t sl = strlen(service);
    uint8_t start[IX_NAME_MAX + 2];
    if (sl + 1 > sizeof(start))
        return 0;
    memcpy(start, service, sl);
    start[sl] = 0;
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, e->ops, &c);
    if (rc != 0)
        return rc;
    MDB_val k = {sl + 1, start}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        pb_bytes s, name;
        int kind;
        if (!ops_split(&k, &s, &name, &kind))
            continue;
        if (s.len != sl || memcmp(s.ptr, service, sl) != 0 || fn(arg, name, kind) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}
