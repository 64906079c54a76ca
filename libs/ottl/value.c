/*
 * value.c: values and the wire: AnyValue conversions, maps and lists
 * read in place, bodies encoded for what statements build.
 */
#include "value.h"

#include <stdio.h>

const char *ottl_type_name(vtype t)
{
    static const char *const names[] = {
        [V_NIL] = "nil",           [V_BOOL] = "bool",
        [V_INT] = "int64",         [V_DOUBLE] = "float64",
        [V_STRING] = "string",     [V_BYTES] = "[]uint8",
        [V_MAP] = "pcommon.Map",   [V_SLICE] = "pcommon.Slice",
        [V_TIME] = "time.Time",    [V_DURATION] = "time.Duration",
        [V_TRACE_ID] = "pcommon.TraceID", [V_SPAN_ID] = "pcommon.SpanID",
        [V_EVENTS] = "ptrace.SpanEventSlice", [V_LINKS] = "ptrace.SpanLinkSlice",
        [V_FUNC] = "a function"};
    return names[t];
}

int ottl_type_error(ottl_env *e, const char *want, const value *got)
{
    return ottl_errorf(e, "expected %s but got %s", want, ottl_type_name(got->t));
}

pb_bytes ottl_scratch_dup(ottl_env *e, const void *p, size_t n)
{
    char *d = ottl_arena_dup(&e->scratch, p, n);
    return bytes_of(d, d ? n : 0);
}

pb_bytes ottl_scratch_concat(ottl_env *e, const pb_bytes *parts, size_t n)
{
    size_t len = 0;
    for (size_t k = 0; k < n; k++)
        len += parts[k].len;
    char *d = ottl_arena_alloc(&e->scratch, len + 1);
    size_t at = 0;
    for (size_t k = 0; d && k < n; k++) {
        if (parts[k].len)
            memcpy(d + at, parts[k].ptr, parts[k].len);
        at += parts[k].len;
    }
    return bytes_of(d, d ? len : 0);
}

void ottl_value_from_any(const otlp_anyvalue *a, value *out)
{
    *out = v_nil();
    switch (a->type) {
    case OTLP_ANY_STRING: *out = v_str(a->bytes); break;
    case OTLP_ANY_BOOL: *out = v_bool(a->boolean); break;
    case OTLP_ANY_INT: *out = v_int(a->integer); break;
    case OTLP_ANY_DOUBLE: *out = v_double(a->number); break;
    case OTLP_ANY_BYTES: out->t = V_BYTES; out->s = a->bytes; break;
    case OTLP_ANY_ARRAY: out->t = V_SLICE; out->l = otlp_any_items(a); break;
    case OTLP_ANY_KVLIST: out->t = V_MAP; out->l = otlp_any_items(a); break;
    default: break; /* empty (and profiles' string indexes): nil */
    }
}

/* ---- reading lists ---- */

int ottl_map_get(ottl_env *e, const otlp_list *map, pb_bytes key, value *out)
{
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    otlp_list_iter_init(&it, map);
    while ((rc = otlp_attr_next(&it, &kv)) > 0)
        if (bytes_eq(kv.key, key.ptr, key.len)) {
            ottl_value_from_any(&kv.value, out);
            return 1;
        }
    return rc < 0 ? ottl_errorf(e, "malformed map: %s", otlp_strerror(rc)) : 0;
}

int ottl_slice_get(ottl_env *e, const otlp_list *slice, int64_t i, value *out)
{
    otlp_list_iter it;
    otlp_anyvalue v;
    int rc;
    int64_t at = 0;
    otlp_list_iter_init(&it, slice);
    while ((rc = otlp_array_next(&it, &v)) > 0)
        if (at++ == i) {
            ottl_value_from_any(&v, out);
            return 1;
        }
    if (rc < 0)
        return ottl_errorf(e, "malformed list: %s", otlp_strerror(rc));
    return ottl_errorf(e, "index %lld out of bounds", (long long)i);
}

