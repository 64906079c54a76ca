/*
 * otlp_walk.c: the allocation-free OTLP trace walker.
 *
 * Each level reads only what it hands out: a ResourceSpans scan skips the
 * ScopeSpans payloads by length, a span decode leaves attributes, events and
 * links as byte ranges. Field numbers follow opentelemetry-proto
 * (collector/trace/v1, trace/v1, resource/v1, common/v1).
 */
#include <otelc/sdk/otlp_walk.h>

#include <string.h>

#include "otlp_wire_read.h"

static const pb_cursor no_cursor = {NULL, NULL};

#define SERVICE_NAME "service.name"


static otlp_list empty_list(uint32_t field)
{
    otlp_list l = {{NULL, 0}, field};
    return l;
}

/* ---- AnyValue and KeyValue ---- */

static int any_field(pb_cursor *c, uint32_t f, enum pb_wire_type wt, otlp_anyvalue *out)
{
    static const enum otlp_any_type len_types[8] = {
        [1] = OTLP_ANY_STRING, [5] = OTLP_ANY_ARRAY, [6] = OTLP_ANY_KVLIST, [7] = OTLP_ANY_BYTES};
    uint64_t v = 0;
    int rc;

    switch (f) {
    case 1: case 5: case 6: case 7:
        rc = rd_bytes(c, wt, &out->bytes);
        out->type = len_types[f];
        return rc;
    case 2:
        rc = rd_varint(c, wt, &v);
        out->type = OTLP_ANY_BOOL;
        out->boolean = v != 0;
        return rc;
    case 3: case 8:
        rc = rd_varint(c, wt, &v);
        out->type = f == 3 ? OTLP_ANY_INT : OTLP_ANY_STRINDEX;
        out->integer = f == 3 ? (int64_t)v : (int32_t)(uint32_t)v;
        return rc;
    case 4:
        rc = rd_fixed64(c, wt, &v);
        out->type = OTLP_ANY_DOUBLE;
        memcpy(&out->number, &v, sizeof out->number);
        return rc;
    default:
        return rd_skip(c, wt);
    }
}

