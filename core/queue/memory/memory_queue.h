/*
 * memory_queue.h: the in-memory sending_queue backend: a bounded FIFO of
 * batches, with read-side batching (sending_queue.batch). The sender
 * (sender.h) takes batches from it; exporter_queue.h is the front door.
 *
 * What a crash loses: everything in this queue. The durable backend
 * (sending_queue.storage: file_storage) is the answer to that.
 *
 * All functions are thread-safe; batches offered are referenced by the
 * queue (the caller's reference stays the caller's).
 */
#ifndef OTELC_CORE_QUEUE_MEMORY_QUEUE_H
#define OTELC_CORE_QUEUE_MEMORY_QUEUE_H

#include "queue/exporter_queue.h"
#include "queue/sender.h"

typedef struct memory_queue memory_queue;

/* cfg is copied; id names the exporter in logs (copied). NULL: no memory. */
memory_queue *memory_queue_new(const queue_cfg *cfg, const char *id, queue_export_fn export_fn,
                               void *arg);
/* Offers b (lent) to every queue of qs at once: all take it (OK) or none
 * (RETRY; on_space(space_arg) once there is room). Blocks while full if
 * every queue has block_on_overflow. */
otelc_status memory_offer(memory_queue *const *qs, size_t n, otelc_batch *b,
                          void (*on_space)(void *space_arg), void *space_arg);
int memory_queue_start(memory_queue *q);
/* Delivers what is queued until deadline_ns; returns the batches lost. */
uint64_t memory_queue_drain(memory_queue *q, int64_t deadline_ns);
void memory_queue_stats(memory_queue *q, queue_stats *out);
sender *memory_queue_sender(memory_queue *q);
void memory_queue_free(memory_queue *q);

#endif
