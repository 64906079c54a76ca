/*
 * jaeger.c: the Jaeger JSON of a trace, and tag conditions of a search.
 */
#include "jaeger.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const kind_names[] = {NULL, "internal", "server", "client", "producer",
                                         "consumer"};

/* Distinct resources of a trace, in order of appearance: process pN is
 * resources[N - 1]. */
typedef struct procs {
    otlp_resource *items;
    size_t n, cap;
} procs;

static int proc_id(procs *p, const otlp_resource *r)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->items[i].resource.len == r->resource.len &&
            (r->resource.len == 0 ||
             memcmp(p->items[i].resource.ptr, r->resource.ptr, r->resource.len) == 0))
            return (int)i + 1;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        otlp_resource *items = realloc(p->items, cap * sizeof(*items));
        if (!items)
            return -1;
        p->items = items;
        p->cap = cap;
    }
    p->items[p->n++] = *r;
    return (int)p->n;
}

static void key_of(qout *o, const char *key)
{
    qout_puts(o, "{\"key\":");
    jw_cstr(o, key);
}

/* One typed tag {"key","type","value"}. */
static void tag(qout *o, pb_bytes key, const otlp_anyvalue *v)
{
    static const char *const types[] = {
        [OTLP_ANY_EMPTY] = "string", [OTLP_ANY_STRING] = "string", [OTLP_ANY_BOOL] = "bool",
        [OTLP_ANY_INT] = "int64",    [OTLP_ANY_DOUBLE] = "float64", [OTLP_ANY_ARRAY] = "string",
        [OTLP_ANY_KVLIST] = "string", [OTLP_ANY_BYTES] = "binary", [OTLP_ANY_STRINDEX] = "int64"};
    const char *type = v->type <= OTLP_ANY_STRINDEX ? types[v->type] : "string";
    if (v->type == OTLP_ANY_DOUBLE && !isfinite(v->number))
        type = "string";
    qout_puts(o, "{\"key\":");
    jw_bytes(o, key);
    qout_puts(o, ",\"type\":\"");
    qout_puts(o, type);
    qout_puts(o, "\",\"value\":");
    if (v->type == OTLP_ANY_ARRAY || v->type == OTLP_ANY_KVLIST || v->type == OTLP_ANY_EMPTY) {
        qout g;
        qout_init(&g, NULL, NULL, 0, NULL);
        jw_any_text(&g, v);
        jw_string(o, g.buf ? g.buf : "", g.len);
        qout_free(&g);
    } else {
        jw_any(o, v);
    }
    qout_puts(o, "}");
}

static void str_tag(qout *o, const char *key, pb_bytes value)
{
    key_of(o, key);
    qout_puts(o, ",\"type\":\"string\",\"value\":");
    jw_bytes(o, value);
    qout_puts(o, "}");
}

/* Attributes as tags, each preceded by a comma when *first is false;
 * skip (if not NULL) names a key to leave out. */
static void attr_tags(qout *o, const otlp_list *attrs, bool *first, const char *skip)
{
    otlp_list_iter it;
    otlp_kv kv;
    otlp_list_iter_init(&it, attrs);
    while (otlp_attr_next(&it, &kv) > 0) {
        if (skip && kv.key.len == strlen(skip) && memcmp(kv.key.ptr, skip, kv.key.len) == 0)
            continue;
        if (!*first)
            qout_puts(o, ",");
        *first = false;
        tag(o, kv.key, &kv.value);
    }
}

static pb_bytes cbytes(const char *s)
{
    return (pb_bytes){(const uint8_t *)s, strlen(s)};
}

static void sep(qout *o, bool *first)
{
    if (!*first)
        qout_puts(o, ",");
    *first = false;
}

/* The tags the translation adds after the attributes. */
static void status_tags(qout *o, const otlp_span *sp, bool *first)
{
    if (sp->kind >= 1 && sp->kind <= 5) {
        sep(o, first);
        str_tag(o, "span.kind", cbytes(kind_names[sp->kind]));
    }
    if (sp->status_code == 1 || sp->status_code == 2) {
        sep(o, first);
        str_tag(o, "otel.status_code", cbytes(sp->status_code == 2 ? "ERROR" : "OK"));
    }
    if (sp->status_code == 2) {
        sep(o, first);
        qout_puts(o, "{\"key\":\"error\",\"type\":\"bool\",\"value\":true}");
    }
    if (sp->status_message.len) {
        sep(o, first);
        str_tag(o, "otel.status_description", sp->status_message);
    }
    if (sp->trace_state.len) {
        sep(o, first);
        str_tag(o, "w3c.tracestate", sp->trace_state);
    }
}

