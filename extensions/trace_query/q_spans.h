/*
 * q_spans.h: GET /spans, shared by its handler (q_spans.c) and its JSON
 * (q_spans_json.c).
 */
#ifndef OTELC_TQ_Q_SPANS_H
#define OTELC_TQ_Q_SPANS_H

#include <otelc/sdk/otlp_walk.h>

#include "qout.h"
#include "trace_query.h"

typedef struct span_filter {
    const char *service, *name;
    bool by_trace;
    uint8_t trace[16];
    int64_t min_dur, max_dur; /* -1: none */
    int64_t start, end;       /* span start within [start, end], unix ns */
    size_t limit;
} span_filter;

/* Writes one span of resource r as an element of the "spans" array. */
void spans_write_one(qout *o, const otlp_resource *r, const otlp_span *sp);

#endif /* OTELC_TQ_Q_SPANS_H */
