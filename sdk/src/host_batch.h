/*
 * host_batch.h: the one implementation of batches (see otelc/plugin.h for
 * the contract), private to the SDK's sources: the host (core/) creates its
 * batches with it, and so does the test kit, so that a plugin tested in
 * the kit meets the very batches the daemon hands it. Not installed; the
 * symbols are hidden like the rest of libotelc_sdk.a, and a plugin reaches
 * batches only through the host table and the ops each batch carries.
 *
 * A batch is a refcounted, immutable chain of byte segments holding one
 * serialized ExportTraceServiceRequest. A leaf batch owns one buffer it
 * adopted or copied; a merged batch holds references to the leaves whose
 * segments it lists, never to other merged batches, so chains stay flat
 * however often batches are merged. All functions are thread-safe.
 */
#ifndef OTELC_SDK_HOST_BATCH_H
#define OTELC_SDK_HOST_BATCH_H

#include <otelc/plugin.h>

/* Takes ownership of buf (freed with free_fn(free_arg, buf) when the last
 * reference goes; free_fn NULL means free()). meta is copied (may be NULL).
 * Returns a batch with one reference, or NULL (buf NOT taken). */
otelc_batch *otelc_hbatch_adopt(uint8_t *buf, size_t len, uint32_t spans,
                         void (*free_fn)(void *free_arg, void *buf), void *free_arg,
                         const otelc_batch_meta *meta);

/* Copies len bytes of buf. Returns a batch with one reference, or NULL. */
otelc_batch *otelc_hbatch_copy(const uint8_t *buf, size_t len, uint32_t spans,
                        const otelc_batch_meta *meta);

/* Concatenation of parts[0..n) (n >= 1) without copying bytes; metadata
 * from parts[0] with the earliest received_ns. The parts stay the
 * caller's. Returns a batch with one reference, or NULL. */
otelc_batch *otelc_hbatch_merge(otelc_batch *const *parts, size_t n);

/* A copy of b's bytes and counts with new metadata (the queue stamps the
 * recorded batch id and enqueue time this way). Shares b's segments. */
otelc_batch *otelc_hbatch_with_meta(otelc_batch *b, const otelc_batch_meta *meta);

/* Live batches (for leak checks in tests and a gauge in /metrics). */
long otelc_hbatch_live(void);

#endif
