/*
 * table.h: the traces the tail sampler knows, by trace id, on two lists:
 * the fifo (every trace counted against num_traces, in arrival order:
 * the oldest is the first to go) and the waiting list (undecided traces
 * by deadline: the next to decide is its head). A decided trace stays in
 * the fifo, without its spans, so that late spans follow its decision
 * while it is among the num_traces newest (the collector's behaviour).
 * Not thread-safe: the processor's lock guards it.
 */
#ifndef OTELC_TS_TABLE_H
#define OTELC_TS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "group.h"

typedef enum ts_state {
    TS_WAITING, /* undecided: on the waiting list, with its pieces */
    TS_SENDING, /* sampled: its pieces go downstream; kept until taken */
    TS_DONE,    /* decided and settled: only the decision is left */
} ts_state;

/* One piece of a trace: a request of its spans (group.h), as received in
 * one consume or read back from storage. */
typedef struct ts_piece {
    otelc_batch *b; /* one reference, the trace's */
    uint64_t seq;   /* its storage key is the trace id and seq */
} ts_piece;

typedef struct ts_trace {
    uint8_t id[TS_TRACE_ID_LEN];
    ts_state state;
    bool sampled;  /* the decision, once not WAITING */
    bool in_fifo;  /* counted against num_traces */
    bool in_wait;  /* on the waiting list */
    int64_t arrival_ns, deadline_ns, decided_ns; /* realtime */
    uint64_t spans, bytes;
    ts_piece *pieces;
    size_t npieces, cap;
    struct ts_trace *chain;
    struct ts_trace *fprev, *fnext;
    struct ts_trace *wprev, *wnext;
} ts_trace;

typedef struct ts_table {
    ts_trace **buckets;
    size_t nbuckets, count;
    ts_trace *fhead, *ftail;
    size_t fcount;
    ts_trace *whead, *wtail;
    size_t wcount;
} ts_table;

/* hint: traces expected at once (0: a small start); the table grows. */
int ts_table_init(ts_table *t, size_t hint);
/* Frees every trace and its pieces. */
void ts_table_free(ts_table *t);

ts_trace *ts_table_find(const ts_table *t, const uint8_t *id);
/* A new trace (calloc'd, state WAITING) in the hash only; NULL if memory
 * ran out. */
ts_trace *ts_table_add(ts_table *t, const uint8_t *id);
/* Takes tr out of the hash and both lists and frees it with its pieces. */
void ts_table_remove(ts_table *t, ts_trace *tr);

void ts_fifo_push(ts_table *t, ts_trace *tr);
void ts_fifo_unlink(ts_table *t, ts_trace *tr);
/* Inserts by deadline (from the tail: new traces come last). */
void ts_wait_insert(ts_table *t, ts_trace *tr);
void ts_wait_unlink(ts_table *t, ts_trace *tr);

/* Appends a piece (takes the caller's reference on b); 0 or -1. */
int ts_trace_add_piece(ts_trace *tr, otelc_batch *b, uint64_t seq);
/* Drops every piece's reference. */
void ts_trace_drop_pieces(ts_trace *tr);

#endif /* OTELC_TS_TABLE_H */
