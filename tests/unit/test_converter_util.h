/*
 * test_converter_util.h: building requests for the converter tests with
 * protobuf-c (through otlp_fixture's arena), running the rewrite, and
 * reading its output back with protobuf-c (an encoder the converter does
 * not use, so the tests check its bytes independently).
 */
#ifndef OTELC_TEST_CONVERTER_UTIL_H
#define OTELC_TEST_CONVERTER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "conv_rewrite.h"
#include "otlp_fixture.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest pb_request;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans pb_rs;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans pb_ss;
typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;

#define PB_STRING OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define PB_BOOL OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE
#define PB_INT OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define PB_DOUBLE OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE
#define PB_ARRAY OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE
#define PB_BYTES OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE

/* A span with the given attributes (NULL-terminated kv list). */
/* Ends the attribute lists of cu_span and cu_kvs: a typed null, since an
 * untyped NULL through "..." is not guaranteed to be a pointer. */
#define CU_END ((fx_kv *)NULL)

fx_span *cu_span(unsigned seed, int kind, fx_kv *first, ...);
/* A request of one resource (attributes: NULL-terminated array, may be
 * NULL for no resource) and one scope holding nspans spans. */
fx_request *cu_request(fx_kv **resource_attrs, fx_span **spans, size_t nspans);
/* NULL-terminated kv arrays, arena-owned. */
fx_kv **cu_kvs(fx_kv *first, ...);

/* Runs conv_touches on the packed request. */
int cu_touches(const conv_rules *r, const fx_request *req);
/* Rewrites the packed request; returns the decoded result (free with
 * cu_free) or fails the test. *st receives the stats. */
pb_request *cu_rewrite(const conv_rules *r, const fx_request *req, conv_stats *st);
void cu_free(pb_request *out);

/* Attribute lookup in a decoded list; NULL when absent. */
const pb_any *cu_attr(pb_kv *const *kvs, size_t n, const char *key);
/* The first span of the first scope of resource rs_index. */
pb_span *cu_out_span(pb_request *out, size_t rs_index, size_t span_index);

#endif
