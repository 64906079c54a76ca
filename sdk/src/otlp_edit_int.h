/*
 * otlp_edit_int.h: the OTLP editor's state, shared by the walk over the
 * outer levels and spans (otlp_edit.c) and the items of metrics and logs
 * requests (otlp_edit_signals.c). Private to the SDK.
 *
 * The editor stands on one item at a time, in sp: a span, a log record
 * or a metric, with the item's attribute list (a metric's metadata) and,
 * for spans, its events and links; a metric's data points are in mt.
 * The frames above it are the same for every signal: the three requests
 * share their outer field numbers.
 */
#ifndef OTELC_SDK_OTLP_EDIT_INT_H
#define OTELC_SDK_OTLP_EDIT_INT_H

#include "otlp_edit_wire.h"

enum { LV_REQUEST, LV_RESOURCE, LV_SCOPE, LV_COUNT };

/* The header message of a ResourceSpans or ScopeSpans and its edits. */
typedef struct header {
    attr_list attrs;
    pb_bytes in;   /* the last header met in the input (its body) */
    bool seen;     /* ... and it was written at [at, at + len) */
    size_t at, len;
    unsigned gen;  /* attrs.gen when it was written */
} header;

typedef struct frame {
    pb_cursor in;      /* body fields not processed yet */
    uint32_t child;    /* field number of the children */
    size_t start;      /* output offset of the field's tag */
    open_msg msg;
    size_t spans_out;  /* items written inside */
    bool open, dropped;
    bool lost;         /* something inside was dropped or removed */
    header hdr;
} frame;

/* A span's scalar fields otlp_edit_span_kind, _start, _end and _id set,
 * in field order. */
enum { SC_TRACE_ID, SC_SPAN_ID, SC_PARENT_ID, SC_KIND, SC_START, SC_END, SC_COUNT };

/* The current item: copied as it is unless edited. Fields past attrs
 * are a span's. */
typedef struct span_edit {
    bool open, dropped;
    pb_bytes whole; /* the item's field, tag to end */
    pb_bytes body;
    pb_bytes input_message;
    attr_list attrs;
    sub_list events, links;
    ebuf name;      /* the encoded name field, when name_set */
    ebuf message;   /* the status message, when message_set */
    ebuf state;     /* the encoded trace_state field, when state_set */
    bool name_set, status_set, message_set, state_set;
    int32_t code;
    /* ids, kind and times as set: each its whole encoded field (or none) */
    uint8_t scalar[SC_COUNT][20];
    size_t scalar_len[SC_COUNT];
    bool scalar_set[SC_COUNT];
    field_set fields; /* a log record's or metric's fields otlp_edit_field set */
} span_edit;

/* The current metric's data message and its data points (metrics only;
 * otlp_edit_signals.c). */
typedef struct metric_edit {
    enum otlp_metric_kind kind; /* NONE: a metric without data */
    pb_bytes data;              /* the input's data message body */
    size_t points_in;           /* its data points */
    sub_list points;
    ebuf field;                 /* the data field written anew, when points changed */
} metric_edit;

struct otlp_editor {
    otlp_walker w;
    otelc_signal signal;
    ebuf out;
    ebuf scratch; /* headers written again, status fields */
    frame f[LV_COUNT];
    span_edit sp; /* the current item: span, log record or metric */
    metric_edit mt;
    size_t spans; /* items: spans, log records or data points */
    int err;
    bool finished;
    bool taken; /* the output went to the caller */
};

/* ---- otlp_edit.c, for otlp_edit_signals.c ---- */

/* Records a negative rc as the sticky error; passes rc through. */
int edit_fail(otlp_editor *ed, int rc);

/*
 * Leaves the current item (written out) and finds the next one of the
 * current scope: 1 with the field (whole) and its body (payload), 0 at
 * the end of the scope (or with no scope entered), or a negative code.
 */
int edit_item_next(otlp_editor *ed, pb_bytes *whole, pb_bytes *payload);

/* Checks that the walker stands where the frame does (its return code,
 * the view's raw body and the frame's payload): 1 or a negative code. */
int edit_in_step(int walk_rc, pb_bytes walked, pb_bytes found);

/* Enters an item: its whole field, body and attribute list. */
void edit_item_enter(otlp_editor *ed, pb_bytes whole, pb_bytes body, const otlp_list *attrs,
                     attr_where where);

/* ---- otlp_edit_signals.c ---- */

/* How many items a child of a scope holds: 1, or a metric's data
 * points. OTLP_OK or a negative code. */
int edit_item_count(const otlp_editor *ed, pb_bytes payload, size_t *n);

/* Writes the current metric out (or not, if dropped or emptied) and
 * leaves it; adds its data points to the scope's count. */
int edit_metric_flush(otlp_editor *ed);

/* Visits the items of the current scope with fns' log, metric and
 * datapoint callbacks. 0 or the first negative value. */
int edit_run_items(otlp_editor *ed, const otlp_edit_fns *fns, void *arg);

void edit_metric_release(metric_edit *mt);

#endif /* OTELC_SDK_OTLP_EDIT_INT_H */
