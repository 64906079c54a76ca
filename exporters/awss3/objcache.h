/*
 * objcache.h: decoded objects (request bytes) kept in memory for the
 * query API, least recently used first out, bounded in bytes. Entries are
 * reference-counted: one a query holds stays valid after eviction until
 * the query lets go.
 *
 * Threads: every function may be called from any thread.
 */
#ifndef OTELC_AWSS3_OBJCACHE_H
#define OTELC_AWSS3_OBJCACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct awss3_obj {
    atomic_int refs;
    uint8_t *pb; /* serialized ExportTraceServiceRequest */
    size_t len;
    char *key;
    /* The cache's. */
    struct awss3_obj *lru_prev, *lru_next, *chain;
} awss3_obj;

typedef struct awss3_objcache awss3_objcache;

/* A cache of at most max_bytes of decoded objects (0: caches nothing). */
awss3_objcache *awss3_objcache_new(size_t max_bytes);

/* Frees the cache; objects still held by callers live on until unref'd. */
void awss3_objcache_free(awss3_objcache *c);

/* The object cached under key with one reference for the caller, or NULL. */
awss3_obj *awss3_objcache_get(awss3_objcache *c, const char *key);

/*
 * Caches pb (len bytes, malloc'd: adopted) under key and returns it with
 * one reference for the caller. If another thread cached the key first,
 * pb is freed and that object is returned. NULL only when memory ran out
 * (pb is freed).
 */
awss3_obj *awss3_objcache_put(awss3_objcache *c, const char *key, uint8_t *pb, size_t len);

/* Drops a reference; the last one frees the object. NULL is a no-op. */
void awss3_obj_unref(awss3_obj *o);

#endif /* OTELC_AWSS3_OBJCACHE_H */
