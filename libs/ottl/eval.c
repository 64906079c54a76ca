/*
 * eval.c: evaluating a bound tree: values, indexes, math and boolean
 * expressions, as the collector evaluates them (and, or short-circuit;
 * math on int64, float64, times and durations, never mixing int and
 * float; division by zero an error).
 */
#include "paths.h"
#include "value.h"

/* ---- indexes: map["key"], list[0] ---- */

static int key_value(ottl_env *e, const node *k, value *out)
{
    if (ottl_eval(e, k, out) != 0)
        return -1;
    if (out->t != V_STRING && out->t != V_INT)
        return ottl_errorf(e, "an index must be a string or an int64, not %s",
                           ottl_type_name(out->t));
    return 0;
}

int ottl_apply_keys(ottl_env *e, node *const *keys, size_t n, value *v);
int ottl_apply_keys(ottl_env *e, node *const *keys, size_t n, value *v)
{
    for (size_t k = 0; k < n && v->t != V_NIL; k++) {
        value key;
        if (key_value(e, keys[k], &key) != 0)
            return -1;
        if (v->t == V_MAP && key.t == V_STRING) {
            value found;
            int rc = ottl_map_get(e, &v->l, key.s, &found);
            if (rc < 0)
                return -1;
            *v = rc ? found : v_nil();
        } else if (v->t == V_SLICE && key.t == V_INT) {
            if (ottl_slice_get(e, &v->l, key.i, v) < 0)
                return -1;
        } else {
            return ottl_errorf(e, "type %s does not support %s indexing", ottl_type_name(v->t),
                               key.t == V_STRING ? "string" : "int");
        }
    }
    return 0;
}

/* ---- literals that build ---- */

static int eval_list(ottl_env *e, const node *n, value *out)
{
    value *items = ottl_arena_alloc(&e->scratch, (n->list.n ? n->list.n : 1) * sizeof(value));
    if (!items)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < n->list.n; k++)
        if (ottl_eval(e, n->list.items[k], &items[k]) != 0)
            return -1;
    return ottl_build_slice(e, items, n->list.n, out);
}

static int eval_map(ottl_env *e, const node *n, value *out)
{
    otlp_kv *kv = ottl_arena_alloc(&e->scratch, (n->map.n ? n->map.n : 1) * sizeof(otlp_kv));
    if (!kv)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < n->map.n; k++) {
        value v;
        kv[k].key = bytes_of(n->map.keys[k], n->map.klens[k]);
        if (ottl_eval(e, n->map.vals[k], &v) != 0 || ottl_value_to_any(e, &v, &kv[k].value) != 0)
            return -1;
    }
    return ottl_build_map(e, kv, n->map.n, out);
}

/* ---- math ---- */

static int math_ints(ottl_env *e, int op, int64_t a, int64_t b, int64_t *out)
{
    /* Go's int64 arithmetic wraps; unsigned arithmetic does here too */
    switch (op) {
    case MATH_ADD: *out = (int64_t)((uint64_t)a + (uint64_t)b); return 0;
    case MATH_SUB: *out = (int64_t)((uint64_t)a - (uint64_t)b); return 0;
    case MATH_MUL: *out = (int64_t)((uint64_t)a * (uint64_t)b); return 0;
    default:
        if (b == 0)
            return ottl_errorf(e, "attempted to divide by zero");
        *out = (a == INT64_MIN && b == -1) ? INT64_MIN : a / b;
        return 0;
    }
}

static int math_doubles(ottl_env *e, int op, double a, double b, double *out)
{
    switch (op) {
    case MATH_ADD: *out = a + b; return 0;
    case MATH_SUB: *out = a - b; return 0;
    case MATH_MUL: *out = a * b; return 0;
    default:
        if (b == 0)
            return ottl_errorf(e, "attempted to divide by zero");
        *out = a / b;
        return 0;
    }
}

/* time and duration: + and - only, with the collector's result types. */
static int math_times(ottl_env *e, int op, const value *a, const value *b, value *out)
{
    bool ta = a->t == V_TIME, tb = b->t == V_TIME;
    if (op != MATH_ADD && op != MATH_SUB)
        return ottl_errorf(e, "only + and - apply to %s", ottl_type_name(a->t));
    if (ta && tb && op == MATH_ADD)
        return ottl_errorf(e, "cannot add two time.Time values");
    if (!ta && tb && op == MATH_SUB)
        return ottl_errorf(e, "cannot subtract a time.Time from a time.Duration");
    *out = v_nil();
    out->t = (ta && tb) ? V_DURATION : (ta || tb) ? V_TIME : V_DURATION;
    out->i = op == MATH_ADD ? (int64_t)((uint64_t)a->i + (uint64_t)b->i)
                            : (int64_t)((uint64_t)a->i - (uint64_t)b->i);
    return 0;
}

