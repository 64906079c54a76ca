/*
 * path_metric.c: the metric and datapoint contexts' fields (the
 * collector's ottlmetric and ottldatapoint). A metric's name,
 * description and unit and a data point's times, value, flags, count
 * and sum are set through the editor's otlp_edit_field; a data point's
 * values, which the walker's view leaves out, are decoded from its bytes
 * when it is entered.
 */
#include "paths.h"
#include "value.h"

#include <otelc/sdk/pbwire.h>

/* Field numbers (metrics/v1). */
enum {
    METRIC_NAME = 1,
    METRIC_DESCRIPTION = 2,
    METRIC_UNIT = 3,
    DP_START = 2,
    DP_TIME = 3,
    DP_COUNT = 4,     /* histograms and summaries */
    DP_AS_DOUBLE = 4, /* number points */
    DP_SUM = 5,
    DP_AS_INT = 6,
    DP_SCALE = 6,     /* exponential histograms */
    DP_ZERO_COUNT = 7,
};

static bool is_number(const otlp_datapoint *dp)
{
    return dp->kind == OTLP_METRIC_GAUGE || dp->kind == OTLP_METRIC_SUM;
}

static double as_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void number_field(point_now *p, uint32_t f, uint64_t v)
{
    if (f == DP_AS_DOUBLE) {
        p->value_double = as_double(v);
        p->is_int = false;
    } else if (f == DP_AS_INT) {
        p->value_int = (int64_t)v;
        p->is_int = true;
    }
}

static void distribution_field(point_now *p, enum otlp_metric_kind kind, uint32_t f, uint64_t v)
{
    if (f == DP_COUNT)
        p->count = v;
    else if (f == DP_SUM)
        p->sum = as_double(v);
    else if (kind == OTLP_METRIC_EXP_HISTOGRAM && f == DP_ZERO_COUNT)
        p->zero_count = v;
}

void ottl_point_decode(const otlp_datapoint *dp, point_now *out)
{
    pb_cursor c = pb_cursor_of(dp->raw.ptr, dp->raw.len);
    uint32_t f;
    enum pb_wire_type wt;
    uint64_t v;
    memset(out, 0, sizeof *out);
    while (!pb_at_end(&c) && pb_read_tag(&c, &f, &wt)) {
        bool ok = wt == PB_I64 ? pb_read_fixed64(&c, &v)
                  : wt == PB_VARINT ? pb_read_varint(&c, &v)
                                    : (v = 0, pb_skip(&c, wt));
        if (!ok)
            return;
        if (is_number(dp) && wt == PB_I64)
            number_field(out, f, v);
        else if (!is_number(dp) && wt == PB_I64)
            distribution_field(out, dp->kind, f, v);
        else if (dp->kind == OTLP_METRIC_EXP_HISTOGRAM && f == DP_SCALE && wt == PB_VARINT)
            out->scale = (int32_t)((uint32_t)(v >> 1) ^ -(uint32_t)(v & 1)); /* zigzag */
    }
}

/* ---- reading ---- */

/* pdata's MetricType of a metric. */
static int64_t metric_type(enum otlp_metric_kind k)
{
    switch (k) {
    case OTLP_METRIC_GAUGE: return 1;
    case OTLP_METRIC_SUM: return 2;
    case OTLP_METRIC_HISTOGRAM: return 3;
    case OTLP_METRIC_EXP_HISTOGRAM: return 4;
    case OTLP_METRIC_SUMMARY: return 5;
    default: return 0;
    }
}

static int metric_get(ottl_env *e, path_id id, value *out)
{
    const otlp_metric *m = &e->mt;
    switch (id) {
    case PATH_METRIC_NAME: *out = v_str(m->name); return 0;
    case PATH_METRIC_DESCRIPTION: *out = v_str(m->description); return 0;
    case PATH_METRIC_UNIT: *out = v_str(m->unit); return 0;
    case PATH_METRIC_TYPE: *out = v_int(metric_type(m->kind)); return 0;
    case PATH_METRIC_TEMPORALITY: *out = v_int(m->temporality); return 0;
    case PATH_METRIC_MONOTONIC: *out = v_bool(m->monotonic); return 0;
    default: return ottl_errorf(e, "unreadable path");
    }
}

/* Values a kind of point lacks read as nil, as the collector's do. */
static int value_get(ottl_env *e, path_id id, value *out)
{
    const point_now *p = &e->pt;
    bool number = is_number(&e->dp), exp = e->dp.kind == OTLP_METRIC_EXP_HISTOGRAM;
    switch (id) {
    case PATH_DP_VALUE_DOUBLE:
        *out = number ? v_double(p->is_int ? 0 : p->value_double) : v_nil();
        return 0;
    case PATH_DP_VALUE_INT:
        *out = number ? v_int(p->is_int ? p->value_int : 0) : v_nil();
        return 0;
    case PATH_DP_COUNT: *out = number ? v_nil() : v_int((int64_t)p->count); return 0;
    case PATH_DP_SUM: *out = number ? v_nil() : v_double(p->sum); return 0;
    case PATH_DP_SCALE: *out = exp ? v_int(p->scale) : v_nil(); return 0;
    case PATH_DP_ZERO_COUNT: *out = exp ? v_int((int64_t)p->zero_count) : v_nil(); return 0;
    default: return metric_get(e, id, out);
    }
}

