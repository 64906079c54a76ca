/*
 * otlp_edit.h: rewriting an OTLP request item by item: a trace request
 * span by span, a metrics or logs request (see METRICS AND LOGS below)
 * metric by metric or log record by log record.
 *
 * Part of the otelc plugin SDK. A stage that changes spans (redacts,
 * renames, drops, annotates) reads the bytes of an
 * ExportTraceServiceRequest and writes a new request as it goes: the
 * editor walks the input with the SDK walker (otlp_walk.h), hands out the
 * same views, and applies the changes asked for the resource, scope and
 * span it currently stands on. Nothing is decoded into objects:
 *  - whatever is not changed is copied as its wire bytes, unknown fields
 *    included, so a pass-through is byte-identical (for input whose length
 *    prefixes are minimal, as every encoder writes them);
 *  - a changed message is written with its untouched fields as they were
 *    and in the order they were; an added attribute goes at the end of its
 *    list; a deleted one leaves no trace; a field that was absent (a name,
 *    a status, attributes) is inserted where protobuf's field order puts
 *    it;
 *  - a scope whose spans were all dropped, and a resource whose scopes
 *    all went that way or were dropped, are removed. Input that had no
 *    spans there is kept as it was;
 *  - limits (otlp_edit_attr_limit, otlp_edit_span_limit) keep the first
 *    attributes, events or links and add what they cut to the message's
 *    dropped_*_count, as the OpenTelemetry SDKs' span limits do; a drop or
 *    delete asked for by name is not counted there.
 *
 * OWNERSHIP. The input buffer is BORROWED: the caller keeps it and must
 * leave it unchanged from otlp_edit_begin until otlp_edit_finish returns;
 * the views handed out point into it (see otlp_walk.h). Keys, values and
 * names passed to the edit functions are copied before they return. The
 * output belongs to the editor: read it with otlp_edit_output (valid until
 * the next begin, take or free), or take it with otlp_edit_take, which
 * transfers a malloc'ed buffer that the caller releases with free() (it
 * fits host batch_adopt with a free_fn calling free). An editor keeps its
 * scratch buffers between requests, so one per processor instance makes
 * steady-state editing allocation-free.
 *
 * THREADS. An editor is used by one thread at a time (a processor whose
 * consume is OTELC_CONSUME_THREAD_SAFE keeps one per thread, or a pool);
 * any number of editors may read one input buffer.
 *
 * ORDER. Edits apply to what is current: the resource from the last
 * otlp_edit_resource, the scope from the last otlp_edit_scope, the span
 * from the last otlp_edit_span, until the next call at that level (or one
 * above) moves on. Edits at one place apply in call order, each seeing the
 * result of the previous one; a view always shows the input. A resource or
 * scope may be edited at any time while it is current, also after its
 * spans were visited. Moving on copies what was not visited unchanged.
 *
 * RETURNS. Iteration: 1 (entered), 0 (no more at this level), or a
 * negative OTLP_E* code. Edits: 1 when something changed, 0 when not
 * (insert of a key present, update or delete of a key absent), or
 * OTLP_ESTATE when nothing is current at that level (not entered yet,
 * passed, dropped, or finished). A malformed input (OTLP_EMALFORMED,
 * OTLP_EWIRETYPE) or OTLP_ENOMEM is sticky: every later call returns it
 * and the output must not be used. The editor reads only what it needs
 * (unvisited spans are copied without being decoded): validate input from
 * outside first (receivers do, with otlp_validate_request); the output of
 * a valid request with valid edits (UTF-8 keys and strings) is valid.
 *
 * Typical use, iterating:
 *
 *     otlp_edit_begin(ed, buf, len);
 *     while (otlp_edit_resource(ed, &r) > 0)
 *         while (otlp_edit_scope(ed, &s) > 0)
 *             while (otlp_edit_span(ed, &sp) > 0)
 *                 if (is_health_check(&sp))
 *                     otlp_edit_drop(ed, OTLP_EDIT_SPAN);
 *     if (otlp_edit_finish(ed, &spans) == OTLP_OK &&
 *         otlp_edit_take(ed, &out, &out_len) == OTLP_OK)
 *         use(out, out_len, spans), free(out);
 *
 * or with callbacks, otlp_edit_run() below.
 *
 * METRICS AND LOGS. The same editor rewrites an ExportMetricsServiceRequest
 * or an ExportLogsServiceRequest, started with otlp_edit_begin_signal (or
 * otlp_edit_run_signal): resources and scopes as above, and one level
 * down log records (otlp_edit_log, target OTLP_EDIT_LOG: their
 * attributes, a drop) or metrics (otlp_edit_metric, OTLP_EDIT_METRIC:
 * a drop, the metric's metadata attributes) and their data points
 * (otlp_edit_datapoint, OTLP_EDIT_DATAPOINT: attributes, a drop). The
 * rules above hold for them; a metric whose data points were all dropped
 * is removed with them, as a scope left without items is. The span
 * calls return OTLP_ESTATE on such a request, and the log and metric
 * calls on a request of another signal. Counts are the signal's items:
 * spans, log records, data points.
 */
