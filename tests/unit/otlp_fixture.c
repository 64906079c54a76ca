/*
 * otlp_fixture.c: test requests for the OTLP walker, validation and split.
 */
#include "otlp_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
    struct block *next;
    max_align_t data[];
};

static struct block *arena;

void *fx_alloc(size_t n)
{
    struct block *b = calloc(1, sizeof *b + n);
    if (!b)
        abort();
    b->next = arena;
    arena = b;
    return b->data;
}

void fx_free_all(void)
{
    while (arena) {
        struct block *next = arena->next;
        free(arena);
        arena = next;
    }
}

static char *fx_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(fx_alloc(n), s, n);
}

static fx_any *any_new(void)
{
    fx_any *a = fx_alloc(sizeof *a);
    opentelemetry__proto__common__v1__any_value__init(a);
    return a;
}

fx_any *fx_str(const char *s)
{
    fx_any *a = any_new();
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    a->string_value = fx_strdup(s);
    return a;
}

fx_any *fx_bool(bool b)
{
    fx_any *a = any_new();
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
    a->bool_value = b;
    return a;
}

fx_any *fx_int(int64_t v)
{
    fx_any *a = any_new();
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
    a->int_value = v;
    return a;
}

fx_any *fx_double(double v)
{
    fx_any *a = any_new();
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
    a->double_value = v;
    return a;
}

fx_any *fx_bytes(const void *p, size_t n)
{
    fx_any *a = any_new();
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE;
    a->bytes_value.data = memcpy(fx_alloc(n + 1), p, n);
    a->bytes_value.len = n;
    return a;
}

fx_any *fx_array(size_t n, fx_any **values)
{
    Opentelemetry__Proto__Common__V1__ArrayValue *arr = fx_alloc(sizeof *arr);
    fx_any *a = any_new();
    opentelemetry__proto__common__v1__array_value__init(arr);
    arr->n_values = n;
    arr->values = memcpy(fx_alloc(n * sizeof(fx_any *) + 1), values, n * sizeof(fx_any *));
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
    a->array_value = arr;
    return a;
}

fx_any *fx_kvlist(size_t n, fx_kv **values)
{
    Opentelemetry__Proto__Common__V1__KeyValueList *l = fx_alloc(sizeof *l);
    fx_any *a = any_new();
    opentelemetry__proto__common__v1__key_value_list__init(l);
    l->n_values = n;
    l->values = memcpy(fx_alloc(n * sizeof(fx_kv *) + 1), values, n * sizeof(fx_kv *));
    a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
    a->kvlist_value = l;
    return a;
}

fx_kv *fx_kv_new(const char *key, fx_any *value)
{
    fx_kv *kv = fx_alloc(sizeof *kv);
    opentelemetry__proto__common__v1__key_value__init(kv);
    kv->key = fx_strdup(key);
    kv->value = value;
    return kv;
}

static fx_kv **kv_array(size_t n)
{
    return fx_alloc(n * sizeof(fx_kv *) + 1);
}

void fx_span_ids(unsigned seed, uint8_t trace_id[16], uint8_t span_id[8])
{
    for (unsigned i = 0; i < 16; i++)
        trace_id[i] = (uint8_t)(0x10 * (seed + 1) + i);
    for (unsigned i = 0; i < 8; i++)
        span_id[i] = (uint8_t)(0xa0 + seed * 8 + i);
}

fx_span *fx_span_new(unsigned seed)
{
    fx_span *s = fx_alloc(sizeof *s);
    char name[32];
    opentelemetry__proto__trace__v1__span__init(s);
    s->trace_id.data = fx_alloc(16);
    s->trace_id.len = 16;
    s->span_id.data = fx_alloc(8);
    s->span_id.len = 8;
    fx_span_ids(seed, s->trace_id.data, s->span_id.data);
    snprintf(name, sizeof name, "span-%u", seed);
    s->name = fx_strdup(name);
    s->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL;
    s->start_time_unix_nano = 1700000000000000000ull + (uint64_t)seed * 1000;
    s->end_time_unix_nano = s->start_time_unix_nano + 500 + seed;
    return s;
}

fx_request *fx_request_new(size_t n_rs)
{
    fx_request *r = fx_alloc(sizeof *r);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(r);
    r->n_resource_spans = n_rs;
    r->resource_spans = fx_alloc(n_rs * sizeof(fx_rs *) + 1);
    return r;
}

fx_rs *fx_rs_new(fx_resource *res, size_t n_ss)
{
    fx_rs *rs = fx_alloc(sizeof *rs);
    opentelemetry__proto__trace__v1__resource_spans__init(rs);
    rs->resource = res;
    rs->n_scope_spans = n_ss;
    rs->scope_spans = fx_alloc(n_ss * sizeof(fx_ss *) + 1);
    return rs;
}

