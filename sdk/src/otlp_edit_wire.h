/*
 * otlp_edit_wire.h: the writing half of the OTLP editor (private to the
 * SDK): a growable output buffer, length-delimited messages whose length
 * is written when they close, a message copy that replaces or inserts
 * chosen fields, and the attribute lists the edit calls change.
 */
#ifndef OTELC_SDK_OTLP_EDIT_WIRE_H
#define OTELC_SDK_OTLP_EDIT_WIRE_H

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_walk_signals.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. Once an allocation fails, `failed` stays set
 * and every later write is dropped: callers check it once at the end. */
typedef struct ebuf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} ebuf;

bool ebuf_reserve(ebuf *b, size_t more);
void ebuf_put(ebuf *b, const void *p, size_t n);
void ebuf_varint(ebuf *b, uint64_t v);
void ebuf_tag(ebuf *b, uint32_t field, enum pb_wire_type wt);
/* A LEN field: tag, length, payload. */
void ebuf_len_field(ebuf *b, uint32_t field, const void *p, size_t n);
/* Replaces the `old` bytes at `at` with the n bytes at p. */
void ebuf_splice(ebuf *b, size_t at, size_t old, const uint8_t *p, size_t n);
void ebuf_release(ebuf *b);

/* Bytes of a LEN field of number <= 15 with an n-byte payload. */
static inline size_t len_field_size(size_t n)
{
    return 1 + pb_varint_size(n) + n;
}

/* A cursor over a view; empty views may carry a NULL pointer. */
static inline pb_cursor view_cursor(pb_bytes v)
{
    pb_cursor c = {v.ptr, v.ptr ? v.ptr + v.len : v.ptr};
    return c;
}

/*
 * A LEN field being written: its length is known when it closes. Room for
 * the length is reserved from a guess (the input message's length, which
 * edits rarely change by much); a wrong guess costs one memmove.
 */
typedef struct open_msg {
    size_t body_at;
    size_t reserved;
} open_msg;

open_msg msg_open(ebuf *b, uint32_t field, size_t guess);
void msg_close(ebuf *b, open_msg m);

/*
 * A field a message copy writes instead of the input's: `bytes` are whole
 * encoded fields (possibly several, possibly none). Patches of one copy
 * are sorted by field number.
 */
typedef struct patch {
    uint32_t field;
    pb_bytes bytes;
    bool on; /* off: the input's occurrences are copied */
} patch;

/*
 * Copies the fields of a message body to b in order, except that the
 * occurrences of a patched field are replaced by its bytes, written once
 * at the first of them; a patched field the input lacks is written before
 * the first field of a higher number (or at the end). Returns OTLP_OK or
 * OTLP_EMALFORMED.
 */
int copy_patched(ebuf *b, pb_bytes body, const patch *patches, size_t n);

/*
 * An attribute list being edited (the KeyValue field of one message). It
 * is loaded from the input on the first edit; every change rewrites it
 * into `tmp` and swaps, so it is always whole encoded fields.
 */
typedef struct attr_list {
    uint32_t field; /* the list's field number in its message */
    otlp_list in;   /* the input's list, as the walker showed it */
    ebuf cur, tmp;
    ebuf value;     /* an array value being rebuilt (truncate) */
    bool loaded;
    unsigned gen; /* changes made since the list was entered */
    /* The message's dropped_attributes_count: its field, the input's
     * value, what limits added, and the field as written. */
    uint32_t dropped_field, dropped_in, dropped_add;
    uint8_t dropped_bytes[16];
} attr_list;

/* Where a message keeps its attributes' dropped count, and how many the
 * input says were dropped before. */
typedef struct attr_where {
    uint32_t dropped_field;
    uint32_t dropped_in;
} attr_where;

/* Enters a list: no edits yet; buffers are kept for reuse. */
void attrs_enter(attr_list *l, const otlp_list *in, attr_where where);
void attrs_release(attr_list *l);
/* The edited list as a patch of its message (off when unchanged). */
patch attrs_patch(const attr_list *l);
/* The dropped_attributes_count field as a patch (off when no limit cut). */
patch attrs_dropped_patch(attr_list *l);

/* The list as it stands (loaded on first use), as an otlp_list view of
 * cur, or of the input while nothing changed. OTLP_OK or a negative code. */
