/*
 * ts_test_util.h: synthetic traces for the tail_sampling tests, built
 * with protobuf-c, and one processor instance on the SDK's test kit
 * whose emitted traces are decoded back into "which traces were kept".
 *
 * Trace n's id is eight bytes mixed from n (splitmix64), then n
 * big-endian; its i-th span
 * starts at a fixed time and lasts 1 ms unless the test says otherwise.
 * Requests and spans live in the fixture arena (fx_free_all, called by
 * tt_stop).
 */
#ifndef OTELC_TEST_TS_UTIL_H
#define OTELC_TEST_TS_UTIL_H

#include "otlp_fixture.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/testkit.h>

#define TT_START_NS 1700000000000000000ull
#define TT_MAX_TRACES 256
#define STATUS_UNSET 0
#define STATUS_OK 1
#define STATUS_ERROR 2

void tt_trace_id(unsigned n, uint8_t id[16]);
fx_span *tt_span(unsigned trace, unsigned i);
void tt_duration(fx_span *s, uint64_t ms);
void tt_status(fx_span *s, int code);
void tt_attr(fx_span *s, fx_kv *kv);
fx_resource *tt_resource(const char *service);
/* One resource, one scope, the spans in order. */
fx_request *tt_request(fx_resource *res, size_t n, fx_span **spans);
/* A request of one trace: n spans of 1 ms. */
fx_request *tt_trace(unsigned trace, size_t n, fx_resource *res);
otelc_batch *tt_batch(const fx_request *r);

typedef struct tt_proc {
    otelc_test_host *h;
    otelc_test_storage *st; /* the test's: outlives the instance */
    const otelc_plugin *d;
    void *state;
    bool started;
} tt_proc;

/* Creates (instance "tail_sampling", pipeline "traces") and starts an
 * instance; st (may be NULL) is offered as extension "file_storage".
 * 0, or -1 with the host's last error in tt_error(). */
int tt_start(tt_proc *x, const char *yaml, otelc_test_storage *st);
/* tt_start with the host answering pipeline_storage (NULL: an exporter
 * downstream queues in memory). */
int tt_start_downstream(tt_proc *x, const char *yaml, otelc_test_storage *st,
                        const char *pipeline_storage);
const char *tt_error(const tt_proc *x);
/* Consumes r; returns the outcome; *t (may be NULL) gets the ticket. */
otelc_status tt_feed(tt_proc *x, const fx_request *r, otelc_ticket **t);
/* flush(): without storage every undecided trace is decided now. */
void tt_flush(tt_proc *x);
/* Decodes every emit answered OK or PENDING: kept[n] for trace n,
 * spans[n] (may be NULL) its spans. Returns how many traces. */
size_t tt_kept(tt_proc *x, bool kept[TT_MAX_TRACES], size_t spans[TT_MAX_TRACES]);
/* flush (when started), shutdown, destroy, the kit's contract check, host freed; the arena too
 * when free_arena. */
void tt_stop(tt_proc *x, bool free_arena);
double tt_metric(tt_proc *x, const char *name, const char *const *labels);

#endif /* OTELC_TEST_TS_UTIL_H */
