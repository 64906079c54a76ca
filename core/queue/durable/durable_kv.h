/*
 * durable_kv.h: components' key-value tables in a file_storage directory,
 * the storage service's backend (otelc_storage in plugin.h). Each table
 * is an LMDB database of its own in the store's environment; commits go
 * through the store's writer (group commit), reads use short read
 * transactions. A table lives as long as the directory: closing a client
 * keeps its data.
 */
#ifndef OTELC_CORE_DURABLE_KV_H
#define OTELC_CORE_DURABLE_KV_H

#include <stddef.h>

#include <otelc/plugin.h>

#include "durable_store.h"

/* LMDB's default key size limit. */
#define DURABLE_KV_MAX_KEY 511
/* Tables a directory holds besides the queues' (LMDB fixes the number of
 * databases when the environment opens). */
#define DURABLE_KV_MAX_TABLES 32

typedef struct durable_kv durable_kv;

/* The table "kv:<owner>/<table>" of the open store s, created on first
 * use (a write transaction of its own). NULL with a reason in err when
 * the store is not open or LMDB refuses. Any thread but the writer's. */
durable_kv *durable_kv_open(durable_store *s, const char *owner, const char *table, char *err,
                            size_t errlen);
void durable_kv_close(durable_kv *kv);

/* otelc_storage.commit: ops copied; done(arg, 0 or an error) once, from
 * the writer thread, after the commit. -1 (done not called) for an empty
 * or too long key, or no memory. */
int durable_kv_commit(durable_kv *kv, const otelc_storage_op *ops, size_t n,
                      void (*done)(void *arg, int status), void *arg);

/* otelc_storage.scan. */
int durable_kv_scan(durable_kv *kv,
                    int (*fn)(void *arg, const void *key, size_t key_len, const void *value,
                              size_t value_len),
                    void *arg);

#endif