int attrs_current(attr_list *l, otlp_list *out);
/* The edit operations; return 1 (changed), 0 or a negative code. */
int attrs_put(attr_list *l, pb_bytes key, const otlp_anyvalue *v, enum otlp_attr_mode mode);
int attrs_delete(attr_list *l, pb_bytes key);
int attrs_rename(attr_list *l, pb_bytes from, pb_bytes to);
int attrs_splice(attr_list *l, size_t index, size_t n_remove, const otlp_kv *ins,
                 size_t n_insert);
/* Limits: return how many attributes (values) were cut, or < 0. */
int attrs_limit(attr_list *l, size_t max);
int attrs_truncate(attr_list *l, size_t max);

/* A varint field (tag and value) into out (>= 16 bytes); its length. */
size_t varint_field(uint8_t *out, uint32_t field, uint64_t v);

/* Writes a message body with its edited attribute list and dropped
 * count, as field `field` of b (events, links, headers). */
int write_with_attrs(ebuf *b, uint32_t field, pb_bytes body, attr_list *l);

/* A field holding an AnyValue message (a log record's body). */
void any_field_write(ebuf *b, uint32_t field, const otlp_anyvalue *v);

/*
 * The fields of one message (a log record, a metric, a data point) that
 * otlp_edit_field replaced (otlp_edit_field.c), in the order first set:
 * each value is the whole encoded field, empty when it was removed.
 */
#define FIELD_SET_MAX 8
typedef struct field_set {
    size_t n;
    uint32_t num[FIELD_SET_MAX];
    ebuf val[FIELD_SET_MAX];
} field_set;

/* Forgets the fields set (buffers are kept for reuse). */
static inline void fields_clear(field_set *fs)
{
    fs->n = 0;
}
void fields_release(field_set *fs);
/* Records *f: 1, or OTLP_ENOMEM, or OTLP_EINVALID (too many fields, a
 * wire type it cannot write). */
int fields_put(field_set *fs, const otlp_field *f);
/*
 * fs's fields and the n patches `others` (sorted) as patches sorted by
 * field number into out (room for FIELD_SET_MAX + n); a field of fs
 * replaces a patch of the same number. Returns how many.
 */
size_t fields_merge(const field_set *fs, const patch *others, size_t n, patch *out);

/* The lists of sub-messages below the item the editor stands on. */
typedef enum sub_kind {
    SUB_EVENTS = 0, /* Span.events (11), dropped_events_count 12 */
    SUB_LINKS,      /* Span.links (13), dropped_links_count 14 */
    SUB_POINTS,     /* data_points (1) of a metric's data message: no dropped count */
} sub_kind;

/*
 * The events or the links of the current span, or the data points of the
 * current metric, once visited or limited (otlp_edit_sub.c): from then on
 * the list is written into `out`, which replaces the input's occurrences
 * when anything changed.
 */
typedef struct sub_list {
    sub_kind kind;
    enum otlp_metric_kind point_kind; /* SUB_POINTS: the metric's */
    size_t written;       /* elements written to out */
    pb_cursor in;         /* elements not read yet */
    bool entered, changed;
    size_t max, read;     /* the limit, and elements read so far */
    uint32_t count_in, cut; /* dropped_*_count of the input, and cut since */
    ebuf out;
    uint8_t count_bytes[16];
    bool open, dropped;   /* the current element */
    pb_bytes whole, body;
    attr_list attrs;
    field_set fields;     /* a data point's fields otlp_edit_field set */
} sub_list;

/* A new item's list (its view and dropped count). */
void sub_enter(sub_list *s, sub_kind kind, const otlp_list *in, uint32_t count_in);
void sub_release(sub_list *s);
/* The count limit; see otlp_edit_span_limit. */
int sub_limit(sub_list *s, size_t max);
/* The next element into *view (otlp_event, otlp_link or
 * otlp_datapoint): 1, 0, < 0. */
int sub_next(sub_list *s, void *view);
/* Writes the current element and the rest of the list out. */
int sub_close(sub_list *s);
/* The list and its dropped count as patches of the span. */
patch sub_patch(const sub_list *s);
patch sub_count_patch(sub_list *s);

#endif /* OTELC_SDK_OTLP_EDIT_WIRE_H */
