/*
 * otlp_fixture.h: OTLP trace requests for the walker, validation and split
 * tests, built with protobuf-c (trusted encoder) or byte by byte (for the
 * malformed cases protobuf-c cannot produce).
 *
 * Everything the fx_* builders return lives in one arena, freed by
 * fx_free_all(). Not thread-safe.
 */
#ifndef OTELC_TEST_OTLP_FIXTURE_H
#define OTELC_TEST_OTLP_FIXTURE_H

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "otlp_deep_walk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest fx_request;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans fx_rs;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans fx_ss;
typedef Opentelemetry__Proto__Trace__V1__Span fx_span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event fx_event;
typedef Opentelemetry__Proto__Trace__V1__Span__Link fx_link;
typedef Opentelemetry__Proto__Common__V1__KeyValue fx_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue fx_any;
typedef Opentelemetry__Proto__Resource__V1__Resource fx_resource;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope fx_scope;

/* Spans in fx_rich_request(), and how they are laid out. */
#define FX_RICH_SPANS 8

void *fx_alloc(size_t n); /* zeroed, arena-owned */
void fx_free_all(void);

fx_any *fx_str(const char *s);
fx_any *fx_bool(bool b);
fx_any *fx_int(int64_t v);
fx_any *fx_double(double v);
fx_any *fx_bytes(const void *p, size_t n);
fx_any *fx_array(size_t n, fx_any **values);
fx_any *fx_kvlist(size_t n, fx_kv **values);
fx_kv *fx_kv_new(const char *key, fx_any *value);

/* A span with ids derived from `seed`, name "span-<seed>", times from seed. */
fx_span *fx_span_new(unsigned seed);
void fx_span_ids(unsigned seed, uint8_t trace_id[16], uint8_t span_id[8]);

/*
 * The reference request (8 spans):
 *  rs[0]: resource {service.name="checkout", host.name="h1", dropped 2},
 *         schema_url "https://schemas/r0"
 *    ss[0]: scope {"io.otelc.a", "1.0.0", attrs {scope.flag=true}, dropped 1},
 *           schema_url "https://schemas/s0"; spans 0 (every field and
 *           AnyValue kind, 2 events, 2 links), 1 (child of 0), 2
 *    ss[1]: no scope; spans 3, 4
 *  rs[1]: resource {host.name="h2", service.name=7 (not a string)}
 *    ss[0]: scope {"io.otelc.b"}; span 5
 *    ss[1]: scope {"empty"}; no spans
 *  rs[2]: no resource
 *    ss[0]: scope {"io.otelc.c", "2"}; spans 6, 7
 */
fx_request *fx_rich_request(void);

fx_request *fx_request_new(size_t n_rs);
fx_rs *fx_rs_new(fx_resource *res, size_t n_ss);
fx_ss *fx_ss_new(fx_scope *scope, size_t n_spans);

/* Serializes into an arena buffer of exactly *len bytes. */
uint8_t *fx_pack(const fx_request *r, size_t *len);

/* Copies bytes into a fresh malloc'd buffer of exactly len bytes, so ASan
 * sees any read past the end; free() it. */
uint8_t *fx_exact_copy(const uint8_t *p, size_t len);

/* A hand-written protobuf encoder for malformed and unusual input. */
typedef struct fx_wire {
    uint8_t buf[8192];
    size_t len;
} fx_wire;

void fxw_varint(fx_wire *w, uint64_t v);
void fxw_tag(fx_wire *w, uint32_t field, unsigned wire_type);
void fxw_uint(fx_wire *w, uint32_t field, uint64_t v);
void fxw_fixed64(fx_wire *w, uint32_t field, uint64_t v);
void fxw_fixed32(fx_wire *w, uint32_t field, uint32_t v);
void fxw_bytes(fx_wire *w, uint32_t field, const void *p, size_t n);
void fxw_str(fx_wire *w, uint32_t field, const char *s);
void fxw_msg(fx_wire *w, uint32_t field, const fx_wire *inner);
void fxw_raw(fx_wire *w, const void *p, size_t n);

/* A span body with valid ids from `seed` and the given name. */
void fxw_span(fx_wire *w, unsigned seed, const char *name);
/* Wraps one span body into request{resource_spans{scope_spans{spans}}}. */
void fxw_wrap_span(fx_wire *out, const fx_wire *span);

#endif /* OTELC_TEST_OTLP_FIXTURE_H */