int64_t ottl_list_count(const otlp_list *l, bool map)
{
    otlp_list_iter it;
    otlp_kv kv;
    otlp_anyvalue v;
    int64_t n = 0;
    int rc;
    otlp_list_iter_init(&it, l);
    while ((rc = map ? otlp_attr_next(&it, &kv) : otlp_array_next(&it, &v)) > 0)
        n++;
    return rc < 0 ? -1 : n;
}

/* A cursor over a list's range; an empty list may have no pointer. */
static pb_cursor range_cursor(const otlp_list *l)
{
    pb_cursor c = {l->range.ptr, l->range.ptr ? l->range.ptr + l->range.len : l->range.ptr};
    return c;
}

int64_t ottl_list_occurrences(const otlp_list *l)
{
    pb_cursor c = range_cursor(l);
    uint32_t f;
    enum pb_wire_type t;
    int64_t n = 0;
    while (!pb_at_end(&c)) {
        if (!pb_read_tag(&c, &f, &t) || !pb_skip(&c, t))
            return -1;
        n += f == l->field;
    }
    return n;
}

int ottl_map_entries(ottl_env *e, const otlp_list *map, otlp_kv **out, size_t *n)
{
    int64_t count = ottl_list_count(map, true);
    otlp_list_iter it;
    if (count < 0)
        return ottl_errorf(e, "malformed map");
    *out = ottl_arena_alloc(&e->scratch, (size_t)(count ? count : 1) * sizeof(otlp_kv));
    if (!*out)
        return ottl_errorf(e, "out of memory");
    otlp_list_iter_init(&it, map);
    for (*n = 0; *n < (size_t)count && otlp_attr_next(&it, &(*out)[*n]) > 0; (*n)++)
        ;
    return 0;
}

/* ---- encoding ---- */

typedef struct wbuf {
    uint8_t *p;
} wbuf;

static void w_varint(wbuf *w, uint64_t v)
{
    w->p += pb_write_varint(w->p, v);
}

static void w_len(wbuf *w, uint32_t field, const void *p, size_t n)
{
    w_varint(w, (uint64_t)field << 3 | PB_LEN);
    w_varint(w, n);
    if (n)
        memcpy(w->p, p, n);
    w->p += n;
}

static size_t len_size(size_t n)
{
    return 1 + pb_varint_size(n) + n;
}

static size_t any_size(const otlp_anyvalue *a)
{
    switch (a->type) {
    case OTLP_ANY_BOOL: return 2;
    case OTLP_ANY_INT: return 1 + pb_varint_size((uint64_t)a->integer);
    case OTLP_ANY_DOUBLE: return 9;
    case OTLP_ANY_EMPTY: return 0;
    default: return len_size(a->bytes.len);
    }
}

static void w_any(wbuf *w, const otlp_anyvalue *a)
{
    static const uint32_t fields[] = {[OTLP_ANY_STRING] = 1, [OTLP_ANY_ARRAY] = 5,
                                      [OTLP_ANY_KVLIST] = 6, [OTLP_ANY_BYTES] = 7};
    uint64_t bits;
    switch (a->type) {
    case OTLP_ANY_EMPTY: break;
    case OTLP_ANY_BOOL: w_varint(w, 2 << 3 | PB_VARINT); w_varint(w, a->boolean); break;
    case OTLP_ANY_INT: w_varint(w, 3 << 3 | PB_VARINT); w_varint(w, (uint64_t)a->integer); break;
    case OTLP_ANY_DOUBLE:
        w_varint(w, 4 << 3 | PB_I64);
        memcpy(&bits, &a->number, 8);
        for (int k = 0; k < 8; k++)
            *w->p++ = (uint8_t)(bits >> (8 * k));
        break;
    default: w_len(w, fields[a->type], a->bytes.ptr, a->bytes.len); break;
    }
}

static size_t kv_size(const otlp_kv *kv)
{
    return len_size(kv->key.len) + len_size(any_size(&kv->value));
}

static otlp_list body_list(pb_bytes body)
{
    otlp_list l = {body, 1};
    return l;
}

