/*
 * store.c: the storage side. A piece is stored under its trace id and a
 * sequence number; its value is a small header (format version, arrival
 * time, span count) and the piece's request bytes. At start every stored
 * piece is read back: traces get their recorded arrival time, so each is
 * decided when its own wait ends, and the oldest are decided at once
 * when more than num_traces come back. Deletes go in commits of at most
 * MAX_DELETES keys; one that fails leaves its keys, decided again after a
 * restart (at-least-once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/otlp_walk.h>

#include "ts.h"

#define MAX_DELETES 4096

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

void ts_key(uint8_t key[TS_KEY_LEN], const uint8_t *id, uint64_t seq)
{
    memcpy(key, id, TS_TRACE_ID_LEN);
    put_be64(key + TS_TRACE_ID_LEN, seq);
}

/* The value header: version (1 byte), 3 zero bytes, the span count
 * (4 bytes) and the arrival time in unix ns (8 bytes), big-endian. */
void ts_value_header(uint8_t hdr[TS_VALUE_HDR], int64_t arrival_ns, uint32_t spans)
{
    put_be64(hdr, ((uint64_t)TS_VALUE_VERSION << 56) | spans);
    put_be64(hdr + 8, (uint64_t)arrival_ns);
}

static uint32_t value_spans(const uint8_t *v)
{
    return (uint32_t)get_be64(v);
}

static int64_t value_arrival(const uint8_t *v)
{
    return (int64_t)get_be64(v + 8);
}

/* ---- deletes ---- */

static void delete_done(void *arg, int status)
{
    ts_proc *p = arg;
    if (status != 0)
        p->api->log(p->ctx, OTELC_LOG_WARN, "a delete of settled traces failed (%s): they are "
                    "decided again after a restart", strerror(status));
    atomic_fetch_sub(&p->commits, 1);
}

static void commit_deletes(ts_proc *p, const uint8_t *keys, size_t n, otelc_storage_op *ops)
{
    for (size_t i = 0; i < n; i++)
        ops[i] = (otelc_storage_op){keys + i * TS_KEY_LEN, TS_KEY_LEN, NULL, 0};
    atomic_fetch_add(&p->commits, 1);
    if (p->storage->commit(p->client, ops, n, delete_done, p) != 0) {
        atomic_fetch_sub(&p->commits, 1);
        p->api->log(p->ctx, OTELC_LOG_WARN, "cannot delete %zu settled pieces now: they are "
                    "decided again after a restart", n);
    }
}

void ts_store_flush_deletes(ts_proc *p, uint8_t *keys, size_t n)
{
    otelc_storage_op *ops = malloc((n < MAX_DELETES ? n : MAX_DELETES) * sizeof(*ops));
    if (!ops || !p->client) {
        free(ops);
        return; /* the keys stay: decided again after a restart */
    }
    for (size_t at = 0; at < n; at += MAX_DELETES)
        commit_deletes(p, keys + at * TS_KEY_LEN, n - at < MAX_DELETES ? n - at : MAX_DELETES,
                       ops);
    free(ops);
}

/* ---- restore ---- */

typedef struct restore {
    ts_proc *p;
    ts_trace **traces; /* read back, in key order */
    size_t n, cap;
    size_t pieces, bad;
    int failed;
} restore;

/* A stored value this release wrote, whose span count the bytes agree with. */
static bool value_ok(const uint8_t *v, size_t len)
{
    size_t spans;
    return len > TS_VALUE_HDR && v[0] == TS_VALUE_VERSION &&
           otlp_count_spans(v + TS_VALUE_HDR, len - TS_VALUE_HDR, &spans) == OTLP_OK &&
           spans == value_spans(v) && spans > 0;
}

static void queue_bad(restore *r, const uint8_t *key, size_t len)
{
    ts_proc *p = r->p;
    r->bad++;
    if (len != TS_KEY_LEN)
        return; /* not one of ours: never written by this processor */
    ts_trace fake = {.npieces = 1, .pieces = &(ts_piece){NULL, get_be64(key + TS_TRACE_ID_LEN)}};
    memcpy(fake.id, key, TS_TRACE_ID_LEN);
    ts_queue_deletes(p, &fake);
}

