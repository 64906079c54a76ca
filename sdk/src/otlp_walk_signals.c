/*
 * otlp_walk_signals.c: log records, metrics and data points for the
 * walker (otlp_walk_signals.h). Field numbers follow opentelemetry-proto
 * logs/v1 and metrics/v1.
 */
#include <otelc/sdk/otlp_walk_signals.h>

#include <string.h>

#include "otlp_wire_read.h"

#define SCOPE_ITEMS 2 /* ScopeLogs.log_records, ScopeMetrics.metrics */
#define DATA_POINTS 1 /* Gauge, Sum, Histogram, ... .data_points */

/* ---- log records ---- */

static int log_body(pb_cursor *c, enum pb_wire_type wt, otlp_log *l)
{
    pb_bytes body = {NULL, 0};
    int rc = rd_bytes(c, wt, &body);
    if (rc != OTLP_OK)
        return rc;
    l->has_body = true;
    return otlp_any_decode(body.ptr, body.len, &l->body);
}

static int log_field(pb_cursor *c, uint32_t f, enum pb_wire_type wt, const uint8_t *start,
                     otlp_log *l)
{
    switch (f) {
    case 1: return rd_fixed64(c, wt, &l->time_unix_nano);
    case 2: return rd_enum(c, wt, &l->severity_number);
    case 3: return rd_bytes(c, wt, &l->severity_text);
    case 5: return log_body(c, wt, l);
    case 6: return rd_list(c, wt, start, &l->attrs);
    case 7: return rd_u32(c, wt, &l->dropped_attributes_count);
    case 8: return rd_fixed32(c, wt, &l->flags);
    case 9: return rd_bytes(c, wt, &l->trace_id);
    case 10: return rd_bytes(c, wt, &l->span_id);
    case 11: return rd_fixed64(c, wt, &l->observed_time_unix_nano);
    case 12: return rd_bytes(c, wt, &l->event_name);
    default: return rd_skip(c, wt);
    }
}

int otlp_log_decode(pb_bytes body, otlp_log *l)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    memset(l, 0, sizeof *l);
    l->raw = body;
    l->attrs.field = 6;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = log_field(&c, f, wt, start, l);
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

/* ---- metrics ---- */

static bool is_kind(uint32_t f)
{
    return f == OTLP_METRIC_GAUGE || f == OTLP_METRIC_SUM || f == OTLP_METRIC_HISTOGRAM ||
           f == OTLP_METRIC_EXP_HISTOGRAM || f == OTLP_METRIC_SUMMARY;
}

static int data_field(pb_cursor *c, uint32_t f, enum pb_wire_type wt, const uint8_t *start,
                      otlp_metric *m)
{
    bool has_temporality = m->kind != OTLP_METRIC_GAUGE && m->kind != OTLP_METRIC_SUMMARY;
    uint64_t v;
    int rc;
    if (f == DATA_POINTS)
        return rd_list(c, wt, start, &m->points);
    if (f == 2 && has_temporality)
        return rd_enum(c, wt, &m->temporality);
    if (f != 3 || m->kind != OTLP_METRIC_SUM)
        return rd_skip(c, wt);
    if ((rc = rd_varint(c, wt, &v)) == OTLP_OK)
        m->monotonic = v != 0;
    return rc;
}

/* The data message: its points, temporality (2) and monotonicity (3). */
static int data_decode(otlp_metric *m)
{
    pb_cursor c = wr_view_cursor(m->data.ptr, m->data.len);
    m->points = (otlp_list){{NULL, 0}, DATA_POINTS};
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = data_field(&c, f, wt, start, m);
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

static int metric_field(pb_cursor *c, uint32_t f, enum pb_wire_type wt, const uint8_t *start,
                        otlp_metric *m)
{
    switch (f) {
    case 1: return rd_bytes(c, wt, &m->name);
    case 2: return rd_bytes(c, wt, &m->description);
    case 3: return rd_bytes(c, wt, &m->unit);
    case 12: return rd_list(c, wt, start, &m->metadata);
    default:
        if (!is_kind(f))
            return rd_skip(c, wt);
        m->kind = (enum otlp_metric_kind)f; /* a oneof: the last one wins */
        return rd_bytes(c, wt, &m->data);
    }
}

int otlp_metric_decode(pb_bytes body, otlp_metric *m)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    memset(m, 0, sizeof *m);
    m->raw = body;
    m->metadata.field = 12;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = metric_field(&c, f, wt, start, m);
        if (rc != OTLP_OK)
            return rc;
    }
    return m->kind == OTLP_METRIC_NONE ? OTLP_OK : data_decode(m);
}

