/*
 * ts.h: one tail_sampling instance, shared by its files: the consume
 * path (consume.c), decisions (decide.c), the decider thread that sends
 * sampled traces on and deletes settled ones (sender.c), storage keys,
 * values and the restore at start (store.c), and the lifecycle
 * (tail_sampling.c).
 *
 * LOCKING. mu guards everything below it in ts_proc. It is never held
 * while calling emit or the storage's commit, except that consume
 * submits its puts under mu so that the storage sees every put before
 * any delete of the same key (deletes are submitted later, by the
 * decider). Commit and emit completion callbacks never take mu
 * synchronously from inside those calls: the consume join (consume.c)
 * takes no lock, and send completions may arrive on any thread but
 * only after the emit was made outside mu.
 */
#ifndef OTELC_TS_H
#define OTELC_TS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "lru.h"
#include "policy_config.h"
#include "table.h"
#include "ts_config.h"
#include "ts_metrics.h"

/* Storage keys: the trace id, then a sequence number (big-endian), so a
 * scan returns each trace's pieces together and in arrival order. */
#define TS_KEY_LEN (TS_TRACE_ID_LEN + 8)
/* A stored value: this header, then the piece's request bytes. */
#define TS_VALUE_HDR 16
#define TS_VALUE_VERSION 1
/* Sampled traces go downstream in batches of at most this many spans. */
#define TS_SEND_SPANS 8192

typedef struct ts_proc ts_proc;

/* Sampled traces emitted together; deleted together once taken. */
typedef struct ts_send {
    struct ts_send *next;
    ts_proc *p;
    ts_trace **traces;
    size_t n, cap;
    uint64_t spans;
    otelc_batch *merged; /* built at the first attempt, kept for retries */
} ts_send;

struct ts_proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const ts_cfg *cfg;
    ts_policy_set policies;
    ts_metrics m;
    const otelc_storage *storage; /* NULL: undecided traces live in memory only */
    void *storage_state;
    const char *storage_id; /* its extension id (the config's or the host's string) */
    otelc_storage_client *client;
    atomic_long commits; /* delete commits not yet done */

    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC: wakes the decider; settles wake waiters */
    pthread_t thread;
    bool thread_started, stopping;

    ts_table table;
    ts_lru *sampled_cache, *dropped_cache; /* NULL when their size is 0 */
    uint64_t next_seq;
    ts_send *filling;             /* sampled traces not yet handed to the decider */
    ts_send *sendq, *sendq_tail;  /* sealed sends waiting to go out */
    bool blocked;                 /* downstream said RETRY: wait for resume */
    int64_t retry_at_ns;          /* monotonic: try a blocked send again then */
    size_t in_flight;             /* sends emitted and not settled */
    size_t detached;              /* sampled traces pushed out of the fifo, unsent */
    bool refused;                 /* consume said RETRY: call consume_ready on room */
    uint8_t *dels;                /* storage keys to delete, TS_KEY_LEN each */
    size_t ndels, capdels;
};

/* ---- consume.c ---- */
otelc_status ts_consume(void *state, otelc_batch *b, otelc_ticket *t);

/* ---- decide.c (under mu) ---- */
/* Decides tr now (it must be WAITING and off the waiting list): runs the
 * policies, counts, caches the decision; a sampled trace goes to the
 * filling send, another has its keys queued for deletion and its pieces
 * dropped. Returns whether it was sampled. */
bool ts_decide(ts_proc *p, ts_trace *tr, int64_t now_ns);
/* Decides up to max waiting traces whose deadline passed, oldest first.
 * Returns how many. */
size_t ts_decide_due(ts_proc *p, int64_t now_ns, size_t max);
/* Makes room in the fifo for one more trace: the oldest goes (decided
 * early if it was waiting). */
void ts_evict_oldest(ts_proc *p, int64_t now_ns);
/* Queues the storage keys of tr's pieces for deletion. */
void ts_queue_deletes(ts_proc *p, const ts_trace *tr);
/* Puts tr in the filling send (TS_SENDING); false when memory ran out
 * (tr is back on the waiting list, to be decided a second later). */
bool ts_send_add(ts_proc *p, ts_trace *tr);
/* Moves the filling send to the send queue. */
void ts_send_seal(ts_proc *p);

/* ---- sender.c ---- */
int ts_sender_start(ts_proc *p);
/* Stops the decider thread (idempotent). */
void ts_sender_stop(ts_proc *p);
/* Waits until nothing is queued or in flight, or the monotonic deadline;
 * 0 if all went. Called without mu. */
int ts_sender_drain(ts_proc *p, int64_t deadline_ns);
void ts_resume(void *state);
/* Sampled traces not sent yet (after the thread stopped). */
size_t ts_sends_pending(ts_proc *p);
/* Frees sends never emitted (destroy). */
void ts_sends_free(ts_proc *p);

/* ---- store.c ---- */
void ts_key(uint8_t key[TS_KEY_LEN], const uint8_t *id, uint64_t seq);
void ts_value_header(uint8_t hdr[TS_VALUE_HDR], int64_t arrival_ns, uint32_t spans);
/* Opens the storage client and reads back every undecided trace (start). */
int ts_store_open(ts_proc *p);
/* Commits the queued deletes (decider thread, without mu). */
void ts_store_flush_deletes(ts_proc *p, uint8_t *keys, size_t n);

#endif /* OTELC_TS_H */
