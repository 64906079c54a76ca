/*
 * index.c: opening the index environment, its databases and schema.
 */
#include "index_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/sha.h>

#define MIN_MAP_SLACK (64ull << 20)

/* mkdir -p; 0 or -1 with errno set. */
static int make_dirs(const char *path)
{
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "%s", path);
    if (n <= 0 || (size_t)n >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int open_dbis(ix_env *e, MDB_txn *txn)
{
    struct {
        const char *name;
        MDB_dbi *dbi;
        unsigned flags;
    } dbs[] = {
        {"spans", &e->spans, 0},     {"traces", &e->traces, 0},
        {"objects", &e->objects, 0}, {"objkeys", &e->objkeys, 0},
        {"byobj", &e->byobj, 0},
        {"ops", &e->ops, 0},         {"meta", &e->meta, 0},
    };
    for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
        int rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE | dbs[i].flags, dbs[i].dbi);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int meta_get(ix_env *e, MDB_txn *txn, const char *name, uint64_t *out)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, e->meta, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        *out = ix_get_le64(v.mv_data);
    return rc == 0 && v.mv_size != 8 ? MDB_CORRUPTED : rc;
}

static int meta_put(ix_env *e, MDB_txn *txn, const char *name, uint64_t value)
{
    uint8_t buf[8];
    ix_put_le64(buf, value);
    MDB_val k = {strlen(name), (void *)name}, v = {8, buf};
    return mdb_put(txn, e->meta, &k, &v, 0);
}

/* Deletes every database, flags and all (another schema may have kept
 * other flags under the same name), and creates them afresh. */
static int drop_all(ix_env *e, MDB_txn *txn)
{
    MDB_dbi dbis[] = {e->spans, e->traces, e->objects, e->objkeys, e->byobj, e->ops, e->meta};
    for (size_t i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
        int rc = mdb_drop(txn, dbis[i], 1);
        if (rc != 0)
            return rc;
    }
    return open_dbis(e, txn);
}

/* Checks the schema version (emptying an index of another one) and loads
 * the next object id. */
static int load_meta(ix_env *e, MDB_txn *txn)
{
    uint64_t schema = 0, next = 1;
    int rc = meta_get(e, txn, "schema", &schema);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    if (schema != IX_SCHEMA) {
        rc = drop_all(e, txn);
        if (rc == 0)
            rc = meta_put(e, txn, "schema", IX_SCHEMA);
        if (rc != 0)
            return rc;
    }
    rc = meta_get(e, txn, "next_object", &next);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    e->next_object = next ? next : 1;
    return 0;
}

static int open_env(ix_env *e, const ix_options *o)
{
    uint64_t slack = o->max_size / 2 > MIN_MAP_SLACK ? o->max_size / 2 : MIN_MAP_SLACK;
    int rc = mdb_env_create(&e->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(e->env, 8);
    if (rc == 0)
        rc = mdb_env_set_mapsize(e->env, (size_t)(o->max_size + slack));
    if (rc == 0)
        rc = mdb_env_open(e->env, o->directory, MDB_NOTLS, 0644);
    if (rc != 0)
        return rc;
    MDB_txn *txn;
    rc = mdb_txn_begin(e->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    rc = open_dbis(e, txn);
    if (rc == 0)
        rc = load_meta(e, txn);
    if (rc == 0)
        return mdb_txn_commit(txn);
    mdb_txn_abort(txn);
    return rc;
}

int ix_open(const ix_options *o, ix_env **out, char *err, size_t err_size)
{
    ix_env *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, err_size, "index: out of memory");
        return -1;
    }
    e->max_size = o->max_size;
    e->retention_ns = o->retention_ns;
    if (make_dirs(o->directory) != 0) {
        snprintf(err, err_size, "index.directory %s: %s", o->directory, strerror(errno));
        free(e);
        return -1;
    }
    int rc = open_env(e, o);
    if (rc != 0) {
        snprintf(err, err_size, "index.directory %s: %s", o->directory, mdb_strerror(rc));
        ix_close(e);
        return -1;
    }
    *out = e;
    return 0;
}

void ix_close(ix_env *e)
{
    if (!e)
        return;
    if (e->env)
        mdb_env_close(e->env);
    free(e);
}

int ix_read_begin(ix_env *e, MDB_txn **txn)
{
    return mdb_txn_begin(e->env, NULL, MDB_RDONLY, txn);
}

void ix_read_end(MDB_txn *txn)
{
    if (txn)
        mdb_txn_abort(txn);
}

int ix_write_begin(ix_env *e, MDB_txn **txn)
{
    return mdb_txn_begin(e->env, NULL, 0, txn);
}

int ix_used_bytes(ix_env *e, MDB_txn *txn, uint64_t *out)
{
    MDB_dbi dbis[] = {e->spans, e->traces, e->objects, e->objkeys, e->byobj, e->ops, e->meta};
    uint64_t pages = 0, psize = 4096;
    for (size_t i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
        MDB_stat st;
        int rc = mdb_stat(txn, dbis[i], &st);
        if (rc != 0)
            return rc;
        pages += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
        psize = st.ms_psize;
    }
    *out = pages * psize;
    return 0;
}

int ix_stats_get(ix_env *e, MDB_txn *txn, ix_stats *out)
{
    MDB_stat st;
    memset(out, 0, sizeof(*out));
    int rc = mdb_stat(txn, e->objects, &st);
    out->objects = st.ms_entries;
    if (rc == 0 && (rc = mdb_stat(txn, e->spans, &st)) == 0)
        out->spans = st.ms_entries;
    if (rc == 0 && (rc = mdb_stat(txn, e->traces, &st)) == 0)
        out->traces = st.ms_entries;
    return rc == 0 ? ix_used_bytes(e, txn, &out->used_bytes) : rc;
}

void ix_objkey_hash(const char *key, uint8_t out[IX_OBJKEY_HASH])
{
    uint8_t md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)key, strlen(key), md);
    memcpy(out, md, IX_OBJKEY_HASH);
}

bool ix_hit_decode(const MDB_val *k, const MDB_val *v, ix_hit *h)
{
    const uint8_t *kp = k->mv_data, *vp = v->mv_data;
    if (k->mv_size != IX_SPAN_KEY || v->mv_size < IX_SPAN_FIXED)
        return false;
    size_t slen = ix_get_le16(vp + 26), nlen = ix_get_le16(vp + 28);
    if (v->mv_size != IX_SPAN_FIXED + slen + nlen)
        return false;
    h->start_ns = ix_get_be64(kp);
    memcpy(h->trace_id, kp + 8, 16);
    memcpy(h->span_id, kp + 24, 8);
    memcpy(h->parent_id, vp, 8);
    h->duration_ns = ix_get_le64(vp + 8);
    h->obj = ix_get_le64(vp + 16);
    h->kind = vp[24];
    h->status = vp[25];
    h->service = (pb_bytes){vp + IX_SPAN_FIXED, slen};
    h->name = (pb_bytes){vp + IX_SPAN_FIXED + slen, nlen};
    return true;
}
