/*
 * lru.c: the bounded LRU map (lru.h): a slab of slots chained in use
 * order and in hash buckets. Keys up to INLINE_KEY bytes (trace ids) are
 * kept in the slot; longer ones are allocated.
 */
#include "lru.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define INLINE_KEY 16

typedef struct slot {
    uint64_t hash;
    uint8_t small[INLINE_KEY];
    uint8_t *big; /* keys longer than INLINE_KEY */
    uint32_t len;
    uint32_t prev, next, chain;
    bool value;
} slot;

struct ts_lru {
    slot *slots;
    uint32_t *buckets;
    size_t cap, nbuckets, used;
    uint32_t head, tail; /* most and least recent */
};

static uint64_t hash_of(const void *key, size_t len)
{
    const uint8_t *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static const uint8_t *key_of(const slot *s)
{
    return s->len > INLINE_KEY ? s->big : s->small;
}

ts_lru *ts_lru_new(size_t capacity)
{
    ts_lru *c = calloc(1, sizeof(*c));
    if (!c || capacity == 0 || capacity >= NIL)
        goto out_free;
    c->cap = capacity;
    c->nbuckets = 1;
    while (c->nbuckets < capacity)
        c->nbuckets *= 2;
    c->slots = calloc(capacity, sizeof(*c->slots));
    c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
    if (!c->slots || !c->buckets)
        goto out_free;
    memset(c->buckets, 0xff, c->nbuckets * sizeof(*c->buckets));
    c->head = c->tail = NIL;
    return c;
out_free:
    ts_lru_free(c);
    return NULL;
}

void ts_lru_free(ts_lru *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->slots && i < c->used; i++)
        free(c->slots[i].big);
    free(c->slots);
    free(c->buckets);
    free(c);
}

size_t ts_lru_len(const ts_lru *c)
{
    return c->used;
}

static uint32_t find(const ts_lru *c, const void *key, size_t len, uint64_t h)
{
    for (uint32_t i = c->buckets[h & (c->nbuckets - 1)]; i != NIL; i = c->slots[i].chain) {
        const slot *s = &c->slots[i];
        if (s->hash == h && s->len == len && memcmp(key_of(s), key, len) == 0)
            return i;
    }
    return NIL;
}

static void unlink_use(ts_lru *c, uint32_t i)
{
    slot *s = &c->slots[i];
    if (s->prev != NIL)
        c->slots[s->prev].next = s->next;
    else
        c->head = s->next;
    if (s->next != NIL)
        c->slots[s->next].prev = s->prev;
    else
        c->tail = s->prev;
}

static void push_front(ts_lru *c, uint32_t i)
{
    slot *s = &c->slots[i];
    s->prev = NIL;
    s->next = c->head;
    if (c->head != NIL)
        c->slots[c->head].prev = i;
    c->head = i;
    if (c->tail == NIL)
        c->tail = i;
}

static void unlink_chain(ts_lru *c, uint32_t i)
{
    uint32_t *at = &c->buckets[c->slots[i].hash & (c->nbuckets - 1)];
    while (*at != i)
        at = &c->slots[*at].chain;
    *at = c->slots[i].chain;
}

bool ts_lru_get(ts_lru *c, const void *key, size_t len, bool *value)
{
    uint32_t i = find(c, key, len, hash_of(key, len));
    if (i == NIL)
        return false;
    unlink_use(c, i);
    push_front(c, i);
    if (value)
        *value = c->slots[i].value;
    return true;
}

/* A slot for a new key: a free one, or the least recent one emptied. */
static uint32_t take_slot(ts_lru *c)
{
    if (c->used < c->cap)
        return (uint32_t)c->used++;
    uint32_t i = c->tail;
    unlink_use(c, i);
    unlink_chain(c, i);
    free(c->slots[i].big);
    c->slots[i].big = NULL;
    return i;
}

int ts_lru_put(ts_lru *c, const void *key, size_t len, bool value)
{
    uint64_t h = hash_of(key, len);
    uint32_t i = find(c, key, len, h);
    if (i != NIL) {
        c->slots[i].value = value;
        unlink_use(c, i);
        push_front(c, i);
        return 0;
    }
    uint8_t *big = len > INLINE_KEY ? malloc(len) : NULL;
    if (len > INLINE_KEY && !big)
        return -1;
    i = take_slot(c);
    slot *s = &c->slots[i];
    s->hash = h;
    s->len = (uint32_t)len;
    s->big = big;
    memcpy(big ? big : s->small, key, len);
    s->value = value;
    s->chain = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = i;
    push_front(c, i);
    return 0;
}
