/* Shared pieces of the durable queue tests: a scratch directory, a fake
 * exporter that records what it gets, and opening/closing a queue on a
 * store the way the host does. */
#ifndef OTELC_TEST_DURABLE_FIXTURE_H
#define OTELC_TEST_DURABLE_FIXTURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "queue/durable/durable_store.h"
#include "queue/exporter_queue.h"

#define FAKE_MAX_SEEN 256

typedef struct seen_batch {
    uint8_t *bytes;
    size_t len;
    uint32_t spans;
    uint64_t batch_id;
    int64_t enqueued_ns;
    char tenant[32]; /* value of the first metadata pair, if any */
    otelc_signal signal;
} seen_batch;

typedef struct fake_exporter {
    atomic_int answer; /* otelc_status for every call */
    atomic_int calls;
    pthread_mutex_t mu;
    seen_batch seen[FAKE_MAX_SEEN]; /* every call, answered OK or not */
    size_t nseen;
    atomic_ullong ok_spans;
    atomic_int prepared, released; /* request slots filled and given back */
} fake_exporter;

void fake_init(fake_exporter *f, otelc_status answer);
void fake_fini(fake_exporter *f);
/* A request-based fake: the first attempt at a batch makes its request
 * (the fake itself stands for it); fake_release gives it back. */
otelc_status fake_export(void *arg, otelc_batch *b, void **req, queue_done_fn done, void *done_arg);
void fake_release(void *arg, void *req);

/* mkdtemp under /tmp; rm -rf. */
void scratch_dir(char *out, size_t cap);
void scratch_remove(const char *dir);

/* A queue config with fast retries. */
queue_cfg fast_queue_cfg(uint32_t consumers);

typedef struct dq_fixture {
    durable_store *st;
    exporter_queue *q;
} dq_fixture;

/* Creates the store and the queue "exp" on dir, opens, starts. 0 or -1
 * (err says why). */
int dq_open(dq_fixture *x, const char *dir, const queue_cfg *cfg, fake_exporter *f, char *err,
            size_t errlen);
/* Drains (deadline: now + ms), closes and frees everything. */
void dq_close(dq_fixture *x, int ms);

/* A batch of spans spans whose bytes are text (a fake request). meta
 * tenant may be NULL. */
otelc_batch *fake_batch(uint32_t spans, const char *text, const char *tenant);
/* The same of signal s. */
otelc_batch *fake_batch_of(otelc_signal s, uint32_t spans, const char *text, const char *tenant);

/* Polls until fn(arg) or ms pass; returns fn's last answer. */
bool eventually(bool (*fn)(void *), void *arg, int ms);

void sleep_ms(int ms);

#endif
