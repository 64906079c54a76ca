/*
 * conv_pb.h: the decoded side of the converter: protobuf-c types under
 * short names, attribute-list and value helpers allocating from the
 * arena, and the passes that change a decoded request.
 *
 * Every function here works on a request unpacked into a conv_arena:
 * nothing is freed on its own, so lists may be rebuilt and values shared
 * between attributes. Functions that allocate return -1 when the arena
 * ran out (the request is then abandoned), else 0. One thread at a time.
 */
#ifndef OTELC_PROC_CONV_PB_H
#define OTELC_PROC_CONV_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conv_arena.h"
#include "conv_rules.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest pb_request;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans pb_rs;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans pb_ss;
typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event pb_event;
typedef Opentelemetry__Proto__Trace__V1__Span__Link pb_link;
typedef Opentelemetry__Proto__Resource__V1__Resource pb_resource;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;
typedef Opentelemetry__Proto__Common__V1__ArrayValue pb_array;

#define PB_STRING OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define PB_BOOL OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE
#define PB_INT OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define PB_DOUBLE OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE
#define PB_ARRAY OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE
#define PB_BYTES OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE

/* What the rewrite changed, for the converter's metrics. */
typedef struct conv_stats {
    uint64_t renamed;   /* deprecated attributes upgraded */
    uint64_t deleted;
    uint64_t coerced;
    uint64_t moved;     /* attributes copied or moved between resource and span */
    uint64_t truncated; /* values cut to max_attribute_value_length */
    uint64_t dropped_attributes, dropped_events, dropped_links;
} conv_stats;

/* The state one rewrite threads through its passes. */
typedef struct conv_run {
    const conv_rules *r;
    conv_arena *a;
    conv_stats *st;
} conv_run;

/* An attribute list: the count and array fields of a message. */
typedef struct conv_list {
    size_t *n;
    pb_kv ***v;
} conv_list;

/* ---- helpers (conv_attrs.c) ---- */

/* Index of the first attribute named key, or -1. */
long conv_list_find(const conv_list *l, const char *key);
/* Removes attribute i, keeping the order of the rest. */
void conv_list_remove(conv_list *l, size_t i);
/* Appends kv (pointer stored, not copied). */
int conv_list_append(conv_run *c, conv_list *l, pb_kv *kv);
/* A new attribute with a copy of key and the given value (shared). */
pb_kv *conv_kv_new(conv_run *c, const char *key, pb_any *value);
pb_any *conv_any_string(conv_run *c, const char *s, size_t len);
/* A one-element array of a string. */
pb_any *conv_any_string_array(conv_run *c, const char *s, size_t len);
/* True when two values are equal (arrays and kvlists by their encoding). */
bool conv_any_equal(conv_run *c, const pb_any *a, const pb_any *b);
/* The list of a resource's attributes, creating the resource if needed. */
int conv_resource_list(conv_run *c, pb_rs *rs, conv_list *out);

/* ---- passes ---- */

/* Renames (built-in and config) and deletes on one list; kind is the
 * span's SpanKind, or -1 for a resource. (conv_rename.c) */
int conv_rename_list(conv_run *c, conv_list *l, int kind);
/* to_resource then from_resource on one ResourceSpans. (conv_resource.c) */
int conv_resource_moves(conv_run *c, pb_rs *rs);
/* Coerce rules on one list. (conv_coerce.c) */
int conv_coerce_list(conv_run *c, conv_list *l);
/* Converts *v to type `to` in place; 1 when changed, 0 when it cannot be
 * or already is, -1 when the arena ran out. */
int conv_coerce_value(conv_run *c, pb_any *v, conv_type to);
/* Count and length limits on one span; counts what it cuts. (conv_limits.c) */
int conv_limit_span(conv_run *c, pb_span *sp);
/* Cuts s to at most max bytes at a UTF-8 character boundary; returns the
 * new length. Pure. */
size_t conv_utf8_cut(const char *s, size_t len, size_t max);

/* Every pass over a whole request, in rule order. (conv_apply.c) */
int conv_apply(conv_run *c, pb_request *req);

#endif
