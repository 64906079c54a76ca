/*
 * q_spans.h: GET /spans, shared by its handler (q_spans.c) and its JSON
 * (q_spans_json.c).
 */
#ifndef OTELC_TQ_Q_SPANS_H
#define OTELC_TQ_Q_SPANS_H

#include "query.h"
#include "u64map.h"

typedef struct span_filter {
    const char *service, *name;
    bool by_trace;
    uint8_t trace[16];
    int64_t min_dur, max_dur; /* -1: none */
    int64_t start, end;       /* span start within [start, end], unix ns */
    size_t limit;
} span_filter;

/* A span the index picked, and what its object says of it. */
typedef struct span_pick {
    uint8_t trace[16], span[8], parent[8];
    uint64_t start, dur, obj;
    uint8_t kind, status;
    size_t key;       /* its object: index into the pick set's objects */
    size_t next_same; /* 1 + index of an earlier pick of the same span id; 0: none */
    size_t names;     /* offset in the arena of the index's service, then name */
    uint16_t service_len, name_len;
    bool found;       /* sp and service below are set */
    otlp_span sp;
    pb_bytes service;
} span_pick;

typedef struct pick_set {
    const span_filter *f;
    span_pick *items; /* newest first */
    size_t n;
    uint64_t *objs;   /* distinct object ids, in order of first use */
    size_t nobjs;
    u64map objmap;    /* object id -> index in objs */
    u64map spanmap;   /* span id -> index of its latest pick */
    char *arena;      /* the picks' names, as the index has them */
    size_t arena_len, arena_cap;
    bool failed;      /* memory ran out */
} pick_set;

/*
 * Writes {"spans":[...]} for the picks: each span flattened with
 * traceId, spanId, parentSpanId, name, kind, service, startTimeUnixNano,
 * endTimeUnixNano, durationNano, status and attributes (from its object;
 * a span whose object is gone gets its index summary and no attributes).
 */
void spans_write(qout *o, const pick_set *ps);

#endif /* OTELC_TQ_Q_SPANS_H */
