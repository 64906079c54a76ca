/*
 * conv_rename.c: deprecated keys to current ones, and deletes, on one
 * attribute list. When the current key is present already, its value
 * wins and the deprecated attribute goes; when two deprecated keys map to
 * one current key, the first in the list wins. A renamed attribute keeps
 * its place (a split http.target puts url.query right after url.path).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conv_edit.h"

#define SPAN_KIND_SERVER 2
#define SPAN_KIND_CONSUMER 5

static const char *const grpc_codes[] = {
    "OK",           "CANCELLED",         "UNKNOWN",          "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
    "UNAUTHENTICATED",
};

/* One list being renamed: its place and input, and how far it got. */
typedef struct rename_list {
    enum otlp_edit_target at;
    const otlp_list *in;
    int kind;
    size_t done; /* attributes of the current list already produced or kept */
} rename_list;

static const conv_semconv *rename_of(const conv_run *c, pb_bytes key)
{
    const conv_entry *e = conv_entry_of(c, key);
    return e ? e->rename : NULL;
}

/* An ArrayValue of one string, built in scratch (a header's value). */
static int string_array(conv_run *c, const void *s, size_t len, otlp_anyvalue *out)
{
    uint8_t *p = (uint8_t *)conv_scratch(c, len + 24);
    size_t n = 0, any = 1 + pb_varint_size(len) + len;
    if (!p)
        return OTLP_ENOMEM;
    p[n++] = 0x0a; /* ArrayValue.values */
    n += pb_write_varint(p + n, any);
    p[n++] = 0x0a; /* AnyValue.string_value */
    n += pb_write_varint(p + n, len);
    memmove(p + n, s, len);
    out->type = OTLP_ANY_ARRAY;
    out->bytes = (pb_bytes){p, n + len};
    return OTLP_OK;
}

/* An integer as the string (or header) a rename gives it. */
static int int_value(conv_run *c, const conv_semconv *s, int64_t i, otlp_anyvalue *out)
{
    char num[24];
    if (s->kind == RN_GRPC_CODE && i >= 0 && i <= 16) {
        *out = conv_any_str(grpc_codes[i], strlen(grpc_codes[i]));
        return OTLP_OK;
    }
    int n = snprintf(num, sizeof(num), "%" PRId64, i);
    if (s->kind == RN_HEADER)
        return string_array(c, num, (size_t)n, out);
    char *p = conv_scratch(c, (size_t)n);
    if (!p)
        return OTLP_ENOMEM;
    memcpy(p, num, (size_t)n);
    *out = conv_any_str(p, (size_t)n);
    return OTLP_OK;
}

/* The value a rename gives the new key. */
static int new_value(conv_run *c, const conv_semconv *s, const otlp_anyvalue *v,
                     otlp_anyvalue *out)
{
    *out = *v;
    if ((s->kind == RN_TO_STRING || s->kind == RN_GRPC_CODE || s->kind == RN_HEADER) &&
        v->type == OTLP_ANY_INT)
        return int_value(c, s, v->integer, out);
    if (s->kind == RN_HEADER && v->type == OTLP_ANY_STRING)
        return string_array(c, v->bytes.ptr, v->bytes.len, out);
    for (const conv_value_map *m = s->values; m && m->from && v->type == OTLP_ANY_STRING; m++)
        if (strlen(m->from) == v->bytes.len && memcmp(v->bytes.ptr, m->from, v->bytes.len) == 0)
            *out = conv_any_str(m->to, strlen(m->to));
    return OTLP_OK;
}

/* Is key taken: by an attribute that keeps its name in the input, or by
 * one produced already? */
static int taken(conv_run *c, const rename_list *l, pb_bytes key)
{
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    otlp_list_iter_init(&it, l->in);
    while ((rc = otlp_attr_next(&it, &kv)) > 0)
        if (kv.key.len == key.len && memcmp(kv.key.ptr, key.ptr, key.len) == 0 &&
            !rename_of(c, kv.key))
            return 1;
    return rc < 0 ? rc : conv_attr_before(c, l->at, key, l->done);
}