#ifndef OTELC_SDK_OTLP_EDIT_H
#define OTELC_SDK_OTLP_EDIT_H

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_walk.h>
#include <otelc/sdk/otlp_walk_signals.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The editor; opaque. */
typedef struct otlp_editor otlp_editor;

/* Where an edit applies: the current resource, scope or span, or the
 * current event or link of the current span (otlp_edit_event and
 * otlp_edit_link move to them). */
enum otlp_edit_target {
    OTLP_EDIT_RESOURCE = 0,
    OTLP_EDIT_SCOPE = 1,
    OTLP_EDIT_SPAN = 2,
    OTLP_EDIT_EVENT = 3,
    OTLP_EDIT_LINK = 4,
    OTLP_EDIT_LOG = 5,       /* the current log record (logs requests) */
    OTLP_EDIT_METRIC = 6,    /* the current metric; its attributes are its metadata */
    OTLP_EDIT_DATAPOINT = 7, /* the current data point of the current metric */
};

/* What otlp_edit_attr_put does with the key present or absent (the
 * actions of the collector's attributes processor). */
enum otlp_attr_mode {
    OTLP_ATTR_UPSERT = 0, /* replace the value if present, else append */
    OTLP_ATTR_INSERT = 1, /* append only if absent */
    OTLP_ATTR_UPDATE = 2, /* replace only if present */
};

/* A new editor, or NULL if memory ran out. Free it with otlp_editor_free. */
otlp_editor *otlp_editor_new(void);

/* Frees the editor and any output not taken. NULL is a no-op. */
void otlp_editor_free(otlp_editor *ed);

/*
 * Starts editing the `len` bytes at `buf` (borrowed, see OWNERSHIP) as an
 * ExportTraceServiceRequest. Drops any previous output not taken and any
 * sticky error.
 */
void otlp_edit_begin(otlp_editor *ed, const uint8_t *buf, size_t len);

/*
 * Moves to the next resource, scope or span and fills *out as the walker
 * would (otlp_walk_resource, otlp_walk_scope, otlp_walk_span). What the
 * previous one at that level and below held is written out first. Returns
 * 1, 0 at the end of the level (or when the level above is not entered or
 * was dropped), or a negative OTLP_E* code.
 */
int otlp_edit_resource(otlp_editor *ed, otlp_resource *out);
int otlp_edit_scope(otlp_editor *ed, otlp_scope *out);
int otlp_edit_span(otlp_editor *ed, otlp_span *out);

/*
 * Starts editing a request of `signal` (otlp_edit_begin is this with
 * OTELC_TRACES). Another value reads as traces.
 */
void otlp_edit_begin_signal(otlp_editor *ed, otelc_signal signal, const uint8_t *buf,
                            size_t len);

/*
 * Moves to the next log record or metric of the current scope, as
 * otlp_edit_span does for spans, and fills *out as otlp_walk_log and
 * otlp_walk_metric would. Same returns; OTLP_ESTATE on a request of
 * another signal.
 */
int otlp_edit_log(otlp_editor *ed, otlp_log *out);
int otlp_edit_metric(otlp_editor *ed, otlp_metric *out);

/*
 * Moves to the next data point of the current metric and fills *out as
 * otlp_datapoint_next would. Each metric's list is iterated once; what
 * is left when the metric is left is copied unchanged. Returns 1, 0 at
 * the end (or when no metric is current), or a negative code.
 */
int otlp_edit_datapoint(otlp_editor *ed, otlp_datapoint *out);

/*
 * Moves to the next event or link of the current span and fills *out as
 * otlp_event_next and otlp_link_next would. Events and links are two
 * lists, each iterated once per span; what is left of one when the span
 * is left is copied unchanged. Returns 1, 0 at the end of the list (or
 * when no span is current, or past the limit otlp_edit_span_limit set),
 * or a negative OTLP_E* code.
 */