int otlp_any_decode(const uint8_t *buf, size_t len, otlp_anyvalue *out)
{
    pb_cursor c = wr_view_cursor(buf, len);
    memset(out, 0, sizeof *out);
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = any_field(&c, f, wt, out);
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

/* Splits a KeyValue body into its key and its (undecoded) value body. */
static int kv_split(pb_bytes kv, pb_bytes *key, pb_bytes *value)
{
    pb_cursor c = wr_view_cursor(kv.ptr, kv.len);
    uint32_t ignored;
    key->ptr = value->ptr = NULL;
    key->len = value->len = 0;
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc != OTLP_OK)
            return rc;
        switch (f) {
        case 1: rc = rd_bytes(&c, wt, key); break;
        case 2: rc = rd_bytes(&c, wt, value); break;
        case 3: rc = rd_u32(&c, wt, &ignored); break; /* key_strindex: profiles only */
        default: rc = rd_skip(&c, wt); break;
        }
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

void otlp_list_iter_init(otlp_list_iter *it, const otlp_list *list)
{
    it->c = wr_view_cursor(list->range.ptr, list->range.len);
    it->field = list->field;
}

int otlp_attr_next(otlp_list_iter *it, otlp_kv *out)
{
    pb_bytes kv, value;
    int rc = next_len_field(&it->c, it->field, &kv);
    if (rc <= 0)
        return rc;
    rc = kv_split(kv, &out->key, &value);
    if (rc == OTLP_OK)
        rc = otlp_any_decode(value.ptr, value.len, &out->value);
    return rc == OTLP_OK ? 1 : rc;
}

int otlp_array_next(otlp_list_iter *it, otlp_anyvalue *out)
{
    pb_bytes value;
    int rc = next_len_field(&it->c, it->field, &value);
    if (rc <= 0)
        return rc;
    rc = otlp_any_decode(value.ptr, value.len, out);
    return rc == OTLP_OK ? 1 : rc;
}

otlp_list otlp_any_items(const otlp_anyvalue *v)
{
    otlp_list l = empty_list(1); /* ArrayValue.values and KeyValueList.values */
    if (v->type == OTLP_ANY_ARRAY || v->type == OTLP_ANY_KVLIST)
        l.range = v->bytes;
    return l;
}

int otlp_attr_find(const otlp_list *attrs, const char *key, size_t key_len,
                   otlp_anyvalue *out)
{
    otlp_list_iter it;
    pb_bytes kv, k, value;
    int rc;

    otlp_list_iter_init(&it, attrs);
    while ((rc = next_len_field(&it.c, it.field, &kv)) > 0) {
        rc = kv_split(kv, &k, &value);
        if (rc != OTLP_OK)
            return rc;
        if (k.len == key_len && (key_len == 0 || memcmp(k.ptr, key, key_len) == 0)) {
            rc = otlp_any_decode(value.ptr, value.len, out);
            return rc == OTLP_OK ? 1 : rc;
        }
    }
    return rc;
}

/* ---- resource and scope headers ---- */

static int resource_decode(otlp_resource *r)
{
    pb_cursor c = wr_view_cursor(r->resource.ptr, r->resource.len);
    pb_bytes ignored;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc != OTLP_OK)
            return rc;
        switch (f) {
        case 1: rc = rd_list(&c, wt, start, &r->attrs); break;
        case 2: rc = rd_u32(&c, wt, &r->dropped_attributes_count); break;
        case 3: rc = rd_bytes(&c, wt, &ignored); break; /* entity_refs */
        default: rc = rd_skip(&c, wt); break;
        }
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

static int service_name_lookup(otlp_resource *r)
{
    otlp_anyvalue v = {.type = OTLP_ANY_EMPTY};
    int rc = otlp_attr_find(&r->attrs, SERVICE_NAME, sizeof SERVICE_NAME - 1, &v);
    if (rc > 0 && v.type == OTLP_ANY_STRING)
        r->service_name = v.bytes;
    return rc < 0 ? rc : OTLP_OK;
}

/*
 * Decodes the non-repeated fields of a ResourceSpans or ScopeSpans body
 * (fields 1 = header message, 2 = children, 3 = schema_url) and returns a
 * cursor starting at the first child.
 */
static int container_decode(pb_bytes body, pb_bytes *header, pb_bytes *schema_url,
                            pb_cursor *children)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    const uint8_t *first_child = NULL;
    pb_bytes child;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc != OTLP_OK)
            return rc;
        switch (f) {
        case 1: rc = rd_bytes(&c, wt, header); break;
        case 2: rc = rd_bytes(&c, wt, &child); break;
        case 3: rc = rd_bytes(&c, wt, schema_url); break;
        default: rc = rd_skip(&c, wt); break;
        }
        if (rc != OTLP_OK)
            return rc;
        if (f == 2 && first_child == NULL)
            first_child = start;
    }
    *children = first_child ? wr_view_cursor(first_child, (size_t)(c.end - first_child))
                            : no_cursor;
    return OTLP_OK;
}

static int scope_decode(otlp_scope *s)
{
    pb_cursor c = wr_view_cursor(s->scope.ptr, s->scope.len);
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc != OTLP_OK)
            return rc;
        switch (f) {
        case 1: rc = rd_bytes(&c, wt, &s->name); break;
        case 2: rc = rd_bytes(&c, wt, &s->version); break;
        case 3: rc = rd_list(&c, wt, start, &s->attrs); break;
        case 4: rc = rd_u32(&c, wt, &s->dropped_attributes_count); break;
        default: rc = rd_skip(&c, wt); break;
        }
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

/* ---- spans, events, links ---- */

/* A repeated Status merges into the previous one, as protobuf defines. */
static int status_decode(pb_bytes body, otlp_span *s)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc != OTLP_OK)
            return rc;
        switch (f) {
        case 2: rc = rd_bytes(&c, wt, &s->status_message); break;
        case 3: rc = rd_enum(&c, wt, &s->status_code); break;
        default: rc = rd_skip(&c, wt); break;
        }
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