/* Adds key = v to what replaces the deprecated attribute, unless taken. */
static int produce(conv_run *c, const rename_list *l, const char *key, otlp_anyvalue v,
                   otlp_kv *out, size_t *n)
{
    pb_bytes k = conv_key(key);
    int rc = taken(c, l, k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        out[(*n)++] = (otlp_kv){k, v};
    return OTLP_OK;
}

/* http.target: the path and, when there is one, the query. */
static int split_target(conv_run *c, const rename_list *l, const conv_semconv *s,
                        const otlp_anyvalue *v, otlp_kv *out, size_t *n)
{
    if (v->type != OTLP_ANY_STRING)
        return produce(c, l, s->to, *v, out, n);
    const char *str = (const char *)v->bytes.ptr;
    const char *q = v->bytes.len ? memchr(str, '?', v->bytes.len) : NULL;
    size_t plen = q ? (size_t)(q - str) : v->bytes.len;
    int rc = produce(c, l, s->to, conv_any_str(str, plen), out, n);
    if (rc != OTLP_OK || !q || plen + 1 == v->bytes.len)
        return rc;
    return produce(c, l, s->alt, conv_any_str(q + 1, v->bytes.len - plen - 1), out, n);
}

/* What replaces one deprecated attribute: 0, 1 or 2 attributes. */
static int upgrade(conv_run *c, const rename_list *l, const conv_semconv *s, const otlp_kv *kv,
                   otlp_kv *out, size_t *n)
{
    otlp_anyvalue v;
    bool server = l->kind == SPAN_KIND_SERVER || l->kind == SPAN_KIND_CONSUMER;
    c->st->renamed++;
    if (kv->value.type == OTLP_ANY_EMPTY)
        return OTLP_OK; /* an attribute without a value carries nothing to keep */
    if (s->kind == RN_SPLIT_TARGET)
        return split_target(c, l, s, &kv->value, out, n);
    int rc = new_value(c, s, &kv->value, &v);
    if (rc != OTLP_OK)
        return rc;
    return produce(c, l, s->kind == RN_BY_KIND && server ? s->alt : s->to, v, out, n);
}

/* Every deprecated attribute (but qualifiers) replaced where it stands. */
static int upgrade_all(conv_run *c, rename_list *l)
{
    otlp_list_iter it;
    otlp_kv kv, out[2];
    int rc;
    otlp_list_iter_init(&it, l->in);
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        const conv_semconv *s = rename_of(c, kv.key);
        size_t n = 0;
        if (!s || s->kind == RN_QUALIFY) {
            l->done++;
            continue;
        }
        if ((rc = upgrade(c, l, s, &kv, out, &n)) < 0 ||
            (rc = otlp_edit_attr_splice(c->ed, l->at, l->done, 1, out, n)) < 0)
            return rc;
        l->done += n;
    }
    return rc;
}

/* rpc.service into rpc.method, code.namespace into code.function.name:
 * 1 when the qualifier at i went, 0 when it stays, or < 0. */
static int qualify(conv_run *c, enum otlp_edit_target at, size_t i, const otlp_kv *q,
                   const conv_semconv *s)
{
    otlp_list cur;
    otlp_anyvalue name = {.type = OTLP_ANY_EMPTY};
    int rc = otlp_edit_attrs(c->ed, at, &cur);
    if (rc == OTLP_OK)
        rc = otlp_attr_find(&cur, s->to, strlen(s->to), &name);
    if (rc <= 0 || q->value.type != OTLP_ANY_STRING || name.type != OTLP_ANY_STRING)
        return rc < 0 ? rc : 0; /* nothing to qualify: the attribute stays as it is */
    size_t ql = q->value.bytes.len, nl = name.bytes.len;
    bool done = nl > ql && memcmp(name.bytes.ptr, q->value.bytes.ptr, ql) == 0 &&
                name.bytes.ptr[ql] == (uint8_t)s->sep;
    if (!done) {
        char *full = conv_scratch(c, ql + nl + 1);
        if (!full)
            return OTLP_ENOMEM;
        memcpy(full, q->value.bytes.ptr, ql);
        full[ql] = s->sep;
        memcpy(full + ql + 1, name.bytes.ptr, nl);
        otlp_anyvalue v = conv_any_str(full, ql + nl + 1);
        if ((rc = otlp_edit_attr_put(c->ed, at, s->to, strlen(s->to), &v, OTLP_ATTR_UPDATE)) < 0)
            return rc;
    }
    c->st->renamed++;
    rc = otlp_edit_attr_splice(c->ed, at, i, 1, NULL, 0);
    return rc < 0 ? rc : 1;
}

/* One attribute of the renamed list: 1 when it went, 0 if not, or < 0. */
static int qualify_or_delete(conv_run *c, enum otlp_edit_target at, size_t i, const otlp_kv *kv)
{
    const conv_entry *e = conv_entry_of(c, kv->key);
    int rc = 0;
    if (e && e->rename && e->rename->kind == RN_QUALIFY && (rc = qualify(c, at, i, kv, e->rename)))
        return rc;
    if (!e || !e->del)
        return 0;
    c->st->deleted++;
    rc = otlp_edit_attr_splice(c->ed, at, i, 1, NULL, 0);
    return rc < 0 ? rc : 1;
}

static int qualify_and_delete(conv_run *c, enum otlp_edit_target at)
{
    otlp_kv kv;
    int rc;
    for (size_t i = 0; (rc = conv_attr_at(c, at, i, &kv)) > 0;) {
        if ((rc = qualify_or_delete(c, at, i, &kv)) < 0)
            return rc;
        i += rc == 0;
    }
    return rc;
}

/* Anything for this pass in the list? Most lists have nothing. */
static int needs_pass(const conv_run *c, const otlp_list *in)
{
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    otlp_list_iter_init(&it, in);
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        const conv_entry *e = conv_entry_of(c, kv.key);
        if (e && (e->rename || e->del))
            return 1;
    }
    return rc;
}

int conv_rename_list(conv_run *c, enum otlp_edit_target at, const otlp_list *in, int kind)
{
    rename_list l = {at, in, kind, 0};
    int rc = needs_pass(c, in);
    if (rc <= 0)
        return rc;
    if ((rc = upgrade_all(c, &l)) < 0)
        return rc;
    return qualify_and_delete(c, at);
}