int otlp_metric_count_points(const otlp_metric *m, size_t *n)
{
    pb_cursor c = wr_view_cursor(m->points.range.ptr, m->points.range.len);
    pb_bytes point;
    size_t count = 0;
    int rc;
    while ((rc = next_len_field(&c, DATA_POINTS, &point)) > 0)
        count++;
    if (rc == 0)
        *n = count;
    return rc;
}

/* ---- data points ---- */

uint32_t otlp_datapoint_attrs_field(enum otlp_metric_kind kind)
{
    switch (kind) {
    case OTLP_METRIC_HISTOGRAM: return 9;
    case OTLP_METRIC_EXP_HISTOGRAM: return 1;
    default: return 7; /* NumberDataPoint, SummaryDataPoint */
    }
}

/* start_time_unix_nano (2) and time_unix_nano (3) are fixed64 in every
 * kind; flags is 8 (number, summary) or 10 (histograms). */
static int point_field(pb_cursor *c, uint32_t f, enum pb_wire_type wt, const uint8_t *start,
                       otlp_datapoint *p)
{
    bool histogram = p->kind == OTLP_METRIC_HISTOGRAM || p->kind == OTLP_METRIC_EXP_HISTOGRAM;
    if (f == p->attrs.field)
        return rd_list(c, wt, start, &p->attrs);
    if (f == 2 || f == 3)
        return rd_fixed64(c, wt, f == 2 ? &p->start_time_unix_nano : &p->time_unix_nano);
    if (f == (histogram ? 10u : 8u))
        return rd_u32(c, wt, &p->flags);
    return rd_skip(c, wt);
}

int otlp_datapoint_decode(pb_bytes body, enum otlp_metric_kind kind, otlp_datapoint *p)
{
    pb_cursor c = wr_view_cursor(body.ptr, body.len);
    memset(p, 0, sizeof *p);
    p->raw = body;
    p->kind = kind;
    p->attrs.field = otlp_datapoint_attrs_field(kind);
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(&c, &f, &wt);
        if (rc == OTLP_OK)
            rc = point_field(&c, f, wt, start, p);
        if (rc != OTLP_OK)
            return rc;
    }
    return OTLP_OK;
}

int otlp_datapoint_next(otlp_list_iter *it, enum otlp_metric_kind kind, otlp_datapoint *out)
{
    pb_bytes body = {NULL, 0};
    int rc = next_len_field(&it->c, it->field, &body);
    if (rc <= 0)
        return rc;
    rc = otlp_datapoint_decode(body, kind, out);
    return rc == OTLP_OK ? 1 : rc;
}

/* ---- the walker, one level below the scope ---- */

static int walk_item(otlp_walker *w, pb_bytes *body)
{
    if (w->err != OTLP_OK)
        return w->err;
    int rc = next_len_field(&w->spans, SCOPE_ITEMS, body);
    return rc <= 0 ? wr_walk_fail(w, rc) : 1;
}

int otlp_walk_log(otlp_walker *w, otlp_log *out)
{
    pb_bytes body = {NULL, 0};
    int rc = walk_item(w, &body);
    if (rc <= 0)
        return rc;
    rc = otlp_log_decode(body, out);
    return rc == OTLP_OK ? 1 : wr_walk_fail(w, rc);
}

int otlp_walk_metric(otlp_walker *w, otlp_metric *out)
{
    pb_bytes body = {NULL, 0};
    int rc = walk_item(w, &body);
    if (rc <= 0)
        return rc;
    rc = otlp_metric_decode(body, out);
    return rc == OTLP_OK ? 1 : wr_walk_fail(w, rc);
}