static void span_tags(qout *o, const otlp_scope *sc, const otlp_span *sp)
{
    bool first = true;
    qout_puts(o, "\"tags\":[");
    if (sc->name.len) {
        sep(o, &first);
        str_tag(o, "otel.scope.name", sc->name);
    }
    if (sc->version.len) {
        sep(o, &first);
        str_tag(o, "otel.scope.version", sc->version);
    }
    attr_tags(o, &sp->attrs, &first, NULL);
    status_tags(o, sp, &first);
    qout_puts(o, "]");
}

static void reference(qout *o, const char *type, pb_bytes trace, pb_bytes span)
{
    qout_puts(o, "{\"refType\":\"");
    qout_puts(o, type);
    qout_puts(o, "\",\"traceID\":");
    jw_hex(o, trace.ptr, trace.len);
    qout_puts(o, ",\"spanID\":");
    jw_hex(o, span.ptr, span.len);
    qout_puts(o, "}");
}

/* A link is CHILD_OF when its opentracing.ref_type says child_of. */
static const char *link_type(const otlp_link *l)
{
    otlp_anyvalue v;
    if (otlp_attr_find(&l->attrs, "opentracing.ref_type", 20, &v) > 0 &&
        v.type == OTLP_ANY_STRING && v.bytes.len == 8 && memcmp(v.bytes.ptr, "child_of", 8) == 0)
        return "CHILD_OF";
    return "FOLLOWS_FROM";
}

static void references(qout *o, const otlp_span *sp)
{
    bool first = true;
    qout_puts(o, "\"references\":[");
    if (sp->parent_span_id.len == 8) {
        first = false;
        reference(o, "CHILD_OF", sp->trace_id, sp->parent_span_id);
    }
    otlp_list_iter it;
    otlp_link l;
    otlp_list_iter_init(&it, &sp->links);
    while (otlp_link_next(&it, &l) > 0) {
        bool is_parent = sp->parent_span_id.len == 8 && l.span_id.len == 8 &&
                         memcmp(l.span_id.ptr, sp->parent_span_id.ptr, 8) == 0 &&
                         l.trace_id.len == 16 && memcmp(l.trace_id.ptr, sp->trace_id.ptr, 16) == 0;
        if (is_parent || l.trace_id.len != 16 || l.span_id.len != 8)
            continue;
        sep(o, &first);
        reference(o, link_type(&l), l.trace_id, l.span_id);
    }
    qout_puts(o, "]");
}

static void logs(qout *o, const otlp_span *sp)
{
    otlp_list_iter it;
    otlp_event ev;
    otlp_list_iter_init(&it, &sp->events);
    qout_puts(o, "\"logs\":[");
    for (int i = 0; otlp_event_next(&it, &ev) > 0; i++) {
        otlp_anyvalue v;
        bool first = true;
        qout_puts(o, i ? ",{\"timestamp\":" : "{\"timestamp\":");
        jw_u64(o, ev.time_unix_nano / 1000);
        qout_puts(o, ",\"fields\":[");
        if (ev.name.len && otlp_attr_find(&ev.attrs, "event", 5, &v) <= 0) {
            first = false;
            str_tag(o, "event", ev.name);
        }
        attr_tags(o, &ev.attrs, &first, NULL);
        qout_puts(o, "]}");
    }
    qout_puts(o, "]");
}

static void span_json(qout *o, const otlp_scope *sc, const otlp_span *sp, int pid)
{
    char buf[32];
    qout_puts(o, "{\"traceID\":");
    jw_hex(o, sp->trace_id.ptr, sp->trace_id.len);
    qout_puts(o, ",\"spanID\":");
    jw_hex(o, sp->span_id.ptr, sp->span_id.len);
    qout_puts(o, ",\"operationName\":");
    jw_bytes(o, sp->name);
    qout_puts(o, ",");
    references(o, sp);
    qout_puts(o, ",\"startTime\":");
    jw_u64(o, sp->start_time_unix_nano / 1000);
    qout_puts(o, ",\"duration\":");
    jw_u64(o, sp->end_time_unix_nano > sp->start_time_unix_nano
                  ? (sp->end_time_unix_nano - sp->start_time_unix_nano) / 1000
                  : 0);
    qout_puts(o, ",");
    span_tags(o, sc, sp);
    qout_puts(o, ",");
    logs(o, sp);
    snprintf(buf, sizeof(buf), ",\"processID\":\"p%d\"", pid);
    qout_puts(o, buf);
    qout_puts(o, ",\"warnings\":null,\"flags\":");
    jw_u64(o, sp->flags & 0xff);
    qout_puts(o, "}");
}

