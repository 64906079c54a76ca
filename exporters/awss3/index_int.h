/*
 * index_int.h: the index's environment and record layouts, shared by
 * index*.c only.
 *
 * Integers in keys are big-endian so that LMDB's byte order is numeric
 * order; integers in values are little-endian.
 */
#ifndef OTELC_AWSS3_INDEX_INT_H
#define OTELC_AWSS3_INDEX_INT_H

#include "index.h"

#define IX_SCHEMA 2 /* 2: byobj holds one row of packed span keys per object */
#define IX_OBJKEY_HASH 16 /* bytes of SHA-256 kept per object key */

/* Span value: parent(8) duration(8) object(8) kind(1) status(1)
 * service length(2) name length(2), then both strings. */
#define IX_SPAN_FIXED 30
/* Object value: stored(8) size(8) spans(4), then the key. */
#define IX_OBJ_FIXED 20
/* Trace value: min start(8) max end(8), then object ids (8 each). */
#define IX_TRACE_FIXED 16

struct ix_env {
    MDB_env *env;
    MDB_dbi spans, traces, objects, objkeys, byobj, ops, meta;
    uint64_t max_size;
    int64_t retention_ns;
    uint64_t next_object; /* writer thread */
    bool shrinking;       /* writer thread: pruning down to 90% of max_size */
    int64_t ops_pruned_ns; /* writer thread: when operations were last pruned */
};

static inline void ix_put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline uint64_t ix_get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static inline void ix_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t ix_get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline void ix_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline uint16_t ix_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* The objkeys key of an object key. */
void ix_objkey_hash(const char *key, uint8_t out[IX_OBJKEY_HASH]);

/* Fills h from a spans record; false when the record is malformed. */
bool ix_hit_decode(const MDB_val *k, const MDB_val *v, ix_hit *h);

/* Used pages of every database, in bytes. */
int ix_used_bytes(ix_env *e, MDB_txn *txn, uint64_t *out);

#endif /* OTELC_AWSS3_INDEX_INT_H */