static bool is_time(const value *v)
{
    return v->t == V_TIME || v->t == V_DURATION;
}

static int eval_math(ottl_env *e, const node *n, value *out)
{
    value a, b;
    if (ottl_eval(e, n->bin.l, &a) != 0 || ottl_eval(e, n->bin.r, &b) != 0)
        return -1;
    if (is_time(&a) && is_time(&b))
        return math_times(e, n->bin.op, &a, &b, out);
    if (a.t == V_INT && b.t == V_INT) {
        *out = v_int(0);
        return math_ints(e, n->bin.op, a.i, b.i, &out->i);
    }
    if (a.t == V_DOUBLE && b.t == V_DOUBLE) {
        *out = v_double(0);
        return math_doubles(e, n->bin.op, a.d, b.d, &out->d);
    }
    return ottl_errorf(e, "cannot do math with %s and %s", ottl_type_name(a.t),
                       ottl_type_name(b.t));
}

/* ---- values ---- */

static int eval_call(ottl_env *e, const node *n, value *out)
{
    *out = v_nil();
    if (n->call.fn->run(e, &n->call, out) != 0)
        return -1;
    return ottl_apply_keys(e, n->call.keys, n->call.nkeys, out);
}

static int eval_bool_value(ottl_env *e, const node *n, value *out)
{
    bool b;
    if (ottl_eval_bool(e, n, &b) != 0)
        return -1;
    *out = v_bool(b);
    return 0;
}

int ottl_eval(ottl_env *e, const node *n, value *out)
{
    *out = v_nil();
    switch (n->kind) {
    case N_NIL: return 0;
    case N_BOOL: *out = v_bool(n->b); return 0;
    case N_INT: *out = v_int(n->i); return 0;
    case N_FLOAT: *out = v_double(n->d); return 0;
    case N_STRING: *out = v_str(bytes_of(n->str.p, n->str.n)); return 0;
    case N_BYTES:
        out->t = V_BYTES;
        out->s = bytes_of(n->str.p, n->str.n);
        return 0;
    case N_FUNCREF: out->t = V_FUNC; out->fn = n->fnref; return 0;
    case N_LIST: return eval_list(e, n, out);
    case N_MAP: return eval_map(e, n, out);
    case N_PATH: return ottl_path_get(e, n, out);
    case N_CALL: return eval_call(e, n, out);
    case N_MATH: return eval_math(e, n, out);
    case N_CMP: case N_AND: case N_OR: case N_NOT: return eval_bool_value(e, n, out);
    default: return ottl_errorf(e, "unbound symbol");
    }
}

/* ---- boolean expressions ---- */

static int eval_chain(ottl_env *e, const node *n, bool stop_at, bool *out)
{
    for (size_t k = 0; k < n->list.n; k++) {
        if (ottl_eval_bool(e, n->list.items[k], out) != 0)
            return -1;
        if (*out == stop_at)
            return 0;
    }
    *out = !stop_at;
    return 0;
}

static int eval_cmp(ottl_env *e, const node *n, bool *out)
{
    value a, b;
    if (ottl_eval(e, n->bin.l, &a) != 0 || ottl_eval(e, n->bin.r, &b) != 0)
        return -1;
    *out = ottl_value_compare(e, &a, &b, (cmp_op)n->bin.op);
    return 0;
}

int ottl_eval_bool(ottl_env *e, const node *n, bool *out)
{
    value v;
    switch (n->kind) {
    case N_BOOL: *out = n->b; return 0;
    case N_CMP: return eval_cmp(e, n, out);
    case N_AND: return eval_chain(e, n, false, out);
    case N_OR: return eval_chain(e, n, true, out);
    case N_NOT: {
        bool inner = false;
        if (ottl_eval_bool(e, n->sub, &inner) != 0)
            return -1;
        *out = !inner;
        return 0;
    }
    default:
        if (ottl_eval(e, n, &v) != 0)
            return -1;
        if (v.t != V_BOOL)
            return ottl_errorf(e, "value returned from a converter in a condition is %s, "
                                  "not a bool", ottl_type_name(v.t));
        *out = v.b;
        return 0;
    }
}