static void process_json(qout *o, const otlp_resource *r, int pid)
{
    char buf[32];
    bool first = true;
    snprintf(buf, sizeof(buf), "%s\"p%d\":", pid > 1 ? "," : "", pid);
    qout_puts(o, buf);
    qout_puts(o, "{\"serviceName\":");
    if (r->service_name.ptr && r->service_name.len)
        jw_bytes(o, r->service_name);
    else
        jw_cstr(o, TQ_UNKNOWN_SERVICE);
    qout_puts(o, ",\"tags\":[");
    attr_tags(o, &r->attrs, &first, "service.name");
    qout_puts(o, "]}");
}

/* The "spans" array; fills p with the processes met. */
static int spans_json(qout *o, const uint8_t *pb, size_t len, procs *p)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    bool first = true;
    qout_puts(o, "\"spans\":[");
    otlp_walk_init(&w, pb, len);
    while (otlp_walk_resource(&w, &r) > 0) {
        int pid = proc_id(p, &r);
        if (pid < 0)
            return -ENOMEM;
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0) {
                sep(o, &first);
                span_json(o, &sc, &sp, pid);
            }
    }
    qout_puts(o, "]");
    return otlp_walk_error(&w);
}

int jaeger_write_trace(qout *o, const uint8_t trace_id[16], const uint8_t *pb, size_t len)
{
    procs p = {0};
    qout_puts(o, "{\"traceID\":");
    jw_hex(o, trace_id, 16);
    qout_puts(o, ",");
    int rc = spans_json(o, pb, len, &p);
    qout_puts(o, ",\"processes\":{");
    for (size_t i = 0; rc == 0 && i < p.n; i++)
        process_json(o, &p.items[i], (int)i + 1);
    qout_puts(o, "},\"warnings\":null}");
    free(p.items);
    return rc;
}

/* ---- Search conditions ---- */

static bool text_is(const otlp_anyvalue *v, const char *want)
{
    qout g;
    qout_init(&g, NULL, NULL, 0, NULL);
    jw_any_text(&g, v);
    bool same = g.len == strlen(want) && (g.len == 0 || memcmp(g.buf, want, g.len) == 0);
    qout_free(&g);
    return same;
}

static bool bytes_is(pb_bytes b, const char *want)
{
    return b.len == strlen(want) && (b.len == 0 || memcmp(b.ptr, want, b.len) == 0);
}

/* The tags the translation adds, by key. */
static bool added_tag_is(const otlp_scope *sc, const otlp_span *sp, const jaeger_tag_cond *c)
{
    const char *k = c->key;
    if (strcmp(k, "error") == 0)
        return sp->status_code == 2 && strcmp(c->value, "true") == 0;
    if (strcmp(k, "span.kind") == 0)
        return sp->kind >= 1 && sp->kind <= 5 && strcmp(c->value, kind_names[sp->kind]) == 0;
    if (strcmp(k, "otel.status_code") == 0)
        return (sp->status_code == 1 && strcmp(c->value, "OK") == 0) ||
               (sp->status_code == 2 && strcmp(c->value, "ERROR") == 0);
    if (strcmp(k, "otel.status_description") == 0)
        return sp->status_message.len && bytes_is(sp->status_message, c->value);
    if (strcmp(k, "otel.scope.name") == 0)
        return sc->name.len && bytes_is(sc->name, c->value);
    if (strcmp(k, "otel.scope.version") == 0)
        return sc->version.len && bytes_is(sc->version, c->value);
    return false;
}

bool jaeger_tags_match(const otlp_resource *r, const otlp_scope *sc, const otlp_span *sp,
                       const jaeger_tag_cond *conds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const jaeger_tag_cond *c = &conds[i];
        otlp_anyvalue v;
        size_t kl = strlen(c->key);
        bool ok = (otlp_span_attr(sp, c->key, kl, &v) > 0 && text_is(&v, c->value)) ||
                  (otlp_attr_find(&r->attrs, c->key, kl, &v) > 0 && text_is(&v, c->value)) ||
                  added_tag_is(sc, sp, c);
        if (!ok)
            return false;
    }
    return true;
}
