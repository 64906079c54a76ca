/*
 * table.h: an intrusive hash table keyed by byte strings.
 *
 * The connectors keep their series, resources and store entries in these
 * tables. An entry is embedded at the start of the caller's struct, which
 * also owns the key bytes (usually allocated right after the struct); the
 * table holds pointers only and never frees entries. Keys are hashed with
 * XXH3 seeded from the kernel's random source at init, so values an
 * outsider controls (dimension values, ids) cannot be chosen to collide.
 *
 * Threads: none; callers serialise access.
 */
#ifndef OTLPMETRICS_TABLE_H
#define OTLPMETRICS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct otlpm_entry {
    struct otlpm_entry *next;
    uint64_t hash;
    const uint8_t *key; /* the caller's bytes, alive as long as the entry */
    size_t klen;
} otlpm_entry;

typedef struct otlpm_table {
    otlpm_entry **buckets;
    size_t nbuckets; /* a power of two, or 0 before the first insert */
    size_t count;
    uint64_t seed;
} otlpm_table;

/* An empty table with a fresh random seed. */
void otlpm_table_init(otlpm_table *t);
/* Frees the bucket array (not the entries: they are the caller's). */
void otlpm_table_free(otlpm_table *t);

uint64_t otlpm_table_hash(const otlpm_table *t, const void *key, size_t klen);
/* The entry with this key, or NULL. hash from otlpm_table_hash. */
otlpm_entry *otlpm_table_find(const otlpm_table *t, uint64_t hash, const void *key,
                              size_t klen);
/* Adds e (its hash, key and klen set; no entry with that key present).
 * 0, or -1 if growing the table failed (then e was not added). */
int otlpm_table_insert(otlpm_table *t, otlpm_entry *e);
/* Removes e, which is in t. */
void otlpm_table_remove(otlpm_table *t, otlpm_entry *e);

/* Iteration that survives removing the current entry:
 *   otlpm_iter it; otlpm_iter_init(&it, t);
 *   for (otlpm_entry *e; (e = otlpm_iter_next(&it));) ... */
typedef struct otlpm_iter {
    const otlpm_table *t;
    size_t bucket;
    otlpm_entry *next;
} otlpm_iter;
void otlpm_iter_init(otlpm_iter *it, const otlpm_table *t);
otlpm_entry *otlpm_iter_next(otlpm_iter *it);

#endif /* OTLPMETRICS_TABLE_H */