static int span_field(pb_cursor *c, uint32_t f, enum pb_wire_type wt, const uint8_t *start,
                      otlp_span *s)
{
    pb_bytes status;
    int rc;
    switch (f) {
    case 1: return rd_bytes(c, wt, &s->trace_id);
    case 2: return rd_bytes(c, wt, &s->span_id);
    case 3: return rd_bytes(c, wt, &s->trace_state);
    case 4: return rd_bytes(c, wt, &s->parent_span_id);
    case 5: return rd_bytes(c, wt, &s->name);
    case 6: return rd_enum(c, wt, &s->kind);
    case 7: return rd_fixed64(c, wt, &s->start_time_unix_nano);
    case 8: return rd_fixed64(c, wt, &s->end_time_unix_nano);
    case 9: return rd_list(c, wt, start, &s->attrs);
    case 10: return rd_u32(c, wt, &s->dropped_attributes_count);
    case 11: return rd_list(c, wt, start, &s->events);
    case 12: return rd_u32(c, wt, &s->dropped_events_count);
    case 13: return rd_list(c, wt, start, &s->links);
    case 14: return rd_u32(c, wt, &s->dropped_links_count);
    case 15:
        rc = rd_bytes(c, wt, &status);
        return rc == OTLP_OK ? status_decode(status, s) : rc;
    case 16: return rd_fixed32(c, wt, &s->flags);
    default: return rd_skip(c, wt);
    }
}

static int span_decode(pb_bytes body, otlp_span *s)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    memset(s, 0, sizeof *s);
    s->raw = body;
    s->attrs.field = 9;
    s->events.field = 11;
    s->links.field = 13;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = span_field(&c, f, wt, start, s);
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

static int event_decode(pb_bytes body, otlp_event *e)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    memset(e, 0, sizeof *e);
    e->raw = body;
    e->attrs.field = 3;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc != OTLP_OK)
            return rc;
        switch (f) {
        case 1: rc = rd_fixed64(&c, wt, &e->time_unix_nano); break;
        case 2: rc = rd_bytes(&c, wt, &e->name); break;
        case 3: rc = rd_list(&c, wt, start, &e->attrs); break;
        case 4: rc = rd_u32(&c, wt, &e->dropped_attributes_count); break;
        default: rc = rd_skip(&c, wt); break;
        }
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

static int link_field(pb_cursor *c, uint32_t f, enum pb_wire_type wt, const uint8_t *start,
                      otlp_link *l)
{
    switch (f) {
    case 1: return rd_bytes(c, wt, &l->trace_id);
    case 2: return rd_bytes(c, wt, &l->span_id);
    case 3: return rd_bytes(c, wt, &l->trace_state);
    case 4: return rd_list(c, wt, start, &l->attrs);
    case 5: return rd_u32(c, wt, &l->dropped_attributes_count);
    case 6: return rd_fixed32(c, wt, &l->flags);
    default: return rd_skip(c, wt);
    }
}

static int link_decode(pb_bytes body, otlp_link *l)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    memset(l, 0, sizeof *l);
    l->raw = body;
    l->attrs.field = 4;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = link_field(&c, f, wt, start, l);
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

int otlp_event_next(otlp_list_iter *it, otlp_event *out)
{
    pb_bytes body;
    int rc = next_len_field(&it->c, it->field, &body);
    if (rc <= 0)
        return rc;
    rc = event_decode(body, out);
    return rc == OTLP_OK ? 1 : rc;
}

int otlp_link_next(otlp_list_iter *it, otlp_link *out)
{
    pb_bytes body;
    int rc = next_len_field(&it->c, it->field, &body);
    if (rc <= 0)
        return rc;
    rc = link_decode(body, out);
    return rc == OTLP_OK ? 1 : rc;
}

/* ---- the walker ---- */

