/* An intrusive, seeded hash table; see table.h. */
#include "table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xxhash.h>

void otlpm_table_init(otlpm_table *t)
{
    *t = (otlpm_table){0};
    if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed))
        t->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)t; /* early boot: still varies */
}

void otlpm_table_free(otlpm_table *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->nbuckets = t->count = 0;
}

uint64_t otlpm_table_hash(const otlpm_table *t, const void *key, size_t klen)
{
    return XXH3_64bits_withSeed(key, klen, t->seed);
}

otlpm_entry *otlpm_table_find(const otlpm_table *t, uint64_t hash, const void *key,
                              size_t klen)
{
    if (!t->nbuckets)
        return NULL;
    for (otlpm_entry *e = t->buckets[hash & (t->nbuckets - 1)]; e; e = e->next)
        if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0)
            return e;
    return NULL;
}

static int grow(otlpm_table *t)
{
    size_t n = t->nbuckets ? t->nbuckets * 2 : 64;
    otlpm_entry **b = calloc(n, sizeof(otlpm_entry *));
    if (!b)
        return -1;
    for (size_t i = 0; i < t->nbuckets; i++) {
        for (otlpm_entry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
    return 0;
}

int otlpm_table_insert(otlpm_table *t, otlpm_entry *e)
{
    /* a load factor of 1 keeps chains short without wasting much */
    if (t->count >= t->nbuckets && grow(t) != 0)
        return -1;
    otlpm_entry **head = &t->buckets[e->hash & (t->nbuckets - 1)];
    e->next = *head;
    *head = e;
    t->count++;
    return 0;
}

void otlpm_table_remove(otlpm_table *t, otlpm_entry *e)
{
    for (otlpm_entry **p = &t->buckets[e->hash & (t->nbuckets - 1)]; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            t->count--;
            return;
        }
    }
}

void otlpm_iter_init(otlpm_iter *it, const otlpm_table *t)
{
    *it = (otlpm_iter){.t = t, .bucket = 0, .next = t->nbuckets ? t->buckets[0] : NULL};
}

otlpm_entry *otlpm_iter_next(otlpm_iter *it)
{
    while (!it->next) {
        if (++it->bucket >= it->t->nbuckets)
            return NULL;
        it->next = it->t->buckets[it->bucket];
    }
    otlpm_entry *e = it->next;
    it->next = e->next;
    return e;
}
