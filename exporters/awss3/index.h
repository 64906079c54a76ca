/*
 * index.h: the exporter's span index, an LMDB environment of its own.
 *
 * What is stored (named databases):
 *   spans    start(8, big-endian) trace(16) span(8) -> the span's summary
 *            (parent, duration, object id, kind, status, service, name):
 *            the time-ordered list that /spans and searches walk
 *   traces   trace(16) -> earliest start, latest end, ids of the objects
 *            holding its spans
 *   objects  id(8, big-endian, in order of indexing) -> stored time, size,
 *            span count, object key
 *   objkeys  SHA-256(key)[0..16] -> id: an object indexed twice (a batch
 *            uploaded again after a restart) is indexed once
 *   byobj    id -> the object's span keys, packed in key order: what
 *            removing an object removes
 *   ops      service NUL name NUL kind -> last time seen: services and
 *            operations
 *   meta     schema version, next object id
 * Attributes are not indexed: whoever needs them reads the object.
 *
 * Bounds: objects are removed oldest first once stored longer than the
 * retention or while the used pages exceed max_size (down to 90% of it).
 *
 * Threads: the environment is opened with MDB_NOTLS, so read transactions
 * may run on any thread (keep them short); every write transaction runs
 * on one thread, the index writer's.
 */
#ifndef OTELC_AWSS3_INDEX_H
#define OTELC_AWSS3_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include <otelc/sdk/pbwire.h>

#define IX_SPAN_KEY 32       /* start, trace id, span id */
#define IX_NAME_MAX 256      /* longest service or span name kept */
#define IX_TRACE_OBJECTS 1024 /* objects remembered per trace */

typedef struct ix_env ix_env;

typedef struct ix_options {
    const char *directory; /* created (with parents) if missing */
    uint64_t max_size;     /* bytes of used pages */
    int64_t retention_ns;  /* how long an object stays indexed */
} ix_options;

/* One span's summary. service and name point into the request bytes it
 * was taken from (see summary.h). */
typedef struct ix_span {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8]; /* zeros for a root */
    uint64_t start_ns, end_ns;
    uint8_t kind, status; /* OTLP SpanKind, Status.StatusCode */
    pb_bytes service, name;
} ix_span;

/* An object as stored in the bucket. */
typedef struct ix_object {
    const char *key;
    int64_t stored_ns; /* time of its batch (the key's), unix ns */
    uint64_t size;     /* bytes in the bucket */
} ix_object;

/* A summary read back; strings point into the map and live only as long
 * as the read transaction. */
typedef struct ix_hit {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8];
    uint64_t start_ns, duration_ns;
    uint64_t obj; /* id of the object holding the span */
    uint8_t kind, status;
    pb_bytes service, name;
} ix_hit;

typedef struct ix_stats {
    uint64_t objects, spans, traces;
    uint64_t used_bytes;
} ix_stats;

/* ---- Environment (index.c) ---- */

/*
 * Opens (creating) the index under o->directory. An index of another
 * schema version is emptied. Returns 0 with *out owned by the caller, or
 * -1 with a one-line reason in err. Main thread.
 */
int ix_open(const ix_options *o, ix_env **out, char *err, size_t err_size);

/* Closes the environment; no transaction may be open. NULL is a no-op. */
void ix_close(ix_env *e);

/* Begins a read transaction (any thread; end it soon with ix_read_end). */
int ix_read_begin(ix_env *e, MDB_txn **txn);
void ix_read_end(MDB_txn *txn);

/* Begins the write transaction (index writer thread only). */
int ix_write_begin(ix_env *e, MDB_txn **txn);

/* Counts and used bytes as of txn. */
int ix_stats_get(ix_env *e, MDB_txn *txn, ix_stats *out);

/* ---- Writes (index_add.c, index_prune.c): writer thread, in a write txn ---- */

/*
 * Indexes object o and its n span summaries. *dup is set when the object
 * was indexed before (nothing is written then). Returns 0 or an MDB error
 * (MDB_MAP_FULL: prune and try again). spans is reordered.
 */
int ix_add(ix_env *e, MDB_txn *txn, const ix_object *o, ix_span *spans, size_t n, bool *dup);

/*
 * Removes objects past the retention, and the oldest ones while the used
 * pages exceed max_size (then down to 90% of it), at most budget objects.
 * force_bytes > 0 asks to free at least that much beyond the rule (after
 * MDB_MAP_FULL). Also forgets operations not seen within the retention.
 * Sets *removed. Returns 0 or an MDB error.
 */
int ix_prune(ix_env *e, MDB_txn *txn, int64_t now_ns, size_t budget, uint64_t force_bytes,
             size_t *removed);

/* Empties every database (reindex from scratch). */
int ix_clear(ix_env *e, MDB_txn *txn);

/* ---- Reads (index_read.c): any thread, in a read txn ---- */

/* Called per summary; return non-zero to stop the scan. */
typedef int (*ix_scan_fn)(void *arg, const ix_hit *h);

/*
 * Visits summaries whose start lies in [lo_ns, hi_ns], newest first.
 * Returns 0 (also when fn stopped it) or an MDB error.
 */
int ix_scan(ix_env *e, MDB_txn *txn, uint64_t lo_ns, uint64_t hi_ns, ix_scan_fn fn, void *arg);

/* A trace's entry: the ids of its objects, oldest first. */
typedef struct ix_trace {
    uint64_t min_start_ns, max_end_ns;
    size_t nobjects;
    uint64_t objects[IX_TRACE_OBJECTS];
} ix_trace;

/* Fills *out. Returns 0, MDB_NOTFOUND, or an MDB error. */
int ix_trace_get(ix_env *e, MDB_txn *txn, const uint8_t trace_id[16], ix_trace *out);

/* The key of object id into key (size bytes). Returns 0, MDB_NOTFOUND,
 * or an MDB error (MDB_BAD_VALSIZE when key is too small). */
int ix_object_key(ix_env *e, MDB_txn *txn, uint64_t id, char *key, size_t size);

/* True when the object with this key is indexed. */
bool ix_has_object(ix_env *e, MDB_txn *txn, const char *key);

/* Visits each service once, in byte order; name lives during the call. */
typedef int (*ix_name_fn)(void *arg, pb_bytes name, int kind);
int ix_services(ix_env *e, MDB_txn *txn, ix_name_fn fn, void *arg);

/* Visits the (operation, kind) pairs of a service, in byte order. */
int ix_operations(ix_env *e, MDB_txn *txn, const char *service, ix_name_fn fn, void *arg);

#endif /* OTELC_AWSS3_INDEX_H */
