/*
 * fn_metric.c: what changes a metric's data message (Gauge, Sum,
 * Histogram, ...) rather than its points: the transform processor's
 * convert_sum_to_gauge and convert_gauge_to_sum, and setting
 * metric.aggregation_temporality and metric.is_monotonic; and the filter
 * processor's HasAttrKeyOnDatapoint and HasAttrOnDatapoint, which read
 * its points.
 *
 * The data message is written anew through the editor's otlp_edit_field,
 * its points copied as their bytes: a metric statement's pass leaves the
 * points unvisited, so the message replaces them whole.
 */
#include "fn.h"

#include <otelc/sdk/pbwire.h>

enum { DATA_POINTS = 1, DATA_TEMPORALITY = 2, DATA_MONOTONIC = 3 };

/* What a data message is made of besides its points. */
typedef struct data_shape {
    enum otlp_metric_kind kind;
    int32_t temporality;
    bool monotonic;
} data_shape;

static bool has_temporality(enum otlp_metric_kind k)
{
    return k == OTLP_METRIC_SUM || k == OTLP_METRIC_HISTOGRAM || k == OTLP_METRIC_EXP_HISTOGRAM;
}

/* Which fields of the current message the new one keeps: the points
 * always; the rest (fields unknown to otelc included) only when the type
 * stays, temporality and monotonicity being written from the shape. */
static bool keeps(uint32_t f, bool same_kind)
{
    return f == DATA_POINTS || (same_kind && f != DATA_TEMPORALITY && f != DATA_MONOTONIC);
}

/* Copies the kept fields of the current message to out (NULL: counts
 * them). Returns their size. */
static size_t copy_kept(const otlp_metric *m, bool same_kind, uint8_t *out)
{
    pb_cursor c = pb_cursor_of(m->data.ptr, m->data.len);
    size_t n = 0;
    uint32_t f;
    enum pb_wire_type wt;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        if (!pb_read_tag(&c, &f, &wt) || !pb_skip(&c, wt))
            break; /* the request was validated when it came in */
        if (!keeps(f, same_kind))
            continue;
        if (out)
            memcpy(out + n, start, (size_t)(c.p - start));
        n += (size_t)(c.p - start);
    }
    return n;
}

static size_t put_varint_field(uint8_t *out, uint32_t f, uint64_t v)
{
    out[0] = (uint8_t)(f << 3 | PB_VARINT);
    return 1 + pb_write_varint(out + 1, v);
}

/* The shape's settings, as pdata writes them: defaults left out. */
static size_t put_settings(uint8_t *out, const data_shape *to)
{
    size_t n = 0;
    if (has_temporality(to->kind) && to->temporality != 0)
        n += put_varint_field(out, DATA_TEMPORALITY, (uint64_t)(int64_t)to->temporality);
    if (to->kind == OTLP_METRIC_SUM && to->monotonic)
        n += put_varint_field(out + n, DATA_MONOTONIC, 1);
    return n;
}

/* The new data message as a Metric field (tag, length, body) in the
 * item's keep arena, so that it can be decoded into e->mt and outlive
 * the statement. *body views the message itself. */
static int build_field(ottl_env *e, const data_shape *to, pb_bytes *field, pb_bytes *body)
{
    bool same = to->kind == e->mt.kind;
    size_t kept = copy_kept(&e->mt, same, NULL);
    uint8_t settings[32];
    size_t extra = put_settings(settings, to);
    size_t len = kept + extra;
    uint8_t *p = ottl_arena_alloc(&e->keep, len + 1 + 10);
    if (!p) {
        e->oom = true;
        return ottl_errorf(e, "out of memory");
    }
    p[0] = (uint8_t)((uint32_t)to->kind << 3 | PB_LEN); /* data fields are 5 to 11 */
    size_t head = 1 + pb_write_varint(p + 1, len);
    copy_kept(&e->mt, same, p + head);
    memcpy(p + head + kept, settings, extra);
    *field = bytes_of(p, head + len);
    *body = bytes_of(p + head, len);
    return 0;
}

/* What the rest of the statement and the group's later statements read
 * of the metric: its new type, points and settings. */
static void refresh(ottl_env *e, pb_bytes field)
{
    otlp_metric now;
    if (otlp_metric_decode(field, &now) != OTLP_OK)
        return;
    e->mt.kind = now.kind;
    e->mt.data = now.data;
    e->mt.points = now.points;
    e->mt.temporality = now.temporality;
    e->mt.monotonic = now.monotonic;
}

