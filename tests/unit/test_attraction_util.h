/*
 * test_attraction_util.h: requests for the attributes and resource
 * processor tests, built and read back through protobuf-c, and one
 * processor instance on the SDK's test kit.
 */
#ifndef OTELC_TEST_ATTRACTION_UTIL_H
#define OTELC_TEST_ATTRACTION_UTIL_H

#include "otlp_fixture.h"

#include <otelc/testkit.h>

#define KIND_SERVER OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER
#define KIND_CLIENT OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT

/* Ends the attribute lists below (a typed null for variadic calls). */
#define KV_END ((fx_kv *)0)

/* Arena-owned (fx_free_all) parts; attributes are a KV_END-terminated
 * list. */
fx_kv **tu_kvs(size_t *n, fx_kv *first, ...);
fx_resource *tu_resource(fx_kv *first, ...);
fx_scope *tu_scope(const char *name, const char *version);
fx_span *tu_span(unsigned seed, const char *name, int kind, fx_kv *first, ...);
/* A request of one resource with one scope holding the spans. */
fx_request *tu_request(fx_resource *res, fx_scope *scope, size_t n, fx_span **spans);

/* A processor instance: created from yaml (the test fails if create
 * does), fed requests, its emits decoded. */
typedef struct tu_proc {
    otelc_test_host *h;
    void *state;
    const otelc_plugin *desc;
} tu_proc;

void tu_start(tu_proc *p, const otelc_plugin *desc, const char *yaml);
/* create's outcome and, on failure, the host's last error (or NULL). */
const char *tu_create_error(const otelc_plugin *desc, const char *yaml);
/* Consumes the request (meta may be NULL); returns the emitted request,
 * decoded (freed by tu_stop), and whether the emitted batch was the one
 * consumed (nothing changed). */
fx_request *tu_consume(tu_proc *p, const fx_request *req, const otelc_batch_meta *meta,
                       bool *same);
void tu_stop(tu_proc *p);

/* tu_start in a pipeline of signal s (what signals_fed answers). */
void tu_start_signal(tu_proc *p, const otelc_plugin *desc, otelc_signal s, const char *yaml);
/* Consumes the len bytes at pb as a request of signal s holding `items`
 * items; returns the emitted request's bytes (the host's, valid until
 * tu_stop) with *out_len and *out_items set, and whether the emitted
 * batch was the one consumed. The emit must happen. */
const uint8_t *tu_consume_signal(tu_proc *p, otelc_signal s, const uint8_t *pb, size_t len,
                                 uint32_t items, size_t *out_len, uint32_t *out_items,
                                 bool *same);

/* A span's (or resource's) attribute value by key, or NULL. */
const fx_any *tu_attr(fx_kv *const *kvs, size_t n, const char *key);
const fx_any *tu_span_attr(const fx_request *r, size_t span, const char *key);
const fx_any *tu_res_attr(const fx_request *r, size_t rs, const char *key);

#endif /* OTELC_TEST_ATTRACTION_UTIL_H */
