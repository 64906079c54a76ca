/*
 * otlp_walk.h: an allocation-free walker over serialized OTLP trace requests.
 *
 * Part of the otelc plugin SDK. The input is the bytes of one
 * opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest (or any
 * concatenation of them, which protobuf defines as their merge). The walker
 * visits resource -> scope -> span and hands out views (`pb_bytes`) that
 * point into the caller's buffer: nothing is copied, nothing is allocated,
 * and every view lives exactly as long as that buffer. Stages that only
 * look at spans (routing, counting, indexing) use this instead of decoding.
 *
 * Rules shared by every function here:
 *  - Bounds: no function reads outside [buf, buf + len); truncated or
 *    malformed input yields a negative OTLP_E* code, never a crash.
 *  - Forward compatibility: unknown fields are skipped (their wire format
 *    must still be sound); a known field with the wrong wire type is an
 *    error (OTLP_EWIRETYPE).
 *  - Repeated occurrences of a singular field: the last one wins, as in
 *    protobuf, and a repeated Span.status merges field by field. Other
 *    embedded singular messages (resource, scope) are not merged: the last
 *    occurrence is the one shown. Encoders never repeat them.
 *  - Strings are not checked for UTF-8 here; otlp_validate.h does that once
 *    when a request enters the pipeline.
 *  - Threading: all functions are pure; a walker or iterator is used by one
 *    thread at a time, and any number of them may share one buffer.
 *
 * Typical use:
 *
 *     otlp_walker w;
 *     otlp_resource r; otlp_scope s; otlp_span sp;
 *     otlp_walk_init(&w, buf, len);
 *     while (otlp_walk_resource(&w, &r) > 0)
 *         while (otlp_walk_scope(&w, &s) > 0)
 *             while (otlp_walk_span(&w, &sp) > 0)
 *                 use(&r, &s, &sp);
 *     if (otlp_walk_error(&w) < 0)
 *         reject();
 */
#ifndef OTELC_SDK_OTLP_WALK_H
#define OTELC_SDK_OTLP_WALK_H

#include <otelc/sdk/pbwire.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes of the OTLP SDK functions (walk, validate, split, edit). */
enum otlp_status {
    OTLP_OK = 0,
    OTLP_EMALFORMED = -1, /* truncated, bad varint or tag, length past the end */
    OTLP_EWIRETYPE = -2,  /* a known field has the wrong wire type */
    OTLP_EDEPTH = -3,     /* AnyValue nesting deeper than OTLP_MAX_DEPTH */
    OTLP_EINVALID = -4,   /* well-formed but breaks an OTLP rule (validation) */
    OTLP_ENOSPACE = -5,   /* a caller's output buffer is too small */
    OTLP_ENOMEM = -6,     /* memory ran out (the editor's output) */
    OTLP_ESTATE = -7,     /* called out of order: nothing current to edit */
};

/* Deepest AnyValue nesting (arrays and kvlists inside values) accepted. */
#define OTLP_MAX_DEPTH 64

/* A short static description of an OTLP_* status code; never NULL. */
const char *otlp_strerror(int status);

/*
 * A repeated message field inside a message: `range` spans from the first
 * occurrence's tag to the last occurrence's end (other fields may sit in
 * between; iterators skip them) and `field` is its field number. An empty
 * list has range.len == 0.
 */
typedef struct otlp_list {
    pb_bytes range;
    uint32_t field;
} otlp_list;

/* A cursor over an otlp_list; see otlp_list_iter_init(). */
typedef struct otlp_list_iter {
    pb_cursor c;
    uint32_t field;
} otlp_list_iter;

enum otlp_any_type {
    OTLP_ANY_EMPTY = 0, /* no value set */
    OTLP_ANY_STRING,
    OTLP_ANY_BOOL,
    OTLP_ANY_INT,
    OTLP_ANY_DOUBLE,
    OTLP_ANY_ARRAY,    /* bytes = ArrayValue body; iterate with otlp_array_next */
    OTLP_ANY_KVLIST,   /* bytes = KeyValueList body; iterate with otlp_attr_next */
    OTLP_ANY_BYTES,
    OTLP_ANY_STRINDEX, /* integer = index into a profiles string table */
};

/* One AnyValue; scalar payloads are decoded, the rest are views. */
typedef struct otlp_anyvalue {
    enum otlp_any_type type;
    union {
        pb_bytes bytes;  /* STRING, BYTES, ARRAY, KVLIST */
        bool boolean;    /* BOOL */
        int64_t integer; /* INT, STRINDEX */
        double number;   /* DOUBLE */
    };
} otlp_anyvalue;

/* One attribute (KeyValue). */
typedef struct otlp_kv {
    pb_bytes key;
    otlp_anyvalue value;
} otlp_kv;

typedef struct otlp_resource {
    pb_bytes raw;          /* the whole ResourceSpans message body */
    pb_bytes resource;     /* the Resource message body; empty if absent */
    otlp_list attrs;       /* Resource.attributes */
    pb_bytes service_name; /* string value of "service.name"; ptr NULL if none */
    pb_bytes schema_url;
    uint32_t dropped_attributes_count;
} otlp_resource;

typedef struct otlp_scope {
    pb_bytes raw;   /* the whole ScopeSpans message body */
    pb_bytes scope; /* the InstrumentationScope body; empty if absent */
    pb_bytes name;
    pb_bytes version;
    otlp_list attrs;
    pb_bytes schema_url; /* ScopeSpans.schema_url */
    uint32_t dropped_attributes_count;
} otlp_scope;

