/*
 * durable_queue_int.h: the durable queue's state, shared by its files:
 * durable_queue.c (life, stats), durable_offer.c (commits of offers),
 * durable_consumer.c (jobs for the sender: take, open, settle), durable_dead.c
 * (dead letters), durable_recover.c (rebuild at open), durable_admin.c
 * (routes, metrics, /health).
 *
 * Locking: q->snd.mu guards everything below it except what says "writer
 * thread". Callbacks that leave the queue (waiters, health reports) run
 * without q->snd.mu.
 */
#ifndef OTELC_CORE_DURABLE_QUEUE_INT_H
#define OTELC_CORE_DURABLE_QUEUE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "durable_format.h"
#include "durable_index.h"
#include "durable_queue.h"
#include "queue/sender.h"

#define DQ_MAX_WAITERS 64
#define DQ_MAX_BATCH_ENTRIES 65536

/* One outgoing batch: entries taken from the index (or rebuilt from a
 * composition record), in id order. */
typedef struct dq_job {
    struct dq_job *next, *prev;
    uint64_t batch_id;
    int64_t enqueued_ns;
    bool recorded; /* its composition is on disk */
    bool noted;    /* cfg.on_send has seen it */
    otelc_send_trigger why; /* why it left the index */
    uint64_t record_key; /* the record's key (its first entry's id then) */
    size_t n;
    dq_item *items; /* owned */
    uint64_t spans, bytes, cost;
} dq_job;

typedef struct dq_waiter {
    void (*fn)(void *);
    void *arg;
} dq_waiter;

struct durable_queue {
    sender snd; /* the consumers; its mutex is the queue's (see Locking) */
    char *id;
    queue_cfg cfg;
    dq_limits limits;
    durable_store *st;
    struct health_component *hc;
    queue_export_fn export_fn;
    void *export_arg;

    MDB_dbi dbi_entries, dbi_batches, dbi_dead;
    uint64_t epoch;
    uint64_t next_id;   /* writer thread (recovery before it) */
    uint64_t next_dead; /* writer thread (recovery before it) */

    pthread_cond_t idle_cv; /* offers committed (a drain waits for them) */
    dq_index *index;
    dq_job *ready;      /* recorded batches to send first (FIFO) */
    dq_job *ready_tail;
    dq_job *inflight;   /* batches the sender holds (doubly linked) */
    uint64_t offers;    /* offers reserved and not yet committed or failed */
    int64_t hold_until_ns; /* monotonic: a failed read or record waits till then */
    bool draining, at_budget;
    dq_waiter waiters[DQ_MAX_WAITERS];
    size_t nwaiters;

    /* Entries on disk and not deleted (in the index, ready or in flight),
     * dead letters, disk cost of both, and room reserved by offers. */
    uint64_t live_count, live_spans, live_bytes;
    uint64_t dead_count, dead_spans, dead_cost;
    uint64_t disk_used;
    uint64_t rsv_cost, rsv_count, rsv_spans, rsv_bytes;

    /* Request bytes kept in memory for the consumers (the items' hot
     * references), at most cfg.max_memory_size; entries read from disk. */
    _Atomic uint64_t hot_bytes, disk_reads;

    queue_counts enqueue_failed;
    _Atomic uint64_t dead_lettered;
    struct dq_metrics *metrics;
};

/* durable_queue.c */
/* Calls every waiting on_space once and forgets them; takes and
 * releases q->snd.mu itself. */
void dq_wake_waiters(durable_queue *q);
/* Under q->snd.mu: clears at_budget once the queue is below 90% of its
 * budget; returns true when the health report must say so (call
 * dq_report_budget after unlocking). */
bool dq_budget_check_locked(durable_queue *q);
void dq_report_budget(durable_queue *q, bool at_budget);
/* Under q->snd.mu: queue size by the sizer. */
int64_t dq_size_locked(const durable_queue *q);
/* Frees j and its items (dropping their hot references). */
void dq_job_free(dq_job *j);
/* dq_job_free, giving the items' hot bytes back to q's budget first. */
void dq_job_release(durable_queue *q, dq_job *j);
/* A job for items (adopted), totals computed. NULL if memory ran out. */
dq_job *dq_job_new(dq_item *items, size_t n);
/* Under q->snd.mu: append to the ready list. */
void dq_ready_push_locked(durable_queue *q, dq_job *j);

/* durable_consumer.c: the backend's side of the sender. */
extern const sender_ops dq_sender_ops;

/* durable_dead.c */
/* Moves job's entries (and its record) into a dead letter in one commit
 * (dw_run); *cost gets the dead letter's cost against the budget. 0 or
 * an LMDB code. The caller does the accounting. */
int dq_dead_move(durable_queue *q, dq_job *job, const char *reason, uint64_t *cost);

/* durable_admin.c */
/* Registers the queue's admin routes and metric series when its store
 * has a host; 0 or -1. Main thread. */
int dq_admin_register(durable_queue *q);
/* Refreshes the queue's gauges (a metrics render hook calls it). */
void dq_metrics_refresh(durable_queue *q);

/* Key helpers. */
static inline MDB_val dq_key(uint8_t buf[8], uint64_t id)
{
    df_key_put(buf, id);
    return (MDB_val){8, buf};
}

#endif
