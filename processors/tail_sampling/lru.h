/*
 * lru.h: a bounded least-recently-used map from byte strings to a flag:
 * the decision caches (trace id -> decided) and the string_attribute
 * policy's cache of regex results (value -> matched). Keys are copied.
 * Not thread-safe: its owner serializes calls.
 */
#ifndef OTELC_TS_LRU_H
#define OTELC_TS_LRU_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ts_lru ts_lru;

/* A map holding at most capacity keys (>= 1); NULL if memory ran out.
 * Its slots are allocated once, here. */
ts_lru *ts_lru_new(size_t capacity);
void ts_lru_free(ts_lru *c);

/* Whether key is there; if so *value (may be NULL) gets its flag and the
 * key becomes the most recent. */
bool ts_lru_get(ts_lru *c, const void *key, size_t len, bool *value);
/* Sets key's flag, making it the most recent; the least recent key goes
 * when the map is full. 0, or -1 if memory for a long key ran out. */
int ts_lru_put(ts_lru *c, const void *key, size_t len, bool value);
size_t ts_lru_len(const ts_lru *c);

#endif /* OTELC_TS_LRU_H */
