/*
 * batch.h: the host's batches (see otelc/plugin.h for the contract).
 *
 * A batch is a refcounted, immutable chain of byte segments holding one
 * serialized ExportTraceServiceRequest. A leaf batch owns one buffer it
 * adopted or copied; a merged batch holds references to the leaves whose
 * segments it lists, never to other merged batches, so chains stay flat
 * however often batches are merged. All functions are thread-safe.
 */
#ifndef OTELC_CORE_BATCH_H
#define OTELC_CORE_BATCH_H

#include <otelc/plugin.h>

/* Takes ownership of buf (freed with free_fn(free_arg, buf) when the last
 * reference goes; free_fn NULL means free()). meta is copied (may be NULL).
 * Returns a batch with one reference, or NULL (buf NOT taken). */
otelc_batch *batch_adopt(uint8_t *buf, size_t len, uint32_t spans,
                         void (*free_fn)(void *free_arg, void *buf), void *free_arg,
                         const otelc_batch_meta *meta);

/* Copies len bytes of buf. Returns a batch with one reference, or NULL. */
otelc_batch *batch_copy(const uint8_t *buf, size_t len, uint32_t spans,
                        const otelc_batch_meta *meta);

/* Concatenation of parts[0..n) (n >= 1) without copying bytes; metadata
 * from parts[0] with the earliest received_ns. The parts stay the
 * caller's. Returns a batch with one reference, or NULL. */
otelc_batch *batch_merge(otelc_batch *const *parts, size_t n);

/* A copy of b's bytes and counts with new metadata (the queue stamps the
 * recorded batch id and enqueue time this way). Shares b's segments. */
otelc_batch *batch_with_meta(otelc_batch *b, const otelc_batch_meta *meta);

/* Live batches (for leak checks in tests and a gauge in /metrics). */
long batch_live_count(void);

#endif