int otlp_edit_event(otlp_editor *ed, otlp_event *out);
int otlp_edit_link(otlp_editor *ed, otlp_link *out);

/*
 * Drops the current span, scope or resource with everything inside it
 * (what was written of it so far included), or the current event or link.
 * Iteration inside it ends: the next otlp_edit_span (after a scope drop)
 * or otlp_edit_scope (after a resource drop) returns 0. Returns 1 or
 * OTLP_ESTATE.
 */
int otlp_edit_drop(otlp_editor *ed, enum otlp_edit_target at);

/*
 * Sets the attribute `key` (key_len bytes, UTF-8) of the current resource,
 * scope, span, event or link to *v, as `mode` says. Every attribute with that key gets
 * the value (encoders write a key once); an appended one goes at the end
 * of the list. v may be any otlp_anyvalue, those the walker hands out
 * included (ARRAY and KVLIST bodies are copied as they are). Returns 1, 0
 * (mode said no), or a negative code.
 */
int otlp_edit_attr_put(otlp_editor *ed, enum otlp_edit_target at, const char *key,
                       size_t key_len, const otlp_anyvalue *v, enum otlp_attr_mode mode);

/* Removes every attribute `key`. Returns 1, 0 if there was none, or < 0. */
int otlp_edit_attr_delete(otlp_editor *ed, enum otlp_edit_target at, const char *key,
                          size_t key_len);

/*
 * Renames every attribute `from` to `to`, keeping its value and place.
 * When `to` is present already, it wins and `from` is deleted (the rule of
 * semantic-convention upgrades: the current key's value stays). Returns 1
 * when `from` was present, 0 if not (or from equals to), or < 0.
 */
int otlp_edit_attr_rename(otlp_editor *ed, enum otlp_edit_target at, const char *from,
                          size_t from_len, const char *to, size_t to_len);

/*
 * Replaces `n_remove` attributes of the current list, from position
 * `index` on (0-based, in the list as it stands: otlp_edit_attrs), with
 * the `n_insert` attributes at `ins` (keys and values copied; they may be
 * views of the current list). For edits that keep places: an attribute
 * renamed and given a new value where it was, one added beside another.
 * The caller keeps keys unique (the other edits act on every attribute
 * of a key). Returns 1 when something changed, 0 when both counts are 0,
 * OTLP_EINVALID when index + n_remove passes the end of the list, or
 * another negative code.
 */
int otlp_edit_attr_splice(otlp_editor *ed, enum otlp_edit_target at, size_t index,
                          size_t n_remove, const otlp_kv *ins, size_t n_insert);

/*
 * The attribute count limit: keeps the first `max` attributes of the
 * current list and adds the number removed to that message's
 * dropped_attributes_count. Returns that number (0 when within the
 * limit), or a negative code.
 */
int otlp_edit_attr_limit(otlp_editor *ed, enum otlp_edit_target at, size_t max);

/*
 * The attribute value length limit: cuts every string and bytes value of
 * the current list longer than `max` bytes, and the string and bytes
 * items of array values; strings at a UTF-8 character boundary (a string
 * stays valid, and may come out shorter than max). KVLIST values are left
 * as they are. Returns the number of values and items cut, or a negative
 * code.
 */
int otlp_edit_attr_truncate(otlp_editor *ed, enum otlp_edit_target at, size_t max);

/*
 * The event (`what` OTLP_EDIT_EVENT) or link (OTLP_EDIT_LINK) count limit
 * of the current span: keeps the first `max` and adds the number removed
 * to dropped_events_count or dropped_links_count. Call it before
 * iterating that list (the events or links past the limit are then not
 * visited). Returns that number, OTLP_ESTATE once the list was entered or
 * without a current span, or another negative code.
 */
int otlp_edit_span_limit(otlp_editor *ed, enum otlp_edit_target what, size_t max);

/*
 * The current attribute list of the current resource, scope, span, event
 * or link, the
 * edits made so far included (a view shows the input only), for actions
 * that read what earlier ones wrote: copy from one key to another, hash or
 * convert a value in place. *out is set for otlp_attr_find, otlp_attr_next
 * and otlp_list_iter_init. It points into the editor's own buffer (or the
 * input while nothing changed) and is valid until the next edit or move at
 * that level. A value read from it may be passed back to
 * otlp_edit_attr_put of the same list: the put copies it first where it
 * must. Returns OTLP_OK, or OTLP_ESTATE (or the sticky error) when nothing
 * is current there.
 */
