/*
 * durable_queue.h: the sending_queue of one exporter kept in LMDB
 * (sending_queue.storage names a file_storage extension).
 *
 * The guarantee: an offered batch is committed in every durable queue it
 * is offered to before its completion fires (group commit, fsync unless
 * the extension says fsync: false); it is deleted only after the
 * exporter took it (OK). Consumers merge committed entries into batches
 * on the read side (sending_queue.batch), record each outgoing batch's
 * composition in a commit before exporting it, and after a restart
 * rebuild that very batch byte for byte with the same batch_id and
 * enqueued_ns. A batch refused for good (REJECT, or RETRY past
 * retry_on_failure.max_elapsed_time) moves to a dead-letter table, from
 * where it is listed, replayed or purged. max_disk_size is enforced by
 * byte accounting: at the budget offers answer RETRY and nothing
 * accepted is dropped.
 *
 * The exporter_queue functions forward here for durable queues; the
 * host calls these only through them. All functions are thread-safe
 * unless they say otherwise.
 */
#ifndef OTELC_CORE_DURABLE_QUEUE_H
#define OTELC_CORE_DURABLE_QUEUE_H

#include <lmdb.h>
#include <jansson.h>

#include "durable_store.h"
#include "queue/exporter_queue.h"

struct health_component;

/* A queue for exporter id on store st (referenced). cfg is copied;
 * export_fn(arg, ...) hands a batch to the exporter; hc (may be NULL)
 * gets "unhealthy" while the queue is at its disk budget. Registers the
 * dead-letter admin routes and the queue's metrics when the store has a
 * host. Attaches to st, which must not be open yet. Main thread. NULL on
 * failure (logged). */
durable_queue *durable_queue_new(durable_store *st, const queue_cfg *cfg, const char *id,
                                 queue_export_fn export_fn, void *arg,
                                 struct health_component *hc);

/* Starts the consumers; the store must be open. 0 or -1. Main thread. */
int durable_queue_start(durable_queue *q);

/* Offers b (lent; the queues take their own references) to every queue
 * of qs[0..n) at once: all reserve room or none does. Returns PENDING
 * and later calls done(done_arg, OK) once b is committed in all of them,
 * or done(done_arg, RETRY) if a commit failed. Returns RETRY at once when
 * a queue is at its budget or queue_size, or draining (on_space(space_arg)
 * then runs once there is room again, unless draining), and REJECT for a
 * batch that can never fit (larger than max_disk_size, or metadata that
 * cannot be stored). done runs on the writer thread. */
otelc_status durable_offer(durable_queue *const *qs, size_t n, otelc_batch *b,
                           void (*on_space)(void *space_arg), void *space_arg,
                           queue_done_fn done, void *done_arg);

/* The sender that takes the queue's batches out (pause, resume). */
struct sender;
struct sender *durable_queue_sender(durable_queue *q);

/* Stops accepting (offers answer RETRY), waits for commits in flight and
 * for exports in flight until deadline_ns (monotonic), then stops the
 * consumers; a batch still at the exporter is abandoned (it is on disk
 * and goes out again after a restart). Returns 0: nothing is lost. */
uint64_t durable_queue_drain(durable_queue *q, int64_t deadline_ns);

/* Fills the queue_stats fields (see exporter_queue.h). */
void durable_queue_stats(durable_queue *q, queue_stats *out);

/* Drops the in-memory copies of committed entries no consumer has taken
 * yet (they are read from disk when their turn comes) and returns the
 * bytes given back. Any thread. */
uint64_t durable_queue_release_memory(durable_queue *q);

/* Drains if needed, detaches from the store and frees. NULL allowed. */
void durable_queue_free(durable_queue *q);

const char *durable_queue_id(durable_queue *q);

/* ---- for the store ---- */

uint64_t durable_queue_budget(durable_queue *q);
uint32_t durable_queue_consumers(durable_queue *q);
/* Opens the queue's tables in txn (the store's open transaction) and
 * rebuilds its in-memory view. 0, or -1 with a message in err. */
int durable_queue_recover(durable_queue *q, MDB_txn *txn, char *err, size_t errlen);

/* ---- dead letters ---- */

/* The dead letters, oldest first, at most limit of them: a new JSON
 * object {"exporter","count","spans","bytes","deadletters":[{"id",
 * "batch_id","enqueued","died","reason","spans","bytes","entries"}]}, or
 * NULL if the store is closed or memory ran out. Any thread. */
json_t *durable_dead_list(durable_queue *q, size_t limit);

/* Replays dead letter id (0: all): its entries go back into the queue as
 * a recorded batch with the same batch_id and enqueued_ns. Calls
 * done(arg, rc, batches, spans) once from the writer thread. Any thread. */
typedef void (*durable_dead_done)(void *arg, int rc, uint64_t batches, uint64_t spans);
void durable_dead_replay(durable_queue *q, uint64_t id, durable_dead_done done, void *arg);

/* Deletes dead letter id (0: all) for good; done as above. */
void durable_dead_purge(durable_queue *q, uint64_t id, durable_dead_done done, void *arg);

/* Adds {"queue":{...}} to a component's /health fields: entries, spans,
 * bytes, oldest age, disk used and budget, dead letters. Any thread. */
void durable_queue_health(durable_queue *q, json_t *fields);

#endif
