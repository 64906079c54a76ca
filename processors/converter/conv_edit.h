/*
 * conv_edit.h: the changing side of the converter, on the SDK's OTLP
 * editor (otelc/sdk/otlp_edit.h): the workspace one instance reuses, the
 * state one rewrite threads through its passes, and the passes.
 *
 * Everything here runs inside one otlp_edit pass: the views handed out
 * point into that pass's input and stay valid until it finishes; values
 * built for an edit live in the workspace's scratch buffer only until the
 * edit call, which copies them. Functions return 0 (or a count), or a
 * negative OTLP_E* code that ends the rewrite. One thread at a time.
 */
#ifndef OTELC_PROC_CONV_EDIT_H
#define OTELC_PROC_CONV_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/sdk/otlp_edit.h>

#include "conv_rules.h"

/* What the rewrite changed, for the converter's metrics. */
typedef struct conv_stats {
    uint64_t renamed;   /* deprecated attributes upgraded */
    uint64_t deleted;
    uint64_t coerced;
    uint64_t moved;     /* attributes copied or moved between resource and span */
    uint64_t truncated; /* values cut to max_attribute_value_length */
    uint64_t dropped_attributes, dropped_events, dropped_links;
} conv_stats;

/*
 * One instance's workspace: an editor per pass (the second reads the
 * first's output while it is still owned by the first), a scratch buffer
 * for built values, and the per-resource values of the move rules. Kept
 * between requests so that steady editing does not allocate.
 */
typedef struct conv_work {
    otlp_editor *renames, *rest;
    char *scratch;
    size_t scratch_cap;
    otlp_anyvalue *moves; /* to_resource values, then from_resource values */
    size_t moves_cap;
} conv_work;

/* 0, or -1 when memory ran out. */
int conv_work_init(conv_work *w);
void conv_work_fini(conv_work *w);

/* The state one rewrite threads through its passes. */
typedef struct conv_run {
    const conv_rules *r;
    conv_work *w;
    conv_stats *st;
    otlp_editor *ed; /* the pass's editor */
} conv_run;

/* ---- helpers (conv_work.c) ---- */

/* At least n bytes of scratch, or NULL. Valid until the next call. */
char *conv_scratch(conv_run *c, size_t n);
/* The rules' entry for an attribute key, or NULL. */
const conv_entry *conv_entry_of(const conv_run *c, pb_bytes key);
/* Attribute i of the current list at `at`: 1, 0 past the end, or < 0.
 * The views are valid until the next edit there. */
int conv_attr_at(conv_run *c, enum otlp_edit_target at, size_t i, otlp_kv *out);
/* Is there an attribute `key` among the first n of the current list? */
int conv_attr_before(conv_run *c, enum otlp_edit_target at, pb_bytes key, size_t n);
/* True when two values are equal (arrays and kvlists by their bytes). */
bool conv_any_equal(const otlp_anyvalue *a, const otlp_anyvalue *b);
/* A string value viewing the len bytes at s. */
otlp_anyvalue conv_any_str(const char *s, size_t len);
pb_bytes conv_key(const char *s);

/* ---- passes ---- */

/* Renames (built-in and config) and deletes on the current list at `at`;
 * `in` is its input view; kind is the span's SpanKind, or -1 for a
 * resource. (conv_rename.c) */
int conv_rename_list(conv_run *c, enum otlp_edit_target at, const otlp_list *in, int kind);
/* The move rules on entering a resource (`pre` walks the pass's input in
 * step with the editor, to find the first span's values), and on each of
 * its spans. (conv_resource.c) */
int conv_resource_enter(conv_run *c, const otlp_resource *r, otlp_walker *pre);
int conv_resource_span(conv_run *c);
/* Coerce rules on the current list at `at`. (conv_coerce.c) */
int conv_coerce_list(conv_run *c, enum otlp_edit_target at);
/* Count and length limits on the current span, its events and links;
 * counts what it cuts. (conv_limits.c) */
int conv_limit_span(conv_run *c);
/* Cuts s to at most max bytes at a UTF-8 character boundary; returns the
 * new length. Pure. */
size_t conv_utf8_cut(const char *s, size_t len, size_t max);

#endif