int otlp_edit_attrs(otlp_editor *ed, enum otlp_edit_target at, otlp_list *out);

/*
 * Where a string of `len` bytes is cut to at most `max` bytes without
 * splitting a UTF-8 character: the number of bytes to keep (len when it
 * is not longer than max). Pure.
 */
size_t otlp_utf8_cut(const void *s, size_t len, size_t max);

/* Sets the current span's name (UTF-8). Returns 1 or a negative code. */
int otlp_edit_span_name(otlp_editor *ed, const char *name, size_t len);

/*
 * Sets the current span's trace_state (the W3C tracestate text; len 0
 * removes it): what a sampler writes when it records its threshold.
 * Returns 1 or a negative code.
 */
int otlp_edit_span_trace_state(otlp_editor *ed, const char *state, size_t len);

/*
 * Sets the current span's status code (Status.StatusCode: 0 unset, 1 ok,
 * 2 error) and message (UTF-8); message NULL keeps the message the span
 * has in the input. A status with code 0 and no message is left out. A
 * changed Status is written anew (unknown fields inside it are not
 * kept). Returns 1 or a negative code.
 */
int otlp_edit_span_status(otlp_editor *ed, int32_t code, const char *message, size_t len);

/*
 * Writes out what is left of the input unchanged and completes the
 * output. Returns OTLP_OK and sets *spans (may be NULL) to the spans (log
 * records, data points) the output holds, or the sticky negative code. Calling it again returns the
 * same. After it, edits return OTLP_ESTATE.
 */
int otlp_edit_finish(otlp_editor *ed, size_t *spans);

/*
 * The finished output, owned by the editor: valid until the next
 * otlp_edit_begin, otlp_edit_take or otlp_editor_free. NULL (with *len 0)
 * before a successful otlp_edit_finish and after a take. May be empty: a
 * request whose spans were all dropped is the empty request.
 */
const uint8_t *otlp_edit_output(const otlp_editor *ed, size_t *len);

/*
 * Transfers the finished output to the caller: *bytes (never NULL on
 * success, even when *len is 0) is malloc'ed, released with free(). The
 * editor starts its next output in a new buffer. Returns OTLP_OK, the
 * sticky negative code, or OTLP_ESTATE before otlp_edit_finish or once
 * the output was taken.
 */
int otlp_edit_take(otlp_editor *ed, uint8_t **bytes, size_t *len);

/*
 * Callbacks for otlp_edit_run. Each is called on entering its level, with
 * the editor standing there (edit with OTLP_EDIT_RESOURCE, ..._SCOPE,
 * ..._SPAN). A callback returns 0 to go on, or a negative value to stop:
 * otlp_edit_run then returns it. NULL callbacks are skipped; without a
 * span callback spans are copied undecoded, without scope and span
 * callbacks whole scopes are.
 */
typedef struct otlp_edit_fns {
    int (*resource)(void *arg, otlp_editor *ed, const otlp_resource *r);
    int (*scope)(void *arg, otlp_editor *ed, const otlp_scope *s);
    int (*span)(void *arg, otlp_editor *ed, const otlp_span *sp);
    /* Metrics and logs requests (otlp_edit_run_signal): a log record, a
     * metric, and each data point of the metric after its callback (a
     * metric the metric callback dropped has its points skipped). */
    int (*log)(void *arg, otlp_editor *ed, const otlp_log *l);
    int (*metric)(void *arg, otlp_editor *ed, const otlp_metric *m);
    int (*datapoint)(void *arg, otlp_editor *ed, const otlp_metric *m,
                     const otlp_datapoint *dp);
} otlp_edit_fns;

/*
 * Edits a whole request with callbacks: begin, visit, finish. Returns
 * OTLP_OK with *spans set (may be NULL), a negative OTLP_E* code, or a
 * callback's negative value. The output is then read or taken as above.
 */
int otlp_edit_run(otlp_editor *ed, const uint8_t *buf, size_t len, const otlp_edit_fns *fns,
                  void *arg, size_t *spans);

/* otlp_edit_run for a request of `signal`; *items counts its items. */
int otlp_edit_run_signal(otlp_editor *ed, otelc_signal signal, const uint8_t *buf, size_t len,
                         const otlp_edit_fns *fns, void *arg, size_t *items);

