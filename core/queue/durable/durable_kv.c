/*
 * durable_kv.c: key-value tables of components in a file_storage
 * directory (the storage service, OTELC_SERVICE_STORAGE). A table is an
 * LMDB database "kv:<owner>/<name>" beside the queues' tables; commits go
 * through the store's writer, so they share the queues' group commit and
 * fsync, and a commit's callback runs once it is on disk.
 */
#include "durable_kv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct durable_kv {
    durable_store *store; /* a reference */
    MDB_dbi dbi;
};

/* ---- opening: the table is created by the writer ---- */

typedef struct open_op {
    dw_op op;
    const char *name;
    MDB_dbi dbi;
} open_op;

static int apply_open(dw_op *op, MDB_txn *txn)
{
    open_op *o = (open_op *)op;
    return mdb_dbi_open(txn, o->name, MDB_CREATE, &o->dbi);
}

durable_kv *durable_kv_open(durable_store *s, const char *owner, const char *table, char *err,
                            size_t errlen)
{
    char name[512];
    if (snprintf(name, sizeof(name), "kv:%s/%s", owner, table) >= (int)sizeof(name)) {
        snprintf(err, errlen, "table name too long");
        return NULL;
    }
    open_op o = {.op = {.apply = apply_open}, .name = name};
    int rc = durable_store_env(s) ? dw_run(durable_store_writer(s), &o.op) : ESHUTDOWN;
    durable_kv *kv = rc == 0 ? malloc(sizeof(*kv)) : NULL;
    if (!kv) {
        snprintf(err, errlen, "directory %s: cannot open table %s: %s", durable_store_dir(s),
                 name, rc == ESHUTDOWN ? "the storage is not open" : rc ? mdb_strerror(rc)
                                                                        : "no memory");
        return NULL;
    }
    kv->store = durable_store_ref(s);
    kv->dbi = o.dbi;
    return kv;
}

void durable_kv_close(durable_kv *kv)
{
    if (!kv)
        return;
    durable_store_unref(kv->store);
    free(kv);
}

/* ---- commits ---- */

/* One commit: the ops and a copy of their bytes in one allocation. */
typedef struct commit_op {
    dw_op op;
    MDB_dbi dbi;
    size_t n;
    void (*done)(void *arg, int status);
    void *arg;
    otelc_storage_op ops[];
} commit_op;

static int apply_commit(dw_op *op, MDB_txn *txn)
{
    commit_op *c = (commit_op *)op;
    for (size_t i = 0; i < c->n; i++) {
        const otelc_storage_op *o = &c->ops[i];
        MDB_val k = {o->key_len, (void *)o->key}, v = {o->value_len, (void *)o->value};
        int rc = o->value ? mdb_put(txn, c->dbi, &k, &v, 0) : mdb_del(txn, c->dbi, &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

static void commit_done(dw_op *op, int rc)
{
    commit_op *c = (commit_op *)op;
    c->done(c->arg, rc == 0 ? 0 : rc > 0 ? rc : EIO);
    free(c);
}

/* The ops with their keys and values copied behind them. */
static commit_op *commit_new(const otelc_storage_op *ops, size_t n)
{
    size_t bytes = sizeof(commit_op) + n * sizeof(otelc_storage_op);
    for (size_t i = 0; i < n; i++)
        bytes += ops[i].key_len + (ops[i].value ? ops[i].value_len : 0);
    commit_op *c = malloc(bytes);
    if (!c)
        return NULL;
    uint8_t *p = (uint8_t *)&c->ops[n];
    for (size_t i = 0; i < n; i++) {
        c->ops[i] = ops[i];
        c->ops[i].key = memcpy(p, ops[i].key, ops[i].key_len);
        p += ops[i].key_len;
        if (ops[i].value) {
            c->ops[i].value = memcpy(p, ops[i].value, ops[i].value_len);
            p += ops[i].value_len;
        }
    }
    c->n = n;
    return c;
}

int durable_kv_commit(durable_kv *kv, const otelc_storage_op *ops, size_t n,
                      void (*done)(void *arg, int status), void *arg)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i].key_len == 0 || ops[i].key_len > DURABLE_KV_MAX_KEY)
            return -1;
    commit_op *c = commit_new(ops, n);
    if (!c)
        return -1;
    c->op = (dw_op){.apply = apply_commit, .done = commit_done};
    c->dbi = kv->dbi;
    c->done = done;
    c->arg = arg;
    dw_submit(durable_store_writer(kv->store), &c->op); /* ESHUTDOWN reaches done */
    return 0;
}

/* ---- reading ---- */

int durable_kv_scan(durable_kv *kv,
                    int (*fn)(void *arg, const void *key, size_t key_len, const void *value,
                              size_t value_len),
                    void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    if (durable_store_read_begin(kv->store, &txn) != 0)
        return -1;
    int rc = mdb_cursor_open(txn, kv->dbi, &cur);
    MDB_val k, v;
    for (int at = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : rc; at == 0;
         at = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (fn(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size) != 0)
            break;
    if (rc == 0)
        mdb_cursor_close(cur);
    durable_store_read_end(kv->store, txn);
    return rc == 0 ? 0 : -1;
}
