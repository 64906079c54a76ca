/*
 * otlp_edit_sub.c: the events and links of the span the OTLP editor
 * stands on, and the data points of its metric. A list nobody visits or
 * limits is copied with its item; one that is entered is read element by
 * element and written anew into its own buffer, which then replaces the
 * input's occurrences in the item.
 */
#include "otlp_edit_wire.h"

#include <string.h>

#define SPAN_EVENTS 11
#define SPAN_DROPPED_EVENTS 12
#define SPAN_LINKS 13
#define SPAN_DROPPED_LINKS 14
#define EVENT_DROPPED_ATTRS 4
#define LINK_DROPPED_ATTRS 5

#define DATA_POINTS 1

static uint32_t list_field(const sub_list *s)
{
    static const uint32_t fields[] = {SPAN_EVENTS, SPAN_LINKS, DATA_POINTS};
    return fields[s->kind];
}

void sub_enter(sub_list *s, sub_kind kind, const otlp_list *in, uint32_t count_in)
{
    s->kind = kind;
    s->written = 0;
    s->in = view_cursor(in->range);
    s->entered = s->changed = s->open = s->dropped = false;
    s->max = SIZE_MAX;
    s->read = 0;
    s->count_in = count_in;
    s->cut = 0;
}

void sub_release(sub_list *s)
{
    ebuf_release(&s->out);
    attrs_release(&s->attrs);
    fields_release(&s->fields);
}

/* The next element of the list: 1 with its field and body, 0, or < 0. */
static int read_element(sub_list *s, pb_bytes *whole, pb_bytes *body)
{
    while (!pb_at_end(&s->in)) {
        const uint8_t *start = s->in.p;
        uint32_t f;
        enum pb_wire_type wt;
        if (!pb_read_tag_fast(&s->in, &f, &wt))
            return OTLP_EMALFORMED;
        bool ours = f == list_field(s) && wt == PB_LEN;
        if (ours ? !pb_read_len_fast(&s->in, body) : !pb_skip(&s->in, wt))
            return OTLP_EMALFORMED;
        if (!ours)
            continue; /* another field between two elements: the span keeps it */
        whole->ptr = start;
        whole->len = (size_t)(s->in.p - start);
        return 1;
    }
    return 0;
}

int sub_limit(sub_list *s, size_t max)
{
    pb_bytes whole, body;
    pb_cursor at = s->in;
    size_t n = 0;
    int rc;
    if (s->entered)
        return OTLP_ESTATE;
    while ((rc = read_element(s, &whole, &body)) > 0)
        n++;
    s->in = at;
    if (rc < 0)
        return rc;
    s->entered = true;
    s->out.len = 0;
    s->max = max;
    size_t cut = n > max ? n - max : 0;
    s->cut = cut > UINT32_MAX ? UINT32_MAX : (uint32_t)cut;
    return cut > INT32_MAX ? INT32_MAX : (int)cut;
}

/* A data point with the fields otlp_edit_field set and its attributes
 * (data points have no dropped count). */
static int write_with_fields(sub_list *s)
{
    patch own = attrs_patch(&s->attrs);
    patch all[FIELD_SET_MAX + 1];
    size_t n = fields_merge(&s->fields, &own, 1, all);
    open_msg m = msg_open(&s->out, list_field(s), s->body.len);
    int rc = copy_patched(&s->out, s->body, all, n);
    msg_close(&s->out, m);
    return rc;
}

/* Writes the current element (edited, unchanged or not at all). */
static int flush_element(sub_list *s)
{
    int rc = OTLP_OK;
    if (!s->open)
        return OTLP_OK;
    s->open = false;
    bool edited = s->attrs.gen > 0 || s->attrs.dropped_add > 0 || s->fields.n > 0;
    if (s->dropped)
        s->changed = true;
    else if (s->fields.n > 0)
        rc = write_with_fields(s);
    else if (edited)
        rc = write_with_attrs(&s->out, list_field(s), s->body, &s->attrs);
    else
        ebuf_put(&s->out, s->whole.ptr, s->whole.len);
    s->written += !s->dropped;
    if (!s->dropped && edited)
        s->changed = true;
    return rc;
}

/* Decodes one element into its walker view. */
static int decode(const sub_list *s, pb_bytes whole, void *view)
{
    otlp_list one = {whole, list_field(s)};
    otlp_list_iter it;
    otlp_list_iter_init(&it, &one);
    switch (s->kind) {
    case SUB_LINKS: return otlp_link_next(&it, view);
    case SUB_POINTS: return otlp_datapoint_next(&it, s->point_kind, view);
    default: return otlp_event_next(&it, view);
    }
}

/* Where the element's attributes are, and their dropped count. */
static const otlp_list *element_attrs(const sub_list *s, const void *view, attr_where *where)
{
    if (s->kind == SUB_LINKS) {
        const otlp_link *l = view;
        *where = (attr_where){LINK_DROPPED_ATTRS, l->dropped_attributes_count};
        return &l->attrs;
    }
    if (s->kind == SUB_POINTS) {
        *where = (attr_where){0, 0}; /* data points count no dropped attributes */
        return &((const otlp_datapoint *)view)->attrs;
    }
    const otlp_event *e = view;
    *where = (attr_where){EVENT_DROPPED_ATTRS, e->dropped_attributes_count};
    return &e->attrs;
}

int sub_next(sub_list *s, void *view)
{
    int rc = flush_element(s);
    pb_bytes whole, body;
    if (!s->entered) {
        s->entered = true;
        s->out.len = 0;
    }
    if (rc != OTLP_OK || s->read >= s->max)
        return rc;
    if ((rc = read_element(s, &whole, &body)) <= 0)
        return rc;
    if ((rc = decode(s, whole, view)) != 1)
        return rc < 0 ? rc : OTLP_EMALFORMED;
    attr_where where;
    const otlp_list *attrs = element_attrs(s, view, &where);
    attrs_enter(&s->attrs, attrs, where);
    fields_clear(&s->fields);
    s->read++;
    s->open = true;
    s->dropped = false;
    s->whole = whole;
    s->body = body;
    return 1;
}

int sub_close(sub_list *s)
{
    pb_bytes whole, body;
    int rc = flush_element(s);
    if (!s->entered || rc != OTLP_OK)
        return rc;
    while (s->read < s->max && (rc = read_element(s, &whole, &body)) > 0) {
        ebuf_put(&s->out, whole.ptr, whole.len);
        s->read++;
        s->written++;
    }
    if (s->cut > 0)
        s->changed = true;
    return rc < 0 ? rc : s->out.failed ? OTLP_ENOMEM : OTLP_OK;
}

patch sub_patch(const sub_list *s)
{
    patch p = {list_field(s), {s->out.p, s->out.len}, s->entered && s->changed};
    return p;
}

patch sub_count_patch(sub_list *s)
{
    uint32_t field = s->kind == SUB_LINKS ? SPAN_DROPPED_LINKS : SPAN_DROPPED_EVENTS;
    uint64_t sum = (uint64_t)s->count_in + s->cut;
    patch p = {field, {s->count_bytes, 0}, s->cut > 0};
    if (p.on)
        p.bytes.len = varint_field(s->count_bytes, field, sum > UINT32_MAX ? UINT32_MAX : sum);
    return p;
}