static ts_trace *restored_trace(restore *r, const uint8_t *id, int64_t arrival)
{
    ts_trace *tr = ts_table_find(&r->p->table, id);
    if (tr) {
        tr->arrival_ns = arrival < tr->arrival_ns ? arrival : tr->arrival_ns;
        return tr;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        ts_trace **v = realloc(r->traces, cap * sizeof(ts_trace *));
        if (!v)
            return NULL;
        r->traces = v;
        r->cap = cap;
    }
    tr = ts_table_add(&r->p->table, id);
    if (tr) {
        tr->arrival_ns = arrival;
        r->traces[r->n++] = tr;
    }
    return tr;
}

static int restore_one(void *arg, const void *kp, size_t klen, const void *vp, size_t vlen)
{
    restore *r = arg;
    ts_proc *p = r->p;
    const uint8_t *key = kp, *val = vp;
    if (klen != TS_KEY_LEN || !value_ok(val, vlen)) {
        queue_bad(r, key, klen);
        return 0;
    }
    int64_t arrival = value_arrival(val);
    uint64_t seq = get_be64(key + TS_TRACE_ID_LEN);
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .received_ns = arrival,
                             .signal = OTELC_TRACES};
    ts_trace *tr = restored_trace(r, key, arrival);
    otelc_batch *b = tr ? p->api->batch_copy(val + TS_VALUE_HDR, vlen - TS_VALUE_HDR,
                                             value_spans(val), &meta)
                        : NULL;
    if (!b || ts_trace_add_piece(tr, b, seq) != 0) {
        if (b)
            otelc_batch_unref(b);
        r->failed = 1;
        return 1; /* out of memory: stop */
    }
    r->pieces++;
    if (seq >= p->next_seq)
        p->next_seq = seq + 1;
    return 0;
}

static int by_arrival(const void *a, const void *b)
{
    int64_t x = (*(ts_trace *const *)a)->arrival_ns, y = (*(ts_trace *const *)b)->arrival_ns;
    return x < y ? -1 : x > y;
}

/* Restored traces join the fifo and the waiting list in arrival order;
 * those beyond num_traces are decided at once (the oldest first). */
static void place(ts_proc *p, restore *r)
{
    if (r->n)
        qsort(r->traces, r->n, sizeof(ts_trace *), by_arrival);
    for (size_t i = 0; i < r->n; i++) {
        ts_trace *tr = r->traces[i];
        tr->deadline_ns = tr->arrival_ns + p->cfg->decision_wait_ns;
        ts_fifo_push(&p->table, tr);
        ts_wait_insert(&p->table, tr);
    }
    int64_t now = otelc_real_ns();
    for (size_t tries = p->table.fcount; p->table.fcount > (size_t)p->cfg->num_traces && tries;
         tries--)
        ts_evict_oldest(p, now);
}

static otelc_storage_client *open_client(ts_proc *p)
{
    char err[256];
    const char *table = p->api->pipeline_id(p->ctx);
    otelc_storage_client *c = p->storage->client(p->storage_state, p->api->instance_id(p->ctx),
                                                 table ? table : "traces", err, sizeof(err));
    if (!c)
        p->api->log(p->ctx, OTELC_LOG_ERROR, "storage %s: %s", p->storage_id, err);
    return c;
}

int ts_store_open(ts_proc *p)
{
    restore r = {.p = p};
    p->client = open_client(p);
    if (!p->client)
        return -1;
    pthread_mutex_lock(&p->mu);
    int rc = p->storage->scan(p->client, restore_one, &r);
    if (rc == 0 && !r.failed)
        place(p, &r);
    ts_count(&p->m, p->m.restored, (double)r.n);
    ts_gauge(&p->m, p->m.on_memory, (double)p->table.count);
    pthread_mutex_unlock(&p->mu);
    free(r.traces);
    if (rc != 0 || r.failed) {
        p->api->log(p->ctx, OTELC_LOG_ERROR, "storage %s: cannot read the undecided traces back%s",
                    p->storage_id, r.failed ? ": out of memory" : "");
        return -1;
    }
    if (r.n || r.bad)
        p->api->log(p->ctx, OTELC_LOG_INFO, "%zu undecided traces (%zu pieces) read back from "
                    "storage %s; %zu unreadable pieces deleted", r.n, r.pieces, p->storage_id,
                    r.bad);
    return 0;
}