int ottl_build_map(ottl_env *e, const otlp_kv *kv, size_t n, value *out)
{
    size_t size = 0;
    for (size_t k = 0; k < n; k++)
        size += len_size(kv_size(&kv[k]));
    uint8_t *buf = ottl_arena_alloc(&e->scratch, size + 1);
    wbuf w = {buf};
    if (!buf)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < n; k++) {
        w_varint(&w, 1 << 3 | PB_LEN);
        w_varint(&w, kv_size(&kv[k]));
        w_len(&w, 1, kv[k].key.ptr, kv[k].key.len);
        w_varint(&w, 2 << 3 | PB_LEN);
        w_varint(&w, any_size(&kv[k].value));
        w_any(&w, &kv[k].value);
    }
    *out = v_nil();
    out->t = V_MAP;
    out->l = body_list(bytes_of(buf, size));
    return 0;
}

int ottl_build_slice(ottl_env *e, const value *items, size_t n, value *out)
{
    otlp_anyvalue *any = ottl_arena_alloc(&e->scratch, (n ? n : 1) * sizeof(otlp_anyvalue));
    size_t size = 0;
    if (!any)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < n; k++) {
        if (ottl_value_to_any(e, &items[k], &any[k]) != 0)
            return -1;
        size += len_size(any_size(&any[k]));
    }
    uint8_t *buf = ottl_arena_alloc(&e->scratch, size + 1);
    wbuf w = {buf};
    if (!buf)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < n; k++) {
        w_varint(&w, 1 << 3 | PB_LEN);
        w_varint(&w, any_size(&any[k]));
        w_any(&w, &any[k]);
    }
    *out = v_nil();
    out->t = V_SLICE;
    out->l = body_list(bytes_of(buf, size));
    return 0;
}

/* Whether every field in l's range is field 1 already. */
static bool plain_body(const otlp_list *l)
{
    pb_cursor c = range_cursor(l);
    uint32_t f;
    enum pb_wire_type t;
    if (l->field != 1)
        return false;
    while (!pb_at_end(&c))
        if (!pb_read_tag(&c, &f, &t) || f != 1 || !pb_skip(&c, t))
            return false;
    return true;
}

int ottl_map_body(ottl_env *e, const otlp_list *l, pb_bytes *out)
{
    pb_cursor c = range_cursor(l);
    uint32_t f;
    enum pb_wire_type t;
    pb_bytes payload;
    size_t size = 0;
    if (plain_body(l)) {
        *out = l->range;
        return 0;
    }
    while (!pb_at_end(&c) && pb_read_tag(&c, &f, &t))
        if (f == l->field && t == PB_LEN && pb_read_len(&c, &payload))
            size += len_size(payload.len);
        else if (!pb_skip(&c, t))
            return ottl_errorf(e, "malformed map");
    uint8_t *buf = ottl_arena_alloc(&e->scratch, size + 1);
    wbuf w = {buf};
    if (!buf)
        return ottl_errorf(e, "out of memory");
    c = range_cursor(l);
    while (!pb_at_end(&c) && pb_read_tag(&c, &f, &t))
        if (f == l->field && t == PB_LEN && pb_read_len(&c, &payload))
            w_len(&w, 1, payload.ptr, payload.len);
        else
            pb_skip(&c, t);
    *out = bytes_of(buf, size);
    return 0;
}

int ottl_value_to_any(ottl_env *e, const value *v, otlp_anyvalue *out)
{
    *out = otlp_any_empty();
    switch (v->t) {
    case V_NIL: return 0;
    case V_BOOL: *out = otlp_any_bool(v->b); return 0;
    case V_INT: *out = otlp_any_int(v->i); return 0;
    case V_DOUBLE: *out = otlp_any_double(v->d); return 0;
    case V_STRING: out->type = OTLP_ANY_STRING; out->bytes = v->s; return 0;
    case V_BYTES: out->type = OTLP_ANY_BYTES; out->bytes = v->s; return 0;
    case V_MAP: out->type = OTLP_ANY_KVLIST; return ottl_map_body(e, &v->l, &out->bytes);
    case V_SLICE: out->type = OTLP_ANY_ARRAY; return ottl_map_body(e, &v->l, &out->bytes);
    default:
        return ottl_errorf(e, "a %s cannot be an attribute value", ottl_type_name(v->t));
    }
}
