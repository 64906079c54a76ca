/*
 * fn_util.c: argument access shared by the functions.
 */
#include "fn.h"

int ottl_arg_string(ottl_env *e, const call_node *c, size_t i, pb_bytes *out)
{
    value v;
    if (arg(e, c, i, &v) != 0)
        return -1;
    if (v.t != V_STRING)
        return ottl_type_error(e, "string", &v);
    *out = v.s;
    return 0;
}

int ottl_arg_int(ottl_env *e, const call_node *c, size_t i, int64_t *out)
{
    value v;
    if (arg(e, c, i, &v) != 0)
        return -1;
    if (v.t != V_INT)
        return ottl_type_error(e, "int64", &v);
    *out = v.i;
    return 0;
}

int ottl_arg_time(ottl_env *e, const call_node *c, size_t i, vtype want, int64_t *out)
{
    value v;
    if (arg(e, c, i, &v) != 0)
        return -1;
    if (v.t != want)
        return ottl_type_error(e, ottl_type_name(want), &v);
    *out = v.i;
    return 0;
}

static int each_value_item(ottl_env *e, const value *list, item_fn fn, void *fnarg)
{
    otlp_list_iter it;
    otlp_anyvalue a;
    int rc;
    if (list->t != V_SLICE)
        return ottl_type_error(e, "a list", list);
    otlp_list_iter_init(&it, &list->l);
    while ((rc = otlp_array_next(&it, &a)) > 0) {
        value v;
        ottl_value_from_any(&a, &v);
        if ((rc = fn(e, fnarg, &v)) != 0)
            return rc;
    }
    return rc < 0 ? ottl_errorf(e, "malformed list") : 0;
}

int ottl_arg_each_item(ottl_env *e, const call_node *c, size_t i, item_fn fn, void *fnarg)
{
    const node *n = c->argv[i];
    value v;
    int rc;
    if (n->kind != N_LIST) {
        if (arg(e, c, i, &v) != 0)
            return -1;
        return each_value_item(e, &v, fn, fnarg);
    }
    /* a list literal: items evaluated one by one, ids and times kept */
    for (size_t k = 0; k < n->list.n; k++)
        if (ottl_eval(e, n->list.items[k], &v) != 0 || (rc = fn(e, fnarg, &v)) < 0)
            return -1;
        else if (rc > 0)
            return rc;
    return 0;
}

int ottl_apply_string_fn(ottl_env *e, const ottl_fn *f, pb_bytes s, pb_bytes *out)
{
    /* a call of f on the string literal s, made on the stack */
    node lit = {.kind = N_STRING};
    call_node c = {.name = f->name, .len = strlen(f->name), .fn = f};
    value v;
    lit.str.p = (const char *)s.ptr;
    lit.str.n = s.len;
    c.argv[0] = &lit;
    if (f->run(e, &c, &v) != 0)
        return -1;
    if (v.t != V_STRING)
        return ottl_errorf(e, "the function %s did not return a string", f->name);
    *out = v.s;
    return 0;
}

int ottl_set_target(ottl_env *e, const call_node *c, size_t i, const value *v)
{
    return ottl_path_set(e, c->argv[i], v);
}

int ottl_target_entries(ottl_env *e, const call_node *c, size_t i, otlp_kv **kv, size_t *n)
{
    otlp_list l;
    if (ottl_level_attrs(e, c->argv[i]->path.level, &l) != 0)
        return -1;
    return ottl_map_entries(e, &l, kv, n);
}

int ottl_set_map_entries(ottl_env *e, const node *target, const otlp_kv *kv, size_t n)
{
    otlp_list l;
    int level = target->path.level;
    if (!e->ed)
        return ottl_errorf(e, "read-only evaluation cannot edit");
    if (ottl_level_attrs(e, level, &l) != 0)
        return -1;
    int64_t now = ottl_list_count(&l, true);
    if (now < 0)
        return ottl_errorf(e, "malformed attributes");
    int rc = otlp_edit_attr_splice(e->ed, ottl_level_target(level), 0, (size_t)now, kv, n);
    if (rc < 0)
        return ottl_edit_failed(e, rc);
    e->changes += rc > 0;
    return 0;
}

int ottl_apply_format(ottl_env *e, pb_bytes format, pb_bytes s, pb_bytes *out)
{
    const uint8_t *at = NULL;
    for (size_t k = 0; k + 1 < format.len && !at; k++)
        if (format.ptr[k] == '%' && format.ptr[k + 1] == 's')
            at = format.ptr + k;
    if (!at)
        return ottl_errorf(e, "replacementFormat needs one %%s");
    size_t head = (size_t)(at - format.ptr);
    pb_bytes parts[3] = {bytes_of(format.ptr, head), s,
                         bytes_of(at + 2, format.len - head - 2)};
    *out = ottl_scratch_concat(e, parts, 3);
    return out->ptr ? 0 : ottl_errorf(e, "out of memory");
}
