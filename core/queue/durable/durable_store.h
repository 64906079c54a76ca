/*
 * durable_store.h: one LMDB environment per file_storage directory,
 * shared by the durable queues that name that extension.
 *
 * Life: durable_store_new (no I/O) -> queues attach (their budgets size
 * the map) -> durable_store_open (locks the directory, opens and checks
 * the environment, rebuilds every attached queue from disk, starts the
 * writer) -> ... -> durable_store_close (commits what is submitted,
 * closes) -> the last durable_store_unref frees it. The store is
 * refcounted because queues and the extension let go of it in either
 * order.
 *
 * On disk the directory holds data.mdb and lock.mdb (LMDB's) and
 * otelc.lock, on which the store holds an exclusive flock(2) while open,
 * so a second process (or a second extension naming the same directory)
 * is refused with a message naming the directory.
 */
#ifndef OTELC_CORE_DURABLE_STORE_H
#define OTELC_CORE_DURABLE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "durable_writer.h"

typedef struct durable_store durable_store;
typedef struct durable_queue durable_queue;
struct metrics_registry;
struct admin_server;

typedef struct durable_store_cfg {
    const char *directory;   /* copied */
    int64_t lock_timeout_ns; /* how long to wait for the directory lock */
    bool fsync;              /* false: MDB_NOSYNC (a machine crash may lose commits) */
    bool create_directory;   /* mkdir -p with dir_mode when missing */
    unsigned dir_mode;       /* e.g. 0750 */
    bool recreate;           /* a data.mdb LMDB cannot read is moved aside at open */
} durable_store_cfg;

/* A closed store named name (the extension id, for logs and metrics).
 * Both are copied. One reference; NULL if memory ran out. */
durable_store *durable_store_new(const char *name, const durable_store_cfg *cfg);

/* Where the store and its queues register metrics and admin routes (may
 * be NULL: none). Borrowed; must outlive the store. Before attaching. */
void durable_store_set_host(durable_store *s, struct metrics_registry *m,
                            struct admin_server *a);

durable_store *durable_store_ref(durable_store *s);
/* Drops a reference; the last one closes (if open) and frees. */
void durable_store_unref(durable_store *s);

/* Adds q (borrowed until durable_queue_free detaches it) before open.
 * 0, or -1 if the store is open already or memory ran out. */
int durable_store_attach(durable_store *s, durable_queue *q);
void durable_store_detach(durable_store *s, durable_queue *q);

/* Opens the environment (see above). On failure returns -1 with a
 * message naming the directory in err. Main thread. */
int durable_store_open(durable_store *s, char *err, size_t errlen);

/* Stops the writer after it committed what was submitted, closes the
 * environment and releases the lock. Queues must not use it any more.
 * Idempotent. Main thread. */
void durable_store_close(durable_store *s);

/* A short read transaction: begins one (0, or an LMDB code / ESHUTDOWN
 * when the store is closed) and must be ended with read_end on the same
 * thread soon; close waits for it. Any thread. */
int durable_store_read_begin(durable_store *s, MDB_txn **txn);
void durable_store_read_end(durable_store *s, MDB_txn *txn);

/* mdb_reader_check: clears reader slots of processes that died inside a
 * read transaction; *dead gets how many. 0 or an LMDB code. Any thread. */
int durable_store_reader_check(durable_store *s, int *dead);

/* Accessors. env is valid while open; the writer from open until the
 * store is freed (refusing work once closed); the rest always. */
MDB_env *durable_store_env(durable_store *s);
durable_writer *durable_store_writer(durable_store *s);
unsigned durable_store_page_size(durable_store *s);
const char *durable_store_name(durable_store *s);
const char *durable_store_dir(durable_store *s);
struct metrics_registry *durable_store_metrics(durable_store *s);
struct admin_server *durable_store_admin(durable_store *s);

/* Calls fn for every attached queue, under the store's lock (fn must not
 * attach or detach). Any thread. */
void durable_store_each(durable_store *s, void (*fn)(void *arg, durable_queue *q), void *arg);

#endif
