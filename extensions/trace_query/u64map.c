/*
 * u64map.c: linear probing over a power-of-two table at most half full.
 */
#include "u64map.h"

#include <stdlib.h>

static size_t slot(uint64_t key, size_t mask)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 29) & mask;
}

bool u64map_init(u64map *m, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    m->keys = calloc(cap, sizeof(*m->keys));
    m->values = calloc(cap, sizeof(*m->values));
    m->mask = cap - 1;
    if (m->keys && m->values)
        return true;
    u64map_free(m);
    return false;
}

void u64map_free(u64map *m)
{
    free(m->keys);
    free(m->values);
    m->keys = NULL;
    m->values = NULL;
}

bool u64map_get(const u64map *m, uint64_t key, size_t *value)
{
    for (size_t i = slot(key, m->mask);; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) {
            *value = m->values[i];
            return true;
        }
        if (m->keys[i] == 0)
            return false;
    }
}

void u64map_put(u64map *m, uint64_t key, size_t value)
{
    size_t i = slot(key, m->mask);
    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & m->mask;
    m->keys[i] = key;
    m->values[i] = value;
}
