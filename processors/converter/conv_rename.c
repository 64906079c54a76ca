/*
 * conv_rename.c: deprecated keys to current ones, and deletes, on one
 * attribute list. When the current key is present already, its value
 * wins and the deprecated attribute goes; when two deprecated keys map to
 * one current key, the first in the list wins.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conv_pb.h"

static const char *const grpc_codes[] = {
    "OK",           "CANCELLED",         "UNKNOWN",          "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
    "UNAUTHENTICATED",
};

static const conv_entry *entry_of(const conv_run *c, const pb_kv *kv)
{
    return kv->key ? conv_rules_find(c->r, kv->key, strlen(kv->key)) : NULL;
}

static const conv_semconv *rename_of(const conv_run *c, const pb_kv *kv)
{
    const conv_entry *e = entry_of(c, kv);
    return e ? e->rename : NULL;
}

/* The value a rename gives the new key; NULL when the arena ran out. */
static pb_any *new_value(conv_run *c, const conv_semconv *s, pb_any *v)
{
    char num[24];
    if ((s->kind == RN_TO_STRING || s->kind == RN_GRPC_CODE || s->kind == RN_HEADER) &&
        v->value_case == PB_INT) {
        int64_t i = v->int_value;
        if (s->kind == RN_GRPC_CODE && i >= 0 && i <= 16)
            return conv_any_string(c, grpc_codes[i], strlen(grpc_codes[i]));
        int n = snprintf(num, sizeof(num), "%" PRId64, i);
        return s->kind == RN_HEADER ? conv_any_string_array(c, num, (size_t)n)
                                    : conv_any_string(c, num, (size_t)n);
    }
    if (s->kind == RN_HEADER && v->value_case == PB_STRING)
        return conv_any_string_array(c, v->string_value, strlen(v->string_value));
    for (const conv_value_map *m = s->values; m && m->from && v->value_case == PB_STRING; m++)
        if (strcmp(v->string_value, m->from) == 0)
            return conv_any_string(c, m->to, strlen(m->to));
    return v;
}

static bool server_side(int kind)
{
    return kind == OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER ||
           kind == OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CONSUMER;
}

/* Is key taken: by an attribute that keeps its name in the input, or by
 * one already produced? */
static bool taken(conv_run *c, const conv_list *in, const conv_list *out, const char *key)
{
    long i = conv_list_find(in, key);
    if (i >= 0 && !rename_of(c, (*in->v)[i]))
        return true;
    return conv_list_find(out, key) >= 0;
}

/* Adds key=value to out unless the key is taken. */
static int put(conv_run *c, const conv_list *in, conv_list *out, const char *key, pb_any *value)
{
    if (taken(c, in, out, key))
        return 0;
    pb_kv *kv = conv_kv_new(c, key, value);
    if (!kv)
        return -1;
    (*out->v)[(*out->n)++] = kv;
    return 0;
}

/* http.target: the path and, when there is one, the query. */
static int split_target(conv_run *c, const conv_semconv *s, const conv_list *in, conv_list *out,
                        pb_any *v)
{
    if (v->value_case != PB_STRING)
        return put(c, in, out, s->to, v);
    const char *q = strchr(v->string_value, '?');
    size_t plen = q ? (size_t)(q - v->string_value) : strlen(v->string_value);
    pb_any *path = conv_any_string(c, v->string_value, plen);
    if (!path || put(c, in, out, s->to, path) != 0)
        return -1;
    if (!q || !q[1])
        return 0;
    pb_any *query = conv_any_string(c, q + 1, strlen(q + 1));
    return query ? put(c, in, out, s->alt, query) : -1;
}

static int upgrade(conv_run *c, const conv_semconv *s, const conv_list *in, conv_list *out,
                   pb_kv *kv, int kind)
{
    c->st->renamed++;
    if (s->kind == RN_SPLIT_TARGET)
        return split_target(c, s, in, out, kv->value);
    const char *key = s->kind == RN_BY_KIND && server_side(kind) ? s->alt : s->to;
    pb_any *v = kv->value ? new_value(c, s, kv->value) : NULL;
    if (kv->value && !v)
        return -1;
    if (!v)
        return 0; /* an attribute without a value carries nothing to keep */
    return put(c, in, out, key, v);
}

/* rpc.service into rpc.method, code.namespace into code.function.name. */
static int qualify(conv_run *c, conv_list *out, size_t i)
{
    const conv_semconv *s = rename_of(c, (*out->v)[i]);
    pb_any *q = (*out->v)[i]->value;
    long t = conv_list_find(out, s->to);
    if (t < 0 || !q || q->value_case != PB_STRING || !(*out->v)[t]->value ||
        (*out->v)[t]->value->value_case != PB_STRING)
        return 0; /* nothing to qualify: the attribute stays as it is */
    const char *name = (*out->v)[t]->value->string_value;
    size_t ql = strlen(q->string_value), nl = strlen(name);
    if (!(strncmp(name, q->string_value, ql) == 0 && name[ql] == s->sep)) {
        char *full = conv_alloc(c->a, ql + nl + 2);
        if (!full)
            return -1;
        snprintf(full, ql + nl + 2, "%s%c%s", q->string_value, s->sep, name);
        pb_any *v = conv_any_string(c, full, ql + nl + 1);
        if (!v)
            return -1;
        (*out->v)[t]->value = v;
    }
    c->st->renamed++;
    conv_list_remove(out, i);
    return 1;
}

/* Anything for this pass in the list? Most lists have nothing. */
static bool needs_pass(conv_run *c, const conv_list *l)
{
    for (size_t i = 0; i < *l->n; i++) {
        const conv_entry *e = entry_of(c, (*l->v)[i]);
        if (e && (e->rename || e->del))
            return true;
    }
    return false;
}

static int qualify_and_delete(conv_run *c, conv_list *out)
{
    for (size_t i = 0; i < *out->n;) {
        const conv_entry *e = entry_of(c, (*out->v)[i]);
        int rc = 0;
        if (e && e->rename && e->rename->kind == RN_QUALIFY && (rc = qualify(c, out, i)) != 0) {
            if (rc < 0)
                return -1;
            continue;
        }
        if (e && e->del) {
            conv_list_remove(out, i);
            c->st->deleted++;
            continue;
        }
        i++;
    }
    return 0;
}

int conv_rename_list(conv_run *c, conv_list *l, int kind)
{
    if (!needs_pass(c, l))
        return 0;
    size_t n = 0;
    pb_kv **v = conv_alloc(c->a, (*l->n * 2 + 1) * sizeof(pb_kv *)); /* a split makes two */
    conv_list out = {&n, &v};
    if (!v)
        return -1;
    for (size_t i = 0; i < *l->n; i++) {
        pb_kv *kv = (*l->v)[i];
        const conv_semconv *s = rename_of(c, kv);
        if (s && s->kind != RN_QUALIFY) {
            if (upgrade(c, s, l, &out, kv, kind) != 0)
                return -1;
        } else {
            v[n++] = kv;
        }
    }
    if (qualify_and_delete(c, &out) != 0)
        return -1;
    *l->n = n;
    *l->v = v;
    return 0;
}
