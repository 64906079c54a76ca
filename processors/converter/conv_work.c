/*
 * conv_work.c: the converter's workspace and the small helpers its
 * passes share: scratch for built values, attributes by position,
 * value equality.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv_edit.h"

int conv_work_init(conv_work *w)
{
    *w = (conv_work){0};
    w->renames = otlp_editor_new();
    w->rest = otlp_editor_new();
    if (w->renames && w->rest)
        return 0;
    conv_work_fini(w);
    return -1;
}

void conv_work_fini(conv_work *w)
{
    otlp_editor_free(w->renames);
    otlp_editor_free(w->rest);
    free(w->scratch);
    free(w->moves);
    *w = (conv_work){0};
}

char *conv_scratch(conv_run *c, size_t n)
{
    conv_work *w = c->w;
    if (n <= w->scratch_cap)
        return w->scratch;
    char *p = realloc(w->scratch, n);
    if (!p)
        return NULL;
    w->scratch = p;
    w->scratch_cap = n;
    return p;
}

const conv_entry *conv_entry_of(const conv_run *c, pb_bytes key)
{
    return conv_rules_find(c->r, key.ptr, key.len);
}

int conv_attr_at(conv_run *c, enum otlp_edit_target at, size_t i, otlp_kv *out)
{
    otlp_list cur;
    otlp_list_iter it;
    int rc = otlp_edit_attrs(c->ed, at, &cur);
    if (rc != OTLP_OK)
        return rc;
    otlp_list_iter_init(&it, &cur);
    while ((rc = otlp_attr_next(&it, out)) > 0 && i > 0)
        i--;
    return rc;
}

static bool same_bytes(pb_bytes a, pb_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int conv_attr_before(conv_run *c, enum otlp_edit_target at, pb_bytes key, size_t n)
{
    otlp_list cur;
    otlp_list_iter it;
    otlp_kv kv;
    int rc = otlp_edit_attrs(c->ed, at, &cur);
    if (rc != OTLP_OK)
        return rc;
    otlp_list_iter_init(&it, &cur);
    for (size_t i = 0; i < n && (rc = otlp_attr_next(&it, &kv)) > 0; i++)
        if (same_bytes(kv.key, key))
            return 1;
    return rc < 0 ? rc : 0;
}

bool conv_any_equal(const otlp_anyvalue *a, const otlp_anyvalue *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case OTLP_ANY_BOOL: return a->boolean == b->boolean;
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: return a->integer == b->integer;
    case OTLP_ANY_DOUBLE:
        return a->number == b->number || (isnan(a->number) && isnan(b->number));
    case OTLP_ANY_EMPTY: return true;
    default: return same_bytes(a->bytes, b->bytes);
    }
}

otlp_anyvalue conv_any_str(const char *s, size_t len)
{
    otlp_anyvalue v = {.type = OTLP_ANY_STRING};
    v.bytes = (pb_bytes){(const uint8_t *)s, len};
    return v;
}

pb_bytes conv_key(const char *s)
{
    return (pb_bytes){(const uint8_t *)s, strlen(s)};
}