fx_ss *fx_ss_new(fx_scope *scope, size_t n_spans)
{
    fx_ss *ss = fx_alloc(sizeof *ss);
    opentelemetry__proto__trace__v1__scope_spans__init(ss);
    ss->scope = scope;
    ss->n_spans = n_spans;
    ss->spans = fx_alloc(n_spans * sizeof(fx_span *) + 1);
    return ss;
}

static fx_resource *resource_new(size_t n_attrs)
{
    fx_resource *r = fx_alloc(sizeof *r);
    opentelemetry__proto__resource__v1__resource__init(r);
    r->n_attributes = n_attrs;
    r->attributes = kv_array(n_attrs);
    return r;
}

static fx_scope *scope_new(const char *name, const char *version)
{
    fx_scope *s = fx_alloc(sizeof *s);
    opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    s->name = fx_strdup(name);
    s->version = fx_strdup(version);
    return s;
}

/* span 0: every field, every AnyValue kind, nested values, events, links. */
static void decorate_span0(fx_span *s)
{
    static const uint8_t blob[3] = {0x00, 0xff, 0x7f};
    fx_any *inner[3] = {fx_int(1), fx_str("two"), fx_array(1, (fx_any *[]){fx_bool(true)})};
    fx_kv *deep[1] = {fx_kv_new("deep", fx_double(3.5))};
    fx_kv *map[2] = {fx_kv_new("inner", fx_kvlist(1, deep)), fx_kv_new("n", fx_int(-9))};
    fx_kv *attrs[] = {
        fx_kv_new("http.method", fx_str("GET")), fx_kv_new("ok", fx_bool(true)),
        fx_kv_new("retries", fx_int(-42)),       fx_kv_new("ratio", fx_double(0.25)),
        fx_kv_new("blob", fx_bytes(blob, 3)),    fx_kv_new("list", fx_array(3, inner)),
        fx_kv_new("map", fx_kvlist(2, map)),     fx_kv_new("empty", any_new()),
    };
    s->trace_state = fx_strdup("vendor=1");
    s->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
    s->flags = 0x301;
    s->n_attributes = sizeof attrs / sizeof attrs[0];
    s->attributes = memcpy(kv_array(s->n_attributes), attrs, sizeof attrs);
    s->dropped_attributes_count = 3;
    s->dropped_events_count = 4;
    s->dropped_links_count = 5;
    s->status = fx_alloc(sizeof *s->status);
    opentelemetry__proto__trace__v1__status__init(s->status);
    s->status->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
    s->status->message = fx_strdup("boom");
}

static void add_events_links(fx_span *s)
{
    s->n_events = 2;
    s->events = fx_alloc(2 * sizeof(fx_event *));
    for (size_t i = 0; i < 2; i++) {
        fx_event *e = s->events[i] = fx_alloc(sizeof *e);
        opentelemetry__proto__trace__v1__span__event__init(e);
        e->time_unix_nano = 1700000000000000100ull + i;
        e->name = fx_strdup(i ? "retry" : "exception");
        e->dropped_attributes_count = (uint32_t)i;
        if (i == 0) {
            e->n_attributes = 1;
            e->attributes = kv_array(1);
            e->attributes[0] = fx_kv_new("exception.type", fx_str("E"));
        }
    }
    s->n_links = 2;
    s->links = fx_alloc(2 * sizeof(fx_link *));
    for (size_t i = 0; i < 2; i++) {
        fx_link *l = s->links[i] = fx_alloc(sizeof *l);
        opentelemetry__proto__trace__v1__span__link__init(l);
        l->trace_id.data = fx_alloc(16);
        l->trace_id.len = 16;
        l->span_id.data = fx_alloc(8);
        l->span_id.len = 8;
        fx_span_ids(100 + (unsigned)i, l->trace_id.data, l->span_id.data);
        l->trace_state = fx_strdup(i ? "" : "l=1");
        l->flags = 0x100 + (uint32_t)i;
        l->dropped_attributes_count = 7;
        l->n_attributes = 1;
        l->attributes = kv_array(1);
        l->attributes[0] = fx_kv_new("link.kind", fx_int((int64_t)i));
    }
}

