/*
 * durable_format.h: the byte layout of the durable queue's LMDB records.
 * Pure functions, no I/O; every multi-byte number is little-endian except
 * keys, which are big-endian so that LMDB's byte order is numeric order.
 *
 * Entry (one committed request), table "entries:<exporter>":
 *   u8 magic 0xE1, u8 version, u16 npairs, u32 spans,
 *   i64 received_ns, i64 committed_ns, u32 meta_len, u8 signal, u8 zero[3],
 *   meta_len bytes of pairs (u16 klen, key, NUL, u16 vlen, value, NUL),
 *   then the request bytes exactly as offered. signal is the request's
 *   otelc_signal; entries written before signals existed hold 0 there,
 *   read as traces, so queues of earlier releases open and drain.
 * Composition (one outgoing batch, recorded before it is exported),
 * table "batches:<exporter>", keyed by its first entry id:
 *   u8 magic 0xB1, u8 version, u16 zero, u32 nranges, u64 batch_id,
 *   i64 enqueued_ns, nranges x (u64 first entry id, u32 count).
 * Dead letter (a batch refused for good), table "dead:<exporter>":
 *   u8 magic 0xD1, u8 version, u16 reason_len, u32 nentries, u64 batch_id,
 *   i64 enqueued_ns, i64 died_ns, u32 spans, u32 zero, the reason, then
 *   nentries x (u32 len, an entry as above).
 */
#ifndef OTELC_CORE_DURABLE_FORMAT_H
#define OTELC_CORE_DURABLE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#define DF_ENTRY_HDR 32u
#define DF_BATCH_HDR 24u
#define DF_RANGE_SIZE 12u
#define DF_DEAD_HDR 40u
#define DF_MAX_PAIRS 64u

/* A decoded entry; pointers point into the bytes it was decoded from. */
typedef struct df_entry {
    uint32_t spans; /* items: spans, data points or log records */
    otelc_signal signal;
    int64_t received_ns, committed_ns;
    size_t npairs;
    const uint8_t *meta; /* meta_len bytes; walk with df_pairs */
    size_t meta_len;
    const uint8_t *payload;
    size_t payload_len;
} df_entry;

typedef struct df_range {
    uint64_t first;
    uint32_t count;
} df_range;

typedef struct df_batch {
    uint64_t batch_id;
    int64_t enqueued_ns;
    size_t nranges;
    const uint8_t *ranges; /* read with df_batch_range */
} df_batch;

typedef struct df_dead {
    uint64_t batch_id;
    int64_t enqueued_ns, died_ns;
    uint32_t spans;
    size_t nentries;
    const char *reason; /* not NUL-terminated */
    size_t reason_len;
    const uint8_t *entries; /* walk with df_dead_next */
    size_t entries_len;
} df_dead;

/* Keys: 8 bytes big-endian. */
void df_key_put(uint8_t out[8], uint64_t id);
uint64_t df_key_get(const void *key, size_t len);

/* Bytes an entry of this metadata and payload takes. 0 if the metadata
 * cannot be encoded (too many pairs, a key or value over 65535 bytes). */
size_t df_meta_len(const otelc_batch_meta *meta);
size_t df_entry_len(size_t meta_len, size_t payload_len);

/* Writes the header and metadata of an entry into out (df_entry_len
 * bytes reserved); returns where the payload goes. */
uint8_t *df_entry_write_head(uint8_t *out, const otelc_batch_meta *meta, size_t meta_len,
                             uint32_t spans, int64_t committed_ns);

/* Decodes an entry; 0, or -1 if the bytes are not a well-formed entry. */
int df_entry_read(const uint8_t *p, size_t len, df_entry *out);

/* Fills pairs[0..e->npairs) with pointers into e's metadata (NUL-ended
 * strings); cap must be >= e->npairs. */
void df_pairs(const df_entry *e, otelc_kv *pairs, size_t cap);

/* Composition records. */
size_t df_batch_len(size_t nranges);
void df_batch_write(uint8_t *out, uint64_t batch_id, int64_t enqueued_ns, const df_range *r,
                    size_t n);
int df_batch_read(const uint8_t *p, size_t len, df_batch *out);
df_range df_batch_range(const df_batch *b, size_t i);

/* Dead letters: the header (the entries follow, each written with
 * df_dead_put_entry). */
size_t df_dead_len(size_t reason_len, size_t entries_bytes, size_t nentries);
uint8_t *df_dead_write_head(uint8_t *out, const df_dead *d);
uint8_t *df_dead_put_entry(uint8_t *out, const void *entry, size_t len);
int df_dead_read(const uint8_t *p, size_t len, df_dead *out);
/* Walks a dead letter's entries: *off starts at 0. Returns 1 with the
 * next entry's bytes, 0 at the end, -1 if malformed. */
int df_dead_next(const df_dead *d, size_t *off, const uint8_t **entry, size_t *len);

/* What an entry of value length len costs against max_disk_size: whole
 * pages once LMDB moves it to overflow pages, else its bytes plus the
 * node and key overhead with room for half-full leaf pages. */
uint64_t df_cost(size_t len, unsigned page_size);

/* 64-bit mix of a queue's epoch and an entry id: the batch id of a batch
 * that starts with that entry. */
uint64_t df_batch_id(uint64_t epoch, uint64_t first_entry);

#endif