typedef struct otlp_span {
    pb_bytes raw; /* the whole Span message body; the views below point into it */
    pb_bytes trace_id;
    pb_bytes span_id;
    pb_bytes trace_state;
    pb_bytes parent_span_id;
    pb_bytes name;
    int32_t kind; /* Span.SpanKind */
    uint32_t flags;
    uint64_t start_time_unix_nano;
    uint64_t end_time_unix_nano;
    otlp_list attrs;  /* field 9; attrs.range.ptr - raw.ptr is their offset */
    otlp_list events; /* field 11; iterate with otlp_event_next */
    otlp_list links;  /* field 13; iterate with otlp_link_next */
    uint32_t dropped_attributes_count;
    uint32_t dropped_events_count;
    uint32_t dropped_links_count;
    int32_t status_code; /* Status.StatusCode; 0 (UNSET) if no status */
    pb_bytes status_message;
} otlp_span;

typedef struct otlp_event {
    pb_bytes raw;
    uint64_t time_unix_nano;
    pb_bytes name;
    otlp_list attrs;
    uint32_t dropped_attributes_count;
} otlp_event;

typedef struct otlp_link {
    pb_bytes raw;
    pb_bytes trace_id;
    pb_bytes span_id;
    pb_bytes trace_state;
    otlp_list attrs;
    uint32_t dropped_attributes_count;
    uint32_t flags;
} otlp_link;

/* Walker state; treat as opaque. Copying it forks the walk. */
typedef struct otlp_walker {
    pb_cursor req;    /* ResourceSpans not yet visited */
    pb_cursor scopes; /* ScopeSpans of the current resource not yet visited */
    pb_cursor spans;  /* Spans of the current scope not yet visited */
    int err;          /* sticky: once set, every step returns it */
} otlp_walker;

/*
 * Starts a walk over `len` bytes at `buf` (borrowed; must outlive the walker
 * and every view it hands out).
 */
void otlp_walk_init(otlp_walker *w, const uint8_t *buf, size_t len);

/*
 * Advances to the next ResourceSpans and fills *out. Returns 1 when *out was
 * filled, 0 at the end of the request, or a negative OTLP_E* code. Moving to
 * the next resource abandons the rest of the current one.
 */
int otlp_walk_resource(otlp_walker *w, otlp_resource *out);

/*
 * Advances to the next ScopeSpans of the current resource. Returns 1 when
 * *out was filled, 0 when the resource has no more scopes (or no resource
 * was entered yet), or a negative OTLP_E* code.
 */
int otlp_walk_scope(otlp_walker *w, otlp_scope *out);

/*
 * Advances to the next Span of the current scope and decodes its top-level
 * fields (attributes, events and links are left as lists to iterate on
 * demand). Returns 1, 0 at the end of the scope, or a negative OTLP_E* code.
 */
int otlp_walk_span(otlp_walker *w, otlp_span *out);

/* The walk's sticky error: OTLP_OK or the first negative code met. */
static inline int otlp_walk_error(const otlp_walker *w)
{
    return w->err;
}

/*
 * Counts the spans of a request without decoding them: only the
 * ResourceSpans and ScopeSpans levels are read. Returns OTLP_OK and sets
 * *n, or a negative OTLP_E* code (then *n is untouched).
 */
int otlp_count_spans(const uint8_t *buf, size_t len, size_t *n);

/* Starts iterating over a list (attributes, events, links, array values). */
void otlp_list_iter_init(otlp_list_iter *it, const otlp_list *list);

/*
 * Attribute iteration over a list of KeyValue messages (resource, scope,
 * span, event or link attributes, or a KVLIST value). Returns 1 with *out
 * filled, 0 at the end, or a negative OTLP_E* code.
 */
int otlp_attr_next(otlp_list_iter *it, otlp_kv *out);

/* Value iteration over an ARRAY value; same returns as otlp_attr_next. */
int otlp_array_next(otlp_list_iter *it, otlp_anyvalue *out);

/* Event and link iteration over otlp_span.events / .links; same returns. */
int otlp_event_next(otlp_list_iter *it, otlp_event *out);
int otlp_link_next(otlp_list_iter *it, otlp_link *out);

/*
 * The items of an ARRAY or KVLIST value as a list (empty for other types),
 * for otlp_array_next / otlp_attr_next respectively.
 */
otlp_list otlp_any_items(const otlp_anyvalue *v);

/*
 * Decodes one AnyValue message body (one level: arrays and kvlists stay
 * views). Returns OTLP_OK or a negative OTLP_E* code.
 */
int otlp_any_decode(const uint8_t *buf, size_t len, otlp_anyvalue *out);

/*
 * Looks up the first attribute whose key equals the `key_len` bytes at
 * `key`. Only the matching attribute's value is decoded. Returns 1 with *out
 * filled, 0 if absent, or a negative OTLP_E* code.
 */
int otlp_attr_find(const otlp_list *attrs, const char *key, size_t key_len,
                   otlp_anyvalue *out);

/* otlp_attr_find over a span's attributes. */
static inline int otlp_span_attr(const otlp_span *s, const char *key, size_t key_len,
                                 otlp_anyvalue *out)
{
    return otlp_attr_find(&s->attrs, key, key_len, out);
}

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_OTLP_WALK_H */