/* Writes the current metric's data message in the shape `to`. */
static int reshape(ottl_env *e, const data_shape *to)
{
    pb_bytes field = {NULL, 0}, body = {NULL, 0};
    if (!e->ed)
        return ottl_errorf(e, "read-only evaluation cannot edit");
    if (build_field(e, to, &field, &body) != 0)
        return -1;
    if (to->kind != e->mt.kind) {
        otlp_field gone = {.number = (uint32_t)e->mt.kind, .absent = true};
        if (ottl_edited(e, otlp_edit_field(e->ed, OTLP_EDIT_METRIC, &gone)) != 0)
            return -1;
    }
    otlp_field data = {.number = (uint32_t)to->kind, .wire = PB_LEN, .bytes = body};
    if (ottl_edited(e, otlp_edit_field(e->ed, OTLP_EDIT_METRIC, &data)) != 0)
        return -1;
    refresh(e, field);
    return 0;
}

static data_shape current_shape(const ottl_env *e)
{
    data_shape s = {e->mt.kind, e->mt.temporality, e->mt.monotonic};
    return s;
}

/* ---- paths ---- */

/* As the collector's setters: an int64 (a bool) or an error; a metric
 * without the setting is left as it is. */
int ottl_metric_set_shape(ottl_env *e, path_id id, const value *v)
{
    data_shape to = current_shape(e);
    bool temporality = id == PATH_METRIC_TEMPORALITY;
    if (ottl_need(e, v, temporality ? V_INT : V_BOOL) != 0)
        return -1;
    if (temporality ? !has_temporality(to.kind) : to.kind != OTLP_METRIC_SUM)
        return 0;
    if (temporality)
        to.temporality = (int32_t)v->i; /* Go's conversion to the enum's int32 */
    else
        to.monotonic = v->b;
    return reshape(e, &to);
}

/* ---- functions ---- */

RUN(ottl_fn_convert_sum_to_gauge)
{
    (void)c;
    *out = v_nil();
    if (e->mt.kind != OTLP_METRIC_SUM)
        return 0;
    data_shape to = {OTLP_METRIC_GAUGE, 0, false};
    return reshape(e, &to);
}

/* The literal was checked at bind: "delta" or "cumulative". */
static int32_t temporality_named(pb_bytes s)
{
    return s.len == 5 && memcmp(s.ptr, "delta", 5) == 0 ? 1 : 2;
}

RUN(ottl_fn_convert_gauge_to_sum)
{
    *out = v_nil();
    if (e->mt.kind != OTLP_METRIC_GAUGE)
        return 0;
    data_shape to = {OTLP_METRIC_SUM, temporality_named(lit_str(c, 0)), c->argv[1]->b};
    return reshape(e, &to);
}

const char *ottl_check_convert_gauge_to_sum(const call_node *c)
{
    pb_bytes s = lit_str(c, 0);
    bool known = (s.len == 5 && memcmp(s.ptr, "delta", 5) == 0) ||
                 (s.len == 10 && memcmp(s.ptr, "cumulative", 10) == 0);
    return known ? NULL : "unknown aggregation temporality: want \"delta\" or \"cumulative\"";
}

/* ---- the filter's data point checks ---- */

static bool same_bytes(pb_bytes a, pb_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* The collector's rule: the first point holding the key decides (its
 * value's Str() against the expected text: "" for a value that is not a
 * string); without an expected value, holding the key is enough. */
static int check_points(ottl_env *e, pb_bytes key, const pb_bytes *want, bool *out)
{
    otlp_list_iter it;
    otlp_datapoint dp;
    otlp_anyvalue v;
    int rc;
    *out = false;
    if (e->mt.kind == OTLP_METRIC_NONE)
        return ottl_errorf(e, "unknown metric type");
    otlp_list_iter_init(&it, &e->mt.points);
    while ((rc = otlp_datapoint_next(&it, e->mt.kind, &dp)) > 0) {
        if (otlp_attr_find(&dp.attrs, (const char *)key.ptr, key.len, &v) <= 0)
            continue;
        *out = !want || (v.type == OTLP_ANY_STRING ? same_bytes(v.bytes, *want) : want->len == 0);
        return 0;
    }
    return rc < 0 ? ottl_errorf(e, "malformed data point") : 0;
}

RUN(ottl_fn_has_attr_key_on_datapoint)
{
    bool found;
    if (check_points(e, lit_str(c, 0), NULL, &found) != 0)
        return -1;
    *out = v_bool(found);
    return 0;
}

RUN(ottl_fn_has_attr_on_datapoint)
{
    bool found;
    pb_bytes want = lit_str(c, 1);
    if (check_points(e, lit_str(c, 0), &want, &found) != 0)
        return -1;
    *out = v_bool(found);
    return 0;
}
