/*
 * conv_attrs.c: attribute lists and values of a decoded request, built in
 * the arena.
 */
#include <math.h>
#include <string.h>

#include "conv_pb.h"

long conv_list_find(const conv_list *l, const char *key)
{
    for (size_t i = 0; i < *l->n; i++)
        if ((*l->v)[i]->key && strcmp((*l->v)[i]->key, key) == 0)
            return (long)i;
    return -1;
}

void conv_list_remove(conv_list *l, size_t i)
{
    pb_kv **v = *l->v;
    memmove(v + i, v + i + 1, (*l->n - i - 1) * sizeof(pb_kv *));
    (*l->n)--;
}

int conv_list_append(conv_run *c, conv_list *l, pb_kv *kv)
{
    /* Arrays from protobuf-c are exactly sized: grow by copying. */
    pb_kv **v = conv_alloc(c->a, (*l->n + 1) * sizeof(pb_kv *));
    if (!v)
        return -1;
    if (*l->n)
        memcpy(v, *l->v, *l->n * sizeof(pb_kv *));
    v[(*l->n)++] = kv;
    *l->v = v;
    return 0;
}

pb_kv *conv_kv_new(conv_run *c, const char *key, pb_any *value)
{
    pb_kv *kv = conv_alloc(c->a, sizeof(*kv));
    char *k = conv_strndup(c->a, key, strlen(key));
    if (!kv || !k || !value)
        return NULL;
    opentelemetry__proto__common__v1__key_value__init(kv);
    kv->key = k;
    kv->value = value;
    return kv;
}

pb_any *conv_any_string(conv_run *c, const char *s, size_t len)
{
    pb_any *v = conv_alloc(c->a, sizeof(*v));
    char *copy = conv_strndup(c->a, s, len);
    if (!v || !copy)
        return NULL;
    opentelemetry__proto__common__v1__any_value__init(v);
    v->value_case = PB_STRING;
    v->string_value = copy;
    return v;
}

pb_any *conv_any_string_array(conv_run *c, const char *s, size_t len)
{
    pb_any *v = conv_alloc(c->a, sizeof(*v));
    pb_array *arr = conv_alloc(c->a, sizeof(*arr));
    pb_any **items = conv_alloc(c->a, sizeof(pb_any *));
    if (!v || !arr || !items || !(items[0] = conv_any_string(c, s, len)))
        return NULL;
    opentelemetry__proto__common__v1__array_value__init(arr);
    arr->n_values = 1;
    arr->values = items;
    opentelemetry__proto__common__v1__any_value__init(v);
    v->value_case = PB_ARRAY;
    v->array_value = arr;
    return v;
}

/* Compares two messages by their encoding. */
static bool same_encoding(conv_run *c, const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t la = protobuf_c_message_get_packed_size(a);
    if (la != protobuf_c_message_get_packed_size(b))
        return false;
    uint8_t *ba = conv_alloc(c->a, la + 1), *bb = conv_alloc(c->a, la + 1);
    if (!ba || !bb)
        return false;
    protobuf_c_message_pack(a, ba);
    protobuf_c_message_pack(b, bb);
    return memcmp(ba, bb, la) == 0;
}

bool conv_any_equal(conv_run *c, const pb_any *a, const pb_any *b)
{
    if (!a || !b || a->value_case != b->value_case)
        return a == b;
    switch (a->value_case) {
    case PB_STRING: return strcmp(a->string_value, b->string_value) == 0;
    case PB_BOOL: return !a->bool_value == !b->bool_value;
    case PB_INT: return a->int_value == b->int_value;
    case PB_DOUBLE:
        return a->double_value == b->double_value ||
               (isnan(a->double_value) && isnan(b->double_value));
    case PB_BYTES:
        return a->bytes_value.len == b->bytes_value.len &&
               (a->bytes_value.len == 0 ||
                memcmp(a->bytes_value.data, b->bytes_value.data, a->bytes_value.len) == 0);
    default: return same_encoding(c, &a->base, &b->base);
    }
}

int conv_resource_list(conv_run *c, pb_rs *rs, conv_list *out)
{
    if (!rs->resource) {
        pb_resource *res = conv_alloc(c->a, sizeof(*res));
        if (!res)
            return -1;
        opentelemetry__proto__resource__v1__resource__init(res);
        rs->resource = res;
    }
    *out = (conv_list){&rs->resource->n_attributes, &rs->resource->attributes};
    return 0;
}