int ottl_metric_get(ottl_env *e, const node *n, value *out)
{
    const otlp_datapoint *dp = &e->dp;
    path_id id = ottl_path_def(n)->id;
    switch (id) {
    case PATH_DP_START_NANO: *out = v_int((int64_t)dp->start_time_unix_nano); return 0;
    case PATH_DP_TIME_NANO: *out = v_int((int64_t)dp->time_unix_nano); return 0;
    case PATH_DP_START_TIME: *out = ottl_time_value(V_TIME, dp->start_time_unix_nano); return 0;
    case PATH_DP_TIME: *out = ottl_time_value(V_TIME, dp->time_unix_nano); return 0;
    case PATH_DP_FLAGS: *out = v_int(dp->flags); return 0;
    default: return value_get(e, id, out);
    }
}

/* ---- setting ---- */

static int put_field(ottl_env *e, enum otlp_edit_target at, const otlp_field *f)
{
    return ottl_edited(e, otlp_edit_field(e->ed, at, f));
}

static int put_fixed64(ottl_env *e, uint32_t number, uint64_t v, bool keep_zero)
{
    otlp_field f = {.number = number, .wire = PB_I64, .u = v, .absent = !keep_zero && v == 0};
    return put_field(e, OTLP_EDIT_DATAPOINT, &f);
}

static uint64_t double_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

static int set_metric_text(ottl_env *e, path_id id, const value *v)
{
    static const uint32_t numbers[] = {METRIC_NAME, METRIC_DESCRIPTION, METRIC_UNIT};
    pb_bytes *rec[] = {&e->mt.name, &e->mt.description, &e->mt.unit};
    size_t k = (size_t)(id - PATH_METRIC_NAME);
    if (ottl_need(e, v, V_STRING) != 0)
        return -1;
    *rec[k] = ottl_keep(e, v->s);
    otlp_field f = {.number = numbers[k], .wire = PB_LEN, .bytes = v->s,
                    .absent = v->s.len == 0};
    return put_field(e, OTLP_EDIT_METRIC, &f);
}

static int set_time(ottl_env *e, const value *v, vtype t, bool start)
{
    if (ottl_need(e, v, t) != 0)
        return -1;
    uint64_t ns = (uint64_t)v->i;
    *(start ? &e->dp.start_time_unix_nano : &e->dp.time_unix_nano) = ns;
    return put_fixed64(e, start ? DP_START : DP_TIME, ns, false);
}

/* A number point's value: the oneof member set, the other removed. */
static int set_number(ottl_env *e, const value *v, bool integer)
{
    if (!is_number(&e->dp))
        return ottl_errorf(e, "only gauge and sum data points have value_%s",
                           integer ? "int" : "double");
    if (ottl_need(e, v, integer ? V_INT : V_DOUBLE) != 0)
        return -1;
    e->pt.is_int = integer;
    if (integer)
        e->pt.value_int = v->i;
    else
        e->pt.value_double = v->d;
    uint64_t bits = integer ? (uint64_t)v->i : double_bits(v->d);
    otlp_field other = {.number = integer ? DP_AS_DOUBLE : DP_AS_INT, .absent = true};
    if (put_field(e, OTLP_EDIT_DATAPOINT, &other) != 0)
        return -1;
    return put_fixed64(e, integer ? DP_AS_INT : DP_AS_DOUBLE, bits, true);
}

/* A histogram's or summary's count or sum. */
static int set_distribution(ottl_env *e, const value *v, bool sum)
{
    if (is_number(&e->dp))
        return ottl_errorf(e, "gauge and sum data points have no %s", sum ? "sum" : "count");
    if (ottl_need(e, v, sum ? V_DOUBLE : V_INT) != 0)
        return -1;
    if (sum)
        e->pt.sum = v->d;
    else
        e->pt.count = (uint64_t)v->i;
    /* sum is optional in histograms: a set sum is present, zero included */
    return sum ? put_fixed64(e, DP_SUM, double_bits(v->d), true)
               : put_fixed64(e, DP_COUNT, (uint64_t)v->i, false);
}

/* flags: field 8 of number and summary points, 10 of histograms. */
static int set_flags(ottl_env *e, const value *v)
{
    if (ottl_need(e, v, V_INT) != 0)
        return -1;
    bool late = e->dp.kind == OTLP_METRIC_HISTOGRAM || e->dp.kind == OTLP_METRIC_EXP_HISTOGRAM;
    e->dp.flags = (uint32_t)v->i;
    otlp_field f = {.number = late ? 10 : 8, .wire = PB_VARINT, .u = (uint32_t)v->i,
                    .absent = (uint32_t)v->i == 0};
    return put_field(e, OTLP_EDIT_DATAPOINT, &f);
}

int ottl_metric_set(ottl_env *e, const node *n, const value *v)
{
    path_id id = ottl_path_def(n)->id;
    switch (id) {
    case PATH_METRIC_NAME:
    case PATH_METRIC_DESCRIPTION:
    case PATH_METRIC_UNIT: return set_metric_text(e, id, v);
    case PATH_METRIC_TEMPORALITY:
    case PATH_METRIC_MONOTONIC: return ottl_metric_set_shape(e, id, v);
    case PATH_DP_START_NANO: return set_time(e, v, V_INT, true);
    case PATH_DP_TIME_NANO: return set_time(e, v, V_INT, false);
    case PATH_DP_START_TIME: return set_time(e, v, V_TIME, true);
    case PATH_DP_TIME: return set_time(e, v, V_TIME, false);
    case PATH_DP_VALUE_DOUBLE: return set_number(e, v, false);
    case PATH_DP_VALUE_INT: return set_number(e, v, true);
    case PATH_DP_COUNT: return set_distribution(e, v, false);
    case PATH_DP_SUM: return set_distribution(e, v, true);
    case PATH_DP_FLAGS: return set_flags(e, v);
    default: return ottl_errorf(e, "the path cannot be set");
    }
}
