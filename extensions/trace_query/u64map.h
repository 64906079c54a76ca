/*
 * u64map.h: a fixed-capacity hash map from non-zero 64-bit keys to
 * size_t values (open addressing), for per-query lookups: object ids to
 * their slot, span ids to the spans a query picked.
 * One thread at a time.
 */
#ifndef OTELC_TQ_U64MAP_H
#define OTELC_TQ_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct u64map {
    uint64_t *keys; /* 0: free */
    size_t *values;
    size_t mask;
} u64map;

/* A map for up to n keys. false if memory ran out. */
bool u64map_init(u64map *m, size_t n);
void u64map_free(u64map *m);

/* The value of key (non-zero) in *value; false when absent. */
bool u64map_get(const u64map *m, uint64_t key, size_t *value);

/* Sets key's value (adding the key); the map must not be full. */
void u64map_put(u64map *m, uint64_t key, size_t value);

#endif /* OTELC_TQ_U64MAP_H */