void otlp_walk_init(otlp_walker *w, const uint8_t *buf, size_t len)
{
    w->req = wr_view_cursor(buf, len);
    w->scopes = no_cursor;
    w->spans = no_cursor;
    w->err = OTLP_OK;
}

int otlp_walk_resource(otlp_walker *w, otlp_resource *out)
{
    pb_bytes body;
    int rc;
    if (w->err != OTLP_OK)
        return w->err;
    w->scopes = w->spans = no_cursor;
    rc = next_len_field(&w->req, 1, &body); /* ExportTraceServiceRequest.resource_spans */
    if (rc <= 0)
        return wr_walk_fail(w, rc);
    memset(out, 0, sizeof *out);
    out->raw = body;
    out->attrs = empty_list(1);
    rc = container_decode(body, &out->resource, &out->schema_url, &w->scopes);
    if (rc == OTLP_OK)
        rc = resource_decode(out);
    if (rc == OTLP_OK)
        rc = service_name_lookup(out);
    return rc == OTLP_OK ? 1 : wr_walk_fail(w, rc);
}

int otlp_walk_scope(otlp_walker *w, otlp_scope *out)
{
    pb_bytes body;
    int rc;
    if (w->err != OTLP_OK)
        return w->err;
    w->spans = no_cursor;
    rc = next_len_field(&w->scopes, 2, &body); /* ResourceSpans.scope_spans */
    if (rc <= 0)
        return wr_walk_fail(w, rc);
    memset(out, 0, sizeof *out);
    out->raw = body;
    out->attrs = empty_list(3);
    rc = container_decode(body, &out->scope, &out->schema_url, &w->spans);
    if (rc == OTLP_OK)
        rc = scope_decode(out);
    return rc == OTLP_OK ? 1 : wr_walk_fail(w, rc);
}

int otlp_walk_span(otlp_walker *w, otlp_span *out)
{
    pb_bytes body;
    int rc;
    if (w->err != OTLP_OK)
        return w->err;
    rc = next_len_field(&w->spans, 2, &body); /* ScopeSpans.spans */
    if (rc <= 0)
        return wr_walk_fail(w, rc);
    rc = span_decode(body, out);
    return rc == OTLP_OK ? 1 : wr_walk_fail(w, rc);
}

/* ---- counting ---- */

/*
 * Walks one container level whose known fields 1..known_max are all LEN
 * (request, ResourceSpans, ScopeSpans) and calls `child` on each field
 * `child_field`; with child == NULL each such field counts as one span.
 */
static int count_level(pb_bytes body, uint32_t known_max, uint32_t child_field,
                       int (*child)(pb_bytes, size_t *), size_t *n)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        pb_bytes payload;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = f <= known_max ? rd_bytes(&c, wt, &payload) : rd_skip(&c, wt);
        if (rc == OTLP_OK && f == child_field)
            rc = child ? child(payload, n) : (++*n, OTLP_OK);
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

static int count_scope_spans(pb_bytes body, size_t *n)
{
    return count_level(body, 3, 2, NULL, n);
}

static int count_resource_spans(pb_bytes body, size_t *n)
{
    return count_level(body, 3, 2, count_scope_spans, n);
}

int otlp_count_spans(const uint8_t *buf, size_t len, size_t *n)
{
    pb_bytes body = {buf, len};
    size_t count = 0;
    int rc = count_level(body, 1, 1, count_resource_spans, &count);
    if (rc == OTLP_OK)
        *n = count;
    return rc;
}

const char *otlp_strerror(int status)
{
    switch (status) {
    case OTLP_OK: return "ok";
    case OTLP_EMALFORMED: return "truncated or malformed protobuf";
    case OTLP_EWIRETYPE: return "wrong wire type for a known field";
    case OTLP_EDEPTH: return "values nested too deeply";
    case OTLP_EINVALID: return "invalid OTLP data";
    case OTLP_ENOSPACE: return "output buffer too small";
    case OTLP_ENOMEM: return "out of memory";
    case OTLP_ESTATE: return "nothing current to edit";
    default: return "unknown error";
    }
}