static fx_rs *rich_rs0(void)
{
    fx_resource *res = resource_new(2);
    fx_rs *rs = fx_rs_new(res, 2);
    fx_scope *scope = scope_new("io.otelc.a", "1.0.0");
    res->attributes[0] = fx_kv_new("service.name", fx_str("checkout"));
    res->attributes[1] = fx_kv_new("host.name", fx_str("h1"));
    res->dropped_attributes_count = 2;
    rs->schema_url = fx_strdup("https://schemas/r0");
    scope->n_attributes = 1;
    scope->attributes = kv_array(1);
    scope->attributes[0] = fx_kv_new("scope.flag", fx_bool(true));
    scope->dropped_attributes_count = 1;
    rs->scope_spans[0] = fx_ss_new(scope, 3);
    rs->scope_spans[0]->schema_url = fx_strdup("https://schemas/s0");
    rs->scope_spans[1] = fx_ss_new(NULL, 2);
    for (unsigned i = 0; i < 3; i++)
        rs->scope_spans[0]->spans[i] = fx_span_new(i);
    decorate_span0(rs->scope_spans[0]->spans[0]);
    add_events_links(rs->scope_spans[0]->spans[0]);
    fx_span *child = rs->scope_spans[0]->spans[1];
    child->parent_span_id.data = fx_alloc(8);
    child->parent_span_id.len = 8;
    memcpy(child->parent_span_id.data, rs->scope_spans[0]->spans[0]->span_id.data, 8);
    child->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
    for (unsigned i = 0; i < 2; i++)
        rs->scope_spans[1]->spans[i] = fx_span_new(3 + i);
    return rs;
}

fx_request *fx_rich_request(void)
{
    fx_request *r = fx_request_new(3);
    fx_resource *res1 = resource_new(2);
    r->resource_spans[0] = rich_rs0();
    res1->attributes[0] = fx_kv_new("host.name", fx_str("h2"));
    res1->attributes[1] = fx_kv_new("service.name", fx_int(7));
    r->resource_spans[1] = fx_rs_new(res1, 2);
    r->resource_spans[1]->scope_spans[0] = fx_ss_new(scope_new("io.otelc.b", ""), 1);
    r->resource_spans[1]->scope_spans[0]->spans[0] = fx_span_new(5);
    r->resource_spans[1]->scope_spans[1] = fx_ss_new(scope_new("empty", ""), 0);
    r->resource_spans[2] = fx_rs_new(NULL, 1);
    r->resource_spans[2]->scope_spans[0] = fx_ss_new(scope_new("io.otelc.c", "2"), 2);
    r->resource_spans[2]->scope_spans[0]->spans[0] = fx_span_new(6);
    r->resource_spans[2]->scope_spans[0]->spans[1] = fx_span_new(7);
    return r;
}

uint8_t *fx_pack(const fx_request *r, size_t *len)
{
    const ProtobufCMessage *m = &r->base;
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = fx_alloc(*len + 1);
    protobuf_c_message_pack(m, buf);
    return buf;
}

uint8_t *fx_exact_copy(const uint8_t *p, size_t len)
{
    uint8_t *b = malloc(len ? len : 1);
    if (!b)
        abort();
    if (len)
        memcpy(b, p, len);
    return b;
}

/* ---- hand-written wire ---- */

void fxw_raw(fx_wire *w, const void *p, size_t n)
{
    if (w->len + n > sizeof w->buf)
        abort();
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void fxw_varint(fx_wire *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    fxw_raw(w, tmp, n);
}

void fxw_tag(fx_wire *w, uint32_t field, unsigned wire_type)
{
    fxw_varint(w, (uint64_t)field << 3 | wire_type);
}

void fxw_uint(fx_wire *w, uint32_t field, uint64_t v)
{
    fxw_tag(w, field, 0);
    fxw_varint(w, v);
}

void fxw_fixed64(fx_wire *w, uint32_t field, uint64_t v)
{
    uint8_t tmp[8];
    for (int i = 0; i < 8; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    fxw_tag(w, field, 1);
    fxw_raw(w, tmp, 8);
}

void fxw_fixed32(fx_wire *w, uint32_t field, uint32_t v)
{
    uint8_t tmp[4];
    for (int i = 0; i < 4; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    fxw_tag(w, field, 5);
    fxw_raw(w, tmp, 4);
}

void fxw_bytes(fx_wire *w, uint32_t field, const void *p, size_t n)
{
    fxw_tag(w, field, 2);
    fxw_varint(w, n);
    fxw_raw(w, p, n);
}

void fxw_str(fx_wire *w, uint32_t field, const char *s)
{
    fxw_bytes(w, field, s, strlen(s));
}

void fxw_msg(fx_wire *w, uint32_t field, const fx_wire *inner)
{
    fxw_bytes(w, field, inner->buf, inner->len);
}

void fxw_span(fx_wire *w, unsigned seed, const char *name)
{
    uint8_t tid[16], sid[8];
    fx_span_ids(seed, tid, sid);
    fxw_bytes(w, 1, tid, 16);
    fxw_bytes(w, 2, sid, 8);
    fxw_str(w, 5, name);
}

void fxw_wrap_span(fx_wire *out, const fx_wire *span)
{
    static fx_wire ss, rs; /* too large for the stack of every caller */
    ss.len = rs.len = 0;
    fxw_msg(&ss, 2, span);
    fxw_msg(&rs, 2, &ss);
    out->len = 0;
    fxw_msg(out, 1, &rs);
}