/*
 * The current span's other fields (appended to the editor: what a
 * transform statement may set). Each returns 1, or OTLP_ESTATE when no
 * span is current, or the sticky error. A value equal to proto3's
 * default (kind 0, time 0, an empty parent id) leaves the field out, as
 * encoders do.
 *
 * otlp_edit_span_kind: Span.SpanKind (0 unspecified ... 5 consumer).
 * otlp_edit_span_start, otlp_edit_span_end: the times, ns since the epoch.
 * otlp_edit_span_id: the trace id (16 bytes), the span id (8) or the
 * parent span id (8, or 0 for a root span); OTLP_EINVALID for another
 * length. The id is copied.
 */
int otlp_edit_span_kind(otlp_editor *ed, int32_t kind);
int otlp_edit_span_start(otlp_editor *ed, uint64_t unix_nano);
int otlp_edit_span_end(otlp_editor *ed, uint64_t unix_nano);

enum otlp_span_id_field {
    OTLP_TRACE_ID = 0,
    OTLP_SPAN_ID = 1,
    OTLP_PARENT_SPAN_ID = 2,
};
int otlp_edit_span_id(otlp_editor *ed, enum otlp_span_id_field which, const uint8_t *id,
                      size_t len);

/*
 * One field of a log record, metric or data point as otlp_edit_field
 * writes it: its number and wire type and the value of that type. The
 * field is written as given, zero included (a oneof member such as a
 * data point's as_double must be written to be present); `absent`
 * removes it instead. For PB_LEN, `any` (when not NULL) is an AnyValue
 * written as the field's message (a log record's body), else `bytes`
 * (a string, an id, or a message body).
 */
typedef struct otlp_field {
    uint32_t number;
    enum pb_wire_type wire; /* PB_VARINT, PB_I64, PB_I32 or PB_LEN */
    uint64_t u;             /* VARINT, I64 (a double's bits), I32 */
    pb_bytes bytes;         /* LEN; copied */
    const otlp_anyvalue *any;
    bool absent;
} otlp_field;

/*
 * Replaces every occurrence of a field of the current log record
 * (OTLP_EDIT_LOG), metric (OTLP_EDIT_METRIC) or data point
 * (OTLP_EDIT_DATAPOINT) with *f, or inserts it where protobuf's field
 * order puts it: what a transform statement sets (a body, a severity, a
 * metric's name, a point's value). The item's attributes, a metric's
 * metadata and a span's fields are edited with their own calls, not
 * this one (OTLP_EINVALID). A metric's data field (5 to 11) set this way
 * replaces its data points as visited: set it from a pass that does not
 * visit them. A field set twice keeps the last value. Returns 1,
 * OTLP_ESTATE when nothing is current there, OTLP_EINVALID for a field
 * that cannot be set, or the sticky error.
 */
int otlp_edit_field(otlp_editor *ed, enum otlp_edit_target at, const otlp_field *f);

/* ---- values for otlp_edit_attr_put ---- */

/* (Plain assignments, not designated initializers: C++17 includes these.) */

/* A value of no type yet, all zero. */
static inline otlp_anyvalue otlp_any_empty(void)
{
    otlp_anyvalue v;
    memset(&v, 0, sizeof v);
    return v;
}

/* A string value viewing s (NUL-terminated; copied by the edit call). */
static inline otlp_anyvalue otlp_any_string(const char *s)
{
    otlp_anyvalue v = otlp_any_empty();
    v.type = OTLP_ANY_STRING;
    v.bytes.ptr = (const uint8_t *)s;
    v.bytes.len = strlen(s);
    return v;
}

static inline otlp_anyvalue otlp_any_int(int64_t i)
{
    otlp_anyvalue v = otlp_any_empty();
    v.type = OTLP_ANY_INT;
    v.integer = i;
    return v;
}

static inline otlp_anyvalue otlp_any_double(double d)
{
    otlp_anyvalue v = otlp_any_empty();
    v.type = OTLP_ANY_DOUBLE;
    v.number = d;
    return v;
}

static inline otlp_anyvalue otlp_any_bool(bool b)
{
    otlp_anyvalue v = otlp_any_empty();
    v.type = OTLP_ANY_BOOL;
    v.boolean = b;
    return v;
}

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_OTLP_EDIT_H */
