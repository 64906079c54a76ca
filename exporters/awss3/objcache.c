/*
 * objcache.c: an LRU of decoded objects with a hash table over their keys.
 */
#include "objcache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024

struct awss3_objcache {
    pthread_mutex_t mu;
    size_t max_bytes, bytes;
    awss3_obj *buckets[NBUCKETS];
    awss3_obj *newest, *oldest;
};

static size_t bucket_of(const char *key)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h % NBUCKETS);
}

static void obj_free(awss3_obj *o)
{
    free(o->pb);
    free(o->key);
    free(o);
}

void awss3_obj_unref(awss3_obj *o)
{
    if (o && atomic_fetch_sub(&o->refs, 1) == 1)
        obj_free(o);
}

awss3_objcache *awss3_objcache_new(size_t max_bytes)
{
    awss3_objcache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void lru_unlink(awss3_objcache *c, awss3_obj *o)
{
    if (o->lru_prev)
        o->lru_prev->lru_next = o->lru_next;
    else
        c->newest = o->lru_next;
    if (o->lru_next)
        o->lru_next->lru_prev = o->lru_prev;
    else
        c->oldest = o->lru_prev;
    o->lru_prev = o->lru_next = NULL;
}

static void lru_push(awss3_objcache *c, awss3_obj *o)
{
    o->lru_prev = NULL;
    o->lru_next = c->newest;
    if (c->newest)
        c->newest->lru_prev = o;
    c->newest = o;
    if (!c->oldest)
        c->oldest = o;
}

static awss3_obj *find(awss3_objcache *c, const char *key)
{
    for (awss3_obj *o = c->buckets[bucket_of(key)]; o; o = o->chain)
        if (strcmp(o->key, key) == 0)
            return o;
    return NULL;
}

/* Takes o out of the table and the list; returns the cache's reference. */
static awss3_obj *evict(awss3_objcache *c, awss3_obj *o)
{
    for (awss3_obj **p = &c->buckets[bucket_of(o->key)]; *p; p = &(*p)->chain) {
        if (*p == o) {
            *p = o->chain;
            break;
        }
    }
    lru_unlink(c, o);
    c->bytes -= o->len;
    return o;
}

void awss3_objcache_free(awss3_objcache *c)
{
    if (!c)
        return;
    while (c->oldest)
        awss3_obj_unref(evict(c, c->oldest));
    pthread_mutex_destroy(&c->mu);
    free(c);
}

awss3_obj *awss3_objcache_get(awss3_objcache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    awss3_obj *o = find(c, key);
    if (o) {
        atomic_fetch_add(&o->refs, 1);
        lru_unlink(c, o);
        lru_push(c, o);
    }
    pthread_mutex_unlock(&c->mu);
    return o;
}

static awss3_obj *obj_new(const char *key, uint8_t *pb, size_t len)
{
    awss3_obj *o = calloc(1, sizeof(*o));
    char *k = strdup(key);
    if (!o || !k) {
        free(o);
        free(k);
        free(pb);
        return NULL;
    }
    atomic_init(&o->refs, 1);
    o->pb = pb;
    o->len = len;
    o->key = k;
    return o;
}

awss3_obj *awss3_objcache_put(awss3_objcache *c, const char *key, uint8_t *pb, size_t len)
{
    awss3_obj *o = obj_new(key, pb, len);
    if (!o || len > c->max_bytes)
        return o; /* too big to keep: the caller's alone */
    pthread_mutex_lock(&c->mu);
    while (c->oldest && c->bytes + len > c->max_bytes) {
        awss3_obj *victim = evict(c, c->oldest);
        pthread_mutex_unlock(&c->mu); /* the last reference may free it: not under the lock */
        awss3_obj_unref(victim);
        pthread_mutex_lock(&c->mu);
    }
    awss3_obj *had = find(c, key);
    if (had) {
        atomic_fetch_add(&had->refs, 1);
        pthread_mutex_unlock(&c->mu);
        awss3_obj_unref(o);
        return had;
    }
    size_t b = bucket_of(key);
    o->chain = c->buckets[b];
    c->buckets[b] = o;
    lru_push(c, o);
    c->bytes += len;
    atomic_fetch_add(&o->refs, 1); /* the cache's own */
    pthread_mutex_unlock(&c->mu);
    return o;
}
