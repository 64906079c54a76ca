/*
 * compare.c: the collector's comparison rules (pkg/ottl compare.go and
 * LANGUAGE.md): nil equals only nil (and nil <= nil, nil >= nil); ints
 * and floats compare as numbers, as float64 when mixed; strings and
 * bytes byte by byte; false < true; times and durations in time order;
 * maps (regardless of order) and lists only for equality; values of
 * different types are only "not equal".
 */
#include "value.h"

static bool ordered(int c, cmp_op op)
{
    switch (op) {
    case CMP_EQ: return c == 0;
    case CMP_NE: return c != 0;
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

static bool cmp_f64(double a, double b, cmp_op op)
{
    /* NaN compares unequal to everything, as in Go */
    switch (op) {
    case CMP_EQ: return a == b;
    case CMP_NE: return a != b;
    case CMP_LT: return a < b;
    case CMP_LE: return a <= b;
    case CMP_GT: return a > b;
    default: return a >= b;
    }
}

static int cmp_bytes(pb_bytes a, pb_bytes b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

static bool numeric(const value *v)
{
    return v->t == V_INT || v->t == V_DOUBLE;
}

static double as_double(const value *v)
{
    return v->t == V_INT ? (double)v->i : v->d;
}

static bool equal_lists(ottl_env *e, const value *a, const value *b);

/* Same type, same value; maps regardless of order (pcommon's Equal). */
bool ottl_value_equal(ottl_env *e, const value *a, const value *b)
{
    if (a->t != b->t)
        return false;
    switch (a->t) {
    case V_NIL: return true;
    case V_BOOL: return a->b == b->b;
    case V_INT: case V_TIME: case V_DURATION: return a->i == b->i;
    case V_DOUBLE: return a->d == b->d;
    case V_STRING: case V_BYTES: case V_TRACE_ID: case V_SPAN_ID:
        return cmp_bytes(a->s, b->s) == 0;
    case V_MAP: case V_SLICE: return equal_lists(e, a, b);
    default: return false;
    }
}

static bool equal_maps(ottl_env *e, const otlp_list *x, const otlp_list *y)
{
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    if (ottl_list_count(x, true) != ottl_list_count(y, true))
        return false;
    otlp_list_iter_init(&it, x);
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        value want, got;
        ottl_value_from_any(&kv.value, &want);
        if (ottl_map_get(e, y, kv.key, &got) != 1 || !ottl_value_equal(e, &want, &got))
            return false;
    }
    return rc == 0;
}

static bool equal_slices(ottl_env *e, const otlp_list *x, const otlp_list *y)
{
    otlp_list_iter i, j;
    otlp_anyvalue a, b;
    int ra, rb;
    otlp_list_iter_init(&i, x);
    otlp_list_iter_init(&j, y);
    for (;;) {
        ra = otlp_array_next(&i, &a);
        rb = otlp_array_next(&j, &b);
        if (ra <= 0 || rb <= 0)
            return ra == 0 && rb == 0;
        value va, vb;
        ottl_value_from_any(&a, &va);
        ottl_value_from_any(&b, &vb);
        if (!ottl_value_equal(e, &va, &vb))
            return false;
    }
}

static bool equal_lists(ottl_env *e, const value *a, const value *b)
{
    return a->t == V_MAP ? equal_maps(e, &a->l, &b->l) : equal_slices(e, &a->l, &b->l);
}

/* Comparisons of two non-nil values of kinds that have an order. */
static bool compare_same(const value *a, const value *b, cmp_op op)
{
    switch (a->t) {
    case V_BOOL: return ordered((int)a->b - (int)b->b, op);
    case V_INT: case V_TIME: case V_DURATION: return ordered(cmp_i64(a->i, b->i), op);
    case V_STRING: case V_BYTES: return ordered(cmp_bytes(a->s, b->s), op);
    default: return false;
    }
}

bool ottl_value_compare(ottl_env *e, const value *a, const value *b, cmp_op op)
{
    if (a->t == V_NIL || b->t == V_NIL) {
        bool both = a->t == b->t;
        return both ? (op == CMP_EQ || op == CMP_LE || op == CMP_GE) : op == CMP_NE;
    }
    if (numeric(a) && numeric(b)) {
        if (a->t == V_INT && b->t == V_INT)
            return ordered(cmp_i64(a->i, b->i), op);
        return cmp_f64(as_double(a), as_double(b), op);
    }
    if (a->t != b->t)
        return op == CMP_NE;
    switch (a->t) {
    case V_BOOL: case V_INT: case V_TIME: case V_DURATION: case V_STRING: case V_BYTES:
        return compare_same(a, b, op);
    default: /* maps, lists, ids: equality only */
        if (op == CMP_EQ || op == CMP_NE)
            return ottl_value_equal(e, a, b) == (op == CMP_EQ);
        return false;
    }
}
