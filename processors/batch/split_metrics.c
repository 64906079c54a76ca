/*
 * split_metrics.c: cutting a metrics batch into pieces of at most N data
 * points, as the collector's batch processor splits metrics: inside a
 * metric when its points straddle a boundary (each piece keeps the
 * metric with its share of the points), resources and scopes repeated in
 * every piece that has points of theirs. The SDK's editor makes each
 * piece from the whole request, keeping the points of the piece's index
 * range and dropping the rest (and what is left empty with them); a
 * metric outside the range goes without its points being decoded.
 */
#include <stdlib.h>

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/signal.h>

#include "bp.h"

/* The data points of one piece: indexes [lo, hi) in request order. */
typedef struct point_range {
    uint64_t lo, hi;
    uint64_t at; /* the index of the next point met */
} point_range;

/* A metric is kept when its points meet the range; a metric without
 * points goes with the piece its place falls in. */
static int keep_metric(void *arg, otlp_editor *ed, const otlp_metric *m)
{
    point_range *r = arg;
    size_t n;
    if (otlp_metric_count_points(m, &n) != OTLP_OK)
        return -1;
    bool out = n ? r->at + n <= r->lo || r->at >= r->hi : r->at < r->lo || r->at >= r->hi;
    if (!out)
        return 0; /* its points are visited, and counted there */
    r->at += n;
    return otlp_edit_drop(ed, OTLP_EDIT_METRIC) < 0 ? -1 : 0;
}

static int keep_point(void *arg, otlp_editor *ed, const otlp_metric *m, const otlp_datapoint *dp)
{
    point_range *r = arg;
    uint64_t i = r->at++;
    (void)m, (void)dp;
    if (i >= r->lo && i < r->hi)
        return 0;
    return otlp_edit_drop(ed, OTLP_EDIT_DATAPOINT) < 0 ? -1 : 0;
}

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

/* One piece of the request at flat, as a batch with m's metadata. */
static otelc_batch *piece(const otelc_host_api *api, otlp_editor *ed, otelc_batch *m,
                          const uint8_t *flat, point_range r)
{
    static const otlp_edit_fns fns = {.metric = keep_metric, .datapoint = keep_point};
    uint8_t *out;
    size_t len, items;
    if (otlp_edit_run_signal(ed, OTELC_METRICS, flat, otelc_batch_len(m), &fns, &r, &items) !=
            OTLP_OK ||
        otlp_edit_take(ed, &out, &len) != OTLP_OK)
        return NULL;
    otelc_batch *b = api->batch_adopt(out, len, (uint32_t)items, free_buf, NULL,
                                      otelc_batch_meta_of(m));
    if (!b)
        free(out); /* adopt did not take it */
    return b;
}

int bp_split_metrics(const otelc_host_api *api, otelc_batch *m, uint64_t max, bp_pieces *out)
{
    const uint8_t *flat = otelc_batch_flat(m);
    uint64_t total = otelc_batch_spans(m);
    size_t n = max ? (size_t)((total + max - 1) / max) : 1;
    otlp_editor *ed = otlp_editor_new();
    *out = (bp_pieces){.b = calloc(n ? n : 1, sizeof(otelc_batch *)), .n = n};
    int rc = flat && ed && out->b ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* The last piece takes what follows the last point too. */
        point_range r = {i * max, i + 1 < n ? (i + 1) * max : UINT64_MAX, 0};
        out->b[i] = piece(api, ed, m, flat, r);
        rc = out->b[i] ? 0 : -1;
    }
    otlp_editor_free(ed);
    if (rc != 0)
        bp_pieces_free(out);
    return rc;
}
