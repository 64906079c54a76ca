/*
 * otlp_edit_signals.c: the OTLP editor one level below the scope of a
 * metrics or logs request (otlp_edit.h, METRICS AND LOGS).
 *
 * A log record is an item as a span is, with its attribute list and
 * nothing else to patch: otlp_edit.c writes it. A metric is written here:
 * its metadata attributes as a span's, and its data points as a list
 * below its data message (Gauge, Sum, ...), written anew into a copy of
 * that message when a point changed or went. Items are counted as the
 * collector counts them: a metric weighs its data points.
 */
#include "otlp_edit_int.h"

#define LOG_DROPPED_ATTRS 7
#define DATA_POINTS 1 /* Gauge, Sum, ... .data_points */

void otlp_edit_begin_signal(otlp_editor *ed, otelc_signal signal, const uint8_t *buf,
                            size_t len)
{
    otlp_edit_begin(ed, buf, len);
    if (signal == OTELC_METRICS || signal == OTELC_LOGS)
        ed->signal = signal;
}

void edit_metric_release(metric_edit *mt)
{
    sub_release(&mt->points);
    ebuf_release(&mt->field);
}

int edit_item_count(const otlp_editor *ed, pb_bytes payload, size_t *n)
{
    otlp_metric m;
    int rc;
    *n = 1;
    if (ed->signal != OTELC_METRICS)
        return OTLP_OK;
    if ((rc = otlp_metric_decode(payload, &m)) != OTLP_OK)
        return rc;
    return otlp_metric_count_points(&m, n);
}

/* ---- log records ---- */

int otlp_edit_log(otlp_editor *ed, otlp_log *out)
{
    pb_bytes whole = {NULL, 0}, payload = {NULL, 0};
    if (ed->signal != OTELC_LOGS)
        return OTLP_ESTATE;
    int rc = edit_item_next(ed, &whole, &payload);
    if (rc > 0)
        rc = edit_in_step(otlp_walk_log(&ed->w, out), out->raw, payload);
    if (rc <= 0)
        return edit_fail(ed, rc);
    edit_item_enter(ed, whole, out->raw, &out->attrs,
                    (attr_where){LOG_DROPPED_ATTRS, out->dropped_attributes_count});
    return 1;
}

/* ---- metrics ---- */

static int metric_enter(metric_edit *mt, const otlp_metric *m)
{
    mt->kind = m->kind;
    mt->data = m->data;
    sub_enter(&mt->points, SUB_POINTS, &m->points, 0);
    mt->points.point_kind = m->kind;
    int rc = otlp_metric_count_points(m, &mt->points_in);
    return rc < 0 ? rc : 1;
}

int otlp_edit_metric(otlp_editor *ed, otlp_metric *out)
{
    pb_bytes whole = {NULL, 0}, payload = {NULL, 0};
    if (ed->signal != OTELC_METRICS)
        return OTLP_ESTATE;
    int rc = edit_item_next(ed, &whole, &payload);
    if (rc > 0)
        rc = edit_in_step(otlp_walk_metric(&ed->w, out), out->raw, payload);
    if (rc > 0)
        rc = metric_enter(&ed->mt, out);
    if (rc <= 0)
        return edit_fail(ed, rc);
    edit_item_enter(ed, whole, out->raw, &out->metadata, (attr_where){0, 0});
    return 1;
}

int otlp_edit_datapoint(otlp_editor *ed, otlp_datapoint *out)
{
    if (ed->err)
        return ed->err;
    if (ed->signal != OTELC_METRICS || ed->finished || !ed->sp.open || ed->sp.dropped)
        return 0;
    int rc = sub_next(&ed->mt.points, out);
    return rc < 0 ? edit_fail(ed, rc) : rc;
}

/* The metric's data field with the points as they stand, off when no
 * point changed. */
static patch data_patch(metric_edit *mt)
{
    sub_list *l = &mt->points;
    patch p = {(uint32_t)mt->kind, {NULL, 0}, l->entered && l->changed};
    if (!p.on)
        return p;
    patch points = {DATA_POINTS, {l->out.p, l->out.len}, true};
    mt->field.len = 0;
    open_msg m = msg_open(&mt->field, p.field, mt->data.len);
    (void)copy_patched(&mt->field, mt->data, &points, 1); /* the walker read it whole */
    msg_close(&mt->field, m);
    p.bytes = (pb_bytes){mt->field.p, mt->field.len};
    return p;
}

static int metric_write(otlp_editor *ed)
{
    span_edit *sp = &ed->sp;
    /* In field order: the data field (5 to 11), then metadata (12); the
     * fields otlp_edit_field set go among them. */
    patch p[2] = {data_patch(&ed->mt), attrs_patch(&sp->attrs)};
    patch all[FIELD_SET_MAX + 2];
    if (!p[0].on && !p[1].on && sp->fields.n == 0) {
        ebuf_put(&ed->out, sp->whole.ptr, sp->whole.len);
        return OTLP_OK;
    }
    size_t n = fields_merge(&sp->fields, p, 2, all);
    open_msg m = msg_open(&ed->out, 2, sp->body.len);
    int rc = copy_patched(&ed->out, sp->body, all, n);
    msg_close(&ed->out, m);
    return rc;
}

int edit_metric_flush(otlp_editor *ed)
{
    span_edit *sp = &ed->sp;
    metric_edit *mt = &ed->mt;
    frame *ss = &ed->f[LV_SCOPE];
    sp->open = false;
    int rc = sp->dropped ? OTLP_OK : sub_close(&mt->points);
    if (rc != OTLP_OK)
        return rc;
    size_t points = mt->points.entered ? mt->points.written : mt->points_in;
    if (sp->dropped || (points == 0 && mt->points_in > 0)) {
        ss->lost = true; /* dropped, or every point was */
        return OTLP_OK;
    }
    ss->spans_out += points;
    return metric_write(ed);
}

/* ---- callbacks ---- */

static int run_logs(otlp_editor *ed, const otlp_edit_fns *fns, void *arg)
{
    otlp_log l;
    int rc;
    while ((rc = otlp_edit_log(ed, &l)) > 0)
        if (fns->log && (rc = fns->log(arg, ed, &l)) < 0)
            return rc;
    return rc;
}

static int run_points(otlp_editor *ed, const otlp_edit_fns *fns, void *arg,
                      const otlp_metric *m)
{
    otlp_datapoint dp;
    int rc;
    while ((rc = otlp_edit_datapoint(ed, &dp)) > 0)
        if ((rc = fns->datapoint(arg, ed, m, &dp)) < 0)
            return rc;
    return rc;
}

static int run_metrics(otlp_editor *ed, const otlp_edit_fns *fns, void *arg)
{
    otlp_metric m;
    int rc;
    while ((rc = otlp_edit_metric(ed, &m)) > 0) {
        if (fns->metric && (rc = fns->metric(arg, ed, &m)) < 0)
            return rc;
        if (fns->datapoint && (rc = run_points(ed, fns, arg, &m)) < 0)
            return rc;
    }
    return rc;
}

int edit_run_items(otlp_editor *ed, const otlp_edit_fns *fns, void *arg)
{
    return ed->signal == OTELC_LOGS ? run_logs(ed, fns, arg) : run_metrics(ed, fns, arg);
}
